// The shape of the nr decision tree: an optimal alphabetic tree over n sorted segments.
// Every internal node is one JGE on a segment's low bound and is paid by the weight of all
// segments below it; a leaf's own cost is fixed. With cost(i,j) = W(i..j) + min over k of
// cost(i,k-1) + cost(k,j), Knuth's monotone-root rule holds (the leaf costs only add a term that
// is the same for every k), so the DP is O(n^2). Past MAX_DP segments the memory would grow
// too large, so the tree splits where the weight balances instead.

const MAX_DP: i32 = 1024;

/**
 * The DP tables, n*n each, reused from tree to tree: the heap is never freed during a compile,
 * and a fresh pair per candidate tree would cost more to allocate than to fill.
 */
export class Scratch {
  cost: StaticArray<i64> = new StaticArray<i64>(0);
  /** The cost table transposed, so that the DP's inner loop reads both tables in order. */
  costT: StaticArray<i64> = new StaticArray<i64>(0);
  spare: StaticArray<i32> = new StaticArray<i32>(0);

  /** A roots table of at least `cells` cells, and a cost table just as large. */
  take(cells: i32): StaticArray<i32> {
    if (this.cost.length < cells) {
      this.cost = new StaticArray<i64>(cells);
      this.costT = new StaticArray<i64>(cells);
    }
    let roots = this.spare;
    if (roots.length < cells) roots = new StaticArray<i32>(cells);
    this.spare = new StaticArray<i32>(0);
    return roots;
  }

  /** Hands back a tree's roots table once the tree is no longer wanted. */
  give(t: Tree): void {
    const roots = t.roots;
    if (roots && roots.length > this.spare.length) this.spare = roots;
  }
}

export class Tree {
  /** root(i, j) for i < j: the first segment of the right (>=) subtree. */
  roots: StaticArray<i32> | null = null;
  cost: i64 = 0;

  constructor(readonly n: i32, private weight: StaticArray<i64>, leafCost: StaticArray<i64>, scratch: Scratch) {
    if (n <= MAX_DP) this.cost = this.solve(leafCost, scratch);
    else this.cost = -1;
  }

  /** Where [i..j] (i < j) splits. */
  split(i: i32, j: i32): i32 {
    const roots = this.roots;
    if (roots) return roots[i * this.n + j];
    return this.balanced(i, j);
  }

  private solve(leafCost: StaticArray<i64>, scratch: Scratch): i64 {
    const n = this.n;
    const w = this.weight;
    const prefix = new StaticArray<i64>(n + 1);
    for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + w[i];
    const roots = scratch.take(n * n);
    const cost = scratch.cost;
    const costT = scratch.costT;
    for (let i = 0; i < n; i++) {
      cost[i * n + i] = leafCost[i];
      costT[i * n + i] = leafCost[i];
    }
    for (let len = 1; len < n; len++) {
      for (let i = 0; i + len < n; i++) {
        const j = i + len;
        const from = len == 1 ? i + 1 : roots[i * n + j - 1];
        const to = len == 1 ? j : roots[(i + 1) * n + j];
        let best: i64 = i64.MAX_VALUE;
        let bestK = from;
        for (let k = from; k <= to; k++) {
          const c = unchecked(cost[i * n + k - 1]) + unchecked(costT[j * n + k]);
          if (c < best) {
            best = c;
            bestK = k;
          }
        }
        const c = best + prefix[j + 1] - prefix[i];
        cost[i * n + j] = c;
        costT[j * n + i] = c;
        roots[i * n + j] = bestK;
      }
    }
    this.roots = roots;
    return cost[n - 1];
  }

  private balanced(i: i32, j: i32): i32 {
    let total: i64 = 0;
    for (let s = i; s <= j; s++) total += this.weight[s];
    let left: i64 = 0;
    let k = i + 1;
    for (let s = i; s < j; s++) {
      left += this.weight[s];
      k = s + 1;
      if (left * 2 >= total) break;
    }
    return k;
  }
}

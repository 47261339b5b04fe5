// The shape of the nr decision tree: an optimal alphabetic tree over n sorted fine ranges whose
// leaves are stretches of segments (segment.ts). Every internal node is one JGE on a range's low
// bound and is paid by the weight of all ranges below it; a leaf pays for its own code.
//
// The mean is not all that counts: a slow path is paid on every call of its syscall, so the
// tree also bounds its height. Layer d of the DP holds, for every [i..j], the cheapest tree in
// which no measured number executes more than d instructions from [i..j]'s root on (compares,
// peeled JEQs and its leaf code alike):
//   cost(d, i, j) = min(leaf i..j if its worst path <= d, W(i..j) + min_k cost(d-1, i, k-1) + cost(d-1, k, j))
// The layer kept minimises SCORE_MEAN * (total executed) + d * (measured numbers): one
// instruction off the worst path is worth 1/SCORE_MEAN instruction off the average. The
// unlimited tree is built first (Knuth's monotone-root DP, O(n^2)); it bounds every layer from
// below, which tells when more layers cannot win, and where its subtree already fits a layer,
// the layer keeps it. Knuth's bounds also narrow each layer's search (proven for the unlimited
// tree of plain ranges; with heights a heuristic, which test/unit/bpf-tree.test.ts holds to an
// exhaustive height-limited DP).
// Past MAX_LIMITED ranges the layers would cost too much memory and only the unlimited tree is
// built; past MAX_DP even that would, and the tree splits where the weight balances.
import { INF, INSN_COST, LeafTable, MEASURED, SPAN } from "./segment";

const MAX_DP: i32 = 1024;
const MAX_LIMITED: i32 = 256;
/** Height layers tried at most; more would only matter for leaves with very long rule chains. */
const MAX_LAYERS: i32 = 64;
const SCORE_MEAN: i64 = 4;

/**
 * The DP tables, reused from tree to tree: the heap is never freed during a compile, and fresh
 * tables per tree would cost more to allocate than to fill.
 */
export class Scratch {
  // Allocated on first use (see ensure): a compile's small trees need few of them, and each
  // allocation costs about as much as filling a small table.
  prev: StaticArray<i64> = empty<i64>();
  cur: StaticArray<i64> = empty<i64>();
  /** cur transposed, so that the DP's inner loop reads both child costs in order. */
  curT: StaticArray<i64> = empty<i64>();
  prevT: StaticArray<i64> = empty<i64>();
  roots: StaticArray<i32> = empty<i32>();
  choice: StaticArray<u16> = empty<u16>();
  /** The unlimited layer: costs (and transposed), choices, and each subtree's worst path. */
  costU: StaticArray<i64> = empty<i64>();
  costUT: StaticArray<i64> = empty<i64>();
  choiceU: StaticArray<u16> = empty<u16>();
  heightU: StaticArray<i32> = empty<i32>();
  /** Per row i of a layer: the last j whose [i..j] fits. */
  reach: StaticArray<i32> = empty<i32>();
  reachPrev: StaticArray<i32> = empty<i32>();
  /** Per row i: the first j whose unlimited subtree [i..j] does not fit the current layer. */
  fits: StaticArray<i32> = empty<i32>();
  /** fits as the previous layer found it. */
  fitsBefore: StaticArray<i32> = empty<i32>();

  /** Tables for n ranges: the unlimited layer's, and the layers' too when `limited`. */
  ensure(n: i32, limited: bool): void {
    const cells = n * n;
    if (this.costU.length < cells) {
      this.roots = uninit<i32>(cells);
      this.costU = uninit<i64>(cells);
      this.costUT = uninit<i64>(cells);
      this.choiceU = uninit<u16>(cells);
      this.heightU = uninit<i32>(cells);
    }
    if (!limited) return;
    if (this.reach.length < n) {
      this.reach = new StaticArray<i32>(n);
      this.reachPrev = new StaticArray<i32>(n);
      this.fits = new StaticArray<i32>(n + 1);
      this.fitsBefore = new StaticArray<i32>(n);
    }
    if (this.cur.length < cells) {
      this.prev = uninit<i64>(cells);
      this.cur = uninit<i64>(cells);
      this.prevT = uninit<i64>(cells);
      this.curT = uninit<i64>(cells);
    }
    if (this.choice.length < 2 * cells) this.choice = uninit<u16>(2 * cells);
  }

  swap(): void {
    const c = this.cur;
    this.cur = this.prev;
    this.prev = c;
    const t = this.curT;
    this.curT = this.prevT;
    this.prevT = t;
    const r = this.reach;
    this.reach = this.reachPrev;
    this.reachPrev = r;
  }
}

/** choice cell: the split k (>= 1), or LEAF. */
const LEAF: u16 = 0;
/** The layer of the unlimited tree. */
const FREE: i32 = -1;

export class Tree {
  /** The layer emission starts from (FREE: the unlimited tree). */
  top: i32 = FREE;
  private limited: bool;

  private prefix: StaticArray<i64> = new StaticArray<i64>(0);

  /**
   * weight[r] per fine range; `measured`: how many measured numbers the tree holds (what one
   * more instruction on the worst path costs in the score).
   */
  constructor(readonly n: i32, private weight: StaticArray<i64>, private leaves: LeafTable, measured: i64,
    private scratch: Scratch, private insnCost: i64 = INSN_COST) {
    this.limited = n <= MAX_LIMITED;
    if (n <= MAX_DP) {
      this.solve(measured);
    } else {
      this.prefix = new StaticArray<i64>(n + 1);
      for (let r = 0; r < n; r++) this.prefix[r + 1] = this.prefix[r] + weight[r];
    }
  }

  /** The layer [i..j]'s choice is read from: d, or FREE where layer d keeps the unlimited subtree. */
  layer(i: i32, j: i32, d: i32): i32 {
    if (d == FREE || this.n > MAX_DP) return d;
    return this.scratch.heightU[i * this.n + j] <= d ? FREE : d;
  }

  /** The first range of [i..j]'s right (>=) subtree at layer(i, j, d). */
  split(i: i32, j: i32, d: i32): i32 {
    if (this.n > MAX_DP) return this.balanced(i, j);
    return <i32>this.choiceAt(i, j, d);
  }

  /** The layer below layer d. */
  below(d: i32): i32 {
    return d == FREE ? FREE : d - 1;
  }

  /** Whether [i..j] is one leaf at layer(i, j, d). */
  isLeaf(i: i32, j: i32, d: i32): bool {
    if (this.n > MAX_DP) return j - i < SPAN && this.leaves.sum[i * SPAN + j - i] < INF;
    return this.choiceAt(i, j, d) == LEAF;
  }

  private choiceAt(i: i32, j: i32, d: i32): u16 {
    const cell = i * this.n + j;
    return d == FREE ? this.scratch.choiceU[cell] : this.scratch.choice[d * this.n * this.n + cell];
  }

  private solve(measured: i64): void {
    const n = this.n;
    const prefix = new StaticArray<i64>(n + 1);
    for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + this.weight[i];
    const s = this.scratch;
    s.ensure(n, this.limited);
    // The unlimited tree costs no more than any layer: once even it, at the next height, could
    // not beat the best score so far, no later layer can.
    const floor = this.fillFree(prefix);
    // A range whose own code runs longer than every layer leaves no layer to try.
    for (let r = 0; r < n && this.limited; r++) {
      if (this.leaves.most[r * SPAN] >= MAX_LAYERS) this.limited = false;
    }
    if (!this.limited) return;
    s.fits.fill(0, 0, n);
    s.fitsBefore.fill(0, 0, n);
    let bestScore: i64 = i64.MAX_VALUE;
    for (let d = 0; d < MAX_LAYERS; d++) {
      if (SCORE_MEAN * floor + <i64>d * measured * MEASURED >= bestScore) break;
      const total = this.fillLayer(d, prefix);
      if (total < INF) {
        const score = SCORE_MEAN * total + <i64>d * measured * MEASURED;
        if (score < bestScore) {
          bestScore = score;
          this.top = d;
        }
      }
      s.swap();
    }
    if (bestScore == i64.MAX_VALUE) {
      // No layer fits (leaves with huge chains): keep the unlimited tree.
      this.limited = false;
      this.top = FREE;
    }
  }

  /** The unlimited layer (Knuth's order: children are shorter intervals of the same layer). */
  private fillFree(prefix: StaticArray<i64>): i64 {
    const n = this.n;
    const s = this.scratch;
    const cost = s.costU;
    const costT = s.costUT;
    const roots = s.roots;
    const choice = s.choiceU;
    const height = s.heightU;
    const sums = this.leaves.sum;
    const most = this.leaves.most;
    for (let len = 0; len < n; len++) {
      for (let i = 0; i + len < n; i++) {
        const j = i + len;
        let best: i64 = INF;
        let pick: u16 = LEAF;
        if (len < SPAN) best = unchecked(sums[i * SPAN + len]);
        if (len > 0) {
          const from = len == 1 ? i + 1 : unchecked(roots[i * n + j - 1]);
          const to = len == 1 ? j : unchecked(roots[(i + 1) * n + j]);
          let split: i64 = INF;
          let bestK = from;
          for (let k = from; k <= to; k++) {
            const c = unchecked(cost[i * n + k - 1]) + unchecked(costT[j * n + k]);
            if (c < split) {
              split = c;
              bestK = k;
            }
          }
          unchecked((roots[i * n + j] = bestK));
          split = min(split + prefix[j + 1] - prefix[i] + this.insnCost, INF);
          if (split < best) {
            best = split;
            pick = <u16>bestK;
          }
        }
        unchecked((cost[i * n + j] = best));
        unchecked((costT[j * n + i] = best));
        unchecked((choice[i * n + j] = pick));
        // The worst path below [i..j], which tells the layers where this subtree already fits.
        unchecked((height[i * n + j] = pick == LEAF ? unchecked(most[i * SPAN + len])
          : 1 + max(unchecked(height[i * n + pick - 1]), unchecked(height[pick * n + j]))));
      }
    }
    return cost[n - 1];
  }

  /**
   * Layer d >= 0 from layer d - 1; returns the whole tree's cost (INF when it does not fit).
   * Only the cells between "the unlimited subtree fits" and "nothing fits" need work. A row's
   * cells fit up to its `reach` (cutting a tree's last range off never makes it taller), and
   * the unlimited subtrees fit from the left up to `fits[i]`, which only grows with d: so each
   * row is scanned from fits[i] to the first cell that does not fit, bottom row first (the
   * Knuth bounds read [i+1..j] and [i..j-1] of this layer).
   */
  private fillLayer(d: i32, prefix: StaticArray<i64>): i64 {
    const n = this.n;
    const s = this.scratch;
    const base = d * n * n;
    if (s.choice.length < base + n * n) {
      const grown = uninit<u16>(max(2 * s.choice.length, base + n * n));
      memory.copy(changetype<usize>(grown), changetype<usize>(s.choice), <usize>s.choice.length << 1);
      s.choice = grown;
    }
    const cur = s.cur;
    const curT = s.curT;
    const reach = s.reach;
    const kid = s.prev;
    const kidT = s.prevT;
    const kidReach = s.reachPrev;
    const fits = s.fits;
    const roots = s.roots;
    const choice = s.choice;
    const costU = s.costU;
    const heightU = s.heightU;
    const sums = this.leaves.sum;
    const most = this.leaves.most;
    const fitsBefore = s.fitsBefore;
    const choiceU = s.choiceU;
    for (let i = n - 1; i >= 0; i--) {
      // Where the unlimited subtree fits, this layer's table takes its cost, so that children
      // are always read from the layer below: the cells that fit since the last layer or this
      // one (the table was last written two layers ago).
      const last = unchecked(fits[i]);
      let f = max(last, i);
      while (f < n && unchecked(heightU[i * n + f]) <= d) f++;
      for (let c = max(unchecked(fitsBefore[i]), i); c < f; c++) keepUnlimited(i, c, n, cur, curT, costU);
      unchecked((fitsBefore[i] = last));
      unchecked((fits[i] = f));
      let j = f;
      for (; j < n; j++) {
        if (unchecked(heightU[i * n + j]) <= d) {
          keepUnlimited(i, j, n, cur, curT, costU); // see layer()
          continue;
        }
        const len = j - i;
        let best: i64 = INF;
        let pick: u16 = LEAF;
        if (len < SPAN && unchecked(most[i * SPAN + len]) <= d) best = unchecked(sums[i * SPAN + len]);
        if (len > 0 && d > 0) {
          // Knuth's bounds: the roots of [i..j-1] and [i+1..j] at this layer, which is the
          // unlimited tree's root where that subtree already fits; else the whole range.
          const leftCell = i * n + j - 1;
          const downCell = (i + 1) * n + j;
          let from = i + 1;
          if (unchecked(heightU[leftCell]) > d) from = j - 1 >= f ? unchecked(roots[leftCell]) : from;
          else if (unchecked(choiceU[leftCell]) != LEAF) from = <i32>unchecked(choiceU[leftCell]);
          let to = j;
          if (unchecked(heightU[downCell]) > d) {
            if (j >= unchecked(fits[i + 1]) && j <= unchecked(reach[i + 1])) to = unchecked(roots[downCell]);
          } else if (unchecked(choiceU[downCell]) != LEAF) {
            to = <i32>unchecked(choiceU[downCell]);
          }
          // (Heuristic bounds may cross or, for len 1, point anywhere: keep them in range.)
          from = min(max(from, i + 1), j);
          to = min(max(to, i + 1), j);
          if (from > to) {
            const t = from;
            from = to;
            to = t;
          }
          to = min(to, unchecked(kidReach[i]) + 1); // [i..k-1] must fit below
          let split: i64 = INF;
          let bestK = from;
          for (let k = from; k <= to; k++) {
            if (unchecked(kidReach[k]) < j) continue; // [k..j] must fit below
            const c = unchecked(kid[i * n + k - 1]) + unchecked(kidT[j * n + k]);
            if (c < split) {
              split = c;
              bestK = k;
            }
          }
          unchecked((roots[i * n + j] = bestK));
          if (split < INF) {
            split += prefix[j + 1] - prefix[i] + this.insnCost;
            if (split < best) {
              best = split;
              pick = <u16>bestK;
            }
          }
        }
        if (best >= INF) break;
        unchecked((cur[i * n + j] = best));
        unchecked((curT[j * n + i] = best));
        unchecked((choice[base + i * n + j] = pick));
      }
      unchecked((reach[i] = j - 1));
    }
    if (reach[0] < n - 1) return INF;
    return heightU[n - 1] <= d ? s.costU[n - 1] : cur[n - 1];
  }

  /** Past MAX_DP: split where the weight balances (O(log n) deep for any weights). */
  private balanced(i: i32, j: i32): i32 {
    const prefix = this.prefix;
    const half = (prefix[i] + prefix[j + 1]) >> 1;
    let a = i + 1;
    let b = j;
    while (a < b) {
      const m = (a + b) >> 1;
      if (prefix[m] < half) a = m + 1;
      else b = m;
    }
    return a;
  }
}

// @ts-ignore: decorator
@inline function keepUnlimited(i: i32, j: i32, n: i32, cur: StaticArray<i64>, curT: StaticArray<i64>, costU: StaticArray<i64>): void {
  const c = unchecked(costU[i * n + j]);
  unchecked((cur[i * n + j] = c));
  unchecked((curT[j * n + i] = c));
}

/** A StaticArray whose every element the caller writes before reading: no zeroing. */
// @ts-ignore: decorator
@inline function uninit<T>(length: i32): StaticArray<T> {
  return changetype<StaticArray<T>>(__new(<usize>length << alignof<T>(), idof<StaticArray<T>>()));
}

// The empty table, in static memory (the heap is reset between calls): a zero-length
// StaticArray of any element type is an object header whose rtSize (the word before the
// payload) is 0, and that is all `length` reads.
const EMPTY: usize = memory.data(32, 16);

/** A zero-length StaticArray that costs no allocation. */
// @ts-ignore: decorator
@inline function empty<T>(): StaticArray<T> {
  return changetype<StaticArray<T>>(EMPTY + 16);
}

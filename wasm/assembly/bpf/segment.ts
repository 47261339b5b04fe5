// The tree's leaves. A segment is a maximal run of one key over a partition, where an odd
// singleton (one number whose neighbours share a key, like clone3 in "allow everything else")
// is "peeled": tested with one JEQ inside the run instead of splitting it. A leaf of the tree
// is any stretch of one segment: its peeled singletons are tested first, heaviest first, and
// the rest falls through to the segment's key.
import { Partition } from "../lower/ranges";

/**
 * The segments of a partition: maximal runs of one key, where a singleton range whose neighbours
 * share a key is peeled. A range is peeled exactly when its key differs from its segment's
 * (neighbouring ranges of a partition never share a key).
 */
export class Segments {
  count: i32 = 0;
  /** The segment of each fine range. */
  segOf: StaticArray<i32>;
  /** Each segment's own key. */
  keyOf: StaticArray<i32>;

  constructor(part: Partition) {
    const n = part.length;
    this.segOf = new StaticArray<i32>(n);
    this.keyOf = new StaticArray<i32>(n);
    let joinNext = false;
    for (let r = 0; r < n; r++) {
      const last = this.count - 1;
      if (joinNext) {
        this.segOf[r] = last;
        joinNext = false;
        continue;
      }
      if (last >= 0 && part.lo[r] == part.hi[r] && r + 1 < n && part.outcome[r + 1] == this.keyOf[last] &&
          part.outcome[r - 1] == this.keyOf[last]) {
        this.segOf[r] = last;
        joinNext = true;
        continue;
      }
      this.keyOf[this.count] = part.outcome[r];
      this.segOf[r] = this.count++;
    }
  }

  /** Whether range r is a singleton peeled out of its segment. */
  isPeeled(part: Partition, r: i32): bool {
    return part.outcome[r] != this.keyOf[this.segOf[r]];
  }
}

/** Most singletons one leaf peels: each costs every number of its leaf one more JEQ. */
export const PEEL_MAX: i32 = 4;
/** Fine ranges one leaf can span: its peeled singletons and the base ranges around them. */
export const SPAN: i32 = 2 * PEEL_MAX + 1;
/** "No such leaf" in a LeafTable, and "infeasible" in the tree's DP; sums of two stay finite. */
export const INF: i64 = i64.MAX_VALUE >> 2;
/** Weight of one measured number in the tree's costs, against 1 for a range that holds none. */
export const MEASURED: i64 = 1000;
/**
 * What one instruction of the nr tree (a JGE node or a peeled JEQ) adds to its cost, beside the
 * weight of the numbers that pass it: program length counts too, at the price of one measured
 * number executing one more instruction. Measured on the random-policy bench and moby: this
 * price shortens programs at no cost to the mean executed; any higher one lengthens moby's mean
 * (twice this: 10.40 -> 10.57), so length and mean are traded no further here.
 */
export const INSN_COST: i64 = MEASURED;

/**
 * Every leaf the tree may use: the stretch i..j (j - i < SPAN) of fine ranges, when it lies in
 * one segment (Segments) and peels at most PEEL_MAX singletons. Costs follow
 * the tree's units: a range's weight pays for each JEQ it passes, plus its own leaf cost.
 */
export class LeafTable {
  /** Weighted cost of leaf i..j at [i * SPAN + j - i], INF when there is no such leaf. */
  sum: StaticArray<i64> = new StaticArray<i64>(0);
  /** The most instructions a measured number executes in leaf i..j (0: none is measured). */
  most: StaticArray<i32> = new StaticArray<i32>(0);
  private segOf: StaticArray<i32> = new StaticArray<i32>(0);
  private keyOf: StaticArray<i32> = new StaticArray<i32>(0);

  /**
   * weight[r]: what one more compare above range r costs; leafCost[r]: r's own code, weighted;
   * exec[r]: instructions r's code executes for a measured number (-1: r holds none).
   */
  constructor(part: Partition, private weight: StaticArray<i64>, leafCost: StaticArray<i64>, exec: StaticArray<i32>,
    insnCost: i64 = INSN_COST) {
    const n = part.length;
    const segs = new Segments(part);
    this.segOf = segs.segOf;
    this.keyOf = segs.keyOf;
    this.sum = new StaticArray<i64>(n * SPAN);
    this.most = new StaticArray<i32>(n * SPAN);
    this.sum.fill(INF);
    // The peeled singletons of i..j, heaviest first, grown as j grows (the same insertion order
    // as peeled(), so the same order): no list is allocated per leaf.
    const order = new StaticArray<i32>(SPAN);
    for (let i = 0; i < n; i++) {
      const seg = this.segOf[i];
      const key = this.keyOf[seg];
      let p = 0;
      for (let j = i; j < n && j - i < SPAN && this.segOf[j] == seg; j++) {
        if (j == i + 1 && part.outcome[i] != key) p = insertByWeight(order, p, i, weight);
        if (j > i && part.outcome[j] != key) p = insertByWeight(order, p, j, weight);
        if (p > PEEL_MAX) break;
        let sum: i64 = 0;
        let most: i32 = 0;
        for (let e = 0; e < p; e++) {
          const r = unchecked(order[e]);
          sum += weight[r] * (e + 1) + leafCost[r] + insnCost;
          if (exec[r] >= 0) most = max(most, e + 1 + exec[r]);
        }
        for (let r = i; r <= j; r++) {
          if (i < j && part.outcome[r] != key) continue;
          sum += weight[r] * p + leafCost[r];
          if (exec[r] >= 0) most = max(most, p + exec[r]);
        }
        this.sum[i * SPAN + j - i] = sum;
        this.most[i * SPAN + j - i] = most;
      }
    }
  }

  /** The key leaf i..j falls through to. */
  key(part: Partition, i: i32, j: i32): i32 {
    return i == j ? part.outcome[i] : this.keyOf[this.segOf[i]];
  }

  /** The singletons leaf i..j tests with JEQ, in the order it tests them (heaviest first). */
  peeled(part: Partition, i: i32, j: i32): i32[] {
    const list: i32[] = [];
    if (i == j) return list;
    const key = this.keyOf[this.segOf[i]];
    for (let r = i; r <= j; r++) if (part.outcome[r] != key) list.push(r);
    sortByWeight(list, this.weight);
    return list;
  }
}

/**
 * Inserts r into order[0..p) (heaviest first) after every range at least as heavy, as one step
 * of sortByWeight's insertion sort would; returns the new length (order holds SPAN entries,
 * and a leaf holds at most SPAN ranges).
 */
function insertByWeight(order: StaticArray<i32>, p: i32, r: i32, w: StaticArray<i64>): i32 {
  let j = p - 1;
  while (j >= 0 && w[order[j]] < w[r]) {
    order[j + 1] = order[j];
    j--;
  }
  order[j + 1] = r;
  return p + 1;
}

/** Heaviest first, ties in nr order (insertion sort: a leaf peels few singletons). */
export function sortByWeight(list: i32[], w: StaticArray<i64>): void {
  for (let i = 1; i < list.length; i++) {
    const v = list[i];
    let j = i - 1;
    while (j >= 0 && w[list[j]] < w[v]) {
      list[j + 1] = list[j];
      j--;
    }
    list[j + 1] = v;
  }
}

// The tree's leaves: maximal runs of one key over a partition, where an odd singleton (one
// number whose neighbours share a key, like clone3 in "allow everything else") can be peeled
// out of the run and tested with one JEQ inside its leaf instead of splitting the run.
import { Partition } from "../lower/ranges";

/** A segment of the nr line for the tree: fine ranges plus the singletons peeled out of it. */
export class Leaf {
  base: i32[] = []; // fine ranges with the segment's own key
  peeled: i32[] = []; // singleton fine ranges tested first with JEQ, heaviest first
  constructor(public key: i32) {}
}

/**
 * Segments for the tree: maximal runs of one key, where a singleton range whose neighbours
 * share a key is "peeled" (tested with JEQ inside the run) while the run has fewer than `limit`.
 */
export function segment(part: Partition, limit: i32): Leaf[] {
  const leaves: Leaf[] = [];
  const n = part.length;
  let joinNext = false;
  for (let r = 0; r < n; r++) {
    if (joinNext) {
      leaves[leaves.length - 1].base.push(r);
      joinNext = false;
      continue;
    }
    const last = leaves.length > 0 ? leaves[leaves.length - 1] : null;
    if (last && part.lo[r] == part.hi[r] && r + 1 < n && part.outcome[r + 1] == last.key &&
        part.outcome[r - 1] == last.key && last.peeled.length < limit) {
      last.peeled.push(r);
      joinNext = true;
      continue;
    }
    const leaf = new Leaf(part.outcome[r]);
    leaf.base.push(r);
    leaves.push(leaf);
  }
  return leaves;
}

/** Heaviest first (insertion sort: a run holds few peeled singletons). */
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

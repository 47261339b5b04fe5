// The lowering step: a decoded policy becomes what code generation needs and nothing else.
// Per auditArch a partition of raw nr 0..2^32-1 into ranges with one outcome each (ranges.ts);
// their union, whose pieces are keyed by the tuple of per-arch outcomes (for nr-first
// dispatch); the outcomes themselves, interned; and the numbers measured to pick a strategy.
import { Outcomes } from "./outcome";
import { Policy } from "./policy";
import { lowerArch, Partition } from "./ranges";
import { sortU64 } from "./sort";

export class Lowered {
  outcomes: Outcomes = new Outcomes();
  /** Distinct auditArch values, in the policy's ABI order. */
  arches: u32[] = [];
  /** parts[x]: arch x's partition. */
  parts: Partition[] = [];
  /** The union of all partitions' cuts; each piece's key indexes `tuples`. */
  union: Partition = new Partition();
  /** tuples[key][x]: arch x's outcome on that piece of the union. */
  tuples: i32[][] = [];
  /** The outcome of a number no ABI owns. */
  badOutcome: i32 = 0;
  // The measured numbers: per ABI, its arch's index and raw nrs mLo..mHi.
  mArch: i32[] = [];
  mLo: u32[] = [];
  mHi: u32[] = [];

  constructor(public policy: Policy) {}
}

export function lower(policy: Policy): Lowered {
  const l = new Lowered(policy);
  for (let i = 0; i < policy.abis.length; i++) {
    const arch = policy.abis[i].auditArch;
    if (!l.arches.includes(arch)) l.arches.push(arch);
  }
  for (let x = 0; x < l.arches.length; x++) l.parts.push(lowerArch(policy, l.arches[x], l.outcomes));
  l.badOutcome = l.outcomes.plain(policy.badArchAction);
  for (let i = 0; i < policy.abis.length; i++) {
    const abi = policy.abis[i];
    l.mArch.push(l.arches.indexOf(abi.auditArch));
    l.mLo.push(abi.nrBase);
    l.mHi.push(<u32>min<u64>(<u64>abi.nrBase + <u64>abi.maxNr, <u64>u32.MAX_VALUE));
  }
  unite(l);
  return l;
}

function unite(l: Lowered): void {
  const nA = l.arches.length;
  const cuts: u64[] = [];
  for (let x = 0; x < nA; x++) {
    for (let r = 0; r < l.parts[x].length; r++) cuts.push(<u64>l.parts[x].lo[r]);
  }
  sortU64(cuts);
  for (let c = 0; c < cuts.length; c++) {
    if (c > 0 && cuts[c] == cuts[c - 1]) continue;
    const lo = <u32>cuts[c];
    let hi = u32.MAX_VALUE;
    for (let d = c + 1; d < cuts.length; d++) {
      if (<u32>cuts[d] != lo) {
        hi = <u32>cuts[d] - 1;
        break;
      }
    }
    const tuple = new Array<i32>(nA);
    for (let x = 0; x < nA; x++) tuple[x] = l.parts[x].outcome[l.parts[x].find(lo)];
    l.union.add(lo, hi, internTuple(l.tuples, tuple));
  }
}

function internTuple(tuples: i32[][], tuple: i32[]): i32 {
  for (let t = 0; t < tuples.length; t++) {
    const u = tuples[t];
    let same = true;
    for (let x = 0; x < tuple.length; x++) same = same && u[x] == tuple[x];
    if (same) return t;
  }
  tuples.push(tuple);
  return tuples.length - 1;
}

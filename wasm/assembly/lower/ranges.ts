// Lowering (kafel's range_rules idea): for one auditArch, a complete sorted cover of raw nr
// 0..2^32-1 by maximal ranges with the same outcome. Rule and region bounds cut the number
// line into elementary intervals; each takes its outcome from the ABI that owns it (the
// narrowest region containing it, so x32 wins over x86_64 above 0x40000000) and that ABI's
// rules, in order; an interval no ABI owns gets the bad-arch action.
import { Abi, Policy, Rule } from "./policy";
import { Outcomes } from "./outcome";
import { sortU64 } from "./sort";

export class Partition {
  lo: u32[] = [];
  hi: u32[] = [];
  outcome: i32[] = [];

  get length(): i32 {
    return this.lo.length;
  }

  add(lo: u32, hi: u32, outcome: i32): void {
    const n = this.lo.length;
    if (n > 0 && this.outcome[n - 1] == outcome) {
      this.hi[n - 1] = hi;
    } else {
      this.lo.push(lo);
      this.hi.push(hi);
      this.outcome.push(outcome);
    }
  }

  /** Index of the range containing nr. */
  find(nr: u32): i32 {
    let a = 0;
    let b = this.lo.length - 1;
    while (a < b) {
      const m = (a + b + 1) >> 1;
      if (this.lo[m] <= nr) a = m;
      else b = m - 1;
    }
    return a;
  }
}

const END: u64 = 0x100000000;

export function lowerArch(policy: Policy, auditArch: u32, outcomes: Outcomes): Partition {
  const abis: Abi[] = [];
  for (let i = 0; i < policy.abis.length; i++) {
    if (policy.abis[i].auditArch == auditArch) abis.push(policy.abis[i]);
  }
  const cuts: u64[] = [0];
  for (let i = 0; i < abis.length; i++) {
    const abi = abis[i];
    cuts.push(<u64>abi.regionLo);
    cuts.push(<u64>abi.regionHi + 1);
    for (let r = 0; r < abi.rules.length; r++) {
      const rule = abi.rules[r];
      if (rule.first > rule.last) continue;
      cuts.push(rule.first);
      cuts.push(rule.last + 1);
    }
  }
  sortU64(cuts);

  const part = new Partition();
  const bad = outcomes.plain(policy.badArchAction);
  // Scratch lists reused for every interval (outcomes.intern copies the chain it keeps).
  const covering: i32[] = [];
  const chain: Rule[] = [];
  for (let c = 0; c < cuts.length; c++) {
    const lo = cuts[c];
    if (lo >= END || (c > 0 && cuts[c - 1] == lo)) continue;
    let next = END;
    for (let d = c + 1; d < cuts.length; d++) {
      if (cuts[d] > lo) {
        next = min<u64>(cuts[d], END);
        break;
      }
    }
    const owner = ownerOf(abis, lo);
    const outcome = owner ? outcomeAt(owner, lo, policy.defaultAction, outcomes, covering, chain) : bad;
    part.add(<u32>lo, <u32>(next - 1), outcome);
  }
  return part;
}

function ownerOf(abis: Abi[], nr: u64): Abi | null {
  let best: Abi | null = null;
  for (let i = 0; i < abis.length; i++) {
    const abi = abis[i];
    if (nr < <u64>abi.regionLo || nr > <u64>abi.regionHi) continue;
    if (!best || abi.regionWidth < best.regionWidth) best = abi;
  }
  return best;
}

/** The rules covering nr, in order, into `out`: that nr's single-number rules merged with the spans. */
function rulesAt(abi: Abi, nr: u64, out: i32[]): void {
  out.length = 0;
  const singles = abi.singles;
  let a = 0;
  let b = singles.length;
  while (a < b) {
    const m = (a + b) >> 1;
    if (singles[m] >> 20 < nr) a = m + 1;
    else b = m;
  }
  let s = 0;
  for (let i = a; i < singles.length && singles[i] >> 20 == nr; ) {
    const single = <i32>(singles[i] & 0xfffff);
    const span = s < abi.spans.length ? abi.spans[s] : i32.MAX_VALUE;
    if (span < single) {
      s++;
      if (covers(abi.rules[span], nr)) out.push(span);
    } else {
      out.push(single);
      i++;
    }
  }
  for (; s < abi.spans.length; s++) {
    if (covers(abi.rules[abi.spans[s]], nr)) out.push(abi.spans[s]);
  }
}

function covers(rule: Rule, nr: u64): bool {
  return rule.first <= nr && nr <= rule.last;
}

function outcomeAt(abi: Abi, nr: u64, defaultAction: u32, outcomes: Outcomes, covering: i32[], chain: Rule[]): i32 {
  chain.length = 0;
  let final = defaultAction;
  rulesAt(abi, nr, covering);
  for (let i = 0; i < covering.length; i++) {
    const rule = abi.rules[covering[i]];
    if (rule.conds.length == 0) {
      final = rule.action;
      break;
    }
    chain.push(rule);
  }
  return outcomes.intern(chain, final);
}

// The reference evaluator: the ResolvedPolicy semantics (policy/resolved.ts), written directly
// and plainly, with no BPF, no ranges and no trees. The property tests compare every verdict of
// the compiled programs with this.
import type { Cond, ResolvedAbi, ResolvedPolicy } from "../../policy/resolved.ts";

export interface Query {
  arch: number;
  nr: number; // raw seccomp_data.nr, 0 .. 2^32-1
  args: bigint[]; // six u64 values
}

/** The action the policy gives this seccomp_data. */
export function evaluate(policy: ResolvedPolicy, q: Query): number {
  const abi = owner(policy, q.arch, q.nr);
  if (!abi) return policy.badArchAction >>> 0;
  const { nrBase, nrRegion } = abi.abi;
  for (const rule of abi.rules) {
    const first = Math.max(nrBase + rule.nr, nrRegion[0]);
    const last = Math.min(nrBase + (rule.nrLast ?? rule.nr), nrRegion[1]);
    if (q.nr < first || q.nr > last) continue;
    if (rule.conds.every((c) => holds(c, q.args[c.arg] ?? 0n))) return rule.action >>> 0;
  }
  return policy.defaultAction >>> 0;
}

/** The covered ABI a seccomp_data belongs to: same auditArch, nr in its region, narrowest wins. */
function owner(policy: ResolvedPolicy, arch: number, nr: number): ResolvedAbi | undefined {
  let best: ResolvedAbi | undefined;
  for (const a of policy.abis) {
    const [lo, hi] = a.abi.nrRegion;
    if (a.abi.auditArch >>> 0 !== arch >>> 0 || nr < lo || nr > hi) continue;
    if (!best || hi - lo < best.abi.nrRegion[1] - best.abi.nrRegion[0]) best = a;
  }
  return best;
}

function holds(c: Cond, full: bigint): boolean {
  const low = c.lowWord ? 0xffffffffn : 0xffffffffffffffffn;
  const arg = full & low;
  c = { ...c, value: c.value & low, valueTwo: c.valueTwo & low };
  switch (c.op) {
    case "EQ": return arg === c.value;
    case "NE": return arg !== c.value;
    case "LT": return arg < c.value;
    case "LE": return arg <= c.value;
    case "GT": return arg > c.value;
    case "GE": return arg >= c.value;
    case "MASKED_EQ": return (arg & c.value) === (c.valueTwo & c.value);
  }
}

// Differential property test: random policies for every kernel arch are compiled (both
// dispatch strategies, both byte orders), verified, and simulated; every verdict must equal the
// reference evaluator's (test/unit/reference.ts). Seeded: set PROPERTY_SEED to replay a failure,
// PROPERTY_POLICIES to run more.
import { describe, expect, test } from "vitest";
import { abisOf, KERNEL_ARCHES } from "../../arch/index.ts";
import type { AbiFacts, Cond, CmpOp, KernelArch, ResolvedPolicy, Rule } from "../../policy/resolved.ts";
import { compile, simulate, verify, type Program, type Strategy } from "../../wasm/core.ts";
import { evaluate, type Query } from "./reference.ts";
import { prng, type Rng } from "./prng.ts";

const SEED = Number(process.env.PROPERTY_SEED ?? 0x5eccc0de) >>> 0;
const POLICIES = Number(process.env.PROPERTY_POLICIES ?? 2000);
const MAX_U64 = (1n << 64n) - 1n;


const BOUNDARY = [0n, 1n, 2n, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffffn, 1n << 32n, (1n << 32n) + 1n,
  0x7fffffffffffffffn, 1n << 63n, MAX_U64 - 1n, MAX_U64];
const OPS: CmpOp[] = ["EQ", "NE", "LT", "LE", "GT", "GE", "MASKED_EQ"];

function randomAction(r: Rng): number {
  switch (r.int(9)) {
    case 0: return 0x7fff0000; // ALLOW
    case 1: return (0x00050000 | r.pick([1, 38, 0, 4095, 0xffff])) >>> 0; // ERRNO
    case 2: return 0x80000000; // KILL_PROCESS
    case 3: return 0x00000000; // KILL_THREAD
    case 4: return 0x00030000 | r.int(3); // TRAP
    case 5: return 0x7ffc0000; // LOG
    case 6: return (0x7ff00000 | r.int(0x10000)) >>> 0; // TRACE
    case 7: return 0x00050026; // ERRNO(ENOSYS)
    default: return r.u32(); // any raw value
  }
}

function randomValue(r: Rng): bigint {
  switch (r.int(4)) {
    case 0: return r.pick(BOUNDARY);
    case 1: return BigInt(r.int(64));
    case 2: return BigInt(r.u32());
    default: return r.u64();
  }
}

function randomCond(r: Rng): Cond {
  const op = r.pick(OPS);
  let value = randomValue(r);
  let valueTwo = randomValue(r);
  if (op === "MASKED_EQ") {
    if (r.chance(0.3)) value = r.pick([0n, 0xffffffffn, MAX_U64, 0xffffffff00000000n]);
    if (r.chance(0.6)) valueTwo &= value; // satisfiable most of the time
  } else if (r.chance(0.3)) {
    valueTwo = 0n; // ignored by every other op; also vary it
  }
  const cond: Cond = { arg: r.int(6), op, value, valueTwo };
  // libseccomp's 32-bit ABIs compare low words only (policy/libseccomp32.ts).
  if (r.chance(0.25)) cond.lowWord = true;
  return cond;
}

function randomRule(r: Rng, abi: AbiFacts, reuse: number[]): Rule {
  let nr: number;
  switch (r.int(8)) {
    case 0: nr = r.pick([0, 435, abi.maxNr, abi.maxNr + 1, 1023, 0xffffffff, 0x3fffffff, 0x40000000]); break;
    case 1: nr = r.u32(); break;
    case 2: nr = reuse.length ? r.pick(reuse) : r.int(abi.maxNr + 1); break; // duplicates
    default: nr = r.int(abi.maxNr + 40);
  }
  reuse.push(nr);
  const rule: Rule = { nr, action: randomAction(r), conds: [] };
  if (r.chance(0.2)) {
    rule.nrLast = r.chance(0.2) ? r.pick([0xffffffff, 0x7fffffff, 0xbfffffff]) : Math.min(0xffffffff, nr + r.int(r.chance(0.5) ? 4 : 600));
    if (r.chance(0.05)) rule.nrLast = Math.max(0, nr - 1); // empty range
  }
  const nConds = r.chance(0.6) ? 0 : 1 + r.int(3);
  for (let i = 0; i < nConds; i++) rule.conds.push(randomCond(r));
  return rule;
}

function randomPolicy(r: Rng): { policy: ResolvedPolicy; all: AbiFacts[] } {
  const kernelArch: KernelArch = r.pick(KERNEL_ARCHES);
  const all = abisOf(kernelArch);
  let chosen = all.filter(() => r.chance(0.6));
  if (chosen.length === 0) chosen = [r.pick(all)];
  if (r.chance(0.3)) chosen.reverse(); // narrowest-wins must not depend on order
  const defaultAction = randomAction(r);
  const badArchAction = r.chance(0.4) ? defaultAction : randomAction(r);
  const size = r.chance(0.1) ? 150 : r.chance(0.5) ? 12 : 40;
  const abis = chosen.map((abi) => {
    const reuse: number[] = [];
    const n = r.int(size);
    return { abi, rules: Array.from({ length: n }, () => randomRule(r, abi, reuse)) };
  });
  // The clone3 shape shows up among random ones too: one odd number in a uniform run.
  if (r.chance(0.1)) for (const a of abis) a.rules = [{ nr: 435, action: 0x00050026, conds: [] }];
  return { policy: { kernelArch, bigEndian: all[0].bigEndian, defaultAction, badArchAction, abis }, all };
}

/** Arguments that land on, next to, and far from the policy's compared values. */
function argPool(policy: ResolvedPolicy): bigint[] {
  const pool = new Set<bigint>(BOUNDARY);
  for (const a of policy.abis) for (const rule of a.rules) for (const c of rule.conds) {
    for (const v of [c.value, c.valueTwo, c.value ^ (1n << 32n), c.valueTwo | (c.value & ~c.valueTwo)]) {
      for (const d of [-1n, 0n, 1n]) if (v + d >= 0n && v + d <= MAX_U64) pool.add(v + d);
    }
  }
  return [...pool];
}

function queries(r: Rng, policy: ResolvedPolicy, all: AbiFacts[]): Query[] {
  const pool = argPool(policy);
  const args = (): bigint[] => Array.from({ length: 6 }, () => (r.chance(0.85) ? r.pick(pool) : r.u64()));
  const out: Query[] = [];
  const arches = [...new Set(all.map((a) => a.auditArch))];
  for (const abi of all) {
    for (let nr = 0; nr <= 1023; nr++) out.push({ arch: abi.auditArch, nr: abi.nrBase + nr, args: args() });
  }
  for (const arch of arches) {
    out.push({ arch, nr: 0xffffffff, args: args() }); // a tracer's "skip this syscall"
    for (const nr of [0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xfffffffe]) out.push({ arch, nr, args: args() });
    for (let i = 0; i < 40; i++) out.push({ arch, nr: r.u32(), args: args() });
    // Both ends of every rule range.
    for (const a of policy.abis) for (const rule of a.rules) {
      for (const nr of [rule.nr - 1, rule.nr, rule.nrLast ?? rule.nr, (rule.nrLast ?? rule.nr) + 1]) {
        const raw = a.abi.nrBase + nr;
        if (raw >= 0 && raw <= 0xffffffff) out.push({ arch, nr: raw, args: args() });
      }
    }
  }
  const unknown = [0, 0xc00000b7, 0x40000028, 0xc0000015, 0x80000016, 0x16, 0xc000003e, 0x40000003, 0x80000015, r.u32()]
    .filter((a) => !arches.includes(a >>> 0));
  for (const arch of unknown) for (const nr of [0, 1, 435, r.u32(), 0xffffffff]) out.push({ arch, nr, args: args() });
  return out;
}

function hex(v: number): string {
  return "0x" + (v >>> 0).toString(16);
}

/** Length weights the property test compiles with: the default (1) and the bench sweep's far end. */
const LENGTH_WEIGHTS = [1, 1, 64, 1024];

describe("compiled programs agree with the reference evaluator", () => {
  test(`${POLICIES} random policies, seed ${hex(SEED)}`, () => {
    const strategies: Strategy[] = ["auto", "nr-first", "arch-first"];
    let checked = 0;
    let compiled = 0;
    for (let i = 0; i < POLICIES; i++) {
      const seed = (SEED + i * 0x9e3779b9) >>> 0;
      const r = prng(seed);
      const { policy, all } = randomPolicy(r);
      const strategy = r.pick(strategies);
      const byteOrder = r.chance(0.5) ? "little" : "big";
      // The bench's length weights too (not drawn from r, so the policies and queries stay put).
      const lengthWeight = LENGTH_WEIGHTS[i % LENGTH_WEIGHTS.length];
      const where = `PROPERTY_SEED=${hex(SEED)} policy ${i} (seed ${hex(seed)}, ${policy.kernelArch}, ${strategy}, ${byteOrder}, length weight ${lengthWeight})`;
      let program: Program;
      try {
        program = compile(policy, { byteOrder, strategy, lengthWeight });
      } catch (e) {
        // Only "too large" is an acceptable refusal, and only for really big random policies.
        const rules = policy.abis.reduce((n, a) => n + a.rules.length, 0);
        expect(String(e), where).toMatch(/exceed 4096/);
        expect(rules, where).toBeGreaterThan(100);
        continue;
      }
      compiled++;
      expect(verify(program.bytes, byteOrder), where).toBeNull();
      for (const q of queries(r, policy, all)) {
        const want = evaluate(policy, q);
        const got = simulate(program.bytes, byteOrder, q, policy.bigEndian).action;
        if (got !== want) {
          const args = q.args.map((a) => "0x" + a.toString(16)).join(",");
          expect.fail(`${where}: arch ${hex(q.arch)} nr ${hex(q.nr)} args [${args}]: got ${hex(got)}, want ${hex(want)}`);
        }
        checked++;
      }
    }
    expect(compiled).toBeGreaterThan(POLICIES * 0.95);
    console.log(`property: ${compiled}/${POLICIES} policies compiled, ${checked} verdicts checked, seed ${hex(SEED)}`);
  }, 240_000); // five arches' policies on a shared 2-core machine: past vitest's 60 s default
});

describe("the automatic strategy", () => {
  // Auto must keep whichever of nr-first and arch-first runs fewer instructions over the
  // measured numbers (0..maxNr of every covered ABI, zero arguments), the shorter on a tie;
  // it may skip building nr-first only when a lower bound proves it cannot win.
  test.each([1, 64])("keeps the cheaper of nr-first and arch-first (executed over every number, plus length weight %i x length)", (lengthWeight) => {
    // One instruction of length is priced as lengthWeight numbers executing one more.
    const cost = (p: Program, policy: ResolvedPolicy): number => {
      let sum = p.insns * lengthWeight;
      for (const { abi } of policy.abis) {
        for (let nr = 0; nr <= abi.maxNr; nr++) sum += simulate(p.bytes, p.byteOrder, { nr: abi.nrBase + nr, arch: abi.auditArch }).executed;
      }
      return sum;
    };
    let nrFirstWins = 0;
    for (let i = 0; i < (lengthWeight === 1 ? 150 : 50); i++) {
      const r = prng((SEED ^ 0xa5a5a5a5) + i);
      const { policy } = randomPolicy(r);
      const [auto, nrFirst, archFirst] = (["auto", "nr-first", "arch-first"] as const).map((strategy) => compile(policy, { strategy, lengthWeight }));
      const [a, n, f] = [cost(auto, policy), cost(nrFirst, policy), cost(archFirst, policy)];
      const where = `PROPERTY_SEED=${hex(SEED)} strategy policy ${i}`;
      expect(a, where).toBe(Math.min(n, f));
      if (n < f) nrFirstWins++;
      if (n === f) expect(auto.insns, where).toBe(Math.min(nrFirst.insns, archFirst.insns));
    }
    expect(nrFirstWins).toBeGreaterThan(0); // both strategies do win sometimes
  });
});

// The argument decision graph (wasm/assembly/bpf/graph.ts) on the policies that stress it: many
// rules on one syscall, syscalls whose rule lists share suffixes, NE / MASKED_EQ / ordered tests
// mixed on one argument, low-word tests (libseccomp's 32-bit ABIs) and 64-bit edge values.
// Every verdict must equal the reference evaluator's (test/unit/reference.ts), and the programs
// must keep the graph's promises, checked on the program itself: no path loads a word that A
// already holds, and shared rule suffixes are emitted once.
import { describe, expect, test } from "vitest";
import { abiFacts, abisOf } from "../../arch/index.ts";
import type { AbiFacts, CmpOp, Cond, KernelArch, ResolvedPolicy, Rule } from "../../policy/resolved.ts";
import { compile, simulate, verify } from "../../wasm/core.ts";
import { evaluate, type Query } from "./reference.ts";
import { prng, type Rng } from "./prng.ts";

const SEED = Number(process.env.PROPERTY_SEED ?? 0x6ea9f00d) >>> 0;
const POLICIES = Number(process.env.PROPERTY_POLICIES ?? 300);
const MAX_U64 = (1n << 64n) - 1n;
const EDGES = [0n, 1n, 2n, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffffn, 1n << 32n, (1n << 32n) + 1n,
  0xffffffff00000000n, 0x7fffffffffffffffn, 1n << 63n, MAX_U64 - 1n, MAX_U64];
const OPS: CmpOp[] = ["EQ", "NE", "LT", "LE", "GT", "GE", "MASKED_EQ"];
const ACTIONS = [0x7fff0000, 0x00050001, 0x00050026, 0x80000000, 0x00030000, 0x7ffc0000, 0x7ff00007];
const x86_64 = abiFacts("x86_64");
const i386 = abiFacts("i386");

function value(r: Rng, near: bigint[]): bigint {
  switch (r.int(4)) {
    case 0: return r.pick(EDGES);
    case 1: return near.length ? r.pick(near) : BigInt(r.int(16)); // values shared between rules
    case 2: return BigInt(r.int(16));
    default: return r.u64();
  }
}

function cond(r: Rng, args: number[], near: bigint[], lowWord: boolean): Cond {
  const op = r.pick(OPS);
  let v = value(r, near);
  let two = 0n;
  if (op === "MASKED_EQ") {
    if (r.chance(0.3)) v = r.pick([0n, 1n, 0x80n, 0xffffffffn, MAX_U64, 0xffffffff00000000n, 1n << 40n]);
    two = r.chance(0.7) ? value(r, near) & v : value(r, near);
  }
  near.push(v);
  return { arg: r.pick(args), op, value: v, valueTwo: two, ...(lowWord ? { lowWord: true } : {}) };
}

/** A few syscalls, each with a long rule list; some lists end in the same rules. */
function argHeavy(r: Rng): ResolvedPolicy {
  const other = r.pick(["aarch64", "s390x", "ppc64le"] as const);
  const kernelArch: KernelArch = r.chance(0.6) ? "x86_64" : other;
  const abis: AbiFacts[] = kernelArch === "x86_64" ? r.pick([[x86_64, i386], [x86_64], [i386]]) : abisOf(other);
  const args = r.chance(0.5) ? [0] : r.chance(0.5) ? [0, 1] : [0, 1, 2, 3, 4, 5];
  const near: bigint[] = [];
  const lowWordAbi = (a: AbiFacts) => ["i386", "x32", "arm", "s390"].includes(a.name);
  const resolved = abis.map((abi) => {
    const low = lowWordAbi(abi) && r.chance(0.8);
    const rulesOf = (n: number): Omit<Rule, "nr">[] => Array.from({ length: n }, () => ({
      action: r.pick(ACTIONS),
      conds: Array.from({ length: 1 + r.int(r.chance(0.3) ? 4 : 2) }, () => cond(r, args, near, low)),
    }));
    const suffix = rulesOf(r.int(6));
    const rules: Rule[] = [];
    const nrs = Array.from({ length: 1 + r.int(5) }, () => r.int(Math.min(abi.maxNr, 200)));
    for (const nr of nrs) {
      const own = rulesOf(r.chance(0.2) ? 20 + r.int(60) : r.int(8));
      for (const rule of [...own, ...(r.chance(0.7) ? suffix : [])]) rules.push({ nr, ...rule });
      if (r.chance(0.2)) rules.push({ nr, action: r.pick(ACTIONS), conds: [] });
    }
    return { abi, rules };
  });
  return { kernelArch, bigEndian: abis[0]!.bigEndian, defaultAction: r.pick(ACTIONS), badArchAction: 0, abis: resolved };
}

function queries(r: Rng, policy: ResolvedPolicy): Query[] {
  const pool = new Set<bigint>(EDGES);
  for (const a of policy.abis) for (const rule of a.rules) for (const c of rule.conds) {
    for (const v of [c.value, c.valueTwo, c.valueTwo | (c.value & ~c.valueTwo), c.value ^ (1n << 32n)]) {
      for (const d of [-1n, 0n, 1n]) if (v + d >= 0n && v + d <= MAX_U64) pool.add(v + d);
    }
  }
  const values = [...pool];
  const out: Query[] = [];
  for (const a of policy.abis) {
    const nrs = [...new Set(a.rules.map((rule) => rule.nr))];
    for (const nr of nrs) {
      for (let i = 0; i < 150; i++) {
        out.push({ arch: a.abi.auditArch, nr: a.abi.nrBase + nr, args: Array.from({ length: 6 }, () => (r.chance(0.9) ? r.pick(values) : r.u64())) });
      }
    }
  }
  return out;
}

interface Insn { code: number; jt: number; jf: number; k: number }

function decode(bytes: Uint8Array, big: boolean): Insn[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 8 }, (_, i) => ({
    code: v.getUint16(i * 8, !big), jt: bytes[i * 8 + 2]!, jf: bytes[i * 8 + 3]!, k: v.getUint32(i * 8 + 4, !big),
  }));
}

/**
 * The first instruction that loads a word A already holds on some path to it (-1: none).
 * A is known after `ld [k]` until the next ALU instruction or load; jumps keep it.
 */
function redundantLoad(p: Insn[]): number {
  // held[i]: the offsets A may hold (unmodified) on entry to i, per path; null = unknown/modified.
  const held: Set<number | null>[] = p.map(() => new Set());
  held[0]!.add(null);
  for (let i = 0; i < p.length; i++) {
    const { code, jt, jf, k } = p[i]!;
    const states = held[i]!;
    const cls = code & 0x07;
    if (code === 0x20) { // ld [k]
      if (states.has(k)) return i;
      held[i + 1]?.add(k);
    } else if (cls === 0x05) {
      const targets = (code & 0xf0) === 0 ? [i + 1 + k] : [i + 1 + jt, i + 1 + jf];
      for (const t of targets) for (const s of states) held[t]!.add(s);
    } else if (cls !== 0x06) {
      held[i + 1]?.add(null); // ALU and anything else change A
    }
  }
  return -1;
}

describe("argument decision graph: agrees with the reference evaluator", () => {
  test(`${POLICIES} argument-heavy policies, seed 0x${SEED.toString(16)}`, () => {
    let checked = 0;
    for (let i = 0; i < POLICIES; i++) {
      const seed = (SEED + i * 0x9e3779b9) >>> 0;
      const r = prng(seed);
      const policy = argHeavy(r);
      const byteOrder = r.chance(0.5) ? "little" : "big";
      const strategy = r.pick(["auto", "nr-first", "arch-first"] as const);
      const where = `PROPERTY_SEED=0x${SEED.toString(16)} policy ${i} (${policy.abis.map((a) => a.abi.name).join("+")}, ${strategy}, ${byteOrder})`;
      const program = compile(policy, { byteOrder, strategy });
      expect(verify(program.bytes, byteOrder), where).toBeNull();
      expect(redundantLoad(decode(program.bytes, byteOrder === "big")), `${where}: redundant load`).toBe(-1);
      for (const q of queries(r, policy)) {
        const want = evaluate(policy, q);
        const got = simulate(program.bytes, byteOrder, q, policy.bigEndian).action;
        if (got !== want) {
          expect.fail(`${where}: nr ${q.nr} args [${q.args.map((a) => "0x" + a.toString(16))}]: got 0x${got.toString(16)}, want 0x${want.toString(16)}`);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(POLICIES * 100);
  });
});

describe("argument decision graph: shape", () => {
  const E = (n: number) => (0x00050000 | n) >>> 0;
  const single = (abi: AbiFacts, rules: Rule[]): ResolvedPolicy => ({
    kernelArch: "x86_64", bigEndian: false, defaultAction: 0x7fff0000, badArchAction: 0, abis: [{ abi, rules }],
  });
  const loadsOf = (p: Insn[], offset: number) => p.filter((i) => i.code === 0x20 && i.k === offset).length;

  test("200 equalities on one 64-bit argument test its high word once", () => {
    const rules: Rule[] = Array.from({ length: 200 }, (_, v) => ({ nr: 9, action: E(1 + (v % 7)), conds: [{ arg: 1, op: "EQ", value: BigInt(v * 3), valueTwo: 0n }] }));
    const policy = single(x86_64, rules);
    const program = compile(policy);
    const insns = decode(program.bytes, false);
    expect(loadsOf(insns, 28)).toBe(1); // args[1]'s high word (little-endian)
    expect(loadsOf(insns, 24)).toBe(1); // and its low word
    expect(program.insns).toBeLessThan(200 + 20);
    for (let v = 0n; v < 610n; v++) {
      for (const hi of [0n, 1n << 32n]) {
        const q: Query = { arch: x86_64.auditArch, nr: 9, args: [0n, v | hi, 0n, 0n, 0n, 0n] };
        expect(simulate(program.bytes, "little", q).action).toBe(evaluate(policy, q));
      }
    }
  });

  test("3000 equalities on one argument still fit, in about one instruction each", () => {
    const rules: Rule[] = Array.from({ length: 3000 }, (_, v) => ({ nr: 9, action: E(1 + (v % 5)), conds: [{ arg: 0, op: "EQ", value: BigInt(v * 5), valueTwo: 0n }] }));
    const policy = single(x86_64, rules);
    const program = compile(policy);
    expect(program.insns).toBeLessThan(3000 + 200);
    for (let v = 0n; v < 15010n; v += 1n + (v % 3n)) {
      const q: Query = { arch: x86_64.auditArch, nr: 9, args: [v, 0n, 0n, 0n, 0n, 0n] };
      expect(simulate(program.bytes, "little", q).action).toBe(evaluate(policy, q));
    }
  });

  test("syscalls whose rule lists end alike share that code", () => {
    const tail: Omit<Rule, "nr">[] = [
      { action: E(11), conds: [{ arg: 2, op: "GT", value: 0x123456789n, valueTwo: 0n }] },
      { action: E(12), conds: [{ arg: 3, op: "MASKED_EQ", value: 0xff00n, valueTwo: 0x4200n }] },
    ];
    const rules: Rule[] = [];
    for (let nr = 0; nr < 6; nr++) {
      rules.push({ nr: nr * 10, action: E(nr + 1), conds: [{ arg: 0, op: "EQ", value: BigInt(nr), valueTwo: 0n }] });
      for (const t of tail) rules.push({ nr: nr * 10, ...t });
    }
    const program = compile(single(x86_64, rules));
    const insns = decode(program.bytes, false);
    // Each value of the shared tail appears once, not once per syscall.
    expect(insns.filter((i) => i.k === 0x23456789 && (i.code & 0x07) === 0x05).length).toBe(1);
    expect(insns.filter((i) => i.k === 0x4200).length).toBe(1);
  });

  test("i386: two NE conditions are two 32-bit compares (libseccomp needs 15 instructions)", () => {
    const policy: ResolvedPolicy = {
      kernelArch: "x86_64", bigEndian: false, defaultAction: 0x7fff0000, badArchAction: 0,
      abis: [{ abi: i386, rules: [{ nr: 192, action: E(1), conds: [
        { arg: 2, op: "NE", value: 7n, valueTwo: 0n, lowWord: true },
        { arg: 3, op: "NE", value: 34n, valueTwo: 0n, lowWord: true },
      ] }] }],
    };
    const program = compile(policy);
    expect(program.insns).toBeLessThanOrEqual(15);
    for (const a2 of [7n, 8n, 7n | (1n << 32n)]) for (const a3 of [34n, 35n, 34n | (5n << 32n)]) {
      const q: Query = { arch: i386.auditArch, nr: 192, args: [0n, 0n, a2, a3, 0n, 0n] };
      expect(simulate(program.bytes, "little", q).action).toBe(evaluate(policy, q));
    }
  });
});

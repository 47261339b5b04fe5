// The emitter and code generator (wasm/assembly/bpf/{emit,codegen}.ts), through compile():
// range compares instead of one compare per syscall, long jumps through JA, shared RETs, and
// every opcode the generator emits, each checked against the reference evaluator.
import { describe, expect, test } from "vitest";
import { abiFacts } from "../../arch/index.ts";
import type { CmpOp, ResolvedPolicy, Rule } from "../../policy/resolved.ts";
import { compile, simulate, verify } from "../../wasm/core.ts";
import { evaluate } from "./reference.ts";

const ALLOW = 0x7fff0000;
const E = (n: number) => (0x00050000 | n) >>> 0;
const x86_64 = abiFacts("x86_64");
const s390x = abiFacts("s390x");

function single(rules: Rule[], defaultAction = E(1), abi = x86_64): ResolvedPolicy {
  return { kernelArch: abi.name === "s390x" ? "s390x" : "x86_64", bigEndian: abi.bigEndian, defaultAction, badArchAction: 0, abis: [{ abi, rules }] };
}

function instructions(bytes: Uint8Array, big = false): { code: number; jt: number; jf: number; k: number }[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 8 }, (_, i) => ({
    code: v.getUint16(i * 8, !big), jt: v.getUint8(i * 8 + 2), jf: v.getUint8(i * 8 + 3), k: v.getUint32(i * 8 + 4, !big),
  }));
}

function agrees(p: ResolvedPolicy, nrs: number[], args: bigint[][]): void {
  const program = compile(p);
  expect(verify(program.bytes, program.byteOrder)).toBeNull();
  const arch = p.abis[0].abi.auditArch;
  for (const nr of nrs) {
    for (const a of args) {
      const q = { arch, nr, args: a };
      expect(simulate(program.bytes, program.byteOrder, q, p.bigEndian).action, `nr ${nr} args ${a}`).toBe(evaluate(p, q));
    }
  }
}

describe("emitter", () => {
  test("a run of syscalls with one action costs one compare, not one per syscall", () => {
    const p = single(Array.from({ length: 200 }, (_, nr) => ({ nr, action: ALLOW, conds: [] })));
    const program = compile(p);
    // ld arch, jeq arch, ld nr, one jge, and the RETs (ALLOW, ERRNO, bad arch).
    expect(program.insns).toBeLessThanOrEqual(7);
    agrees(p, [0, 1, 199, 200, 201, 0xffffffff], [[]]);
  });

  test("targets farther than 255 instructions are reached through JA", () => {
    const rules = Array.from({ length: 200 }, (_, i): Rule => ({
      nr: i * 2, action: E(2 + (i % 50)), conds: [{ arg: 0, op: "EQ", value: BigInt(i), valueTwo: 0n }],
    }));
    const p = single(rules);
    const program = compile(p);
    expect(program.insns).toBeGreaterThan(600);
    expect(instructions(program.bytes).some((i) => i.code === 0x05)).toBe(true);
    agrees(p, [0, 1, 2, 100, 200, 398, 399, 400], [[0n], [1n], [50n], [100n], [199n]]);
  });

  test("more ranges than the optimal-tree DP takes: a weight-balanced tree, still exact", () => {
    // 1500 ranges of three actions in turn (nothing to peel): past the DP's 1024 segments.
    const rules = Array.from({ length: 1500 }, (_, i): Rule => ({ nr: i, action: [ALLOW, E(2), E(3)][i % 3], conds: [] }));
    const p = single(rules);
    const program = compile(p);
    expect(program.insns).toBeLessThanOrEqual(4096);
    agrees(p, Array.from({ length: 1600 }, (_, nr) => nr).concat([0xffffffff]), [[]]);
  });

  test("RETs are shared: a short program has one RET per action", () => {
    const rules = Array.from({ length: 120 }, (_, i): Rule => ({ nr: (i * 37) % 400, action: E(1 + (i % 6)), conds: [] }));
    const program = compile(single(rules, ALLOW));
    const rets = instructions(program.bytes).filter((i) => i.code === 0x06);
    expect(program.insns).toBeLessThan(256);
    expect(new Set(rets.map((r) => r.k)).size).toBe(rets.length);
  });
});

describe("argument comparisons: every op, 64-bit, on both byte orders", () => {
  const values = [0n, 1n, 0xffffffffn, 1n << 32n, 0x100000001n, 0x80000000_00000000n, (1n << 64n) - 1n];
  const probes = [...values.flatMap((v) => [v - 1n, v, v + 1n]).filter((v) => v >= 0n && v < 1n << 64n), 0x1234_5678_9abc_def0n];
  // The opcodes each op's code needs besides ld/jeq/ret: ordered compares use JGT/JGE (for
  // some value: one the comparison's value decides needs none, see below), masked compares an
  // AND (unless the mask is all ones).
  const uses: Record<CmpOp, number[]> = { EQ: [0x15], NE: [0x15], LT: [0x25, 0x35], LE: [0x25], GT: [0x25], GE: [0x25, 0x35], MASKED_EQ: [0x54, 0x15] };
  for (const op of Object.keys(uses) as CmpOp[]) {
    for (const abi of [x86_64, s390x]) {
      test(`${op} on ${abi.name}`, () => {
        const seen = new Set<number>();
        for (const value of values) {
          const valueTwo = op === "MASKED_EQ" ? value & 0x0000000f_0000000fn : 0n;
          const mask = op === "MASKED_EQ" ? value | 0x0000000f_0000000fn : value;
          const p = single([{ nr: 3, action: E(9), conds: [{ arg: 4, op, value: mask, valueTwo }] }], ALLOW, abi);
          const program = compile(p);
          const codes = new Set(instructions(program.bytes, abi.bigEndian).map((i) => i.code));
          for (const c of codes) seen.add(c);
          if (op === "MASKED_EQ") {
            // A half needs an AND unless its mask is all ones or zero, or it is a one-bit mask
            // that a JSET tests alone ((w & m) == m).
            const half = (v: bigint, hi: boolean) => (hi ? v >> 32n : v & 0xffffffffn);
            const needed = [false, true].some((hi) => {
              const m = half(mask, hi);
              const oneBit = m !== 0n && (m & (m - 1n)) === 0n;
              return m !== 0xffffffffn && m !== 0n && !(oneBit && half(valueTwo, hi) === m);
            });
            expect(codes.has(0x54), `mask ${mask.toString(16)}`).toBe(needed);
          }
          agrees(p, [3], probes.map((v) => [0n, 0n, 0n, 0n, v, 0n]));
        }
        expect(seen.has(0x20)).toBe(true);
        for (const code of uses[op]) expect(seen.has(code), `${op} opcode ${code.toString(16)}`).toBe(true);
      });
    }
  }
});

describe("argument comparisons the value decides cost less", () => {
  const MAX = (1n << 64n) - 1n;
  // Loads of args[4]'s words (offsets 48 and 52) in a program.
  const argLoads = (p: ResolvedPolicy): number => {
    const program = compile(p);
    return instructions(program.bytes, p.bigEndian).filter((i) => i.code === 0x20 && (i.k === 48 || i.k === 52)).length;
  };
  const rule = (op: CmpOp, value: bigint): Rule[] => [{ nr: 3, action: E(9), conds: [{ arg: 4, op, value, valueTwo: 0n }] }];
  const probes = [0n, 1n, 0xffffffffn, 1n << 32n, (5n << 32n) - 1n, 5n << 32n, (5n << 32n) + 1n, (6n << 32n) - 1n, MAX - 1n, MAX];
  const cases: [CmpOp, bigint, number][] = [
    // Always or never, whatever the argument: no load at all.
    ["GE", 0n, 0], ["LT", 0n, 0], ["GT", MAX, 0], ["LE", MAX, 0],
    // A low word of 0 (for >= and <) or 2^32-1 (for > and <=) never decides: the high word alone.
    ["GE", 5n << 32n, 1], ["LT", 5n << 32n, 1], ["GT", (6n << 32n) - 1n, 1], ["LE", (6n << 32n) - 1n, 1],
    // Otherwise both words.
    ["GE", (5n << 32n) + 1n, 2], ["GT", 7n, 2], ["LT", MAX - 1n, 2], ["LE", (1n << 32n) + 5n, 2],
  ];
  for (const abi of [x86_64, s390x]) {
    for (const [op, value, loads] of cases) {
      test(`${op} 0x${value.toString(16)} on ${abi.name}: ${loads} argument loads, verdicts exact`, () => {
        const p = single(rule(op, value), ALLOW, abi);
        expect(argLoads(p)).toBe(loads);
        agrees(p, [3], probes.map((v) => [0n, 0n, 0n, 0n, v, 0n]));
      });
    }
  }
});

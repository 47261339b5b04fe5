// The lowering stage's semantics, through compile + simulate: which ABI owns a raw number,
// how rule ranges are offset and clipped, and rule order. Expected verdicts are worked out by
// hand from policy/resolved.ts (and re-checked by the reference evaluator).
import { describe, expect, test } from "vitest";
import { abiFacts } from "../../arch/index.ts";
import type { ResolvedAbi, ResolvedPolicy, Rule } from "../../policy/resolved.ts";
import { compile, simulate } from "../../wasm/core.ts";
import { evaluate } from "./reference.ts";

const ALLOW = 0x7fff0000;
const E = (n: number) => (0x00050000 | n) >>> 0;
const KILL = 0x80000000;
const X86 = 0xc000003e;
const x86_64 = abiFacts("x86_64");
const x32 = abiFacts("x32");
const i386 = abiFacts("i386");

function policy(abis: ResolvedAbi[], defaultAction = ALLOW, badArchAction = KILL): ResolvedPolicy {
  return { kernelArch: "x86_64", bigEndian: false, defaultAction, badArchAction, abis };
}

function verdicts(p: ResolvedPolicy, probes: [arch: number, nr: number, arg0?: bigint][]): number[] {
  for (const strategy of ["nr-first", "arch-first"] as const) {
    const program = compile(p, { strategy });
    for (const [arch, nr, arg0 = 0n] of probes) {
      const q = { arch, nr, args: [arg0, 0n, 0n, 0n, 0n, 0n] };
      expect(simulate(program.bytes, "little", q).action, `${strategy} ${arch.toString(16)} ${nr.toString(16)}`).toBe(evaluate(p, q));
    }
  }
  const program = compile(p);
  return probes.map(([arch, nr, arg0 = 0n]) => simulate(program.bytes, "little", { arch, nr, args: [arg0] }).action);
}

const rule = (nr: number, action: number, nrLast?: number): Rule => ({ nr, nrLast, action, conds: [] });

describe("lowering", () => {
  test("the narrowest region owns a number: x32 over x86_64", () => {
    const withX32 = policy([{ abi: x86_64, rules: [rule(0x40000001, E(1))] }, { abi: x32, rules: [] }]);
    expect(verdicts(withX32, [[X86, 0x40000001], [X86, 1]])).toEqual([ALLOW, ALLOW]);
    const alone = policy([{ abi: x86_64, rules: [rule(0x40000001, E(1))] }]);
    expect(verdicts(alone, [[X86, 0x40000001], [X86, 1]])).toEqual([E(1), ALLOW]);
  });

  test("x32 rules are offset by nrBase, and a range is clipped to the region without wrapping", () => {
    const p = policy([{ abi: x86_64, rules: [] }, { abi: x32, rules: [rule(0, E(2), 0xffffffff)] }]);
    expect(verdicts(p, [[X86, 0x3fffffff], [X86, 0x40000000], [X86, 0x7fffffff], [X86, 0x80000000], [X86, 0xffffffff], [X86, 5]]))
      .toEqual([ALLOW, E(2), E(2), ALLOW, ALLOW, ALLOW]);
  });

  test("a range starting past the region is empty", () => {
    const p = policy([{ abi: x86_64, rules: [] }, { abi: x32, rules: [rule(0x40000000, E(3), 0x50000000)] }]);
    expect(verdicts(p, [[X86, 0x80000000], [X86, 0x90000000], [X86, 0x7fffffff]])).toEqual([ALLOW, ALLOW, ALLOW]);
  });

  test("nrLast below nr is an empty range", () => {
    const p = policy([{ abi: x86_64, rules: [rule(10, E(4), 9)] }]);
    expect(verdicts(p, [[X86, 9], [X86, 10]])).toEqual([ALLOW, ALLOW]);
  });

  test("the first rule that holds wins; an unconditional rule hides later ones", () => {
    const p = policy([{
      abi: x86_64,
      rules: [
        { nr: 5, action: E(1), conds: [{ arg: 0, op: "EQ", value: 7n, valueTwo: 0n }] },
        rule(5, E(2)),
        rule(5, E(3)),
        { nr: 4, nrLast: 6, action: E(4), conds: [] },
      ],
    }]);
    expect(verdicts(p, [[X86, 5, 7n], [X86, 5, 8n], [X86, 4], [X86, 6], [X86, 7]])).toEqual([E(1), E(2), E(4), E(4), ALLOW]);
  });

  test("rules stay within their arch; other arches get the bad-arch action", () => {
    const p = policy([{ abi: x86_64, rules: [rule(1, E(5))] }, { abi: i386, rules: [rule(2, E(6))] }]);
    expect(verdicts(p, [[X86, 1], [X86, 2], [i386.auditArch, 1], [i386.auditArch, 2], [0xc00000b7, 1]]))
      .toEqual([E(5), ALLOW, ALLOW, E(6), KILL]);
  });

  test("an arch whose only ABI has a narrow region: outside it is bad arch", () => {
    const p = policy([{ abi: x32, rules: [rule(1, E(7))] }], ALLOW, E(9));
    expect(verdicts(p, [[X86, 0x40000001], [X86, 0x40000002], [X86, 1], [X86, 0xffffffff]])).toEqual([E(7), ALLOW, E(9), E(9)]);
  });
});

// libseccomp treats i386, x32, arm and s390 as 32-bit arches and compares only the low 32 bits
// of an argument and of the rule's values there. The kernel does not zero the high words for
// them: x32 filters see full 64-bit registers, and so does an i386 filter when a 64-bit process
// makes an `int $0x80` syscall with dirty upper halves (test/unit/kernel-int80.test.ts). So a
// plain 64-bit Cond would disagree with what runc installs. This rewrites one Cond into
// alternatives (OR) of conds on the low word only, each a MASKED_EQ when needed: an ordered
// compare "low word > v" holds exactly when, for some bit i where v has 0, the argument has 1
// and agrees with v on every higher bit of the low word.

import type { AbiName } from "../arch/types.ts";
import type { Cond } from "./resolved.ts";

/** The ABIs libseccomp compiles with 32-bit argument comparisons (arch_def .size 32). */
export const LIBSECCOMP_32BIT: ReadonlySet<AbiName> = new Set(["i386", "x32", "arm", "s390"]);

const LOW = 0xffffffffn;

const masked = (arg: number, mask: bigint, value: bigint): Cond => ({ arg, op: "MASKED_EQ", value: mask, valueTwo: value });

/**
 * `c` as libseccomp evaluates it on a 32-bit arch, as a list of alternatives (each an AND of
 * conds; [] is "always"). An empty list means the cond can never hold.
 */
export function lowWordAlternatives(c: Cond): Cond[][] {
  const v = c.value & LOW;
  const bit = (i: number): bigint => 1n << BigInt(i);
  const above = (i: number): bigint => (LOW << BigInt(i + 1)) & LOW; // bits 31..i+1
  const greater: Cond[][] = [];
  const less: Cond[][] = [];
  for (let i = 0; i < 32; i++) {
    const mask = above(i) | bit(i);
    if ((v & bit(i)) === 0n) greater.push([masked(c.arg, mask, (v & above(i)) | bit(i))]);
    else less.push([masked(c.arg, mask, v & above(i))]);
  }
  const equal = [[masked(c.arg, LOW, v)]];
  switch (c.op) {
    case "EQ": return equal;
    case "MASKED_EQ": return [[masked(c.arg, c.value & LOW, c.valueTwo & LOW)]];
    case "GT": return greater;
    case "GE": return [...equal, ...greater];
    case "LT": return less;
    case "LE": return [...equal, ...less];
    case "NE":
      return Array.from({ length: 32 }, (_, i) => [masked(c.arg, bit(i), (v & bit(i)) ^ bit(i))]);
  }
}

/** An AND of conds as alternatives of ANDs on the low words (the cross product of each cond's). */
export function lowWordRules(conds: readonly Cond[]): Cond[][] {
  let rules: Cond[][] = [[]];
  for (const c of conds) {
    const alternatives = lowWordAlternatives(c);
    rules = rules.flatMap((r) => alternatives.map((alt) => [...r, ...alt]));
  }
  return rules;
}

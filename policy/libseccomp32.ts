// libseccomp treats i386, x32, arm and s390 as 32-bit arches and compares only the low 32 bits
// of an argument and of the rule's values there (db.c _db_rule_gen_32: one 32-bit compare per
// condition). The kernel does not zero the high words for them: x32 filters see full 64-bit
// registers, and so does an i386 filter when a 64-bit process makes an `int $0x80` syscall with
// dirty upper halves (test/unit/kernel-int80.test.ts). So a plain 64-bit Cond would disagree with
// what runc installs; each cond says instead that it is a low-word test (Cond.lowWord), which
// the core compiles into that one 32-bit compare.

import type { AbiName } from "../arch/types.ts";
import type { Cond } from "./resolved.ts";

/** The ABIs libseccomp compiles with 32-bit argument comparisons (arch_def .size 32). */
export const LIBSECCOMP_32BIT: ReadonlySet<AbiName> = new Set(["i386", "x32", "arm", "s390"]);

const LOW = 0xffffffffn;

/** `c` as libseccomp evaluates it on a 32-bit arch: on the low words only. */
export function lowWordCond(c: Cond): Cond {
  return { ...c, value: c.value & LOW, valueTwo: c.valueTwo & LOW, lowWord: true };
}

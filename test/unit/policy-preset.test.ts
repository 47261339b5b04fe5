// The built-in preset: default ALLOW, hidden syscalls -> ERRNO(ENOSYS) on EVERY ABI of the kernel
// arch, bad-arch = ALLOW. Syscall numbers come from libseccomp's scmp_sys_resolver and the
// ENOSYS value from the kernel's <asm-generic/errno.h>, not from our tables.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { abisOf } from "../../arch/index.ts";
import type { KernelArch } from "../../arch/types.ts";
import { RET } from "../../policy/action.ts";
import { PolicyError } from "../../policy/errors.ts";
import { KNOWN_HIDEABLE, TIME64_FALLBACKS, clone3Preset, hidePreset } from "../../policy/preset.ts";
import { evaluate } from "./reference.ts";

const SCMP_ARCH: Record<string, string> = { x86_64: "x86_64", i386: "x86", x32: "x32", aarch64: "aarch64", arm: "arm", ppc64le: "ppc64le", s390x: "s390x", s390: "s390" };
/** libseccomp's raw number (x32 with its bit), or undefined when the ABI lacks the call. */
function scmpNr(abi: string, name: string): number | undefined {
  const out = Number(execFileSync("scmp_sys_resolver", ["-a", SCMP_ARCH[abi]!, name], { encoding: "utf8" }).trim());
  return out >= 0 ? out : undefined;
}
const ENOSYS = Number(/#define\s+ENOSYS\s+(\d+)/.exec(readFileSync("/usr/include/asm-generic/errno.h", "utf8"))![1]);
const ZERO = [0n, 0n, 0n, 0n, 0n, 0n];

describe("clone3 preset", () => {
  for (const k of ["x86_64", "aarch64", "ppc64le", "s390x"] as KernelArch[]) {
    it(`${k}: clone3 is ENOSYS on every ABI, everything else and unknown arches are allowed`, () => {
      const policy = clone3Preset(k);
      expect(policy.defaultAction).toBe(RET.ALLOW);
      expect(policy.badArchAction).toBe(RET.ALLOW);
      expect(policy.abis.map((a) => a.abi.name)).toEqual(abisOf(k).map((a) => a.name));
      for (const { abi } of policy.abis) {
        const clone3 = scmpNr(abi.name, "clone3")!;
        const at = (nr: number) => evaluate(policy, { arch: abi.auditArch, nr, args: ZERO });
        expect(at(clone3), abi.name).toBe((RET.ERRNO | ENOSYS) >>> 0);
        expect(at(clone3 - 1), abi.name).toBe(RET.ALLOW);
        expect(at(clone3 + 1), abi.name).toBe(RET.ALLOW);
        expect(at(scmpNr(abi.name, "clone")!), abi.name).toBe(RET.ALLOW);
      }
      expect(evaluate(policy, { arch: 0x12345678, nr: 435, args: ZERO })).toBe(RET.ALLOW);
    });
  }
});

describe("hidePreset", () => {
  it("every KNOWN_HIDEABLE name is a real syscall on x86_64 (the time64 family: on the 32-bit ABIs only) and has a reason", () => {
    for (const [name, reason] of Object.entries(KNOWN_HIDEABLE)) {
      if (name in TIME64_FALLBACKS) {
        for (const abi of ["i386", "arm", "s390"]) expect(scmpNr(abi, name), `${name} on ${abi}`).toBeGreaterThan(0);
        for (const abi of ["x86_64", "x32", "aarch64", "ppc64le", "s390x"]) expect(scmpNr(abi, name), `${name} on ${abi}`).toBeUndefined();
        // The call it falls back to is the 32-bit ABIs' own.
        expect(scmpNr("arm", TIME64_FALLBACKS[name]![0]), name).toBeGreaterThan(0);
      } else {
        expect(scmpNr("x86_64", name), name).toBeGreaterThan(0);
      }
      expect(reason.length, name).toBeGreaterThan(20);
    }
  });
  it("hides each name on the ABIs that have it, once, in the order given", () => {
    const policy = hidePreset(["faccessat2", "statx", "clone3", "statx"], "x86_64");
    for (const { abi, rules } of policy.abis) {
      const want = ["faccessat2", "statx", "clone3"].map((n) => scmpNr(abi.name, n)).filter((n) => n !== undefined).map((n) => n! - abi.nrBase);
      expect(rules.map((r) => r.nr), abi.name).toEqual(want);
    }
  });
  it("refuses names the arch does not have", () => {
    expect(() => hidePreset(["clone3", "clone4", "arch_prctl"], "aarch64")).toThrow(PolicyError);
    expect(() => hidePreset(["clone3", "clone4", "arch_prctl"], "aarch64")).toThrow('cannot hide "clone4", "arch_prctl": no such syscall on aarch64');
  });
});

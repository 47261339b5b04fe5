// Our compile of Docker 20.10.9's default profile on the real kernel: each harmless probe must
// get exactly what the core's simulator predicts: the errno of an ERRNO verdict, or, for ALLOW,
// whatever the kernel answers with no filter at all. Then the fix on top of it: the clone3
// preset stacked over that program turns clone3's EPERM into ENOSYS. x86_64 hosts only.
import { describe, expect, it } from "vitest";
import { abisOf } from "../../arch/index.ts";
import { ACTION_MASK, DATA_MASK, RET, clone3Preset, resolve } from "../../policy/index.ts";
import { actionName, compile, simulate } from "../../wasm/core.ts";
import { errnos, onX86_64Linux, probe } from "../peer/kernel.ts";
import { mobyOci } from "../peer/moby.ts";

// Calls that are harmless whether or not the filter lets them through (bad or zero arguments,
// read-only queries, or a persona change in a probe process that exits right after).
const NATIVE = [
  "39", // getpid
  "110", // getppid
  "435,0,0", // clone3: not in the 20.10.9 profile -> EPERM, the bug
  "135,0xffffffff", // personality query: allowed by an arg condition
  "135,8", // personality(PER_LINUX32): allowed by an arg condition
  "135,0x1234", // any other persona: denied
  "56,0x10000200", // clone(CLONE_NEWUSER|CLONE_FS): the flag mask denies it (EINVAL if it did not)
  "169,0,0,0,0", // reboot: needs CAP_SYS_BOOT -> denied (bad magic if it were not)
  "272,0", // unshare: CAP_SYS_ADMIN only -> denied
  "103,10,0,0", // syslog(SIZE_BUFFER): CAP_SYSLOG only -> denied
  "312,0,0,99", // kcmp: CAP_SYS_PTRACE only -> denied
  "165,0,0,0,0,0", // mount: CAP_SYS_ADMIN only -> denied (EFAULT if it were not)
  "1000", // no such syscall: default action
  "-1", // the tracer's skip number
];
const I386 = ["20", "435,0,0", "136,0xffffffff", "136,0x1234", "88,0,0,0,0", "349,0,0,99", "1000"]; // getpid clone3 personality×2 reboot kcmp
const X32 = ["0x40000027", "0x400001b3", "0x400000a9", "0x40000087"]; // getpid clone3 reboot personality

/** The seccomp_data a probe argument makes: "NR,A0,..." as syscall-probe's strtoul reads it. */
function dataOf(call: string, bits: 32 | 64, arch: number) {
  const [nr, ...args] = call.split(",").map((s) => BigInt.asUintN(bits, BigInt(s)));
  return { nr: Number(BigInt.asUintN(32, nr!)), arch, args: args.map((a) => BigInt.asUintN(64, a)) };
}

describe.skipIf(!onX86_64Linux)("moby v20.10.9 compiled by us, on the real kernel (x86_64 host only)", () => {
  const facts = (name: string) => abisOf("x86_64").find((a) => a.name === name)!;
  const moby = compile(resolve(mobyOci("v20.10.9"), "x86_64", { unknownNames: "skip" }).policy, { byteOrder: "little" });

  const cases = [
    { name: "x86_64", calls: NATIVE, mode: "native" as const, bits: 64 as const, arch: facts("x86_64").auditArch },
    { name: "x32", calls: X32, mode: "native" as const, bits: 64 as const, arch: facts("x86_64").auditArch },
    { name: "i386", calls: I386, mode: "i386" as const, bits: 32 as const, arch: facts("i386").auditArch },
  ];

  it.each(cases)("$name probes get exactly the simulated verdicts", ({ calls, mode, bits, arch }) => {
    const verdicts = calls.map((c) => simulate(moby.bytes, "little", dataOf(c, bits, arch)).action);
    for (const v of verdicts) {
      const act = (v & ACTION_MASK) >>> 0;
      expect(act === RET.ALLOW || act === RET.ERRNO, actionName(v)).toBe(true);
    }
    const unfiltered = errnos(probe([], calls, mode), calls.length);
    const expected = verdicts.map((v, i) => ((v & ACTION_MASK) >>> 0 === RET.ERRNO ? v & DATA_MASK : unfiltered[i]));
    const filtered = probe([moby.bytes], calls, mode);
    expect(calls.map((c, i) => `${c} -> ${errnos(filtered, calls.length)[i]}`)).toEqual(calls.map((c, i) => `${c} -> ${expected[i]}`));
  });

  it("the probe set exercises both verdicts on every ABI", () => {
    for (const { calls, bits, arch } of cases) {
      const acts = new Set(calls.map((c) => (simulate(moby.bytes, "little", dataOf(c, bits, arch)).action & ACTION_MASK) >>> 0));
      expect([...acts].sort()).toEqual([RET.ERRNO, RET.ALLOW].sort());
    }
  });

  it("with the clone3 preset stacked on top, clone3 becomes ENOSYS on every ABI and the rest stays", () => {
    const fix = compile(clone3Preset("x86_64"), { byteOrder: "little" }).bytes;
    expect(errnos(probe([moby.bytes], ["435,0,0", "0x400001b3"]), 2)).toEqual([1, 1]);
    expect(errnos(probe([moby.bytes, fix], ["435,0,0", "0x400001b3", "169,0,0,0,0", "135,0xffffffff"]), 4)).toEqual([38, 38, 1, 0]);
    expect(errnos(probe([moby.bytes, fix], ["435,0,0", "88,0,0,0,0", "20"], "i386"), 3)).toEqual([38, 1, 0]);
  });
});

// resolve(): names to numbers per ABI, actions to return values, args to rules. Numbers and
// return values are checked against sources outside our tables: libseccomp's scmp_sys_resolver
// (Debian's `seccomp` package) and the kernel's uapi header <linux/seccomp.h>.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PolicyError } from "../../policy/errors.ts";
import { parseJson } from "../../policy/json.ts";
import { parseOci, type OciSeccomp } from "../../policy/oci.ts";
import { actionOf, resolve } from "../../policy/resolve.ts";
import { evaluate } from "./reference.ts";

const oci = (doc: string): OciSeccomp => parseOci(parseJson(doc, "t"));
const resolver = (arch: string, name: string): number =>
  Number(execFileSync("scmp_sys_resolver", ["-a", arch, name], { encoding: "utf8" }).trim());
const ZERO = [0n, 0n, 0n, 0n, 0n, 0n];
/** The rules for single numbers (leaves out the x32-number guard resolve adds when x32 is not covered). */
const single = <T extends { nrLast?: number }>(rules: T[]): T[] => rules.filter((r) => r.nrLast === undefined);

/** SECCOMP_RET_* straight from the installed kernel header. */
function uapiRet(name: string): number {
  const m = new RegExp(`#define\\s+SECCOMP_RET_${name}\\s+(0x[0-9a-fA-F]+)U?`).exec(readFileSync("/usr/include/linux/seccomp.h", "utf8"));
  if (!m) throw new Error(`SECCOMP_RET_${name} not in linux/seccomp.h`);
  return Number(m[1]) >>> 0;
}

describe("actionOf (runc's getAction)", () => {
  it("maps every OCI action to the kernel's return value; ERRNO and TRACE default to EPERM", () => {
    expect(actionOf("SCMP_ACT_KILL", undefined)).toBe(uapiRet("KILL_THREAD"));
    expect(actionOf("SCMP_ACT_KILL_THREAD", undefined)).toBe(uapiRet("KILL_THREAD"));
    expect(actionOf("SCMP_ACT_KILL_PROCESS", undefined) >>> 0).toBe(uapiRet("KILL_PROCESS"));
    expect(actionOf("SCMP_ACT_TRAP", undefined)).toBe(uapiRet("TRAP"));
    expect(actionOf("SCMP_ACT_ERRNO", undefined)).toBe((uapiRet("ERRNO") | 1) >>> 0);
    expect(actionOf("SCMP_ACT_ERRNO", 38)).toBe((uapiRet("ERRNO") | 38) >>> 0);
    expect(actionOf("SCMP_ACT_TRACE", undefined)).toBe((uapiRet("TRACE") | 1) >>> 0);
    expect(actionOf("SCMP_ACT_TRACE", 99)).toBe((uapiRet("TRACE") | 99) >>> 0);
    expect(actionOf("SCMP_ACT_ALLOW", undefined)).toBe(uapiRet("ALLOW"));
    expect(actionOf("SCMP_ACT_LOG", undefined)).toBe(uapiRet("LOG"));
  });
  it("uses defaultErrnoRet for the default action only (rules without errnoRet stay EPERM)", () => {
    const { policy } = resolve(oci(`{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"syscalls":[{"names":["getpid"],"action":"SCMP_ACT_ERRNO"}]}`), "x86_64");
    expect(policy.defaultAction).toBe((uapiRet("ERRNO") | 38) >>> 0);
    expect(single(policy.abis[0]!.rules)).toEqual([{ nr: resolver("x86_64", "getpid"), action: (uapiRet("ERRNO") | 1) >>> 0, conds: [] }]);
  });
});

describe("ABIs", () => {
  const abis = (doc: string, k: "x86_64" | "aarch64" | "s390x" = "x86_64") => resolve(oci(doc), k).policy.abis.map((a) => a.abi.name);
  it("native only without architectures; the native ABI even when unlisted; foreign arches ignored", () => {
    expect(abis(`{"defaultAction":"SCMP_ACT_ALLOW"}`)).toEqual(["x86_64"]);
    expect(abis(`{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86"]}`)).toEqual(["x86_64", "i386"]);
    expect(abis(`{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X32","SCMP_ARCH_X86","SCMP_ARCH_AARCH64"]}`)).toEqual([
      "x86_64", "x32", "i386",
    ]);
    expect(abis(`{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_ARM"]}`, "aarch64")).toEqual(["aarch64", "arm"]);
    expect(abis(`{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_S390"]}`, "s390x")).toEqual(["s390x", "s390"]);
  });
  it("bad-arch is KILL_THREAD (libseccomp's default); x32 numbers are bad-arch when x32 is not covered, except -1", () => {
    const { policy } = resolve(oci(`{"defaultAction":"SCMP_ACT_ALLOW"}`), "x86_64");
    expect(policy.badArchAction).toBe(uapiRet("KILL_THREAD"));
    const at = (arch: number, nr: number) => evaluate(policy, { arch, nr, args: ZERO });
    expect(at(0xc000003e, 1)).toBe(uapiRet("ALLOW"));
    expect(at(0xc000003e, resolver("x32", "getpid"))).toBe(uapiRet("KILL_THREAD"));
    expect(at(0xc000003e, 0xffffffff)).toBe(uapiRet("ALLOW"));
    expect(at(0x40000003, 20)).toBe(uapiRet("KILL_THREAD")); // i386 not covered
    expect(policy.bigEndian).toBe(false);
    expect(resolve(oci(`{"defaultAction":"SCMP_ACT_ALLOW"}`), "s390x").policy.bigEndian).toBe(true);
  });
});

describe("rules", () => {
  it("numbers per ABI agree with scmp_sys_resolver (x32 without its bit)", () => {
    const { policy } = resolve(
      oci(`{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"],"syscalls":[{"names":["clone3","openat2","rt_sigaction"],"action":"SCMP_ACT_ALLOW"}]}`),
      "x86_64",
    );
    const scmp = { x86_64: "x86_64", i386: "x86", x32: "x32" } as const;
    for (const a of policy.abis) {
      const want = ["clone3", "openat2", "rt_sigaction"].map((n) => resolver(scmp[a.abi.name as keyof typeof scmp], n) - a.abi.nrBase);
      expect(a.rules.map((r) => r.nr), a.abi.name).toEqual(want);
    }
  });
  it("args with distinct indexes form one rule (AND); a repeated index splits every arg into its own rule (OR)", () => {
    const { policy } = resolve(
      oci(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
        {"names":["mmap"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"},{"index":2,"value":3,"valueTwo":1,"op":"SCMP_CMP_MASKED_EQ"}]},
        {"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"},{"index":1,"value":0,"op":"SCMP_CMP_EQ"},{"index":0,"value":9,"op":"SCMP_CMP_EQ"}]}]}`),
      "x86_64",
    );
    const mmap = resolver("x86_64", "mmap");
    const personality = resolver("x86_64", "personality");
    expect(single(policy.abis[0]!.rules)).toEqual([
      { nr: mmap, action: uapiRet("ALLOW"), conds: [{ arg: 0, op: "EQ", value: 1n, valueTwo: 0n }, { arg: 2, op: "MASKED_EQ", value: 3n, valueTwo: 1n }] },
      { nr: personality, action: uapiRet("ALLOW"), conds: [{ arg: 0, op: "EQ", value: 8n, valueTwo: 0n }] },
      { nr: personality, action: uapiRet("ALLOW"), conds: [{ arg: 1, op: "EQ", value: 0n, valueTwo: 0n }] },
      { nr: personality, action: uapiRet("ALLOW"), conds: [{ arg: 0, op: "EQ", value: 9n, valueTwo: 0n }] },
    ]);
  });
  it("drops rules equal to the default; the first rule without args absorbs the others for its number", () => {
    const { policy } = resolve(
      oci(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
        {"names":["read"],"action":"SCMP_ACT_ERRNO","errnoRet":1},
        {"names":["clone"],"action":"SCMP_ACT_ERRNO","errnoRet":38,"args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]},
        {"names":["clone"],"action":"SCMP_ACT_TRAP"},
        {"names":["clone"],"action":"SCMP_ACT_ALLOW"}]}`),
      "x86_64",
    );
    expect(single(policy.abis[0]!.rules)).toEqual([{ nr: resolver("x86_64", "clone"), action: uapiRet("TRAP"), conds: [] }]);
  });
});

describe("unknown names", () => {
  const doc = `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"syscalls":[
    {"names":["read","no_such_call","_llseek"],"action":"SCMP_ACT_ALLOW"},
    {"names":["another_typo","newfstatat"],"action":"SCMP_ACT_ALLOW"}]}`;
  it('"fail" lists every name no table knows, with its path', () => {
    let err: unknown;
    try {
      resolve(oci(doc), "x86_64", { unknownNames: "fail" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PolicyError);
    expect((err as Error).message).toBe('unknown syscall names: "no_such_call" (syscalls[0].names[1]), "another_typo" (syscalls[1].names[0])');
  });
  it('"skip" reports each (ABI, name) that got no rule, and names other ABIs have are skipped, not failed, in both modes', () => {
    const { skipped, policy } = resolve(oci(doc), "x86_64", { unknownNames: "skip" });
    expect(skipped).toEqual([
      { abi: "x86_64", name: "no_such_call" },
      { abi: "x86_64", name: "_llseek" },
      { abi: "x86_64", name: "another_typo" },
      { abi: "i386", name: "no_such_call" },
      { abi: "i386", name: "another_typo" },
      { abi: "i386", name: "newfstatat" },
    ]);
    expect(policy.abis.map((a) => single(a.rules).length)).toEqual([2, 2]);
    const known = oci(`{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86"],"syscalls":[{"names":["_llseek","newfstatat"],"action":"SCMP_ACT_ALLOW"}]}`);
    expect(resolve(known, "x86_64", { unknownNames: "fail" }).skipped).toEqual([
      { abi: "x86_64", name: "_llseek" },
      { abi: "i386", name: "newfstatat" },
    ]);
  });
});

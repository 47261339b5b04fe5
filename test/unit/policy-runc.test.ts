// withRuncEnosysStub: runc's patchbpf stub on top of a resolved profile. The facts asserted are
// the ones measured in real runc 1.1.15 guests (../shared/notes/runc-in-vm.md): under Docker
// 20.10.9's profile clone3 (435) still gets EPERM because the profile names epoll_pwait2
// (441); numbers above that get ENOSYS; under 20.10.10 clone3 gets ENOSYS. Syscall numbers come
// from libseccomp's scmp_sys_resolver, not from our tables. (policy-libseccomp.test.ts compares
// the stub with runc's code on every number.)
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RET, errno } from "../../policy/action.ts";
import { parseJson } from "../../policy/json.ts";
import { mobyToOci } from "../../policy/moby.ts";
import { parseOci, type OciSeccomp } from "../../policy/oci.ts";
import { resolve } from "../../policy/resolve.ts";
import { highestNamedNr, withRuncEnosysStub } from "../../policy/runc.ts";
import { evaluate } from "./reference.ts";
import { mobyProfilePath, type MobyVersion } from "../fixtures/index.ts";

const moby = (v: string, kernelArch: "x86_64" | "s390x" | "ppc64le") =>
  mobyToOci(parseJson(readFileSync(mobyProfilePath(`v20.10.${v}` as MobyVersion), "utf8"), v), { kernelArch, kernelVersion: "6.12" });
const nr = (arch: string, name: string): number => Number(execFileSync("scmp_sys_resolver", ["-a", arch, name], { encoding: "utf8" }).trim());
const ZERO = [0n, 0n, 0n, 0n, 0n, 0n];
const ENOSYS = errno(38);
const EPERM = errno(1);
const AUDIT = { x86_64: 0xc000003e, i386: 0x40000003, s390x: 0x80000016, s390: 0x16, ppc64le: 0xc0000015 };

function stubbed(oci: OciSeccomp, k: "x86_64" | "s390x" | "ppc64le") {
  const policy = withRuncEnosysStub(resolve(oci, k, { unknownNames: "fail" }).policy, oci);
  return (arch: number, n: number) => evaluate(policy, { arch, nr: n, args: ZERO });
}

describe("runc's ENOSYS stub under Docker's profiles", () => {
  it("v20.10.9 on x86_64: clone3 stays EPERM below epoll_pwait2; above it ENOSYS, on every ABI", () => {
    const at = stubbed(moby("9", "x86_64"), "x86_64");
    const epollPwait2 = nr("x86_64", "epoll_pwait2");
    expect(epollPwait2).toBe(441);
    expect(at(AUDIT.x86_64, nr("x86_64", "clone3"))).toBe(EPERM);
    expect(at(AUDIT.x86_64, epollPwait2)).toBe(RET.ALLOW);
    expect(at(AUDIT.x86_64, epollPwait2 + 1)).toBe(ENOSYS);
    expect(at(AUDIT.x86_64, 0xbfffffff)).toBe(ENOSYS);
    expect(at(AUDIT.i386, nr("x86", "clone3"))).toBe(EPERM);
    expect(at(AUDIT.i386, nr("x86", "epoll_pwait2") + 1)).toBe(ENOSYS);
    expect(at(AUDIT.x86_64, nr("x32", "clone3"))).toBe(EPERM);
    expect(at(AUDIT.x86_64, 0x7fffffff)).toBe(ENOSYS);
    expect(at(AUDIT.x86_64, 0xffffffff)).toBe(ENOSYS); // bit 30 set: x32's section, above its max
  });

  it("v20.10.10 on x86_64: clone3 is ENOSYS from the profile itself", () => {
    const at = stubbed(moby("10", "x86_64"), "x86_64");
    expect(at(AUDIT.x86_64, nr("x86_64", "clone3"))).toBe(ENOSYS);
    expect(at(AUDIT.i386, nr("x86", "clone3"))).toBe(ENOSYS);
  });

  it("s390x: number 0 (the multiplexer of unknown large syscalls) is ENOSYS; clone3 stays EPERM in v20.10.9", () => {
    const at = stubbed(moby("9", "s390x"), "s390x");
    expect(at(AUDIT.s390x, 0)).toBe(ENOSYS);
    expect(at(AUDIT.s390, 0)).toBe(ENOSYS);
    expect(at(AUDIT.s390x, nr("s390x", "clone3"))).toBe(EPERM);
    expect(at(AUDIT.s390x, nr("s390x", "epoll_pwait2") + 1)).toBe(ENOSYS);
  });

  it("ppc64le: Docker lists no architectures, the native ABI still gets its stub", () => {
    const at = stubbed(moby("9", "ppc64le"), "ppc64le");
    expect(at(AUDIT.ppc64le, nr("ppc64le", "clone3"))).toBe(EPERM);
    expect(at(AUDIT.ppc64le, nr("ppc64le", "epoll_pwait2") + 1)).toBe(ENOSYS);
  });
});

describe("stub edge cases", () => {
  const oci = (doc: string) => parseOci(parseJson(doc, "t"));
  it("no stub when the default action is ALLOW, LOG or TRACE", () => {
    for (const action of ["SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE"]) {
      const o = oci(`{"defaultAction":"${action}","syscalls":[{"names":["read"],"action":"SCMP_ACT_KILL"}]}`);
      const { policy } = resolve(o, "x86_64");
      expect(withRuncEnosysStub(policy, o)).toBe(policy);
    }
  });
  it("the highest number counts entries with the default action too, and ignores names an ABI lacks", () => {
    const o = oci(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},{"names":["openat2","_llseek"],"action":"SCMP_ACT_ERRNO"}]}`);
    expect(highestNamedNr(o, "x86_64")).toBe(nr("x86_64", "openat2"));
    const at = stubbed(o, "x86_64");
    expect(at(AUDIT.x86_64, nr("x86_64", "openat2"))).toBe(EPERM);
    expect(at(AUDIT.x86_64, nr("x86_64", "openat2") + 1)).toBe(ENOSYS);
  });
  it("x86_64 without x32: numbers with bit 30 go to the filter (bad-arch), others above the max get ENOSYS", () => {
    const at = stubbed(oci(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["write"],"action":"SCMP_ACT_ALLOW"}]}`), "x86_64");
    expect(at(AUDIT.x86_64, 1)).toBe(RET.ALLOW);
    expect(at(AUDIT.x86_64, 2)).toBe(ENOSYS);
    expect(at(AUDIT.x86_64, 0x40000000)).toBe(RET.KILL_THREAD);
    expect(at(AUDIT.x86_64, 0x80000000)).toBe(ENOSYS);
    expect(at(AUDIT.x86_64, 0xc0000000)).toBe(RET.KILL_THREAD);
    expect(at(AUDIT.x86_64, 0xffffffff)).toBe(EPERM); // -1 passes libseccomp's x32 check: default
  });
  it("an ABI none of whose names resolve, or whose highest is 0, gets no stub (runc: largestSyscall != 0)", () => {
    const at = stubbed(oci(`{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86"],"syscalls":[{"names":["tuxcall"],"action":"SCMP_ACT_ALLOW"}]}`), "x86_64");
    expect(at(AUDIT.x86_64, 1000)).toBe(ENOSYS);
    expect(at(AUDIT.i386, 1000)).toBe(EPERM);
    const zero = stubbed(oci(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`), "x86_64");
    expect(zero(AUDIT.x86_64, 1000)).toBe(EPERM);
  });
});

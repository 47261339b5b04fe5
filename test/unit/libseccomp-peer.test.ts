// The libseccomp peer itself (test/peer/scmp-export.c + libseccomp.ts): it must reproduce the
// survey's libseccomp exports byte for byte, and translate OCI the way runc does, or every
// comparison built on it would prove nothing.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { RET } from "../../policy/action.ts";
import type { OciSeccomp } from "../../policy/oci.ts";
import { type ScmpPolicy, exportBpf, fromOci, policyText } from "../peer/libseccomp.ts";
import { UPSTREAM_LIBSECCOMP } from "../fixtures/index.ts";

const fixtures = UPSTREAM_LIBSECCOMP;
const ERRNO_ENOSYS = 0x00050026;
const upstream = (arches: string[]): ScmpPolicy => ({
  defaultAction: RET.ALLOW, arches, optimize: 1, rules: [{ action: ERRNO_ENOSYS, name: "clone3", conds: [] }],
});

describe("scmp-export", () => {
  it.each(["x86_64", "x86", "x32", "aarch64", "arm", "ppc64le", "s390x", "s390"])(
    "reproduces the committed %s fixture byte for byte (target byte order)",
    (arch) => {
      const out = exportBpf(upstream([arch]));
      expect(Buffer.from(out.bytes).equals(readFileSync(join(fixtures, `${arch}.bpf`)))).toBe(true);
      expect(out.bigEndian).toBe(arch.startsWith("s390"));
    },
  );

  it("reproduces the three-ABI x86 fixture (11 instructions)", () => {
    const out = exportBpf(upstream(["x86_64", "x86", "x32"]));
    expect(out.insns).toBe(11);
    expect(Buffer.from(out.bytes).equals(readFileSync(join(fixtures, "x86_64+x86+x32.bpf")))).toBe(true);
  });

  it("reports names libseccomp cannot resolve, and times the build when asked", () => {
    const out = exportBpf({ ...upstream(["x86_64"]), rules: [...upstream([]).rules, { action: 1 | 0x50000, name: "no_such_call", conds: [] }] }, 50);
    expect(out.skipped).toEqual(["no_such_call"]);
    expect(out.medianNs).toBeGreaterThan(0);
    expect(out.insns).toBe(9); // the unresolved rule added nothing
  });

  it("rejects malformed policy text with one line and status 125", () => {
    expect(() => exportBpf({ ...upstream(["x86_64"]), arches: ["vax"] })).toThrow(/unknown arch vax/);
  });
});

describe("fromOci (runc's translation)", () => {
  const oci: OciSeccomp = {
    defaultAction: "SCMP_ACT_ERRNO",
    architectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X86_64"],
    syscalls: [
      { names: ["read", "write"], action: "SCMP_ACT_ALLOW" },
      { names: ["open"], action: "SCMP_ACT_ERRNO" }, // equals the default: dropped
      { names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 },
      { names: ["personality"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 8n, op: "SCMP_CMP_EQ" }, { index: 0, value: 0n, op: "SCMP_CMP_EQ" }] },
      { names: ["clone"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 0x7e020000n, valueTwo: 0n, op: "SCMP_CMP_MASKED_EQ" }, { index: 1, value: 5n, op: "SCMP_CMP_LT" }] },
    ],
  };

  it("puts the native arch first, drops default-action rules, ORs a repeated index, ANDs distinct ones", () => {
    const p = fromOci(oci, "x86_64", 2);
    expect(p.arches).toEqual(["x86_64", "x86"]);
    expect(p.defaultAction).toBe(0x00050001);
    expect(policyText(p).split("\n")).toEqual([
      "default 0x50001",
      "optimize 2",
      "arch x86_64",
      "arch x86",
      "rule 0x7fff0000 read",
      "rule 0x7fff0000 write",
      "rule 0x50026 clone3",
      "rule 0x7fff0000 personality 0 EQ 0x8",
      "rule 0x7fff0000 personality 0 EQ 0x0",
      "rule 0x7fff0000 clone 0 MASKED_EQ 0x7e020000 0x0 1 LT 0x5",
      "",
    ]);
    expect(exportBpf(p).skipped).toEqual([]);
  });
});

// policy/fix.ts (--fix-profile) against what moby itself shipped: v20.10.9 fixed must be moby's
// own v20.10.10, byte for byte and verdict for verdict. Verdicts come from libseccomp (Debian's,
// through test/peer/scmp-export.c) on the independent BPF interpreter, and from our pipeline with
// runc's ENOSYS stub (what a legacy engine installs), on every number of every ABI of every arch.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { abisOf, KERNEL_ARCHES, syscallNames, syscallNr } from "../../arch/index.ts";
import type { AbiFacts, KernelArch } from "../../arch/types.ts";
import {
  DOCKER_DEFAULT_CAPS, fixProfile, KNOWN_HIDEABLE, EPERM_CONSEQUENCE, loadPolicy, mobyToOci, ociToJson, parseJson, resolve, toOci, withRuncEnosysStub, type OciSeccomp,
} from "../../policy/index.ts";
import { actionName, compile, simulate } from "../../wasm/core.ts";
import { checkProfile } from "../../launcher/profile.ts";
import { FIXTURES, mobyProfilePath } from "../fixtures/index.ts";
import { runBpf } from "../peer/bpf-interp.ts";
import { exportBpf, fromOci, SCMP_ARCH } from "../peer/libseccomp.ts";
import { KERNEL_VERSION } from "../peer/moby.ts";

const v9Text = readFileSync(mobyProfilePath("v20.10.9"), "utf8");
const v10Text = readFileSync(mobyProfilePath("v20.10.10"), "utf8");
const WITH_SYS_ADMIN = [...DOCKER_DEFAULT_CAPS, "CAP_SYS_ADMIN"];

const toOciOf = (text: string, kernelArch: KernelArch, caps: readonly string[]): OciSeccomp =>
  toOci(loadPolicy(text, "t"), { kernelArch, caps, kernelVersion: KERNEL_VERSION });

/** Every number worth asking on an ABI: the table's range, a margin above it, and each named number. */
function numbersOf(abi: AbiFacts): number[] {
  const nrs = new Set<number>();
  for (let n = 0; n <= abi.maxNr + 16; n++) nrs.add(n);
  for (const name of syscallNames(abi.name)) nrs.add(syscallNr(abi.name, name)!);
  return [...nrs].map((n) => (abi.nrBase + n) >>> 0);
}

type Verdicts = Map<string, number>; // "abi nr" -> action

/** libseccomp's verdicts (no runc stub) for an OCI selection on `arch`, zero arguments. */
function libseccompVerdicts(oci: OciSeccomp, arch: KernelArch): Verdicts {
  const abis = abisOf(arch);
  const scmp = fromOci(oci, SCMP_ARCH[abis[0]!.name], 2);
  const peer = exportBpf(scmp);
  // Debian's libseccomp 2.5.4 exporting for a big-endian arch on this little-endian host writes the
  // default action's ret byte-swapped (s390x: `ret 0x01000500` for ERRNO(EPERM)); read it back as meant.
  const swapped = Buffer.from(new Uint32Array([scmp.defaultAction]).buffer).readUInt32BE(0);
  const out: Verdicts = new Map();
  for (const abi of abis) {
    for (const nr of numbersOf(abi)) {
      const { action } = runBpf(peer.bytes, peer.bigEndian, { nr, arch: abi.auditArch }, peer.bigEndian);
      out.set(`${abi.name} ${nr}`, peer.bigEndian && action === swapped ? scmp.defaultAction : action);
    }
  }
  return out;
}

/** Our core's verdicts for what a legacy engine installs: the selection plus runc's ENOSYS stub. */
function engineVerdicts(oci: OciSeccomp, arch: KernelArch): Verdicts {
  const program = compile(withRuncEnosysStub(resolve(oci, arch).policy, oci));
  const out: Verdicts = new Map();
  for (const abi of abisOf(arch)) {
    for (const nr of numbersOf(abi)) out.set(`${abi.name} ${nr}`, simulate(program.bytes, program.byteOrder, { nr, arch: abi.auditArch }).action);
  }
  return out;
}

/** Differences from the expectation: clone3 as in `clone3From`, every other number as in `restFrom`. */
function mismatches(got: Verdicts, clone3From: Verdicts, restFrom: Verdicts, arch: KernelArch): string[] {
  const clone3 = new Set(abisOf(arch).map((a) => `${a.name} ${(a.nrBase + syscallNr(a.name, "clone3")!) >>> 0}`));
  const wrong: string[] = [];
  for (const [key, action] of got) {
    const want = (clone3.has(key) ? clone3From : restFrom).get(key)!;
    if (action !== want) wrong.push(`${arch} ${key}: ${actionName(action)}, expected ${actionName(want)}`);
  }
  return wrong;
}

describe("moby v20.10.9 fixed is moby v20.10.10", () => {
  const fixed = fixProfile(v9Text, "v20.10.9");

  it("byte for byte: the same two edits moby made (clone3 allowed with CAP_SYS_ADMIN, ENOSYS otherwise)", () => {
    expect(fixed.notes).toEqual([{ name: "clone3", outcome: "fixed", reason: "ENOSYS instead of the default action's EPERM" }]);
    expect(fixed.format).toBe("moby");
    expect(fixed.text).toBe(v10Text);
  });

  it("reports nothing to fix in v20.10.10 itself", () => {
    const again = fixProfile(v10Text, "v20.10.10");
    expect(again.notes.map((n) => n.outcome)).toEqual(["already"]);
    expect(again.text).toBe(v10Text);
  });

  describe.each(KERNEL_ARCHES)("on %s", (arch) => {
    it.each([["Docker's default caps", DOCKER_DEFAULT_CAPS], ["CAP_SYS_ADMIN added", WITH_SYS_ADMIN]] as const)(
      "with %s: libseccomp and the engine's program give v20.10.10's clone3 verdicts and v20.10.9's for every other number",
      (_what, caps) => {
        const [v9, v10, ours] = [v9Text, v10Text, fixed.text].map((t) => toOciOf(t, arch, caps));
        const scmp = [v9, v10, ours].map((o) => libseccompVerdicts(o!, arch));
        expect(mismatches(scmp[2]!, scmp[1]!, scmp[0]!, arch)).toEqual([]);
        const engine = [v9, v10, ours].map((o) => engineVerdicts(o!, arch));
        expect(mismatches(engine[2]!, engine[1]!, engine[0]!, arch)).toEqual([]);
        // The two versions really differ on clone3, so the comparison above could fail.
        const native = abisOf(arch)[0]!;
        const key = `${native.name} ${syscallNr(native.name, "clone3")}`;
        expect(actionName(engine[0]!.get(key)!)).toBe("ERRNO(1)");
        expect(actionName(engine[2]!.get(key)!)).toBe(caps === WITH_SYS_ADMIN ? "ALLOW" : "ERRNO(38)");
      },
    );

    it("fixes the OCI object dockerd hands runc the same way (default caps)", () => {
      const v9 = toOciOf(v9Text, arch, DOCKER_DEFAULT_CAPS);
      const result = fixProfile(ociToJson(v9), "oci");
      expect(result.format).toBe("oci");
      const ours = toOciOf(result.text, arch, DOCKER_DEFAULT_CAPS);
      const v10 = toOciOf(v10Text, arch, DOCKER_DEFAULT_CAPS);
      const scmp = [v9, v10, ours].map((o) => libseccompVerdicts(o, arch));
      expect(mismatches(scmp[2]!, scmp[1]!, scmp[0]!, arch)).toEqual([]);
    });
  });
});

/** Golden output bytes: a config.json as `runc spec` writes it (2 spaces) with Docker's x86_64 selection. */
describe("golden: a runc config.json", () => {
  const dir = join(FIXTURES, "fix-profile");
  const input = readFileSync(join(dir, "config.json"), "utf8");
  const result = fixProfile(input, "config.json");
  const goldenPath = join(dir, "config.fixed.json");
  if (process.env.GOLDEN_UPDATE === "1") writeFileSync(goldenPath, result.text);

  it("matches the committed output", () => {
    expect(result.format).toBe("config.json");
    expect(result.text).toBe(readFileSync(goldenPath, "utf8"));
  });
  it("changes nothing but one added entry: every input line survives, in order (a comma may follow)", () => {
    const strip = (l: string) => l.replace(/,$/, "");
    const before = input.split("\n").map(strip);
    const after = result.text.split("\n").map(strip);
    let j = 0;
    for (const line of after) if (j < before.length && line === before[j]) j++;
    expect(j).toBe(before.length);
    expect(after.length - before.length).toBe(7);
  });
});

describe("what is left alone, moved or fixed in place", () => {
  const oci = (o: object) => JSON.stringify(o, null, 2) + "\n";
  const base = { defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"] };

  it("leaves an allowed name alone and says so", () => {
    const r = fixProfile(oci({ ...base, syscalls: [{ names: ["clone3", "read"], action: "SCMP_ACT_ALLOW" }] }), "p");
    expect(r.notes).toEqual([{ name: "clone3", outcome: "left", reason: "already allowed by syscalls[0]" }]);
  });
  it("leaves KILL, TRAP and another errno alone", () => {
    for (const [entry, reason] of [
      [{ names: ["clone3"], action: "SCMP_ACT_KILL" }, "syscalls[0] answers it with SCMP_ACT_KILL"],
      [{ names: ["clone3"], action: "SCMP_ACT_TRAP" }, "syscalls[0] answers it with SCMP_ACT_TRAP"],
      [{ names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }, "syscalls[0] answers it with errno 13"],
    ] as const) {
      expect(fixProfile(oci({ ...base, syscalls: [entry] }), "p").notes[0]).toMatchObject({ outcome: "left", reason });
    }
  });
  it("leaves a KILL default alone and an ALLOW default as it is", () => {
    expect(fixProfile(oci({ defaultAction: "SCMP_ACT_KILL" }), "p").notes[0]).toMatchObject({ outcome: "left" });
    expect(fixProfile(oci({ defaultAction: "SCMP_ACT_ALLOW" }), "p").notes[0]).toMatchObject({ outcome: "already" });
  });
  it("fixes an explicit EPERM entry in place when it names only hidden syscalls", () => {
    const r = fixProfile(oci({ ...base, syscalls: [{ names: ["clone3"], action: "SCMP_ACT_ERRNO" }] }), "p");
    expect(JSON.parse(r.text).syscalls).toEqual([{ names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 }]);
  });
  it("moves a hidden name out of a shared EPERM entry, keeping the others there", () => {
    const r = fixProfile(oci({ ...base, syscalls: [{ names: ["mount", "clone3", "faccessat2"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }] }), "p", ["clone3", "faccessat2"]);
    expect(JSON.parse(r.text).syscalls).toEqual([
      { names: ["mount"], action: "SCMP_ACT_ERRNO", errnoRet: 1 },
      { names: ["clone3", "faccessat2"], action: "SCMP_ACT_ERRNO", errnoRet: 38 },
    ]);
  });
  it("removes leading, middle and trailing names alike", () => {
    const r = fixProfile(oci({ ...base, syscalls: [{ names: ["clone3", "faccessat2", "mount", "openat2", "umount2", "statx"], action: "SCMP_ACT_ERRNO" }] }), "p", ["clone3", "faccessat2", "openat2", "statx"]);
    expect(JSON.parse(r.text).syscalls).toEqual([
      { names: ["mount", "umount2"], action: "SCMP_ACT_ERRNO" },
      { names: ["clone3", "faccessat2", "openat2", "statx"], action: "SCMP_ACT_ERRNO", errnoRet: 38 },
    ]);
    const compact = fixProfile('{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["clone3","mount"],"action":"SCMP_ACT_ERRNO"}]}', "p").text;
    expect(compact).toBe('{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["mount"],"action":"SCMP_ACT_ERRNO"},{"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}');
  });
  it("keeps a one-line document on one line", () => {
    expect(fixProfile('{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["clone3"],"action":"SCMP_ACT_ERRNO"}]}', "p").text)
      .toBe('{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}');
    expect(fixProfile('{"defaultAction":"SCMP_ACT_ERRNO"}', "p").text)
      .toBe('{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}');
  });
  it("adds syscalls to an object that has none, and keeps CRLF line ends and u64 literals", () => {
    const text = '{\r\n  "defaultAction": "SCMP_ACT_ERRNO",\r\n  "flags": []\r\n}\r\n';
    const r = fixProfile(text, "p");
    expect(r.text).toBe('{\r\n  "defaultAction": "SCMP_ACT_ERRNO",\r\n  "syscalls": [\r\n    {\r\n      "names": [\r\n        "clone3"\r\n      ],\r\n      "action": "SCMP_ACT_ERRNO",\r\n      "errnoRet": 38\r\n    }\r\n  ],\r\n  "flags": []\r\n}\r\n');
    const big = '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["ioctl"],"action":"SCMP_ACT_ALLOW","args":[{"index":1,"value":18446744073709551615,"op":"SCMP_CMP_EQ"}]}]}';
    const fixedBig = fixProfile(big, "p").text;
    expect(fixedBig).toContain("18446744073709551615");
    expect(parseJson(fixedBig, "p")).toMatchObject({ syscalls: [{ names: ["ioctl"] }, { names: ["clone3"], errnoRet: 38 }] });
  });
  it("refuses a name no arch knows, and bad input, with one line", () => {
    expect(() => fixProfile(oci(base), "p", ["clone4"])).toThrow(/^--hide: no such syscall "clone4"$/);
    expect(() => fixProfile("{", "p")).toThrow(/^p: not valid JSON/);
    expect(() => fixProfile(oci({ defaultAction: "SCMP_ACT_NOPE" }), "p")).toThrow(/^p: defaultAction: unknown action/);
  });
});

describe("--check-profile", () => {
  const findings = (text: string) => checkProfile(loadPolicy(text, "t"), KERNEL_VERSION);

  it("names a consequence for every known hideable syscall", () => {
    expect(Object.keys(EPERM_CONSEQUENCE).sort()).toEqual(Object.keys(KNOWN_HIDEABLE).sort());
  });
  it("finds clone3 -> EPERM on every arch and ABI of v20.10.9, none in v20.10.10 or the fixed profile", () => {
    const v9 = findings(v9Text).filter((f) => f.name === "clone3");
    // A 32-bit arm dockerd: moby's archMap has no SCMP_ARCH_ARM entry, so the engine covers arm alone.
    const engineAbis = (k: KernelArch) => (k === "arm" ? ["arm"] : abisOf(k).map((a) => a.name).sort());
    expect(v9.map((f) => [f.arch, f.errno, [...f.abis].sort()])).toEqual(KERNEL_ARCHES.map((k) => [k, 1, engineAbis(k)]));
    expect(findings(v10Text).filter((f) => f.name === "clone3")).toEqual([]);
    expect(findings(fixProfile(v9Text, "t").text).filter((f) => f.name === "clone3")).toEqual([]);
  });
  it("finds nothing at all once --hide names everything it found (fix and check agree)", () => {
    const found = [...new Set(findings(v9Text).map((f) => f.name))].sort();
    expect(found).toEqual(["clone3", "fchmodat2"]); // fchmodat2: the holes below arm's set_tls and x32's 512+ numbers
    const fixed = fixProfile(v9Text, "t", found);
    expect(fixed.notes.map((n) => [n.name, n.outcome])).toEqual([["clone3", "fixed"], ["fchmodat2", "fixed"]]);
    expect(findings(fixed.text)).toEqual([]);
  });
  it("agrees with libseccomp (no runc stub) plus runc's stub rule on every finding", () => {
    for (const arch of KERNEL_ARCHES) {
      const oci = mobyToOci(parseJson(v9Text, "t"), { kernelArch: arch, kernelVersion: KERNEL_VERSION });
      const scmp = libseccompVerdicts(oci, arch);
      const { policy } = resolve(oci, arch);
      for (const name of Object.keys(KNOWN_HIDEABLE)) {
        const got = findings(v9Text).find((f) => f.arch === arch && f.name === name)?.abis ?? [];
        // libseccomp's EPERM, minus what runc's stub turns into ENOSYS (numbers above the highest named).
        const stubMax = (abi: string) => Math.max(...(oci.syscalls ?? []).flatMap((s) => s.names).map((n) => syscallNr(abi as never, n) ?? -1));
        const want = policy.abis
          .filter(({ abi }) => {
            const nr = syscallNr(abi.name, name);
            return nr !== undefined && nr <= stubMax(abi.name) && scmp.get(`${abi.name} ${(abi.nrBase + nr) >>> 0}`) === 0x50001;
          })
          .map(({ abi }) => abi.name);
        expect([...got].sort(), `${arch} ${name}`).toEqual([...want].sort());
      }
    }
  });
});

// moby's profile format and its selection (policy/moby.ts), checked against facts measured
// independently: the survey's translation of the same profiles (../shared/notes/peer-baseline.md
// §5: 11 of 26 blocks, 350 rules; v20.10.10 351), the runc-in-VM notes (s390x picks its own
// clone rule; no ppc64le archMap entry), moby PR 42836 (clone3 -> ENOSYS unless CAP_SYS_ADMIN),
// and the kernel's capability numbers (Docker's 14 capabilities are CapEff 00000000a80425fb).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { syscallNr } from "../../arch/index.ts";
import { RET, errno } from "../../policy/action.ts";
import { PolicyError } from "../../policy/errors.ts";
import { parseJson } from "../../policy/json.ts";
import { DOCKER_DEFAULT_CAPS, mobyToOci, parseMoby } from "../../policy/moby.ts";
import { ociToJson, parseOci, type OciSeccomp } from "../../policy/oci.ts";
import { resolve } from "../../policy/resolve.ts";
import { evaluate } from "./reference.ts";

const text = (v: string): string => readFileSync(mobyProfilePath(`v20.10.${v}` as MobyVersion), "utf8");
const moby = (v: string): unknown => parseJson(text(v), v);
const oci = (v: string, kernelArch: "x86_64" | "aarch64" | "ppc64le" | "s390x" = "x86_64", caps?: string[], kernelVersion = "6.12") =>
  mobyToOci(moby(v), { kernelArch, caps, kernelVersion });

/** Rules as runc builds them: one per name, or one per arg when an arg index repeats. */
function ruleCount(o: OciSeccomp): number {
  return (o.syscalls ?? []).reduce((n, s) => {
    const idx = (s.args ?? []).map((a) => a.index);
    return n + s.names.length * (new Set(idx).size < idx.length ? idx.length : 1);
  }, 0);
}

const errnoOf = (o: OciSeccomp, name: string): (number | string)[] =>
  (o.syscalls ?? []).filter((s) => s.names.includes(name)).map((s) => (s.action === "SCMP_ACT_ERRNO" ? (s.errnoRet ?? 1) : s.action));

describe("mobyToOci on the Docker 20.10 default profiles (x86_64, Docker's caps, kernel 6.12)", () => {
  it("selects 11 of 26 blocks giving 350 rules in v20.10.9, 12 of 27 giving 351 in v20.10.10", () => {
    expect((moby("9") as { syscalls: unknown[] }).syscalls).toHaveLength(26);
    expect((moby("10") as { syscalls: unknown[] }).syscalls).toHaveLength(27);
    expect(oci("9").syscalls).toHaveLength(11);
    expect(ruleCount(oci("9"))).toBe(350);
    expect(oci("10").syscalls).toHaveLength(12);
    expect(ruleCount(oci("10"))).toBe(351);
  });

  it("takes the archMap entry of the native arch; ppc64le has none, so no architectures at all", () => {
    expect(oci("9").architectures).toEqual(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
    expect(oci("9", "aarch64").architectures).toEqual(["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]);
    expect(oci("9", "s390x").architectures).toEqual(["SCMP_ARCH_S390X", "SCMP_ARCH_S390"]);
    expect(oci("9", "ppc64le").architectures).toBeUndefined();
    expect(oci("9").defaultAction).toBe("SCMP_ACT_ERRNO");
    expect(oci("9").defaultErrnoRet).toBeUndefined();
  });

  it("clone3: no rule in v20.10.9 (EPERM by default); ERRNO(38) in v20.10.10", () => {
    expect(errnoOf(oci("9"), "clone3")).toEqual([]);
    expect(errnoOf(oci("10"), "clone3")).toEqual([38]);
    const probe = (v: string) =>
      evaluate(resolve(oci(v), "x86_64", { unknownNames: "fail" }).policy, {
        arch: 0xc000003e,
        nr: syscallNr("x86_64", "clone3")!,
        args: [0n, 0n, 0n, 0n, 0n, 0n],
      });
    expect(probe("9")).toBe(errno(1));
    expect(probe("10")).toBe(errno(38));
  });

  it("with CAP_SYS_ADMIN the v20.10.10 clone3 rule flips to ALLOW and clone loses its flag mask", () => {
    const admin = oci("10", "x86_64", [...DOCKER_DEFAULT_CAPS, "CAP_SYS_ADMIN"]);
    expect(errnoOf(admin, "clone3")).toEqual(["SCMP_ACT_ALLOW"]);
    expect(admin.syscalls!.filter((s) => s.names.includes("clone")).map((s) => s.args)).toEqual([undefined]);
    const { policy } = resolve(admin, "x86_64", { unknownNames: "fail" });
    const q = { arch: 0xc000003e, nr: 435, args: [0n, 0n, 0n, 0n, 0n, 0n] };
    expect(evaluate(policy, q)).toBe(RET.ALLOW);
  });

  it("clone's namespace-flag rule tests arg 0, except on s390x where it is arg 1", () => {
    const cloneArgs = (k: "x86_64" | "s390x") =>
      oci("9", k).syscalls!.filter((s) => s.names.includes("clone")).map((s) => s.args?.map((a) => [a.index, a.op, a.value]));
    expect(cloneArgs("x86_64")).toEqual([[[0, "SCMP_CMP_MASKED_EQ", 0x7e020000n]]]);
    expect(cloneArgs("s390x")).toEqual([[[1, "SCMP_CMP_MASKED_EQ", 0x7e020000n]]]);
  });

  it("arch-only blocks follow moby's arch names (amd64, arm64, s390x)", () => {
    const names = (k: "x86_64" | "aarch64" | "ppc64le" | "s390x") => oci("9", k).syscalls!.flatMap((s) => s.names);
    expect(names("x86_64")).toContain("arch_prctl");
    expect(names("x86_64")).toContain("modify_ldt");
    expect(names("aarch64")).toContain("arm_fadvise64_64");
    expect(names("aarch64")).not.toContain("arch_prctl");
    expect(names("ppc64le")).toContain("sync_file_range2");
    expect(names("s390x")).toContain("s390_runtime_instr");
    expect(names("s390x")).not.toContain("modify_ldt");
  });

  it("minKernel: ptrace (4.8) is in on 6.12 and on 4.8, out on 4.4", () => {
    const hasPtrace = (kernelVersion: string) =>
      oci("9", "x86_64", undefined, kernelVersion).syscalls!.some((s) => s.names.length === 1 && s.names[0] === "ptrace");
    expect(hasPtrace("6.12")).toBe(true);
    expect(hasPtrace("4.8.0-1-amd64")).toBe(true);
    expect(hasPtrace("4.4")).toBe(false);
  });

  it("DOCKER_DEFAULT_CAPS is the set runc-in-VM measured as CapEff 00000000a80425fb", () => {
    // Capability numbers from the kernel's own header, not from us.
    const header = readFileSync("/usr/include/linux/capability.h", "utf8");
    let mask = 0n;
    for (const cap of DOCKER_DEFAULT_CAPS) {
      const m = new RegExp(`#define\\s+${cap}\\s+(\\d+)`).exec(header);
      expect(m, cap).not.toBeNull();
      mask |= 1n << BigInt(m![1]);
    }
    expect(DOCKER_DEFAULT_CAPS).toHaveLength(14);
    expect(mask).toBe(0xa80425fbn);
  });

  it("ociToJson writes what parseOci reads back unchanged", () => {
    for (const k of ["x86_64", "aarch64", "ppc64le", "s390x"] as const) {
      const o = oci("10", k);
      const json = ociToJson(o);
      expect(json.endsWith("}\n")).toBe(true);
      expect(parseOci(parseJson(json, "out"))).toEqual(o);
    }
  });
});

// moby's setupSeccomp (profiles/seccomp/seccomp_linux.go, v20.10) written again in Python, for a
// second, independent translation of the same profiles.
const MOBY_PY = String.raw`
import json, sys
req = json.load(sys.stdin)
prof, native, caps, kernel = req["profile"], req["native"], req["caps"], tuple(req["kernel"])
def ver(s):
    parts = s.split(".")
    return (int(parts[0]), int(parts[1].split("-")[0]), int(parts[2].split("-")[0]) if len(parts) > 2 else 0)
seccomp_arch = {"amd64": "SCMP_ARCH_X86_64", "arm64": "SCMP_ARCH_AARCH64", "ppc64le": "SCMP_ARCH_PPC64LE", "s390x": "SCMP_ARCH_S390X"}[native]
out = {"defaultAction": prof["defaultAction"]}
arches = list(prof.get("architectures") or [])
for a in prof.get("archMap") or []:
    if a["architecture"] == seccomp_arch:
        arches += [a["architecture"]] + (a.get("subArchitectures") or [])
        break
if arches: out["architectures"] = arches
calls = []
for c in prof.get("syscalls") or []:
    inc, exc = c.get("includes") or {}, c.get("excludes") or {}
    if native in (exc.get("arches") or []): continue
    if any(x in caps for x in exc.get("caps") or []): continue
    if exc.get("minKernel") and kernel >= ver(exc["minKernel"]): continue
    if inc.get("arches") and native not in inc["arches"]: continue
    if any(x not in caps for x in inc.get("caps") or []): continue
    if inc.get("minKernel") and kernel < ver(inc["minKernel"]): continue
    call = {"names": c.get("names") or [c["name"]], "action": c["action"]}
    if c.get("errnoRet") is not None: call["errnoRet"] = c["errnoRet"]
    if c.get("args"): call["args"] = c["args"]
    calls.append(call)
out["syscalls"] = calls
json.dump(out, sys.stdout)
`;
import { mobyProfilePath, type MobyVersion } from "../fixtures/index.ts";

describe("mobyToOci agrees with a second translation written from moby's Go code", () => {
  const MOBY_ARCH = { x86_64: "amd64", aarch64: "arm64", ppc64le: "ppc64le", s390x: "s390x" } as const;
  const capSets = [[...DOCKER_DEFAULT_CAPS], [...DOCKER_DEFAULT_CAPS, "CAP_SYS_ADMIN", "CAP_SYS_PTRACE"], []];
  for (const v of ["9", "10"]) {
    for (const k of ["x86_64", "aarch64", "ppc64le", "s390x"] as const) {
      it(`v20.10.${v} on ${k}, three capability sets, kernels 4.4 and 6.12`, () => {
        for (const caps of capSets) {
          for (const kernel of ["4.4", "6.12"]) {
            const input = JSON.stringify({ profile: JSON.parse(text(v)), native: MOBY_ARCH[k], caps, kernel: kernel.split(".").map(Number).concat(0) });
            const run = spawnSync("/usr/bin/python3", ["-c", MOBY_PY], { input, encoding: "utf8" });
            expect(run.stderr).toBe("");
            const theirs = parseOci(parseJson(run.stdout, "python"));
            expect(oci(v, k, caps, kernel)).toEqual(theirs);
          }
        }
      });
    }
  }
});

describe("moby profile validation", () => {
  const bad = (doc: string): string => {
    try {
      parseMoby(parseJson(doc, "t"));
    } catch (e) {
      expect(e).toBeInstanceOf(PolicyError);
      return (e as Error).message;
    }
    throw new Error("accepted");
  };
  it("legacy `name` and `architectures` work", () => {
    const o = mobyToOci(
      parseJson(`{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86"],"syscalls":[{"name":"clone3","action":"SCMP_ACT_ERRNO","errnoRet":38}]}`, "t"),
      { kernelArch: "x86_64", kernelVersion: "6.12" },
    );
    expect(o).toEqual({
      defaultAction: "SCMP_ACT_ALLOW",
      architectures: ["SCMP_ARCH_X86"],
      syscalls: [{ names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 }],
    });
  });
  it("rejects what moby rejects, and malformed filters, with the JSON path", () => {
    expect(bad(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"name":"a","names":["b"],"action":"SCMP_ACT_ALLOW"}]}`)).toBe(
      "syscalls[0]: 'name' and 'names' were both given; use one of them",
    );
    expect(
      bad(`{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86"],"archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":[]}]}`),
    ).toBe("'architectures' and 'archMap' were both given; use one of them");
    expect(bad(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["a"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"new"}}]}`)).toBe(
      'syscalls[0].includes.minKernel: cannot parse kernel version "new"',
    );
    expect(bad(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["a"],"action":"SCMP_ACT_ALLOW","excludes":{"cap":["X"]}}]}`)).toBe(
      "syscalls[0].excludes.cap: unknown field (expected one of caps, arches, minKernel)",
    );
    expect(bad(`{"defaultAction":"SCMP_ACT_ERRNO","archMap":[{"architecture":"SCMP_ARCH_VAX"}]}`)).toBe(
      'archMap[0].architecture: unknown architecture "SCMP_ARCH_VAX"',
    );
    expect(bad(`{"syscalls":[]}`)).toBe("defaultAction: required");
  });
});

// `--compile --format oci` writes a policy for an engine or runc. The check is what libseccomp
// (runc's compiler) makes of that JSON: its program must give the verdicts our own program gives,
// for every number of every ABI.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { abisOf } from "../../arch/index.ts";
import { parseJson } from "../../policy/json.ts";
import { parseOci } from "../../policy/oci.ts";
import { actionName, simulate } from "../../wasm/core.ts";
import { repoRoot } from "../launcher/legacy-engine.ts";
import { runBpf } from "../peer/bpf-interp.ts";
import { exportBpf, fromOci } from "../peer/libseccomp.ts";
import { mobyProfilePath, type MobyVersion } from "../fixtures/index.ts";

const BUN = join(repoRoot, "node_modules", ".bin", "bun");
const CLI = join(repoRoot, "launcher", "cli.ts");
const moby = (v: MobyVersion) => mobyProfilePath(v);

function cli(args: string[]): Buffer {
  const r = spawnSync(BUN, [CLI, ...args], { timeout: 60_000 });
  expect(r.stderr.toString(), args.join(" ")).toBe("");
  expect(r.status).toBe(0);
  return r.stdout;
}

/** Every number 0..maxNr of every x86_64 ABI: libseccomp's program from our OCI output vs our program. */
function expectSameVerdicts(filterArgs: string[]): void {
  const oci = parseOci(parseJson(cli(["--compile", "--arch", "x86_64", ...filterArgs, "--format", "oci"]).toString(), "oci"));
  const theirs = exportBpf(fromOci(oci, "x86_64", 2));
  expect(theirs.skipped).toEqual([]);
  const ours = new Uint8Array(cli(["--compile", "--arch", "x86_64", ...filterArgs, "--format", "raw"]));
  for (const abi of abisOf("x86_64")) {
    for (let nr = 0; nr <= abi.maxNr; nr++) {
      const data = { nr: abi.nrBase + nr, arch: abi.auditArch };
      const want = actionName(runBpf(theirs.bytes, false, data, false).action);
      expect(actionName(simulate(ours, "little", data).action), `${abi.name} nr ${nr}`).toBe(want);
    }
  }
}

describe("--compile --format oci", () => {
  it("a hide list: libseccomp reads it as the same filter on x86_64, i386 and x32", () => {
    const oci = parseOci(parseJson(cli(["--compile", "--arch", "x86_64", "--hide", "clone3,faccessat2", "--format", "oci"]).toString(), "oci"));
    expect(oci.architectures?.sort()).toEqual(["SCMP_ARCH_X32", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64"]);
    expectSameVerdicts(["--hide", "clone3,faccessat2"]);
  });

  it("a moby profile becomes the OCI object Docker hands runc, with the fixture's clone3 rule only in v20.10.10", () => {
    const v9 = parseOci(parseJson(cli(["--compile", "--arch", "x86_64", "--policy", moby("v20.10.9"), "--format", "oci"]).toString(), "v9"));
    const v10 = parseOci(parseJson(cli(["--compile", "--arch", "x86_64", "--policy", moby("v20.10.10"), "--format", "oci"]).toString(), "v10"));
    const clone3Rules = (o: typeof v9) => (o.syscalls ?? []).filter((s) => s.names.includes("clone3"));
    expect(clone3Rules(v9)).toEqual([]);
    expect(clone3Rules(v10).map((s) => [s.action, s.errnoRet])).toEqual([["SCMP_ACT_ERRNO", 38]]);
    expect(v9.defaultAction).toBe("SCMP_ACT_ERRNO");
    expectSameVerdicts(["--policy", moby("v20.10.9")]);
  });

  it("is refused with one line for a name no arch knows", () => {
    const r = spawnSync(BUN, [CLI, "--compile", "--arch", "x86_64", "--hide", "clone4", "--format", "oci"]);
    expect(r.status).toBe(125);
    expect(r.stderr.toString().trim().split("\n")).toHaveLength(1);
    expect(r.stdout.toString()).toBe("");
  });
});

// The docker guest's per-run cpio: /init (guest/docker-guest.sh), the probes, the wrapper and init
// slots, the three profiles dockerd is given, each phase's flags and daemon.json, each scenario's
// script, the Dockerfile contexts, and the plan the guest follows.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { KernelArch } from "../../../arch/types.ts";
import { mobyProfilePath } from "../../fixtures/index.ts";
import { helper } from "../../helpers/native.ts";
import { packDir } from "../image/cpio.ts";
import { forLegacyBuilder, readmeDockerfile, withoutWorkaround } from "./readme.ts";
import { GUEST_ARCHES } from "../arches.ts";
import { type DockerPhase, type DockerScenario, PHASES } from "./scenarios.ts";

const here = dirname(fileURLToPath(import.meta.url));
const guestDir = join(here, "..", "guest");
const repo = join(here, "..", "..", "..");
const INIT_IN_GUEST = "/harness/init/docker-init";

export interface DockerPayloadSpec {
  arch: KernelArch;
  scenarios: DockerScenario[];
  /** Host path of the wrapper for the wrapper slot (the stub, or the self-test's EPERM wrapper). */
  wrapper?: string;
  /** Host path of the init stub (`--emit-stub --init`). */
  init?: string;
}

export interface DockerPayload {
  cpio: string;
  run: DockerScenario[];
  notApplicable: DockerScenario[];
}

export function buildDockerPayload(spec: DockerPayloadSpec, out: string): DockerPayload {
  const tmp = `${out}.d`;
  rmSync(tmp, { recursive: true, force: true });
  const h = join(tmp, "harness");
  const d = join(h, "docker");
  for (const sub of ["profiles", "phases", "scenarios", "contexts/readme/dist", "contexts/legacy/dist", "contexts/baseline"]) mkdirSync(join(d, sub), { recursive: true });
  copyFileSync(join(guestDir, "docker-guest.sh"), join(tmp, "init"));
  chmodSync(join(tmp, "init"), 0o755);
  for (const f of ["mounts.sh", "probe.sh", "probe.py", "seccomp-filter.py"]) copyFileSync(join(guestDir, f), join(h, f));
  copyFileSync(helper("sealed-exec", ["-static"]), join(h, "sealed-exec"));
  chmodSync(join(h, "sealed-exec"), 0o755);

  const has = { wrapper: !!spec.wrapper, init: !!spec.init };
  if (spec.wrapper) {
    mkdirSync(join(h, "wrapper"));
    copyFileSync(spec.wrapper, join(h, "wrapper", "clone3-workaround"));
    chmodSync(join(h, "wrapper", "clone3-workaround"), 0o755);
    // The README's Dockerfile takes dist/clone3-workaround-stub.* and picks this arch's by TARGETARCH.
    for (const c of ["readme", "legacy"]) {
      copyFileSync(spec.wrapper, join(d, "contexts", c, "dist", `clone3-workaround-stub.${spec.arch}`));
      chmodSync(join(d, "contexts", c, "dist", `clone3-workaround-stub.${spec.arch}`), 0o755);
    }
  }
  if (spec.init) {
    mkdirSync(join(h, "init"));
    copyFileSync(spec.init, join(h, "init", "docker-init"));
    chmodSync(join(h, "init", "docker-init"), 0o755);
  }
  const dockerfile = readmeDockerfile();
  writeFileSync(join(d, "contexts/readme/Dockerfile"), dockerfile);
  writeFileSync(join(d, "contexts/legacy/Dockerfile"), forLegacyBuilder(dockerfile));
  writeFileSync(join(d, "contexts/baseline/Dockerfile"), withoutWorkaround(dockerfile));
  // Docker's name for the arch (TARGETARCH), which the legacy builder is given as a build arg.
  writeFileSync(join(d, "targetarch"), GUEST_ARCHES[spec.arch].debArch);

  // dockerd takes moby profiles as they are; the fixed one is written by the product's own CLI.
  copyFileSync(mobyProfilePath("v20.10.9"), join(d, "profiles/moby-v20.10.9.json"));
  copyFileSync(mobyProfilePath("v20.10.10"), join(d, "profiles/moby-v20.10.10.json"));
  execFileSync(process.execPath, [join(repo, "launcher", "cli.ts"), "--fix-profile", mobyProfilePath("v20.10.9"), "-o", join(d, "profiles/moby-v20.10.9-fixed.json")], {
    stdio: ["ignore", "ignore", "pipe"],
  });

  const run: DockerScenario[] = [];
  const notApplicable: DockerScenario[] = [];
  for (const s of spec.scenarios) ((s.needs ?? []).every((n) => has[n]) ? run : notApplicable).push(s);
  const plan: string[] = [];
  for (const phase of Object.keys(PHASES) as DockerPhase[]) {
    const inPhase = run.filter((s) => s.phase === phase);
    if (!inPhase.length) continue;
    const p = PHASES[phase];
    writeFileSync(join(d, "phases", `${phase}.json`), JSON.stringify(p.daemon, null, 2).replace("@INIT@", INIT_IN_GUEST) + "\n");
    writeFileSync(join(d, "phases", `${phase}.flags`), `--seccomp-profile /harness/docker/profiles/${p.profile}.json\n`);
    plan.push(`phase ${phase}`);
    for (const s of inPhase) {
      writeFileSync(join(d, "scenarios", `${s.name}.sh`), `${s.script}\n`);
      plan.push(`scenario ${s.name}`);
    }
  }
  writeFileSync(join(d, "plan"), plan.map((l) => `${l}\n`).join(""));
  packDir(tmp, out, 3);
  rmSync(tmp, { recursive: true, force: true });
  // The order the guest runs them in.
  return { cpio: out, run: plan.filter((l) => l.startsWith("scenario ")).map((l) => run.find((s) => s.name === l.slice(9))!), notApplicable };
}

/**
 * The self-test's broken wrapper: a self-contained python3 script (it must also work when a
 * Dockerfile COPYs it into an image) that answers clone3 with EPERM, as the broken engine does,
 * then execs its arguments. It is guest/seccomp-filter.py with its rule fixed.
 */
export function writeEpermWrapper(out: string): string {
  mkdirSync(dirname(out), { recursive: true });
  const filter = readFileSync(join(guestDir, "seccomp-filter.py"), "utf8");
  writeFileSync(
    out,
    "#!/usr/bin/python3\n# The self-test's EPERM wrapper (written by test/integration/docker/payload.ts).\nimport sys\n" +
      'sys.argv[1:] = ["435=errno:1", "--"] + sys.argv[2 if sys.argv[1:2] == ["--"] else 1:]\n' + filter,
  );
  chmodSync(out, 0o755);
  return out;
}

// The QEMU integration matrix: for each suite and arch, build (or reuse) the kernel and Debian
// base image, add a payload with one runc bundle per scenario, boot it, and judge each
// scenario's probe results. Prints an arch x scenario matrix and exits nonzero on any failure.
//
//   bun test/integration/run.ts [--arch A,..] [--suite S,..] [--scenario S,..] [--rootfs FILE.tar]
//       [--wrapper ARCH=PATH].. [--stub] [--launcher] [--jobs N] [--timeout SEC] [--self-test]
//   bun test/integration/run.ts --export-rootfs FILE.tar [--suite S] [--arch A]
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { KernelArch } from "../../arch/types.ts";
import { buildTarget, TARGETS } from "../../scripts/release.ts";
import { ALL_ARCHES, GUEST_ARCHES, type Suite } from "./arches.ts";
import { boot } from "./boot.ts";
import { DOCKER_CAPS } from "./engine/profiles.ts";
import { baseImage, type BaseImage, compatImage } from "./image/base.ts";
import { vmCache } from "./image/cache.ts";
import { concatArchives } from "./image/cpio.ts";
import { kernel } from "./image/kernel.ts";
import { buildPayload, exportRootfs, foreignRootfs, NOOP_WRAPPER } from "./image/payload.ts";
import { judge, type Verdict } from "./markers.ts";
import { type Scenario, SCENARIOS, kernelFits } from "./scenarios.ts";
import { TIME64_FALLBACKS } from "../../policy/preset.ts";
import { DOCKER_ARCHES, DOCKER_NOT_RUN, type DockerImages, dockerImages, dockerScenarios, runDocker } from "./docker/run.ts";
import type { DockerScenario } from "./docker/scenarios.ts";

const USAGE = `usage: bun test/integration/run.ts [--arch A,..] [--suite S,..] [--scenario S,..] [--rootfs FILE.tar]
       [--wrapper ARCH=PATH].. [--stub] [--launcher] [--jobs N] [--timeout SEC] [--self-test]
   or: bun test/integration/run.ts --export-rootfs FILE.tar [--suite S] [--arch A]`;

const KEEP_RUNS = 20;
const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Packages whose versions the run prints; the full list is in the manifest file. */
const KEY_PACKAGES = ["libc6", "runc", "libseccomp2", "python3", "xz-utils", "apt", "busybox-static"];

interface Options {
  arches?: KernelArch[];
  suites?: (Suite | typeof DOCKER_SUITE)[];
  scenarios?: string[];
  rootfs?: string;
  wrappers: Map<KernelArch, string>;
  /** Fill every arch's empty wrapper slot with the product's stub (`--emit-stub`). */
  stub: boolean;
  /** Build the compiled Bun launcher for the arches Bun supports and run the launcher scenarios. */
  launcher: boolean;
  jobs: number;
  timeoutSec: number;
  selfTest: boolean;
  exportRootfs?: string;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Options {
  const o: Options = { wrappers: new Map(), stub: false, launcher: false, jobs: 2, timeoutSec: 480, selfTest: false };
  const list = (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--arch": o.arches = list(value()).map(checkArch); break;
      case "--suite": o.suites = list(value()).map(checkSuite); break;
      case "--scenario": o.scenarios = list(value()); break;
      case "--rootfs": o.rootfs = value(); break;
      case "--wrapper": {
        const [arch, path] = value().split("=", 2);
        if (!path) throw new UsageError("--wrapper takes ARCH=PATH");
        o.wrappers.set(checkArch(arch!), path);
        break;
      }
      case "--jobs": o.jobs = positive(flag, value()); break;
      case "--timeout": o.timeoutSec = positive(flag, value()); break;
      case "--stub": o.stub = true; break;
      case "--launcher": o.launcher = true; break;
      case "--self-test": o.selfTest = true; break;
      case "--export-rootfs": o.exportRootfs = value(); break;
      case "-h": case "--help": console.log(USAGE); process.exit(0);
      default: throw new UsageError(`unknown argument ${flag}`);
    }
  }
  if (o.selfTest && o.stub) throw new UsageError("--self-test needs a broken wrapper; --stub gives a working one");
  if (o.selfTest && o.launcher) throw new UsageError("--self-test runs no launcher scenarios; drop --launcher");
  return o;
}

function checkArch(a: string): KernelArch {
  if (!(a in GUEST_ARCHES)) throw new UsageError(`unknown arch ${a} (one of ${ALL_ARCHES.join(", ")})`);
  return a as KernelArch;
}
/** The matrix rows' names: each row's first suite (arches.ts). */
const ROW_SUITES = [...new Set(ALL_ARCHES.flatMap((a) => GUEST_ARCHES[a].userlands.map((u) => u[0]!)))];

/** `--suite docker` selects the docker guest's column (dockerd from bullseye). */
const DOCKER_SUITE = "docker";

function checkSuite(s: string): Suite | typeof DOCKER_SUITE {
  if (s !== DOCKER_SUITE && !ROW_SUITES.includes(s as Suite)) throw new UsageError(`unknown suite ${s} (one of ${[...ROW_SUITES, DOCKER_SUITE].join(", ")})`);
  return s as Suite;
}
function positive(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a positive integer`);
  return n;
}

interface Target {
  /** The row's name: the first suite of `userland`. */
  suite: Suite;
  /** The suites the userland may come from, in order. */
  userland: readonly Suite[];
  arch: KernelArch;
  /** "suite/arch" with the suite the userland really came from; set once the images are there. */
  label?: string;
  /** The docker guest (docker/): dockerd from bullseye runs the docker scenarios; `userland` is the test image's. */
  docker?: boolean;
}

function targets(o: Options): Target[] {
  const arches = o.arches ?? (o.rootfs || o.exportRootfs ? ["x86_64" as KernelArch] : ALL_ARCHES);
  const out: Target[] = [];
  for (const arch of arches) {
    for (const userland of GUEST_ARCHES[arch].userlands) {
      const suite = userland[0]!;
      if (o.suites ? o.suites.includes(suite) : !(o.rootfs || o.exportRootfs) || suite === "trixie") out.push({ suite, userland, arch });
    }
  }
  if (!(o.rootfs || o.exportRootfs) && (!o.suites || o.suites.includes(DOCKER_SUITE))) {
    for (const arch of arches.filter((a) => DOCKER_ARCHES.includes(a))) out.push({ suite: "bullseye", userland: GUEST_ARCHES[arch].userlands[0]!, arch, docker: true });
  }
  if (out.length === 0) throw new UsageError("no suite/arch left after --arch and --suite");
  if ((o.rootfs || o.exportRootfs) && out.length !== 1) throw new UsageError("--rootfs and --export-rootfs take exactly one suite and arch");
  return out;
}

function scenarios(o: Options): Scenario[] {
  const pool = o.selfTest
    ? SCENARIOS.filter((s) => s.selfTest || s.name === "baseline-v9" || s.name === "reference-fix-v9")
    : SCENARIOS.filter((s) => !s.selfTest);
  if (!o.scenarios) return pool;
  const known = [...pool.map((s) => s.name), ...dockerScenarios(o.selfTest).map((s) => s.name)];
  for (const name of o.scenarios) {
    if (!known.includes(name)) throw new UsageError(`unknown scenario ${name} (one of ${known.join(", ")})`);
  }
  return pool.filter((s) => o.scenarios!.includes(s.name));
}

const secs = (ms: number) => (ms / 1000).toFixed(1);

interface Cell {
  kind: "pass" | "fail" | "expected-red" | "n/a";
  seconds: number | null;
  verdict?: Verdict;
  /** What the container printed besides markers (runc's errors end up here). */
  output: string[];
}

interface TargetResult {
  target: Target;
  cells: Map<string, Cell>;
  infra?: string;
  log: string;
  bootSeconds: number;
  attempts: number;
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const chosen = scenarios(o);
  const dockerChosen = dockerScenarios(o.selfTest, o.scenarios);
  // A guest kind none of whose scenarios were chosen is not booted.
  let tgs = targets(o).filter((t) => (t.docker ? dockerChosen : chosen).length > 0);
  if (tgs.length === 0) throw new UsageError("no scenario left for the chosen suites and arches");

  if (o.exportRootfs) {
    const { userland, arch } = tgs[0]!;
    const base = baseImage(userland, arch);
    exportRootfs(base.root, o.exportRootfs);
    console.log(`wrote ${o.exportRootfs}: the ${arch} base rootfs from ${base.source}, shaped like a docker export`);
    return 0;
  }

  // Images first, one target at a time: mmdebstrap and the downloads are I/O bound, and their
  // times are the cold-build figures.
  const images = new Map<Target, { kernel: ReturnType<typeof kernel>; base: ReturnType<typeof baseImage>; compat?: BaseImage }>();
  const dockerImagesOf = new Map<Target, DockerImages>();
  let built = false;
  const skipped: string[] = [];
  for (const t of tgs) {
    const t0 = Date.now();
    if (t.docker) {
      try {
        const d = dockerImages(t.arch, t.userland);
        dockerImagesOf.set(t, d);
        built ||= d.built;
        t.label = `docker-bullseye/${t.arch}`;
        console.log(`image ${t.label}: ${d.built ? `built in ${secs(Date.now() - t0)} s` : "cached"}; ${d.summary}`);
      } catch (e) {
        skipped.push(`${t.arch}: ${(e as Error).message}`);
      }
      continue;
    }
    const k = kernel(t.userland, t.arch);
    const b = baseImage(t.userland, t.arch);
    const ca = GUEST_ARCHES[t.arch].compat;
    const c = ca && chosen.some((s) => s.compat && (!s.arches || s.arches.includes(t.arch)))
      ? compatImage(t.userland, ca.debArch, ca.packages, `harness/${ca.debArch}`)
      : undefined;
    built ||= k.built || b.built || !!c?.built;
    images.set(t, { kernel: k, base: b, compat: c });
    const versions = new Map(b.manifest.trim().split("\n").filter((l) => !l.startsWith("#")).map((l) => l.split(" ") as [string, string]));
    const python = [...versions.keys()].find((p) => /^python3\.\d+$/.test(p));
    t.label = `${b.source.split(" ")[0]}/${t.arch}`;
    console.log(
      `image ${t.label}: ${k.built || b.built || c?.built ? `built in ${secs(Date.now() - t0)} s` : "cached"}; ` +
        `kernel ${k.release}; ${[...KEY_PACKAGES, python].filter(Boolean).map((p) => `${p} ${versions.get(p!) ?? "?"}`).join(", ")}` +
        `\n  sources: userland ${b.source}; kernel ${k.source}${c ? `; compat ${ca!.debArch} userland ${c.source}` : ""}` +
        `\n  manifest: ${join(b.cpio, "..", "manifest")}` +
        (c ? `\n  compat ${ca!.debArch} userland (${ca!.packages.join(", ")}): ${join(c.cpio, "..", "manifest")}` : ""),
    );
  }
  tgs = tgs.filter((t) => !t.docker || dockerImagesOf.has(t));
  if (dockerChosen.length && !(o.rootfs || o.exportRootfs)) {
    const notTried = ALL_ARCHES.filter((a) => !DOCKER_ARCHES.includes(a) && (!o.arches || o.arches.includes(a)));
    if (notTried.length) skipped.push(`${notTried.join(", ")}: ${DOCKER_NOT_RUN}`);
    console.log(`docker guest skipped on ${skipped.join("; ")}`);
  }
  const imagesDone = Date.now();
  const rootfs = o.rootfs ? foreignRootfs(o.rootfs) : undefined;

  const runs = join(vmCache, "runs");
  const runDir = join(runs, `${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}`);
  mkdirSync(runDir, { recursive: true });
  // Keep the console logs of the last few runs only.
  for (const old of readdirSync(runs).sort().slice(0, -KEEP_RUNS)) rmSync(join(runs, old), { recursive: true, force: true });
  const inits = new Map<KernelArch, string>();
  const extraStubs = new Map<KernelArch, { time64Wrapper?: string; armWrapper?: string }>();
  // An armhf userland on the aarch64 guest: the aarch64 stub told the time64 names, and the arm stub.
  for (const { arch } of tgs) {
    if (arch !== "aarch64" || extraStubs.has(arch)) continue;
    if (o.stub) extraStubs.set(arch, { time64Wrapper: emitStub(arch, runDir, false, ["clone3", ...Object.keys(TIME64_FALLBACKS)], "stub-aarch64-time64"), armWrapper: emitStub("arm", runDir) });
    else if (o.selfTest) extraStubs.set(arch, { armWrapper: NOOP_WRAPPER });
  }
  if (o.stub) {
    for (const { arch } of tgs) if (!o.wrappers.has(arch)) o.wrappers.set(arch, emitStub(arch, runDir));
    for (const { arch } of tgs) if (!inits.has(arch)) inits.set(arch, emitStub(arch, runDir, true));
  }
  const launchers = new Map<KernelArch, string>();
  if (o.launcher) {
    const t0 = Date.now();
    for (const arch of new Set(tgs.map((t) => t.arch))) {
      const bun = BUN_TARGETS[arch];
      if (bun) launchers.set(arch, buildTarget(TARGETS.find((t) => t.name === bun)!, join(runDir, `launcher-${arch}`)));
    }
    if (launchers.size) console.log(`launcher: built ${[...launchers.keys()].join(", ")} in ${secs(Date.now() - t0)} s`);
  }
  const smp = o.jobs >= 2 ? 1 : 2;
  const results: TargetResult[] = [];
  // The docker guest is the longest VM: start it first.
  const queue = [...tgs].sort((a, b) => Number(!!b.docker) - Number(!!a.docker));
  const worker = async () => {
    for (let t = queue.shift(); t; t = queue.shift()) results.push(await runTarget(t));
  };
  const runTarget = async (t: Target): Promise<TargetResult> => {
    const stem = join(runDir, `${t.docker ? "docker-" : ""}${t.suite}-${t.arch}`);
    if (t.docker) {
      const d = await runDocker({
        arch: t.arch, images: dockerImagesOf.get(t)!, scenarios: dockerChosen, stem,
        wrapper: o.wrappers.get(t.arch), init: inits.get(t.arch), selfTest: o.selfTest, timeoutSec: Math.max(o.timeoutSec, 1800),
      });
      console.log(
        `ran ${t.label} in ${d.bootSeconds.toFixed(1)} s${d.attempts > 1 ? " (after a retry)" : ""}; ${d.timings}: ` +
          `${[...d.cells].map(([n, c]) => `${n} ${c.kind}`).join(", ")}`,
      );
      return { target: t, cells: d.cells, infra: d.infra, log: d.log, bootSeconds: d.bootSeconds, attempts: d.attempts };
    }
    // One boot per distinct kernelArgs among the scenarios for this arch (most have none; the
    // others' n/a cells come from the first boot): their cells share the column.
    // A scenario that does not apply here (another arch, an older kernel) is an n/a cell of the first boot.
    const release = images.get(t)!.kernel.release;
    const bootOf = (s: Scenario) => ((!s.arches || s.arches.includes(t.arch)) && kernelFits(s, release) ? s.kernelArgs : undefined);
    const parts: TargetResult[] = [];
    for (const kernelArgs of new Set([undefined, ...chosen.map(bootOf)])) {
      const mine = chosen.filter((s) => bootOf(s) === kernelArgs);
      if (mine.length === 0) continue;
      const sub = kernelArgs ? `${stem}.${kernelArgs.replace(/\W+/g, "-")}` : stem;
      parts.push(await bootTarget(t, mine, sub, kernelArgs));
    }
    const cells = new Map(parts.flatMap((p) => [...p.cells]));
    const infra = parts.map((p) => p.infra).filter(Boolean).join("; ") || undefined;
    return { target: t, cells, infra, log: parts.map((p) => p.log).join(", "), bootSeconds: parts.reduce((n, p) => n + p.bootSeconds, 0), attempts: Math.max(...parts.map((p) => p.attempts)) };
  };
  const bootTarget = async (t: Target, chosen: Scenario[], stem: string, kernelArgs: string | undefined): Promise<TargetResult> => {
    const { kernel: k, base, compat } = images.get(t)!;
    const launcher = launchers.get(t.arch);
    const payload = buildPayload(
      {
        arch: t.arch, kernelRelease: k.release, scenarios: chosen, caps: DOCKER_CAPS,
        wrapper: o.wrappers.get(t.arch) ?? (o.selfTest ? NOOP_WRAPPER : undefined), extraStubs: extraStubs.get(t.arch),
        init: inits.get(t.arch), launcher, foreignRootfs: rootfs,
      },
      `${stem}.payload.cpio.zst`,
    );
    const initrd = `${stem}.initrd`;
    const parts = [base.cpio, ...(rootfs ? [rootfs.cpio] : []), ...(compat ? [compat.cpio] : []), payload.cpio];
    concatArchives(parts, initrd);
    // The launcher (~110 MB) is unpacked into the initramfs, and Bun itself needs room to run.
    const memMiB = launcher ? 1536 : rootfs ? 1024 : 768;
    const b = await boot({ arch: t.arch, kernel: k.image, initrd, smp, memMiB, timeoutSec: o.timeoutSec, log: `${stem}.log`, kernelArgs });
    rmSync(initrd);
    // A payload with the launcher is ~50 MB; the runs directory keeps only console logs and reports.
    if (launcher) rmSync(payload.cpio);
    const cells = new Map<string, Cell>();
    const reports: string[] = [];
    for (const s of payload.notApplicable) cells.set(s.name, { kind: "n/a", seconds: null, output: [] });
    for (const s of payload.run) {
      const run = b.run.scenarios.get(s.name);
      const verdict = judge(s, run, !!rootfs);
      // A self-test scenario must be red because the probes saw the breakage, not because they
      // never ran.
      const sawIt = !verdict.pass && verdict.problems.every((p) => p.includes(": want "));
      const kind = s.selfTest ? (sawIt ? "expected-red" : "fail") : verdict.pass ? "pass" : "fail";
      cells.set(s.name, { kind, seconds: run?.seconds ?? null, verdict, output: run?.output ?? [] });
      if (s.capture) reports.push(saveReport(`${stem}.${s.name}.txt`, run?.output.map((l) => l.replace(/\r/g, "")).join("\n") ?? "(the scenario never started)", run?.rc));
    }
    for (const s of payload.notApplicable) {
      if (s.capture && o.launcher && !BUN_TARGETS[t.arch]) reports.push(saveReport(`${stem}.${s.name}.txt`, `not run: ${NO_BUN}`, null));
    }
    const infra = b.run.done ? undefined : `guest did not finish after ${b.attempts} boots${b.timedOut ? " (timed out)" : ""}`;
    const r = { target: t, cells, infra, log: b.log, bootSeconds: b.seconds, attempts: b.attempts };
    console.log(
      `ran ${t.label}${kernelArgs ? ` (${kernelArgs})` : ""} in ${b.seconds.toFixed(1)} s${b.attempts > 1 ? " (after a retry)" : ""}; ` +
        `guest ${b.run.boot ?? "?"}, container ${b.run.info.get("os") ?? "?"}: ${[...cells].map(([n, c]) => `${n} ${c.kind}`).join(", ")}`,
    );
    for (const f of reports) console.log(`  report: ${f}`);
    return r;
  };
  try {
    await Promise.all(Array.from({ length: Math.min(o.jobs, tgs.length) }, worker));
  } finally {
    // The launcher binaries are ~110 MB each; keep the runs directory small.
    for (const arch of launchers.keys()) rmSync(join(runDir, `launcher-${arch}`), { recursive: true, force: true });
  }
  results.sort((a, b) => tgs.indexOf(a.target) - tgs.indexOf(b.target));

  const rows = [...chosen, ...dockerChosen];
  printMatrix(results, rows);
  const failures = printFailures(results, rows);
  const total = Date.now() - started;
  console.log(
    `\nimages ${secs(imagesDone - started)} s, VMs ${secs(Date.now() - imagesDone)} s (${o.jobs} at a time), ` +
      `${built ? "cold" : "warm"} total ${secs(total)} s; logs in ${runDir}`,
  );
  if (o.selfTest) console.log(failures === 0 ? "self-test: the harness turns red for a broken engine and a broken wrapper" : "self-test FAILED");
  return failures === 0 ? 0 : 1;
}

/** Bun's release targets (scripts/release.ts) for our guest arches; Bun has none for the others. */
const BUN_TARGETS: Partial<Record<KernelArch, string>> = { x86_64: "linux-x64", aarch64: "linux-arm64" };
const NO_BUN = "Bun has no Linux build for this arch (only x64 and arm64), so there is no compiled launcher; the stub is the wrapper here";

/** Writes a captured report (e.g. --doctor's) beside the console log; returns its path. */
function saveReport(file: string, text: string, rc: number | null | undefined): string {
  writeFileSync(file, `${text.trimEnd()}\n${rc === null || rc === undefined ? "" : `(exit status ${rc})\n`}`);
  return file;
}

/** The product's static stub for `arch` (or its init stub), written by its own CLI. */
function emitStub(arch: KernelArch, dir: string, init = false, hide?: string[], sub = `stub-${arch}`): string {
  const out = join(dir, sub, init ? "docker-init" : "clone3-workaround");
  mkdirSync(dirname(out), { recursive: true });
  const args = ["--emit-stub", "--arch", arch, ...(init ? ["--init"] : []), ...(hide ? ["--hide", hide.join(",")] : []), "-o", out];
  execFileSync(process.execPath, [join(repo, "launcher", "cli.ts"), ...args], { stdio: ["ignore", "ignore", "pipe"] });
  return out;
}

/** One row per scenario, one column per suite/arch: the scenarios outnumber the targets. */
/** A row has no cell in a column of the other guest kind. */
const NONE: Cell = { kind: "n/a", seconds: null, output: [] };

function printMatrix(results: TargetResult[], chosen: (Scenario | DockerScenario)[]): void {
  const head = ["scenario", ...results.map((r) => r.target.label!)];
  const rows = chosen.map((s) => [
    s.name,
    ...results.map((r) => {
      const c = r.cells.get(s.name) ?? NONE;
      if (r.infra && c.kind !== "n/a") return "INFRA";
      const label = { pass: "pass", fail: "FAIL", "expected-red": "red(ok)", "n/a": "n/a" }[c.kind];
      return c.seconds === null ? label : `${label} ${c.seconds.toFixed(1)}s`;
    }),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  console.log("\n" + line(head));
  for (const r of rows) console.log(line(r));
  console.log(line(["VM (boot + all)", ...results.map((r) => `${r.bootSeconds.toFixed(1)}s${r.attempts > 1 ? " x2" : ""}`)]));
}

function printFailures(results: TargetResult[], chosen: (Scenario | DockerScenario)[]): number {
  let failures = 0;
  for (const r of results) {
    const where = r.target.label!;
    if (r.infra) {
      failures++;
      console.log(`\n${where}: INFRASTRUCTURE FAILURE: ${r.infra}; console log ${r.log}`);
      continue;
    }
    for (const s of chosen) {
      const c = r.cells.get(s.name) ?? NONE;
      if (c.verdict?.skipped.length) console.log(`${where} ${s.name}: skipped (not in the image): ${c.verdict.skipped.join(", ")}`);
      if (c.kind === "expected-red") console.log(`${where} ${s.name}: red as it must be: ${c.verdict!.problems.join("; ")}`);
      if (c.kind !== "fail") continue;
      failures++;
      const why = s.selfTest && c.verdict!.pass ? ["a self-test scenario passed: the harness cannot see this breakage"] : c.verdict!.problems;
      console.log(`\n${where} ${s.name} FAILED (console log ${r.log}):\n  ${why.join("\n  ")}`);
      const output = c.output.filter((l) => l.trim() !== "").slice(0, 12);
      if (output.length) console.log(`  container output:\n    ${output.join("\n    ")}`);
    }
  }
  return failures;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`integration: ${e instanceof UsageError ? e.message + "\n" + USAGE : e.message}`);
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);

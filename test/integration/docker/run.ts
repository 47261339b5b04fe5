// One docker guest per arch: its images (the bullseye kernel and dockerd userland, the test image),
// its payload, one boot, and a verdict per docker scenario. run.ts puts the cells in its matrix.
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { KernelArch } from "../../../arch/types.ts";
import { boot } from "../boot.ts";
import type { BaseImage } from "../image/base.ts";
import { concatArchives } from "../image/cpio.ts";
import type { Kernel } from "../image/kernel.ts";
import { judge, type Verdict } from "../markers.ts";
import type { Suite } from "../image/sources.ts";
import { dockerGuest, dockerKernel, type TestImage, testImage } from "./image.ts";
import { buildDockerPayload, writeEpermWrapper } from "./payload.ts";
import { DOCKER_SCENARIOS, type DockerScenario, PHASES } from "./scenarios.ts";

/**
 * The arches a docker guest runs on. Only x86_64 so far: on 2026-12-02 bullseye's arm64 docker.io
 * userland did build (the day before it answered 404), but an aarch64 docker guest is untested and
 * would not fit the matrix's time under TCG.
 */
export const DOCKER_ARCHES: KernelArch[] = ["x86_64"];
/** Why the other guest arches have no docker column, printed by the run. */
export const DOCKER_NOT_RUN = "not run: the docker guest is x86_64 only (aarch64: bullseye's arm64 docker.io userland built on 2026-12-02, the guest is untested and would not fit the matrix's time under TCG)";

export interface DockerImages {
  kernel: Kernel;
  guest: BaseImage;
  image: TestImage;
  built: boolean;
  /** One line for the run's printout. */
  summary: string;
}

const version = (manifest: string, pkg: string) => new RegExp(`^${pkg.replace(/\./g, "\\.")} (\\S+)`, "m").exec(manifest)?.[1] ?? "?";

/** The images, or throws one line saying why the mirror cannot give them for this arch. */
export function dockerImages(arch: KernelArch, userland: readonly Suite[]): DockerImages {
  const guest = dockerGuest(arch);
  const kernel = dockerKernel(arch);
  const image = testImage(arch, userland);
  const m = guest.manifest;
  return {
    kernel, guest, image, built: kernel.built || guest.built || image.built,
    summary:
      `kernel ${kernel.release}; docker.io ${version(m, "docker.io")}, containerd ${version(m, "containerd")}, runc ${version(m, "runc")}, ` +
      `tini ${version(m, "tini")}, libc6 ${version(m, "libc6")}` +
      `\n  sources: docker userland ${guest.source}; kernel ${kernel.source}; test image: userland ${image.source}, ${image.hello}` +
      `\n  manifest: ${join(guest.cpio, "..", "manifest")}`,
  };
}

/** The docker scenarios for a run: the self-test's red ones under --self-test, else the rest. */
export function dockerScenarios(selfTest: boolean, names?: string[]): DockerScenario[] {
  const pool = DOCKER_SCENARIOS.filter((s) => !!s.selfTest === selfTest);
  return names ? pool.filter((s) => names.includes(s.name)) : pool;
}

export interface DockerCell {
  kind: "pass" | "fail" | "expected-red" | "n/a";
  seconds: number | null;
  verdict?: Verdict;
  output: string[];
}

export interface DockerRun {
  cells: Map<string, DockerCell>;
  infra?: string;
  log: string;
  bootSeconds: number;
  attempts: number;
  /** dockerd's start time per phase, the image import's time, from the guest. */
  timings: string;
}

export async function runDocker(o: {
  arch: KernelArch; images: DockerImages; scenarios: DockerScenario[]; stem: string;
  wrapper?: string; init?: string; selfTest: boolean; timeoutSec: number;
}): Promise<DockerRun> {
  // The self-test's wrapper slot holds a wrapper that answers clone3 with EPERM.
  const wrapper = o.selfTest ? writeEpermWrapper(`${o.stem}.eperm-wrapper/clone3-workaround`) : o.wrapper;
  const payload = buildDockerPayload({ arch: o.arch, scenarios: o.scenarios, wrapper, init: o.init }, `${o.stem}.payload.cpio.zst`);
  const initrd = `${o.stem}.initrd`;
  concatArchives([o.images.guest.cpio, o.images.image.cpio, payload.cpio], initrd);
  // The initramfs holds ~300 MB of bullseye and the test image's tarball; the vfs data root on tmpfs
  // holds a full copy of the image per container and per build step.
  const b = await boot({ arch: o.arch, kernel: o.images.kernel.image, initrd, smp: 1, memMiB: 3072, timeoutSec: o.timeoutSec, log: `${o.stem}.log` });
  rmSync(initrd);
  const cells = new Map<string, DockerCell>();
  for (const s of payload.notApplicable) cells.set(s.name, { kind: "n/a", seconds: null, output: [] });
  for (const s of payload.run) {
    const run = b.run.scenarios.get(s.name);
    const verdict = judge(s, run, false);
    const sawIt = !verdict.pass && verdict.problems.every((p) => p.includes(": want "));
    const kind = s.selfTest ? (sawIt ? "expected-red" : "fail") : verdict.pass ? "pass" : "fail";
    cells.set(s.name, { kind, seconds: run?.seconds ?? null, verdict, output: run?.output ?? [] });
  }
  const info = b.run.info;
  const phases = Object.keys(PHASES).filter((p) => info.has(`dockerd-start-${p}`) || info.has(`dockerd-failed-${p}`));
  const timings =
    `dockerd start: ${phases.map((p) => `${p} ${info.has(`dockerd-start-${p}`) ? `${info.get(`dockerd-start-${p}`)} s` : "FAILED"}`).join(", ") || "never"}` +
    `; docker import (test image + busybox) ${info.get("docker-import") ?? "?"} s`;
  const infra = b.run.done ? undefined : `guest did not finish after ${b.attempts} boots${b.timedOut ? " (timed out)" : ""}`;
  return { cells, infra, log: b.log, bootSeconds: b.seconds, attempts: b.attempts, timings };
}

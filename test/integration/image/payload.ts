// The per-run part of the initramfs: /init, the probes, one runc bundle per scenario and the
// wrapper slot, as a small uncompressed cpio concatenated after the cached base (and after a
// user's container rootfs, when --rootfs is given).
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, lstatSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { KernelArch } from "../../../arch/types.ts";
import { helper } from "../../helpers/native.ts";
import { dockerConfig } from "../engine/bundle.ts";
import { ociSeccomp } from "../engine/profiles.ts";
import { type Scenario, type Slots, kernelFits } from "../scenarios.ts";
import { cachedDir, cacheKey } from "./cache.ts";
import { packDir } from "./cpio.ts";

const guestDir = join(dirname(fileURLToPath(import.meta.url)), "..", "guest");
/** Where --rootfs images are unpacked in the guest; guest/init.sh uses it when present. */
const CTROOT = "/ctroot";
/** The self-test's broken wrapper: takes the wrapper's `-- CMD ARGS` and installs nothing. */
export const NOOP_WRAPPER = join(guestDir, "noop-wrapper");

export interface PayloadSpec {
  arch: KernelArch;
  /** `uname -r` of the guest kernel: dockerd's minKernel checks read it. */
  kernelRelease: string;
  scenarios: Scenario[];
  caps: readonly string[];
  /** Host path of the wrapper under test for this arch. */
  wrapper?: string;
  /** Host paths of the other stubs (aarch64: the time64 one and the arm stub), by slot. */
  extraStubs?: { time64Wrapper?: string; armWrapper?: string };
  /** Host path of the init stub for this arch (`--emit-stub --init`, with --stub). */
  init?: string;
  /** Host path of the compiled Bun launcher for this arch (--launcher). */
  launcher?: string;
  /** A user's container rootfs (--rootfs); default: the guest's own Debian userland. */
  foreignRootfs?: ForeignRootfs;
}

export interface Payload {
  cpio: string;
  /** Scenarios in the payload, in run order. */
  run: Scenario[];
  /** Scenarios left out: not for this arch, or a slot they need is empty. */
  notApplicable: Scenario[];
}

export function buildPayload(spec: PayloadSpec, out: string): Payload {
  const tmp = `${out}.d`;
  rmSync(tmp, { recursive: true, force: true });
  const h = join(tmp, "harness");
  mkdirSync(join(h, "bundles"), { recursive: true });
  copyFileSync(join(guestDir, "init.sh"), join(tmp, "init"));
  copyFileSync(join(guestDir, "mounts.sh"), join(h, "mounts.sh"));
  copyFileSync(join(guestDir, "probe.sh"), join(h, "probe.sh"));
  copyFileSync(join(guestDir, "probe.py"), join(h, "probe.py"));
  copyFileSync(join(guestDir, "probe-time64.py"), join(h, "probe-time64.py"));
  copyFileSync(join(guestDir, "seccomp-filter.py"), join(h, "seccomp-filter.py"));
  for (const f of ["init", "harness/probe.sh"]) chmodSync(join(tmp, f), 0o755);

  const slots: Slots = { python3: spec.foreignRootfs?.hasPython3 ?? true };
  if (spec.wrapper) {
    mkdirSync(join(h, "wrapper"));
    copyFileSync(spec.wrapper, join(h, "wrapper", basename(spec.wrapper)));
    chmodSync(join(h, "wrapper", basename(spec.wrapper)), 0o755);
    slots.wrapper = `/.harness/wrapper/${basename(spec.wrapper)}`;
  }

  for (const [slot, path] of Object.entries(spec.extraStubs ?? {}) as [keyof NonNullable<PayloadSpec["extraStubs"]>, string | undefined][]) {
    if (!path) continue;
    mkdirSync(join(h, slot));
    copyFileSync(path, join(h, slot, basename(path)));
    chmodSync(join(h, slot, basename(path)), 0o755);
    slots[slot] = `/.harness/${slot}/${basename(path)}`;
  }

  if (spec.init) {
    mkdirSync(join(h, "init"));
    copyFileSync(spec.init, join(h, "init", "docker-init"));
    chmodSync(join(h, "init", "docker-init"), 0o755);
    slots.init = "/.harness/init/docker-init";
  }

  if (spec.launcher) {
    mkdirSync(join(h, "launcher"));
    copyFileSync(spec.launcher, join(h, "launcher", "clone3-workaround"));
    chmodSync(join(h, "launcher", "clone3-workaround"), 0o755);
    slots.launcher = "/.harness/launcher/clone3-workaround";
  }

  if (spec.arch === "x86_64") {
    copyFileSync(helper("syscall-probe", ["-m32", "-static"]), join(h, "probe-i386"));
    chmodSync(join(h, "probe-i386"), 0o755);
  }

  const run: Scenario[] = [];
  const notApplicable: Scenario[] = [];
  for (const s of spec.scenarios) {
    const args = (s.arches && !s.arches.includes(spec.arch)) || !kernelFits(s, spec.kernelRelease) ? null : s.args(slots);
    if (!args) {
      notApplicable.push(s);
      continue;
    }
    const seccomp = ociSeccomp(s.profile, spec.arch, spec.kernelRelease);
    const config = dockerConfig({
      args, env: s.env, caps: spec.caps, seccomp,
      rootPath: spec.foreignRootfs ? CTROOT : "/run/ct/rootfs",
      guestUsr: !spec.foreignRootfs,
    });
    mkdirSync(join(h, "bundles", s.name));
    writeFileSync(join(h, "bundles", s.name, "config.json"), config);
    run.push(s);
  }
  writeFileSync(join(h, "scenarios.list"), run.map((s) => s.name + "\n").join(""));
  // Fast zstd: a compiled Bun launcher in the wrapper slot is ~100 MB.
  packDir(tmp, out, 3);
  rmSync(tmp, { recursive: true, force: true });
  return { cpio: out, run, notApplicable };
}

export interface ForeignRootfs {
  cpio: string;
  /** Scenarios that run the harness's Python tools inside the container need the image's python3. */
  hasPython3: boolean;
}

/**
 * A `docker export` tarball as a cpio.zst that unpacks to /ctroot, cached by the tarball's path,
 * size and mtime. Owners and modes come from the tarball (we run as root).
 */
export function foreignRootfs(tar: string): ForeignRootfs {
  const st = statSync(tar);
  const real = realpathSync(tar);
  const { dir } = cachedDir(`rootfs-${cacheKey([real, st.size, st.mtimeMs])}`, (tmp) => {
    const tree = join(tmp, "tree");
    const root = join(tree, CTROOT);
    mkdirSync(root, { recursive: true });
    execFileSync("tar", ["--numeric-owner", "-xpf", real, "-C", root], { stdio: ["ignore", "ignore", "pipe"] });
    // lstat, not stat: the image's symlinks point into the image, not into the host.
    const python3 = ["usr/bin/python3", "bin/python3"].some((p) => lexists(join(root, p)));
    writeFileSync(join(tmp, "has-python3"), String(python3));
    packDir(tree, join(tmp, "rootfs.cpio.zst"), 10);
    rmSync(tree, { recursive: true, force: true });
  });
  return { cpio: join(dir, "rootfs.cpio.zst"), hasPython3: readFileSync(join(dir, "has-python3"), "utf8") === "true" };
}

function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes the Debian base rootfs as a tarball shaped like `docker export` output. */
export function exportRootfs(root: string, out: string): void {
  execFileSync("tar", ["--numeric-owner", "--sort=name", "-C", root, "-cf", out, "."], { stdio: ["ignore", "ignore", "pipe"] });
}

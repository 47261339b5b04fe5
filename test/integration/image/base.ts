// The guest userland: a Debian rootfs extracted by mmdebstrap (no maintainer scripts, so no
// qemu-user for foreign arches), trimmed, packed as a reproducible cpio.zst. It is the guest's
// root and, by default, the container's /usr too.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { KernelArch } from "../../../arch/types.ts";
import { GUEST_ARCHES, type Suite } from "../arches.ts";
import { debianMirror } from "../../../scripts/debian-apt.ts";
import { cachedDir, cacheKey } from "./cache.ts";
import { packDir, SOURCE_DATE_EPOCH } from "./cpio.ts";

/**
 * python3 rather than python3-minimal: ctypes makes raw syscall probes possible without cross
 * compilers. apt is there for the seed's own symptom (apt-get update's Post-Invoke hook).
 * busybox-static gives /init, mount and poweroff; base-files names the image (/etc/os-release).
 */
export const BASE_PACKAGES = ["base-files", "libc6", "dash", "python3", "xz-utils", "libseccomp2", "runc", "busybox-static", "apt"];

/** Docs, translations and man pages: nothing a probe reads, and a third of the size. */
const PRUNE = ["usr/share/doc", "usr/share/man", "usr/share/locale", "usr/share/info", "usr/share/zoneinfo", "usr/share/lintian", "var/cache/apt", "var/lib/apt/lists"];

export interface BaseImage {
  cpio: string;
  /** "package version arch" lines of everything in the image. */
  manifest: string;
  /** The unpacked tree, kept for exporting it as a rootfs tarball. */
  root: string;
  built: boolean;
}

export function baseImage(suite: Suite, arch: KernelArch, packages = BASE_PACKAGES): BaseImage {
  const g = GUEST_ARCHES[arch];
  const name = `base-${suite}-${g.debArch}-${cacheKey([suite, g.debArch, [...packages].sort(), PRUNE])}`;
  const { dir, built } = cachedDir(name, (tmp) => {
    const root = join(tmp, "root");
    writeFileSync(join(tmp, "manifest"), extractRootfs(suite, g.debArch, packages, root));
    packDir(root, join(tmp, "base.cpio.zst"), 10);
  });
  return { cpio: join(dir, "base.cpio.zst"), manifest: readFileSync(join(dir, "manifest"), "utf8"), root: join(dir, "root"), built };
}

/**
 * A second, foreign-ABI userland (e.g. armhf on an arm64 guest) for compat-ABI probes, as a
 * cpio.zst that unpacks to `/${guestPath}`: the container runs it with chroot.
 */
export function compatImage(suite: Suite, debArch: string, packages: string[], guestPath: string): BaseImage {
  const name = `compat-${suite}-${debArch}-${cacheKey([suite, debArch, [...packages].sort(), PRUNE, guestPath])}`;
  const { dir, built } = cachedDir(name, (tmp) => {
    const tree = join(tmp, "tree");
    writeFileSync(join(tmp, "manifest"), extractRootfs(suite, debArch, packages, join(tree, guestPath)));
    packDir(tree, join(tmp, "compat.cpio.zst"), 10);
  });
  return { cpio: join(dir, "compat.cpio.zst"), manifest: readFileSync(join(dir, "manifest"), "utf8"), root: join(dir, "tree", guestPath), built };
}

/** mmdebstrap's extract variant into root, pruned; returns the manifest ("package version arch" lines). */
function extractRootfs(suite: Suite, debArch: string, packages: string[], root: string): string {
  const debs = `${root}.debs.txt`;
  mkdirSync(dirname(root), { recursive: true });
  execFileSync(
    "mmdebstrap",
    [
      "--quiet", "--variant=extract", "--mode=root", `--arch=${debArch}`, "--components=main",
      "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr",
      `--include=${packages.join(",")}`,
      // The archives are still there after extraction; their names are the exact versions.
      `--extract-hook=ls "$1"/var/cache/apt/archives/ > '${debs}'`,
      suite, root, debianMirror(),
    ],
    { env: { ...process.env, SOURCE_DATE_EPOCH: String(SOURCE_DATE_EPOCH) }, stdio: ["ignore", "ignore", "pipe"] },
  );
  execFileSync("rm", ["-rf", ...PRUNE.map((p) => join(root, p))]);
  const manifest = readFileSync(debs, "utf8").split("\n").filter((f) => f.endsWith(".deb"))
    .map((f) => decodeURIComponent(f.replace(/\.deb$/, "")).split("_").join(" ")).sort().join("\n") + "\n";
  rmSync(debs);
  return manifest;
}

// The guest userland: a Debian rootfs extracted by mmdebstrap (no maintainer scripts, so no
// qemu-user for foreign arches), trimmed, packed as a reproducible cpio.zst. It is the guest's
// root and, by default, the container's /usr too. It comes from the first suite of the row's
// list that the mirror serves whole (sources.ts).
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { KernelArch } from "../../../arch/types.ts";
import { GUEST_ARCHES } from "../arches.ts";
import { debianMirror } from "../../../scripts/debian-apt.ts";
import { cachedDir, cacheKey, existingEntry, vmCache } from "./cache.ts";
import { describeChoice, firstWorking, type Suite } from "./sources.ts";
import { packDir, SOURCE_DATE_EPOCH } from "./cpio.ts";

/**
 * python3 rather than python3-minimal: ctypes makes raw syscall probes possible without cross
 * compilers. apt is there for the seed's own symptom (apt-get update's Post-Invoke hook).
 * busybox-static gives /init, mount and poweroff; base-files names the image (/etc/os-release).
 * dpkg for its cputable: apt >= 3.3 (forky, sid) no longer pulls it in, and without it
 * apt-get fails with "Error reading the CPU table".
 */
export const BASE_PACKAGES = ["base-files", "libc6", "dash", "python3", "xz-utils", "libseccomp2", "runc", "busybox-static", "apt", "dpkg"];

/** Docs, translations and man pages: nothing a probe reads, and a third of the size. */
export const PRUNE = ["usr/share/doc", "usr/share/man", "usr/share/locale", "usr/share/info", "usr/share/zoneinfo", "usr/share/lintian", "var/cache/apt", "var/lib/apt/lists"];

export interface BaseImage {
  cpio: string;
  /** "package version arch" lines of everything in the image, after a "# source: …" line. */
  manifest: string;
  /** The unpacked tree, kept for exporting it as a rootfs tarball. */
  root: string;
  /** The suite it came from, and why earlier sources were passed over (recorded when it was built). */
  source: string;
  built: boolean;
}

/** The guest's userland for a matrix row: from the first of `userland`'s suites the mirror serves whole. */
export function baseImage(userland: readonly Suite[], arch: KernelArch, packages?: readonly string[]): BaseImage {
  const g = GUEST_ARCHES[arch];
  packages ??= [...BASE_PACKAGES, ...(g.extraPackages ?? [])];
  return fromFirstSource(`${arch} userland`, userland, "base.cpio.zst", "root", (suite) =>
    `base-${suite}-${g.debArch}-${cacheKey([suite, g.debArch, [...packages!].sort(), PRUNE])}`,
  (suite, tmp) => {
    const root = join(tmp, "root");
    const manifest = extractRootfs(suite, g.debArch, packages!, root);
    packDir(root, join(tmp, "base.cpio.zst"), 10);
    return manifest;
  });
}

/**
 * A second, foreign-ABI userland (e.g. armhf on an arm64 guest) for compat-ABI probes, as a
 * cpio.zst that unpacks to `/${guestPath}`: the container runs it with chroot.
 */
export function compatImage(userland: readonly Suite[], debArch: string, packages: string[], guestPath: string): BaseImage {
  return fromFirstSource(`${debArch} compat userland`, userland, "compat.cpio.zst", join("tree", guestPath), (suite) =>
    `compat-${suite}-${debArch}-${cacheKey([suite, debArch, [...packages].sort(), PRUNE, guestPath])}`,
  (suite, tmp) => {
    const tree = join(tmp, "tree");
    const manifest = extractRootfs(suite, debArch, packages, join(tree, guestPath));
    packDir(tree, join(tmp, "compat.cpio.zst"), 10);
    return manifest;
  });
}

/**
 * The cache entry of the first suite that is cached or builds; `make` writes the cpio and the tree
 * (at `rootPath`) into tmp and returns the package manifest.
 */
export function fromFirstSource(
  what: string, suites: readonly Suite[], cpio: string, rootPath: string, dirName: (suite: Suite) => string,
  make: (suite: Suite, tmp: string) => string,
): BaseImage {
  const open = (dir: string, built: boolean): BaseImage => {
    const manifest = readFileSync(join(dir, "manifest"), "utf8");
    return {
      cpio: join(dir, cpio), manifest, root: join(dir, rootPath),
      source: /^# source: (.*)$/m.exec(manifest)?.[1] ?? "?", built,
    };
  };
  const choice = firstWorking({
    what,
    sources: suites,
    failures: join(vmCache, "sources-failed"),
    cached: (suite) => {
      const dir = existingEntry(dirName(suite));
      return dir === undefined ? undefined : open(dir, false);
    },
    build: (suite, passedOver) => {
      const { dir } = cachedDir(dirName(suite), (tmp) => {
        const manifest = make(suite, tmp);
        writeFileSync(join(tmp, "manifest"), `# source: ${describeChoice({ source: suite, passedOver })}\n${manifest}`);
      });
      return open(dir, true);
    },
  });
  return choice.value;
}

/** mmdebstrap's extract variant into root, pruned; returns the manifest ("package version arch" lines). */
export function extractRootfs(suite: Suite, debArch: string, packages: readonly string[], root: string): string {
  const debs = `${root}.debs.txt`;
  mkdirSync(dirname(root), { recursive: true });
  // Not --quiet: a failure's "E: Failed to fetch …_ppc64el.deb  404" lines name what the mirror lacks.
  execFileSync(
    "mmdebstrap",
    [
      "--variant=extract", "--mode=root", `--arch=${debArch}`, "--components=main",
      "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr",
      `--include=${packages.join(",")}`,
      // sid's and forky's Release files may be past Valid-Until on the mirror; signatures still count.
      ...(suite === "sid" || suite === "forky" ? ["--aptopt=Acquire::Check-Valid-Until \"false\""] : []),
      // The archives are still there after extraction; their names are the exact versions.
      `--extract-hook=ls "$1"/var/cache/apt/archives/ > '${debs}'`,
      suite, root, debianMirror(),
    ],
    { env: { ...process.env, SOURCE_DATE_EPOCH: String(SOURCE_DATE_EPOCH) }, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 256 << 20 },
  );
  execFileSync("rm", ["-rf", ...PRUNE.map((p) => join(root, p))]);
  const manifest = readFileSync(debs, "utf8").split("\n").filter((f) => f.endsWith(".deb"))
    .map((f) => decodeURIComponent(f.replace(/\.deb$/, "")).split("_").join(" ")).sort().join("\n") + "\n";
  rmSync(debs);
  return manifest;
}

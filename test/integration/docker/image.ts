// The docker guest's parts: a Linux 5.10 kernel and a userland with dockerd 20.10, containerd,
// runc 1.0.0~rc93 and tini, all from Debian bullseye (the generation of our users' old hosts:
// no seccomp action cache before 5.11, the runc Docker 20.10 shipped), and the test image that
// `docker import` loads: the harness's glibc >= 2.34 userland as a tarball, plus a file:
// repository for the README's `apt-get install -y hello`.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { basename, join } from "node:path";
import type { KernelArch } from "../../../arch/types.ts";
import { GUEST_ARCHES } from "../arches.ts";
import { BASE_PACKAGES, type BaseImage, extractRootfs, fromFirstSource, PRUNE } from "../image/base.ts";
import { cacheKey, cachedDir } from "../image/cache.ts";
import { packDir } from "../image/cpio.ts";
import { aptFor, kernel, type Kernel } from "../image/kernel.ts";
import type { Suite } from "../image/sources.ts";

/** dockerd and its kernel come from bullseye only: a newer suite would not be the old host. */
export const DOCKER_SUITES: readonly Suite[] = ["bullseye"];
/** bullseye's 5.10, from the main suite or its security suite (which may carry a newer build). */
export const DOCKER_KERNEL_SOURCES = ["bullseye", "bullseye-security"];

/**
 * docker.io (dockerd, the docker CLI; it depends on containerd, runc and tini), busybox-static for
 * /init and the shell tools, base-files for os-release. mmdebstrap pulls in the dependencies.
 */
export const DOCKER_PACKAGES = ["base-files", "libc6", "busybox-static", "docker.io", "containerd", "runc", "tini"];

/**
 * The container image's userland: the runc rows' packages plus bash (the README Dockerfile's CMD) and
 * what dpkg needs to install its `hello` (rm, diff, ldconfig). From the same suites as the runc rows
 * (a glibc that calls clone3 first).
 */
export const TEST_IMAGE_PACKAGES = [...BASE_PACKAGES, "bash", "coreutils", "diffutils", "libc-bin"];

export function dockerGuest(arch: KernelArch): BaseImage {
  const g = GUEST_ARCHES[arch];
  return fromFirstSource(`${arch} docker userland`, DOCKER_SUITES, "base.cpio.zst", "root", (suite) =>
    `docker-${suite}-${g.debArch}-${cacheKey([suite, g.debArch, [...DOCKER_PACKAGES].sort(), PRUNE])}`,
  (suite, tmp) => {
    const root = join(tmp, "root");
    const manifest = extractRootfs(suite, g.debArch, DOCKER_PACKAGES, root);
    packDir(root, join(tmp, "base.cpio.zst"), 10);
    return manifest;
  });
}

export function dockerKernel(arch: KernelArch): Kernel {
  const k = kernel(DOCKER_SUITES, arch, DOCKER_KERNEL_SOURCES);
  if (!k.release.startsWith("5.10.")) throw new Error(`docker guest: want a 5.10 kernel, ${k.source} gave ${k.release}`);
  return k;
}

export interface TestImage {
  /** A cpio.zst that unpacks to /harness/docker/image.tar. */
  cpio: string;
  /** The userland's source line and the hello package's version, for the run's printout. */
  source: string;
  hello: string;
  built: boolean;
}

/**
 * The userland as a `docker export`-shaped tarball for `docker import`, with what the README's
 * Dockerfile needs offline: `/etc/apt/sources.list` naming a file: repository that holds Debian's
 * own `hello`, ubuntu's `docker-clean` hook (the seed's APT::Update::Post-Invoke), and a dpkg status
 * that lists the extracted packages as installed (mmdebstrap's extract variant installs nothing),
 * so that `apt-get install -y hello` finds its libc6 dependency satisfied.
 */
export function testImage(arch: KernelArch, userland: readonly Suite[]): TestImage {
  const g = GUEST_ARCHES[arch];
  const base = fromFirstSource(`${arch} docker test image`, userland, "none", "root", (suite) =>
    `docker-image-root-${suite}-${g.debArch}-${cacheKey([suite, g.debArch, [...TEST_IMAGE_PACKAGES].sort(), PRUNE])}`,
  (suite, tmp) => extractRootfs(suite, g.debArch, TEST_IMAGE_PACKAGES, join(tmp, "root")));
  const suite = base.source.split(" ")[0]!;
  const { dir, built } = cachedDir(`docker-image-${cacheKey([base.root, TEST_IMAGE_EXTRAS_VERSION])}`, (tmp) => {
    const root = join(tmp, "root");
    execFileSync("cp", ["-a", base.root, root]);
    const hello = addHelloRepo(root, suite, g.debArch, join(tmp, "deb"));
    writeStatus(root, base.manifest);
    // vfs copies the whole image for every container and build step, so the image carries only what
    // the probes and the Dockerfile use: not runc (the engine's is the guest's) nor iconv's modules.
    execFileSync("sh", ["-c", `rm -rf '${root}/usr/sbin/runc' '${root}'/usr/lib/*/gconv`]);
    const tree = join(tmp, "tree");
    mkdirSync(join(tree, "harness", "docker"), { recursive: true });
    execFileSync("tar", ["--numeric-owner", "--sort=name", "-C", root, "-cf", join(tree, "harness", "docker", "image.tar"), "."]);
    packDir(tree, join(tmp, "image.cpio.zst"), 10);
    writeFileSync(join(tmp, "about"), `${base.source}\n${hello}\n`);
    execFileSync("rm", ["-rf", root, tree, join(tmp, "deb")]);
  });
  const [source = "?", hello = "?"] = readFileSync(join(dir, "about"), "utf8").split("\n");
  return { cpio: join(dir, "image.cpio.zst"), source, hello, built: built || base.built };
}

/** Bump when the extras below change, so the cached image is rebuilt. */
const TEST_IMAGE_EXTRAS_VERSION = 2;
const REPO = "/var/local/c3w-repo";

/**
 * ubuntu's /etc/apt/apt.conf.d/docker-clean as the ubuntu:21.10 image ships it: its
 * APT::Update::Post-Invoke hook is what fails in the seed's `apt-get update` on an EPERM engine.
 */
const DOCKER_CLEAN = `DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };

Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
`;

/** Debian's hello .deb in a flat file: repository inside the image; returns "hello VERSION". */
function addHelloRepo(root: string, suite: string, debArch: string, debDir: string): string {
  const deb = aptFor(suite).download("hello", debDir, { arch: debArch });
  const repo = join(root, REPO.slice(1));
  mkdirSync(repo, { recursive: true });
  copyFileSync(deb, join(repo, basename(deb)));
  const control = execFileSync("dpkg-deb", ["-f", deb], { encoding: "utf8" }).trimEnd();
  const bytes = readFileSync(deb);
  writeFileSync(
    join(repo, "Packages"),
    `${control}\nFilename: ./${basename(deb)}\nSize: ${bytes.length}\nSHA256: ${createHash("sha256").update(bytes).digest("hex")}\n`,
  );
  writeFileSync(join(root, "etc/apt/sources.list"), `deb [trusted=yes] file:${REPO} ./\n`);
  for (const f of readdirSync(join(root, "etc/apt/sources.list.d"))) execFileSync("rm", ["-f", join(root, "etc/apt/sources.list.d", f)]);
  writeFileSync(join(root, "etc/apt/apt.conf.d/docker-clean"), DOCKER_CLEAN);
  return `hello ${/^Version: (.*)$/m.exec(control)?.[1] ?? "?"}`;
}

/** dpkg status entries for every extracted package ("package version arch" manifest lines). */
function writeStatus(root: string, manifest: string): void {
  const entries = manifest.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => {
    const [pkg, version, arch] = l.split(" ");
    return `Package: ${pkg}\nStatus: install ok installed\nArchitecture: ${arch}\nVersion: ${version}\nMaintainer: harness\nDescription: extracted by mmdebstrap\n`;
  });
  const status = join(root, "var/lib/dpkg/status");
  writeFileSync(status, `${readFileSync(status, "utf8").trimEnd()}\n\n${entries.join("\n")}`);
}

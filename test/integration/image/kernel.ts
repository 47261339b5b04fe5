// The guest kernel: Debian's own for the arch, resolved through the metapackage, from the first
// source (arches.ts kernelSources) whose downloads all succeed. Only the bootable image and its
// config are kept; an initramfs-only boot needs no modules (the serial consoles are built in).
import { execSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GUEST_ARCHES, kernelSources, type Suite } from "../arches.ts";
import type { KernelArch } from "../../../arch/types.ts";
import { debianSecurityMirror, PrivateApt } from "../../../scripts/debian-apt.ts";
import { cacheKey, cachedDir, existingEntry, vmCache } from "./cache.ts";
import { describeChoice, firstWorking, type PassedOver } from "./sources.ts";

export interface Kernel {
  image: string;
  /** What `uname -r` says in the guest, e.g. "6.12.107+deb13-amd64". */
  release: string;
  /** "package version" lines, then "source: …", printed by the run. */
  manifest: string;
  /** The suite it came from, and why earlier sources were passed over (recorded when it was built). */
  source: string;
  built: boolean;
}

/** The private APT for a kernel source: "trixie", or "trixie-security" from the security archive. */
export function aptFor(source: string): PrivateApt {
  const security = source.endsWith("-security");
  return new PrivateApt({
    dir: join(vmCache, "apt", source),
    suite: source,
    uri: security ? debianSecurityMirror() : undefined,
    // sid's and forky's Release files may be past Valid-Until on the mirror; signatures still count.
    ignoreValidUntil: /^(sid|forky)$/.test(source),
  });
}

/** `sources` defaults to the row's (arches.ts kernelSources, with the arch's own kernel suites); a guest kind that needs one kernel generation passes its own. */
export function kernel(userland: readonly Suite[], arch: KernelArch, sources?: readonly string[]): Kernel {
  const g = GUEST_ARCHES[arch];
  const dirName = (source: string) => `kernel-${source}-${g.debArch}-${cacheKey([source, g.debArch, g.kernelMeta, g.kernelFile])}`;
  const choice = firstWorking({
    what: `${arch} kernel`,
    sources: sources ?? kernelSources(userland, g.kernelSuites),
    failures: join(vmCache, "sources-failed"),
    cached: (source) => existingEntry(dirName(source)),
    build: (source, passedOver) => cachedDir(dirName(source), (tmp) => fetchKernel(source, arch, tmp, passedOver)).dir,
  });
  const dir = choice.value;
  const bootFile = readdirSync(join(dir, "boot")).find((f) => `boot/${f}`.startsWith(g.kernelFile))!;
  const manifest = readFileSync(join(dir, "manifest"), "utf8");
  // Debian names the image package after the release: linux-image-<uname -r>.
  const release = manifest.split("\n")[1]!.split(" ")[0]!.replace(/^linux-image-/, "");
  const source = /^source: (.*)$/m.exec(manifest)?.[1] ?? choice.source;
  return { image: join(dir, "boot", bootFile), release, manifest, source, built: choice.built };
}

/** Downloads the kernel of `source` into tmp/boot; throws when the mirror does not serve it. */
function fetchKernel(source: string, arch: KernelArch, tmp: string, passedOver: readonly PassedOver[]): void {
  const g = GUEST_ARCHES[arch];
  const apt = aptFor(source);
  const show = (pkg: string) => {
    const record = apt.show(`${pkg}:${g.debArch}`);
    if (!record) throw new Error(`E: ${pkg}:${g.debArch} is not in ${source}`);
    return record;
  };
  const meta = show(g.kernelMeta);
  const pkg = meta.depends.find((d) => d.startsWith("linux-image-"));
  if (!pkg) throw new Error(`E: ${g.kernelMeta}:${g.debArch} has no linux-image dependency in ${source}`);
  const image = show(pkg);
  const unpack = (name: string) => {
    const deb = apt.download(name, join(tmp, "deb"), { arch: g.debArch });
    // No match for a pattern is not an error here: which package holds what is checked below.
    execSync(`dpkg-deb --fsys-tarfile '${deb}' | tar -x -C '${tmp}' --wildcards --no-wildcards-match-slash ` +
      `'./${g.kernelFile}*' './boot/config-*' './usr/lib/modules/*/vmlinuz' './usr/lib/modules/*/config' 2>/dev/null || true`);
  };
  unpack(pkg);
  const hasImage = () => existsSync(join(tmp, "boot")) && readdirSync(join(tmp, "boot")).some((f) => `boot/${f}`.startsWith(g.kernelFile));
  if (!hasImage()) {
    // Linux 7.x in forky and sid: linux-image-V is empty; linux-binary-V holds usr/lib/modules/V/vmlinuz
    // (an ELF vmlinux on ppc64le, as boot/vmlinux- was) and linux-base-V the config.
    for (const dep of image.depends.filter((d) => /^linux-(binary|base)-/.test(d))) unpack(dep);
    const modules = join(tmp, "usr", "lib", "modules");
    for (const release of existsSync(modules) ? readdirSync(modules) : []) {
      mkdirSync(join(tmp, "boot"), { recursive: true });
      const moved: [string, string][] = [["vmlinuz", `${g.kernelFile.replace(/^boot\//, "")}${release}`], ["config", `config-${release}`]];
      for (const [from, to] of moved) if (existsSync(join(modules, release, from))) renameSync(join(modules, release, from), join(tmp, "boot", to));
    }
    rmSync(join(tmp, "usr"), { recursive: true, force: true });
  }
  if (!hasImage()) throw new Error(`E: ${pkg} in ${source} holds no ${g.kernelFile}* (nor does its linux-binary package)`);
  const configFile = readdirSync(join(tmp, "boot")).find((f) => f.startsWith("config-"));
  if (!configFile) throw new Error(`E: ${pkg} in ${source} holds no boot/config-*`);
  if (!/^CONFIG_SECCOMP_FILTER=y$/m.test(readFileSync(join(tmp, "boot", configFile), "utf8"))) {
    throw new Error(`E: ${pkg} lacks CONFIG_SECCOMP_FILTER=y`);
  }
  writeFileSync(join(tmp, "manifest"), `${g.kernelMeta} ${meta.version}\n${pkg} ${image.version}\nsource: ${describeChoice({ source, passedOver })}\n`);
  execSync(`rm -rf '${join(tmp, "deb")}'`);
}

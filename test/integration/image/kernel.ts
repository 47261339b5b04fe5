// The guest kernel: Debian's own linux-image for the suite and arch, resolved through the
// metapackage. Only the bootable image and its config are kept; an initramfs-only boot needs no
// modules (the serial consoles are built in).
import { execSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GUEST_ARCHES, type Suite } from "../arches.ts";
import type { KernelArch } from "../../../arch/types.ts";
import { PrivateApt } from "../../../scripts/debian-apt.ts";
import { cachedDir, cacheKey, vmCache } from "./cache.ts";

export interface Kernel {
  image: string;
  /** What `uname -r` says in the guest, e.g. "6.12.107+deb13-amd64". */
  release: string;
  /** "package version" lines, printed by the run. */
  manifest: string;
  built: boolean;
}

export function kernel(suite: Suite, arch: KernelArch): Kernel {
  const g = GUEST_ARCHES[arch];
  const name = `kernel-${suite}-${g.debArch}-${cacheKey([suite, g.debArch, g.kernelMeta])}`;
  const { dir, built } = cachedDir(name, (tmp) => {
    // Main only: the bookworm-security ppc64el index once had a size mismatch on the mirror.
    const apt = new PrivateApt({ dir: join(vmCache, "apt", suite), suite });
    const show = (pkg: string) => {
      const record = apt.show(`${pkg}:${g.debArch}`);
      if (!record) throw new Error(`${pkg}:${g.debArch} is not in ${suite}`);
      return record;
    };
    const meta = show(g.kernelMeta);
    const pkg = meta.depends.find((d) => d.startsWith("linux-image-"));
    if (!pkg) throw new Error(`${g.kernelMeta}:${g.debArch} has no linux-image dependency`);
    const deb = apt.download(pkg, join(tmp, "deb"), { arch: g.debArch });
    execSync(`dpkg-deb --fsys-tarfile '${deb}' | tar -x -C '${tmp}' --wildcards './${g.kernelFile}*' './boot/config-*'`);
    const config = readFileSync(join(tmp, "boot", readdirSync(join(tmp, "boot")).find((f) => f.startsWith("config-"))!), "utf8");
    if (!/^CONFIG_SECCOMP_FILTER=y$/m.test(config)) throw new Error(`${pkg} lacks CONFIG_SECCOMP_FILTER=y`);
    const { version } = show(pkg);
    writeFileSync(join(tmp, "manifest"), `${g.kernelMeta} ${meta.version}\n${pkg} ${version}\n`);
    execSync(`rm -rf '${join(tmp, "deb")}'`);
  });
  const bootFile = readdirSync(join(dir, "boot")).find((f) => `boot/${f}`.startsWith(g.kernelFile))!;
  const manifest = readFileSync(join(dir, "manifest"), "utf8");
  // Debian names the image package after the release: linux-image-<uname -r>.
  const release = manifest.split("\n")[1]!.split(" ")[0]!.replace(/^linux-image-/, "");
  return { image: join(dir, "boot", bootFile), release, manifest, built };
}

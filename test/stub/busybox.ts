// Debian's static busybox for a foreign arch, fetched with apt-get through a private APT
// configuration (no `dpkg --add-architecture` on the host), cached under
// ~/.cache/clone3-workaround/stub/. It is the command the stub runs under qemu-user.
import { execFileSync } from "node:child_process";
import { existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import { PrivateApt } from "../../scripts/debian-apt.ts";
import { cacheRoot } from "../helpers/native.ts";

/** Debian's name for each kernel arch. */
export const DEBIAN_ARCH = { x86_64: "amd64", aarch64: "arm64", ppc64le: "ppc64el", s390x: "s390x", arm: "armhf" } as const;

const root = join(cacheRoot, "stub");

/** Path of a static busybox for `arch`, downloading Debian's busybox-static on first use. */
export function busybox(arch: keyof typeof DEBIAN_ARCH): string {
  const out = join(root, `busybox-${arch}`);
  if (existsSync(out)) return out;
  const apt = new PrivateApt({ dir: join(root, "apt"), suite: "trixie" });
  const work = join(root, `dl-${arch}-${process.pid}`);
  const deb = apt.download("busybox-static", work, { arch: DEBIAN_ARCH[arch] });
  execFileSync("dpkg-deb", ["-x", deb, join(work, "x")]);
  const bin = ["bin/busybox", "usr/bin/busybox"].map((p) => join(work, "x", p)).find(existsSync);
  if (!bin) throw new Error(`no busybox in ${deb}`);
  renameSync(bin, out);
  execFileSync("rm", ["-rf", work]);
  return out;
}

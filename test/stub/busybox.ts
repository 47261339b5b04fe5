// Debian's static busybox for a foreign arch, fetched with apt-get through a private APT
// configuration (no `dpkg --add-architecture` on the host), cached under
// ~/.cache/clone3-workaround/stub/. It is the command the stub runs under qemu-user.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot } from "../helpers/native.ts";

/** Debian's name for each kernel arch. */
export const DEBIAN_ARCH = { x86_64: "amd64", aarch64: "arm64", ppc64le: "ppc64el", s390x: "s390x" } as const;

const root = join(cacheRoot, "stub");
const aptDir = join(root, "apt");
const aptConf = join(aptDir, "apt.conf");

function ensureAptConfig(): void {
  if (existsSync(aptConf)) return;
  for (const d of ["state/lists/partial", "cache/archives/partial", "etc/sources.list.d", "etc/apt.conf.d", "etc/preferences.d"]) {
    mkdirSync(join(aptDir, d), { recursive: true });
  }
  writeFileSync(join(aptDir, "state/status"), "");
  // The host's own Debian sources, so CI uses whatever mirror the machine is set up with.
  for (const f of existsSync("/etc/apt/sources.list.d") ? readdirSync("/etc/apt/sources.list.d") : []) {
    if (f.endsWith(".sources") || f.endsWith(".list")) copyFileSync(join("/etc/apt/sources.list.d", f), join(aptDir, "etc/sources.list.d", f));
  }
  if (existsSync("/etc/apt/sources.list")) copyFileSync("/etc/apt/sources.list", join(aptDir, "etc/sources.list"));
  else writeFileSync(join(aptDir, "etc/sources.list"), "");
  const archs = Object.values(DEBIAN_ARCH).map((a) => `"${a}";`).join(" ");
  writeFileSync(`${aptConf}.tmp`, [
    `Dir::State "${aptDir}/state";`,
    `Dir::State::status "${aptDir}/state/status";`,
    `Dir::Cache "${aptDir}/cache";`,
    `Dir::Etc::SourceList "${aptDir}/etc/sources.list";`,
    `Dir::Etc::SourceParts "${aptDir}/etc/sources.list.d";`,
    `Dir::Etc::Preferences "${aptDir}/etc/preferences";`,
    `Dir::Etc::PreferencesParts "${aptDir}/etc/preferences.d";`,
    `Dir::Etc::Parts "${aptDir}/etc/apt.conf.d";`,
    `APT::Architecture "amd64";`,
    `APT::Architectures { ${archs} };`,
    `Acquire::Languages "none";`,
    `Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled "false";`,
    `APT::Sandbox::User "root";`,
    "",
  ].join("\n"));
  // A suite mid-sync (seen with -security) fails the update as a whole; the main suite's lists
  // suffice for busybox-static, and `download` below fails clearly if they don't.
  spawnSync("apt-get", ["-c", `${aptConf}.tmp`, "-q", "update"], { stdio: "pipe" });
  renameSync(`${aptConf}.tmp`, aptConf);
}

/** Path of a static busybox for `arch`, downloading Debian's busybox-static on first use. */
export function busybox(arch: keyof typeof DEBIAN_ARCH): string {
  const out = join(root, `busybox-${arch}`);
  if (existsSync(out)) return out;
  ensureAptConfig();
  const work = join(root, `dl-${arch}-${process.pid}`);
  mkdirSync(work, { recursive: true });
  execFileSync("apt-get", ["-c", aptConf, "-q", "download", `busybox-static:${DEBIAN_ARCH[arch]}`], { cwd: work, stdio: "pipe" });
  const deb = readdirSync(work).find((f) => f.endsWith(".deb"));
  if (!deb) throw new Error(`apt-get download busybox-static:${DEBIAN_ARCH[arch]} produced no .deb`);
  execFileSync("dpkg-deb", ["-x", join(work, deb), join(work, "x")]);
  const bin = ["bin/busybox", "usr/bin/busybox"].map((p) => join(work, "x", p)).find(existsSync);
  if (!bin) throw new Error(`no busybox in ${deb}`);
  renameSync(bin, out);
  execFileSync("rm", ["-rf", work]);
  return out;
}

// A private APT setup per suite (its own lists, cache and sources under the harness cache), so
// fetching foreign-arch kernels never touches /etc/apt. Main only: the bookworm-security
// ppc64el index once had a size mismatch on the mirror and broke `apt-get update`.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Suite } from "../arches.ts";
import { vmCache } from "./cache.ts";

export const MIRROR = process.env.C3W_DEBIAN_MIRROR ?? "http://deb.debian.org/debian";
const KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";
const DEB_ARCHES = ["amd64", "arm64", "ppc64el", "s390x"];
/** Lists older than this are refreshed before the next cold build needs them. */
const LISTS_MAX_AGE_MS = 24 * 3600 * 1000;

export class PrivateApt {
  readonly root: string;
  private readonly env: NodeJS.ProcessEnv;
  private updated = false;

  constructor(readonly suite: Suite) {
    this.root = join(vmCache, "apt", suite);
    for (const d of ["lists/partial", "archives/partial", "parts", "prefs"]) mkdirSync(join(this.root, d), { recursive: true });
    const conf = join(this.root, "apt.conf");
    writeFileSync(join(this.root, "sources.list"), `deb [signed-by=${KEYRING}] ${MIRROR} ${suite} main\n`);
    writeFileSync(join(this.root, "status"), "");
    writeFileSync(
      conf,
      [
        `Dir::State "${this.root}";`,
        `Dir::State::Lists "${this.root}/lists";`,
        `Dir::State::status "${this.root}/status";`,
        `Dir::Cache "${this.root}";`,
        `Dir::Cache::Archives "${this.root}/archives";`,
        `Dir::Etc::SourceList "${this.root}/sources.list";`,
        `Dir::Etc::SourceParts "${this.root}/parts";`,
        `Dir::Etc::Preferences "${this.root}/prefs/none";`,
        `Dir::Etc::PreferencesParts "${this.root}/prefs";`,
        `APT::Architecture "amd64";`,
        `APT::Architectures { ${DEB_ARCHES.map((a) => `"${a}";`).join(" ")} };`,
        `Acquire::Languages "none";`,
        `APT::Sandbox::User "root";`,
        "",
      ].join("\n"),
    );
    this.env = { ...process.env, APT_CONFIG: conf, LC_ALL: "C" };
  }

  private apt(cmd: string, args: string[], cwd?: string): string {
    return execFileSync(cmd, args, { env: this.env, cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  }

  /** `apt-get update` once per process, and only when the lists are missing or stale. */
  update(): void {
    if (this.updated) return;
    const stamp = join(this.root, "lists", "updated");
    if (!existsSync(stamp) || Date.now() - statSync(stamp).mtimeMs > LISTS_MAX_AGE_MS) {
      this.apt("apt-get", ["update", "-q"]);
      writeFileSync(stamp, new Date().toISOString() + "\n");
    }
    this.updated = true;
  }

  /** Candidate version and Depends of pkg:debArch. */
  show(pkg: string, debArch: string): { version: string; depends: string[] } {
    this.update();
    const text = this.apt("apt-cache", ["show", "--no-all-versions", `${pkg}:${debArch}`]);
    const field = (name: string) => text.match(new RegExp(`^${name}: (.*)$`, "m"))?.[1] ?? "";
    const depends = field("Depends").split(",").map((d) => d.trim().split(/[\s|]/)[0]).filter(Boolean);
    return { version: field("Version"), depends };
  }

  /** Downloads pkg:debArch into dir; returns the .deb's path. */
  download(pkg: string, debArch: string, dir: string): string {
    this.update();
    mkdirSync(dir, { recursive: true });
    const { version } = this.show(pkg, debArch);
    this.apt("apt-get", ["download", "-q", `${pkg}:${debArch}=${version}`], dir);
    const file = `${pkg}_${version.replace(":", "%3a")}_${debArch}.deb`;
    if (!existsSync(join(dir, file))) throw new Error(`apt-get download ${pkg}:${debArch} did not produce ${file}`);
    return join(dir, file);
  }
}

// A private APT setup: its own sources, lists and cache under a directory we own, so fetching
// foreign-arch .debs (kernel headers, kernels, busybox) never touches /etc/apt or dpkg's state.
// Used by arch/gen.ts, the stub's qemu-user tests and the QEMU harness. /etc/apt is only read,
// to find the Debian mirror this machine already uses; no host name is written into the repo.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";
/** Debian's spelling of every arch we touch: the four kernels' plus armhf for arm EABI. */
export const DEBIAN_ARCHES = ["amd64", "arm64", "armhf", "ppc64el", "s390x"] as const;
/** Lists older than this are refreshed before they are used again. */
const LISTS_MAX_AGE_MS = 24 * 3600 * 1000;

/** The Debian archive the host's APT already uses (a URI ending in /debian), or $CLONE3_DEBIAN_MIRROR. */
export function debianMirror(): string {
  const fromEnv = process.env.CLONE3_DEBIAN_MIRROR;
  if (fromEnv) return fromEnv.replace(/\/+$/, "");
  const found = hostAptUris().find((u) => /^https?:\/\/[^/]+(\/.*)?\/debian\/?$/.test(u));
  if (found) return found.replace(/\/+$/, "");
  throw new Error("found no Debian mirror in /etc/apt; set CLONE3_DEBIAN_MIRROR to its URI (…/debian)");
}

/**
 * The security archive (…/debian-security) for SUITE-security: the host's own if its APT lists
 * one, else the main mirror's sibling, which is where Debian's mirrors keep it.
 */
export function debianSecurityMirror(): string {
  const found = process.env.CLONE3_DEBIAN_MIRROR ? undefined : hostAptUris().find((u) => /^https?:\/\/[^/]+(\/.*)?\/debian-security\/?$/.test(u));
  return found ? found.replace(/\/+$/, "") : `${debianMirror()}-security`;
}

/** Every archive URI in the host's APT sources, one-line and deb822 forms. */
function hostAptUris(): string[] {
  const dir = "/etc/apt/sources.list.d";
  const files = ["/etc/apt/sources.list"];
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).sort()) if (/\.(list|sources)$/.test(f)) files.push(join(dir, f));
  }
  const uris: string[] = [];
  for (const file of files.filter(existsSync)) {
    const text = readFileSync(file, "utf8");
    uris.push(...[...text.matchAll(/^\s*URIs:\s*(.+)$/gim)].flatMap((m) => m[1]!.trim().split(/\s+/)));
    uris.push(...[...text.matchAll(/^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)/gm)].map((m) => m[1]!));
  }
  return uris;
}

/** The last meaningful line of a failed command, for a one-line error. */
export function aptError(e: unknown): string {
  const err = e as { stderr?: string | Buffer; message?: string };
  const text = String(err.stderr || err.message || e).trim().split("\n");
  return text.filter((l) => /^E:/.test(l)).join(" ") || text[text.length - 1]!;
}

export interface PrivateAptOptions {
  /** Where the configuration, lists and downloads live (created on demand). */
  dir: string;
  suite: string;
  /** The archive's URI; default: the host's Debian mirror (debianMirror()). */
  uri?: string;
  /**
   * Some mirrors serve a sid/forky Release past its Valid-Until. Callers that pin what they
   * download by SHA-256 may skip that check; signatures are verified either way.
   */
  ignoreValidUntil?: boolean;
}

export class PrivateApt {
  readonly mirror: string;
  private readonly env: NodeJS.ProcessEnv;
  private updated = false;

  constructor(readonly opts: PrivateAptOptions) {
    const root = opts.dir;
    this.mirror = opts.uri ?? debianMirror();
    for (const d of ["lists/partial", "archives/partial", "parts", "prefs"]) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, "sources.list"), `deb [signed-by=${KEYRING}] ${this.mirror} ${opts.suite} main\n`);
    if (!existsSync(join(root, "status"))) writeFileSync(join(root, "status"), "");
    const conf = join(root, "apt.conf");
    writeFileSync(
      conf,
      [
        `Dir::State "${root}";`,
        `Dir::State::Lists "${root}/lists";`,
        `Dir::State::status "${root}/status";`,
        `Dir::Cache "${root}";`,
        `Dir::Cache::Archives "${root}/archives";`,
        // Five arches' Packages files: keep them compressed and skip APT's binary caches.
        `Dir::Cache::pkgcache "";`,
        `Dir::Cache::srcpkgcache "";`,
        `Acquire::GzipIndexes "true";`,
        `Dir::Etc::SourceList "${root}/sources.list";`,
        `Dir::Etc::SourceParts "${root}/parts";`,
        `Dir::Etc::Parts "${root}/parts";`,
        `Dir::Etc::Preferences "${root}/prefs/none";`,
        `Dir::Etc::PreferencesParts "${root}/prefs";`,
        `APT::Architecture "amd64";`,
        `APT::Architectures { ${DEBIAN_ARCHES.map((a) => `"${a}";`).join(" ")} };`,
        `Acquire::Languages "none";`,
        `Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled "false";`,
        `APT::Sandbox::User "root";`,
        ...(opts.ignoreValidUntil ? [`Acquire::Check-Valid-Until "false";`] : []),
        "",
      ].join("\n"),
    );
    this.env = { ...process.env, APT_CONFIG: conf, LC_ALL: "C" };
  }

  run(cmd: "apt-get" | "apt-cache", args: string[], cwd?: string): string {
    return execFileSync(cmd, args, { env: this.env, cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  }

  /** `apt-get update` once per process, and only when the lists are missing or stale. */
  update(): void {
    if (this.updated) return;
    const stamp = join(this.opts.dir, "lists", "updated");
    if (!existsSync(stamp) || Date.now() - statSync(stamp).mtimeMs > LISTS_MAX_AGE_MS) {
      try {
        this.run("apt-get", ["update", "-q"]);
      } catch (e) {
        throw new Error(`apt-get update for ${this.opts.suite} failed: ${aptError(e)}`);
      }
      writeFileSync(stamp, new Date().toISOString() + "\n");
    }
    this.updated = true;
  }

  /** The candidate (or the given) version's record of `spec` ("pkg", "pkg:arch", "pkg=version"). */
  show(spec: string): { version: string; arch: string; sha256: string; depends: string[] } | undefined {
    this.update();
    let text: string;
    try {
      text = this.run("apt-cache", ["show", "--no-all-versions", spec]);
    } catch {
      return undefined; // apt-cache fails for unknown packages and versions
    }
    const field = (name: string) => text.match(new RegExp(`^${name}: (.*)$`, "m"))?.[1] ?? "";
    if (!field("Version")) return undefined;
    const depends = field("Depends").split(",").map((d) => d.trim().split(/[\s|]/)[0]!).filter(Boolean);
    return { version: field("Version"), arch: field("Architecture"), sha256: field("SHA256"), depends };
  }

  /** Downloads pkg (optionally :arch) at its candidate version, or at `version`, into dir; returns the .deb's path. */
  download(pkg: string, dir: string, opts: { arch?: string; version?: string } = {}): string {
    const name = opts.arch ? `${pkg}:${opts.arch}` : pkg;
    const record = this.show(opts.version ? `${name}=${opts.version}` : name);
    if (!record) throw new Error(`${name}${opts.version ? ` ${opts.version}` : ""} is not in ${this.opts.suite} on the mirror`);
    mkdirSync(dir, { recursive: true });
    // apt-get names the file pkg_version_arch.deb with the epoch colon escaped.
    const deb = join(dir, `${pkg}_${record.version.replace(":", "%3a")}_${record.arch}.deb`);
    if (existsSync(deb)) return deb;
    try {
      this.run("apt-get", ["download", "-q", `${name}=${record.version}`], dir);
    } catch (e) {
      throw new Error(`apt-get download ${name}=${record.version} failed: ${aptError(e)}`);
    }
    if (!existsSync(deb)) throw new Error(`apt-get download ${name} did not produce ${deb}`);
    return deb;
  }
}

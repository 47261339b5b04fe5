// `npm run release`: builds dist/ with the launcher for linux-x64 and linux-arm64, glibc and
// musl, the freestanding stubs, the stubs' multi-arch image as an
// OCI layout in dist/oci/ (scripts/oci-layout.ts), and SHA256SUMS (which also names the image
// index blob, whose digest is the image's). `--stubs-only` skips the Bun launchers (no target
// packages needed); `--out DIR` writes there instead of dist/.
// Cross targets are Bun's own binaries from the `@oven/bun-linux-*` npm packages, fetched with
// `npm pack` into ~/.cache/clone3-workaround/bun-targets and passed to --compile-executable-path:
// `bun build` itself never downloads.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildBinary } from "./build-launcher.ts";
import { buildStubs } from "./build-stubs.ts";
import { writeOciLayout } from "./oci-layout.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const defaultDist = join(root, "dist");
const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "clone3-workaround", "bun-targets");

export interface Target {
  /** dist/clone3-workaround-<name> */
  name: string;
  /** bun build --target */
  bunTarget: string;
  /** The npm package holding that target's bun binary. */
  pkg: string;
}

export const TARGETS: readonly Target[] = [
  { name: "linux-x64", bunTarget: "bun-linux-x64", pkg: "@oven/bun-linux-x64" },
  { name: "linux-x64-musl", bunTarget: "bun-linux-x64-musl", pkg: "@oven/bun-linux-x64-musl" },
  { name: "linux-arm64", bunTarget: "bun-linux-arm64", pkg: "@oven/bun-linux-aarch64" },
  { name: "linux-arm64-musl", bunTarget: "bun-linux-arm64-musl", pkg: "@oven/bun-linux-aarch64-musl" },
];

/** The bun version we build with; the target binaries must be the same version. */
export function bunVersion(): string {
  return JSON.parse(readFileSync(join(root, "node_modules", "bun", "package.json"), "utf8")).version;
}

/** Path of `pkg`'s bun binary at `version`, fetched once with `npm pack` into the cache. */
export function targetBun(pkg: string, version: string): string {
  const dir = join(cache, `${pkg.replace("@oven/", "")}-${version}`);
  const bin = join(dir, "package", "bin", "bun");
  if (existsSync(bin)) return bin;
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  // npm install refuses foreign platforms (EBADPLATFORM); pack just fetches the tarball.
  const tarball = execFileSync("npm", ["pack", "--silent", `${pkg}@${version}`], { cwd: tmp, encoding: "utf8" }).trim().split("\n").pop()!;
  execFileSync("tar", ["xzf", tarball], { cwd: tmp });
  rmSync(join(tmp, tarball));
  chmodSync(join(tmp, "package", "bin", "bun"), 0o755);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return bin;
}

/** Builds one launcher binary into `outDir`; returns its path. */
export function buildTarget(t: Target, outDir: string, version = bunVersion()): string {
  return buildBinary({
    outfile: join(outDir, `clone3-workaround-${t.name}`),
    target: t.bunTarget,
    executablePath: targetBun(t.pkg, version),
  });
}

export function sha256sums(files: string[]): string {
  return files
    .map((f) => `${createHash("sha256").update(readFileSync(f)).digest("hex")}  ${f.split("/").pop()}\n`)
    .join("");
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const outAt = args.indexOf("--out");
  const dist = outAt >= 0 ? resolve(args[outAt + 1]!) : defaultDist;
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  const version = bunVersion();
  const files: string[] = [];
  for (const t of args.includes("--stubs-only") ? [] : TARGETS) {
    const started = performance.now();
    files.push(buildTarget(t, dist, version));
    console.log(`release: ${t.name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  const stubs = buildStubs(dist);
  files.push(...stubs);
  const arch = (f: string) => f.slice(f.lastIndexOf(".") + 1);
  const { version: ours } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
  const { indexDigest } = writeOciLayout(join(dist, "oci"), Object.fromEntries(stubs.map((f) => [arch(f), readFileSync(f)])), ours);
  // The image index's digest is the multi-arch image's; its blob is where `sha256sum -c` finds it.
  const hex = indexDigest.replace(/^sha256:/, "");
  writeFileSync(join(dist, "SHA256SUMS"), `${sha256sums(files.sort())}${hex}  oci/blobs/sha256/${hex}\n`);
  console.log(`release: dist/oci (image index ${indexDigest})`);
  for (const f of readdirSync(dist)) console.log(`${dist}/${f}`);
}

// `npm run release`: builds dist/ with the launcher for linux-x64 and linux-arm64, glibc and
// musl, the freestanding stubs, and SHA256SUMS.
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

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
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
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  const version = bunVersion();
  const files: string[] = [];
  for (const t of TARGETS) {
    const started = performance.now();
    files.push(buildTarget(t, dist, version));
    console.log(`release: ${t.name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  files.push(...buildStubs(dist));
  writeFileSync(join(dist, "SHA256SUMS"), sha256sums(files.sort()));
  for (const f of readdirSync(dist)) console.log(`dist/${f}`);
}

// `npm run build:stubs`: the freestanding stubs, one per kernel arch, emitted by the launcher's own
// `--emit-stub` into dist/ (or OUT_DIR). Needs only the host's Bun from node_modules, no Bun target
// packages, so a user can build the stubs the README mounts without the launcher binaries.
//   bun scripts/build-stubs.ts [OUT_DIR]
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { KERNEL_ARCHES } from "../arch/index.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Writes OUT_DIR/clone3-workaround-stub.ARCH for every kernel arch; returns the paths. */
export function buildStubs(outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  return KERNEL_ARCHES.map((arch) => {
    const out = join(outDir, `clone3-workaround-stub.${arch}`);
    execFileSync(join(root, "node_modules", ".bin", "bun"), [join(root, "launcher", "cli.ts"), "--emit-stub", "--arch", arch, "-o", out], { stdio: "inherit" });
    return out;
  });
}

if (import.meta.main) {
  const outDir = resolve(process.argv[2] ?? join(root, "dist"));
  for (const f of buildStubs(outDir)) console.log(f);
}

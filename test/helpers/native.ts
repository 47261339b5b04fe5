// Builds the small C test helpers beside this file with the host gcc, on demand, into
// ~/.cache/clone3-workaround/helpers/, keyed by a hash of the source and flags.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const cacheRoot = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "clone3-workaround");

/** Path of the built helper `name` (test/helpers/NAME.c), compiled with `flags` (e.g. ["-m32"]). */
export function helper(name: string, flags: string[] = []): string {
  const src = join(here, `${name}.c`);
  const hash = createHash("sha256").update(readFileSync(src)).update(flags.join(" ")).digest("hex").slice(0, 12);
  const dir = join(cacheRoot, "helpers");
  const out = join(dir, `${name}-${hash}`);
  if (!existsSync(out)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${out}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    execFileSync("gcc", ["-O2", "-Wall", "-Werror", ...flags, "-o", tmp, src], { stdio: "pipe" });
    renameSync(tmp, out);
  }
  return out;
}

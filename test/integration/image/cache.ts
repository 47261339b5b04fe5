// Where built VM inputs live, and the one way entries get there: built in a temp dir, then
// renamed into place, so an interrupted build never leaves a half entry that looks warm.
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { cacheRoot } from "../../helpers/native.ts";

export const vmCache = join(cacheRoot, "vm");

export function cacheKey(parts: unknown[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 12);
}

/** The path of entry `name` under the VM cache when an earlier run built it. */
export function existingEntry(name: string): string | undefined {
  const dir = join(vmCache, name);
  return existsSync(dir) ? dir : undefined;
}

/** Returns dir `name` under the VM cache, running build(tmpDir) first when it is missing. */
export function cachedDir(name: string, build: (tmp: string) => void): { dir: string; built: boolean } {
  const dir = join(vmCache, name);
  if (existsSync(dir)) return { dir, built: false };
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    build(tmp);
    try {
      renameSync(tmp, dir);
    } catch (e) {
      // Another run built the same entry meanwhile; builds are reproducible, so keep theirs.
      if (!existsSync(dir)) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { dir, built: true };
}

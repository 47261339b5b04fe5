// Reproducible newc cpio archives: the same tree gives the same bytes (sorted names, mtimes
// clamped to SOURCE_DATE_EPOCH, cpio --reproducible for inode and device numbers). The kernel
// unpacks concatenated archives, each compressed or not, in order; later entries win.
import { execSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

export const SOURCE_DATE_EPOCH = Number(process.env.SOURCE_DATE_EPOCH ?? 1700000000);

/** Packs every entry under dir (paths relative to dir) into out; zstd at `zstdLevel` if given. */
export function packDir(dir: string, out: string, zstdLevel?: number): void {
  const sde = SOURCE_DATE_EPOCH;
  const zstd = zstdLevel === undefined ? "" : ` | zstd -q -${zstdLevel} -T1`;
  execSync(
    `set -eo pipefail; cd '${dir}' && find . -mindepth 1 -newermt @${sde} -print0 | xargs -0r touch -h -d @${sde} && ` +
      `find . -mindepth 1 -print0 | LC_ALL=C sort -z | cpio --quiet --null --create --format=newc --reproducible${zstd} > '${out}'`,
    { shell: "/bin/bash", stdio: ["ignore", "ignore", "pipe"] },
  );
}

/**
 * Concatenates archives into one initrd. The kernel looks for the next archive at a 4-byte
 * boundary after a compressed one and skips zero bytes, so each part is zero-padded to 4.
 */
export function concatArchives(parts: string[], out: string): void {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const b = readFileSync(p);
    chunks.push(b, Buffer.alloc((4 - (b.length % 4)) % 4));
  }
  writeFileSync(out, Buffer.concat(chunks));
}

// The README's Dockerfile, read out of README.md itself, so that what the docker guest builds and
// what users copy cannot drift apart.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const README = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "README.md");

/**
 * The ```dockerfile block that takes the stub from a local dist/ by TARGETARCH, byte for byte
 * (each line with its newline). The other one copies from REGISTRY/clone3-workaround, which needs
 * a registry (and REGISTRY is a placeholder, not a valid reference).
 */
export function readmeDockerfile(readme = readFileSync(README, "utf8")): string {
  const blocks = [...readme.matchAll(/^```dockerfile\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  const found = blocks.filter((b) => b.includes("COPY dist/clone3-workaround-stub."));
  if (found.length !== 1) throw new Error(`README.md: want one dockerfile block that copies dist/clone3-workaround-stub.*, found ${found.length}`);
  return found[0]!;
}

/** The same image without the workaround: its last stage, minus the lines that name clone3-workaround. */
export function withoutWorkaround(dockerfile: string): string {
  const lines = dockerfile.split(/(?<=\n)/);
  const froms = lines.flatMap((l, i) => (/^FROM /.test(l) ? [i] : []));
  return lines.slice(froms[froms.length - 1] ?? 0).filter((l) => !l.includes("clone3-workaround")).join("");
}

/**
 * The same Dockerfile for the legacy builder, which has no automatic BUILDPLATFORM and cannot expand
 * `FROM --platform=$BUILDPLATFORM` ("failed to parse platform"): that flag removed, nothing else.
 */
export function forLegacyBuilder(dockerfile: string): string {
  const flag = "FROM --platform=$BUILDPLATFORM ";
  if (dockerfile.split(flag).length !== 2) throw new Error(`README.md: want one "${flag}" in the Dockerfile`);
  return dockerfile.replace(flag, "FROM ");
}

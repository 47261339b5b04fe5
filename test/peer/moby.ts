// Docker's default profile (../shared/fixtures/moby) as a legacy engine hands it to runc: moby's
// selection for one kernel arch with Docker's default capabilities. Both sides of every moby
// comparison (our core and libseccomp) start from this one OCI object.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { KernelArch } from "../../arch/types.ts";
import { DOCKER_DEFAULT_CAPS, type OciSeccomp, mobyToOci, parseJson } from "../../policy/index.ts";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "../../../shared/fixtures/moby");

/** v20.10.9: the last release answering clone3 with EPERM; v20.10.10: the first with ENOSYS. */
export type MobyVersion = "v20.10.9" | "v20.10.10";

/** Any kernel >= 4.8 selects the same entries (ptrace's minKernel is the only one). */
export const KERNEL_VERSION = "6.1";

export function mobyOci(
  version: MobyVersion,
  kernelArch: KernelArch = "x86_64",
  caps: readonly string[] = DOCKER_DEFAULT_CAPS,
): OciSeccomp {
  const file = join(fixtures, `moby-${version}-default.json`);
  const profile = parseJson(readFileSync(file, "utf8"), file);
  return mobyToOci(profile, { kernelArch, caps, kernelVersion: KERNEL_VERSION });
}

// Docker's default profile (test/fixtures/moby) as a legacy engine hands it to runc: moby's
// selection for one kernel arch with Docker's default capabilities. Both sides of every moby
// comparison (our core and libseccomp) start from this one OCI object.
import { readFileSync } from "node:fs";
import type { KernelArch } from "../../arch/types.ts";
import { mobyProfilePath, type MobyVersion } from "../fixtures/index.ts";
import { DOCKER_DEFAULT_CAPS, type OciSeccomp, mobyToOci, parseJson } from "../../policy/index.ts";

export type { MobyVersion };

/** Any kernel >= 4.8 selects the same entries (ptrace's minKernel is the only one). */
export const KERNEL_VERSION = "6.1";

export function mobyOci(
  version: MobyVersion,
  kernelArch: KernelArch = "x86_64",
  caps: readonly string[] = DOCKER_DEFAULT_CAPS,
): OciSeccomp {
  const file = mobyProfilePath(version);
  const profile = parseJson(readFileSync(file, "utf8"), file);
  return mobyToOci(profile, { kernelArch, caps, kernelVersion: KERNEL_VERSION });
}

// The legacy engine's seccomp: moby's default profile of a given release, converted to OCI form
// the way dockerd did it for Docker's default capabilities and the guest kernel. The conversion
// is the product's own (policy/moby.ts, behind `--compile --format oci`), so this also runs it
// against a real runc.
import { readFileSync } from "node:fs";
import type { KernelArch } from "../../../arch/types.ts";
import { parseJson } from "../../../policy/json.ts";
import { DOCKER_DEFAULT_CAPS, mobyToOci, ociToJson } from "../../../policy/moby.ts";
import { fixProfile } from "../../../policy/fix.ts";
import type { Profile } from "../scenarios.ts";
import { mobyProfilePath, type MobyVersion } from "../../fixtures/index.ts";

export const DOCKER_CAPS = DOCKER_DEFAULT_CAPS;

/**
 * The OCI linux.seccomp object for `profile` as JSON text (kept as text: u64 literals must not
 * pass through JS numbers), or undefined for unconfined.
 */
export function ociSeccomp(profile: Profile, kernelArch: KernelArch, kernelRelease: string): string | undefined {
  if (profile === "unconfined") return undefined;
  const file = mobyProfilePath(profile.replace(/^moby-/, "").replace(/-fixed$/, "") as MobyVersion);
  let text = readFileSync(file, "utf8");
  // The engine-side fix: the profile as `--fix-profile` writes it, installed by runc with no wrapper.
  if (profile.endsWith("-fixed")) text = fixProfile(text, file).text;
  const oci = mobyToOci(parseJson(text, file), {
    kernelArch, caps: DOCKER_DEFAULT_CAPS, kernelVersion: kernelRelease,
  });
  return ociToJson(oci);
}

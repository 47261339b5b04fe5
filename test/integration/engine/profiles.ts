// The legacy engine's seccomp: moby's default profile of a given release, converted to OCI form
// the way dockerd did it for Docker's default capabilities and the guest kernel. The conversion
// is the product's own (policy/moby.ts, behind `--compile --format oci`), so this also runs it
// against a real runc.
import { readFileSync } from "node:fs";
import { syscallNr } from "../../../arch/index.ts";
import type { KernelArch } from "../../../arch/types.ts";
import { parseJson } from "../../../policy/json.ts";
import { DOCKER_DEFAULT_CAPS, mobyToOci, ociToJson } from "../../../policy/moby.ts";
import type { OciSeccomp } from "../../../policy/oci.ts";
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
  const file = mobyProfilePath(profile.replace(/^moby-/, "").replace(/-(fixed|libseccomp23)$/, "") as MobyVersion);
  let text = readFileSync(file, "utf8");
  // The engine-side fix: the profile as `--fix-profile` writes it, installed by runc with no wrapper.
  if (profile.endsWith("-fixed")) text = fixProfile(text, file).text;
  const oci = mobyToOci(parseJson(text, file), {
    kernelArch, caps: DOCKER_DEFAULT_CAPS, kernelVersion: kernelRelease,
  });
  return ociToJson(profile.endsWith("-libseccomp23") ? withoutTime64(oci) : oci);
}

/**
 * The y2038 calls of the 32-bit ABIs (Linux 5.1: numbers 403..423, the same on arm and i386, none
 * of them on aarch64), which libseccomp < 2.4.2 cannot resolve, from the arch tables.
 */
export function isTime64Name(name: string): boolean {
  const nr = syscallNr("arm", name);
  return nr !== undefined && nr >= 403 && nr <= 423 && syscallNr("i386", name) === nr && syscallNr("aarch64", name) === undefined;
}

/**
 * What a dockerd over libseccomp 2.3 (Raspbian buster's 2.3.3) installs from `oci`: the names it
 * cannot resolve are skipped, so every time64 name is gone and those calls get the default EPERM.
 */
export function withoutTime64(oci: OciSeccomp): OciSeccomp {
  const syscalls = (oci.syscalls ?? [])
    .map((s) => ({ ...s, names: s.names.filter((n) => !isTime64Name(n)) }))
    .filter((s) => s.names.length > 0);
  return { ...oci, syscalls };
}

// The policy stage's public surface: input formats in, ResolvedPolicy out.
export * from "./action.ts";
export * from "./errors.ts";
export { EPERM_CONSEQUENCE, fixProfile, type FixNote, type FixResult } from "./fix.ts";
export { parseJson } from "./json.ts";
export * from "./load.ts";
export {
  DOCKER_DEFAULT_CAPS, mobyToOci, parseMoby,
  type MobyArchMapEntry, type MobyFilter, type MobyOptions, type MobyProfile, type MobySyscall,
} from "./moby.ts";
export * from "./oci.ts";
export * from "./preset.ts";
export { MAX_POLICY_BYTES, readPolicyText, type PolicyText } from "./read.ts";
export * from "./resolve.ts";
export * from "./runc.ts";
export type * from "./resolved.ts";

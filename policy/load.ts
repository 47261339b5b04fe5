// Reading a policy file: parse the JSON once (u64-exact), tell moby's profile format from the
// OCI `linux.seccomp` object, and validate it. A whole OCI config.json is accepted too: its
// linux.seccomp is used. Every error is one PolicyError line that starts with the source name.

import type { KernelArch } from "../arch/types.ts";
import { PolicyError } from "./errors.ts";
import { parseJson } from "./json.ts";
import { mobyToOci, parseMoby, type MobyProfile } from "./moby.ts";
import { parseOci, type OciSeccomp } from "./oci.ts";

export type LoadedPolicy =
  | { kind: "oci"; source: string; oci: OciSeccomp }
  | { kind: "moby"; source: string; profile: MobyProfile };

/** Keys only moby's format has; any one of them makes a document a moby profile. */
const MOBY_TOP_KEYS = ["archMap"];
const MOBY_SYSCALL_KEYS = ["name", "includes", "excludes", "comment"];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function looksLikeMoby(doc: Record<string, unknown>): boolean {
  if (MOBY_TOP_KEYS.some((k) => k in doc)) return true;
  const calls = doc.syscalls;
  return Array.isArray(calls) && calls.some((c) => isRecord(c) && MOBY_SYSCALL_KEYS.some((k) => k in c));
}

export function loadPolicy(text: string, source: string): LoadedPolicy {
  const doc = parseJson(text, source);
  try {
    if (!isRecord(doc)) throw new PolicyError("expected a JSON object (an OCI linux.seccomp object or a moby profile)");
    if ("ociVersion" in doc || "linux" in doc) {
      const linux = doc.linux;
      if (!isRecord(linux) || !isRecord(linux.seccomp)) throw new PolicyError("an OCI config without linux.seccomp");
      return { kind: "oci", source, oci: parseOci(linux.seccomp, "linux.seccomp") };
    }
    if (looksLikeMoby(doc)) return { kind: "moby", source, profile: parseMoby(doc) };
    return { kind: "oci", source, oci: parseOci(doc) };
  } catch (e) {
    if (e instanceof PolicyError) throw new PolicyError(`${source}: ${e.message}`);
    throw e;
  }
}

export interface ToOciOptions {
  kernelArch: KernelArch;
  /** moby only: the container's capabilities (Docker's defaults when omitted). */
  caps?: readonly string[];
  /** moby only: the kernel release for minKernel, e.g. "6.12". */
  kernelVersion: string;
}

/** The OCI object a loaded policy stands for (moby profiles go through moby's selection). */
export function toOci(loaded: LoadedPolicy, options: ToOciOptions): OciSeccomp {
  if (loaded.kind === "oci") return loaded.oci;
  try {
    return mobyToOci(loaded.profile, options);
  } catch (e) {
    if (e instanceof PolicyError) throw new PolicyError(`${loaded.source}: ${e.message}`);
    throw e;
  }
}

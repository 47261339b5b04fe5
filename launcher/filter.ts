// From a filter choice (a hide list or a policy file) to a ResolvedPolicy and a program.
// Loaded only after the bootstrap: it reads files and compiles WebAssembly.
import type { KernelArch } from "../arch/types.ts";
import { hidePreset, hidePresetOci, KNOWN_HIDEABLE, loadPolicy, PolicyError, readPolicyText, resolve, toOci, type OciSeccomp } from "../policy/index.ts";
import { DEFAULT_HIDE } from "../policy/preset.ts";
import type { ResolvedPolicy } from "../policy/resolved.ts";
import type { FilterChoice, Hide } from "./args.ts";
import { compile, type ByteOrder, type Program } from "../wasm/core.ts";

type FilterSource = { hide: readonly string[] } | { policyFile: string };

export function knownHideable(): string[] {
  return Object.keys(KNOWN_HIDEABLE);
}

/** A filter source for a command that probes nothing: `--hide auto` only means something in a run. */
export function staticSource(choice: FilterChoice): FilterSource {
  if (choice.policyFile !== undefined) return { policyFile: choice.policyFile };
  return { hide: hideList(choice.hide) };
}

/** The names of a --hide that is not `auto`: the list, or the default (clone3). */
export function hideList(hide: Hide): string[] {
  if (hide.kind === "auto") throw new PolicyError("--hide auto probes the running engine; name the syscalls here");
  return hide.kind === "list" ? hide.names : [...DEFAULT_HIDE];
}

/** The OCI object a policy file stands for on `arch` (moby profiles go through moby's selection). */
function ociFromFile(policyFile: string, arch: KernelArch): OciSeccomp {
  // require(), not a static import: the bundler hoists static node:* imports to the top of the
  // bundle, where loading node:fs starts a JIT thread before the bootstrap filter.
  const { release } = require("node:os") as typeof import("node:os");
  // Bounded (a regular file or stdin "-"); every message about it starts with its quoted name.
  const { text, source } = readPolicyText(policyFile, require("node:fs") as typeof import("node:fs"));
  return toOci(loadPolicy(text, source), { kernelArch: arch, kernelVersion: release() });
}

/** What --compile --format oci prints: the policy as an OCI linux.seccomp object for `arch`. */
export function ociPolicy(source: FilterSource, arch: KernelArch): OciSeccomp {
  return "hide" in source ? hidePresetOci(source.hide, arch) : ociFromFile(source.policyFile, arch);
}

function resolvedPolicy(source: FilterSource, arch: KernelArch): ResolvedPolicy {
  if ("hide" in source) return hidePreset(source.hide, arch);
  // Like runc: a name this kernel arch lacks is skipped, not an error.
  return resolve(ociFromFile(source.policyFile, arch), arch, { unknownNames: "skip" }).policy;
}

export function filterProgram(source: FilterSource, arch: KernelArch, byteOrder?: ByteOrder): Program {
  return compile(resolvedPolicy(source, arch), byteOrder ? { byteOrder } : {});
}

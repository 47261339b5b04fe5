// From a filter choice (a hide list or a policy file) to a ResolvedPolicy and a program.
// Loaded only after the bootstrap: it reads files and compiles WebAssembly.
import { abisOf, kernelArch, syscallNr } from "../arch/index.ts";
import type { KernelArch } from "../arch/types.ts";
import { hidePreset, KNOWN_HIDEABLE, loadPolicy, PolicyError, resolve, toOci } from "../policy/index.ts";
import type { ResolvedPolicy } from "../policy/resolved.ts";
import { compile, type ByteOrder, type Program } from "../wasm/core.ts";

export type FilterSource = { hide: readonly string[] } | { policyFile: string };

export function knownHideable(): string[] {
  return Object.keys(KNOWN_HIDEABLE);
}

/** A syscall's number in the arch's native ABI. */
export function nativeNr(arch: string, name: string): number | undefined {
  return syscallNr(abisOf(toKernelArch(arch))[0]!.name, name);
}

export function toKernelArch(name: string): KernelArch {
  const k = kernelArch(name);
  if (!k) throw new PolicyError(`unknown architecture "${name}" (x86_64, aarch64, ppc64le or s390x)`);
  return k;
}

export function resolvedPolicy(source: FilterSource, arch: KernelArch): ResolvedPolicy {
  if ("hide" in source) return hidePreset(source.hide, arch);
  // require(), not a static import: the bundler hoists static node:* imports to the top of the
  // bundle, where loading node:fs starts a JIT thread before the bootstrap filter.
  const { readFileSync } = require("node:fs") as typeof import("node:fs");
  const { release } = require("node:os") as typeof import("node:os");
  let text: string;
  try {
    text = readFileSync(source.policyFile, "utf8");
  } catch (e) {
    throw new PolicyError(`cannot read ${source.policyFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const oci = toOci(loadPolicy(text, source.policyFile), { kernelArch: arch, kernelVersion: release() });
  // Like runc: a name this kernel arch lacks is skipped, not an error.
  return resolve(oci, arch, { unknownNames: "skip" }).policy;
}

export function filterProgram(source: FilterSource, arch: string, byteOrder?: ByteOrder): Program {
  return compile(resolvedPolicy(source, toKernelArch(arch)), byteOrder ? { byteOrder } : {});
}

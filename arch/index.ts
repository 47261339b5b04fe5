// Lookups over the generated tables (arch/abis.gen.ts). The launcher imports this at startup, so
// the syscall table is parsed only on the first name/number lookup, one ABI at a time.

import { endianness } from "node:os";
import { ABI_ELF_MACHINE, ABI_FACTS, KERNEL_ARCH_FACTS, SYSCALL_TABLE } from "./abis.gen.ts";
import type { AbiFacts, AbiName, KernelArch } from "./types.ts";

export type { AbiFacts, AbiName, KernelArch } from "./types.ts";

for (const facts of Object.values(ABI_FACTS)) Object.freeze(Object.freeze(facts).nrRegion);

export const KERNEL_ARCHES: readonly KernelArch[] = Object.freeze(Object.keys(KERNEL_ARCH_FACTS) as KernelArch[]);

const KERNEL_ARCH_ALIASES: Readonly<Record<string, KernelArch>> = {
  x64: "x86_64", // Node's process.arch
  amd64: "x86_64", // Debian, Go
  arm64: "aarch64",
  ppc64el: "ppc64le",
  armhf: "arm", // Debian (and armel: both EABI)
  armel: "arm",
  armv6l: "arm", // uname -m on 32-bit arm kernels (armv8l: a 32-bit personality on aarch64)
  armv7l: "arm",
  armv8l: "arm",
};

export function kernelArch(name: string): KernelArch | undefined {
  if (Object.hasOwn(KERNEL_ARCH_FACTS, name)) return name as KernelArch;
  return Object.hasOwn(KERNEL_ARCH_ALIASES, name) ? KERNEL_ARCH_ALIASES[name] : undefined;
}

/** The kernel arch this process runs on, if it is one we build for. */
export function hostKernelArch(): KernelArch | undefined {
  switch (process.arch) {
    case "x64":
      return "x86_64";
    case "arm64":
      return "aarch64";
    case "ppc64": // Node says ppc64 for both byte orders; only little-endian is ours
      return endianness() === "LE" ? "ppc64le" : undefined;
    case "s390x":
      return "s390x";
    case "arm": // a 32-bit process, also on an aarch64 kernel
      return "arm";
    default:
      return undefined;
  }
}

/** The ABIs a kernel of arch `k` runs, native first. */
export function abisOf(k: KernelArch): AbiFacts[] {
  return KERNEL_ARCH_FACTS[k].abis.map((abi) => ABI_FACTS[abi]);
}

/** The native ABI of kernel arch `k` (x86_64's x86_64, aarch64's aarch64, …): the one whose numbers a process of `k` uses. */
export function nativeAbi(k: KernelArch): AbiFacts {
  return ABI_FACTS[KERNEL_ARCH_FACTS[k].abis[0]];
}

export function abiFacts(abi: AbiName): AbiFacts {
  return ABI_FACTS[abi];
}

const ABI_ALIASES: Readonly<Record<string, AbiName>> = { x86: "i386" }; // libseccomp's spellings

/** Our ABI names, plus libseccomp's where they differ (x86 for i386). */
export function abiName(name: string): AbiName | undefined {
  if (Object.hasOwn(ABI_FACTS, name)) return name as AbiName;
  return Object.hasOwn(ABI_ALIASES, name) ? ABI_ALIASES[name] : undefined;
}

/** "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", … (OCI and moby spelling) to our ABI name. */
export function scmpArchToAbi(scmp: string): AbiName | undefined {
  const m = /^SCMP_ARCH_([A-Z0-9_]+)$/.exec(scmp);
  return m ? abiName(m[1].toLowerCase()) : undefined;
}

export function elfMachine(k: KernelArch): number {
  return KERNEL_ARCH_FACTS[k].elfMachine;
}

/** EM_* of an ABI's own executables (EM_386 for i386, EM_ARM for arm, …). */
export function abiElfMachine(abi: AbiName): number {
  return ABI_ELF_MACHINE[abi];
}

interface AbiTable {
  byName: Map<string, number>;
  byNr: Map<number, string>;
  names: readonly string[];
}

// Split once, then build each ABI's maps on its first lookup: a launcher that needs one ABI's
// numbers pays for one column, not eight.
let rows: string[][] | undefined;
let columns: string[] = [];
const tables = new Map<AbiName, AbiTable>();

function table(abi: AbiName): AbiTable {
  const cached = tables.get(abi);
  if (cached) return cached;
  if (!rows) {
    const lines = SYSCALL_TABLE.split("\n");
    columns = lines[0].split(",");
    rows = lines.slice(1).map((line) => line.split(","));
  }
  const col = columns.indexOf(abi);
  if (col < 1) throw new Error(`unknown ABI ${abi}`);
  const byName = new Map<string, number>();
  const byNr = new Map<number, string>();
  for (const cells of rows) {
    if (cells[col] === "-") continue;
    const nr = Number(cells[col]);
    byName.set(cells[0], nr);
    byNr.set(nr, cells[0]);
  }
  const t: AbiTable = { byName, byNr, names: Object.freeze([...byName.keys()]) };
  tables.set(abi, t);
  return t;
}

/** The ABI-local number of syscall `name` (x32 without its 0x40000000 bit), if the ABI has it. */
export function syscallNr(abi: AbiName, name: string): number | undefined {
  return table(abi).byName.get(name);
}

/** The syscall with ABI-local number `nr`, if any. */
export function syscallName(abi: AbiName, nr: number): string | undefined {
  return table(abi).byNr.get(nr);
}

/** Every syscall name of the ABI, sorted. */
export function syscallNames(abi: AbiName): readonly string[] {
  return table(abi).names;
}

// The hand-off between the policy stage and the core: a policy whose syscall names are already
// resolved to numbers, per ABI of one kernel arch. Nothing here knows about JSON formats or
// about BPF; `policy/*` produces it and `wasm/core.ts` compiles it.

/** The four kernel arches we build for, spelled as the kernel does. */
export type KernelArch = "x86_64" | "aarch64" | "ppc64le" | "s390x";

/** Every syscall ABI such a kernel can run. */
export type AbiName = "x86_64" | "i386" | "x32" | "aarch64" | "arm" | "ppc64le" | "s390x" | "s390";

/**
 * A seccomp return value, exactly as the kernel reads it: SECCOMP_RET_* in the high 16 bits
 * and data (errno, trace message) in the low 16. Use the helpers in `policy/action.ts`.
 */
export type Action = number;

export type CmpOp = "EQ" | "NE" | "LT" | "LE" | "GT" | "GE" | "MASKED_EQ";

/**
 * One argument test on the full 64-bit value of args[arg], compared unsigned.
 * MASKED_EQ is true when (args[arg] & value) === valueTwo (OCI/libseccomp meaning);
 * every other op compares args[arg] with `value` and ignores valueTwo.
 */
export interface Cond {
  arg: number; // 0..5
  op: CmpOp;
  value: bigint; // 0 .. 2^64-1
  valueTwo: bigint; // 0 .. 2^64-1, used by MASKED_EQ only
}

/** A rule applies to one syscall number; all of its conds must hold (AND). */
export interface Rule {
  /** The ABI's own syscall number, without any ABI bit (x32: 435 for clone3, not 0x400001b3). */
  nr: number;
  action: Action;
  conds: Cond[];
}

/**
 * The ABI's facts the core needs; `arch/` supplies them. A seccomp_data {arch, nr} belongs to
 * this ABI when arch === auditArch and nrRegion[0] <= nr <= nrRegion[1] (unsigned). When two ABIs
 * of one arch share an auditArch (x86_64 and x32), the one with the narrower region wins.
 */
export interface AbiFacts {
  name: AbiName;
  auditArch: number;
  /** Added to `Rule.nr` to get the number the kernel puts in seccomp_data.nr (x32: 0x40000000). */
  nrBase: number;
  /** Inclusive raw-nr region, e.g. x86_64 [0, 0xffffffff], x32 [0x40000000, 0x7fffffff]. */
  nrRegion: [number, number];
  /** Highest syscall number in this ABI's table (without nrBase): the bench and tree weights use 0..maxNr. */
  maxNr: number;
}

export interface ResolvedAbi {
  abi: AbiFacts;
  /**
   * Rules in priority order. For a syscall, the first rule whose conds all hold gives the
   * action; when none holds, the policy's defaultAction applies.
   */
  rules: Rule[];
}

export interface ResolvedPolicy {
  kernelArch: KernelArch;
  /** Little-endian kernel arch? Decides where the low/high words of each argument sit. */
  bigEndian: boolean;
  defaultAction: Action;
  /** For a seccomp_data whose {arch, nr} is in none of `abis`. */
  badArchAction: Action;
  abis: ResolvedAbi[];
}

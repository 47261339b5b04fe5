// The hand-off between the policy stage and the core: a policy whose syscall names are already
// resolved to numbers, per ABI of one kernel arch. Nothing here knows about JSON formats or
// about BPF; `policy/*` produces it and `wasm/core.ts` compiles it.

import type { AbiFacts, KernelArch } from "../arch/types.ts";

export type { AbiFacts, AbiName, KernelArch } from "../arch/types.ts";

/**
 * A seccomp return value, exactly as the kernel reads it: SECCOMP_RET_* in the high 16 bits
 * and data (errno, trace message) in the low 16. Use the helpers in `policy/action.ts`.
 */
export type Action = number;

export type CmpOp = "EQ" | "NE" | "LT" | "LE" | "GT" | "GE" | "MASKED_EQ";

/**
 * One argument test on the full 64-bit value of args[arg], compared unsigned.
 * MASKED_EQ is true when (args[arg] & value) === (valueTwo & value) (libseccomp's meaning);
 * every other op compares args[arg] with `value` and ignores valueTwo.
 */
export interface Cond {
  arg: number; // 0..5
  op: CmpOp;
  value: bigint; // 0 .. 2^64-1
  valueTwo: bigint; // 0 .. 2^64-1, used by MASKED_EQ only
  /**
   * Compare the low 32 bits of the argument with the low 32 bits of value (and valueTwo) only,
   * as libseccomp does on its 32-bit ABIs (policy/libseccomp32.ts).
   */
  lowWord?: boolean;
}

/** A rule applies to one syscall number; all of its conds must hold (AND). */
export interface Rule {
  /** The ABI's own syscall number, without any ABI bit (x32: 435 for clone3, not 0x400001b3). */
  nr: number;
  /**
   * When set, the rule covers every ABI-local number nr..nrLast (inclusive), clipped to the ABI's
   * nrRegion once nrBase is added: runc's "ENOSYS above the highest known syscall" stub is one.
   */
  nrLast?: number;
  action: Action;
  conds: Cond[];
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

// OCI object -> ResolvedPolicy for one kernel arch: syscall names become each ABI's numbers,
// OCI actions become seccomp return values, and argument lists become rules, all the way runc
// (with libseccomp underneath) builds its filter:
// - ABIs: the native ABI always (libseccomp's seccomp_init adds it) plus every listed
//   architecture that this kernel runs; architectures of other kernels can never be seen here.
// - A name missing from one ABI's table is skipped for that ABI (libseccomp does this silently);
//   we report each skip. A name missing from every table we have is a typo or a syscall newer
//   than our tables: "fail" rejects it, "skip" reports it like the others.
// - Entries whose action equals the default action add nothing (runc drops them).
// - Args: when two args of one entry test the same index, each arg is a rule of its own (OR),
//   otherwise all args form one rule (AND) — runc's matchCall.
// - On ABIs with socketcall/ipc, socket and SysV IPC calls get a rule on the multiplexer too
//   (multiplexer.ts); MASKED_EQ with a zero mask is dropped as libseccomp drops it.
// - Rules keep profile order; for one number the first rule whose conds hold decides. Where
//   libseccomp differs, we follow libseccomp: a rule without args for a number absorbs every
//   other rule for it (the first such rule wins, wherever it sits), and on i386, x32, arm and
//   s390 args are compared on their low 32 bits (libseccomp32.ts). libseccomp orders
//   overlapping conditional rules with different actions by its own tree, not by profile
//   order; such profiles (none of Docker's) may resolve differently from runc.

import { abiFacts, abisOf, KERNEL_ARCHES, scmpArchToAbi, syscallNr } from "../arch/index.ts";
import type { AbiName, KernelArch } from "../arch/types.ts";
import { EPERM, RET, errno, trace } from "./action.ts";
import { list, PolicyError, quote } from "./errors.ts";
import { LIBSECCOMP_32BIT, lowWordCond } from "./libseccomp32.ts";
import { multiplexerOf } from "./multiplexer.ts";
import type { OciAction, OciArg, OciOp, OciSeccomp, OciSyscall } from "./oci.ts";
import type { Action, CmpOp, Cond, ResolvedAbi, ResolvedPolicy, Rule } from "./resolved.ts";

export interface ResolveOptions {
  unknownNames: "fail" | "skip";
}

export interface Skipped {
  abi: AbiName;
  name: string;
}

export interface ResolveResult {
  policy: ResolvedPolicy;
  /** Each (ABI, name) pair that got no rule because the ABI has no such syscall: per ABI (native first), in profile order. */
  skipped: Skipped[];
}

const OPS: Record<OciOp, CmpOp> = {
  SCMP_CMP_NE: "NE",
  SCMP_CMP_LT: "LT",
  SCMP_CMP_LE: "LE",
  SCMP_CMP_EQ: "EQ",
  SCMP_CMP_GE: "GE",
  SCMP_CMP_GT: "GT",
  SCMP_CMP_MASKED_EQ: "MASKED_EQ",
};

/**
 * An OCI action as runc's getAction turns it into a seccomp return value. ERRNO and TRACE take
 * `errnoRet` as their data and default to EPERM; a rule's default is EPERM, not defaultErrnoRet
 * (runtime-spec: "If not specified its default value is EPERM"; runc passes only call.ErrnoRet).
 */
export function actionOf(action: OciAction, errnoRet: number | undefined): Action {
  switch (action) {
    case "SCMP_ACT_KILL":
    case "SCMP_ACT_KILL_THREAD":
      return RET.KILL_THREAD;
    case "SCMP_ACT_KILL_PROCESS":
      return RET.KILL_PROCESS;
    case "SCMP_ACT_TRAP":
      return RET.TRAP;
    case "SCMP_ACT_ERRNO":
      return errno(errnoRet ?? EPERM);
    case "SCMP_ACT_TRACE":
      return trace(errnoRet ?? EPERM);
    case "SCMP_ACT_ALLOW":
      return RET.ALLOW;
    case "SCMP_ACT_LOG":
      return RET.LOG;
  }
}

/** The ABIs an OCI object covers on kernel arch `k`, in abisOf order (native first). */
export function ociAbis(oci: OciSeccomp, k: KernelArch): AbiName[] {
  const listed = new Set((oci.architectures ?? []).map(scmpArchToAbi));
  return abisOf(k)
    .filter((facts, i) => i === 0 || listed.has(facts.name))
    .map((facts) => facts.name);
}

/** Is `name` a syscall of any ABI of any kernel arch we have tables for? */
function knownAnywhere(name: string): boolean {
  return KERNEL_ARCHES.some((k) => abisOf(k).some((facts) => syscallNr(facts.name, name) !== undefined));
}

/** runc's matchCall: a repeated index turns every arg into a rule of its own. */
function condSets(args: readonly OciArg[] | undefined): Cond[][] {
  const conds = (args ?? []).map(
    (a): Cond => ({ arg: a.index, op: OPS[a.op], value: a.value, valueTwo: a.valueTwo ?? 0n }),
  );
  const indexes = new Set(conds.map((c) => c.arg));
  return indexes.size < conds.length ? conds.map((c) => [c]) : [conds];
}

/**
 * libseccomp drops a MASKED_EQ whose mask is 0 (on a 32-bit ABI: 0 in the low word) as a
 * no-op (db.c _db_arg_cmp_need_lo/hi), so a rule left without conds is unconditional and
 * absorbs the number's other rules. (The cond itself always holds: (a & 0) == (b & 0).)
 */
function withoutNoOps(conds: readonly Cond[], low32: boolean): Cond[] {
  const live = low32 ? 0xffffffffn : 0xffffffffffffffffn;
  return conds.filter((c) => c.op !== "MASKED_EQ" || (c.value & live) !== 0n);
}

/** The multiplexer's copy of a rule (multiplexer.ts): arg0 replaced by "arg0 == call". */
function multiplexedConds(conds: readonly Cond[], call: number): Cond[] {
  return [{ arg: 0, op: "EQ", value: BigInt(call), valueTwo: 0n }, ...conds.filter((c) => c.arg !== 0)];
}

/** libseccomp: the first rule without conds for a number is that number's only rule. */
function absorbIntoCatchAll(rules: Rule[]): Rule[] {
  const catchAll = new Map<number, Rule>();
  for (const r of rules) if (r.conds.length === 0 && !catchAll.has(r.nr)) catchAll.set(r.nr, r);
  return catchAll.size === 0 ? rules : rules.filter((r) => (catchAll.get(r.nr) ?? r) === r);
}

export function resolve(oci: OciSeccomp, k: KernelArch, options: ResolveOptions = { unknownNames: "skip" }): ResolveResult {
  const calls: readonly OciSyscall[] = oci.syscalls ?? [];
  if (options.unknownNames === "fail") {
    const unknown: string[] = [];
    calls.forEach((call, i) =>
      call.names.forEach((name, j) => {
        if (!knownAnywhere(name)) unknown.push(`${quote(name)} (syscalls[${i}].names[${j}])`);
      }),
    );
    if (unknown.length > 0) {
      throw new PolicyError(`unknown syscall name${unknown.length > 1 ? "s" : ""}: ${list(unknown, 2)}`);
    }
  }

  const defaultAction = actionOf(oci.defaultAction, oci.defaultErrnoRet);
  // libseccomp's default bad-arch action, which runc never changes.
  const badArchAction = RET.KILL_THREAD;
  const abiNames = ociAbis(oci, k);
  const skipped: Skipped[] = [];
  const abis: ResolvedAbi[] = abiNames.map((abi) => {
    const facts = abiFacts(abi);
    const low32 = LIBSECCOMP_32BIT.has(abi);
    let rules: Rule[] = [];
    const missing = new Set<string>();
    for (const call of calls) {
      const action = actionOf(call.action, call.errnoRet);
      const sets = condSets(call.args).map((conds) => withoutNoOps(conds, low32));
      const push = (nr: number, conds: Cond[]): void => {
        rules.push({ nr, action, conds: conds.map((c) => (low32 ? lowWordCond(c) : { ...c })) });
      };
      for (const name of call.names) {
        const nr = syscallNr(abi, name);
        const mux = multiplexerOf(abi, name);
        if (nr === undefined && mux === undefined) {
          if (!missing.has(name)) skipped.push({ abi, name });
          missing.add(name);
          continue;
        }
        if (action === defaultAction) continue;
        for (const conds of sets) {
          if (mux) push(mux.nr, multiplexedConds(conds, mux.call));
          if (nr !== undefined) push(nr, conds);
        }
      }
    }
    rules = absorbIntoCatchAll(rules);
    return { abi: facts, rules };
  });

  // libseccomp on x86_64 without x32 in the filter answers every number with the x32 bit with
  // the bad-arch action, except -1 (a tracer's "skip this syscall"). Our x86_64 region holds
  // those numbers when x32 is not covered, so say it with a rule.
  const x86_64 = abis.find((a) => a.abi.name === "x86_64");
  if (x86_64 && !abiNames.includes("x32") && badArchAction !== defaultAction) {
    x86_64.rules.unshift({ nr: abiFacts("x32").nrRegion[0], nrLast: 0xfffffffe, action: badArchAction, conds: [] });
  }

  const policy: ResolvedPolicy = {
    kernelArch: k,
    bigEndian: abisOf(k)[0]!.bigEndian,
    defaultAction,
    badArchAction,
    abis,
  };
  return { policy, skipped };
}

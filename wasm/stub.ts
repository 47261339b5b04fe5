// Host side of the stub emitter: the only file that touches the module's memory for stubs.
// It writes the parameters and the filter into module-owned buffers, calls stubEmit() and copies
// the ELF out. The word layout is mirrored from wasm/assembly/stub/exports.ts: change both.
// The module instance, its version check and the error type are wasm/core.ts's (coreExports,
// CoreError), shared with the BPF side: instantiated on first use, never at import time.
import { elfMachine, nativeAbi, syscallNr } from "../arch/index.ts";
import type { AbiName, KernelArch } from "../arch/types.ts";
import { coreExports, CoreError, failureText, type CoreExports } from "./core.ts";

/** Syscall numbers of the arch's native ABI, the ones the stub itself makes. */
export interface StubSyscalls {
  write: number;
  exit_group: number;
  execve: number;
  seccomp: number;
  prctl: number;
  clone3: number;
  /** Init mode's. */
  getpid: number;
  clone: number;
  rt_sigprocmask: number;
  rt_sigtimedwait: number;
  kill: number;
  waitid: number;
  /** The child that makes a compat-ABI probe: no core dump, and its reaping. */
  setrlimit: number;
  wait4: number;
}

/**
 * The one ABI besides its native one that an arch's stub can call itself, and so probe: x86_64's
 * i386, through `int 0x80` (wasm/assembly/stub/x86_64.ts). Other compat ABIs (x32, arm's
 * aarch64 on an aarch64 kernel) follow the native probes.
 */
export const STUB_COMPAT_ABI: Readonly<Partial<Record<KernelArch, AbiName>>> = { x86_64: "i386" };

/** An auto-mode probe: a harmless invalid call whose EPERM means "the engine filters this". */
export interface StubProbe {
  /** The native ABI's number, or with `compat` STUB_COMPAT_ABI's. */
  nr: number;
  /** A syscall of the arch's STUB_COMPAT_ABI (auto-hide only): on x86_64 made with int 0x80, in a child process. */
  compat?: boolean;
  /**
   * Auto-hide only: made only when an earlier probe answered EPERM; otherwise it counts as
   * allowed without being made. The probe must be the last.
   */
  onlyAfterEperm?: boolean;
  /**
   * Up to 6 arguments, each in -2^31 .. 2^32-1 and passed sign-extended from 32 bits (the kernel
   * reads int and unsigned int arguments from the low half, so 0xffffffff and -1 agree there).
   */
  args?: readonly number[];
  /**
   * Indices of the arguments to load (default: all of `args`). The others keep whatever the
   * registers hold, which is fine only for arguments the kernel's first, failing check never reads.
   */
  set?: readonly number[];
}

/** Auto-hide: a hideable syscall's probe and where its return slots are in the program. */
export interface StubSlot {
  probe: StubProbe;
  /** Byte offsets in `program` of the RETs that hide it: whole sock_filter entries. */
  at: readonly number[];
}

export interface StubOptions {
  kernelArch: KernelArch;
  /** The seccomp program: struct sock_filter entries in the target's byte order. */
  program: Uint8Array;
  /** Default: the arch's native ABI numbers from arch/. */
  nrs?: StubSyscalls;
  /** Probes for auto mode. Default: clone3(NULL, 0) alone (EINVAL when allowed). */
  probes?: readonly StubProbe[];
  /**
   * Auto-hide instead of `probes`: in auto mode the stub runs every slot's probe, patches the
   * slots of those not answering EPERM to RET ALLOW, and installs only when one answered EPERM;
   * `always` installs the program as given.
   */
  slots?: readonly StubSlot[];
  /** Be the container's init (tini-like) around the command: see wasm/assembly/stub/program.ts. */
  init?: boolean;
}

/** The exports of the wasm core that the stub emitter uses. */
export type StubExports = Pick<CoreExports, "memory" | "errorPtr" | "errorLen" | "stubParamsPtr" | "stubFilterPtr" | "stubOutPtr" | "stubEmit">;

const ARCH_ID: Record<KernelArch, number> = { x86_64: 0, aarch64: 1, ppc64le: 2, s390x: 3, arm: 4 };
// The parameter and filter buffers' layout (STUB_* in wasm/assembly/stub/exports.ts): how much the
// host may write. The module checks the limits themselves and words the refusal.
const FILTER_MAX = 4096 * 8;
const PROBES_MAX = 32;
const PROBE_ARGS_MAX = 6;
const SLOTS_MAX = 4;
/** Status for a check the host makes itself (the module's own statuses are negative). */
const HOST_CHECK = 0;

/** The stub side's CoreError: `status` is the module's STUB_ERR_* code, or 0 for the host's own checks. */
export class StubError extends CoreError {
  constructor(message: string, status: number = HOST_CHECK) {
    super(status, message);
    this.name = "StubError";
  }
}


/** The syscall numbers the stub needs, from the arch tables (the native ABI of `kernelArch`). */
export function stubSyscalls(kernelArch: KernelArch): StubSyscalls {
  const nr = (name: string): number => {
    const n = syscallNr(nativeAbi(kernelArch).name, name);
    if (n === undefined) throw new StubError(`no syscall ${name} on ${kernelArch}`);
    return n;
  };
  return {
    write: nr("write"),
    exit_group: nr("exit_group"),
    execve: nr("execve"),
    seccomp: nr("seccomp"),
    prctl: nr("prctl"),
    clone3: nr("clone3"),
    getpid: nr("getpid"),
    clone: nr("clone"),
    rt_sigprocmask: nr("rt_sigprocmask"),
    rt_sigtimedwait: nr("rt_sigtimedwait"),
    kill: nr("kill"),
    waitid: nr("waitid"),
    setrlimit: nr("setrlimit"),
    wait4: nr("wait4"),
  };
}

function int32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) throw new StubError(`${what} ${v} is not a 32-bit value`);
  return v | 0;
}

/**
 * Emits the static ELF stub for `opts.kernelArch`, by default with the module built in. The
 * module owns the limits and says what is wrong: the host writes the true counts and lengths,
 * but only as much as the fixed layout holds, so input the module refuses never overruns it.
 */
export function emitStub(opts: StubOptions, core: StubExports = coreExports()): Uint8Array {
  const arch = ARCH_ID[opts.kernelArch];
  if (arch === undefined) throw new StubError(`unknown arch ${opts.kernelArch}`);
  const { program } = opts;
  const nrs = opts.nrs ?? stubSyscalls(opts.kernelArch);
  if (opts.slots !== undefined && opts.probes !== undefined) throw new StubError("slots and probes exclude each other");
  const slots: readonly StubSlot[] = opts.slots ?? (opts.probes ?? [{ nr: nrs.clone3, args: [0, 0] }]).map((probe) => ({ probe, at: [] }));

  const autoHide = opts.slots !== undefined ? 1 : 0;
  const words = [
    arch, program.length,
    nrs.write, nrs.exit_group, nrs.execve, nrs.seccomp, nrs.prctl,
    nrs.getpid, nrs.clone, nrs.rt_sigprocmask, nrs.rt_sigtimedwait, nrs.kill, nrs.waitid,
    nrs.setrlimit, nrs.wait4,
    slots.length, autoHide, opts.init ? 1 : 0, elfMachine(opts.kernelArch),
  ];
  for (const { probe: p, at } of slots.slice(0, PROBES_MAX)) {
    const args = p.args ?? [];
    const set = p.set ?? args.map((_, i) => i);
    if (set.some((i) => !Number.isInteger(i) || i < 0 || i >= args.length)) throw new StubError(`probes set only arguments they have: ${set.join(",")} of ${args.length}`);
    words.push(p.nr, (p.compat ? 1 : 0) | (p.onlyAfterEperm ? 2 : 0), args.length, ...Array.from({ length: PROBE_ARGS_MAX }, (_, i) => args[i] ?? 0));
    words.push(set.reduce((mask, i) => mask | (1 << i), 0), at.length, ...Array.from({ length: SLOTS_MAX }, (_, i) => at[i] ?? 0));
  }
  const checked = words.map((w) => int32(w, "parameter"));

  new Int32Array(core.memory.buffer, core.stubParamsPtr(), checked.length).set(checked);
  new Uint8Array(core.memory.buffer, core.stubFilterPtr(), Math.min(program.length, FILTER_MAX)).set(program.subarray(0, FILTER_MAX));
  const size = core.stubEmit();
  if (size < 0) throw new StubError(failureText(core, size), size);
  return new Uint8Array(core.memory.buffer, core.stubOutPtr(), size).slice();
}

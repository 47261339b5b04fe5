// What the entry module (cli.ts) hands to everything after it, and the run's final install.
// cli.ts itself may import nothing but bun:ffi and its JSON (see its header), so the types it
// implements live here, and nothing imports cli.ts back. The seccomp(2) call itself stays in
// cli.ts: the bootstrap filter must go in before any other module is loaded, and the final
// filter goes in through the same code (Bootstrap.install) so that there is one install path.
import type { KernelArch } from "../arch/types.ts";
import type { Mode } from "./args.ts";
import { fail, warn } from "./report.ts";

/** One kernel arch's entry in build/programs.json, a JSON string there (scripts/build-launcher.ts writes it). */
export interface Precompiled {
  seccompNr: number;
  clone3Nr: number;
  /** The calls the bootstrap makes through syscall(2) (scripts/build-launcher.ts BOOTSTRAP_CALLS). */
  nrs: Record<"read" | "write" | "openat" | "close" | "execve" | "exit_group" | "rt_sigaction" | "prctl", number>;
  /** Raw sock_filter bytes, host byte order: clone3 -> ERRNO(ENOSYS) on every ABI, else ALLOW. */
  clone3Program: number[];
}

/**
 * A run as cli.ts reads it before anything is loaded (its plainRun): only where the full parser
 * (args.ts) would read the same command line as a run in this mode, with these arguments.
 */
export interface PlainRun {
  mode: Mode;
  argv: string[];
  /** No --hide and no --policy: the run needs the precompiled program at most. */
  defaultFilter: boolean;
}

export interface Installed {
  /** NO_NEW_PRIVS had to be set (no CAP_SYS_ADMIN). */
  setNoNewPrivs: boolean;
}

/** The name of the error Bootstrap.install throws: a one-line reason the kernel refused a program. */
export const INSTALL_ERROR = "InstallError";

export interface Bootstrap {
  hostArch: KernelArch;
  precompiled: Precompiled;
  /** errno of clone3(NULL, 0) before we installed anything: EINVAL allowed, EPERM filtered, ENOSYS old kernel. */
  clone3Errno: number;
  /** Set when the entry installed the precompiled program. */
  installed?: Installed;
  probe(nr: number, args?: readonly number[]): number;
  /**
   * seccomp(2) with TSYNC (prctl before Linux 3.17), NO_NEW_PRIVS only on EACCES; throws
   * INSTALL_ERROR. Binds strerror first: the filter may hide what binding it takes.
   */
  install(program: Uint8Array): Installed;
  /** execve(2); returns only on failure, with errno. */
  execve(path: Uint8Array, argv: BigUint64Array, envp: BigUint64Array): number;
  strerror(errno: number): string;
  /**
   * `clone3-workaround: LINE` on stderr, then _exit(2): one write(2) and one exit_group(2), for
   * failures after the final filter is in, which may hide what Bun's own stderr and exit paths
   * use (futex, fcntl, ...). --hide refuses write and exit_group themselves.
   */
  die(line: string, exitCode: number): never;
  /**
   * The caller's argument strings as execve(2) passed them (what /proc/self/cmdline shows), or
   * undefined without /proc. Read with read(2) or in place, not with node:fs, whose loading costs
   * more than the rest of a run's start.
   */
  callerArgs(): Uint8Array | undefined;
  /** The caller's environment strings the same way (what /proc/self/environ shows). */
  callerEnviron(): Uint8Array | undefined;
  /** `data` to `fd` with write(2) calls; returns how many bytes went out before an error. */
  write(fd: number, data: Uint8Array): number;
}

/**
 * The run's final filter, after the bootstrap's. A refusal fails `always`; in `auto` it is one
 * warning and the command runs without it: the command may still work without threads, and the
 * wrapper must never break what worked without it.
 */
export function installFinal(mode: Mode, program: Uint8Array, boot: Pick<Bootstrap, "install">): void {
  try {
    boot.install(program);
  } catch (e) {
    // By name: the minifier renames classes, and cli.ts's class may not be imported.
    if (!(e instanceof Error) || e.name !== INSTALL_ERROR) throw e;
    if (mode === "always") fail(`cannot install the filter: ${e.message}`);
    warn(`cannot install the filter (${e.message}); running the command without it`);
  }
}

#!/usr/bin/env bun
// Entry point: the bootstrap. Under an engine that answers clone3 with EPERM, Bun aborts at its
// first thread: any WebAssembly compile, some node:* modules, the JIT, and (under `bun run`)
// the module loader itself as soon as a module imports another .ts/.js file. So this file
// imports nothing but bun:ffi and JSON, probes clone3(NULL, 0), and when the engine answers
// EPERM installs the clone3 -> ENOSYS program precompiled at build time (for every ABI of the
// host arch) before anything else is loaded. That program is also the default run's final
// filter, so the default run needs no WebAssembly at all.
// The interface it hands on (Bootstrap) is declared in bootstrap.ts; a type-only import is
// erased before the module runs, so it loads nothing.
import { CString, dlopen, FFIType, ptr, read, toArrayBuffer, type Pointer } from "bun:ffi";
import type { Bootstrap, Installed, PlainRun, Precompiled } from "./bootstrap.ts";
import PRECOMPILED from "./build/programs.json" with { type: "json" };

/** A one-line reason the kernel refused a program; told by name (bootstrap.ts's INSTALL_ERROR). */
class InstallError extends Error {
  override name = "InstallError";
}

const HOST_ARCH = { x64: "x86_64", arm64: "aarch64", ppc64: "ppc64le", s390x: "s390x" } as const;
const EPERM = 1;
const EACCES = 13;
const ENOENT = 2;
const ENOSYS = 38;
const PR_SET_NO_NEW_PRIVS = 38;
const PR_SET_SECCOMP = 22;
const SECCOMP_MODE_FILTER = 2;
const SECCOMP_SET_MODE_FILTER = 1;
const SECCOMP_FILTER_FLAG_TSYNC = 1;

const hostArch: Bootstrap["hostArch"] | undefined = HOST_ARCH[process.arch as keyof typeof HOST_ARCH];
// Each arch's entry is a JSON string (scripts/build-launcher.ts says why): only the host's is built.
const hostEntry = hostArch ? (PRECOMPILED as Record<string, unknown>)[hostArch] : undefined;
const precompiled: Precompiled | undefined = typeof hostEntry === "string" ? JSON.parse(hostEntry) : undefined;

// musl's loader answers every libc soname with itself; the others are for musl without that alias.
const LIBC_NAMES = ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1", "libc.so"];
// Every start binds just syscall(3) and errno, and makes each call through syscall(3): bun:ffi
// compiles a trampoline per bound function, so each one more costs every start.
const libc = openLibc({
  // syscall(2) is variadic; on x86_64 and aarch64 Linux variadic integer arguments travel in
  // the same registers as fixed ones, so a fixed signature is exact.
  syscall: { args: ["i64", "u64", "u64", "u64", "u64", "u64", "u64"], returns: FFIType.i64_fast },
  __errno_location: { args: [], returns: "ptr" },
});
// One decoder for the /proc reads, made on first use: each construction costs ~0.02 ms.
let utf8Decoder: TextDecoder | undefined;
const utf8 = (bytes: Uint8Array) => (utf8Decoder ??= new TextDecoder()).decode(bytes);
// errno is thread-local; this view reads it with no further FFI call, which could clobber it.
const errnoView = new Int32Array(toArrayBuffer(libc.__errno_location()!, 0, 4));
const NR = precompiled?.nrs;

function openLibc<const S extends Parameters<typeof dlopen>[1]>(symbols: S) {
  for (const name of LIBC_NAMES) {
    try {
      return dlopen(name, symbols).symbols;
    } catch {}
  }
  fail(`cannot load libc (tried ${LIBC_NAMES.join(", ")})`);
}

/**
 * What only failures and `never` under an EPERM engine need, bound on first use (about 0.03 ms).
 * Bootstrap.install binds them before the run's final filter, so that a failure after it does
 * not depend on what that filter hides (bun:ffi compiles into JSC's executable pool, and
 * rebinding loaded libc needs no openat, but a heap that has to grow needs brk or mmap). The
 * bootstrap filter hides only clone3 and needs no such care.
 */
let rarely: ReturnType<typeof openRarely> | undefined;
function openRarely() {
  return openLibc({
    strerror: { args: ["i32"], returns: "ptr" },
    execvp: { args: ["ptr", "ptr"], returns: "i32" },
    // Only for a message when programs.json has no syscall numbers for this arch.
    write: { args: ["i32", "ptr", "u64"], returns: "i64" },
  });
}
const rare = () => (rarely ??= openRarely());

/** One line on stderr through write(2): process.stderr may start a thread, fatal before the bootstrap. */
function say(line: string): void {
  const bytes = new TextEncoder().encode(`clone3-workaround: ${line}\n`);
  if (NR) syscall(NR.write, 2, BigInt(ptr(bytes)), bytes.length);
  else rare().write(2, ptr(bytes), bytes.length);
}

function die(message: string, exitCode: number): never {
  say(message);
  if (NR) syscall(NR.exit_group, exitCode);
  process.exit(exitCode);
}

function fail(message: string, exitCode = 125): never {
  say(message);
  process.exit(exitCode);
}

function syscall(nr: number, ...args: (number | bigint)[]): { ret: number; errno: number } {
  errnoView[0] = 0;
  const ret = Number(libc.syscall(nr, args[0] ?? 0, args[1] ?? 0, args[2] ?? 0, args[3] ?? 0, args[4] ?? 0, args[5] ?? 0));
  return { ret, errno: ret < 0 ? errnoView[0]! : 0 };
}

function prctl(option: number, arg2: number | bigint, arg3: number | bigint = 0): { ret: number; errno: number } {
  return syscall(NR!.prctl, option, arg2, arg3);
}

function strerror(errno: number): string {
  return new CString(rare().strerror(errno)!).toString();
}

/** What the engine answers to one harmless, invalid call: its errno, or 0 if it succeeded. */
function probe(nr: number, args: readonly number[] = []): number {
  return syscall(nr, ...args).errno;
}

/**
 * Installs `program` (raw sock_filter bytes, host order) on every thread. First without
 * NO_NEW_PRIVS, so setuid programs keep working where the container grants CAP_SYS_ADMIN;
 * the kernel answers EACCES without it, and only then do we set NNP and retry.
 */
function install(program: Uint8Array, seccompNr: number): Installed {
  // struct sock_fprog { unsigned short len; struct sock_filter *filter; } on LP64.
  const fprog = new Uint8Array(16);
  const view = new DataView(fprog.buffer);
  view.setUint16(0, program.length / 8, true);
  view.setBigUint64(8, BigInt(ptr(program)), true);
  const fprogAddress = BigInt(ptr(fprog));
  // seccomp(2) with TSYNC, since Bun may already run helper threads; before Linux 3.17 there is
  // no seccomp(2) (ENOSYS) and prctl(2) is the only way.
  let viaPrctl = false;
  let setNoNewPrivs = false;
  for (;;) {
    const r = viaPrctl
      ? prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, fprogAddress)
      : syscall(seccompNr, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, fprogAddress);
    if (r.ret === 0) break;
    if (r.ret > 0) throw new InstallError(`seccomp: thread ${r.ret} could not be synchronised`);
    if (r.errno === EACCES && !setNoNewPrivs) {
      const nnp = prctl(PR_SET_NO_NEW_PRIVS, 1);
      if (nnp.ret !== 0) throw new InstallError(`prctl(PR_SET_NO_NEW_PRIVS): ${strerror(nnp.errno)}`);
      setNoNewPrivs = true;
      continue;
    }
    if (r.errno === ENOSYS && !viaPrctl) {
      viaPrctl = true;
      continue;
    }
    throw new InstallError(`${viaPrctl ? "prctl(PR_SET_SECCOMP)" : "seccomp(SECCOMP_SET_MODE_FILTER)"}: ${strerror(r.errno)}`);
  }
  // Keep both buffers reachable until the kernel has copied the program.
  void program[0], fprog[0];
  return { setNoNewPrivs };
}

/**
 * CLONE3_WORKAROUND_MODE as getenv(3) reads it, the first entry when a raw execve passed
 * several (as the stub does); Bun's process.env keeps the last. Same rule as raw-process.ts.
 */
function modeFromEnv(): string | undefined {
  const raw = callerEnviron();
  if (!raw) return process.env.CLONE3_WORKAROUND_MODE;
  const environ = "\0" + utf8(raw);
  const at = environ.indexOf("\0CLONE3_WORKAROUND_MODE=");
  if (at < 0) return undefined;
  const start = at + "\0CLONE3_WORKAROUND_MODE=".length;
  return environ.slice(start, environ.indexOf("\0", start));
}

/** Facts from args.ts, copied into programs.json by the build: this module may import no .ts. */
interface RunForm {
  modes: string[];
  wrapperNeeds: string[];
}

/**
 * The plain run form (run options, then the command), read without the full parser (args.ts),
 * which may not be loaded before the bootstrap. It answers only when the full parser would
 * accept the command line as a run in that mode; anything else (another command, a bad or
 * repeated option) returns undefined and takes the normal path, where args.ts says what is wrong.
 */
function plainRun(args: readonly string[], form: RunForm): PlainRun | undefined {
  const values = new Map<string, string>();
  let command = -1;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    // As in args.ts: `-` and negative numbers (/^-\d/, tested without compiling a regular
    // expression) are operands, so they may start the command.
    const digit = a.charCodeAt(1) - 48;
    if (a === "--" || !a.startsWith("-") || a === "-" || (digit >= 0 && digit <= 9)) {
      command = a === "--" ? i + 1 : i;
      break;
    }
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (name !== "--mode" && name !== "--hide" && name !== "--policy") return undefined;
    if (values.has(name) || (eq < 0 && i + 1 >= args.length)) return undefined;
    values.set(name, eq > 0 ? a.slice(eq + 1) : args[++i]!);
  }
  if (command < 0 || command >= args.length) return undefined;
  if (values.has("--hide") && values.has("--policy")) return undefined;
  const hide = values.get("--hide");
  if (hide !== undefined && hide !== "auto") {
    const names = hide.split(",").map((s) => s.trim()).filter((s) => s !== "");
    if (names.length === 0 || names.some((n) => form.wrapperNeeds.includes(n))) return undefined;
  }
  const mode = values.get("--mode") ?? (modeFromEnv() || "auto");
  if (form.modes.indexOf(mode) < 0) return undefined;
  return { mode: mode as PlainRun["mode"], argv: args.slice(command), defaultFilter: !values.has("--hide") && !values.has("--policy") };
}

/**
 * Bun ignores SIGPIPE and SIGXFSZ at startup, and ignored signals stay ignored across execve:
 * `cmd | head` would then see EPIPE instead of dying quietly. Container engines start the
 * entrypoint with default dispositions, so give the command those back.
 */
function restoreSignals(): void {
  // rt_sigaction(2) with an all-zero struct sigaction: SIG_DFL, no flags, an empty mask, in
  // every arch's layout. 8 is the kernel's sigset_t size on 64-bit arches.
  const SIG_DFL_ACTION = BigInt(ptr(new Uint8Array(64)));
  for (const signal of [13 /* SIGPIPE */, 25 /* SIGXFSZ */]) syscall(NR!.rt_sigaction, signal, SIG_DFL_ACTION, 0, 8);
}

/** `data` with write(2) calls, retrying after EINTR; how many bytes went out before an error. */
function write(fd: number, data: Uint8Array): number {
  const EINTR = 4;
  let done = 0;
  while (done < data.length) {
    const { ret: n, errno } = syscall(NR!.write, fd, BigInt(ptr(data, done)), data.length - done);
    if (n < 0 && errno !== EINTR) break;
    if (n > 0) done += n;
  }
  return done;
}

function execve(path: Uint8Array, argv: BigUint64Array, envp: BigUint64Array): number {
  restoreSignals();
  return syscall(NR!.execve, BigInt(ptr(path)), BigInt(ptr(argv)), BigInt(ptr(envp))).errno;
}

// Before the bootstrap no loop may run long: a hot loop wakes the JIT, whose compiler thread
// is fatal under clone3 -> EPERM (measured: ~1000 iterations of a plain loop, or ~40 calls to
// ptr()). So the /proc readers below use native calls (indexOf, TextDecoder, split) and loop
// once per read (of 64 KiB, 256 KiB, then 1 MiB each) or not at all, never once per argument or byte.

/**
 * Where execve(2) left this process's argc (startstack, field 28 of /proc/self/stat) and its
 * argument and environment strings (arg_start/arg_end, env_start/env_end, fields 48 to 51):
 * /proc/self/cmdline and /proc/self/environ are the kernel reading those very ranges.
 */
interface ExecArea {
  startStack: number;
  argStart: number;
  argEnd: number;
  envStart: number;
  envEnd: number;
}
let execArea: ExecArea | null | undefined;

function readExecArea(): ExecArea | null {
  const raw = readWhole("/proc/self/stat", 1 << 10);
  if (!raw) return null;
  const stat = utf8(raw);
  // Fields after "(comm)" start at field 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const field = (n: number) => Number(fields[n - 3]);
  const area = { startStack: field(28), argStart: field(48), argEnd: field(49), envStart: field(50), envEnd: field(51) };
  const ordered = area.startStack > 0 && area.startStack < area.argStart && area.argStart < area.argEnd && area.argEnd <= area.envStart && area.envStart <= area.envEnd;
  return ordered ? area : null;
}

/**
 * The caller's argument or environment strings, NUL-terminated, as execve(2) left them: in
 * place, from the range /proc/self/stat names (one /proc read for both, and no copy), or
 * without /proc/self/stat from `procFile` (/proc/self/cmdline or /proc/self/environ, the
 * kernel's own view of that range) read whole.
 */
function execStrings(range: "arg" | "env", procFile: string): Uint8Array | undefined {
  const area = (execArea ??= readExecArea());
  if (!area) return readWhole(procFile);
  const [start, end] = range === "arg" ? [area.argStart, area.argEnd] : [area.envStart, area.envEnd];
  return end > start ? new Uint8Array(toArrayBuffer(start as Pointer, 0, end - start)) : new Uint8Array(0);
}

const callerArgs = () => execStrings("arg", "/proc/self/cmdline");
const callerEnviron = () => execStrings("env", "/proc/self/environ");

/** A whole file, read with plain read(2) calls, the first of `firstRead` bytes. */
function readWhole(path: string, firstRead = 1 << 16): Uint8Array | undefined {
  const O_RDONLY_CLOEXEC = 0o2000000;
  const AT_FDCWD = 0xffffff9c; // -100 as the kernel's int
  const fd = syscall(NR!.openat, AT_FDCWD, BigInt(ptr(new TextEncoder().encode(path + "\0"))), O_RDONLY_CLOEXEC).ret;
  if (fd < 0) return undefined;
  // Reads of `firstRead` bytes, then 4 times as many up to 1 MiB: a few calls for any file, and
  // no large buffer to clear for the usual small one.
  const chunks: Uint8Array[] = [];
  let total = 0;
  let buffer = new Uint8Array(firstRead);
  for (;;) {
    const n = syscall(NR!.read, fd, BigInt(ptr(buffer)), buffer.length).ret;
    if (n <= 0) {
      syscall(NR!.close, fd);
      if (n < 0) return undefined;
      break;
    }
    chunks.push(buffer.slice(0, n));
    total += n;
    if (buffer.length < 1 << 20) buffer = new Uint8Array(buffer.length * 4);
  }
  if (chunks.length === 1) return chunks[0];
  const all = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}

/**
 * The kernel's own argv array, from its element for `argv[0]` on: the caller's pointers and
 * bytes (which Bun decoded, with U+FFFD for bytes that are not UTF-8), NULL-terminated, with
 * no JavaScript loop over the arguments (see above). `startstack` in /proc/self/stat is where
 * execve left argc, followed by the argv pointers. Used only if its ends decode to `argv`'s.
 */
function kernelArgvTail(argv: readonly string[]): { file: Pointer; argv: Pointer } | undefined {
  const area = (execArea ??= readExecArea());
  if (!area) return undefined;
  const startStack = area.startStack as Pointer;
  const { argStart } = area;
  const argc = Number(read.u64(startStack, 0));
  // argc, the argv pointers and NULL, the envp pointers: all below the argument strings.
  if (argv.length === 0 || argc < argv.length || startStack + 8 * (argc + 2) > argStart) return undefined;
  const first = (startStack + 8 * (1 + argc - argv.length)) as Pointer;
  const at = (i: number) => new CString(Number(read.u64(first, 8 * i))).toString();
  if (at(0) !== argv[0] || at(argv.length - 1) !== argv[argv.length - 1] || read.u64(first, 8 * argv.length) !== 0n) return undefined;
  return { file: Number(read.u64(first, 0)) as Pointer, argv: first as Pointer };
}

function execvpOrFail(argv: string[]): never {
  const kernel = kernelArgvTail(argv);
  // Without /proc: a pointer array built here, which loops once per argument.
  const strings = kernel ? [] : argv.map((s) => new TextEncoder().encode(s + "\0"));
  const pointers = new BigUint64Array(strings.length + 1);
  strings.forEach((s, i) => (pointers[i] = BigInt(ptr(s))));
  const { execvp } = rare();
  restoreSignals();
  errnoView[0] = 0;
  if (kernel) execvp(kernel.file, kernel.argv);
  else execvp(ptr(strings[0]!), ptr(pointers));
  const errno = errnoView[0]!;
  fail(`${JSON.stringify(argv[0])}: ${strerror(errno)}`, errno === ENOENT ? 127 : 126);
}

const OUT_OF_DATE = "launcher/build/programs.json is out of date: run bun scripts/build-launcher.ts";
if (!hostArch || hostEntry === undefined) fail(`unsupported host architecture ${process.arch}`);
if (!precompiled) fail(OUT_OF_DATE);
const clone3Errno = probe(precompiled.clone3Nr);

const runForm = (PRECOMPILED as { _runForm?: RunForm })._runForm;
if (!runForm) fail(OUT_OF_DATE);
const plain = plainRun(process.argv.slice(2), runForm);

let installed: Installed | undefined;
if (clone3Errno === EPERM) {
  // libc's environ is still the original environment here, so execvp(3) passes it unchanged.
  if (plain?.mode === "never") execvpOrFail(plain.argv);
  try {
    installed = install(new Uint8Array(precompiled.clone3Program), precompiled.seccompNr);
  } catch (e) {
    if (!(e instanceof InstallError)) throw e;
    // Without the bootstrap nothing more can be loaded. In `auto` the command may still work
    // without threads, and the wrapper must never break what worked without it.
    if (plain?.mode === "auto") {
      say(`warning: cannot install the filter (${e.message}); running the command without it`);
      execvpOrFail(plain.argv);
    }
    fail(plain ? `cannot install the filter: ${e.message}` : `cannot install the clone3 filter Bun needs under this engine: ${e.message}`);
  }
}

const bootstrap: Bootstrap = {
  hostArch,
  precompiled,
  clone3Errno,
  probe,
  install: (program) => {
    // The final filter: a failed exec after it still needs strerror.
    rare();
    return install(program, precompiled.seccompNr);
  },
  execve,
  strerror,
  die,
  callerArgs,
  callerEnviron,
  write,
};
// Not a conditional spread: that is a JavaScript builtin, compiled on first use (see raw-process.ts).
if (installed) bootstrap.installed = installed;
const { main } = await import("./main.ts");
// A plain run with the default filter (the common case) needs no full parser: plainRun answers
// only where args.ts would give the same request.
await main(process.argv.slice(2), bootstrap, plain?.defaultFilter ? plain : undefined);

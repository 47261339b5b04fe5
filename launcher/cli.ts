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
import type { Bootstrap, Installed, Precompiled } from "./bootstrap.ts";
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

// musl's loader answers every libc soname with itself; the others are for musl without that alias.
const LIBC_NAMES = ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1", "libc.so"];
const libc = openLibc();
// errno is thread-local; this view reads it with no further FFI call, which could clobber it.
const errnoView = new Int32Array(toArrayBuffer(libc.__errno_location()!, 0, 4));

function openLibc() {
  for (const name of LIBC_NAMES) {
    try {
      return dlopen(name, {
        // syscall(2) and prctl(2) are variadic; on x86_64 and aarch64 Linux variadic integer
        // arguments travel in the same registers as fixed ones, so a fixed signature is exact.
        syscall: { args: ["i64", "u64", "u64", "u64", "u64", "u64", "u64"], returns: FFIType.i64_fast },
        prctl: { args: ["i32", "u64", "u64", "u64", "u64"], returns: "i32" },
        execvp: { args: ["ptr", "ptr"], returns: "i32" },
        execve: { args: ["ptr", "ptr", "ptr"], returns: "i32" },
        signal: { args: ["i32", "u64"], returns: "u64" },
        write: { args: ["i32", "ptr", "u64"], returns: "i64" },
        open: { args: ["ptr", "i32"], returns: "i32" },
        read: { args: ["i32", "ptr", "u64"], returns: "i64" },
        close: { args: ["i32"], returns: "i32" },
        _exit: { args: ["i32"], returns: "void" },
        __errno_location: { args: [], returns: "ptr" },
        strerror: { args: ["i32"], returns: "ptr" },
      }).symbols;
    } catch {}
  }
  fail(`cannot load libc (tried ${LIBC_NAMES.join(", ")})`);
}

/** One line on stderr through write(2): process.stderr may start a thread, fatal before the bootstrap. */
function say(line: string): void {
  const bytes = new TextEncoder().encode(`clone3-workaround: ${line}\n`);
  libc.write(2, ptr(bytes), bytes.length);
}

function die(message: string, exitCode: number): never {
  say(message);
  libc._exit(exitCode);
  throw new Error("unreachable: _exit returned");
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
  errnoView[0] = 0;
  const ret = libc.prctl(option, arg2, arg3, 0, 0);
  return { ret, errno: ret < 0 ? errnoView[0]! : 0 };
}

function strerror(errno: number): string {
  return new CString(libc.strerror(errno)!).toString();
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
  const raw = readFile("/proc/self/environ");
  if (!raw) return process.env.CLONE3_WORKAROUND_MODE;
  const environ = "\0" + new TextDecoder().decode(raw);
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
function plainRun(args: readonly string[], form: RunForm): { mode: string; argv: string[] } | undefined {
  const values = new Map<string, string>();
  let command = -1;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    // As in args.ts: `-` and negative numbers are operands, so they may start the command.
    if (a === "--" || !a.startsWith("-") || a === "-" || /^-\d/.test(a)) {
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
  if (!form.modes.includes(mode)) return undefined;
  return { mode, argv: args.slice(command) };
}

/**
 * Bun ignores SIGPIPE and SIGXFSZ at startup, and ignored signals stay ignored across execve:
 * `cmd | head` would then see EPIPE instead of dying quietly. Container engines start the
 * entrypoint with default dispositions, so give the command those back.
 */
function restoreSignals(): void {
  const SIG_DFL = 0;
  for (const signal of [13 /* SIGPIPE */, 25 /* SIGXFSZ */]) libc.signal(signal, SIG_DFL);
}

/** `data` with write(2) calls, retrying after EINTR; how many bytes went out before an error. */
function write(fd: number, data: Uint8Array): number {
  const EINTR = 4;
  let done = 0;
  while (done < data.length) {
    errnoView[0] = 0;
    const n = Number(libc.write(fd, ptr(data, done), data.length - done));
    if (n < 0 && errnoView[0] !== EINTR) break;
    if (n > 0) done += n;
  }
  return done;
}

function execve(path: Uint8Array, argv: BigUint64Array, envp: BigUint64Array): number {
  restoreSignals();
  errnoView[0] = 0;
  libc.execve(ptr(path), ptr(argv), ptr(envp));
  return errnoView[0]!;
}

// Before the bootstrap no loop may run long: a hot loop wakes the JIT, whose compiler thread
// is fatal under clone3 -> EPERM (measured: ~1000 iterations of a plain loop, or ~40 calls to
// ptr()). So the /proc readers below use native calls (indexOf, TextDecoder, split) and loop
// once per read (of 64 KiB, 256 KiB, then 1 MiB each), never once per argument or byte.

/** A whole file (/proc's cmdline, environ, ...), read with plain read(2) calls. */
function readFile(path: string): Uint8Array | undefined {
  const O_RDONLY_CLOEXEC = 0o2000000;
  const fd = libc.open(ptr(new TextEncoder().encode(path + "\0")), O_RDONLY_CLOEXEC);
  if (fd < 0) return undefined;
  // Reads of 64 KiB, then 256 KiB, then 1 MiB: a few calls for any environment, and no large
  // buffer to clear for the usual small file.
  const chunks: Uint8Array[] = [];
  let total = 0;
  let buffer = new Uint8Array(1 << 16);
  for (;;) {
    const n = Number(libc.read(fd, ptr(buffer), buffer.length));
    if (n <= 0) {
      libc.close(fd);
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
  const raw = readFile("/proc/self/stat");
  if (!raw) return undefined;
  const stat = new TextDecoder().decode(raw);
  // Fields after "(comm)" start at field 3; startstack is field 28, arg_start field 48.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const startStack = Number(fields[28 - 3]) as Pointer;
  const argStart = Number(fields[48 - 3]);
  if (!(startStack > 0 && argStart > startStack)) return undefined;
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
  restoreSignals();
  errnoView[0] = 0;
  if (kernel) libc.execvp(kernel.file, kernel.argv);
  else libc.execvp(ptr(strings[0]!), ptr(pointers));
  const errno = errnoView[0]!;
  fail(`${JSON.stringify(argv[0])}: ${strerror(errno)}`, errno === ENOENT ? 127 : 126);
}

const hostArch: Bootstrap["hostArch"] | undefined = HOST_ARCH[process.arch as keyof typeof HOST_ARCH];
const precompiled = hostArch ? (PRECOMPILED as unknown as Record<string, Precompiled>)[hostArch] : undefined;
if (!hostArch || !precompiled) fail(`unsupported host architecture ${process.arch}`);
const clone3Errno = probe(precompiled.clone3Nr);

let installed: Installed | undefined;
if (clone3Errno === EPERM) {
  const runForm = (PRECOMPILED as { _runForm?: RunForm })._runForm;
  if (!runForm) fail("launcher/build/programs.json is out of date: run bun scripts/build-launcher.ts");
  const plain = plainRun(process.argv.slice(2), runForm);
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
  ...(installed ? { installed } : {}),
  probe,
  install: (program) => install(program, precompiled.seccompNr),
  execve,
  strerror,
  die,
  readFile,
  write,
};
const { main } = await import("./main.ts");
await main(process.argv.slice(2), bootstrap);

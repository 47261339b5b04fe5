// execvp(3) semantics over execve(2) with an explicit envp: process.env changes never reach
// libc's environ, and musl's execvp has no ENOEXEC fallback. Everything the kernel will read
// is built by prepareExec(), before the final filter goes in; execPrepared() only loops.
import { ptr } from "bun:ffi";
import { searchPath } from "./path-search.ts";
import { bytewise, encodedList, entryOf, rawArgv, type CallerEnv, type NulList } from "./raw-process.ts";

const ENOEXEC = 8;
const ENOENT = 2;

interface Candidate {
  path: Uint8Array;
  argv: BigUint64Array;
  /** argv for `/bin/sh path args...`, used when the kernel answers ENOEXEC. */
  shArgv: BigUint64Array;
}

interface PreparedExec {
  command: string;
  candidates: Candidate[];
  envp: BigUint64Array;
  /** The blocks the pointer arrays point into, kept reachable until execve (the candidates keep their paths). */
  keep: Uint8Array[];
  sh: Uint8Array;
  /** A failure known before any execve (empty name, name too long). */
  presetErrno?: number;
}

const BIN_SH = "/bin/sh";

/**
 * A NULL-terminated pointer array: the C strings in `before` (NUL-terminated buffers), then
 * the entries of `list` from entry `from` on, as one ptr() and offsets into its block (no copy,
 * and no FFI call per entry: a few dozen of those wake Bun's JIT threads).
 */
function pointerArray(before: Uint8Array[], list?: NulList, from = 0): BigUint64Array {
  const n = list ? list.starts.length - from : 0;
  const arr = new BigUint64Array(before.length + n + 1);
  for (let i = 0; i < before.length; i++) arr[i] = BigInt(ptr(before[i]!));
  if (list && n > 0) {
    const base = BigInt(ptr(list.block));
    for (let i = 0; i < n; i++) arr[before.length + i] = base + BigInt(list.starts[from + i]!);
  }
  return arr;
}

const encoder = new TextEncoder();

/** The libc calls exec needs; the bootstrap's bindings (one dlopen per process). */
interface ExecCalls {
  execve(path: Uint8Array, argv: BigUint64Array, envp: BigUint64Array): number;
  strerror(errno: number): string;
}

/**
 * A byte string (one char per byte) from bytes, and back: the path search works on these.
 * TextDecoder's "latin1" is windows-1252, one char per byte with 0x80..0x9f moved elsewhere,
 * decoded natively: no JavaScript loop per byte, which would wake Bun's JIT threads on every run.
 */
const latin1 = (bytes: Uint8Array): string => bytewise.decode(bytes);
let fromC1: Map<number, number> | undefined;

function fromLatin1(s: string): Uint8Array {
  // The usual case, all ASCII (UTF-8 then has one byte per char), without a loop per char and
  // without a regular expression, whose first use compiles it (a tenth of a run's start).
  const utf8 = encoder.encode(s);
  if (utf8.length === s.length) return utf8;
  fromC1 ??= new Map([...latin1(Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i))].map((c, i) => [c.charCodeAt(0), 0x80 + i]));
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    bytes[i] = fromC1.get(s.charCodeAt(i)) ?? s.charCodeAt(i);
  }
  return bytes;
}

/**
 * `argv` as Bun decoded it, `env` as the caller passed it (raw-process.ts); the kernel's own
 * argv bytes (`cmdline`, this process's argument strings) are used where they stand for
 * `argv`, so the command gets what the caller passed, byte for byte.
 */
export function prepareExec(argv: string[], env: CallerEnv, cmdline: Uint8Array | undefined): PreparedExec {
  const cString = (bytes: Uint8Array) => {
    const b = new Uint8Array(bytes.length + 1);
    b.set(bytes);
    return b;
  };
  const envp = pointerArray([], env);
  // execvp reads PATH with getenv(3): the first entry of that name.
  const pathEnv = env.get("PATH");

  const args = rawArgv(argv, cmdline) ?? encodedList(argv);
  const sh = cString(encoder.encode(BIN_SH));
  const search = searchPath(latin1(entryOf(args, 0)), pathEnv && latin1(pathEnv));
  const argvPointers = pointerArray([], args);
  // Plain loops, not map(): see raw-process.ts.
  const candidates: Candidate[] = [];
  for (const p of search.paths) {
    const path = cString(fromLatin1(p));
    candidates.push({ path, argv: argvPointers, shArgv: pointerArray([sh, path], args, 1) });
  }
  return { command: argv[0]!, candidates, envp, keep: [env.block, args.block, sh], sh, presetErrno: search.errno };
}

interface ExecFailure {
  errno: number;
  /** 127 when not found, 126 when found but not runnable (env(1)/timeout(1)). */
  exitCode: 126 | 127;
  message: string;
}

const EACCES = 13;
/** The errnos after which glibc's execvp tries the next PATH entry instead of giving up. */
// An array, not a Set: the first Set a process makes costs tens of microseconds.
const TRY_NEXT = [ENOENT, EACCES, 20 /* ENOTDIR */, 19 /* ENODEV */, 110 /* ETIMEDOUT */, 116 /* ESTALE */];
const tryNext = (errno: number) => TRY_NEXT.indexOf(errno) >= 0;

/** Tries each candidate like glibc's __execvpe; returns only when all failed. */
export function execPrepared(p: PreparedExec, { execve, strerror }: ExecCalls): ExecFailure {
  let errno = p.presetErrno ?? ENOENT;
  let sawEacces = false;
  for (const cand of p.candidates) {
    errno = execve(cand.path, cand.argv, p.envp);
    if (errno === ENOEXEC) errno = execve(p.sh, cand.shArgv, p.envp);
    if (errno === EACCES) sawEacces = true;
    if (!tryNext(errno)) break;
  }
  // A file that exists but may not be run beats "not found" further down PATH.
  if (sawEacces && tryNext(errno)) errno = EACCES;
  void p.keep.length;
  return { errno, exitCode: errno === ENOENT ? 127 : 126, message: `${JSON.stringify(p.command)}: ${strerror(errno)}` };
}

// execvp(3) semantics over execve(2) with an explicit envp: process.env changes never reach
// libc's environ, and musl's execvp has no ENOEXEC fallback. Everything the kernel will read
// is built by prepareExec(), before the final filter goes in; execPrepared() only loops.
import { ptr } from "bun:ffi";
import { searchPath } from "./path-search.ts";
import { rawArgv, rawEnviron, rawGetenv } from "./raw-process.ts";

const ENOEXEC = 8;
const ENOENT = 2;

interface Candidate {
  path: Uint8Array;
  argv: BigUint64Array;
  /** argv for `/bin/sh path args...`, used when the kernel answers ENOEXEC. */
  shArgv: BigUint64Array;
}

export interface PreparedExec {
  command: string;
  candidates: Candidate[];
  envp: BigUint64Array;
  /** Every C string referenced by the pointer arrays, kept reachable until execve. */
  keep: Uint8Array[];
  sh: Uint8Array;
  /** A failure known before any execve (empty name, name too long). */
  presetErrno?: number;
}

const BIN_SH = "/bin/sh";

function pointerArray(strings: Uint8Array[]): BigUint64Array {
  const arr = new BigUint64Array(strings.length + 1);
  for (let i = 0; i < strings.length; i++) arr[i] = BigInt(ptr(strings[i]!));
  return arr;
}

const encoder = new TextEncoder();

/** The libc calls exec needs; the bootstrap's bindings (one dlopen per process). */
export interface ExecCalls {
  execve(path: Uint8Array, argv: BigUint64Array, envp: BigUint64Array): number;
  strerror(errno: number): string;
}

/** A byte string (one char per byte) from bytes, and back: the path search works on these. */
const latin1 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
const fromLatin1 = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));

/**
 * `argv` and `env` as Bun decoded them; the kernel's own bytes are used where they stand for
 * the same thing (raw-process.ts), so the command gets what the caller passed, byte for byte.
 */
export function prepareExec(argv: string[], env: Record<string, string | undefined>): PreparedExec {
  const keep: Uint8Array[] = [];
  const c = (bytes: Uint8Array) => {
    const b = new Uint8Array(bytes.length + 1);
    b.set(bytes);
    keep.push(b);
    return b;
  };
  const rawEnv = rawEnviron(env);
  const envBytes = rawEnv ?? Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [encoder.encode(`${k}=${v}`)]));
  const envp = pointerArray(envBytes.map(c));
  // execvp reads PATH with getenv(3): the first entry of that name.
  const pathEnv = rawEnv ? rawGetenv(rawEnv, "PATH") : env.PATH === undefined ? undefined : encoder.encode(env.PATH);

  const argBytes = rawArgv(argv) ?? argv.map((a) => encoder.encode(a));
  const args = argBytes.map(c);
  const sh = c(encoder.encode(BIN_SH));
  const search = searchPath(latin1(argBytes[0]!), pathEnv && latin1(pathEnv));
  const argvPointers = pointerArray(args);
  const candidates = search.paths.map((p) => {
    const path = c(fromLatin1(p));
    return { path, argv: argvPointers, shArgv: pointerArray([sh, path, ...args.slice(1)]) };
  });
  return { command: argv[0]!, candidates, envp, keep, sh, presetErrno: search.errno };
}

export interface ExecFailure {
  errno: number;
  /** 127 when not found, 126 when found but not runnable (env(1)/timeout(1)). */
  exitCode: 126 | 127;
  message: string;
}

const EACCES = 13;
/** The errnos after which glibc's execvp tries the next PATH entry instead of giving up. */
const TRY_NEXT = new Set([ENOENT, EACCES, 20 /* ENOTDIR */, 19 /* ENODEV */, 110 /* ETIMEDOUT */, 116 /* ESTALE */]);

/** Tries each candidate like glibc's __execvpe; returns only when all failed. */
export function execPrepared(p: PreparedExec, { execve, strerror }: ExecCalls): ExecFailure {
  let errno = p.presetErrno ?? ENOENT;
  let sawEacces = false;
  for (const cand of p.candidates) {
    errno = execve(cand.path, cand.argv, p.envp);
    if (errno === ENOEXEC) errno = execve(p.sh, cand.shArgv, p.envp);
    if (errno === EACCES) sawEacces = true;
    if (!TRY_NEXT.has(errno)) break;
  }
  // A file that exists but may not be run beats "not found" further down PATH.
  if (sawEacces && TRY_NEXT.has(errno)) errno = EACCES;
  void p.keep.length;
  return { errno, exitCode: errno === ENOENT ? 127 : 126, message: `${JSON.stringify(p.command)}: ${strerror(errno)}` };
}

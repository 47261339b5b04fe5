// Reading a policy file, bounded: a regular file, or stdin for "-" (where a pipe or a FIFO is
// fine, since whoever set up stdin chose it). Anything else (a FIFO by name, /dev/zero, a
// directory) is refused before it is opened for reading, so nothing blocks on a missing writer
// or reads forever; no more than MAX_POLICY_BYTES is ever read. The caller passes node:fs, so
// this module imports nothing at load time (the launcher loads node:fs only after its bootstrap).

import { PolicyError, quote } from "./errors.ts";

/** 16 MiB: 30 times Docker's profile in its largest form; JSON parsing stays well under a second. */
export const MAX_POLICY_BYTES = 16 * 1024 * 1024;

type Fs = Pick<typeof import("node:fs"), "closeSync" | "constants" | "fstatSync" | "openSync" | "readSync" | "statSync">;
type Stats = import("node:fs").Stats;

export interface PolicyText {
  text: string;
  /** How messages name it: the quoted path, or "stdin". */
  source: string;
}

function kind(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

const tooLarge = (source: string): PolicyError =>
  new PolicyError(`${source}: larger than ${MAX_POLICY_BYTES / (1024 * 1024)} MiB, the most a policy may be`);

export function readPolicyText(path: string, fs: Fs): PolicyText {
  const stdin = path === "-";
  const source = stdin ? "stdin" : quote(path);
  const cannot = (e: unknown): PolicyError =>
    new PolicyError(`cannot read ${source}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  const notRegular = (st: Stats): PolicyError =>
    new PolicyError(`${source}: ${kind(st)}, not a regular file (pipe anything else in as --policy -)`);

  let fd = 0;
  if (!stdin) {
    let st: Stats;
    try {
      st = fs.statSync(path);
    } catch (e) {
      throw cannot(e);
    }
    if (!st.isFile()) throw notRegular(st);
    if (st.size > MAX_POLICY_BYTES) throw tooLarge(source);
    try {
      // O_NONBLOCK: should the path have become a FIFO since, opening it must not wait.
      fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (e) {
      throw cannot(e);
    }
  }
  try {
    let st: Stats;
    try {
      st = fs.fstatSync(fd);
    } catch (e) {
      throw cannot(e);
    }
    if (!stdin && !st.isFile()) throw notRegular(st);
    if (st.isFile() && st.size > MAX_POLICY_BYTES) throw tooLarge(source);
    const expect = st.isFile() ? st.size + 1 : 64 * 1024;
    return { text: new TextDecoder().decode(readBounded(fs, fd, expect, source, cannot)), source };
  } finally {
    if (!stdin) fs.closeSync(fd);
  }
}

/** Up to MAX_POLICY_BYTES from fd, to its end; more is an error. */
function readBounded(fs: Fs, fd: number, expect: number, source: string, cannot: (e: unknown) => PolicyError): Uint8Array {
  let buf = new Uint8Array(Math.min(expect, MAX_POLICY_BYTES + 1));
  let n = 0;
  for (;;) {
    if (n === buf.length) {
      const bigger = new Uint8Array(Math.min(buf.length * 4, MAX_POLICY_BYTES + 1));
      bigger.set(buf);
      buf = bigger;
    }
    let got: number;
    try {
      got = fs.readSync(fd, buf, n, buf.length - n, null);
    } catch (e) {
      // A non-blocking stdin with nothing to read yet: wait a little and try again.
      if ((e as NodeJS.ErrnoException).code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      throw cannot(e);
    }
    if (got === 0) return buf.subarray(0, n);
    n += got;
    if (n > MAX_POLICY_BYTES) throw tooLarge(source);
  }
}

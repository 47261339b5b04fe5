// Everything the wrapper prints as a result (help, programs, stubs, --doctor) goes through here:
// synchronous write(2) calls, so a failure is ours to report, not an async stream error with a
// stack, and nothing is lost when the process exits right after.
import { fail } from "./report.ts";

/**
 * The status of a wrapper whose reader went away. Bun ignores SIGPIPE, so we cannot die of it;
 * 128 + SIGPIPE is what a shell reports for a tool that did (`yes | head` -> `yes` 141), and
 * like such a tool we print nothing.
 */
const EXIT_BROKEN_PIPE = 128 + 13;

type Fs = typeof import("node:fs");
// require(), not a static import: the bundler hoists static node:* imports above the bootstrap.
const fs = (): Fs => require("node:fs") as Fs;

function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  for (let done = 0; done < bytes.length; ) done += fs().writeSync(fd, bytes, done, bytes.length - done);
}

function codeOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/** write(2) of a buffer, returning how many bytes went out (the bootstrap's, set by main.ts). */
type RawWrite = (fd: number, data: Uint8Array) => number;
let rawWrite: RawWrite | undefined;

/**
 * Stdout through `write` from now on: the bootstrap's write(2), which spares --help and
 * --version loading node:fs (which costs more than the rest of their start). Any error goes the
 * node:fs way below, which names it.
 */
export function writeStdoutWith(write: RawWrite): void {
  rawWrite = write;
}

export function writeStdout(data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const done = rawWrite ? rawWrite(1, bytes) : 0;
  if (done === bytes.length) return;
  try {
    // The rest, after an error: it fails the same way (EPIPE, ENOSPC), and node:fs names it.
    writeAll(1, bytes.subarray(done));
  } catch (e) {
    if (codeOf(e) === "EPIPE") process.exit(EXIT_BROKEN_PIPE);
    fail(`cannot write to stdout: ${codeOf(e)}`);
  }
}

/**
 * Writes `data` to `file` (created or truncated). With `executable`, a regular file ends up
 * mode 0755; anything else (/dev/stdout, a fifo, a tty) keeps its mode: it is not ours.
 */
export function writeFile(file: string, data: string | Uint8Array, { executable = false } = {}): void {
  const { openSync, fstatSync, fchmodSync, closeSync } = fs();
  let fd: number | undefined;
  try {
    fd = openSync(file, "w", executable ? 0o755 : 0o666);
    writeAll(fd, data);
    if (executable && fstatSync(fd).isFile()) fchmodSync(fd, 0o755);
  } catch (e) {
    if (codeOf(e) === "EPIPE") process.exit(EXIT_BROKEN_PIPE);
    fail(`cannot write ${JSON.stringify(file)}: ${codeOf(e)}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** To `file`, or stdout when no file is named (`-o` absent). */
export function writeOutput(data: string | Uint8Array, file: string | undefined, options: { executable?: boolean } = {}): void {
  if (file === undefined) writeStdout(data);
  else writeFile(file, data, options);
}

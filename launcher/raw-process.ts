// The caller's argv and environment as bytes. Bun decodes both to strings at startup, turning
// bytes that are not UTF-8 into U+FFFD, keeping one entry per name (the last) and dropping
// entries it cannot take (a name that is not UTF-8, an entry without `=`). The kernel still has
// the originals in /proc/self/cmdline and /proc/self/environ, and the command gets those,
// unchanged: the environment whole, as execve(2) received it; argv from where the command starts.
// Without /proc (a known limit in README.md) the strings are encoded instead.
//
// The run path calls this once per run, so it loops once per entry, never once per byte, and
// finds names with native searches: a hot loop would wake Bun's JIT worker threads, which
// cost a run more than the loop itself. It loops with plain `for`, not every/map/spread: JSC
// compiles those JavaScript builtins on their first use, tens of microseconds each.

/** A whole file with node:fs, or undefined: /proc for callers without a bootstrap (tests); a run reads through its callerArgs() and callerEnviron(). */
export const readWithFs = (path: string): Uint8Array | undefined => {
  try {
    // require(), not a static import: the bundler hoists static node:* imports above the bootstrap.
    return new Uint8Array((require("node:fs") as typeof import("node:fs")).readFileSync(path));
  } catch {
    return undefined;
  }
};

/** NUL-terminated entries inside one buffer, as execve(2) lays them out and /proc shows them. */
export interface NulList {
  block: Uint8Array;
  /** Where each entry starts in `block`; each ends at the next NUL. */
  starts: number[];
}

/**
 * The entries of a NUL-terminated list, or undefined when `bytes` is not one. Split natively,
 * one char per byte (`bytewise`), so the loop only adds lengths (measured: 25 K instructions
 * less per run than a typed array indexOf per entry, with 35 entries).
 */
function nulList(bytes: Uint8Array | undefined): NulList | undefined {
  if (!bytes || (bytes.length > 0 && bytes[bytes.length - 1] !== 0)) return undefined;
  const entries = bytewise.decode(bytes).split("\0");
  // The last NUL ends the last entry: split leaves one empty string after it.
  const starts = new Array<number>(entries.length - 1);
  for (let i = 0, at = 0; i < starts.length; i++) {
    starts[i] = at;
    at += entries[i]!.length + 1;
  }
  return { block: bytes, starts };
}

/** Entry `i` of `list`, without its NUL. */
export function entryOf(list: NulList, i: number): Uint8Array {
  const start = list.starts[i]!;
  return list.block.subarray(start, list.block.indexOf(0, start));
}

export function entriesOf(list: NulList): Uint8Array[] {
  return list.starts.map((_, i) => entryOf(list, i));
}

/** `strings` UTF-8 encoded into one NulList (when /proc is out of reach). */
export function encodedList(strings: readonly string[]): NulList {
  return nulList(new TextEncoder().encode(strings.map((s) => `${s}\0`).join("")))!;
}

const decoder = new TextDecoder(); // U+FFFD for bad bytes, as Bun decodes them

/**
 * The raw bytes of `argv`, the last arguments of this process: the tail of `cmdline`, all of
 * its argument strings as /proc/self/cmdline shows them (whatever precedes `argv`: bun, its
 * flags, the script or the binary), if it decodes to `argv` (a process may rewrite its argv
 * area; this one does not, but the check is cheap).
 */
export function rawArgv(argv: readonly string[], cmdline: Uint8Array | undefined): NulList | undefined {
  const all = nulList(cmdline);
  if (!all || all.starts.length < argv.length) return undefined;
  const tail = { block: all.block, starts: all.starts.slice(all.starts.length - argv.length) };
  for (let i = 0; i < argv.length; i++) if (decoder.decode(entryOf(tail, i)) !== argv[i]) return undefined;
  return tail;
}

/** The caller's environment, entry for entry, and getenv(3) over it. */
export interface CallerEnv extends NulList {
  /** getenv(3): the value of the first `NAME=` entry (Bun's process.env keeps the last). */
  get(name: string): Uint8Array | undefined;
}

/**
 * One char per byte (windows-1252 keeps the length): byte offsets are string offsets. One
 * instance for the run path (exec.ts too): each first construction costs a start.
 */
export const bytewise = new TextDecoder("latin1");

function withGetenv(list: NulList): CallerEnv {
  let text: string | undefined;
  return {
    block: list.block,
    starts: list.starts,
    get(name) {
      text ??= "\0" + bytewise.decode(list.block);
      // In "\0" + block, a match at p is the entry that starts at byte p of the block.
      const at = text.indexOf(`\0${name}=`);
      if (at < 0) return undefined;
      const start = at + name.length + 1;
      return list.block.subarray(start, list.block.indexOf(0, start));
    },
  };
}

/**
 * The environment exactly as execve(2) passed it (`environ`, the strings /proc/self/environ
 * shows): every entry in order, duplicates, bytes that are not UTF-8 and entries without `=`
 * included. Nothing in the wrapper changes its own environment, so the kernel's copy is the
 * caller's. Without /proc (`environ` undefined), Bun's decoded strings.
 */
export function callerEnv(environ: Uint8Array | undefined): CallerEnv {
  const raw = nulList(environ);
  if (raw) return withGetenv(raw);
  return withGetenv(encodedList(Object.entries(process.env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]))));
}

/** A value from callerEnv() as a string (U+FFFD for bytes that are not UTF-8). */
export function envString(env: CallerEnv, name: string): string | undefined {
  const value = env.get(name);
  return value === undefined ? undefined : decoder.decode(value);
}

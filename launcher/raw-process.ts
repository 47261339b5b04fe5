// The caller's argv and environment as bytes. Bun decodes both to strings at startup, turning
// bytes that are not UTF-8 into U+FFFD and keeping one entry per environment name; the kernel
// still has the originals in /proc/self/cmdline and /proc/self/environ, which the command
// should get unchanged. Each is used only when it provably stands for what Bun decoded;
// otherwise (no /proc, a rewritten argv) the strings are encoded as before.

type Fs = typeof import("node:fs");

function readNulList(path: string): Uint8Array[] | undefined {
  let bytes: Uint8Array;
  try {
    // require(), not a static import: the bundler hoists static node:* imports above the bootstrap.
    bytes = (require("node:fs") as Fs).readFileSync(path);
  } catch {
    return undefined;
  }
  const items: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0) {
      items.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  if (start !== bytes.length) return undefined; // not NUL-terminated: not the list we expect
  return items;
}

const decoder = new TextDecoder(); // U+FFFD for bad bytes, as Bun decodes them

/**
 * The raw bytes of `argv`, the last arguments of this process: the tail of /proc/self/cmdline
 * (whatever precedes it: bun, its flags, the script or the binary), if it decodes to `argv`.
 */
export function rawArgv(argv: readonly string[], cmdline = "/proc/self/cmdline"): Uint8Array[] | undefined {
  const all = readNulList(cmdline);
  if (!all || all.length < argv.length) return undefined;
  const tail = all.slice(all.length - argv.length);
  return tail.every((bytes, i) => decoder.decode(bytes) === argv[i]) ? tail : undefined;
}

/**
 * The raw environment, duplicates and all, if it decodes to `env` (one value per name, the
 * last one, as Bun keeps it). Entries without `=` are kept too: execve passes them on.
 */
export function rawEnviron(env: Record<string, string | undefined>, environ: string = "/proc/self/environ"): Uint8Array[] | undefined {
  const all = readNulList(environ);
  if (!all) return undefined;
  const decoded = new Map<string, string>();
  for (const bytes of all) {
    const text = decoder.decode(bytes);
    const eq = text.indexOf("=");
    if (eq > 0) decoded.set(text.slice(0, eq), text.slice(eq + 1));
  }
  const names = Object.keys(env).filter((k) => env[k] !== undefined);
  if (names.length !== decoded.size || names.some((k) => decoded.get(k) !== env[k])) return undefined;
  return all;
}

/** The value of the first `NAME=` entry, as getenv(3) finds it. */
export function rawGetenv(environ: readonly Uint8Array[], name: string): Uint8Array | undefined {
  const prefix = new TextEncoder().encode(`${name}=`);
  const hit = environ.find((e) => e.length >= prefix.length && prefix.every((b, i) => e[i] === b));
  return hit?.subarray(prefix.length);
}

/**
 * `env` with `name` set as getenv(3) reads it: the first entry when a raw execve passed several
 * (Bun keeps the last). The stub reads its mode the same way.
 */
export function withFirstOf(env: Record<string, string | undefined>, name: string, environ?: string): Record<string, string | undefined> {
  const raw = rawEnviron(env, environ);
  const first = raw && rawGetenv(raw, name);
  return first === undefined ? env : { ...env, [name]: decoder.decode(first) };
}

// launcher/raw-process.ts on files laid out as /proc/self/cmdline and /proc/self/environ are:
// argv's bytes are the cmdline's tail when it decodes to what Bun decoded; the environment is
// the kernel's, entry for entry, whatever Bun made of it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { callerEnv, entriesOf, rawArgv, readWithFs } from "../../launcher/raw-process.ts";

const dir = mkdtempSync(join(tmpdir(), "clone3-workaround-raw-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function nulFile(items: (string | number[])[]): string {
  const file = join(dir, `f${n++}`);
  writeFileSync(file, Buffer.concat(items.map((i) => Buffer.concat([typeof i === "string" ? Buffer.from(i) : Buffer.from(i), Buffer.from([0])]))));
  return file;
}
const bytes = (list: Uint8Array[] | undefined) => list?.map((b) => [...b]);
const tail = (list: ReturnType<typeof rawArgv>) => list && entriesOf(list);

describe("rawArgv", () => {
  it("takes the tail of cmdline, with the bytes Bun turned into U+FFFD", () => {
    const f = nulFile(["bun", "cli.ts", "printf", [0xff, 0x41]]);
    expect(bytes(tail(rawArgv(["printf", "\uFFFDA"], readWithFs(f))))).toEqual([[...Buffer.from("printf")], [0xff, 0x41]]);
  });
  it("falls back when the tail does not decode to argv, or there is no file", () => {
    expect(rawArgv(["other"], readWithFs(nulFile(["bun", "x"])))).toBeUndefined();
    expect(rawArgv(["a", "b", "c"], readWithFs(nulFile(["a", "b"])))).toBeUndefined();
    expect(rawArgv(["a"], readWithFs(join(dir, "missing")))).toBeUndefined();
  });
});

describe("callerEnv", () => {
  it("is every entry as given: duplicates, raw bytes, a name that is not UTF-8, no `=`", () => {
    const entries: number[][] = [[0x58, 0xff, 0x3d, 0x31], [...Buffer.from("A=1")], [...Buffer.from("A=2")], [0x42, 0x3d, 0xfe], [...Buffer.from("noequals")], []];
    expect(bytes(entriesOf(callerEnv(readWithFs(nulFile(entries)))))).toEqual(entries);
  });
  it("splits at the NULs whatever the other bytes: every value 1-255, UTF-8 sequences, odd windows-1252 bytes", () => {
    const every = Array.from({ length: 255 }, (_, i) => i + 1);
    const utf8 = [...Buffer.from("A=\u00e9\u20ac\u{1F600}")];
    const entries = [every, utf8, [0x81], [0x8d, 0x3d, 0x9d], utf8, every.slice(100), [0x41]];
    expect(bytes(entriesOf(callerEnv(readWithFs(nulFile(entries)))))).toEqual(entries);
  });
  it("getenv(3): the first entry of a name", () => {
    const env = callerEnv(readWithFs(nulFile(["BA=0", "A=1", "A=2", "AB=3", [0xff, 0x3d, 0x34], "C"])));
    expect(bytes([env.get("A")!, env.get("AB")!, env.get("\u00ff")!])).toEqual([[...Buffer.from("1")], [...Buffer.from("3")], [0x34]]);
    expect(env.get("B")).toBeUndefined();
    expect(env.get("C")).toBeUndefined();
  });
  it("falls back to Bun's strings without the file, or when it is not a NUL-terminated list", () => {
    const fromBun = Object.entries(process.env).map(([k, v]) => `${k}=${v}`);
    expect(entriesOf(callerEnv(readWithFs(join(dir, "missing")))).map((e) => Buffer.from(e).toString())).toEqual(fromBun);
    const f = join(dir, "unterminated");
    writeFileSync(f, "A=1\0B=2");
    expect(entriesOf(callerEnv(readWithFs(f))).map((e) => Buffer.from(e).toString())).toEqual(fromBun);
    expect(entriesOf(callerEnv(new Uint8Array(0)))).toEqual([]);
  });
});

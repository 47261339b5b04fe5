// launcher/raw-process.ts: the kernel's argv/environ bytes are used only when they decode to
// what Bun decoded; checked on files laid out as /proc/self/cmdline and /proc/self/environ are.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rawArgv, rawEnviron, rawGetenv } from "../../launcher/raw-process.ts";

const dir = mkdtempSync(join(tmpdir(), "clone3-workaround-raw-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function nulFile(items: (string | number[])[]): string {
  const file = join(dir, `f${n++}`);
  writeFileSync(file, Buffer.concat(items.map((i) => Buffer.concat([typeof i === "string" ? Buffer.from(i) : Buffer.from(i), Buffer.from([0])]))));
  return file;
}
const bytes = (list: Uint8Array[] | undefined) => list?.map((b) => [...b]);

describe("rawArgv", () => {
  it("takes the tail of cmdline, with the bytes Bun turned into U+FFFD", () => {
    const f = nulFile(["bun", "cli.ts", "printf", [0xff, 0x41]]);
    expect(bytes(rawArgv(["printf", "\uFFFDA"], f))).toEqual([[...Buffer.from("printf")], [0xff, 0x41]]);
  });
  it("falls back when the tail does not decode to argv, or there is no file", () => {
    expect(rawArgv(["other"], nulFile(["bun", "x"]))).toBeUndefined();
    expect(rawArgv(["a", "b", "c"], nulFile(["a", "b"]))).toBeUndefined();
    expect(rawArgv(["a"], join(dir, "missing"))).toBeUndefined();
  });
});

describe("rawEnviron", () => {
  it("keeps duplicates and raw bytes when the last of each name is what Bun has", () => {
    const f = nulFile(["A=1", "A=2", [0x42, 0x3d, 0xfe]]);
    expect(bytes(rawEnviron({ A: "2", B: "\uFFFD" }, f))).toEqual([[...Buffer.from("A=1")], [...Buffer.from("A=2")], [0x42, 0x3d, 0xfe]]);
    expect(bytes([rawGetenv(rawEnviron({ A: "2", B: "\uFFFD" }, f)!, "A")!])).toEqual([[...Buffer.from("1")]]);
  });
  it("falls back when the environment changed since exec", () => {
    expect(rawEnviron({ A: "1", C: "3" }, nulFile(["A=1"]))).toBeUndefined();
    expect(rawEnviron({ A: "9" }, nulFile(["A=1"]))).toBeUndefined();
  });
});

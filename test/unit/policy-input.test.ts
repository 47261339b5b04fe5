// Bounded, strict policy input (policy/json.ts, policy/read.ts, policy/errors.ts): every bad
// input gets one line of at most ~200 characters and exit 125 from the real CLI,
// quickly (each run is killed after KILL_MS, so a hang, a runaway read or a slow parse fails).
// The independent reference for "valid JSON" is the platform's JSON.parse (RFC 8259).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_MESSAGE, PolicyError } from "../../policy/errors.ts";
import { NotAnInteger, parseJson } from "../../policy/json.ts";
import { loadPolicy } from "../../policy/load.ts";
import { readPolicyText } from "../../policy/read.ts";
import { resolve } from "../../policy/resolve.ts";
import { buildPrograms } from "../../scripts/build-launcher.ts";
import { repoRoot } from "../launcher/legacy-engine.ts";

const BUN = join(repoRoot, "node_modules", ".bin", "bun");
const CLI = join(repoRoot, "launcher", "cli.ts");
/** A guard against hangs and runaway reads, not a speed measurement (bench/ measures). */
const KILL_MS = 5_000;
let work: string;

beforeAll(() => {
  buildPrograms();
  work = mkdtempSync(join(tmpdir(), "clone3-workaround-input-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const withValue = (literal: string): string =>
  `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":${literal},"op":"SCMP_CMP_EQ"}]}]}`;

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    return (e as Error).message;
  }
  throw new Error("no error");
}

describe("parseJson is strict JSON with exact integers", () => {
  it("agrees with JSON.parse on what is valid JSON", () => {
    const docs = ['{"a":[1,2,{"b":null}],"c":"\\u00e9\\n","d":true}', "[]", '"x"', "0", "-5", '{"a":1,}', "[1 2]", "01",
      "1.", "-", '"\\x"', "tru", '{"a"}', "[1]x", '"a\u0001"', "1e", "\u00a0", "[", '{"__proto__":1}'];
    for (const doc of docs) {
      let valid = true;
      try {
        JSON.parse(doc);
      } catch {
        valid = false;
      }
      const ours = (() => {
        try {
          parseJson(doc, "t");
          return true;
        } catch (e) {
          expect(e).toBeInstanceOf(PolicyError);
          return false;
        }
      })();
      expect(ours, doc).toBe(valid);
    }
    expect(parseJson('{"a":[1,{"b":"c"}]}', "t")).toEqual({ a: [1, { b: "c" }] });
    expect(Object.keys(parseJson('{"__proto__":1}', "t") as object)).toEqual(["__proto__"]);
  });

  it("reads integers exactly and marks every other number", () => {
    expect(parseJson("[5, 123456789012345, 1234567890123456, 18446744073709551615, -7]", "t")).toEqual([
      5, 123456789012345, 1234567890123456n, 18446744073709551615n, -7,
    ]);
    for (const odd of ["1.0", "1e2", "1E+2", "-0", "123456789012345678901"]) {
      expect(parseJson(`[${odd}]`, "t"), odd).toEqual([new NotAnInteger(odd)]);
    }
    expect(message(() => parseJson("[00000000000000005]", "p"))).toBe("p: not valid JSON: a number with a leading zero (line 1, column 2)");
  });

  it("never reads a string as anything but a string", () => {
    for (const tagged of ['"\\u0000u64:abc"', '"\\u0000u64:0x10"', '"\\u0000u64:16"']) {
      expect(message(() => loadPolicy(withValue(tagged), "p"))).toMatch(/^p: syscalls\[0\]\.args\[0\]\.value: expected an unsigned 64-bit integer, got "\\u0000u64:/);
    }
  });

  it("refuses deep nesting without overflowing the stack", () => {
    expect(message(() => parseJson("[".repeat(200_000), "p"))).toMatch(/^p: not valid JSON: nested deeper than 64 levels/);
  });
});

describe("messages", () => {
  const cases: [string, string, RegExp][] = [
    ["a string with the internal tag", withValue('"\\u0000u64:abc"'), /value: expected an unsigned 64-bit integer, got "\\u0000u64:abc"$/],
    ["a leading zero", withValue("00000000000000005"), /not valid JSON: a number with a leading zero/],
    ["a fraction", withValue("1.0"), /value: expected an unsigned 64-bit integer, got 1\.0 \(not an integer/],
    ["an exponent", withValue("1e2"), /got 1e2 \(not an integer/],
    ["-0", withValue("-0"), /got -0 \(not an integer/],
    ["a key with a newline", '{"defaultAction":"SCMP_ACT_ALLOW","a\\nb":1}', /^p: \["a\\nb"\]: unknown field/],
    ["a key of 10,000 characters", `{"defaultAction":"SCMP_ACT_ALLOW","${"k".repeat(10_000)}":1}`, /…\(9940 more\)/],
    ["a string value of 100,000 characters", `{"defaultAction":"${"A".repeat(100_000)}"}`, /unknown action "A{60}"…\(99940 more\)$/],
    ["an integer of 1,000,000 digits", withValue("7".repeat(1_000_000)), /got an integer of 1000000 digits \(at most 20\)$/],
    ["10,000 unknown names", `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":[${Array.from({ length: 10_000 }, (_, i) => `"x${i}"`).join(",")}],"action":"SCMP_ACT_LOG"}]}`, /^unknown syscall names: "x0" \(syscalls\[0\]\.names\[0\]\), "x1" \(syscalls\[0\]\.names\[1\]\), …\(9998 more\)$/],
  ];
  it.each(cases)("%s: one line of at most ~200 characters", (_what, doc, pattern) => {
    const m = message(() => {
      const loaded = loadPolicy(doc, "p");
      if (loaded.kind === "oci") resolve(loaded.oci, "x86_64", { unknownNames: "fail" });
    });
    expect(m).toMatch(pattern);
    expect(m).not.toMatch(/[\n\r]/);
    expect(m.length).toBeLessThanOrEqual(MAX_MESSAGE + 20);
  });
});

describe("readPolicyText", () => {
  it("reads regular files and refuses everything else by name before reading it", () => {
    const file = join(work, "ok.json");
    writeFileSync(file, "{}");
    expect(readPolicyText(file, fs)).toEqual({ text: "{}", source: JSON.stringify(file) });
    const fifo = join(work, "fifo");
    spawnSync("mkfifo", [fifo]);
    expect(message(() => readPolicyText(fifo, fs))).toMatch(/a FIFO, not a regular file/);
    expect(message(() => readPolicyText("/dev/zero", fs))).toMatch(/"\/dev\/zero": a character device, not a regular file/);
    expect(message(() => readPolicyText(work, fs))).toMatch(/a directory, not a regular file/);
    expect(message(() => readPolicyText(join(work, "missing"), fs))).toMatch(/^cannot read ".*missing": ENOENT$/);
    const big = join(work, "big.json");
    writeFileSync(big, Buffer.alloc(16 * 1024 * 1024 + 1, 0x20));
    expect(message(() => readPolicyText(big, fs))).toMatch(/larger than 16 MiB/);
    const long = join(work, "x".repeat(200));
    expect(message(() => readPolicyText(long, fs)).length).toBeLessThan(150);
  });
});

describe("the CLI: one line, exit 125, no hang", () => {
  const cli = (args: string[], stdin?: string): { status: number | null; stderr: string; stdout: string } => {
    const r = spawnSync("/bin/sh", ["-c", `exec "$@"${stdin ? ` < ${stdin}` : ""}`, "sh", BUN, CLI, ...args], {
      encoding: "utf8", cwd: work, timeout: KILL_MS, maxBuffer: 1 << 20,
    });
    return { status: r.status, stderr: r.stderr, stdout: r.stdout };
  };
  const file = (name: string, text: string): string => {
    const path = join(work, name);
    writeFileSync(path, text);
    return path;
  };
  const expectOneLine = (r: ReturnType<typeof cli>, pattern: RegExp): void => {
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^clone3-workaround: [^\n]*\n$/);
    expect(r.stderr.length).toBeLessThanOrEqual(MAX_MESSAGE + 40);
    expect(r.stderr).toMatch(pattern);
    expect(r.status, r.stderr).toBe(125);
  };
  const compile = ["--compile", "--arch", "x86_64", "--policy"];

  it.each([
    ["tag", withValue('"\\u0000u64:abc"'), /expected an unsigned 64-bit integer/],
    ["tag-hex", withValue('"\\u0000u64:0x10"'), /expected an unsigned 64-bit integer/],
    ["leading-zeros", withValue("00000000000000005"), /leading zero/],
    ["fraction", withValue("1.0"), /not an integer/],
    ["exponent", withValue("1e2"), /not an integer/],
    ["minus-zero", withValue("-0"), /not an integer/],
    ["newline-key", '{"defaultAction":"SCMP_ACT_ALLOW","a\\nb":1}', /unknown field/],
    ["ten-million-digits", withValue("7".repeat(10_000_000)), /an integer of 10000000 digits/],
  ])("%s", (name, doc, pattern) => {
    expectOneLine(cli([...compile, file(`${name}.json`, doc)]), pattern);
  });

  it("50 MB of digits: refused by size", () => {
    expectOneLine(cli([...compile, file("fifty.json", withValue("7".repeat(50_000_000)))]), /larger than 16 MiB/);
  });

  it.each([["/dev/zero"], ["/dev/urandom"]])("--policy %s: not a regular file", (dev) => {
    expectOneLine(cli([...compile, dev]), /a character device, not a regular file/);
  });

  it("--policy FIFO without a writer: refused, not waited on", () => {
    const fifo = join(work, "lonely-fifo");
    spawnSync("mkfifo", [fifo]);
    expectOneLine(cli([...compile, fifo]), /a FIFO, not a regular file/);
  });

  it.each([["/dev/zero"], ["/dev/urandom"]])("--policy - < %s: at most 16 MiB read", (dev) => {
    expectOneLine(cli([...compile, "-"], dev), /^clone3-workaround: stdin: larger than 16 MiB/);
  });

  it("--policy - reads a policy from stdin (a FIFO is fine there)", () => {
    const doc = file("stdin.json", '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getpid"],"action":"SCMP_ACT_ERRNO","errnoRet":7}]}');
    const r = spawnSync("/bin/sh", ["-c", 'cat "$1" | "$2" "$3" --simulate --arch x86_64 --policy - getpid', "sh", doc, BUN, CLI], {
      encoding: "utf8", timeout: KILL_MS,
    });
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^ERRNO\(7\) /);
  });

  it("10,000 --hide names", () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `nosuch${i}`).join(",");
    expectOneLine(cli(["--compile", "--arch", "x86_64", "--hide", names]), /cannot hide "nosuch0", "nosuch1", "nosuch2", …\(9997 more\)/);
  });
});

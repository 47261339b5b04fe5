// The commands that print (--help, --compile, --simulate, --doctor, --emit-stub) through
// `bun launcher/cli.ts`, against what the kernel does with their output: a pipe whose reader is
// gone, /dev/full, a device, a regular file.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPrograms } from "../../scripts/build-launcher.ts";
import { repoRoot } from "./legacy-engine.ts";

const BUN = join(repoRoot, "node_modules", ".bin", "bun");
const CLI = join(repoRoot, "launcher", "cli.ts");
let work: string;

beforeAll(() => {
  buildPrograms();
  work = mkdtempSync(join(tmpdir(), "clone3-workaround-commands-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cw = (args: string[], shell?: string): SpawnSyncReturns<string> =>
  shell === undefined
    ? spawnSync(BUN, [CLI, ...args], { encoding: "utf8", cwd: work, timeout: 60_000 })
    : spawnSync("/bin/sh", ["-c", shell, "sh", BUN, CLI, ...args], { encoding: "utf8", cwd: work, timeout: 60_000 });

/** One line on stderr with our prefix, nothing on stdout, and `status`. */
function expectOneLine(r: SpawnSyncReturns<string>, status: number, pattern: RegExp): void {
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^clone3-workaround: [^\n]*\n$/);
  expect(r.stderr).toMatch(pattern);
  expect(r.status, r.stderr).toBe(status);
}

/**
 * Runs the wrapper with stdout a pipe whose read end is already closed, so its first write
 * fails with EPIPE (no race with a reader that may not have exited yet). Prints the status.
 */
const CLOSED_PIPE =
  "import os, subprocess, sys; r, w = os.pipe(); os.close(r); " +
  "p = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE); sys.stdout.write(f'{p.returncode}\\n' + p.stderr.decode())";

describe("writing the output", () => {
  it.each([
    [["--help"]],
    [["--version"]],
    [["--compile", "--arch", "x86_64"]],
    [["--simulate", "--arch", "x86_64", "clone3"]],
    [["--emit-stub", "--arch", "x86_64"]],
  ])("%j into a pipe nobody reads: quietly exits 141, as a SIGPIPE death would", (args) => {
    const r = spawnSync("/usr/bin/python3", ["-c", CLOSED_PIPE, BUN, CLI, ...args], { encoding: "utf8", timeout: 60_000 });
    expect(r.stdout).toBe("141\n");
  });

  it.each([[["--help"]], [["--compile"]], [["--doctor"]], [["--emit-stub", "--arch", "s390x"]]])(
    "%j to a full device: one line naming the errno, 125",
    (args) => {
      expectOneLine(cw(args, '"$@" >/dev/full'), 125, /^clone3-workaround: cannot write to stdout: ENOSPC$/m);
    },
  );

  it("-o a full device or an unwritable path: one line, 125", () => {
    expectOneLine(cw(["--compile", "-o", "/dev/full"]), 125, /^clone3-workaround: cannot write "\/dev\/full": ENOSPC$/m);
    expectOneLine(cw(["--emit-stub", "--arch", "x86_64", "-o", "/dev/full"]), 125, /cannot write "\/dev\/full": ENOSPC$/m);
    expectOneLine(cw(["--compile", "-o", join(work, "no-dir", "x")]), 125, /ENOENT$/m);
  });
});

describe("--emit-stub -o", () => {
  it("makes a regular file it wrote executable (0755), whatever was there", () => {
    const out = join(work, "stub");
    writeFileSync(out, "old", { mode: 0o600 });
    const r = cw(["--emit-stub", "--arch", "x86_64", "-o", out]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(statSync(out).mode & 0o7777).toBe(0o755);
    // The same bytes as on stdout, and the kernel runs it.
    expect(readFileSync(out)).toEqual(Buffer.from(cw(["--emit-stub", "--arch", "x86_64"], '"$@" | od -An -v -tx1').stdout.replace(/\s+/g, ""), "hex"));
    expect(spawnSync(out, ["sh", "-c", "exit 3"]).status).toBe(3);
  });

  it("leaves the mode of a device alone (/dev/null, /dev/stdout on a pipe)", () => {
    const before = statSync("/dev/null").mode;
    expect(cw(["--emit-stub", "--arch", "x86_64", "-o", "/dev/null"]).status).toBe(0);
    expect(statSync("/dev/null").mode).toBe(before);
    // /dev/stdout here is a pipe, which the kernel makes 0600; read after EOF, when the wrapper is done.
    const r = cw(["--emit-stub", "--arch", "x86_64", "-o", "/dev/stdout"], '"$@" | { wc -c; stat -L -c %a /dev/stdin; }');
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^[1-9]\d*\n600\n$/);
  });
});

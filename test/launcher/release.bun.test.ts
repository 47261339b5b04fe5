// The release build path: an arm64 launcher cross-built offline from the @oven/bun-linux-aarch64
// npm package, exercised under qemu-user (which refuses seccomp, so `always` must fail cleanly;
// seccomp on arm64 itself is the QEMU system harness's job), and SHA256SUMS against sha256sum(1).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTarget, sha256sums, TARGETS } from "../../scripts/release.ts";
import { repoRoot } from "./legacy-engine.ts";

const SYSROOT = "/usr/aarch64-linux-gnu";
const BUN = join(repoRoot, "node_modules", ".bin", "bun");
let work: string;
let arm64: string;

beforeAll(() => {
  if (!existsSync(join(SYSROOT, "lib", "ld-linux-aarch64.so.1"))) {
    throw new Error(`no arm64 glibc at ${SYSROOT}: apt-get install libc6-arm64-cross`);
  }
  work = mkdtempSync(join(tmpdir(), "clone3-workaround-release-"));
  arm64 = buildTarget(TARGETS.find((t) => t.name === "linux-arm64")!, work);
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const qemu = (args: string[]) =>
  spawnSync("qemu-aarch64", ["-L", SYSROOT, arm64, ...args], { encoding: "utf8", cwd: work, timeout: 120_000 });
const host = (args: string[]) => spawnSync(BUN, [join(repoRoot, "launcher", "cli.ts"), ...args], { encoding: "utf8", cwd: work });

describe("linux-arm64 launcher under qemu-aarch64", () => {
  it("is an aarch64 executable", () => {
    expect(spawnSync("file", ["-b", arm64], { encoding: "utf8" }).stdout).toMatch(/ARM aarch64/);
  });

  it("prints --version and --help", () => {
    const v = qemu(["--version"]);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toBe(host(["--version"]).stdout);
    expect(qemu(["--help"]).stdout).toMatch(/^Usage:/);
  });

  it("compiles and simulates exactly like the host launcher (WebAssembly on arm64)", () => {
    for (const arch of ["aarch64", "x86_64", "s390x"]) {
      const args = ["--compile", "--arch", arch, "--format", "hex", "--hide", "clone3,openat2"];
      const r = qemu(args);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe(host(args).stdout);
    }
    const sim = ["--simulate", "--arch", "aarch64", "--abi", "arm", "clone3"];
    expect(qemu(sim).stdout).toBe(host(sim).stdout);
  });

  it("execs the command with execvp semantics, and keeps the exit codes", () => {
    const r = qemu(["--mode", "never", "sh", "-c", 'echo "ran $0 $1"; exit 3', "zero", "one"]);
    expect(r.stdout).toBe("ran zero one\n");
    expect(r.status).toBe(3);
    expect(qemu(["clone3-workaround-no-such-command"]).status).toBe(127);
    expect(qemu([work]).status).toBe(126);
    expect(qemu([]).status).toBe(125);
  });

  it("fails `always` with one line where seccomp is refused (qemu-user)", () => {
    const r = qemu(["--mode", "always", "true"]);
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/^clone3-workaround: cannot install the filter: [^\n]+\n$/);
  });
});

describe("SHA256SUMS", () => {
  it("is what sha256sum -c accepts", () => {
    const a = join(work, "a");
    const b = join(work, "b b");
    writeFileSync(a, "hello\n");
    writeFileSync(b, new Uint8Array([0, 1, 2, 255]));
    writeFileSync(join(work, "SHA256SUMS"), sha256sums([a, b]));
    const check = spawnSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: work, encoding: "utf8" });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toBe("a: OK\nb b: OK\n");
    writeFileSync(b, "changed");
    expect(spawnSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: work }).status).not.toBe(0);
  });
});

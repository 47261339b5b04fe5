// --fix-profile, --check-profile and the --policy warning through `bun launcher/cli.ts`: exit
// statuses, one-line messages, and bytes against moby's own v20.10.10 (the fix moby shipped).
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPrograms } from "../../scripts/build-launcher.ts";
import { mobyProfilePath } from "../fixtures/index.ts";
import { repoRoot } from "./legacy-engine.ts";

const BUN = join(repoRoot, "node_modules", ".bin", "bun");
const CLI = join(repoRoot, "launcher", "cli.ts");
const V9 = mobyProfilePath("v20.10.9");
const V10 = mobyProfilePath("v20.10.10");
let work: string;

beforeAll(() => {
  buildPrograms();
  work = mkdtempSync(join(tmpdir(), "clone3-workaround-profile-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cw = (...args: string[]): SpawnSyncReturns<string> => spawnSync(BUN, [CLI, ...args], { encoding: "utf8", cwd: work, timeout: 60_000 });

function expectOneLine(r: SpawnSyncReturns<string>, status: number, pattern: RegExp): void {
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^clone3-workaround: [^\n]*\n$/);
  expect(r.stderr).toMatch(pattern);
  expect(r.status, r.stderr).toBe(status);
}

describe("--fix-profile", () => {
  it("writes moby v20.10.10 from v20.10.9 on stdout, exit 0, one line saying what it fixed", () => {
    const r = cw("--fix-profile", V9);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(readFileSync(V10, "utf8"));
    expect(r.stderr).toMatch(/^clone3-workaround: "[^"]+": clone3: ENOSYS instead of the default action's EPERM\n$/);
  });
  it("writes to -o", () => {
    const out = join(work, "fixed.json");
    const r = cw("--fix-profile", V9, "-o", out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    expect(readFileSync(out, "utf8")).toBe(readFileSync(V10, "utf8"));
  });
  it("exits 1 with one line when there is nothing to fix, and writes nothing", () => {
    const out = join(work, "none.json");
    expectOneLine(cw("--fix-profile", V10, "-o", out), 1, /nothing to fix \(clone3: syscalls\[\d+\] answers it with ENOSYS\)$/m);
    expect(() => readFileSync(out)).toThrow();
  });
  it("exits 125 with one line for bad input", () => {
    writeFileSync(join(work, "bad.json"), "{");
    expectOneLine(cw("--fix-profile", "missing.json"), 125, /^clone3-workaround: cannot read "missing.json": ENOENT$/m);
    expectOneLine(cw("--fix-profile", "bad.json"), 125, /^clone3-workaround: "bad.json": not valid JSON/m);
    expectOneLine(cw("--fix-profile", V9, "--hide", "clone4"), 125, /no such syscall "clone4"/);
    expectOneLine(cw("--fix-profile", V9, "--hide", "auto"), 125, /--hide auto probes the running engine/);
  });
});

describe("--check-profile", () => {
  it("lists clone3 -> EPERM with its consequence on every arch of v20.10.9, exit 1", () => {
    const r = cw("--check-profile", V9);
    expect(r.status, r.stderr).toBe(1);
    for (const arch of ["x86_64", "aarch64", "ppc64le", "s390x"]) {
      expect(r.stdout).toMatch(new RegExp(`^${arch}: clone3 -> EPERM( \\(ABIs: [^)]+\\))?: glibc >= 2.34 threads and posix_spawn fail$`, "m"));
    }
    expect(r.stdout).toContain("ppc64le: clone3 -> EPERM: glibc >= 2.34 threads and posix_spawn fail\n");
  });
  it("no longer lists clone3 once the profile is fixed", () => {
    const fixed = join(work, "fixed-check.json");
    expect(cw("--fix-profile", V9, "-o", fixed).status).toBe(0);
    expect(cw("--check-profile", fixed).stdout).not.toMatch(/clone3/);
  });
  it("exits 0 with one line when nothing answers EPERM", () => {
    writeFileSync(join(work, "allow.json"), JSON.stringify({ defaultAction: "SCMP_ACT_ALLOW" }));
    const r = cw("--check-profile", "allow.json");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^allow.json: no glibc-sensitive syscall \([a-z0-9_, ]+\) answers EPERM on x86_64, aarch64, ppc64le, s390x, arm\n$/);
  });
});

describe("--doctor --policy", () => {
  it("adds --check-profile's lines for the policy on this arch", () => {
    const r = cw("--doctor", "--policy", V9);
    expect(r.stdout).toMatch(/^the policy on (x86_64|aarch64|ppc64le|s390x): \d+ answer\(s\) EPERM$/m);
    expect(r.stdout).toMatch(/^  (x86_64|aarch64|ppc64le|s390x): clone3 -> EPERM( \(ABIs: [^)]+\))?: glibc >= 2.34 threads and posix_spawn fail$/m);
    expect(cw("--doctor", "--policy", V10).stdout).not.toMatch(/clone3 -> EPERM/);
  });
});

describe("--policy warning", () => {
  it("warns once when the policy answers clone3 with EPERM (it would win over the bootstrap's ENOSYS)", () => {
    const r = cw("--mode", "always", "--policy", V9, "/bin/true");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^clone3-workaround: warning: the policy "[^"]+" answers clone3 with EPERM, which wins over the wrapper's ENOSYS: glibc >= 2.34 threads will fail \(clone3-workaround --fix-profile fixes the policy\)\n$/);
  });
  it("says nothing for a policy that answers ENOSYS", () => {
    const r = cw("--mode", "always", "--policy", V10, "/bin/true");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
  });
});

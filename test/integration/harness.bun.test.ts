// The harness's own logic, without a VM: console parsing, judging, reproducible archives and
// the runc config. (That the harness turns red on a broken engine or wrapper is shown with real
// VMs by `run.ts --self-test`.)
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dockerConfig } from "./engine/bundle.ts";
import { concatArchives, packDir } from "./image/cpio.ts";
import { judge, parseConsole } from "./markers.ts";
import { SCENARIOS, type Scenario, kernelFits } from "./scenarios.ts";

const lines = (...texts: string[]) => texts.map((text, i) => ({ at: 1000 * i, text }));

describe("parseConsole", () => {
  it("finds markers after serial escape codes and times each scenario", () => {
    const run = parseConsole(lines(
      "\x1bc\x1b[?7l\x1b[2JC3W:BOOT x86_64 6.12.107+deb13-amd64\r",
      "C3W:BEGIN baseline-v9",
      "C3W:CHECK clone3 EPERM ",
      "runc: some noise",
      "C3W:CHECK threads fail can't start new thread",
      "C3W:END baseline-v9 0",
      "C3W:DONE\r",
    ));
    expect(run.done).toBe(true);
    expect(run.boot).toBe("x86_64 6.12.107+deb13-amd64");
    const s = run.scenarios.get("baseline-v9")!;
    expect(s.checks.get("clone3")).toEqual({ result: "EPERM", detail: "" });
    expect(s.checks.get("threads")).toEqual({ result: "fail", detail: "can't start new thread" });
    expect(s.output).toEqual(["runc: some noise"]);
    expect(s.seconds).toBe(4);
    expect(s.rc).toBe(0);
  });

  it("reports a guest that stopped early as not done", () => {
    const run = parseConsole(lines("C3W:BEGIN x", "Kernel panic - not syncing"));
    expect(run.done).toBe(false);
    expect(run.scenarios.get("x")!.rc).toBeNull();
  });
});

describe("judge", () => {
  const scenario: Scenario = { name: "s", profile: "unconfined", args: () => [], expect: { clone3: "ENOSYS", xz: /^ok$/ } };
  const run = (checks: Record<string, string>) =>
    parseConsole(lines("C3W:BEGIN s", ...Object.entries(checks).map(([k, v]) => `C3W:CHECK ${k} ${v}`), "C3W:END s 0")).scenarios.get("s");

  it("passes when every check matches", () => {
    expect(judge(scenario, run({ clone3: "ENOSYS", xz: "ok" }), false).pass).toBe(true);
  });
  it("names each mismatch and each missing check", () => {
    const v = judge(scenario, run({ clone3: "EPERM" }), false);
    expect(v.pass).toBe(false);
    expect(v.problems).toEqual(["clone3: want ENOSYS, got EPERM", "xz: no result"]);
  });
  it("lets a foreign rootfs skip a tool it lacks, and only a foreign rootfs", () => {
    const r = run({ clone3: "skip no-python3", xz: "ok" });
    expect(judge(scenario, r, true)).toEqual({ pass: true, problems: [], skipped: ["clone3 (no-python3)"] });
    expect(judge(scenario, r, false).pass).toBe(false);
  });
  it("checks the container's exit status and output lines when the scenario names them", () => {
    // The shape of doctor-v9: no probe checks, an exit status and --doctor's report.
    const doctor: Scenario = { name: "d", profile: "unconfined", args: () => [], expect: {}, exit: 1, output: [/^\s*clone3\s+EPERM$/] };
    const ended = (rc: number, ...out: string[]) => parseConsole(lines("C3W:BEGIN d", ...out, `C3W:END d ${rc}`)).scenarios.get("d");
    expect(judge(doctor, ended(1, "kernel: Linux 6.12", "  clone3        EPERM\r"), false)).toEqual({ pass: true, problems: [], skipped: [] });
    expect(judge(doctor, ended(0, "  clone3        ENOSYS"), false).problems).toEqual([
      "exit status: want 1, got 0",
      "output: want a line matching /^\\s*clone3\\s+EPERM$/, got none",
    ]);
  });
  it("fails a scenario that never ended", () => {
    const r = parseConsole(lines("C3W:BEGIN s", "C3W:CHECK clone3 ENOSYS")).scenarios.get("s");
    expect(judge(scenario, r, false).problems).toEqual(["never finished"]);
  });
});

describe("scenarios", () => {
  // Every expectation must name a check the guest probes really print.
  const probes = ["probe.sh", "probe.py", "probe-time64.py"].map((f) => readFileSync(join(import.meta.dirname, "guest", f), "utf8")).join("\n");
  const printed = new Set([...probes.matchAll(/check[ (]"?([a-z0-9_]+)"?/g)].map((m) => m[1]!));
  // probe.sh's arm group reruns probe.py under the armhf python3 and suffixes its checks.
  const python = readFileSync(join(import.meta.dirname, "guest", "probe.py"), "utf8");
  for (const m of python.matchAll(/check\("([a-z0-9_]+)"/g)) printed.add(`${m[1]}_arm`);
  // ... and its time64 group runs sleep, date and probe-time64.py there, suffixed the same way.
  const time64 = readFileSync(join(import.meta.dirname, "guest", "probe-time64.py"), "utf8");
  // Its raw calls print through raw("name", ...).
  for (const m of time64.matchAll(/raw\("([a-z0-9_]+)"/g)) printed.add(m[1]!);
  for (const name of ["sleep", "date", ...[...time64.matchAll(/(?:check|raw)\("([a-z0-9_]+)"/g)].map((m) => m[1]!)]) printed.add(`${name}_arm`);
  for (const s of SCENARIOS) {
    it(`${s.name} expects only checks the probes print`, () => {
      expect(Object.keys(s.expect).filter((k) => !printed.has(k))).toEqual([]);
    });
  }
});

describe("kernelFits", () => {
  const ia32Off = SCENARIOS.find((s) => s.kernelArgs === "ia32_emulation=0")!;
  it("keeps a scenario off kernels older than its minKernel, whose releases read as Debian names them", () => {
    expect(["6.1.0-50-amd64", "5.10.0-32-amd64", "6.6.9"].map((r) => kernelFits(ia32Off, r))).toEqual([false, false, false]);
    expect(["6.7.0", "6.12.117+deb13-amd64", "7.2.13-amd64"].map((r) => kernelFits(ia32Off, r))).toEqual([true, true, true]);
    expect(kernelFits(SCENARIOS.find((s) => !s.minKernel)!, "3.2.0")).toBe(true);
  });
});

describe("archives", () => {
  const dir = mkdtempSync(join(tmpdir(), "c3w-harness-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("packs the same tree to the same bytes whatever the mtimes, with sorted names", () => {
    const tree = join(dir, "tree");
    mkdirSync(join(tree, "b"), { recursive: true });
    writeFileSync(join(tree, "b", "x"), "x");
    writeFileSync(join(tree, "a"), "a");
    packDir(tree, join(dir, "one.cpio"));
    const now = new Date();
    utimesSync(join(tree, "a"), now, now);
    packDir(tree, join(dir, "two.cpio"));
    expect(readFileSync(join(dir, "one.cpio")).equals(readFileSync(join(dir, "two.cpio")))).toBe(true);
    const names = execFileSync("cpio", ["-it", "--quiet"], { input: readFileSync(join(dir, "one.cpio")) }).toString();
    expect(names.trim().split("\n")).toEqual(["a", "b", "b/x"]);
  });

  it("starts every concatenated archive at a 4-byte boundary, padded with zeros", () => {
    writeFileSync(join(dir, "p1"), "abc");
    writeFileSync(join(dir, "p2"), "defgh");
    concatArchives([join(dir, "p1"), join(dir, "p2")], join(dir, "all"));
    expect(readFileSync(join(dir, "all"))).toEqual(Buffer.from("abc\0defgh\0\0\0"));
  });
});

describe("dockerConfig", () => {
  it("splices the seccomp JSON as text, so u64 literals stay exact", () => {
    const seccomp = '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["x"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":18446744073709551615,"op":"SCMP_CMP_EQ"}]}]}';
    const text = dockerConfig({ args: ["/bin/sh"], caps: ["CAP_KILL"], seccomp, rootPath: "/r", guestUsr: false });
    expect(text).toContain("18446744073709551615");
    const config = JSON.parse(text);
    expect(config.process.noNewPrivileges).toBe(false);
    expect(config.process.terminal).toBe(false);
    expect(config.linux.seccomp.defaultAction).toBe("SCMP_ACT_ERRNO");
  });
  it("leaves seccomp out when unconfined", () => {
    const config = JSON.parse(dockerConfig({ args: ["/bin/sh"], caps: [], rootPath: "/r", guestUsr: true }));
    expect(config.linux.seccomp).toBeUndefined();
    expect(config.mounts.some((m: { destination: string }) => m.destination === "/usr")).toBe(true);
  });
});

// The x86_64 stub run natively on this host (kernel 6.x, glibc >= 2.34) under emulated legacy
// engines: hand-assembled seccomp programs installed by test/helpers/seccomp-run, and moby's
// v20.10.9/v20.10.10 profiles. Behaviour is judged by what the kernel reports for the command
// (/proc/self/status, thread creation) and against glibc's own execvp(3) via strace.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { helper } from "../helpers/native.ts";
import { legacyEngineBpf } from "../launcher/legacy-engine.ts";
import { engineBpf, maximalProgram, removeScratch, scratch, stubFile, threadsBinary } from "../stub/stubs.ts";

afterAll(removeScratch);

/** A private copy of moby's engine program: the shared cache file is rewritten by other tests. */
function mobyEngine(version: "v20.10.9" | "v20.10.10"): string {
  const copy = join(scratch(), `moby-${version}.bpf`);
  copyFileSync(legacyEngineBpf(version), copy);
  return copy;
}

const EPERM = 1, ENOSYS = 38;
const nr = (abi: string, name: string): number =>
  Number(execFileSync("scmp_sys_resolver", ["-a", abi, name], { encoding: "utf8" }).trim());
const CLONE3 = nr("x86_64", "clone3"), CLONE3_I386 = nr("x86", "clone3");
const SECCOMP = nr("x86_64", "seccomp"), PRCTL = nr("x86_64", "prctl");

let stub: string, seccompRun: string;
const engines: Record<string, string> = {};
const PY_THREAD = "import threading; t = threading.Thread(target=lambda: None); t.start(); t.join(); print('thread ok')";
const PY_SPAWN = "import os; pid = os.posix_spawn('/bin/true', ['true'], {}); print('spawn', os.waitpid(pid, 0)[1])";
const STATUS = "grep -E '^(NoNewPrivs|Seccomp_filters)' /proc/self/status";

beforeAll(() => {
  stub = stubFile("x86_64");
  seccompRun = helper("seccomp-run");
  engines.eperm = engineBpf("eperm", { x86_64: [[CLONE3, EPERM]], i386: [[CLONE3_I386, EPERM]] });
  engines.enosys = engineBpf("enosys", { x86_64: [[CLONE3, ENOSYS]], i386: [[CLONE3_I386, ENOSYS]] });
  engines.noSeccompSyscall = engineBpf("no-seccomp", { x86_64: [[CLONE3, EPERM], [SECCOMP, ENOSYS]], i386: [] });
  engines.refuses = engineBpf("refuses", { x86_64: [[CLONE3, EPERM], [SECCOMP, EPERM]], i386: [] });
  engines.refusesBoth = engineBpf("refuses-both", { x86_64: [[CLONE3, EPERM], [SECCOMP, ENOSYS], [PRCTL, EPERM]], i386: [] });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs argv under the engine's program (none when engine is undefined) with env `env`. */
function run(engine: string | undefined, argv: string[], env: Record<string, string> = {}): Run {
  const pre = engine === undefined ? [] : [seccompRun, "--bpf", engine, "--"];
  const all = [...pre, ...argv];
  const r = spawnSync(all[0]!, all.slice(1), { encoding: "utf8", env: { PATH: process.env.PATH!, ...env }, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function status(out: string): { nnp: number; filters: number } {
  const get = (k: string) => Number(new RegExp(`^${k}:\\s*(\\d+)`, "m").exec(out)![1]);
  return { nnp: get("NoNewPrivs"), filters: get("Seccomp_filters") };
}

describe("the x86_64 stub under a clone3 -> EPERM engine", () => {
  it("the emulated engine really breaks threads and posix_spawn without the stub", () => {
    expect(run(engines.eperm, ["python3", "-c", PY_THREAD]).status).not.toBe(0);
    expect(run(engines.eperm, ["python3", "-c", PY_SPAWN]).status).not.toBe(0);
  });

  it("python3 threading and posix_spawn work under the stub, silently", () => {
    const t = run(engines.eperm, [stub, "python3", "-c", PY_THREAD]);
    expect(t).toEqual({ status: 0, stdout: "thread ok\n", stderr: "" });
    const s = run(engines.eperm, [stub, "python3", "-c", PY_SPAWN]);
    expect(s).toEqual({ status: 0, stdout: "spawn 0\n", stderr: "" });
  });

  it("auto installs one filter, without NO_NEW_PRIVS when it has CAP_SYS_ADMIN", () => {
    const r = run(engines.eperm, [stub, "sh", "-c", STATUS]);
    expect(r.status).toBe(0);
    expect(status(r.stdout)).toEqual({ nnp: 0, filters: 2 });
  });

  it("without CAP_SYS_ADMIN it sets NO_NEW_PRIVS and retries", () => {
    const drop = ["setpriv", "--bounding-set", "-sys_admin", "--inh-caps", "-sys_admin", "--"];
    const check = run(engines.eperm, [...drop, "sh", "-c", "grep ^CapEff /proc/self/status"]);
    expect(BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(check.stdout)![1]}`) & (1n << 21n)).toBe(0n); // really dropped
    const r = run(engines.eperm, [...drop, stub, "sh", "-c", `${STATUS}; python3 -c "${PY_THREAD}"`]);
    expect(r.status).toBe(0);
    expect(status(r.stdout)).toEqual({ nnp: 1, filters: 2 });
    expect(r.stdout).toContain("thread ok");
  });

  it("installs a filter of the maximal 4096 instructions", () => {
    const big = stubFile("x86_64", "stub-maximal", { program: maximalProgram("x86_64") });
    const r = run(engines.eperm, [big, "sh", "-c", `${STATUS}; python3 -c "${PY_THREAD}"`]);
    expect(r.status).toBe(0);
    expect(status(r.stdout)).toEqual({ nnp: 0, filters: 2 });
    expect(r.stdout).toContain("thread ok");
  });

  it("falls back to prctl(PR_SET_SECCOMP) where seccomp(2) is ENOSYS", () => {
    const r = run(engines.noSeccompSyscall, [stub, "sh", "-c", `${STATUS}; python3 -c "${PY_THREAD}"`]);
    expect(r.status).toBe(0);
    expect(status(r.stdout)).toEqual({ nnp: 0, filters: 2 });
    expect(r.stdout).toContain("thread ok");
  });

  // refuses: seccomp(2) EPERM (the launcher's no-seccomp.json); refusesBoth: seccomp(2) ENOSYS,
  // then prctl(PR_SET_SECCOMP) EPERM. Either way no filter can be installed.
  it.each([["refuses"], ["refusesBoth"]])("auto warns once and runs the command anyway when the engine %s the filter", (engine) => {
    const r = run(engines[engine], [stub, "sh", "-c", `${STATUS}; echo ran; exit 4`]);
    expect(r.status).toBe(4);
    expect(r.stderr).toBe("clone3-workaround: warning: cannot install the filter; running the command without it\n");
    expect(status(r.stdout)).toEqual({ nnp: 0, filters: 1 }); // the engine's filter only
    expect(r.stdout).toMatch(/\nran\n$/);
    // The same when auto is asked for by name rather than by default.
    const named = run(engines[engine], [stub, "sh", "-c", "exit 4"], { CLONE3_WORKAROUND_MODE: "auto" });
    expect(named).toEqual({ status: 4, stdout: "", stderr: r.stderr });
  });

  it.each([["refuses"], ["refusesBoth"]])("always exits 125 with one line when the engine %s the filter", (engine) => {
    const r = run(engines[engine], [stub, "sh", "-c", "echo ran"], { CLONE3_WORKAROUND_MODE: "always" });
    expect(r).toEqual({ status: 125, stdout: "", stderr: "clone3-workaround: cannot install the filter\n" });
  });

  it("a command that cannot be run after the warning fails as it would have without the stub", () => {
    const r = run(engines.refuses, [stub, "clone3-workaround-no-such-command"]);
    expect(r).toEqual({
      status: 127,
      stdout: "",
      stderr:
        "clone3-workaround: warning: cannot install the filter; running the command without it\n" +
        "clone3-workaround: clone3-workaround-no-such-command: No such file or directory\n",
    });
  });

  it("the refusing engines really refuse: seccomp-run's own install under them fails", () => {
    // seccomp-run installs with seccomp(2) (or prctl with --prctl); both are refused as emulated.
    const nested = (engine: string, flags: string[]) => run(engine, [seccompRun, ...flags, "--bpf", engines.eperm, "--", "true"]).status;
    expect(nested(engines.refuses, [])).toBe(125);
    expect(nested(engines.refusesBoth, ["--prctl"])).toBe(125);
    expect(nested(engines.eperm, [])).toBe(0);
  });

  it("never just execs: no filter, threads still broken", () => {
    const env = { CLONE3_WORKAROUND_MODE: "never" };
    expect(status(run(engines.eperm, [stub, "sh", "-c", STATUS], env).stdout)).toEqual({ nnp: 0, filters: 1 });
    expect(run(engines.eperm, [stub, "python3", "-c", PY_THREAD], env).status).not.toBe(0);
  });

  it("serves an i386 program (gcc -m32) with ENOSYS instead of EPERM", () => {
    const threads32 = threadsBinary(["-m32"]);
    expect(run(engines.eperm, [threads32]).status).not.toBe(0);
    expect(run(engines.eperm, [stub, threads32])).toEqual({ status: 0, stdout: "thread ok\n", stderr: "" });
    const probe32 = helper("syscall-probe", ["-m32"]);
    const r = run(engines.eperm, [stub, probe32, `${CLONE3_I386},0,0`]);
    expect(r.stdout.trim().split(/\s+/).slice(-1)[0]).toBe(String(ENOSYS));
  });
});

describe("auto-mode probes chosen at emit time", () => {
  const FACCESSAT2 = nr("x86_64", "faccessat2"), PSELECT6 = nr("x86_64", "pselect6");
  const faccessat2Probe = { nr: FACCESSAT2, args: [-1, 0, -1, -1] }; // mode & ~S_IRWXO: EINVAL when allowed

  it("installs when any probed syscall answers EPERM, and only then", () => {
    const engine = engineBpf("faccessat2-eperm", { x86_64: [[FACCESSAT2, EPERM]], i386: [] });
    const both = stubFile("x86_64", "stub-probes", { probes: [{ nr: CLONE3, args: [0, 0] }, faccessat2Probe] });
    expect(status(run(engine, [both, "sh", "-c", STATUS]).stdout)).toEqual({ nnp: 0, filters: 2 });
    expect(status(run(engine, [stub, "sh", "-c", STATUS]).stdout)).toEqual({ nnp: 0, filters: 1 });
  });

  it("passes all six arguments in the syscall registers (strace)", () => {
    const probing = stubFile("x86_64", "stub-six", { probes: [{ nr: PSELECT6, args: [-1, 0x11, 0x22, 0x33, 0x44, 0x55] }] });
    const r = spawnSync("strace", ["-e", "trace=pselect6", probing, "/bin/true"], { encoding: "utf8" });
    expect(r.stderr).toMatch(/^pselect6\(-1, 0x11, 0x22, 0x33, 0x44, 0x55\) = -1 /m);
  });
});

describe("the x86_64 stub where clone3 is not EPERM", () => {
  it("auto under a clone3 -> ENOSYS engine installs nothing", () => {
    const r = run(engines.enosys, [stub, "sh", "-c", STATUS]);
    expect(r.status).toBe(0);
    expect(status(r.stdout)).toEqual({ nnp: 0, filters: 1 });
  });

  it("auto with no engine at all installs nothing; always installs anyway", () => {
    expect(status(run(undefined, [stub, "sh", "-c", STATUS]).stdout)).toEqual({ nnp: 0, filters: 0 });
    const always = run(undefined, [stub, "sh", "-c", STATUS], { CLONE3_WORKAROUND_MODE: "always" });
    expect(status(always.stdout)).toEqual({ nnp: 0, filters: 1 });
    const threads = run(undefined, [stub, threadsBinary()], { CLONE3_WORKAROUND_MODE: "always" });
    expect(threads).toEqual({ status: 0, stdout: "thread ok\n", stderr: "" });
  });
});

describe("the x86_64 stub under moby's profiles (test/launcher/legacy-engine.ts)", () => {
  it("v20.10.9 (clone3 EPERM): python3 threading fails bare and works under the stub", () => {
    const engine = mobyEngine("v20.10.9");
    expect(run(engine, ["python3", "-c", PY_THREAD]).status).not.toBe(0);
    expect(run(engine, [stub, "python3", "-c", PY_THREAD])).toEqual({ status: 0, stdout: "thread ok\n", stderr: "" });
    expect(run(engine, [stub, "python3", "-c", PY_SPAWN])).toEqual({ status: 0, stdout: "spawn 0\n", stderr: "" });
  });

  it("v20.10.10 (clone3 ENOSYS): auto installs nothing", () => {
    const r = run(mobyEngine("v20.10.10"), [stub, "sh", "-c", STATUS]);
    expect(r.status).toBe(0);
    expect(status(r.stdout)).toEqual({ nnp: 0, filters: 1 });
  });
});

describe("exit codes and messages", () => {
  let dir: string;
  beforeAll(() => {
    dir = join(scratch(), "exit");
    mkdirSync(join(dir, "subdir"), { recursive: true });
    writeFileSync(join(dir, "plain"), "not executable\n");
    symlinkSync("loop", join(dir, "loop")); // execve: ELOOP
    writeFileSync(join(dir, "script"), 'echo "script $0 $*"\n'); // no #!: ENOEXEC -> /bin/sh
    chmodSync(join(dir, "script"), 0o755);
  });

  it.each([
    [[], {}, 125, "clone3-workaround: usage: clone3-workaround [--] COMMAND [ARGS...]\n"],
    [["--"], {}, 125, "clone3-workaround: usage: clone3-workaround [--] COMMAND [ARGS...]\n"],
    [["clone3-workaround-no-such-command"], {}, 127, "clone3-workaround: clone3-workaround-no-such-command: No such file or directory\n"],
    [["/nonexistent/cmd"], {}, 127, "clone3-workaround: /nonexistent/cmd: No such file or directory\n"],
    [[""], {}, 127, "clone3-workaround: '': No such file or directory\n"],
    [["--", ""], {}, 127, "clone3-workaround: '': No such file or directory\n"],
    [["PLAIN"], {}, 126, "clone3-workaround: PLAIN: Permission denied\n"],
    [["SUBDIR"], {}, 126, "clone3-workaround: SUBDIR: Permission denied\n"],
    [["LOOP"], {}, 126, "clone3-workaround: LOOP: cannot execute\n"],
    [["PLAIN/x"], {}, 126, "clone3-workaround: PLAIN/x: Not a directory\n"],
    ...["sometimes", "aut", "autox", "always ", "neve", "neverr", "AUTO"].map((mode) => [
      ["true"], { CLONE3_WORKAROUND_MODE: mode }, 125, "clone3-workaround: CLONE3_WORKAROUND_MODE must be auto, always or never\n",
    ]),
  ] as [string[], Record<string, string>, number, string][])("%j %j exits %i", (args, env, code, message) => {
    const path = (s: string) => s.replace("PLAIN", join(dir, "plain")).replace("SUBDIR", join(dir, "subdir")).replace("LOOP", join(dir, "loop"));
    const argv = args.map(path);
    const msg = path(message);
    expect(run(undefined, [stub, ...argv], env)).toEqual({ status: code, stdout: "", stderr: msg });
  });

  // env(1) execs with execvp(3) and reports with strerror(3): an independent reference for the
  // status and the words (the stub knows only these errnos' words; ELOOP and the rest are "cannot execute").
  it.each([["clone3-workaround-no-such-command"], ["/nonexistent/cmd"], [""], ["PLAIN"], ["SUBDIR"], ["PLAIN/x"]])(
    "%j fails with env(1)'s status and strerror words",
    (arg) => {
      const cmd = arg.replace("PLAIN", join(dir, "plain")).replace("SUBDIR", join(dir, "subdir"));
      const words = (stderr: string) => stderr.slice(stderr.lastIndexOf(": ") + 2);
      const ref = run(undefined, ["env", cmd], { LC_ALL: "C" });
      const ours = run(undefined, [stub, cmd], { LC_ALL: "C" });
      expect(ref.status).toBeGreaterThan(125);
      expect({ status: ours.status, words: words(ours.stderr) }).toEqual({ status: ref.status, words: words(ref.stderr) });
      expect(ours.stderr).toBe(`clone3-workaround: ${cmd || "''"}: ${words(ref.stderr)}`);
    },
  );

  it("a file found in PATH but not executable is 126, as with execvp", () => {
    const r = run(undefined, [stub, "plain"], { PATH: dir });
    expect(r).toEqual({ status: 126, stdout: "", stderr: "clone3-workaround: plain: Permission denied\n" });
  });

  it.each([["auto"], ["always"], ["never"], [""]])("accepts CLONE3_WORKAROUND_MODE=%j", (mode) => {
    expect(run(undefined, [stub, "true"], { CLONE3_WORKAROUND_MODE: mode })).toEqual({ status: 0, stdout: "", stderr: "" });
  });

  it("passes the command's own status through", () => {
    expect(run(undefined, [stub, "sh", "-c", "exit 42"]).status).toBe(42);
  });

  it("runs a script without #! through /bin/sh with its path, like execvp (ENOEXEC)", () => {
    expect(run(undefined, [stub, join(dir, "script"), "a", "b"]).stdout).toBe(`script ${join(dir, "script")} a b\n`);
    expect(run(undefined, [stub, "script", "x"], { PATH: `/nonexistent:${dir}` }).stdout).toBe(`script ${dir}/script x\n`);
  });

  it("keeps argv[0] as typed and passes envp through unchanged", () => {
    const cmdline = run(undefined, [stub, "--", "cat", "/proc/self/cmdline"]).stdout;
    expect(cmdline.split("\0")).toEqual(["cat", "/proc/self/cmdline", ""]);
    const env = spawnSync("env", ["-i", "A=1", "PATH=/usr/bin:/bin", "B=two words", stub, "env"], { encoding: "utf8" });
    expect(env.stdout).toBe("A=1\nPATH=/usr/bin:/bin\nB=two words\n");
  });
});

describe("PATH search matches glibc's execvp(3), execve by execve (strace)", () => {

  /** The execve targets tried for `command`, run by `runner` with PATH=`path` (unset if undefined). */
  function tries(runner: string[], command: string, path: string | undefined): string[] {
    const env = path === undefined ? [] : [`PATH=${path}`];
    const r = spawnSync("strace", ["-f", "-qq", "-e", "trace=execve", "-e", "signal=none", "env", "-i", ...env, ...runner, command], {
      encoding: "utf8",
    });
    return r.stderr
      .split("\n")
      .filter((l) => l.includes("execve(") && !l.includes('"/usr/bin/env"') && !l.includes(`"${runner[0]}"`))
      .map((l) => JSON.parse(/execve\(("(?:[^"\\]|\\.)*")/.exec(l)![1]!) as string);
  }

  let dirs: string;
  beforeAll(() => {
    dirs = join(scratch(), "path");
    mkdirSync(join(dirs, "noexec"), { recursive: true });
    mkdirSync(join(dirs, "denied"), { recursive: true });
    writeFileSync(join(dirs, "noexec", "cmd"), "x");
    writeFileSync(join(dirs, "notdir"), "x");
    chmodSync(join(dirs, "denied"), 0o000);
  });

  it.each([
    ["missing", "/nonexist/a:/nonexist/b/::/nonexist/c"],
    ["missing", ""],
    ["missing", ":"],
    ["missing", undefined],
    ["cmd", "NOEXEC:/nonexist"],
    ["cmd", "NOTDIR:DENIED:NOEXEC"],
    ["sh", "/nonexist:/bin"],
  ] as [string, string | undefined][])("%s with PATH=%j", (command, path) => {
    const p = path?.replace("NOEXEC", join(dirs, "noexec")).replace("NOTDIR", join(dirs, "notdir")).replace("DENIED", join(dirs, "denied"));
    const ours = tries([stub], command, p);
    expect(ours.length).toBeGreaterThan(0);
    expect(ours).toEqual(tries([], command, p));
  });
});

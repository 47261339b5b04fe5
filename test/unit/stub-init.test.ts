// Init mode (`--emit-stub --init`): the x86_64 stub run natively as tini would be, both as PID 1
// of a fresh PID namespace (unshare, as in a container) and as a plain child (then a child
// subreaper), under the emulated engines. What it must do is judged by the kernel's view
// (/proc: parents, zombies, Seccomp_filters), by exit statuses, and by what the command itself
// observes (signals caught by a Python child); the --version line by moby's own parsing rule.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { autoHideProgram } from "../../launcher/compile.ts";
import { emitStub } from "../../wasm/stub.ts";
import { helper } from "../helpers/native.ts";
import { legacyEngineBpf } from "../launcher/legacy-engine.ts";
import { removeScratch, scratch, threadsBinary } from "../stub/stubs.ts";
import { writeFileSync, chmodSync } from "node:fs";

afterAll(removeScratch);

let init: string, seccompRun: string;
const engines: Record<string, string> = {};

beforeAll(() => {
  const { program, slots } = autoHideProgram("x86_64");
  init = join(scratch(), "docker-init");
  writeFileSync(init, emitStub({ kernelArch: "x86_64", program: program.bytes, slots, init: true }));
  chmodSync(init, 0o755);
  seccompRun = helper("seccomp-run");
  for (const v of ["v20.10.9", "v20.10.10"] as const) {
    engines[v] = join(scratch(), `moby-${v}.bpf`);
    copyFileSync(legacyEngineBpf(v), engines[v]!);
  }
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(argv: string[], opts: { engine?: string; pid1?: boolean } = {}): Run {
  const pre = [
    ...(opts.engine ? [seccompRun, "--bpf", opts.engine, "--"] : []),
    // A new user and PID namespace with its own /proc: the init is PID 1 there, as in a container.
    ...(opts.pid1 ? ["unshare", "--user", "--map-root-user", "--pid", "--fork", "--mount", "--mount-proc"] : []),
  ];
  const all = [...pre, init, ...argv];
  const r = spawnSync(all[0]!, all.slice(1), { encoding: "utf8", env: { PATH: process.env.PATH! }, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** moby 20.10's daemon/info_unix.go parseInitVersion, restated: a warning when both are empty. */
function mobyParseInitVersion(v: string): { version: string; commit: string; warning: boolean } {
  const parts = v.split(" - ");
  let version = "", commit = "";
  if (parts.length >= 2) {
    const git = parts[1]!.trim().split(".");
    if (git.length === 2 && git[0] === "git") commit = git[1]!;
  }
  const first = parts[0]!.trim();
  if (first.startsWith("tini version ")) version = first.slice("tini version ".length);
  return { version, commit, warning: version === "" && commit === "" };
}

describe("the x86_64 init stub", () => {
  it("--version prints one line that dockerd parses without a warning", () => {
    const r = run(["--version"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout.split("\n")).toHaveLength(2);
    const parsed = mobyParseInitVersion(r.stdout);
    expect(parsed.warning).toBe(false);
    expect(parsed.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(parsed.commit.length).toBeLessThanOrEqual(7); // older daemons slice their own commit by it
  });

  it.each([[false], [true]])("passes exit codes and deaths by signal through (PID 1: %s)", (pid1) => {
    expect(run(["--", "sh", "-c", "exit 0"], { pid1 }).status).toBe(0);
    expect(run(["sh", "-c", "exit 7"], { pid1 }).status).toBe(7);
    expect(run(["sh", "-c", "exit 255"], { pid1 }).status).toBe(255);
    expect(run(["sh", "-c", "kill -KILL $$"], { pid1 }).status).toBe(137);
    expect(run(["sh", "-c", "kill -SEGV $$"], { pid1 }).status).toBe(139);
    expect(run(["clone3-workaround-no-such-command"], { pid1 })).toEqual({
      status: 127,
      stdout: "",
      stderr: "clone3-workaround: clone3-workaround-no-such-command: No such file or directory\n",
    });
  });

  it.each([["no engine", undefined], ["v20.10.9", "v20.10.9"]])("the command runs as its child, forked with clone(SIGCHLD), never clone3 (strace; %s)", (_, engine) => {
    const pre = engine ? [seccompRun, "--bpf", engines[engine]!, "--"] : [];
    const r = spawnSync("strace", ["-e", "trace=clone,clone3,fork,vfork", ...pre, init, "true"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    const calls = r.stderr.split("\n").filter((l) => /^(clone|clone3|fork|vfork)\(/.test(l));
    // The auto-mode probe clone3(NULL, 0) creates nothing (EINVAL, or EPERM under v20.10.9); only
    // after that EPERM does the i386 probe run, in a vfork child reaped before the init starts;
    // the fork is clone(SIGCHLD).
    expect(calls.map((l) => l.replace(/\s+=.*$/, ""))).toEqual([
      "clone3(NULL, 0)", ...(engine ? ["clone(child_stack=NULL, flags=CLONE_VM|CLONE_VFORK|SIGCHLD)"] : []), "clone(child_stack=NULL, flags=SIGCHLD)",
    ]);
    expect(calls[0]).toMatch(engine ? /= -1 EPERM/ : /= -1 EINVAL/);
  });

  it("kill -TERM 1 inside the PID namespace ends the command with 143 within a second", () => {
    const t0 = Date.now();
    const r = run(["sh", "-c", "kill -TERM 1; exec sleep 30"], { pid1: true });
    expect(r.status).toBe(143);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it("forwards SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH and SIGTERM to the command", async () => {
    const py = [
      "import signal, sys",
      "names = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGTERM']",
      "def got(n, f):",
      "    print(signal.Signals(n).name, flush=True)",
      "    if n == signal.SIGTERM: sys.exit(3)",
      "for s in names: signal.signal(getattr(signal, s), got)",
      "print('ready', flush=True)",
      "while True: signal.pause()",
    ].join("\n");
    // Its own process group, so that whatever is left can be killed whole if the test fails.
    const child = spawn(init, ["python3", "-c", py], { stdio: ["ignore", "pipe", "pipe"], detached: true });
    let out = "";
    const sent = ["SIGHUP", "SIGINT", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGTERM"] as const;
    const done = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const sleep = (ms: number) => new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms));
    try {
      const ready = new Promise<void>((resolve) => child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("ready\n")) resolve();
      }));
      expect(await Promise.race([ready, sleep(10_000)])).not.toBe("timeout");
      for (const s of sent) {
        const before = out;
        child.kill(s);
        for (let i = 0; i < 100 && out === before; i++) await sleep(10);
      }
      expect(await Promise.race([done, sleep(3000)])).toBe(3);
      expect(out.trim().split("\n")).toEqual(["ready", ...sent]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
    }
  });

  it("not PID 1, it is a child subreaper: an orphaned grandchild is reparented to it and reaped", () => {
    const f = join(scratch(), "orphan.pid");
    const script = `(sleep 0.3 & echo $! > ${f}); sleep 0.1; o=$(cat ${f}); ` +
      `echo "parent $(cut -d' ' -f4 /proc/$o/stat) init $PPID"; sleep 0.6; cat /proc/$o/stat 2>/dev/null || echo reaped`;
    const r = run(["sh", "-c", script]);
    expect(r.status).toBe(0);
    const m = /parent (\d+) init (\d+)/.exec(r.stdout)!;
    expect(m[1]).toBe(m[2]); // the orphan's parent is the init (the sh's parent)
    expect(r.stdout.trim().split("\n").pop()).toBe("reaped"); // gone, not a zombie
  });

  it("as PID 1, an orphaned grandchild leaves no zombie in /proc; a non-reaping PID 1 would leave one", () => {
    const script = "(sleep 0.2 &); sleep 0.6; grep -h '^[0-9]* ([^)]*) Z' /proc/[0-9]*/stat 2>/dev/null | grep -c . || true";
    const r = run(["sh", "-c", script], { pid1: true });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe("0");
    // The control: python as PID 1 waits for its own child only, so the orphan stays a zombie.
    const control = spawnSync("unshare", ["--user", "--map-root-user", "--pid", "--fork", "--mount", "--mount-proc",
      "python3", "-c", `import subprocess; subprocess.run(['sh', '-c', ${JSON.stringify(script)}])`], { encoding: "utf8" });
    expect(control.stdout.trim()).toBe("1");
  });

  it("under v20.10.9: python threads and posix_spawn work in the command", () => {
    const spawnPy = "import os; pid = os.posix_spawn('/bin/true', ['true'], {}); print('spawn', os.waitpid(pid, 0)[1])";
    expect(run([threadsBinary()], { engine: engines["v20.10.9"] })).toEqual({ status: 0, stdout: "thread ok\n", stderr: "" });
    expect(run(["python3", "-c", spawnPy], { engine: engines["v20.10.9"] })).toEqual({ status: 0, stdout: "spawn 0\n", stderr: "" });
    // As PID 1: the namespace first (the engine's profile refuses unshare), then the engine.
    const ns = spawnSync("unshare", ["--user", "--map-root-user", "--pid", "--fork", "--mount", "--mount-proc",
      seccompRun, "--bpf", engines["v20.10.9"]!, "--", init, "sh", "-c", `echo pid $$; ${threadsBinary()}`], { encoding: "utf8" });
    expect(ns.stdout).toBe("pid 3\nthread ok\n"); // the init is PID 1, its i386 probe's child was 2, its command 3
    // Without the init, the same engine breaks threads.
    expect(spawnSync(seccompRun, ["--bpf", engines["v20.10.9"]!, "--", threadsBinary()]).status).not.toBe(0);
  });

  it("with no engine, as PID 1: its command is PID 2 (no native probe answered EPERM, so no i386 probe child)", () => {
    expect(run(["sh", "-c", "echo pid $$"], { pid1: true })).toEqual({ status: 0, stdout: "pid 2\n", stderr: "" });
  });

  it("under v20.10.10, auto installs nothing", () => {
    const r = run(["grep", "^Seccomp_filters:", "/proc/self/status"], { engine: engines["v20.10.10"] });
    expect(r).toEqual({ status: 0, stdout: "Seccomp_filters:\t1\n", stderr: "" });
    const v9 = run(["grep", "^Seccomp_filters:", "/proc/self/status"], { engine: engines["v20.10.9"] });
    expect(v9.stdout).toBe("Seccomp_filters:\t2\n");
  });
});

// The run path of both launchers (`bun launcher/cli.ts` and the compiled binary) on the real
// kernel, under an emulated old engine: moby's profile through our pipeline plus runc's ENOSYS
// stub, installed by test/helpers/seccomp-run before the launcher starts (like runc does).
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syscallNr } from "../../arch/index.ts";
import { parseArgs, UsageError } from "../../launcher/args.ts";
import { buildBinary, buildPrograms } from "../../scripts/build-launcher.ts";
import { helper } from "../helpers/native.ts";
import { legacyEngineBpf, repoRoot } from "./legacy-engine.ts";

const BUN = join(repoRoot, "node_modules", ".bin", "bun");
const PY_THREAD = 'import threading; t = threading.Thread(target=print, args=("thread ok",)); t.start(); t.join()';
const PY_SPAWN = 'import os; pid = os.posix_spawn("/bin/true", ["/bin/true"], os.environ); print("spawn", os.waitpid(pid, 0)[1])';

let work: string;
let binary: string;
let seccompRun: string;
let moby9: string;
let moby10: string;
let thread32: string;
/** An engine that answers clone3 and seccomp(2) with EPERM: no filter can be installed. */
let noSeccomp: string;
/** An engine that answers clone3 alone with EPERM (every sibling is allowed). */
let clone3Only: string;
/** execenv ENTRY... -- COMMAND ARGS: execve with exactly those entries (env(1) would merge them). */
let execenv: string;

beforeAll(() => {
  // World-readable, so the setpriv test can run the binary as nobody.
  work = mkdtempSync(join(tmpdir(), "clone3-workaround-launcher-"));
  chmodSync(work, 0o755);
  buildPrograms();
  binary = buildBinary({ outfile: join(work, "clone3-workaround") });
  seccompRun = helper("seccomp-run");
  moby9 = legacyEngineBpf("v20.10.9");
  moby10 = legacyEngineBpf("v20.10.10");
  thread32 = helper("threads", ["-m32", "-pthread"]);
  const policy = join(work, "no-seccomp.json");
  writeFileSync(policy, JSON.stringify({
    defaultAction: "SCMP_ACT_ALLOW",
    syscalls: [{ names: ["clone3", "seccomp"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }],
  }));
  noSeccomp = join(work, "no-seccomp.bpf");
  const c = spawnSync(binary, ["--compile", "--arch", "x86_64", "--policy", policy, "--format", "raw", "-o", noSeccomp], { encoding: "utf8" });
  if (c.status !== 0) throw new Error(`--compile: ${c.stderr}`);
  const clone3Policy = join(work, "clone3-only.json");
  writeFileSync(clone3Policy, JSON.stringify({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }] }));
  clone3Only = join(work, "clone3-only.bpf");
  const c3 = spawnSync(binary, ["--compile", "--arch", "x86_64", "--policy", clone3Policy, "--format", "raw", "-o", clone3Only], { encoding: "utf8" });
  if (c3.status !== 0) throw new Error(`--compile: ${c3.stderr}`);
  execenv = join(work, "execenv");
  writeFileSync(`${execenv}.c`, [
    "#include <string.h>",
    "#include <unistd.h>",
    "int main(int argc, char **argv) { int i = 1; while (i < argc && strcmp(argv[i], \"--\")) i++;",
    "  if (i >= argc) return 98; argv[i] = 0; execve(argv[i + 1], argv + i + 1, argv + 1); return 99; }",
  ].join("\n"));
  if (spawnSync("gcc", ["-o", execenv, `${execenv}.c`]).status !== 0) throw new Error("gcc execenv");
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

interface RunOptions {
  engine?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Run as nobody (uid/gid 65534), without capabilities. */
  nobody?: boolean;
}

function run(argv: string[], opts: RunOptions = {}): SpawnSyncReturns<string> {
  let full = opts.engine ? [seccompRun, "--bpf", opts.engine, "--", ...argv] : argv;
  if (opts.nobody) full = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", ...full];
  return spawnSync(full[0]!, full.slice(1), {
    encoding: "utf8",
    cwd: opts.cwd ?? work,
    env: { ...process.env, ...opts.env },
    timeout: 60_000,
  });
}

/** Seccomp_filters and NoNewPrivs of the command itself, from its /proc/self/status. */
function statusOf(r: SpawnSyncReturns<string>): { filters: number; noNewPrivs: number } {
  expect(r.status, r.stderr).toBe(0);
  const field = (name: string) => Number(new RegExp(`^${name}:\\s*(\\d+)`, "m").exec(r.stdout)![1]);
  return { filters: field("Seccomp_filters"), noNewPrivs: field("NoNewPrivs") };
}
const STATUS = ["grep", "-E", "^(Seccomp_filters|NoNewPrivs):", "/proc/self/status"];

/** The wrapper failed by itself: one line, with our prefix, and the expected status. */
function expectOwnFailure(r: SpawnSyncReturns<string>, status: number, pattern: RegExp): void {
  expect(r.status, r.stderr).toBe(status);
  expect(r.stdout).toBe("");
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^clone3-workaround: /);
  expect(lines[0]).toMatch(pattern);
}

describe("the emulated legacy engine", () => {
  it("breaks python threads and posix_spawn, and 32-bit threads, without the wrapper", () => {
    const t = run(["/usr/bin/python3", "-c", PY_THREAD], { engine: moby9 });
    expect(t.status).not.toBe(0);
    expect(t.stderr).toMatch(/can't start new thread/);
    const s = run(["/usr/bin/python3", "-c", PY_SPAWN], { engine: moby9 });
    expect(s.status).not.toBe(0);
    expect(s.stderr).toMatch(/Operation not permitted/);
    const t32 = run([thread32], { engine: moby9 });
    expect(t32.status).toBe(1);
    expect(t32.stderr).toMatch(/pthread_create: Operation not permitted/);
  });
  it("v20.10.10 does not", () => {
    expect(run(["/usr/bin/python3", "-c", PY_THREAD], { engine: moby10 }).stdout).toBe("thread ok\n");
  });
});

const launchers = [
  { name: "bun launcher/cli.ts", argv: () => [BUN, join(repoRoot, "launcher", "cli.ts")] },
  { name: "compiled binary", argv: () => [binary] },
];

describe.each(launchers)("$name", ({ argv: launcher }) => {
  const wrap = (args: string[], opts: RunOptions = {}) => run([...launcher(), ...args], opts);

  it("makes python threads and posix_spawn work under v20.10.9", () => {
    const t = wrap(["/usr/bin/python3", "-c", PY_THREAD], { engine: moby9 });
    expect(t.stderr).toBe("");
    expect(t.stdout).toBe("thread ok\n");
    expect(t.status).toBe(0);
    const s = wrap(["/usr/bin/python3", "-c", PY_SPAWN], { engine: moby9 });
    expect(s.stderr).toBe("");
    expect(s.stdout).toBe("spawn 0\n");
  });

  it("serves an i386 program instead of killing it", () => {
    const r = wrap([thread32], { engine: moby9 });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("thread ok\n");
    expect(r.status).toBe(0);
  });

  it("auto installs exactly one filter, without NO_NEW_PRIVS, where clone3 is EPERM", () => {
    const before = statusOf(run(STATUS, { engine: moby9 }));
    expect(statusOf(wrap(STATUS, { engine: moby9 }))).toEqual({ filters: before.filters + 1, noNewPrivs: 0 });
  });

  it("auto installs nothing under v20.10.10 (NoNewPrivs 0, same filter count)", () => {
    const before = statusOf(run(STATUS, { engine: moby10 }));
    expect(before.noNewPrivs).toBe(0);
    expect(statusOf(wrap(STATUS, { engine: moby10 }))).toEqual(before);
    expect(statusOf(wrap(STATUS))).toEqual({ filters: 0, noNewPrivs: 0 });
  });

  it("always installs under v20.10.10 too; never installs nothing under v20.10.9", () => {
    const before = statusOf(run(STATUS, { engine: moby10 }));
    expect(statusOf(wrap(["--mode", "always", ...STATUS], { engine: moby10 })).filters).toBe(before.filters + 1);
    const never = wrap(["/usr/bin/python3", "-c", PY_THREAD], { engine: moby9, env: { CLONE3_WORKAROUND_MODE: "never" } });
    expect(never.stderr).toMatch(/can't start new thread/);
    const nine = statusOf(run(STATUS, { engine: moby9 }));
    expect(statusOf(wrap(["--mode=never", ...STATUS], { engine: moby9 }))).toEqual(nine);
  });

  it("--hide auto and --hide LIST make threads work under v20.10.9", () => {
    for (const hide of ["auto", "clone3,openat2"]) {
      const r = wrap(["--hide", hide, "/usr/bin/python3", "-c", PY_THREAD], { engine: moby9 });
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe("thread ok\n");
    }
  });

  it("--policy FILE compiles and installs the policy under v20.10.9", () => {
    const getpgid = syscallNr("x86_64", "getpgid")!;
    const policy = join(work, "policy.json");
    writeFileSync(policy, JSON.stringify({
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [
        { names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 },
        { names: ["getpgid"], action: "SCMP_ACT_ERRNO", errnoRet: 95 },
      ],
    }));
    const probe = helper("syscall-probe");
    const r = wrap(["--policy", policy, probe, `${getpgid},0`], { engine: moby9 });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`${getpgid},0 -1 95\n`);
    const t = wrap(["--policy", policy, "/usr/bin/python3", "-c", PY_THREAD], { engine: moby9 });
    expect(t.stdout).toBe("thread ok\n");
  });

  it("is the command: its status, its signal, its PID, argv[0] as typed, the environment", () => {
    expect(wrap(["sh", "-c", "exit 7"]).status).toBe(7);
    const killed = wrap(["sh", "-c", "kill -TERM $$"]);
    expect(killed.signal).toBe("SIGTERM");
    const pid = wrap(["sh", "-c", "echo $$"], { engine: moby9 });
    expect(pid.stdout).toBe(`${pid.pid}\n`);
    expect(wrap(["cat", "/proc/self/cmdline"]).stdout).toBe("cat\0/proc/self/cmdline\0");
    expect(wrap(["printenv", "CLONE3_TEST_VALUE"], { env: { CLONE3_TEST_VALUE: "a b=c" } }).stdout).toBe("a b=c\n");
  });

  it("never under an EPERM engine execs a long argument list (a hot loop before the bootstrap would start a JIT thread)", () => {
    const many = Array.from({ length: 5000 }, (_, i) => String(i));
    const r = wrap(["--mode", "never", "sh", "-c", 'echo "$# ${5000}"', "sh", ...many], { engine: moby9 });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("5000 4999\n");
  });

  it("passes arguments and environment values that are not UTF-8 byte for byte", () => {
    // sh makes the bytes (Node can only pass strings); od shows what the command got.
    const show = `printf %s "$1" | od -An -tx1; printf %s "$CLONE3_TEST_RAW" | od -An -tx1`;
    // Also `never` under an EPERM engine, which the bootstrap execs by itself.
    for (const [options, engine] of [[[], undefined], [[], moby9], [["--mode", "never"], moby9]] as const) {
      const wrapped = [...launcher(), ...options, "sh", "-c", show, "sh"];
      const r = run(["/bin/sh", "-c", `CLONE3_TEST_RAW="$(printf '\\377a')" exec "$@" "$(printf '\\376\\351')"`, "sh", ...wrapped], { engine });
      expect(r.stderr).toBe("");
      expect(r.stdout.replace(/ +/g, " ")).toBe(" fe e9\n ff 61\n");
    }
  });

  it("passes the environment through byte for byte: a name that is not UTF-8, duplicates, raw values, no `=`", () => {
    // sh makes the bytes (Node passes only strings); /usr/bin/env -0 prints every entry of its
    // environ as the kernel gave it, and is the oracle run directly.
    const entries = ["X$(printf '\\377')=1", "A=1", "A=2", "B=$(printf '\\377')", "noequals", "PATH=/usr/bin:/bin"];
    const want = Buffer.concat([Buffer.from([0x58, 0xff]), Buffer.from("=1\0A=1\0A=2\0B="), Buffer.from([0xff]), Buffer.from("\0noequals\0PATH=/usr/bin:/bin\0")]);
    const viaExecenv = (argv: string[], engine?: string) => {
      const full = [execenv, ...entries.map((e) => `"${e}"`), "--", ...argv.map((a) => `'${a}'`)].join(" ");
      const all = engine ? [seccompRun, "--bpf", engine, "--", "/bin/sh", "-c", full] : ["/bin/sh", "-c", full];
      return spawnSync(all[0]!, all.slice(1), { cwd: work, timeout: 60_000 });
    };
    const direct = viaExecenv(["/usr/bin/env", "-0"]);
    expect(direct.stdout).toEqual(want);
    // Each way the wrapper can reach the exec: no engine; the EPERM engine, whose bootstrap
    // execs `never` itself and installs for the rest; a final filter of its own on top.
    for (const [options, engine] of [[[], undefined], [["--mode", "always"], undefined], [[], moby9], [["--mode", "never"], moby9], [["--hide", "auto"], moby9], [["--hide", "clone3,openat2", "--mode", "always"], moby9]] as const) {
      const r = viaExecenv([...launcher(), ...options, "/usr/bin/env", "-0"], engine);
      expect({ options, engine, stderr: r.stderr.toString() }).toEqual({ options, engine, stderr: "" });
      expect(r.stdout).toEqual(want);
    }
  });

  it("reads its mode from the first entry, as getenv(3) does, odd entries or not", () => {
    const modes = (first: string, second: string) => [`CLONE3_WORKAROUND_MODE=${first}`, `CLONE3_WORKAROUND_MODE=${second}`, "PATH=/usr/bin:/bin"];
    const odd = ["X$(printf '\\377')=1", "noequals"];
    const statusVia = (entries: string[], engine?: string) => {
      const full = [execenv, ...entries.map((e) => `"${e}"`), "--", ...[...launcher(), ...STATUS].map((a) => `'${a}'`)].join(" ");
      const all = engine ? [seccompRun, "--bpf", engine, "--", "/bin/sh", "-c", full] : ["/bin/sh", "-c", full];
      return statusOf(spawnSync(all[0]!, all.slice(1), { cwd: work, encoding: "utf8", timeout: 60_000 })).filters;
    };
    const engine = statusOf(run(STATUS, { engine: moby9 })).filters;
    expect(statusVia([...odd, ...modes("always", "never")])).toBe(1);
    expect(statusVia([...modes("always", "never"), ...odd])).toBe(1);
    expect(statusVia([...odd, ...modes("never", "always")], moby9)).toBe(engine);
    expect(statusVia([...odd, ...modes("auto", "never")], moby9)).toBe(engine + 1);
  });

  it("adds no second filter identical to the bootstrap: --hide clone3, or --hide auto finding clone3 alone", () => {
    const nine = statusOf(run(STATUS, { engine: moby9 })).filters;
    for (const options of [["--hide", "clone3"], ["--hide", "clone3,clone3"], ["--mode", "always", "--hide", "clone3"]]) {
      expect({ options, filters: statusOf(wrap([...options, ...STATUS], { engine: moby9 })).filters }).toEqual({ options, filters: nine + 1 });
    }
    const only = statusOf(run(STATUS, { engine: clone3Only })).filters;
    expect(statusOf(wrap(["--hide", "auto", ...STATUS], { engine: clone3Only })).filters).toBe(only + 1);
    // Without the bootstrap (no EPERM engine), `always --hide clone3` installs it once.
    expect(statusOf(wrap(["--mode", "always", "--hide", "clone3", ...STATUS])).filters).toBe(1);
    // And it still works: threads under the EPERM engine.
    expect(wrap(["--hide", "clone3", "/usr/bin/python3", "-c", PY_THREAD], { engine: moby9 }).stdout).toBe("thread ok\n");
  });

  it("passes duplicate environment entries through, and reads its mode from the first, as getenv(3) does", () => {
    const entries = ["CLONE3_DUP=1", "CLONE3_DUP=2", "PATH=/usr/bin:/bin"];
    const direct = run([execenv, ...entries, "--", "/usr/bin/env"]);
    expect(direct.stdout).toBe(entries.join("\n") + "\n");
    const r = run([execenv, ...entries, "--", ...launcher(), "/usr/bin/env"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(direct.stdout);

    const modes = (first: string, second: string) => [`CLONE3_WORKAROUND_MODE=${first}`, `CLONE3_WORKAROUND_MODE=${second}`, "PATH=/usr/bin:/bin"];
    expect(statusOf(run([execenv, ...modes("always", "never"), "--", ...launcher(), ...STATUS])).filters).toBe(1);
    const engine = statusOf(run(STATUS, { engine: moby9 })).filters;
    // `never` first under an EPERM engine: the bootstrap itself must read it.
    expect(statusOf(run([execenv, ...modes("never", "always"), "--", ...launcher(), ...STATUS], { engine: moby9 })).filters).toBe(engine);
    expect(statusOf(run([execenv, ...modes("auto", "never"), "--", ...launcher(), ...STATUS], { engine: moby9 })).filters).toBe(engine + 1);
  });

  it("gives the command default signal dispositions (Bun ignores SIGPIPE and SIGXFSZ)", () => {
    const sigIgn = ["grep", "^SigIgn:", "/proc/self/status"];
    const direct = run(sigIgn).stdout;
    expect(wrap(sigIgn).stdout).toBe(direct);
    expect(wrap(sigIgn, { engine: moby9 }).stdout).toBe(direct);
    expect(wrap(["--mode", "never", ...sigIgn], { engine: moby9 }).stdout).toBe(direct);
    // A writer into a closed pipe dies of SIGPIPE quietly instead of reporting EPIPE.
    const pipe = wrap(["sh", "-c", "yes | head -n 1"]);
    expect(pipe.stdout).toBe("y\n");
    expect(pipe.stderr).toBe("");
  });

  it("runs an executable file without #! through /bin/sh, like execvp", () => {
    const script = join(work, "no-shebang");
    writeFileSync(script, 'echo "script $1"\n', { mode: 0o755 });
    const r = wrap([script, "arg"]);
    expect(r.stdout).toBe("script arg\n");
    // Found through PATH too.
    expect(wrap(["no-shebang", "x"], { env: { PATH: `/nonexistent:${work}` } }).stdout).toBe("script x\n");
  });

  it("skips a PATH entry of PATH_MAX bytes or more, as execvp does", () => {
    const r = wrap(["sh", "-c", "echo found"], { env: { PATH: `/${"x".repeat(5000)}:/usr/bin:/bin` } });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("found\n");
  });

  it("exits 127 when the command is not found", () => {
    expectOwnFailure(wrap(["clone3-workaround-no-such-command"]), 127, /"clone3-workaround-no-such-command": No such file or directory$/);
    expectOwnFailure(wrap(["/nonexistent/x"], { engine: moby9 }), 127, /No such file/);
    // `never` under an EPERM engine execs from the bootstrap itself, before anything may start a thread.
    expectOwnFailure(wrap(["--mode", "never", "clone3-workaround-no-such-command"], { engine: moby9 }), 127, /No such file or directory$/);
    expectOwnFailure(wrap(["--mode", "never", work], { engine: moby9 }), 126, /Permission denied$/);
    // An empty name is not found, as with execvp(3) and env(1).
    expectOwnFailure(wrap([""]), 127, /^clone3-workaround: "": No such file or directory$/);
    // The name is quoted, so a newline in it cannot split the line.
    expectOwnFailure(wrap(["no\nsuch"]), 127, /^clone3-workaround: "no\\nsuch": No such file or directory$/);
    expectOwnFailure(wrap(["--mode", "never", "no\nsuch"], { engine: moby9 }), 127, /^clone3-workaround: "no\\nsuch": No such file or directory$/);
  });

  it("exits 126 when it is found but cannot be run: not executable, a directory", () => {
    const plain = join(work, "not-executable");
    writeFileSync(plain, "#!/bin/sh\n", { mode: 0o644 });
    expectOwnFailure(wrap([plain]), 126, /Permission denied$/);
    expectOwnFailure(wrap(["not-executable"], { env: { PATH: work } }), 126, /Permission denied$/);
    expectOwnFailure(wrap([work]), 126, /Permission denied$/);
  });

  it("exits 125 with one line for its own failures", () => {
    expectOwnFailure(wrap([]), 125, /no command/);
    expectOwnFailure(wrap(["--bogus", "true"]), 125, /unknown option "--bogus"/);
    expectOwnFailure(wrap(["--mode", "sometimes", "true"]), 125, /unknown mode/);
    const bad = join(work, "bad-policy.json");
    writeFileSync(bad, '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_NOPE"}]}');
    expectOwnFailure(wrap(["--policy", bad, "true"]), 125, /bad-policy\.json/);
    expectOwnFailure(wrap(["--policy", bad, "true"], { engine: moby9 }), 125, /bad-policy\.json/);
    writeFileSync(bad, "{ not json");
    expectOwnFailure(wrap(["--policy", bad, "true"]), 125, /bad-policy\.json/);
    expectOwnFailure(wrap(["--policy", join(work, "missing.json"), "true"]), 125, /missing\.json/);
    expectOwnFailure(wrap(["--hide", "no_such_syscall", "true"], { engine: moby9 }), 125, /no_such_syscall/);
    expectOwnFailure(wrap(["--policy", join(work, "missing\n.json"), "true"]), 125, /cannot read ".*missing\\n\.json": ENOENT$/);
    const badName = join(work, "bad\npolicy.json");
    writeFileSync(badName, "{ not json");
    expectOwnFailure(wrap(["--policy", badName, "true"]), 125, /^clone3-workaround: ".*bad\\npolicy\.json": not valid JSON/);
  });

  it("refuses to hide what it needs itself, instead of hanging after a failed exec", () => {
    expectOwnFailure(wrap(["--hide", "execve,exit_group", "--mode", "always", "/nonexistent/x"]), 125, /cannot hide "execve"/);
    expectOwnFailure(wrap(["--hide", "write", "true"], { engine: moby9 }), 125, /cannot hide "write"/);
    expectOwnFailure(wrap(["--hide", "futex", "--mode", "always", "/nonexistent/x"]), 125, /cannot hide "futex"/);
  });

  it("reports a failed exec with one write and exit, whatever else its filter hides (fcntl, close, mmap, ...)", () => {
    // mmap and mprotect: strerror is bound through bun:ffi, before the final filter goes in.
    for (const hide of ["fcntl", "fcntl,close,madvise,openat,read,ioctl", "mmap,mprotect"]) {
      expectOwnFailure(wrap(["--mode", "always", "--hide", hide, "/nonexistent/x"]), 127, /"\/nonexistent\/x": No such file or directory$/);
    }
  });

  it("where no filter can be installed: auto warns and runs the command, always and the rest fail with 125", () => {
    const auto = wrap(["sh", "-c", "echo ran; exit 4"], { engine: noSeccomp });
    expect(auto.stdout).toBe("ran\n");
    expect(auto.status).toBe(4);
    expect(auto.stderr).toMatch(/^clone3-workaround: warning: cannot install the filter \(seccomp\(SECCOMP_SET_MODE_FILTER\): Operation not permitted\); running the command without it\n$/);
    expectOwnFailure(wrap(["--mode", "always", "true"], { engine: noSeccomp }), 125, /cannot install the filter: seccomp\(SECCOMP_SET_MODE_FILTER\): Operation not permitted$/);
    expectOwnFailure(wrap(["--compile"], { engine: noSeccomp }), 125, /cannot install the clone3 filter Bun needs/);
    expect(wrap(["--mode", "never", "true"], { engine: noSeccomp }).status).toBe(0);
  });

  it("--doctor predicts how many filters the same run adds, as the kernel counts them", () => {
    const policy = join(work, "doctor-policy.json");
    writeFileSync(policy, JSON.stringify({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 }] }));
    const choices = [[], ["--hide", "faccessat2"], ["--hide", "auto"], ["--hide", "clone3"], ["--hide", "clone3,openat2"], ["--policy", policy], ["--mode", "always", "--hide", "openat2"], ["--mode", "never"]];
    for (const engine of [undefined, moby9, clone3Only]) {
      const before = statusOf(run(STATUS, { engine })).filters;
      for (const choice of choices) {
        const doctor = wrap(["--doctor", ...choice], { engine });
        const predicted = Number(/^filters a run would add: (\d+)$/m.exec(doctor.stdout)?.[1]);
        const actual = statusOf(wrap([...choice, ...STATUS], { engine })).filters - before;
        expect({ choice, engine, predicted }).toEqual({ choice, engine, predicted: actual });
      }
    }
  });

  it("--doctor names the start-up limit under an EPERM engine, and only there", () => {
    expect(wrap(["--doctor"], { engine: moby9 }).stdout).toMatch(/^limit: under this engine Bun aborts \(status 134\) before the wrapper's code runs when started with more than about [\d,]+ arguments .*; the stub \(--emit-stub\) has no such limit$/m);
    expect(wrap(["--doctor"], { engine: moby10 }).stdout).not.toMatch(/^limit:/m);
  });

  it("--doctor fails like the run on a filter choice the run refuses", () => {
    for (const engine of [undefined, moby9]) {
      expectOwnFailure(wrap(["--doctor", "--policy", join(work, "missing.json")], { engine }), 125, /missing\.json": ENOENT/);
      expectOwnFailure(wrap(["--doctor", "--hide", "no_such_syscall"], { engine }), 125, /no_such_syscall/);
    }
  });

  it("under an EPERM engine, reads run options before the bootstrap exactly as the full parser does", () => {
    // The oracle is launcher/args.ts: a usage error must come out as its one line; a `never`
    // run must add no filter at all (not even the bootstrap); any other run adds some.
    const dashDir = join(work, "dash");
    mkdirSync(dashDir, { recursive: true });
    for (const name of ["-", "-1"]) writeFileSync(join(dashDir, name), `#!/bin/sh\nexec ${STATUS.map((a) => `'${a}'`).join(" ")}\n`, { mode: 0o755 });
    const cases: [string[], Record<string, string>?][] = [
      [["--mode", "always", "--mode", "never"]],
      [["--mode=never", "--mode", "never"]],
      // `-` is a command name (an executable named "-" on PATH), not an option.
      [["--mode", "never", "-"], { PATH: `${dashDir}:/usr/bin:/bin` }],
      [["--mode", "never", "-1"], { PATH: `${dashDir}:/usr/bin:/bin` }],
      [["--mode", "never", "--hide", "execve"]],
      [["--mode", "never", "--hide", " , "]],
      [["--mode", "never", "--hide", "clone3", "--policy", "p.json"]],
      [["--mode", "never", "--hide", "a", "--hide", "b"]],
      [["--mode", "nevermore"]],
      [["--mode", ""]],
      [["--hide", "clone3"], { CLONE3_WORKAROUND_MODE: "never" }],
      [["--mode", "never", "--hide", "auto"]],
      [["--mode=never", "--policy=whatever.json", "--"]],
      [[], { CLONE3_WORKAROUND_MODE: "never" }],
      [[], { CLONE3_WORKAROUND_MODE: "bogus" }],
      [["--mode", "auto"], { CLONE3_WORKAROUND_MODE: "never" }],
    ];
    const engineFilters = statusOf(run(STATUS, { engine: moby9 })).filters;
    for (const [options, env = {}] of cases) {
      const args = /^-\d?$/.test(options.at(-1) ?? "") ? options : [...options, ...STATUS];
      const r = wrap(args, { engine: moby9, env });
      let expected: string;
      try {
        const req = parseArgs(args, env);
        expected = req.kind === "run" && req.mode === "never" ? "no filter added" : "filters added";
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        expected = `clone3-workaround: ${e.message}\n`;
      }
      const got = r.status === 125 ? r.stderr : statusOf(r).filters === engineFilters ? "no filter added" : "filters added";
      expect({ args, env, got }).toEqual({ args, env, got: expected });
    }
  });

  it("--help and --version print and exit 0", () => {
    const help = wrap(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage:/);
    const version = wrap(["--version"], { engine: moby9 });
    expect(version.stdout).toMatch(/^clone3-workaround \d+\.\d+\.\d+\n$/);
  });
});

describe("compiled binary only", () => {
  it("under an EPERM engine starts with 10,000 arguments and aborts before its code with 20,000 (README's Known limits)", () => {
    const args = (n: number) => Array.from({ length: n }, (_, i) => String(i));
    const fits = run([binary, "sh", "-c", 'echo "$#"', "sh", ...args(10_000)], { engine: moby9 });
    expect(fits.stdout).toBe("10000\n");
    const over = run([binary, "sh", "-c", 'echo "$#"', "sh", ...args(20_000)], { engine: moby9 });
    expect(over.stdout).toBe("");
    expect(over.signal).toBe("SIGABRT"); // status 134 from a shell
    // The stub, which Known limits points to, has no such limit.
    const stub = join(work, "limit-stub");
    expect(run([binary, "--emit-stub", "--arch", "x86_64", "-o", stub]).status).toBe(0);
    expect(run([stub, "sh", "-c", 'echo "$#"', "sh", ...args(20_000)], { engine: moby9 }).stdout).toBe("20000\n");
  });

  it("sets NO_NEW_PRIVS only when the kernel refuses without it", () => {
    // root has CAP_SYS_ADMIN: no NNP; nobody has not: EACCES, then NNP and retry.
    expect(statusOf(run([binary, "--mode", "always", ...STATUS]))).toEqual({ filters: 1, noNewPrivs: 0 });
    expect(statusOf(run([binary, "--mode", "always", ...STATUS], { nobody: true }))).toEqual({ filters: 1, noNewPrivs: 1 });
  });

  it("ignores a hostile ./bunfig.toml preload and ./.env in the working directory", () => {
    const cwd = mkdtempSync(join(tmpdir(), "clone3-workaround-hostile-"));
    try {
      const marker = join(cwd, "preload-ran");
      writeFileSync(join(cwd, "pre.ts"), `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "x");\n`);
      writeFileSync(join(cwd, "bunfig.toml"), 'preload = ["./pre.ts"]\n');
      writeFileSync(join(cwd, ".env"), "HOSTILE_FROM_DOTENV=1\n");
      // Control: plain bun in that directory does load both.
      const control = run([BUN, "-e", "console.log(process.env.HOSTILE_FROM_DOTENV)"], { cwd });
      expect(control.stdout).toBe("1\n");
      expect(existsSync(marker)).toBe(true);
      rmSync(marker);

      const r = run([binary, "/usr/bin/env"], { cwd, engine: moby9 });
      expect(r.status).toBe(0);
      expect(r.stdout).not.toMatch(/HOSTILE_FROM_DOTENV/);
      expect(existsSync(marker)).toBe(false);
      const d = run([binary, "--doctor"], { cwd });
      expect(d.status).toBe(0);
      expect(existsSync(marker)).toBe(false);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

// The aarch64, ppc64le and s390x stubs under qemu-user, running Debian's static busybox of the
// same arch. Foreign binaries are exec'd through a binfmt_misc instance private to a user
// namespace (kernel >= 6.7), so the host's binfmt setup is neither needed nor touched. Flag P
// (with qemu >= 6 honouring AT_FLAGS_PRESERVE_ARGV0) keeps argv[0] as the stub passed it.
// qemu-user refuses seccomp, so the filter itself is checked in the system-emulation harness.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syscallNr } from "../../arch/index.ts";
import type { KernelArch } from "../../arch/types.ts";
import { busybox } from "../stub/busybox.ts";
import { autoHideProgram } from "../../launcher/compile.ts";
import { emitStub } from "../../wasm/stub.ts";
import { autoHideStubFile, removeScratch, scratch, stubFile } from "../stub/stubs.ts";

afterAll(removeScratch);

/** binfmt_misc magic and mask of each arch's ELF header (e_ident + e_type + e_machine). */
const BINFMT: Record<Exclude<KernelArch, "x86_64">, { magic: string; mask: string }> = {
  aarch64: {
    magic: "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00",
    mask: "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff",
  },
  ppc64le: {
    magic: "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x15\\x00",
    mask: "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\x00",
  },
  arm: {
    magic: "\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x28\\x00",
    mask: "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff",
  },
  s390x: {
    magic: "\\x7fELF\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x16",
    mask: "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff",
  },
};

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe.each(Object.keys(BINFMT) as (keyof typeof BINFMT)[])("the %s stub under qemu-user", (arch) => {
  let stub: string, bin: string, dir: string, qemu: string;

  beforeAll(() => {
    stub = stubFile(arch);
    qemu = execFileSync("sh", ["-c", `command -v qemu-${arch} || command -v qemu-${arch}-static`], { encoding: "utf8" }).trim();
    dir = join(scratch(), `qemu-${arch}`);
    bin = join(dir, "bin");
    mkdirSync(bin, { recursive: true });
    const bb = busybox(arch);
    for (const applet of ["echo", "env", "cat", "grep", "sh", "true", "sleep"]) symlinkSync(bb, join(bin, applet));
    writeFileSync(join(dir, "plain"), "not executable\n");
    writeFileSync(join(dir, "script"), 'echo "script $0 $*"\n'); // no #!: ENOEXEC -> /bin/sh
    chmodSync(join(dir, "script"), 0o755);
  }, 300_000);

  /** Runs `wrapper` with `args` and exactly the environment `env`, foreign ELFs going to qemu. */
  function run(args: string[], env: Record<string, string> = { PATH: bin }, wrapper = stub): Run {
    const { magic, mask } = BINFMT[arch];
    const setup = [
      "mount -t binfmt_misc none /proc/sys/fs/binfmt_misc",
      `printf '%s' ':qemu-${arch}:M::${magic}:${mask}:${qemu}:FP' > /proc/sys/fs/binfmt_misc/register`,
      'exec env -i "$@"',
    ].join(" && ");
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const r = spawnSync("unshare", ["-Urm", "bash", "-c", setup, "--", ...envArgs, wrapper, ...args], { encoding: "utf8", timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it("searches PATH, skipping missing entries, and runs the command silently", () => {
    expect(run(["echo", "hello", "world"], { PATH: `/nonexistent::${bin}` })).toEqual({ status: 0, stdout: "hello world\n", stderr: "" });
  });

  it("uses a name with a slash as is", () => {
    expect(run([join(bin, "echo"), "direct"])).toEqual({ status: 0, stdout: "direct\n", stderr: "" });
  });

  it("keeps argv (argv[0] as typed) and passes envp unchanged", () => {
    expect(run(["--", "cat", "/proc/self/cmdline"]).stdout.split("\0")).toEqual(["cat", "/proc/self/cmdline", ""]);
    expect(run(["env"], { A: "1", PATH: bin, B: "two words" }).stdout).toBe(`A=1\nPATH=${bin}\nB=two words\n`);
  });

  it("runs a script without #! through /bin/sh (ENOEXEC; the host's sh, exec'd natively)", () => {
    expect(run(["script", "a", "b"], { PATH: `${bin}:${dir}` }).stdout).toBe(`script ${dir}/script a b\n`);
  });

  it("exits 127 when not found, 126 when not executable, 125 without a command", () => {
    expect(run(["no-such-command"])).toEqual({ status: 127, stdout: "", stderr: "clone3-workaround: no-such-command: No such file or directory\n" });
    const plain = join(dir, "plain");
    expect(run([plain])).toEqual({ status: 126, stdout: "", stderr: `clone3-workaround: ${plain}: Permission denied\n` });
    expect(run([])).toEqual({ status: 125, stdout: "", stderr: "clone3-workaround: usage: clone3-workaround [--] COMMAND [ARGS...]\n" });
  });

  it("never just execs; auto installs nothing when clone3 is not EPERM", () => {
    const status = "grep -E '^(NoNewPrivs|Seccomp_filters)' /proc/self/status";
    for (const mode of ["never", "auto"]) {
      const r = run(["sh", "-c", status], { PATH: bin, CLONE3_WORKAROUND_MODE: mode });
      expect(r).toEqual({ status: 0, stdout: "NoNewPrivs:\t0\nSeccomp_filters:\t0\n", stderr: "" });
    }
  });

  it("passes all six probe arguments in the ABI's registers (QEMU_STRACE)", () => {
    const pselect6 = syscallNr(arch, "pselect6")!;
    const probing = stubFile(arch, `probe.${arch}`, { probes: [{ nr: pselect6, args: [-1, 0x11, 0x22, 0x33, 0x44, 0x55] }] });
    const r = spawnSync(qemu, [probing, "/bin/true"], { encoding: "utf8", env: { QEMU_STRACE: "1" } });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/ pselect6\(-1,17,34,51,68,85\) = -1 errno=14 /);
  });

  it("always exits 125 with a clear message, since qemu-user refuses seccomp", () => {
    const r = run(["true"], { PATH: bin, CLONE3_WORKAROUND_MODE: "always" });
    expect(r).toEqual({ status: 125, stdout: "", stderr: "clone3-workaround: cannot install the filter\n" });
  });

  it("auto warns and runs the command when a probe answers EPERM but the filter cannot be installed", () => {
    // reboot(0, 0, 0, 0) checks CAP_SYS_BOOT in the initial PID namespace before its magic
    // numbers: EPERM in our user namespace (EINVAL for real root), harmless either way.
    const reboot = syscallNr(arch, "reboot")!;
    const probing = stubFile(arch, `reboot-probe.${arch}`, { probes: [{ nr: reboot, args: [0, 0, 0, 0] }] });
    const warning = "clone3-workaround: warning: cannot install the filter; running the command without it\n";
    expect(run(["sh", "-c", "echo ran; exit 4"], { PATH: bin }, probing)).toEqual({ status: 4, stdout: "ran\n", stderr: warning });
    const always = run(["sh", "-c", "echo ran"], { PATH: bin, CLONE3_WORKAROUND_MODE: "always" }, probing);
    expect(always).toEqual({ status: 125, stdout: "", stderr: "clone3-workaround: cannot install the filter\n" });
    // The stub with the clone3 probe alone stays silent: the warning needs the probe's EPERM.
    expect(run(["sh", "-c", "echo ran"])).toEqual({ status: 0, stdout: "ran\n", stderr: "" });
  });

  it("init: --version, and exit codes and deaths by signal pass through (clone(SIGCHLD), waitid)", () => {
    const { program, slots } = autoHideProgram(arch);
    const init = join(scratch(), `init.${arch}`);
    writeFileSync(init, emitStub({ kernelArch: arch, program: program.bytes, slots, init: true }));
    chmodSync(init, 0o755);
    expect(run(["--version"], { PATH: bin }, init)).toEqual({ status: 0, stdout: "tini version 0.19.0 - git.c3wstub\n", stderr: "" });
    expect(run(["--", "sh", "-c", "echo child; exit 7"], { PATH: bin }, init)).toEqual({ status: 7, stdout: "child\n", stderr: "" });
    expect(run(["sh", "-c", "kill -KILL $$"], { PATH: bin }, init).status).toBe(137);
    expect(run(["sh", "-c", "kill -TERM $$"], { PATH: bin }, init).status).toBe(143);
    // (Orphans are not checked here: qemu-user answers prctl(PR_SET_CHILD_SUBREAPER) with
    // EINVAL, so outside a PID namespace they go past the init; stub-init.test.ts checks them.)
  });

  it("auto-hide: probes and patches every slot (a write to its data mapping), then searches PATH as before", () => {
    // Nothing answers EPERM under qemu-user, so every slot is patched and nothing installed.
    const auto = autoHideStubFile(arch);
    expect(run(["echo", "hello"], { PATH: `/nonexistent::${bin}` }, auto)).toEqual({ status: 0, stdout: "hello\n", stderr: "" });
    expect(run(["no-such-command"], { PATH: bin }, auto)).toEqual({ status: 127, stdout: "", stderr: "clone3-workaround: no-such-command: No such file or directory\n" });
    // One probe answering EPERM (reboot, as above) among allowed ones: auto tries to install,
    // warns when it cannot, and runs the command; always fails with 125.
    const { program, slots } = autoHideProgram(arch);
    const reboot = { nr: syscallNr(arch, "reboot")!, args: [0, 0, 0, 0] };
    const mixed = join(scratch(), `auto-reboot.${arch}`);
    writeFileSync(mixed, emitStub({ kernelArch: arch, program: program.bytes, slots: [slots[0]!, { probe: reboot, at: slots[1]!.at }, slots[2]!] }));
    chmodSync(mixed, 0o755);
    const warning = "clone3-workaround: warning: cannot install the filter; running the command without it\n";
    expect(run(["sh", "-c", "echo ran; exit 4"], { PATH: bin }, mixed)).toEqual({ status: 4, stdout: "ran\n", stderr: warning });
    expect(run(["true"], { PATH: bin, CLONE3_WORKAROUND_MODE: "always" }, mixed)).toEqual({ status: 125, stdout: "", stderr: "clone3-workaround: cannot install the filter\n" });
  });
});

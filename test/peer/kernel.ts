// Real-kernel probing for the kernel-*.test.ts files: install programs in a CHILD through
// test/helpers/seccomp-run, run test/helpers/syscall-probe under them and read back what the
// kernel answered. Nothing is ever installed in the test runner itself.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { helper } from "../helpers/native.ts";

/** Filters are installed on x86_64 hosts only: the probes and numbers below are x86's. */
export const onX86_64Linux = process.platform === "linux" && process.arch === "x64";

export interface ProbeAnswer { call: string; ret: number; errno: number }

export interface ProbeRun {
  answers: ProbeAnswer[];
  /** Set when the child died by a signal (SIGSYS for a seccomp kill). */
  signal: NodeJS.Signals | null;
  status: number | null;
  stderr: string;
}

/** Programs are host-order sock_filter bytes, listed oldest first (the last one is the newest). */
export function probe(programs: Uint8Array[], calls: string[], abi: "native" | "i386" = "native"): ProbeRun {
  const runner = helper("seccomp-run");
  const prober = helper("syscall-probe", abi === "i386" ? ["-m32"] : []);
  const dir = mkdtempSync(join(tmpdir(), "kernel-probe-"));
  try {
    const bpfArgs = programs.flatMap((p, i) => {
      const file = join(dir, `${i}.bpf`);
      writeFileSync(file, p);
      return ["--bpf", file];
    });
    // Root installs filters as a legacy engine does (no NO_NEW_PRIVS); anyone else needs it.
    const nnp = process.getuid?.() === 0 ? [] : ["--nnp"];
    const r = spawnSync(runner, [...nnp, ...bpfArgs, "--", prober, ...calls], { encoding: "utf8" });
    if (r.error) throw r.error;
    if (r.status === 125) throw new Error(`seccomp-run failed: ${r.stderr.trim()}`);
    const answers = r.stdout.trim().split("\n").filter(Boolean).map((l) => {
      const [call, ret, errno] = l.split(" ");
      return { call: call!, ret: Number(ret), errno: Number(errno) };
    });
    return { answers, signal: r.signal, status: r.status, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The errno of each call, in order; throws unless every call was answered. */
export function errnos(run: ProbeRun, expectedCalls: number): number[] {
  if (run.answers.length !== expectedCalls || run.signal) {
    throw new Error(`probe answered ${run.answers.length}/${expectedCalls} calls (signal ${run.signal}, status ${run.status})`);
  }
  return run.answers.map((a) => a.errno);
}

// The clone3 preset on the real kernel: our program is installed in a child (seccomp-run) and
// syscall-probe reports what the kernel answered, natively and from an i386 (-m32) probe.
// x86_64 hosts only: the numbers below are x86's, and only there can we run all three ABIs.
import { describe, expect, it } from "vitest";
import { clone3Preset } from "../../policy/index.ts";
import { compile } from "../../wasm/core.ts";
import { errnos, onX86_64Linux, probe } from "../peer/kernel.ts";
import { exportBpf } from "../peer/libseccomp.ts";

const ENOSYS = 38, EINVAL = 22, EPERM = 1;
// x86_64 numbers; i386 ones; x32 = 0x40000000 | x32's own (this kernel has x32 disabled and
// answers every x32 number with ENOSYS itself, so x32 is judged through stacking below).
const X86_64 = { clone3: "435,0,0", getpid: "39", minusOne: "-1" };
const I386 = { clone3: "435,0,0", getpid: "20" };
const X32 = { clone3: "0x400001b3", getpid: "0x40000027" };

describe.skipIf(!onX86_64Linux)("clone3 preset on the real kernel (x86_64 host only)", () => {
  const ours = () => compile(clone3Preset("x86_64"), { byteOrder: "little" }).bytes;
  // The upstream filter libseccomp makes (native x86_64 only, bad arch KILL), as a control.
  const upstream = () => exportBpf({ defaultAction: 0x7fff0000, arches: ["x86_64"], optimize: 1, rules: [{ action: 0x50026, name: "clone3", conds: [] }] }).bytes;

  it("without a filter, clone3(NULL, 0) is EINVAL (the kernel has clone3)", () => {
    expect(errnos(probe([], [X86_64.clone3]), 1)).toEqual([EINVAL]);
    expect(errnos(probe([], [I386.clone3], "i386"), 1)).toEqual([EINVAL]);
  });

  it("answers native clone3 with ENOSYS, lets getpid through, and does not kill nr -1", () => {
    const run = probe([ours()], [X86_64.clone3, X86_64.getpid, X86_64.minusOne]);
    expect(errnos(run, 3)).toEqual([ENOSYS, 0, ENOSYS]);
    expect(run.answers[1]!.ret).toBeGreaterThan(0);
    expect(run.status).toBe(0);
  });

  it("serves an i386 process: clone3 ENOSYS, getpid works", () => {
    const run = probe([ours()], [I386.clone3, I386.getpid], "i386");
    expect(errnos(run, 2)).toEqual([ENOSYS, 0]);
    expect(run.answers[1]!.ret).toBeGreaterThan(0);
  });

  it("control: the upstream libseccomp filter kills the same i386 process (SIGSYS)", () => {
    const run = probe([upstream()], [I386.getpid], "i386");
    expect(run.signal).toBe("SIGSYS");
    expect(run.answers).toEqual([]);
  });

  it("lets x32 numbers reach the kernel (which answers ENOSYS itself) instead of killing", () => {
    const run = probe([ours()], [X32.clone3, X32.getpid]);
    expect(errnos(run, 2)).toEqual([ENOSYS, ENOSYS]);
    const killed = probe([upstream()], [X32.getpid]);
    expect(killed.signal).toBe("SIGSYS");
  });
});

describe.skipIf(!onX86_64Linux)("stacking on a legacy engine's filter (x86_64 host only)", () => {
  const ours = () => compile(clone3Preset("x86_64"), { byteOrder: "little" }).bytes;
  // What Docker <= 20.10.9 effectively does to clone3, on all three x86 ABIs; built by libseccomp.
  const legacy = (action: number) =>
    exportBpf({ defaultAction: 0x7fff0000, arches: ["x86_64", "x86", "x32"], optimize: 1, rules: [{ action, name: "clone3", conds: [] }] }).bytes;
  const eperm = () => legacy(0x50000 | EPERM);

  it("the legacy filter alone answers clone3 with EPERM on every ABI (x32 included)", () => {
    expect(errnos(probe([eperm()], [X86_64.clone3, X32.clone3, X32.getpid]), 3)).toEqual([EPERM, EPERM, ENOSYS]);
    expect(errnos(probe([eperm()], [I386.clone3], "i386"), 1)).toEqual([EPERM]);
  });

  it("legacy EPERM, then ours: ENOSYS wins on every ABI (the newest filter's errno)", () => {
    expect(errnos(probe([eperm(), ours()], [X86_64.clone3, X32.clone3, X86_64.getpid]), 3)).toEqual([ENOSYS, ENOSYS, 0]);
    expect(errnos(probe([eperm(), ours()], [I386.clone3, I386.getpid], "i386"), 2)).toEqual([ENOSYS, 0]);
  });

  it("ours, then the EPERM one: EPERM wins (order matters, newest first)", () => {
    expect(errnos(probe([ours(), eperm()], [X86_64.clone3, X32.clone3]), 2)).toEqual([EPERM, EPERM]);
    expect(errnos(probe([ours(), eperm()], [I386.clone3], "i386"), 1)).toEqual([EPERM]);
  });

  it("an outer KILL still wins over our ERRNO: the child dies with SIGSYS at clone3", () => {
    const run = probe([legacy(0 /* KILL_THREAD */), ours()], [X86_64.getpid, X86_64.clone3, X86_64.getpid]);
    expect(run.signal).toBe("SIGSYS");
    expect(run.answers.map((a) => a.call)).toEqual([X86_64.getpid]);
  });
});

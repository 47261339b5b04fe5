// An i386 syscall made with `int $0x80` from a 64-bit process keeps the registers' upper halves,
// and the kernel hands them to the filter. libseccomp (runc's compiler) compares only the low
// words on i386, so its verdict ignores them; ours must agree, here on the real kernel.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseOci } from "../../policy/oci.ts";
import { resolve } from "../../policy/resolve.ts";
import { compile } from "../../wasm/core.ts";
import { helper } from "../helpers/native.ts";
import { exportBpf, fromOci } from "../peer/libseccomp.ts";
import { onX86_64Linux } from "../peer/kernel.ts";

const EIO = 5;
const I386_GETPID = 20;
// getpid ignores its arguments, so only the filter reacts to arg0: EIO when its low word is 1.
const oci = parseOci({
  defaultAction: "SCMP_ACT_ALLOW",
  architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  syscalls: [{ names: ["getpid"], action: "SCMP_ACT_ERRNO", errnoRet: EIO, args: [{ index: 0, value: 1, op: "SCMP_CMP_EQ" }] }],
});

/** What `int $0x80` getpid answers for each arg0 under `program`: the errno, or 0 when it succeeded. */
function int80Getpid(program: Uint8Array, arg0s: string[]): number[] {
  const dir = mkdtempSync(join(tmpdir(), "int80-"));
  try {
    writeFileSync(join(dir, "p.bpf"), program);
    const calls = arg0s.map((a) => `${I386_GETPID},${a}`);
    const r = spawnSync(helper("seccomp-run"), ["--bpf", join(dir, "p.bpf"), "--", helper("syscall-probe"), "--int80", ...calls], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim().split("\n").map((l) => Number(l.split(" ")[2]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!onX86_64Linux || process.getuid?.() !== 0)("i386 arguments with dirty upper halves (int $0x80 from x86_64)", () => {
  const arg0s = ["1", "0x700000001", "2", "0x700000002"];

  it("libseccomp's program sees only the low word", () => {
    const theirs = exportBpf(fromOci(oci, "x86_64", 2)).bytes;
    expect(int80Getpid(theirs, arg0s)).toEqual([EIO, EIO, 0, 0]);
  });

  it("ours gives the same answers", () => {
    const ours = compile(resolve(oci, "x86_64", { unknownNames: "fail" }).policy).bytes;
    expect(int80Getpid(ours, arg0s)).toEqual([EIO, EIO, 0, 0]);
  });
});

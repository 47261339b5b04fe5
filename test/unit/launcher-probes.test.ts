// launcher/probes.ts: every hideable syscall has a probe, and on the real kernel each probe is a
// failing call (so it does nothing) that a filter's EPERM or ENOSYS shows through unchanged.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { syscallNr } from "../../arch/index.ts";
import { answerOf, PROBE_ARGS } from "../../launcher/probes.ts";
import { KNOWN_HIDEABLE, TIME64_FALLBACKS } from "../../policy/preset.ts";
import { helper } from "../helpers/native.ts";
import { repoRoot } from "../launcher/legacy-engine.ts";

const names = Object.keys(KNOWN_HIDEABLE);
/** The time64 family exists on 32-bit ABIs only: those probes run as i386 (a -m32 build), which
 *  goes through the same kernel checks as arm's. */
const ABI_OF = (name: string) => (name in TIME64_FALLBACKS ? "i386" : "x86_64") as "i386" | "x86_64";
const EINVAL = 22;
const EBADF = 9;
const EFAULT = 14;

/** "NR,A0,..." for syscall-probe, args as unsigned 32-bit values as the probe passes them. */
const probeArg = (name: string) => [syscallNr(ABI_OF(name), name)!, ...PROBE_ARGS[name]!].map((v) => `0x${(v >>> 0).toString(16)}`).join(",");

function probeAll(engine?: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const abi of ["x86_64", "i386"] as const) {
    const these = names.filter((n) => ABI_OF(n) === abi);
    // Static: a filter hiding statx would stop an i386 ld.so (its fstatat is statx first).
    const probe = helper("syscall-probe", abi === "i386" ? ["-m32", "-static"] : []);
    const argv = these.map(probeArg);
    const r = engine
      ? spawnSync(helper("seccomp-run"), ["--bpf", engine, "--", probe, ...argv], { encoding: "utf8" })
      : spawnSync(probe, argv, { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    these.forEach((name, i) => {
      const [, ret, errno] = lines[i]!.split(" ");
      expect(Number(ret), `${name} must fail, doing nothing`).toBe(-1);
      out.set(name, Number(errno));
    });
  }
  return out;
}

describe("probes", () => {
  it("cover every syscall the preset knows how to hide", () => {
    expect(Object.keys(PROBE_ARGS).sort()).toEqual([...names].sort());
  });

  it("fail in an argument check (EINVAL, EBADF, EFAULT for a NULL the kernel copies first) on this kernel when nothing filters them", () => {
    for (const [name, errno] of probeAll()) {
      expect([EINVAL, EBADF, EFAULT], `${name}: errno ${errno}`).toContain(errno);
      expect(answerOf(errno)).toBe("ok");
    }
  });

  it("show a filter's EPERM and ENOSYS", () => {
    const dir = mkdtempSync(join(tmpdir(), "clone3-workaround-probes-"));
    try {
      for (const [errnoRet, answer] of [[1, "EPERM"], [38, "ENOSYS"]] as const) {
        const policy = join(dir, "policy.json");
        writeFileSync(policy, JSON.stringify({ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], syscalls: [{ names, action: "SCMP_ACT_ERRNO", errnoRet }] }));
        const bpf = join(dir, "filter.bpf");
        const c = spawnSync(join(repoRoot, "node_modules", ".bin", "bun"), [join(repoRoot, "launcher", "cli.ts"), "--compile", "--arch", "x86_64", "--policy", policy, "--format", "raw", "-o", bpf], { encoding: "utf8" });
        expect(c.status, c.stderr).toBe(0);
        for (const [name, errno] of probeAll(bpf)) expect(answerOf(errno), name).toBe(answer);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

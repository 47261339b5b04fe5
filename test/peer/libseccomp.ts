// The libseccomp peer, host side: turns an OCI seccomp selection into scmp-export's policy
// text the way runc does, runs Debian's libseccomp through test/peer/scmp-export.c, and hands
// back the program it exports. Tests and benches compare our core against this.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AbiName } from "../../arch/types.ts";
import { EPERM, RET } from "../../policy/action.ts";
import type { OciSeccomp } from "../../policy/oci.ts";
import type { CmpOp } from "../../policy/resolved.ts";
import { cacheRoot } from "../helpers/native.ts";

const here = dirname(fileURLToPath(import.meta.url));

/** libseccomp's spelling of each of our ABIs. */
export const SCMP_ARCH: Record<AbiName, string> = {
  x86_64: "x86_64", i386: "x86", x32: "x32", aarch64: "aarch64", arm: "arm",
  ppc64le: "ppc64le", s390x: "s390x", s390: "s390",
};

/** Whether libseccomp's export of an arch is big-endian (it writes the target's byte order). */
export const SCMP_BIG_ENDIAN: Record<string, boolean> = {
  x86_64: false, x86: false, x32: false, aarch64: false, arm: false, ppc64le: false, s390x: true, s390: true,
};

export interface ScmpCond { arg: number; op: CmpOp; value: bigint; valueTwo?: bigint }
export interface ScmpRule { action: number; name: string; conds: ScmpCond[] }

/** What scmp-export builds: one libseccomp filter context. */
export interface ScmpPolicy {
  defaultAction: number;
  /** Unset: libseccomp's default, KILL (thread). */
  badArchAction?: number;
  /** libseccomp arch names, e.g. ["x86_64", "x86", "x32"]. */
  arches: string[];
  optimize: 1 | 2;
  rules: ScmpRule[];
}

const hex = (n: number | bigint) => `0x${n.toString(16)}`;

/** The policy file scmp-export reads (format documented in scmp-export.c). */
export function policyText(p: ScmpPolicy): string {
  const lines = [`default ${hex(p.defaultAction >>> 0)}`, `optimize ${p.optimize}`];
  if (p.badArchAction !== undefined) lines.push(`badarch ${hex(p.badArchAction >>> 0)}`);
  for (const a of p.arches) lines.push(`arch ${a}`);
  for (const r of p.rules) {
    const conds = r.conds.map((c) =>
      `${c.arg} ${c.op} ${hex(c.value)}${c.op === "MASKED_EQ" ? ` ${hex(c.valueTwo ?? 0n)}` : ""}`);
    lines.push(["rule", hex(r.action >>> 0), r.name, ...conds].join(" "));
  }
  return `${lines.join("\n")}\n`;
}

/** runc's getAction: OCI action name + errnoRet -> seccomp return value. */
export function ociAction(name: string, errnoRet: number | undefined): number {
  const data = (errnoRet ?? EPERM) & 0xffff;
  switch (name) {
    case "SCMP_ACT_KILL": case "SCMP_ACT_KILL_THREAD": return RET.KILL_THREAD;
    case "SCMP_ACT_KILL_PROCESS": return RET.KILL_PROCESS;
    case "SCMP_ACT_TRAP": return RET.TRAP;
    case "SCMP_ACT_ERRNO": return (RET.ERRNO | data) >>> 0;
    case "SCMP_ACT_TRACE": return (RET.TRACE | data) >>> 0;
    case "SCMP_ACT_ALLOW": return RET.ALLOW;
    case "SCMP_ACT_LOG": return RET.LOG;
    case "SCMP_ACT_NOTIFY": return RET.USER_NOTIF;
    default: throw new Error(`unknown OCI action ${name}`);
  }
}

/** OCI "SCMP_ARCH_X86_64" -> libseccomp "x86_64". */
export const ociArch = (a: string): string => a.replace(/^SCMP_ARCH_/, "").toLowerCase();

/**
 * The filter runc (libcontainer/seccomp) builds from an OCI selection on a `native` host
 * (libseccomp arch name): seccomp_init adds the native arch, then each listed one; rules whose
 * action equals the default are dropped; a rule whose conditions test one argument twice
 * becomes one rule per condition (ORed), otherwise one rule with all of them (ANDed).
 * Written from runc's seccomp_linux.go, independently of policy/resolve.ts.
 */
export function fromOci(oci: OciSeccomp, native: string, optimize: 1 | 2): ScmpPolicy {
  const defaultAction = ociAction(oci.defaultAction, oci.defaultErrnoRet);
  const rules: ScmpRule[] = [];
  for (const s of oci.syscalls ?? []) {
    const action = ociAction(s.action, s.errnoRet);
    if (action === defaultAction) continue;
    const conds: ScmpCond[] = (s.args ?? []).map((c) => ({
      arg: c.index,
      op: c.op.replace(/^SCMP_CMP_/, "") as CmpOp,
      value: BigInt(c.value),
      valueTwo: BigInt(c.valueTwo ?? 0),
    }));
    const repeated = new Set(conds.map((c) => c.arg)).size < conds.length;
    for (const name of s.names) {
      if (repeated) for (const c of conds) rules.push({ action, name, conds: [c] });
      else rules.push({ action, name, conds });
    }
  }
  const arches = [...new Set([native, ...(oci.architectures ?? []).map(ociArch)])];
  return { defaultAction, arches, optimize, rules };
}

/** Path of the scmp-export binary, built with gcc -lseccomp into the cache on first use. */
export function scmpExportBinary(): string {
  const src = join(here, "scmp-export.c");
  const hash = createHash("sha256").update(readFileSync(src)).digest("hex").slice(0, 12);
  const dir = join(cacheRoot, "peer");
  const out = join(dir, `scmp-export-${hash}`);
  if (!existsSync(out)) {
    mkdirSync(dir, { recursive: true });
    // Unique per caller: test files build this concurrently, possibly as threads of one process.
    const tmp = `${out}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    execFileSync("gcc", ["-O2", "-Wall", "-Werror", "-o", tmp, src, "-lseccomp"], { stdio: "pipe" });
    renameSync(tmp, out);
  }
  return out;
}

export interface ScmpExport {
  /** seccomp_export_bpf's bytes, in the target's byte order. */
  bytes: Uint8Array;
  bigEndian: boolean;
  insns: number;
  /** Rule names libseccomp could not resolve (runc skips these too). */
  skipped: string[];
  /** Median nanoseconds of seccomp_init..seccomp_export_bpf, when timingRuns was given. */
  medianNs?: number;
}

/** Build `p` with libseccomp. With timingRuns, also time the build that many times in C. */
export function exportBpf(p: ScmpPolicy, timingRuns?: number, timeoutMs?: number): ScmpExport {
  const bin = scmpExportBinary();
  const dir = mkdtempSync(join(tmpdir(), "scmp-export-"));
  try {
    writeFileSync(join(dir, "policy"), policyText(p));
    const args = [...(timingRuns ? ["-t", String(timingRuns)] : []), join(dir, "policy"), join(dir, "out.bpf")];
    let stdout: string;
    try {
      // timeoutMs: libseccomp 2.5.4 never returns on some policies (bench/random-policies.ts).
      stdout = execFileSync(bin, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    } catch (e) {
      const stderr = String((e as { stderr?: unknown }).stderr ?? "").trim();
      throw new Error(stderr || `scmp-export failed: ${(e as Error).message}`);
    }
    const bytes = new Uint8Array(readFileSync(join(dir, "out.bpf")));
    const skipped = [...stdout.matchAll(/^skipped (\S+)$/gm)].map((m) => m[1]!);
    const median = /^median_ns (\d+)$/m.exec(stdout);
    const bigEndian = SCMP_BIG_ENDIAN[p.arches[0]!] ?? false;
    return { bytes, bigEndian, insns: bytes.length / 8, skipped, medianNs: median ? Number(median[1]) : undefined };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Differential test against libseccomp itself (Debian's python3-seccomp, the library runc uses):
// the OCI object is handed to libseccomp the way runc's InitSeccomp does it (written here
// again, in Python, from runc's code: getAction, matchCall's arg splitting, drop rules equal to
// the default), libseccomp resolves every name with its own tables and exports BPF, and a small
// BPF interpreter below runs that program. Our ResolvedPolicy is evaluated with the reference
// evaluator written from policy/resolved.ts (test/unit/reference.ts). Every number of every ABI, with argument vectors
// that exercise the profile's conditions, must get the same action. runc's ENOSYS stub is
// checked the same way: its decision is re-derived from patchbpf's code using libseccomp's own
// per-ABI maxima.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { abiFacts, abisOf, scmpArchToAbi, syscallNr } from "../../arch/index.ts";
import type { AbiFacts, AbiName, KernelArch } from "../../arch/types.ts";
import { RET } from "../../policy/action.ts";
import { mobyToOci } from "../../policy/moby.ts";
import { OCI_ARCHES, ociToJson, parseOci, type OciSeccomp } from "../../policy/oci.ts";
import { parseJson } from "../../policy/json.ts";
import { resolve } from "../../policy/resolve.ts";
import { withRuncEnosysStub } from "../../policy/runc.ts";
import { evaluate } from "./reference.ts";

const moby = (v: string): unknown => parseJson(readFileSync(mobyProfilePath(`v20.10.${v}` as MobyVersion), "utf8"), v);

const ORACLE = String.raw`
import json, sys, os, errno, seccomp
req = json.load(sys.stdin)
oci = req["oci"]
ARCH = {"x86_64": seccomp.Arch.X86_64, "i386": seccomp.Arch.X86, "x32": seccomp.Arch.X32,
        "aarch64": seccomp.Arch.AARCH64, "arm": seccomp.Arch.ARM, "ppc64le": seccomp.Arch.PPC64LE,
        "s390x": seccomp.Arch.S390X, "s390": seccomp.Arch.S390}
OPS = {"SCMP_CMP_NE": seccomp.NE, "SCMP_CMP_LT": seccomp.LT, "SCMP_CMP_LE": seccomp.LE,
       "SCMP_CMP_EQ": seccomp.EQ, "SCMP_CMP_GE": seccomp.GE, "SCMP_CMP_GT": seccomp.GT,
       "SCMP_CMP_MASKED_EQ": seccomp.MASKED_EQ}
def action(name, ret):
    if name in ("SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD"): return ("KILL", 0)
    if name in ("SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"): return (name[9:], errno.EPERM if ret is None else ret)
    return (name[9:], 0)
def scmp(act):
    kind, data = act
    if kind == "ERRNO": return seccomp.ERRNO(data)
    if kind == "TRACE": return seccomp.TRACE(data)
    return {"KILL": seccomp.KILL, "KILL_PROCESS": seccomp.KILL_PROCESS, "TRAP": seccomp.TRAP,
            "ALLOW": seccomp.ALLOW, "LOG": seccomp.LOG}[kind]
default = action(oci["defaultAction"], oci.get("defaultErrnoRet"))
f = seccomp.SyscallFilter(scmp(default))
f.remove_arch(seccomp.Arch.NATIVE)
for abi in req["abis"]:
    f.add_arch(ARCH[abi])
f.set_attr(seccomp.Attr.CTL_OPTIMIZE, req["optimize"])
unknown = set()
for call in oci.get("syscalls") or []:
    act = action(call["action"], call.get("errnoRet"))
    if act == default:
        continue
    raw = call.get("args") or []
    args = [seccomp.Arg(a["index"], OPS[a["op"]], a.get("value", 0), a.get("valueTwo", 0)) for a in raw]
    idx = [a["index"] for a in raw]
    groups = [[a] for a in args] if len(set(idx)) < len(idx) else [args]
    for name in call["names"]:
        for g in groups:
            try:
                f.add_rule(scmp(act), name, *g)
            except Exception:
                unknown.add(name)
maxima = {}
for abi in req["abis"]:
    best = 0
    for call in oci.get("syscalls") or []:
        for name in call["names"]:
            try:
                best = max(best, seccomp.resolve_syscall(ARCH[abi], name))
            except Exception:
                pass
    maxima[abi] = best
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r)
    with os.fdopen(w, "wb") as out:
        f.export_bpf(out)
    os._exit(0)
os.close(w)
data = os.fdopen(r, "rb").read()
os.waitpid(pid, 0)
json.dump({"bpf": data.hex(), "maxima": maxima, "unknown": sorted(unknown)}, sys.stdout)
`;
import { mobyProfilePath, type MobyVersion } from "../fixtures/index.ts";
import { actionName } from "../../wasm/core.ts";

interface Oracle {
  insns: { code: number; jt: number; jf: number; k: number }[];
  /** runc's findLastSyscalls per ABI, raw numbers (x32 with its bit), from libseccomp's tables. */
  maxima: Partial<Record<AbiName, number>>;
  unknown: string[];
}

/**
 * libseccomp's program for `abis`. `actions` are the return values the policy can produce:
 * libseccomp 2.5.4, exporting for a big-endian arch on this little-endian host, writes a few
 * RET constants in host order (seen on s390x); a RET that is not one of `actions` but whose
 * byte-swap is gets swapped back.
 */
function libseccomp(oci: OciSeccomp, abis: AbiName[], bigEndian: boolean, actions: Set<number>): Oracle {
  const input = `{"abis":${JSON.stringify(abis)},"optimize":2,"oci":${ociToJson(oci)}}`;
  const run = spawnSync("/usr/bin/python3", ["-c", ORACLE], { input, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`python3-seccomp oracle failed: ${run.stderr}`);
  const out = JSON.parse(run.stdout) as { bpf: string; maxima: Oracle["maxima"]; unknown: string[] };
  const bytes = Buffer.from(out.bpf, "hex");
  const insns = [];
  for (let i = 0; i < bytes.length; i += 8) {
    insns.push(
      bigEndian
        ? { code: bytes.readUInt16BE(i), jt: bytes[i + 2]!, jf: bytes[i + 3]!, k: bytes.readUInt32BE(i + 4) }
        : { code: bytes.readUInt16LE(i), jt: bytes[i + 2]!, jf: bytes[i + 3]!, k: bytes.readUInt32LE(i + 4) },
    );
  }
  const swap = (k: number): number => Buffer.from(new Uint32Array([k]).buffer).readUInt32BE(0);
  for (const insn of insns) {
    if (bigEndian && insn.code === 0x06 && !actions.has(insn.k) && actions.has(swap(insn.k))) insn.k = swap(insn.k);
  }
  return { insns, maxima: out.maxima, unknown: out.unknown };
}

interface Probe {
  arch: number;
  nr: number;
  args: bigint[]; // 6 u64
}

/** The 32-bit word at `off` of the seccomp_data the kernel builds for `probe` on an arch of this byte order. */
function dataWord(p: Probe, off: number, bigEndian: boolean): number {
  if (off === 0) return p.nr;
  if (off === 4) return p.arch;
  if (off >= 16 && off < 64 && off % 4 === 0) {
    const arg = p.args[(off - 16) >> 3]!;
    const high = (off & 4) === 0 ? bigEndian : !bigEndian;
    return Number(high ? arg >> 32n : arg & 0xffffffffn);
  }
  if (off === 8 || off === 12) return 0; // instruction pointer
  throw new Error(`load outside seccomp_data: ${off}`);
}

/** Classic BPF as the kernel runs it, for the opcodes libseccomp emits. */
function runBpf(insns: Oracle["insns"], p: Probe, bigEndian: boolean): number {
  let a = 0;
  let x = 0;
  const mem = new Uint32Array(16);
  for (let pc = 0; pc < insns.length; ) {
    const { code, jt, jf, k } = insns[pc]!;
    const jump = (cond: boolean): void => void (pc += 1 + (cond ? jt : jf));
    switch (code) {
      case 0x20: a = dataWord(p, k, bigEndian); pc++; break; // ld [k]
      case 0x00: a = k; pc++; break; // ld #k
      case 0x01: x = k; pc++; break; // ldx #k
      case 0x60: a = mem[k]!; pc++; break;
      case 0x61: x = mem[k]!; pc++; break;
      case 0x02: mem[k] = a; pc++; break;
      case 0x03: mem[k] = x; pc++; break;
      case 0x54: a = (a & k) >>> 0; pc++; break;
      case 0x07: x = a; pc++; break;
      case 0x87: a = x; pc++; break;
      case 0x05: pc += 1 + k; break;
      case 0x15: jump(a === k); break;
      case 0x25: jump(a > k); break;
      case 0x35: jump(a >= k); break;
      case 0x45: jump((a & k) !== 0); break;
      case 0x1d: jump(a === x); break;
      case 0x2d: jump(a > x); break;
      case 0x3d: jump(a >= x); break;
      case 0x06: return k;
      case 0x16: return a;
      default: throw new Error(`opcode 0x${code.toString(16)} at ${pc} not handled by the test interpreter`);
    }
  }
  throw new Error("fell off the end of the program");
}

/** runc patchbpf's stub decision (generateEnosysStub), from its code: ENOSYS, or undefined = run the filter. */
function runcStub(p: Probe, abis: AbiFacts[], maxima: Oracle["maxima"]): number | undefined {
  const X32_BIT = 0x40000000;
  const section = abis.filter((f) => f.auditArch === p.arch && (maxima[f.name] ?? 0) !== 0);
  if (section.length === 0) return undefined;
  const enosys = (RET.ERRNO | 38) >>> 0;
  const max = (abi: AbiName): number => maxima[abi]!;
  const names = section.map((f) => f.name);
  if (names.includes("x86_64") && names.includes("x32")) {
    return (p.nr & X32_BIT ? p.nr > max("x32") : p.nr > max("x86_64")) ? enosys : undefined;
  }
  const only = names[0]!;
  if (only === "x86_64" && p.nr & X32_BIT) return undefined;
  if (only === "x32" && !(p.nr & X32_BIT)) return undefined;
  if ((only === "s390" || only === "s390x") && p.nr === 0) return enosys;
  return p.nr >>> 0 > max(only) ? enosys : undefined;
}

const ARG_VECTORS: bigint[][] = [
  [0n],
  [8n],
  [0x20000n],
  [0x20008n],
  [0xffffffffn],
  [0xffffffffffffffffn],
  [0x100000000n],
  [0x10000000n, 0x20000n], // CLONE_NEWNS in arg 1 (s390 clone), CLONE_NEWUSER in arg 0
  [0x20000n, 0n],
  [7n, 7n, 7n, 7n, 7n, 7n],
  [0x100000007n, 0x500000003n, 0x7n],
  [0x80000000n, 0xfffffffen, 0x100000008n],
].map((v) => [...v, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6));


const sixArgs = (v: bigint[]): bigint[] => [...v, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6);

function probes(abis: AbiFacts[], extra: bigint[][] = []): Probe[] {
  const out: Probe[] = [];
  const arches = [...new Set(abis.map((f) => f.auditArch))];
  const vectors = [...ARG_VECTORS, ...extra.map(sixArgs)];
  for (const facts of abis) {
    const mask = facts.bits === 32 ? 0xffffffffn : 0xffffffffffffffffn;
    for (let nr = 0; nr <= facts.maxNr + 16; nr++) {
      for (const args of vectors) out.push({ arch: facts.auditArch, nr: facts.nrBase + nr, args: args.map((a) => a & mask) });
    }
  }
  const odd = [0x3fffffff, 0x40000000, 0x40000000 + 1000, 0x7fffffff, 0x80000000, 0xbfffffff, 0xc0000000, 0xfffffffe, 0xffffffff];
  for (const arch of arches) for (const nr of odd) out.push({ arch, nr, args: ARG_VECTORS[0]! });
  // An arch no ABI of this kernel has: the bad-arch action.
  out.push({ arch: 0x4000003e, nr: 1, args: ARG_VECTORS[0]! });
  return out;
}

/**
 * A place where libseccomp is wrong and we keep the right answer (policy/README.md, "Known
 * libseccomp differences"): where libseccomp's verdict differs from ours on a probe it matches,
 * the probe is counted under `reason` instead of failing; tests expect the count to be > 0, so
 * that an entry goes away once libseccomp stops being wrong.
 */
interface KnownDifference {
  reason: string;
  matches: (p: Probe) => boolean;
}

function compare(
  k: KernelArch,
  oci: OciSeccomp,
  opts: { extraArgs?: bigint[][]; known?: KnownDifference[] } = {},
): { checked: number; mismatches: string[]; excused: Map<string, number> } {
  const excused = new Map<string, number>();
  const { policy, skipped } = resolve(oci, k, { unknownNames: "skip" });
  void skipped;
  const abiNames = policy.abis.map((a) => a.abi.name);
  const actions = new Set([policy.defaultAction, policy.badArchAction, (RET.ERRNO | 38) >>> 0]);
  for (const a of policy.abis) for (const r of a.rules) actions.add(r.action >>> 0);
  const oracle = libseccomp(oci, abiNames, policy.bigEndian, actions);
  expect(oracle.unknown, "names libseccomp does not know at all").toEqual([]);
  const stubbed = withRuncEnosysStub(policy, oci);
  const allowLike = ([RET.ALLOW, RET.LOG, RET.TRACE] as number[]).includes((policy.defaultAction & 0xffff0000) >>> 0);
  const mismatches: string[] = [];
  let checked = 0;
  for (const p of probes(abisOf(k), opts.extraArgs)) {
    const known = opts.known?.find((d) => d.matches(p));
    const filter = runBpf(oracle.insns, p, policy.bigEndian) >>> 0;
    const stub = allowLike ? undefined : runcStub(p, policy.abis.map((a) => a.abi), oracle.maxima);
    const pairs: [string, number, number][] = [
      ["plain", filter, evaluate(policy, p) >>> 0],
      ["runc", stub ?? filter, evaluate(stubbed, p) >>> 0],
    ];
    for (const [what, want, got] of pairs) {
      checked++;
      if (want !== got && known) excused.set(known.reason, (excused.get(known.reason) ?? 0) + 1);
      else if (want !== got && mismatches.length < 40) {
        mismatches.push(
          `${what} arch=0x${p.arch.toString(16)} nr=0x${p.nr.toString(16)} args=${p.args.slice(0, 2).map((a) => a.toString(16))}: libseccomp ${actionName(want)}, ours ${actionName(got)}`,
        );
      }
    }
  }
  return { checked, mismatches, excused };
}

describe("resolve + withRuncEnosysStub agree with libseccomp and runc's stub", () => {
  for (const k of ["x86_64", "aarch64", "ppc64le", "s390x"] as KernelArch[]) {
    for (const v of ["9", "10"]) {
      it(`moby v20.10.${v} on ${k} (Docker's caps, kernel 6.12)`, () => {
        const oci = mobyToOci(moby(v), { kernelArch: k, kernelVersion: "6.12" });
        const { checked, mismatches } = compare(k, oci);
        expect(mismatches).toEqual([]);
        expect(checked).toBeGreaterThan(5_000);
      });
    }
  }

  it("an OCI profile with every action, op and arg shape, native ABI only (x32 numbers get bad-arch)", () => {
    const oci = parseOci(
      parseJson(
        `{
      "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 13, "architectures": ["SCMP_ARCH_X86_64"],
      "syscalls": [
        {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [
          {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 131072, "op": "SCMP_CMP_EQ"}]},
        {"names": ["mmap"], "action": "SCMP_ACT_ALLOW", "args": [
          {"index": 0, "value": 4294967296, "op": "SCMP_CMP_GE"}, {"index": 1, "value": 8, "op": "SCMP_CMP_LT"}]},
        {"names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "args": [
          {"index": 0, "value": 2114060288, "valueTwo": 131072, "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["clone"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["kill"], "action": "SCMP_ACT_KILL_PROCESS", "args": [{"index": 1, "value": 7, "op": "SCMP_CMP_NE"}]},
        {"names": ["tkill"], "action": "SCMP_ACT_TRAP", "args": [{"index": 0, "value": 18446744073709551615, "op": "SCMP_CMP_LE"}]},
        {"names": ["tgkill"], "action": "SCMP_ACT_KILL", "args": [{"index": 2, "value": 0, "op": "SCMP_CMP_GT"}]},
        {"names": ["getpid"], "action": "SCMP_ACT_TRACE", "errnoRet": 99},
        {"names": ["getppid"], "action": "SCMP_ACT_LOG"},
        {"names": ["gettid"], "action": "SCMP_ACT_ERRNO"},
        {"names": ["getuid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}
      ]}`,
        "t",
      ),
    );
    const { mismatches, checked } = compare("x86_64", oci);
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(5_000);
  });

  it("ordered, NE and masked compares with values above 2^32 on 32-bit ABIs (libseccomp compares low words)", () => {
    const oci = parseOci(
      parseJson(
        `{
      "defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
      "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5, "args": [{"index": 0, "value": 7, "op": "SCMP_CMP_GT"}]},
        {"names": ["write"], "action": "SCMP_ACT_ERRNO", "errnoRet": 6, "args": [{"index": 0, "value": 4294967304, "op": "SCMP_CMP_LT"}]},
        {"names": ["close"], "action": "SCMP_ACT_ERRNO", "errnoRet": 7, "args": [{"index": 1, "value": 21474836483, "op": "SCMP_CMP_NE"}]},
        {"names": ["dup"], "action": "SCMP_ACT_ERRNO", "errnoRet": 8, "args": [{"index": 0, "value": 2147483648, "op": "SCMP_CMP_GE"}, {"index": 1, "value": 4294967294, "op": "SCMP_CMP_LE"}]},
        {"names": ["dup2"], "action": "SCMP_ACT_ERRNO", "errnoRet": 9, "args": [{"index": 0, "value": 4294967303, "op": "SCMP_CMP_EQ"}]},
        {"names": ["pipe"], "action": "SCMP_ACT_ERRNO", "errnoRet": 10, "args": [{"index": 2, "value": 18446744069414584328, "valueTwo": 8, "op": "SCMP_CMP_MASKED_EQ"}]}
      ]}`,
        "t",
      ),
    );
    const { mismatches, checked } = compare("x86_64", oci);
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(5_000);
  });
});

// ---- libseccomp's semantics, one at a time, on every kernel arch ----------------------------

/** Every SCMP_ARCH_* whose ABI kernel arch `k` runs: the policy covers all of its ABIs. */
const allArches = (k: KernelArch): string[] =>
  OCI_ARCHES.filter((a) => abisOf(k).some((f) => f.name === scmpArchToAbi(a)));

const ociWithAll = (k: KernelArch, body: string): OciSeccomp =>
  parseOci(parseJson(body.replace('"@ALL"', JSON.stringify(allArches(k)).slice(1, -1)), "t"));

const KERNELS = ["x86_64", "aarch64", "ppc64le", "s390x"] as KernelArch[];

describe("libseccomp semantics, differential on every kernel arch and ABI", () => {
  it.each(KERNELS)("MASKED_EQ tests (arg & mask) == (valueTwo & mask) and drops a zero mask (low word on 32-bit ABIs) (%s)", (k) => {
    const oci = ociWithAll(k, `{
      "defaultAction": "SCMP_ACT_ALLOW", "architectures": ["@ALL"],
      "syscalls": [
        {"names": ["getrandom"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 3, "valueTwo": 7, "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 2, "args": [{"index": 0, "value": 0, "valueTwo": 5, "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["read"], "action": "SCMP_ACT_TRAP", "args": [{"index": 1, "value": 8, "op": "SCMP_CMP_EQ"}]},
        {"names": ["write"], "action": "SCMP_ACT_ERRNO", "errnoRet": 3, "args": [{"index": 2, "value": 4294967296, "valueTwo": 4294967296, "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["write"], "action": "SCMP_ACT_TRAP", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
        {"names": ["close"], "action": "SCMP_ACT_ERRNO", "errnoRet": 4, "args": [{"index": 0, "value": 18446744069414584320, "valueTwo": 1311768464867721231, "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["dup"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5, "args": [{"index": 0, "value": 240, "valueTwo": 255, "op": "SCMP_CMP_MASKED_EQ"}, {"index": 1, "value": 0, "valueTwo": 1, "op": "SCMP_CMP_MASKED_EQ"}]}
      ]}`);
    const { mismatches, checked } = compare(k, oci, {
      extraArgs: [[0n, 3n], [0n, 7n], [0n, 0x103n], [0n, 8n, 0x100000000n], [0x1234567800000000n], [0x12345678ffffffffn], [0xf0n, 1n], [0xffn]],
    });
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(5_000);
  });

  it.each(KERNELS)("socketcall and ipc get the socket and SysV IPC rules where the ABI has them (%s)", (k) => {
    const oci = ociWithAll(k, `{
      "defaultAction": "SCMP_ACT_ALLOW", "architectures": ["@ALL"],
      "syscalls": [
        {"names": ["sendmsg"], "action": "SCMP_ACT_TRAP"},
        {"names": ["semop", "msgrcv"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5},
        {"names": ["shmat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 6, "args": [{"index": 0, "value": 7, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 8, "op": "SCMP_CMP_EQ"}]},
        {"names": ["socket"], "action": "SCMP_ACT_KILL_PROCESS", "args": [{"index": 1, "value": 3, "op": "SCMP_CMP_GT"}]},
        {"names": ["recvmmsg", "send"], "action": "SCMP_ACT_LOG"},
        {"names": ["accept4"], "action": "SCMP_ACT_ERRNO", "errnoRet": 7, "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}
      ]}`);
    const { mismatches, checked } = compare(k, oci, {
      extraArgs: [[16n], [1n], [1n, 5n], [2n], [9n], [12n], [18n], [19n], [21n, 8n], [21n], [7n, 8n], [17n]],
    });
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(5_000);
  });

  it.each(KERNELS)("runc's ENOSYS stub counts a multiplexed call as its multiplexer, as libseccomp resolves it (%s)", (k) => {
    const oci = ociWithAll(k, `{
      "defaultAction": "SCMP_ACT_ERRNO", "architectures": ["@ALL"],
      "syscalls": [{"names": ["sendmsg", "recvmsg", "semop", "read"], "action": "SCMP_ACT_ALLOW"}]}`);
    const { mismatches, checked } = compare(k, oci, { extraArgs: [[16n], [17n], [1n]] });
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(5_000);
  });

  it("errno data above 4094 is refused by libseccomp and by us, TRACE data is not", () => {
    const py = (action: string): number =>
      spawnSync("/usr/bin/python3", ["-c", `import seccomp\nf = seccomp.SyscallFilter(seccomp.ALLOW)\nf.add_rule(${action}, "read")`], { stdio: "ignore" }).status ?? -1;
    const ours = (action: string, n: number): boolean => {
      try {
        parseOci(parseJson(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"${action}","errnoRet":${n}}]}`, "t"));
        return true;
      } catch {
        return false;
      }
    };
    for (const n of [0, 4094, 4095, 4096, 65535]) {
      expect(ours("SCMP_ACT_ERRNO", n), `ERRNO(${n})`).toBe(py(`seccomp.ERRNO(${n})`) === 0);
      expect(ours("SCMP_ACT_TRACE", n), `TRACE(${n})`).toBe(py(`seccomp.TRACE(${n})`) === 0);
    }
    expect(ours("SCMP_ACT_ERRNO", 4095)).toBe(false);
  });
});

describe("known libseccomp differences: we keep the right answer", () => {
  const nrOf = (abi: AbiName, name: string): number => {
    const facts = abisOf(abiKernel(abi)).find((f) => f.name === abi)!;
    return facts.nrBase + syscallNr(abi, name)!;
  };
  const abiKernel = (abi: AbiName): KernelArch => KERNELS.find((k) => abisOf(k).some((f) => f.name === abi))!;
  const onAbi = (abi: AbiName, names: string[]) => (p: Probe): boolean => {
    const facts = abiFacts(abi);
    return p.arch === facts.auditArch && names.some((n) => p.nr === nrOf(abi, n));
  };

  it.each(KERNELS)("a second 64-bit ordered test of one argument in one entry (runc splits it into two rules) (%s)", (k) => {
    // tkill: arg0 >= 2^32 OR arg0 <= 10 (runc's matchCall ORs conds that repeat an index).
    // libseccomp 2.5.4 merges the two 64-bit chains of arg0 wrongly and also answers ERRNO for
    // 0x20000 or 0xffffffff, which hold neither; on its 32-bit ABIs each test is one compare.
    const oci = ociWithAll(k, `{
      "defaultAction": "SCMP_ACT_ALLOW", "architectures": ["@ALL"],
      "syscalls": [
        {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 5, "op": "SCMP_CMP_GT"}, {"index": 0, "value": 2, "op": "SCMP_CMP_LT"}]},
        {"names": ["tkill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 4294967296, "op": "SCMP_CMP_GE"}, {"index": 0, "value": 10, "op": "SCMP_CMP_LE"}]}
      ]}`);
    const native = abisOf(k)[0]!.name;
    const reason = "libseccomp merges a second 64-bit ordered test of one argument wrongly";
    const { mismatches, checked, excused } = compare(k, oci, {
      extraArgs: [[1n], [3n], [6n], [0x100000000n], [11n], [0x100000001n], [0x500000003n]],
      known: [{ reason, matches: onAbi(native, ["tkill"]) }],
    });
    expect(mismatches).toEqual([]);
    expect(excused.get(reason)).toBeGreaterThan(0);
    expect(checked).toBeGreaterThan(5_000);
  });

  it("sys_debug_setcontext and switch_endian share one internal number in libseccomp (ppc64le)", () => {
    // libseccomp gives both names the pseudo number -10191 on every arch that lacks them, so a
    // rule resolved on a host whose table lacks them (this oracle runs on x86_64) and translated
    // back by number to ppc64le lands sys_debug_setcontext on switch_endian's 363. (runc on a
    // ppc64le host resolves both natively and gets them right, as we do.)
    const oci = ociWithAll("ppc64le", `{
      "defaultAction": "SCMP_ACT_ALLOW", "architectures": ["@ALL"],
      "syscalls": [
        {"names": ["sys_debug_setcontext"], "action": "SCMP_ACT_ERRNO", "errnoRet": 9},
        {"names": ["switch_endian"], "action": "SCMP_ACT_TRAP"}
      ]}`);
    const reason = "libseccomp shares -10191 between sys_debug_setcontext and switch_endian";
    const { mismatches, checked, excused } = compare("ppc64le", oci, {
      known: [{ reason, matches: onAbi("ppc64le", ["sys_debug_setcontext", "switch_endian"]) }],
    });
    expect(mismatches).toEqual([]);
    expect(excused.get(reason)).toBeGreaterThan(0);
    expect(checked).toBeGreaterThan(5_000);
  });
});

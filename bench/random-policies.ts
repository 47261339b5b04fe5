// Bench section: our compiler against libseccomp 2.5.4 (-O2, as runc builds it) on a seeded set
// of random OCI policies with argument conditions, per kernel arch, side by side in one run.
// The generator covers every action and op, 64-bit edge values, repeated indexes (runc's OR
// split) and every ABI of the arch, 32-bit ones included. Per policy:
// - length: instructions in the program;
// - worst path: the longest path through the program's (forward-only) jump graph, whatever the
//   arguments: the most a syscall can execute, counted the same way for both;
// - mean executed: over every number 0..maxNr of every covered ABI, args zero (bench/paths.ts).
// Names are drawn from those both our tables and libseccomp 2.5.4 know.
// The targets are printed with the distribution of our/libseccomp ratios; the length is also
// split into arch checks, nr dispatch, argument tests and returns (decompose), and the mean
// executed is set beside a comparison-tree floor (meanFloor).
import { spawnSync } from "node:child_process";
import { abisOf } from "../arch/index.ts";
import type { AbiFacts, KernelArch } from "../arch/types.ts";
import { ERRNO_MAX, OCI_ARCHES, type OciAction, type OciArg, type OciSeccomp, type OciSyscall, resolve } from "../policy/index.ts";
import { scmpArchToAbi, syscallNames } from "../arch/index.ts";
import { compile } from "../wasm/core.ts";
import { SCMP_ARCH, exportBpf, fromOci } from "../test/peer/libseccomp.ts";
import { prng, type Rng } from "../test/unit/prng.ts";
import { type PathStats, pathStats } from "./paths.ts";
import { type Section, type Table, fixed, mark } from "./table.ts";

const SEED = 0x9a11c0de;
/** Policies per arch; CLONE3_BENCH_POLICIES overrides (the targets need >= 2000). */
const PER_ARCH = Number(process.env.CLONE3_BENCH_POLICIES ?? 2000);
const MAX_INSNS = 4096;
/**
 * CLONE3_BENCH_LENGTH_WEIGHTS="1,4,16": also compile every policy at these length weights
 * (core.ts's compile option: one instruction of length against one more instruction executed
 * by one measured number) and print the trade-off per weight beside the targets.
 */
const SWEEP: number[] = (process.env.CLONE3_BENCH_LENGTH_WEIGHTS ?? "").split(",").filter((w) => w.trim() !== "").map(Number);
/** libseccomp 2.5.4 loops forever on a few policies; such a build is counted as hung. */
const LIBSECCOMP_TIMEOUT_MS = 5_000;

const ACTIONS: OciAction[] = [
  "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
  "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",
];
const OPS: OciArg["op"][] = ["SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"];
const EDGES = [0n, 1n, 2n, 7n, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffffn, 1n << 32n, (1n << 32n) + 1n, 1n << 63n, (1n << 64n) - 2n, (1n << 64n) - 1n];

function value(r: Rng): bigint {
  return r.chance(0.5) ? r.pick(EDGES) : r.chance(0.5) ? BigInt(r.int(4096)) : r.u64();
}

/**
 * The native ABI's names that libseccomp 2.5.4 also knows (asked through python3-seccomp): a
 * name it does not know (newer than its tables) it silently drops, which would make its programs
 * look shorter for the wrong reason.
 */
export function sharedNames(k: KernelArch): string[] {
  const native = abisOf(k)[0]!.name;
  const names = syscallNames(native);
  const script = `import json, sys, seccomp
arch = getattr(seccomp.Arch, sys.argv[1].upper())
out = []
for n in json.load(sys.stdin):
    try:
        if seccomp.resolve_syscall(arch, n) >= 0: out.append(n)
    except Exception: pass
json.dump(out, sys.stdout)`;
  const run = spawnSync("/usr/bin/python3", ["-c", script, SCMP_ARCH[native]], { input: JSON.stringify(names), encoding: "utf8" });
  if (run.status !== 0) throw new Error(`python3-seccomp: ${run.stderr.trim().split("\n").at(-1)}`);
  return JSON.parse(run.stdout) as string[];
}

export function randomPolicy(r: Rng, k: KernelArch, names: readonly string[]): OciSeccomp {
  const abis = abisOf(k);
  const arches = OCI_ARCHES.filter((a) => abis.some((f, i) => i > 0 && f.name === scmpArchToAbi(a) && r.chance(0.7)));
  const entry = (): OciSyscall => {
    const action = r.pick(ACTIONS);
    const call: OciSyscall = { names: Array.from({ length: 1 + r.int(4) }, () => r.pick(names)), action };
    if ((action === "SCMP_ACT_ERRNO" || action === "SCMP_ACT_TRACE") && r.chance(0.7)) call.errnoRet = r.int(ERRNO_MAX + 1);
    const nArgs = r.chance(0.3) ? 0 : 1 + r.int(3);
    if (nArgs > 0) {
      const repeat = r.chance(0.15);
      call.args = Array.from({ length: nArgs }, (_, i) => {
        const op = r.pick(OPS);
        const arg: OciArg = { index: repeat ? 0 : (i + r.int(6 - nArgs + 1)) % 6, op, value: value(r) };
        if (op === "SCMP_CMP_MASKED_EQ") arg.valueTwo = r.chance(0.6) ? value(r) & arg.value : value(r);
        return arg;
      });
      if (!repeat) {
        const seen = new Set<number>();
        call.args = call.args.filter((a) => !seen.has(a.index) && seen.add(a.index));
      }
    }
    return call;
  };
  const defaultAction = r.pick(ACTIONS);
  const oci: OciSeccomp = { defaultAction, syscalls: Array.from({ length: 1 + r.int(12) }, entry) };
  if (defaultAction === "SCMP_ACT_ERRNO" && r.chance(0.5)) oci.defaultErrnoRet = r.int(ERRNO_MAX + 1);
  if (arches.length) oci.architectures = arches;
  return oci;
}

/** Longest path from the entry to a RET, in instructions: jumps go forward only, so one pass from the end. */
export function worstPath(program: Uint8Array, bigEndian: boolean): number {
  const view = new DataView(program.buffer, program.byteOffset, program.byteLength);
  const n = program.length / 8;
  const longest = new Array<number>(n + 1).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    const code = view.getUint16(i * 8, !bigEndian);
    const jt = program[i * 8 + 2]!;
    const jf = program[i * 8 + 3]!;
    const k = view.getUint32(i * 8 + 4, !bigEndian);
    const cls = code & 0x07;
    if (cls === 0x06) longest[i] = 1; // RET
    else if (cls === 0x05 && (code & 0xf0) === 0x00) longest[i] = 1 + longest[i + 1 + k]!; // JA
    else if (cls === 0x05) longest[i] = 1 + Math.max(longest[i + 1 + jt]!, longest[i + 1 + jf]!);
    else longest[i] = 1 + longest[i + 1]!;
  }
  return longest[0]!;
}

/** The parts a program's length is decomposed into, by what the accumulator holds when each instruction runs. */
type Part = "arch" | "nr" | "args" | "ret";
const PARTS: Part[] = ["arch", "nr", "args", "ret"];

/**
 * Instructions per part: loads count for what they load (nr, arch or an argument word), jumps
 * and ALU for what A holds there (followed along forward jumps), RETs apart.
 */
export function decompose(program: Uint8Array, bigEndian: boolean): Record<Part, number> {
  const view = new DataView(program.buffer, program.byteOffset, program.byteLength);
  const n = program.length / 8;
  const ARG = 1, NR = 2, ARCH = 3; // what A holds (0: unknown, counted as argument code)
  const holds = new Array<number>(n + 1).fill(0);
  const out: Record<Part, number> = { arch: 0, nr: 0, args: 0, ret: 0 };
  const part = (h: number): Part => (h === ARCH ? "arch" : h === NR ? "nr" : "args");
  const flow = (to: number, h: number) => {
    if (to <= n) holds[to] = Math.max(holds[to]!, h);
  };
  for (let i = 0; i < n; i++) {
    const code = view.getUint16(i * 8, !bigEndian);
    const k = view.getUint32(i * 8 + 4, !bigEndian);
    const cls = code & 0x07;
    let h = holds[i]!;
    if (cls === 0x06) {
      out.ret++;
      continue;
    }
    if (cls === 0x00) h = k === 0 ? NR : k === 4 ? ARCH : ARG; // LD_ABS of seccomp_data
    out[part(h)]++;
    if (cls === 0x05 && (code & 0xf0) === 0x00) flow(i + 1 + k, h);
    else if (cls === 0x05) {
      flow(i + 1 + program[i * 8 + 2]!, h);
      flow(i + 1 + program[i * 8 + 3]!, h);
    } else flow(i + 1, h);
  }
  return out;
}

const PART_LABEL: Record<Part, string> = { arch: "arch checks", nr: "nr dispatch", args: "argument tests", ret: "returns" };

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

/**
 * What no comparison tree can beat, per measured number (after compiler.ts's moby floor): ld nr
 * and a RET; ld arch and one test on it unless the verdict is the bad-arch action (any arch
 * would get it); and the entropy of its ABI's same-verdict range widths. Read from our verdicts,
 * which are the policy's.
 */
function meanFloor(paths: PathStats, abis: AbiFacts[], badArchAction: number): number {
  let sum = 0;
  let count = 0;
  for (const abi of abis) {
    const widths: number[] = [];
    for (let nr = 0; nr <= abi.maxNr; nr++) {
      const verdict = paths.actionOf(abi.name, nr);
      sum += verdict === badArchAction ? 2 : 4;
      if (nr > 0 && verdict === paths.actionOf(abi.name, nr - 1)) widths[widths.length - 1]!++;
      else widths.push(1);
    }
    const n = abi.maxNr + 1;
    sum += widths.reduce((h, w) => h - w * Math.log2(w / n), 0);
    count += n;
  }
  return sum / count;
}

interface Sample { oursParts: Record<Part, number>; theirsParts: Record<Part, number>; ours: number; theirs: number; oursPath: number; theirsPath: number; oursMean: number; theirsMean: number; floorMean: number }

/** Per swept weight: what the targets compare, per policy built by both. */
interface SweepPoint { ours: number; theirs: number; oursPath: number; theirsPath: number; oursMean: number; theirsMean: number }

function measureArch(k: KernelArch): { table: Table; samples: Sample[]; sweep?: Table } {
  const r = prng((SEED ^ Math.imul(k.length, 0x9e3779b9)) >>> 0);
  const native = abisOf(k)[0]!;
  const samples: Sample[] = [];
  let refused = 0;
  let refusedBoth = 0;
  let theirsFailed = 0;
  let theirsHung = 0;
  let oursFailedAlone = 0;
  const names = sharedNames(k);
  const swept: SweepPoint[][] = SWEEP.map(() => []);
  for (let i = 0; i < PER_ARCH; i++) {
    const oci = randomPolicy(r, k, names);
    const { policy } = resolve(oci, k);
    const covered: AbiFacts[] = policy.abis.map((a) => a.abi);
    let theirs: { bytes: Uint8Array; bigEndian: boolean; insns: number };
    try {
      theirs = exportBpf(fromOci(oci, SCMP_ARCH[native.name], 2), undefined, LIBSECCOMP_TIMEOUT_MS);
    } catch (e) {
      if (/ETIMEDOUT|SIGTERM|timed out/i.test(String((e as Error).message)) || (e as { code?: string }).code === "ETIMEDOUT") theirsHung++;
      else theirsFailed++;
      // Ours must still build it.
      try {
        compile(policy);
      } catch {
        oursFailedAlone++;
      }
      continue;
    }
    let ours: { bytes: Uint8Array; byteOrder: string; insns: number };
    try {
      ours = compile(policy);
    } catch {
      if (theirs.insns <= MAX_INSNS) refused++;
      else refusedBoth++;
      continue;
    }
    const big = ours.byteOrder === "big";
    const oursPaths = pathStats(ours.bytes, big, covered, policy.defaultAction);
    const theirsPath = worstPath(theirs.bytes, theirs.bigEndian);
    const theirsMean = pathStats(theirs.bytes, theirs.bigEndian, covered, policy.defaultAction).mean;
    SWEEP.forEach((lengthWeight, w) => {
      const p = compile(policy, { lengthWeight });
      const pBig = p.byteOrder === "big";
      swept[w]!.push({ ours: p.insns, theirs: theirs.insns, oursPath: worstPath(p.bytes, pBig), theirsPath,
        oursMean: pathStats(p.bytes, pBig, covered, policy.defaultAction).mean, theirsMean });
    });
    samples.push({
      oursParts: decompose(ours.bytes, big),
      theirsParts: decompose(theirs.bytes, theirs.bigEndian),
      ours: ours.insns,
      theirs: theirs.insns,
      oursPath: worstPath(ours.bytes, big),
      theirsPath,
      oursMean: oursPaths.mean,
      floorMean: meanFloor(oursPaths, covered, policy.badArchAction),
      theirsMean,
    });
  }
  const ratio = (f: (s: Sample) => number, g: (s: Sample) => number) => samples.map((s) => f(s) / g(s));
  const lengthRatios = ratio((s) => s.ours, (s) => s.theirs);
  const pathRatios = ratio((s) => s.oursPath, (s) => s.theirsPath);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const shorter = samples.filter((s) => s.ours <= s.theirs).length / samples.length;
  const pathOk = samples.filter((s) => s.oursPath <= s.theirsPath).length / samples.length;
  const meanLen = mean(samples.map((s) => s.ours)) / mean(samples.map((s) => s.theirs));
  const meanExec = mean(samples.map((s) => s.oursMean)) / mean(samples.map((s) => s.theirsMean));
  const meanFloorRatio = mean(samples.map((s) => s.floorMean)) / mean(samples.map((s) => s.theirsMean));
  const dist = (xs: number[]) => [fixed(quantile(xs, 0.5), 2), fixed(quantile(xs, 0.95), 2), fixed(Math.max(...xs), 2)];
  const table: Table = {
    title: `random policies with argument conditions, ${k} (${abisOf(k).map((a) => a.name).join(" + ")}): ours vs libseccomp -O2`,
    headers: ["measure", "ours mean", "libseccomp mean", "ratio p50", "ratio p95", "ratio max"],
    rows: [
      ["length (insns)", fixed(mean(samples.map((s) => s.ours))), fixed(mean(samples.map((s) => s.theirs))), ...dist(lengthRatios)],
      ["worst path", fixed(mean(samples.map((s) => s.oursPath))), fixed(mean(samples.map((s) => s.theirsPath))), ...dist(pathRatios)],
      ["mean executed (args 0)", fixed(mean(samples.map((s) => s.oursMean)), 2), fixed(mean(samples.map((s) => s.theirsMean)), 2),
        ...dist(ratio((s) => s.oursMean, (s) => s.theirsMean))],
      ...PARTS.map((p) => [`  length: ${PART_LABEL[p]}`, fixed(mean(samples.map((s) => s.oursParts[p]))),
        fixed(mean(samples.map((s) => s.theirsParts[p]))), "", "", ""]),
    ],
    notes: [
      `${PER_ARCH} policies (seed 0x${SEED.toString(16)}), ${samples.length} built by both; libseccomp refused ${theirsFailed}` +
        ` and hung (> ${LIBSECCOMP_TIMEOUT_MS / 1000} s) on ${theirsHung}, of which ours refused ${oursFailedAlone}; both over 4096: ${refusedBoth}`,
      `target: 0 refused that libseccomp builds within 4096: ${refused} -> ${mark(refused === 0)}`,
      `target: length <= libseccomp's on >= 95%: ${fixed(shorter * 100)}% -> ${mark(shorter >= 0.95)}`,
      `target: mean length <= 0.8x: ${fixed(meanLen, 2)}x -> ${mark(meanLen <= 0.8)}`,
      `target: worst path <= libseccomp's on >= 99%: ${fixed(pathOk * 100)}% -> ${mark(pathOk >= 0.99)}`,
      `target: mean executed <= 0.6x: ${fixed(meanExec, 2)}x -> ${mark(meanExec <= 0.6)}` +
        ` (comparison-tree floor: ${fixed(mean(samples.map((s) => s.floorMean)), 2)}, ${fixed(meanFloorRatio, 2)}x)`,
    ],
  };
  if (!SWEEP.length) return { table, samples };
  const sweep: Table = {
    title: `length weight sweep, ${k}: ours vs libseccomp -O2 (targets: <= 0.8x, >= 95%, >= 99%, <= 0.6x)`,
    headers: ["length weight", "mean length", "length <= lib", "worst path <= lib", "mean executed"],
    rows: SWEEP.map((weight, w) => {
      const pts = swept[w]!;
      const share = (f: (p: SweepPoint) => boolean) => `${fixed((pts.filter(f).length / pts.length) * 100)}%`;
      const ratioOfMeans = (f: (p: SweepPoint) => number, g: (p: SweepPoint) => number) => `${fixed(mean(pts.map(f)) / mean(pts.map(g)), 2)}x`;
      return [String(weight), ratioOfMeans((p) => p.ours, (p) => p.theirs), share((p) => p.ours <= p.theirs),
        share((p) => p.oursPath <= p.theirsPath), ratioOfMeans((p) => p.oursMean, (p) => p.theirsMean)];
    }),
    notes: [`${PER_ARCH} policies per weight, the same set as above`],
  };
  return { table, samples, sweep };
}

export const randomPoliciesSection: Section = {
  name: "random-policies",
  run: () => (["x86_64", "aarch64", "ppc64le", "s390x"] as const).flatMap((k) => {
    const { table, sweep } = measureArch(k);
    return sweep ? [table, sweep] : [table];
  }),
};

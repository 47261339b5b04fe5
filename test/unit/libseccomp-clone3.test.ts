// The clone3 preset against the upstream filter: libseccomp 2.5.4's programs for "default
// ALLOW, clone3 -> ERRNO(ENOSYS)" (committed fixtures, test/fixtures/libseccomp-2.5.4).
// Verdicts must agree for every number, except where we deliberately serve what libseccomp
// kills: compat ABIs (i386, x32, arm, s390) and unknown arches. Those differences are asserted
// too, against the preset's meaning. Both programs run on the core's simulator; libseccomp's
// also run on the independent interpreter in test/peer, which must agree with the core's.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { abisOf } from "../../arch/index.ts";
import type { AbiFacts, KernelArch } from "../../arch/types.ts";
import { ENOSYS, RET, clone3Preset, errno } from "../../policy/index.ts";
import { actionName, type ByteOrder, compile, simulate } from "../../wasm/core.ts";
import { runBpf } from "../peer/bpf-interp.ts";
import { UPSTREAM_LIBSECCOMP } from "../fixtures/index.ts";

const fixtures = UPSTREAM_LIBSECCOMP;
const fixture = (name: string) => new Uint8Array(readFileSync(join(fixtures, `${name}.bpf`)));

// clone3 is 435 on every ABI we serve (linux uapi; libseccomp's syscalls.csv agrees).
const CLONE3 = 435;
const ALLOW = RET.ALLOW;
const HIDDEN = errno(ENOSYS);
const KILL = RET.KILL_THREAD; // libseccomp's default bad-arch action
const UNKNOWN_ARCH = 0x12345678;

/** A syscall as a filter sees it, plus the ABI it belongs to (undefined: no ABI of the kernel). */
interface Point { nr: number; arch: number; abi: AbiFacts | undefined }

/** The ABI a raw {arch, nr} belongs to: same auditArch, nr in region, the narrowest region wins. */
function abiOf(abis: AbiFacts[], arch: number, nr: number): AbiFacts | undefined {
  const width = (a: AbiFacts) => a.nrRegion[1] - a.nrRegion[0];
  return abis
    .filter((a) => a.auditArch === arch && nr >= a.nrRegion[0] && nr <= a.nrRegion[1])
    .sort((a, b) => width(a) - width(b))[0];
}

/** Every number 0..maxNr of every ABI, nr -1 and a sample of high numbers on each audit arch. */
function points(abis: AbiFacts[]): Point[] {
  const out: Point[] = [];
  for (const abi of abis) for (let n = 0; n <= abi.maxNr; n++) out.push({ nr: (abi.nrBase + n) >>> 0, arch: abi.auditArch, abi });
  let seed = 0x9e3779b9;
  const random = () => (seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0);
  const high = [0xffffffff, 0xfffffffe, 0x80000000, 0x7fffffff, 0x400001b3, 0x40000000, 0x3fffffff, 1024, 4095];
  for (let i = 0; i < 64; i++) high.push(random());
  for (const arch of new Set(abis.map((a) => a.auditArch))) for (const nr of high) out.push({ nr, arch, abi: abiOf(abis, arch, nr) });
  for (const nr of [0, CLONE3, 0xffffffff]) out.push({ nr, arch: UNKNOWN_ARCH, abi: undefined });
  return out;
}

/** What the preset means: ENOSYS for clone3 on every ABI, ALLOW for everything else. */
const presetVerdict = (p: Point): number => (p.abi && p.nr - p.abi.nrBase === CLONE3 ? HIDDEN : ALLOW);

const show = (p: Point, a: number) => `nr 0x${p.nr.toString(16)} arch 0x${p.arch.toString(16)}: ${actionName(a)}`;

interface Peer { name: string; bytes: Uint8Array; order: ByteOrder }

/** Runs libseccomp's program on both simulators; they must agree on action and path length. */
function peerVerdict(peer: Peer, p: Point, dataBigEndian: boolean): { action: number; executed: number } {
  const core = simulate(peer.bytes, peer.order, { nr: p.nr, arch: p.arch }, dataBigEndian);
  const ref = runBpf(peer.bytes, peer.order === "big", { nr: p.nr, arch: p.arch }, dataBigEndian);
  if (core.action !== ref.action || core.executed !== ref.executed) {
    throw new Error(`${peer.name} ${show(p, 0)}: core simulator ${JSON.stringify(core)} vs reference ${JSON.stringify(ref)}`);
  }
  return ref;
}

const CASES: { kernel: KernelArch; native: string; compat: Record<string, string>; order: ByteOrder }[] = [
  { kernel: "x86_64", native: "x86_64", compat: { i386: "x86", x32: "x32" }, order: "little" },
  { kernel: "aarch64", native: "aarch64", compat: { arm: "arm" }, order: "little" },
  { kernel: "ppc64le", native: "ppc64le", compat: {}, order: "little" },
  { kernel: "s390x", native: "s390x", compat: { s390: "s390" }, order: "big" },
];

describe.each(CASES)("clone3 preset on $kernel vs libseccomp 2.5.4", ({ kernel, native, compat, order }) => {
  const abis = abisOf(kernel);
  const ours = compile(clone3Preset(kernel), { byteOrder: order });
  const bigEndian = order === "big";
  const all = points(abis);
  const ourVerdict = (p: Point) => simulate(ours.bytes, ours.byteOrder, { nr: p.nr, arch: p.arch }, bigEndian).action;

  it("serves every ABI as the preset means: clone3 hidden, all else allowed", () => {
    const wrong = all.filter((p) => ourVerdict(p) !== presetVerdict(p)).map((p) => show(p, ourVerdict(p)));
    expect(wrong).toEqual([]);
  });

  it(`agrees with ${native}.bpf on the native ABI and differs only where libseccomp kills`, () => {
    const peer: Peer = { name: `${native}.bpf`, bytes: fixture(native), order };
    const nativeAbi = abis[0]!;
    const disagreements: string[] = [];
    let killedCompat = 0;
    for (const p of all) {
      const theirs = peerVerdict(peer, p, bigEndian).action;
      const mine = ourVerdict(p);
      // libseccomp covers one ABI: other audit arches get the bad-arch KILL, and on x86_64 every
      // number with bit 30 set (x32 and beyond) is killed too, except the tracer's -1.
      const killedByDesign =
        p.arch !== nativeAbi.auditArch || (kernel === "x86_64" && p.nr >= 0x40000000 && p.nr !== 0xffffffff);
      if (killedByDesign) {
        if (theirs !== KILL) disagreements.push(`${show(p, theirs)} (expected libseccomp to kill)`);
        else killedCompat++;
      } else if (theirs !== mine) disagreements.push(`${show(p, theirs)} vs ours ${actionName(mine)}`);
    }
    expect(disagreements).toEqual([]);
    // Compat ABIs exist on all but ppc64le, and the unknown-arch sample always does.
    expect(killedCompat).toBeGreaterThan(kernel === "ppc64le" ? 0 : 300);
  });

  for (const [abiName, file] of Object.entries(compat)) {
    it(`agrees with ${file}.bpf (libseccomp's own ${abiName} filter) on every ${abiName} number`, () => {
      const peer: Peer = { name: `${file}.bpf`, bytes: fixture(file), order };
      const mine = all.filter((p) => p.abi?.name === abiName);
      expect(mine.length).toBeGreaterThan(300);
      const wrong = mine
        .filter((p) => peerVerdict(peer, p, bigEndian).action !== ourVerdict(p))
        .map((p) => show(p, ourVerdict(p)));
      expect(wrong).toEqual([]);
    });
  }
});

describe("x86_64+x86+x32.bpf (libseccomp with every x86 ABI added)", () => {
  const abis = abisOf("x86_64");
  const ours = compile(clone3Preset("x86_64"), { byteOrder: "little" });
  const peer: Peer = { name: "x86_64+x86+x32.bpf", bytes: fixture("x86_64+x86+x32"), order: "little" };

  it("agrees on every number of every ABI; only unknown arches differ (KILL vs ALLOW)", () => {
    const disagreements: string[] = [];
    for (const p of points(abis)) {
      const theirs = peerVerdict(peer, p, false).action;
      const mine = simulate(ours.bytes, "little", { nr: p.nr, arch: p.arch }).action;
      if (p.arch === UNKNOWN_ARCH) {
        if (theirs !== KILL || mine !== ALLOW) disagreements.push(`unknown arch: ${actionName(theirs)} / ${actionName(mine)}`);
      } else if (p.abi && theirs !== mine) disagreements.push(`${show(p, theirs)} vs ours ${actionName(mine)}`);
    }
    expect(disagreements).toEqual([]);
  });
});

describe("the upstream x86_64 filter itself (sanity of the fixture and of both simulators)", () => {
  it("runs 6 instructions for every x86_64 number, as measured with scmp_bpf_sim in the survey", () => {
    const bytes = fixture("x86_64");
    const x86_64 = abisOf("x86_64")[0]!;
    const lengths = new Set<number>();
    for (let nr = 0; nr <= x86_64.maxNr; nr++) lengths.add(runBpf(bytes, false, { nr, arch: x86_64.auditArch }, false).executed);
    expect([...lengths]).toEqual([6]);
  });
});

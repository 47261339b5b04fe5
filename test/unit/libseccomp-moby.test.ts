// Docker's default profile on x86_64 (x86_64 + x86 + x32, Docker's default capabilities): our
// program must give libseccomp's verdict for every number of every ABI, with zero and with
// random arguments. libseccomp's program (-O2, as runc would build it) is made in the setup by
// test/peer/scmp-export.c from the same OCI selection; both programs run on the independent
// interpreter in test/peer, and ours also on the core's simulator.
import { beforeAll, describe, expect, it } from "vitest";
import { abisOf } from "../../arch/index.ts";
import type { AbiFacts } from "../../arch/types.ts";
import { resolve } from "../../policy/index.ts";
import { actionName, compile, simulate } from "../../wasm/core.ts";
import { runBpf } from "../peer/bpf-interp.ts";
import { type ScmpExport, exportBpf, fromOci } from "../peer/libseccomp.ts";
import { type MobyVersion, mobyOci } from "../peer/moby.ts";

// libseccomp 2.5.4 -O2 lengths measured in the survey (../shared/notes/peer-baseline.md §5) with
// a separate moby translator: a peer far from them is broken, not just different.
const SURVEY_INSNS: Record<MobyVersion, number> = { "v20.10.9": 1170, "v20.10.10": 1177 };

const abis = abisOf("x86_64"); // x86_64, i386, x32: exactly Docker's archMap entry

/** Seeded so a failure reproduces; mulberry32. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Random argument vectors mixing random words with the values the profile's conditions test. */
function randomArgs(abi: AbiFacts, interesting: bigint[], count: number, random: () => number): bigint[][] {
  const pick = (): bigint => {
    const r = random() % 4;
    const word = () => BigInt(random());
    let v: bigint;
    if (r === 0) v = interesting[random() % interesting.length]!;
    else if (r === 1) v = interesting[random() % interesting.length]! + BigInt(random() % 3) - 1n;
    else if (r === 2) v = word();
    else v = (word() << 32n) | word();
    return fit(abi, v);
  };
  return Array.from({ length: count }, () => Array.from({ length: 6 }, pick));
}

/** Boundary vectors: each tested argument set to each tested value and its neighbours. */
function boundaryArgs(abi: AbiFacts, interesting: bigint[], indexes: number[]): bigint[][] {
  const out: bigint[][] = [];
  for (const i of indexes) {
    for (const v of interesting) {
      for (const d of [-1n, 0n, 1n]) {
        const args = [0n, 0n, 0n, 0n, 0n, 0n];
        args[i] = fit(abi, v + d);
        out.push(args);
      }
    }
  }
  return out;
}

/** A u64 as the ABI can pass it: a 32-bit ABI's high words are zero. */
const fit = (abi: AbiFacts, v: bigint): bigint => BigInt.asUintN(abi.bits, v);

describe.each(["v20.10.9", "v20.10.10"] as const)("moby %s on x86_64 vs libseccomp -O2", (version) => {
  const oci = mobyOci(version);
  const { policy } = resolve(oci, "x86_64", { unknownNames: "skip" });
  const ours = compile(policy, { byteOrder: "little" });
  let peer: ScmpExport;

  beforeAll(() => {
    peer = exportBpf(fromOci(oci, "x86_64", 2));
  });

  it("has a sane libseccomp peer: every name resolved, length as the survey measured", () => {
    expect(peer.skipped).toEqual([]);
    expect(peer.bigEndian).toBe(false);
    expect(Math.abs(peer.insns - SURVEY_INSNS[version])).toBeLessThanOrEqual(SURVEY_INSNS[version] * 0.01);
  });

  it("covers the ABIs Docker lists", () => {
    expect(policy.abis.map((a) => a.abi.name).sort()).toEqual(["i386", "x32", "x86_64"]);
    expect(oci.architectures).toEqual(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
  });

  it("agrees on every number of every ABI with zero arguments (and on nr -1)", () => {
    const wrong: string[] = [];
    let allowed = 0;
    for (const abi of abis) {
      const nrs = [...Array(abi.maxNr + 1).keys()].map((n) => (abi.nrBase + n) >>> 0);
      if (abi.name === "x86_64") nrs.push(0xffffffff);
      for (const nr of nrs) {
        const data = { nr, arch: abi.auditArch };
        const theirs = runBpf(peer.bytes, false, data, false).action;
        const mine = runBpf(ours.bytes, false, data, false).action;
        const core = simulate(ours.bytes, "little", data).action;
        if (theirs !== mine || core !== mine) {
          wrong.push(`${abi.name} nr 0x${nr.toString(16)}: libseccomp ${actionName(theirs)}, ours ${actionName(mine)} (core sim ${actionName(core)})`);
        }
        if (theirs === 0x7fff0000) allowed++;
      }
    }
    expect(wrong).toEqual([]);
    // Docker allows ~300 syscalls per ABI: a program that denies everything would be caught here.
    expect(allowed).toBeGreaterThan(800);
  });

  it("agrees on every number of every ABI with random and boundary arguments", () => {
    const interesting = [0n, 1n, 0xffffffffn, 0xffffffffffffffffn, 0x100000000n];
    const indexes = new Set<number>();
    for (const s of oci.syscalls ?? []) {
      for (const a of s.args ?? []) {
        interesting.push(a.value, a.valueTwo ?? 0n);
        indexes.add(a.index);
      }
    }
    const random = prng(0x5eed + version.length);
    const wrong: string[] = [];
    let differentFromZeroArgs = 0;
    for (const abi of abis) {
      for (let n = 0; n <= abi.maxNr; n++) {
        const nr = (abi.nrBase + n) >>> 0;
        const zero = runBpf(peer.bytes, false, { nr, arch: abi.auditArch }, false).action;
        const vectors = [...boundaryArgs(abi, interesting, [...indexes]), ...randomArgs(abi, interesting, 6, random)];
        for (const args of vectors) {
          const data = { nr, arch: abi.auditArch, args };
          const theirs = runBpf(peer.bytes, false, data, false).action;
          const mine = runBpf(ours.bytes, false, data, false).action;
          if (theirs !== zero) differentFromZeroArgs++;
          if (theirs !== mine && wrong.length < 20) {
            wrong.push(`${abi.name} nr ${n} args [${args.map((a) => `0x${a.toString(16)}`).join(",")}]: libseccomp ${actionName(theirs)}, ours ${actionName(mine)}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
    // The argument-dependent rules (personality, clone) were really exercised both ways.
    expect(differentFromZeroArgs).toBeGreaterThan(10);
  });
});

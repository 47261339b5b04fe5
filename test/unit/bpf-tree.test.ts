// The nr decision tree (wasm/assembly/bpf/tree.ts): its shape must be the best alphabetic tree
// for the measured numbers under the core's objective, 4 * (total executed) + (max executed) *
// (numbers measured): an exhaustive O(n^3 h) height-limited DP written here gives the optimum of
// that objective, and the compiled program, run on every measured number, must reach it.
import { describe, expect, test } from "vitest";
import { abiFacts } from "../../arch/index.ts";
import type { ResolvedPolicy, Rule } from "../../policy/resolved.ts";
import { compile, simulate } from "../../wasm/core.ts";
import { evaluate } from "./reference.ts";

const x86_64 = abiFacts("x86_64");

/**
 * For each height h = 0, 1, ...: the minimum over binary search trees with these leaves, in
 * order, and no leaf deeper than h, of sum(weight * depth) (Infinity when none fits).
 */
function heightLimited(w: number[]): number[] {
  const n = w.length;
  const sum = (i: number, j: number) => w.slice(i, j + 1).reduce((a, b) => a + b, 0);
  const out: number[] = [];
  let below: number[][] | undefined;
  for (let h = 0; h <= n; h++) {
    const cost = Array.from({ length: n }, (_, i) => new Array<number>(n).fill(Infinity).fill(0, i, i + 1));
    for (let len = 1; len < n && below; len++) {
      for (let i = 0; i + len < n; i++) {
        const j = i + len;
        let best = Infinity;
        for (let k = i + 1; k <= j; k++) best = Math.min(best, below[i][k - 1] + below[k][j]);
        cost[i][j] = best + sum(i, j);
      }
    }
    out.push(cost[0][n - 1]);
    below = cost;
  }
  return out;
}

function randomRanges(seed: number): { policy: ResolvedPolicy; weights: number[] } {
  let s = seed;
  const rnd = (n: number) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s % n);
  const rules: Rule[] = [];
  const weights: number[] = [];
  let lo = 0;
  let i = 0;
  // Alternating actions, so neighbours never merge; widths >= 2, so nothing is peeled.
  while (lo <= x86_64.maxNr - 2) {
    const width = 2 + rnd(i % 3 === 0 ? 60 : 8);
    const hi = Math.min(lo + width - 1, x86_64.maxNr - 1);
    rules.push({ nr: lo, nrLast: hi, action: i % 2 ? 0x7fff0000 : 0x00050001 + (i % 5), conds: [] });
    weights.push(hi - lo + 1);
    lo = hi + 1;
    i++;
  }
  // The rest, up to 2^32-1, gets the default action; the measured numbers there count too.
  weights.push(x86_64.maxNr - lo + 1);
  const policy: ResolvedPolicy = {
    kernelArch: "x86_64", bigEndian: false, defaultAction: 0x00050026, badArchAction: 0,
    abis: [{ abi: x86_64, rules }],
  };
  return { policy, weights };
}

describe("tree shape", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    test(`seed ${seed}: 4 * total + max * count is the height-limited optimum`, () => {
      const { policy, weights } = randomRanges(seed);
      const program = compile(policy, { strategy: "arch-first" });
      const count = x86_64.maxNr + 1;
      let total = 0;
      let most = 0;
      for (let nr = 0; nr < count; nr++) {
        const { executed } = simulate(program.bytes, "little", { nr, arch: x86_64.auditArch });
        total += executed;
        most = Math.max(most, executed);
      }
      // Every path: ld arch, jeq arch, ld nr, the tree's compares, ret.
      const best = Math.min(...heightLimited(weights).map((c, h) => 4 * (4 * count + c) + (4 + h) * count));
      expect(4 * total + most * count).toBe(best);
    });
  }
});

/**
 * Runs of ALLOW with odd singletons (other actions) between them, and now and then a wide run
 * of another action: the singletons can be peeled (tested with JEQ inside an ALLOW leaf) or
 * split off by the tree. At most 4 singletons sit between two wide non-ALLOW runs.
 */
function peelable(seed: number): { policy: ResolvedPolicy; ranges: { width: number; key: number }[] } {
  let s = seed;
  const rnd = (n: number) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), (s >>> 8) % n);
  const ALLOW = 0x7fff0000;
  const ranges: { width: number; key: number }[] = [];
  let singles = 0;
  while (ranges.reduce((a, r) => a + r.width, 0) < x86_64.maxNr - 80) {
    ranges.push({ width: 2 + rnd(12), key: ALLOW });
    if (singles < 4 && rnd(3) > 0) {
      ranges.push({ width: 1, key: 0x00050001 + rnd(3) });
      singles++;
    } else {
      ranges.push({ width: 2 + rnd(20), key: 0x00050004 + rnd(2) });
      singles = 0;
    }
  }
  ranges.push({ width: 2, key: ALLOW });
  const rules: Rule[] = [];
  let lo = 0;
  for (const r of ranges) {
    if (r.key !== ALLOW) rules.push({ nr: lo, nrLast: lo + r.width - 1, action: r.key, conds: [] });
    lo += r.width;
  }
  // The rest, up to 2^32-1, is ALLOW too: it extends the last range.
  ranges[ranges.length - 1].width += x86_64.maxNr + 1 - lo;
  const policy: ResolvedPolicy = {
    kernelArch: "x86_64", bigEndian: false, defaultAction: ALLOW, badArchAction: 0, abis: [{ abi: x86_64, rules }],
  };
  return { policy, ranges };
}

/**
 * The best 4 * total + max * count over trees whose leaves are a range, or a stretch of ALLOW
 * ranges and the singletons between them (either end may be a singleton), each singleton tested
 * by its own JEQ before the stretch falls through to ALLOW. Costs count compares and the RET; ld arch, jeq, ld nr are
 * added by the caller.
 */
function bestWithPeeling(ranges: { width: number; key: number }[], count: number): number {
  const n = ranges.length;
  const ALLOW = ranges[0].key;
  const leaf = (i: number, j: number): { sum: number; max: number } | undefined => {
    if (i === j) return { sum: ranges[i].width, max: 1 };
    const peeled: number[] = [];
    for (let r = i; r <= j; r++) {
      if (ranges[r].key === ALLOW) continue;
      if (ranges[r].width !== 1) return undefined;
      peeled.push(r);
    }
    const p = peeled.length;
    let sum = 0;
    peeled.forEach((_, e) => (sum += e + 2)); // e + 1 JEQs, then RET
    for (let r = i; r <= j; r++) if (ranges[r].key === ALLOW) sum += ranges[r].width * (p + 1);
    return { sum, max: p + 1 };
  };
  const W = (i: number, j: number) => ranges.slice(i, j + 1).reduce((a, r) => a + r.width, 0);
  let best = Infinity;
  let below: number[][] | undefined;
  for (let h = 1; h <= 24; h++) {
    const cost = Array.from({ length: n }, () => new Array<number>(n).fill(Infinity));
    for (let len = 0; len < n; len++) {
      for (let i = 0; i + len < n; i++) {
        const j = i + len;
        const l = leaf(i, j);
        let c = l && l.max <= h ? l.sum : Infinity;
        if (below && len > 0) {
          for (let k = i + 1; k <= j; k++) c = Math.min(c, below[i][k - 1] + below[k][j] + W(i, j));
        }
        cost[i][j] = c;
      }
    }
    best = Math.min(best, 4 * (3 * count + cost[0][n - 1]) + (3 + h) * count);
    below = cost;
  }
  return best;
}

describe("tree shape with peeled singletons", () => {
  for (const seed of [11, 12, 13]) {
    test(`seed ${seed}: 4 * total + max * count is the optimum over trees with peeling leaves`, () => {
      const { policy, ranges } = peelable(seed);
      const program = compile(policy, { strategy: "arch-first" });
      const count = x86_64.maxNr + 1;
      let total = 0;
      let most = 0;
      for (let nr = 0; nr < count; nr++) {
        const { action, executed } = simulate(program.bytes, "little", { nr, arch: x86_64.auditArch });
        expect(action).toBe(evaluate(policy, { arch: x86_64.auditArch, nr, args: [] }));
        total += executed;
        most = Math.max(most, executed);
      }
      expect(4 * total + most * count).toBe(bestWithPeeling(ranges, count));
    });
  }
});

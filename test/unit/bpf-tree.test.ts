// The nr decision tree (wasm/assembly/bpf/tree.ts): its shape must be the best alphabetic tree
// for the measured numbers under the core's objective, 4 * (total executed) + (max executed) *
// (numbers measured): an exhaustive O(n^3 h) height-limited DP written here gives the optimum of
// that objective, and the compiled program, run on every measured number, must reach it.
import { describe, expect, test } from "vitest";
import { abiFacts } from "../../arch/index.ts";
import type { ResolvedPolicy, Rule } from "../../policy/resolved.ts";
import { compile, simulate } from "../../wasm/core.ts";

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

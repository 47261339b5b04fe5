// The nr decision tree (wasm/assembly/bpf/tree.ts): its shape must be an optimal alphabetic
// tree for the measured numbers. An independent O(n^3) DP written here gives the optimum; the
// compiled program must run exactly that many instructions in total.
import { describe, expect, test } from "vitest";
import { abiFacts } from "../../arch/index.ts";
import type { ResolvedPolicy, Rule } from "../../policy/resolved.ts";
import { compile, simulate } from "../../wasm/core.ts";

const x86_64 = abiFacts("x86_64");

/** Minimum over binary search trees with these leaves, in order, of sum(weight * depth). */
function optimalAlphabetic(w: number[]): number {
  const n = w.length;
  const cost: number[][] = Array.from({ length: n }, () => new Array(n).fill(0));
  const sum = (i: number, j: number) => w.slice(i, j + 1).reduce((a, b) => a + b, 0);
  for (let len = 1; len < n; len++) {
    for (let i = 0; i + len < n; i++) {
      const j = i + len;
      let best = Infinity;
      for (let k = i + 1; k <= j; k++) best = Math.min(best, cost[i][k - 1] + cost[k][j]);
      cost[i][j] = best + sum(i, j);
    }
  }
  return cost[0][n - 1];
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
    test(`seed ${seed}: executed instructions = 4 per number + the optimal tree's compares`, () => {
      const { policy, weights } = randomRanges(seed);
      const program = compile(policy, { strategy: "arch-first" });
      let total = 0;
      for (let nr = 0; nr <= x86_64.maxNr; nr++) {
        total += simulate(program.bytes, "little", { nr, arch: x86_64.auditArch }).executed;
      }
      // ld arch, jeq arch, ld nr, ..., ret
      expect(total).toBe(4 * (x86_64.maxNr + 1) + optimalAlphabetic(weights));
    });
  }
});

// Instructions executed per syscall: run a program on every number of every ABI (args zero)
// with the independent interpreter in test/peer, so ours and libseccomp's are counted alike.
import type { AbiFacts } from "../arch/types.ts";
import { type Verdict, runBpf } from "../test/peer/bpf-interp.ts";

export interface AbiPaths { abi: string; mean: number; max: number }

export interface PathStats {
  min: number;
  mean: number;
  max: number;
  perAbi: AbiPaths[];
  /** Most executed by a syscall whose verdict is the given "ordinary" action (e.g. ALLOW). */
  maxOrdinary: number;
  /** Action for (abi name, ABI-local nr), for checks such as "clone3 hidden on every ABI". */
  actionOf(abi: string, nr: number): number;
  /** Instructions executed for (abi name, ABI-local nr). */
  executedOf(abi: string, nr: number): number;
}

export function pathStats(program: Uint8Array, codeBigEndian: boolean, abis: AbiFacts[], ordinary: number): PathStats {
  let min = Infinity, max = 0, sum = 0, count = 0, maxOrdinary = 0;
  const perAbi: AbiPaths[] = [];
  const walks = new Map<string, Verdict[]>();
  for (const abi of abis) {
    let aSum = 0, aMax = 0;
    const verdicts: Verdict[] = [];
    for (let nr = 0; nr <= abi.maxNr; nr++) {
      const v = runBpf(program, codeBigEndian, { nr: (abi.nrBase + nr) >>> 0, arch: abi.auditArch }, abi.bigEndian);
      verdicts.push(v);
      aSum += v.executed;
      aMax = Math.max(aMax, v.executed);
      min = Math.min(min, v.executed);
      if (v.action === ordinary) maxOrdinary = Math.max(maxOrdinary, v.executed);
    }
    walks.set(abi.name, verdicts);
    perAbi.push({ abi: abi.name, mean: aSum / (abi.maxNr + 1), max: aMax });
    sum += aSum;
    count += abi.maxNr + 1;
    max = Math.max(max, aMax);
  }
  const walk = (abi: string, nr: number): Verdict => {
    const v = walks.get(abi)?.[nr];
    if (v === undefined) throw new Error(`no verdict for ${abi} ${nr}`);
    return v;
  };
  return {
    min, mean: sum / count, max, perAbi, maxOrdinary,
    actionOf: (abi, nr) => walk(abi, nr).action,
    executedOf: (abi, nr) => walk(abi, nr).executed,
  };
}

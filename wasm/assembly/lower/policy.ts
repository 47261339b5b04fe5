// The policy as the host encodes it (layout in bpf/wire.ts), decoded and checked. Rule ranges
// become raw seccomp_data.nr ranges here: nrBase + nr .. nrBase + nrLast, clipped to the ABI's
// region, computed in 64 bits so that nothing wraps.
import {
  ABI_WORDS, CmpOp, COND_LOW_WORD, COND_WORDS, HEADER_WORDS, POLICY_BIG_ENDIAN, RULE_WORDS,
} from "../bpf/wire";
import { sortU64 } from "./sort";
import { dec } from "../bpf/text";

export class Cond {
  /** lowWord: the test is on the low 32 bits of the argument only; value(s) are then < 2^32. */
  constructor(public arg: i32, public op: CmpOp, public value: u64, public valueTwo: u64, public lowWord: bool = false) {}
}

export class Rule {
  /** Raw nr range, inclusive; empty when first > last. */
  constructor(public first: u64, public last: u64, public action: u32, public conds: Cond[]) {}
}

export class Abi {
  rules: Rule[] = [];
  /** Single-number rules as (first << 20 | index), sorted: the rules of one nr, in order. */
  singles: u64[] = [];
  /** Indexes of the rules that span several numbers, in order. */
  spans: i32[] = [];
  constructor(
    public auditArch: u32, public nrBase: u32, public regionLo: u32, public regionHi: u32,
    public maxNr: u32,
  ) {}

  get regionWidth(): u64 {
    return <u64>this.regionHi - <u64>this.regionLo;
  }
}

export class Policy {
  abis: Abi[] = [];
  constructor(public defaultAction: u32, public badArchAction: u32, public bigEndian: bool) {}
}

/** Set by decodePolicy when it returns null. */
export let decodeError: string = "";

export function decodePolicy(ptr: usize, nWords: i32): Policy | null {
  let at = 0;
  if (nWords < HEADER_WORDS) return fail("policy header is truncated");
  const policy = new Policy(word(ptr, 0), word(ptr, 1), (word(ptr, 2) & POLICY_BIG_ENDIAN) != 0);
  const nAbis = <i32>word(ptr, 3);
  at = HEADER_WORDS;
  if (nAbis < 1) return fail("the policy covers no ABI");
  for (let a = 0; a < nAbis; a++) {
    if (at + ABI_WORDS > nWords) return fail(`ABI ${dec(a)} is truncated`);
    const abi = new Abi(word(ptr, at), word(ptr, at + 1), word(ptr, at + 2), word(ptr, at + 3), word(ptr, at + 4));
    const nRules = <i32>word(ptr, at + 5);
    at += ABI_WORDS;
    if (abi.regionLo > abi.regionHi) return fail(`ABI ${dec(a)}: empty nr region`);
    for (let r = 0; r < nRules; r++) {
      if (at + RULE_WORDS > nWords) return fail(`ABI ${dec(a)} rule ${dec(r)} is truncated`);
      const nr = word(ptr, at);
      const nrLast = word(ptr, at + 1);
      const action = word(ptr, at + 2);
      const nConds = <i32>word(ptr, at + 3);
      at += RULE_WORDS;
      const conds: Cond[] = [];
      for (let c = 0; c < nConds; c++) {
        if (at + COND_WORDS > nWords) return fail(`ABI ${dec(a)} rule ${dec(r)} cond ${dec(c)} is truncated`);
        const arg = <i32>word(ptr, at);
        const opWord = word(ptr, at + 1);
        let lowWord = (opWord & COND_LOW_WORD) != 0;
        let op = opWord & ~COND_LOW_WORD;
        if (arg > 5) return fail(`ABI ${dec(a)} rule ${dec(r)}: argument index ${dec(arg)} is not 0..5`);
        if (op > <u32>CmpOp.MASKED_EQ) return fail(`ABI ${dec(a)} rule ${dec(r)}: unknown comparison ${dec(op)}`);
        let value = lowWord ? <u64>word(ptr, at + 2) : (<u64>word(ptr, at + 3) << 32) | <u64>word(ptr, at + 2);
        let valueTwoWord = (<u64>word(ptr, at + 5) << 32) | <u64>word(ptr, at + 4);
        // A low-word EQ or MASKED_EQ is a MASKED_EQ whose mask has no high bits: one canonical
        // form, so that equal tests on a 32-bit and a 64-bit ABI share their code.
        if (lowWord && (op == <u32>CmpOp.EQ || op == <u32>CmpOp.MASKED_EQ)) {
          if (op == <u32>CmpOp.EQ) {
            valueTwoWord = value;
            value = u32.MAX_VALUE;
          }
          op = <u32>CmpOp.MASKED_EQ;
          lowWord = false;
        }
        // valueTwo only means something to MASKED_EQ, and only under the mask (libseccomp tests
        // (arg & mask) == (valueTwo & mask)); zero it elsewhere so equal conds compare equal.
        const valueTwo = op == <u32>CmpOp.MASKED_EQ ? valueTwoWord & value : 0;
        conds.push(new Cond(arg, <CmpOp>op, value, valueTwo, lowWord));
        at += COND_WORDS;
      }
      const first = max<u64>(<u64>abi.nrBase + <u64>nr, <u64>abi.regionLo);
      const last = min<u64>(<u64>abi.nrBase + <u64>nrLast, <u64>abi.regionHi);
      if (first == last) abi.singles.push((first << 20) | <u64>abi.rules.length);
      else if (first < last) abi.spans.push(abi.rules.length);
      abi.rules.push(new Rule(first, last, action, conds));
    }
    if (abi.rules.length >= 1 << 20) return fail(`ABI ${dec(a)}: more than 2^20 rules`);
    sortU64(abi.singles);
    policy.abis.push(abi);
  }
  if (at != nWords) return fail(`${dec(<u32>(nWords - at))} words after the last ABI`);
  return policy;
}

// @ts-ignore: decorator
@inline function word(ptr: usize, i: i32): u32 {
  return load<u32>(ptr + (<usize>i << 2));
}

function fail(message: string): Policy | null {
  decodeError = message;
  return null;
}

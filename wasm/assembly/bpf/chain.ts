// Argument tests: an outcome's rule chain as code. Each 64-bit unsigned comparison becomes
// compares of its two 32-bit halves (which half sits first in seccomp_data depends on the
// arch's byte order); a run of single equality tests on one argument shares its loads.
import { CmpOp } from "./wire";
import { actionTarget, Emitter, Target } from "./emit";
import { ALU, AND, JEQ, JGE, JGT, JMP, K, LD_ABS } from "./insn";
import { Outcome } from "../lower/outcome";
import { Cond, Rule } from "../lower/policy";

/** The chain: each rule's conds in order; the first rule that holds gives its action. */
export function emitChain(em: Emitter, o: Outcome, bigEndian: bool): Target {
  let next: Target = actionTarget(o.final);
  let r = o.rules.length - 1;
  while (r >= 0) {
    let first = r;
    while (first > 0 && sameHighTest(o.rules[first - 1], o.rules[r])) first--;
    if (first < r || isWordTest(o.rules[r])) {
      next = emitWordTests(em, o.rules, first, r, next, bigEndian);
      r = first - 1;
      continue;
    }
    const rule = o.rules[r];
    const fail = next;
    let pass: Target = actionTarget(rule.action);
    for (let c = rule.conds.length - 1; c >= 0; c--) pass = emitCond(em, rule.conds[c], pass, fail, bigEndian);
    next = pass;
    r--;
  }
  return next;
}

/**
 * Rules first..last, each a single EQ or MASKED_EQ on the same argument with the same mask
 * and high-word test: test the high word once, load (and mask) the low word once, then one
 * JEQ per rule, in order.
 */
function emitWordTests(em: Emitter, rules: Rule[], first: i32, last: i32, fail: Target, bigEndian: bool): Target {
  const c = rules[last].conds[0];
  const masked = c.op == CmpOp.MASKED_EQ;
  const base = 16 + 8 * <u32>c.arg;
  const loAt = bigEndian ? base + 4 : base;
  const hiAt = bigEndian ? base : base + 4;
  // A low-word test has no high half (sameHighTest keeps runs of one kind).
  const mask: u64 = c.lowWord ? (masked ? c.value : u32.MAX_VALUE) : masked ? c.value : u64.MAX_VALUE;
  let t = fail;
  for (let r = last; r >= first; r--) {
    const want = wantOf(rules[r].conds[0]);
    // (lo & mask) can never equal a value with bits outside the mask.
    if ((<u32>want & ~<u32>mask) != 0) continue;
    t = em.jump(JMP | JEQ | K, <u32>want, actionTarget(rules[r].action), t);
  }
  if (<u32>mask != u32.MAX_VALUE) t = em.stmt(ALU | AND | K, <u32>mask, t);
  t = em.stmt(LD_ABS, loAt, t);
  return c.lowWord ? t : maskedHalf(em, hiAt, <u32>(mask >> 32), <u32>(wantOf(c) >> 32), t, fail);
}

/** One 64-bit unsigned comparison of args[arg], as two 32-bit halves. */
function emitCond(em: Emitter, c: Cond, pass: Target, fail: Target, bigEndian: bool): Target {
  const base = 16 + 8 * <u32>c.arg;
  const loAt = bigEndian ? base + 4 : base;
  const hiAt = bigEndian ? base : base + 4;
  const lo = <u32>c.value;
  const hi = <u32>(c.value >> 32);
  if (c.lowWord) return lowWordCond(em, c, loAt, pass, fail);
  switch (c.op) {
    case CmpOp.EQ: {
      const low = em.stmt(LD_ABS, loAt, em.jump(JMP | JEQ | K, lo, pass, fail));
      return em.stmt(LD_ABS, hiAt, em.jump(JMP | JEQ | K, hi, low, fail));
    }
    case CmpOp.NE: {
      const low = em.stmt(LD_ABS, loAt, em.jump(JMP | JEQ | K, lo, fail, pass));
      return em.stmt(LD_ABS, hiAt, em.jump(JMP | JEQ | K, hi, low, pass));
    }
    // arg < v is !(arg >= v); arg <= v is !(arg > v).
    case CmpOp.GT: return greater(em, false, hiAt, loAt, hi, lo, pass, fail);
    case CmpOp.GE: return greater(em, true, hiAt, loAt, hi, lo, pass, fail);
    case CmpOp.LT: return greater(em, true, hiAt, loAt, hi, lo, fail, pass);
    case CmpOp.LE: return greater(em, false, hiAt, loAt, hi, lo, fail, pass);
    default: { // MASKED_EQ: (arg & value) == valueTwo, per half
      const lo2 = <u32>c.valueTwo;
      const hi2 = <u32>(c.valueTwo >> 32);
      const low = maskedHalf(em, loAt, lo, lo2, pass, fail);
      return maskedHalf(em, hiAt, hi, hi2, low, fail);
    }
  }
}

/** One 32-bit unsigned comparison of the argument's low word (libseccomp's 32-bit ABIs). */
function lowWordCond(em: Emitter, c: Cond, loAt: u32, pass: Target, fail: Target): Target {
  const v = <u32>c.value;
  switch (c.op) {
    case CmpOp.EQ: return em.stmt(LD_ABS, loAt, em.jump(JMP | JEQ | K, v, pass, fail));
    case CmpOp.NE: return em.stmt(LD_ABS, loAt, em.jump(JMP | JEQ | K, v, fail, pass));
    // Tests every word decides (>= 0, > 2^32-1) cost nothing.
    case CmpOp.GT: return v == u32.MAX_VALUE ? fail : em.stmt(LD_ABS, loAt, em.jump(JMP | JGT | K, v, pass, fail));
    case CmpOp.GE: return v == 0 ? pass : em.stmt(LD_ABS, loAt, em.jump(JMP | JGE | K, v, pass, fail));
    case CmpOp.LT: return v == 0 ? fail : em.stmt(LD_ABS, loAt, em.jump(JMP | JGE | K, v, fail, pass));
    case CmpOp.LE: return v == u32.MAX_VALUE ? pass : em.stmt(LD_ABS, loAt, em.jump(JMP | JGT | K, v, fail, pass));
    default: return maskedHalf(em, loAt, v, <u32>c.valueTwo, pass, fail);
  }
}

/**
 * arg > v (or >= v when orEqual), unsigned, as halves: a high word above vHi passes, below it
 * fails, equal decides on the low word. A half whose test the value already decides costs
 * nothing: with vLo = 0, ">=" holds on every low word; with vLo = 2^32-1, ">" on none; with
 * vHi = 0 no high word is below, with vHi = 2^32-1 none is above.
 */
function greater(em: Emitter, orEqual: bool, hiAt: u32, loAt: u32, vHi: u32, vLo: u32, pass: Target, fail: Target): Target {
  const lowAlways = orEqual && vLo == 0;
  const lowNever = !orEqual && vLo == u32.MAX_VALUE;
  if (lowAlways || lowNever) {
    // The low word never decides: arg >= v is hi >= vHi, arg > v is hi > vHi.
    if (lowAlways && vHi == 0) return pass;
    if (lowNever && vHi == u32.MAX_VALUE) return fail;
    return em.stmt(LD_ABS, hiAt, em.jump(JMP | (lowAlways ? JGE : JGT) | K, vHi, pass, fail));
  }
  const low = em.stmt(LD_ABS, loAt, em.jump(JMP | (orEqual ? JGE : JGT) | K, vLo, pass, fail));
  if (vHi == u32.MAX_VALUE) return em.stmt(LD_ABS, hiAt, em.jump(JMP | JEQ | K, vHi, low, fail));
  if (vHi == 0) return em.stmt(LD_ABS, hiAt, em.jump(JMP | JGT | K, 0, pass, low));
  return em.stmt(LD_ABS, hiAt, em.jump(JMP | JGT | K, vHi, pass, em.jump(JMP | JEQ | K, vHi, low, fail)));
}

/** (word & mask) == want, then `pass`, else `fail`; constant halves cost nothing. */
function maskedHalf(em: Emitter, at: u32, mask: u32, want: u32, pass: Target, fail: Target): Target {
  if (mask == 0) return want == 0 ? pass : fail;
  if ((want & ~mask) != 0) return fail;
  const test = em.jump(JMP | JEQ | K, want, pass, fail);
  return em.stmt(LD_ABS, at, mask == u32.MAX_VALUE ? test : em.stmt(ALU | AND | K, mask, test));
}

/** A rule that tests one argument word pair for equality, possibly masked. */
function isWordTest(rule: Rule): bool {
  if (rule.conds.length != 1) return false;
  const op = rule.conds[0].op;
  return op == CmpOp.EQ || op == CmpOp.MASKED_EQ;
}

/** The value a word test compares (arg & mask) with. */
function wantOf(c: Cond): u64 {
  return c.op == CmpOp.MASKED_EQ ? c.valueTwo : c.value;
}

/** Two word tests that load the same argument, mask it alike and test the high word alike. */
function sameHighTest(a: Rule, b: Rule): bool {
  if (!isWordTest(a) || !isWordTest(b)) return false;
  const x = a.conds[0];
  const y = b.conds[0];
  if (x.arg != y.arg || x.op != y.op || x.lowWord != y.lowWord) return false;
  if (x.op == CmpOp.MASKED_EQ && x.value != y.value) return false;
  return wantOf(x) >> 32 == wantOf(y) >> 32;
}

// Argument tests as one decision graph for the whole program. A node tests one 32-bit word of
// seccomp_data's args (the high or low half of an argument, optionally masked) with one jump:
// JEQ (after an AND when masked), JGT, JGE or JSET. An outcome's rules (first match wins, each
// a conjunction of 64-bit conditions) become nodes from the last rule up: a rule's conditions
// lead to its action on success and to the rules after it on failure.
// - Nodes are hash-consed, so identical subgraphs exist once: suffixes are shared, within an
//   outcome and across outcomes (two syscalls whose last rules agree share that code).
// - Each branch of a new node is restricted by what the test just decided (a BDD "restrict"):
//   a later test that the path has already answered disappears, so "arg0 == 1 -> A; arg0 == 2
//   -> B" tests the high word once, and an ordered test's special values fold away. A fact on
//   a whole word is an interval, narrowed by the same-word tests the walk passes.
// - The emitter tracks the accumulator: a node entered with its word (and mask) already loaded
//   skips the load, so a word is loaded once per path while the path stays on it.
// Restriction copies subgraphs, so it is bounded (REACH nodes per walk, STEPS_PER_COND per
// condition of an outcome, RESTRICT_BUDGET per compile), and an outcome keeps its plain graph
// when that has fewer nodes. The ops' semantics are those of the reference evaluator
// (test/unit/reference.ts): 64-bit unsigned, or the low word alone for Cond.lowWord.
import { CmpOp } from "./wire";
import { actionTarget, Emitter, isAction, Label, Target } from "./emit";
import { ALU, AND, JEQ, JGE, JGT, JMP, JSET, K, LD_ABS } from "./insn";
import { Outcome, Outcomes } from "../lower/outcome";
import { Cond, Rule } from "../lower/policy";

export const FULL: u32 = u32.MAX_VALUE;
/** A node id (>= 0) or an action (emit.ts's Target encoding). */
export type Ref = Target;

export const enum Test {
  EQ = 0, // (word & mask) == k
  GT = 1, // word > k
  GE = 2, // word >= k
  SET = 3, // (word & k) != 0
}

/** "What A holds" before a node: nothing known, or (word << 32 | mask). */
const UNKNOWN: i64 = -1;
const RESTRICT_BUDGET: i32 = 1 << 22;
/**
 * Restriction steps one outcome may take per condition (plus a base): restriction copies the
 * subgraphs it simplifies, and on long rule lists whose tests give each path different facts
 * the copies multiply; past the limit the rest is only shared.
 */
const STEPS_PER_COND: i32 = 256;
/**
 * Nodes one restriction visits at most before it gives up and leaves the subgraph as it is: a
 * fact such as "lo != 5" can only decide a test deep in a long chain by walking all of it, and
 * doing that for every rule of a long list would be quadratic.
 */
const REACH: i32 = 64;

export class Graph {
  word: i32[] = [];
  mask: u32[] = [];
  test: u8[] = [];
  k: u32[] = [];
  t: Ref[] = [];
  f: Ref[] = [];
  /** Bit w set: word w is tested in the node's subgraph (restrict skips what cannot change). */
  words: u32[] = [];
  /** Per node: longestBelow's memo (-1: not yet). */
  private longest: i32[] = [];
  /** Each outcome's root. */
  roots: Ref[] = [];
  private table: StaticArray<i32> = new StaticArray<i32>(64).fill(-1);
  private budget: i32 = RESTRICT_BUDGET;
  /** Restriction steps the outcome being built may still take. */
  private steps: i32 = 0;
  /** Steps the current restrict() call may still take (< 0: it gave up). */
  private reach: i32 = 0;
  // restrict's memo: node -> result, valid while stamp[node] == generation.
  private stamp: i32[] = [];
  private memo: Ref[] = [];
  private generation: i32 = 0;

  constructor(outcomes: Outcomes) {
    for (let i = 0; i < outcomes.list.length; i++) this.roots.push(this.outcome(outcomes.get(i)));
  }

  get count(): i32 {
    return this.word.length;
  }

  /**
   * An outcome's graph, built with restriction and without: the one with fewer nodes is kept,
   * so restriction never makes an outcome larger than plain sharing would.
   */
  private outcome(o: Outcome): Ref {
    let conds = 0;
    for (let r = 0; r < o.rules.length; r++) conds += o.rules[r].conds.length;
    this.steps = min(this.budget, STEPS_PER_COND * conds + 1024);
    const restricted = this.rules(o);
    this.steps = 0;
    const plain = this.rules(o);
    return this.size(restricted) <= this.size(plain) ? restricted : plain;
  }

  private rules(o: Outcome): Ref {
    let next: Ref = actionTarget(o.final);
    for (let r = o.rules.length - 1; r >= 0; r--) next = this.rule(o.rules[r], next);
    return next;
  }

  /** Nodes reachable from n. */
  private size(n: Ref): i32 {
    this.generation++;
    return this.sizeIn(n, this.generation);
  }

  private sizeIn(n: Ref, gen: i32): i32 {
    if (isAction(n) || this.stamp[<i32>n] == gen) return 0;
    const id = <i32>n;
    this.stamp[id] = gen;
    return 1 + this.sizeIn(this.t[id], gen) + this.sizeIn(this.f[id], gen);
  }

  /** A rule's conjunction: its conditions by argument (the order of a conjunction is free). */
  private rule(rule: Rule, fail: Ref): Ref {
    const conds = rule.conds.slice();
    for (let i = 1; i < conds.length; i++) {
      const c = conds[i];
      let j = i - 1;
      while (j >= 0 && conds[j].arg > c.arg) {
        conds[j + 1] = conds[j];
        j--;
      }
      conds[j + 1] = c;
    }
    let pass: Ref = actionTarget(rule.action);
    for (let c = conds.length - 1; c >= 0; c--) pass = this.cond(conds[c], pass, fail);
    return pass;
  }

  /** One condition: 64-bit unsigned on both halves, high first, or on the low word only. */
  private cond(c: Cond, pass: Ref, fail: Ref): Ref {
    const lo = c.arg * 2;
    const hi = lo + 1;
    const vLo = <u32>c.value;
    const vHi = <u32>(c.value >> 32);
    if (c.lowWord) {
      switch (c.op) {
        case CmpOp.EQ: return this.node(lo, FULL, Test.EQ, vLo, pass, fail);
        case CmpOp.NE: return this.node(lo, FULL, Test.EQ, vLo, fail, pass);
        case CmpOp.GT: return this.node(lo, FULL, Test.GT, vLo, pass, fail);
        case CmpOp.GE: return this.node(lo, FULL, Test.GE, vLo, pass, fail);
        case CmpOp.LT: return this.node(lo, FULL, Test.GE, vLo, fail, pass);
        case CmpOp.LE: return this.node(lo, FULL, Test.GT, vLo, fail, pass);
        default: return this.node(lo, vLo, Test.EQ, <u32>c.valueTwo, pass, fail);
      }
    }
    switch (c.op) {
      case CmpOp.EQ: return this.node(hi, FULL, Test.EQ, vHi, this.node(lo, FULL, Test.EQ, vLo, pass, fail), fail);
      case CmpOp.NE: return this.node(hi, FULL, Test.EQ, vHi, this.node(lo, FULL, Test.EQ, vLo, fail, pass), pass);
      // arg < v is !(arg >= v); arg <= v is !(arg > v).
      case CmpOp.GT: return this.greater(false, hi, lo, vHi, vLo, pass, fail);
      case CmpOp.GE: return this.greater(true, hi, lo, vHi, vLo, pass, fail);
      case CmpOp.LT: return this.greater(true, hi, lo, vHi, vLo, fail, pass);
      case CmpOp.LE: return this.greater(false, hi, lo, vHi, vLo, fail, pass);
      default: { // MASKED_EQ: (arg & value) == valueTwo, valueTwo already under the mask
        const low = this.node(lo, vLo, Test.EQ, <u32>c.valueTwo, pass, fail);
        return this.node(hi, <u32>(c.value >> 32), Test.EQ, <u32>(c.valueTwo >> 32), low, fail);
      }
    }
  }

  /** arg > v (>= with orEqual): high word above passes, equal decides on the low word. */
  private greater(orEqual: bool, hi: i32, lo: i32, vHi: u32, vLo: u32, pass: Ref, fail: Ref): Ref {
    const low = this.node(lo, FULL, orEqual ? Test.GE : Test.GT, vLo, pass, fail);
    // Restriction folds the special values: vHi = 0 leaves "hi > 0 ? pass : low", vHi = 2^32-1
    // leaves "hi == vHi ? low : fail", a low test every word passes leaves "hi >= vHi".
    return this.node(hi, FULL, Test.GT, vHi, pass, this.node(hi, FULL, Test.EQ, vHi, low, fail));
  }

  /** The node "test ? t : f", canonical and simplified, shared when it exists. */
  node(w: i32, mask: u32, test: Test, k: u32, t: Ref, f: Ref): Ref {
    // Canonical forms first: tests every word decides, and a one-bit masked equality is a JSET.
    // ((w & m) == 0 could be a JSET too; measured on moby's profile, the AND it saves on clone
    // moves the nr tree to a shape with a higher mean, so it stays AND + JEQ.)
    switch (test) {
      case Test.EQ:
        if ((k & ~mask) != 0) return f;
        if (mask == 0) return t;
        if (mask != FULL && k == mask && popcnt(mask) == 1) return this.node(w, FULL, Test.SET, mask, t, f);
        break;
      case Test.GT:
        if (k == FULL) return f;
        break;
      case Test.GE:
        if (k == 0) return t;
        if (k == 1) return this.node(w, FULL, Test.GT, 0, t, f);
        break;
      default:
        if (k == 0) return f;
        break;
    }
    if (t == f) return t;
    // "w > k ? t : (w == k ? t : e)" is "w >= k ? t : e" (k < 2^32-1 here).
    if (test == Test.GT && !isAction(f)) {
      const e = <i32>f;
      if (this.word[e] == w && this.mask[e] == FULL && this.test[e] == <u8>Test.EQ && this.k[e] == k && this.t[e] == t) {
        return this.node(w, FULL, Test.GE, k, t, this.f[e]);
      }
    }
    const rt = this.restrict(t, w, mask, test, k, true);
    const rf = this.restrict(f, w, mask, test, k, false);
    return this.intern(w, mask, test, k, rt, rf);
  }

  private intern(w: i32, mask: u32, test: Test, k: u32, t: Ref, f: Ref): Ref {
    if (t == f) return t;
    const cap = this.table.length;
    let h = <i32>(hash(w, mask, <u32>test, k, t, f) & <u32>(cap - 1));
    for (;;) {
      const id = unchecked(this.table[h]);
      if (id < 0) break;
      if (this.word[id] == w && this.mask[id] == mask && this.test[id] == <u8>test && this.k[id] == k &&
          this.t[id] == t && this.f[id] == f) return <Ref>id;
      h = (h + 1) & (cap - 1);
    }
    const id = this.word.length;
    this.word.push(w);
    this.mask.push(mask);
    this.test.push(<u8>test);
    this.k.push(k);
    this.t.push(t);
    this.f.push(f);
    this.words.push((1 << <u32>w) | wordsOf(this, t) | wordsOf(this, f));
    this.stamp.push(0);
    this.memo.push(0);
    unchecked((this.table[h] = id));
    if (id * 2 >= cap) this.grow();
    return <Ref>id;
  }

  private grow(): void {
    const cap = this.table.length * 2;
    const table = new StaticArray<i32>(cap).fill(-1);
    for (let id = 0; id < this.word.length; id++) {
      let h = <i32>(hash(this.word[id], this.mask[id], <u32>this.test[id], this.k[id], this.t[id], this.f[id]) & <u32>(cap - 1));
      while (unchecked(table[h]) >= 0) h = (h + 1) & (cap - 1);
      unchecked((table[h] = id));
    }
    this.table = table;
  }

  /** n where the test (w, mask, test, k) is known to come out `truth`. */
  private restrict(n: Ref, w: i32, mask: u32, test: Test, k: u32, truth: bool): Ref {
    if (isAction(n) || (this.words[<i32>n] & (1 << <u32>w)) == 0 || this.steps <= 0) return n;
    this.generation++;
    this.reach = REACH;
    let out: Ref;
    if (mask == FULL && test != Test.SET) {
      // A fact on a whole word is an interval (minus one value), narrowed further by the
      // same-word tests the walk passes, so that "hi <= 1, hi != 1" also decides "hi > 0".
      let lo: u32 = 0;
      let hi: u32 = FULL;
      let hole = false;
      switch (test) {
        case Test.EQ:
          if (truth) lo = hi = k;
          else hole = true;
          break;
        case Test.GT:
          if (truth) lo = k + 1; // k < 2^32-1: node() folds "> 2^32-1"
          else hi = k;
          break;
        default: // GE, k > 0: node() folds ">= 0"
          if (truth) lo = k;
          else hi = k - 1;
          break;
      }
      out = this.restrictRange(n, w, lo, hi, hole, k, this.generation, true);
    } else {
      out = this.restrictIn(n, w, mask, test, k, truth, this.generation);
    }
    return this.reach < 0 ? n : out;
  }

  /**
   * n where word w (unmasked) is known to lie in lo..hi, and not to be holeAt when `hole`.
   * Only the walk's starting interval (`first`) is memoised: narrowed ones differ per path.
   */
  private restrictRange(n: Ref, w: i32, lo: u32, hi: u32, hole: bool, holeAt: u32, gen: i32, first: bool): Ref {
    if (isAction(n)) return n;
    const id = <i32>n;
    if ((this.words[id] & (1 << <u32>w)) == 0) return n;
    if (first && this.stamp[id] == gen) return this.memo[id];
    if (this.reach-- <= 0) return n; // gave up: restrict() returns n itself
    let out: Ref = n;
    if (this.steps > 0) {
      this.steps--;
      this.budget--;
      const m = this.mask[id];
      const t = <Test>this.test[id];
      const k = this.k[id];
      let known = -1;
      if (this.word[id] == w) {
        if (lo == hi) {
          known = t == Test.SET ? ((lo & k) != 0 ? 1 : 0) : t == Test.EQ ? ((lo & m) == k ? 1 : 0)
            : t == Test.GT ? (lo > k ? 1 : 0) : (lo >= k ? 1 : 0);
        } else if (m == FULL && t != Test.SET) {
          known = decideRange(lo, hi, hole, holeAt, t, k);
        }
      }
      if (known == 1) out = this.restrictRange(this.t[id], w, lo, hi, hole, holeAt, gen, first);
      else if (known == 0) out = this.restrictRange(this.f[id], w, lo, hi, hole, holeAt, gen, first);
      else {
        let rt: Ref;
        let rf: Ref;
        if (this.word[id] == w && m == FULL && t != Test.SET) {
          // Narrow the interval by what this test says on each branch.
          let tLo = lo, tHi = hi, fLo = lo, fHi = hi;
          let fHole = hole, fHoleAt = holeAt;
          if (t == Test.EQ) {
            tLo = tHi = k;
            if (k == lo) fLo = lo + 1;
            else if (k == hi) fHi = hi - 1;
            else if (!hole) {
              fHole = true;
              fHoleAt = k;
            }
          } else if (t == Test.GT) {
            tLo = max(lo, k + 1);
            fHi = min(hi, k);
          } else { // GE
            tLo = max(lo, k);
            fHi = min(hi, k - 1);
          }
          rt = this.restrictRange(this.t[id], w, tLo, tHi, hole && holeAt >= tLo && holeAt <= tHi, holeAt, gen, false);
          rf = this.restrictRange(this.f[id], w, fLo, fHi, fHole && fHoleAt >= fLo && fHoleAt <= fHi, fHoleAt, gen, false);
        } else {
          rt = this.restrictRange(this.t[id], w, lo, hi, hole, holeAt, gen, first);
          rf = this.restrictRange(this.f[id], w, lo, hi, hole, holeAt, gen, first);
        }
        out = rt == this.t[id] && rf == this.f[id] ? n : this.intern(this.word[id], m, t, k, rt, rf);
      }
    }
    if (first) {
      this.stamp[id] = gen;
      this.memo[id] = out;
    }
    return out;
  }

  private restrictIn(n: Ref, w: i32, mask: u32, test: Test, k: u32, truth: bool, gen: i32): Ref {
    if (isAction(n)) return n;
    const id = <i32>n;
    if ((this.words[id] & (1 << <u32>w)) == 0) return n;
    if (this.stamp[id] == gen) return this.memo[id];
    let out: Ref = n;
    if (this.reach-- <= 0) return n; // gave up: restrict() returns n itself
    if (this.steps > 0) {
      this.steps--;
      this.budget--;
      const known = this.word[id] == w ? decide(mask, test, k, truth, this.mask[id], <Test>this.test[id], this.k[id]) : -1;
      if (known == 1) out = this.restrictIn(this.t[id], w, mask, test, k, truth, gen);
      else if (known == 0) out = this.restrictIn(this.f[id], w, mask, test, k, truth, gen);
      else {
        const t = this.restrictIn(this.t[id], w, mask, test, k, truth, gen);
        const f = this.restrictIn(this.f[id], w, mask, test, k, truth, gen);
        out = t == this.t[id] && f == this.f[id] ? n : this.intern(this.word[id], this.mask[id], <Test>this.test[id], this.k[id], t, f);
      }
    }
    this.stamp[id] = gen;
    this.memo[id] = out;
    return out;
  }

  /**
   * Instructions executed from `n` with every argument zero (what the codegen's measure()
   * counts), entered with A holding `state`; including the final RET.
   */
  zeroArgCost(n: Ref): i32 {
    let cost = 0;
    let state = UNKNOWN;
    while (!isAction(n)) {
      const id = <i32>n;
      cost += this.entryCost(id, state) + 1;
      state = stateAfter(this.word[id], this.mask[id]);
      let taken: bool;
      switch (<Test>this.test[id]) {
        case Test.EQ: taken = this.k[id] == 0; break;
        case Test.GE: taken = this.k[id] == 0; break;
        default: taken = false; break; // 0 > k, (0 & k) != 0
      }
      n = taken ? this.t[id] : this.f[id];
    }
    return cost + 1;
  }

  /**
   * The most instructions any arguments execute from `n` (entered with A holding nothing
   * known), including the final RET: the longest path of its graph.
   */
  longestCost(n: Ref): i32 {
    if (isAction(n)) return 1;
    return this.entryCost(<i32>n, UNKNOWN) + this.longestBelow(<i32>n);
  }

  /** Longest path from node id's jump (its loads not counted) to a RET; memoised. */
  private longestBelow(id: i32): i32 {
    while (this.longest.length < this.count) this.longest.push(-1);
    const known = this.longest[id];
    if (known >= 0) return known;
    const after = stateAfter(this.word[id], this.mask[id]);
    let most = 0;
    for (let side = 0; side < 2; side++) {
      const c = side == 0 ? this.t[id] : this.f[id];
      const len = isAction(c) ? 1 : this.entryCost(<i32>c, after) + this.longestBelow(<i32>c);
      if (len > most) most = len;
    }
    this.longest[id] = most + 1;
    return most + 1;
  }

  /** Loads (and mask) a node needs when entered with A holding `state`. */
  entryCost(id: i32, state: i64): i32 {
    const mask = this.mask[id];
    if (state == stateAfter(this.word[id], mask)) return 0;
    if (mask != FULL && state == stateAfter(this.word[id], FULL)) return 1;
    return mask != FULL ? 2 : 1;
  }
}

/**
 * Emits graph nodes into one Emitter, each node once. A node has up to
 * three entries: its jump (A already holds the masked word), its AND (A holds the word) and its
 * load; which ones exist is decided from the states its predecessors leave in A.
 */
export class GraphEmitter {
  private jumpAt: i32[] = [];
  private andAt: i32[] = [];
  private loadAt: i32[] = [];
  /** Per node: bit 0, some entry needs the load; bit 1, some needs the AND alone. */
  private entries: u8[] = [];

  constructor(private g: Graph, private em: Emitter, private bigEndian: bool) {
    const n = g.count;
    for (let i = 0; i < n; i++) {
      this.jumpAt.push(-1);
      this.andAt.push(-1);
      this.loadAt.push(-1);
      this.entries.push(0);
    }
    // Only nodes reachable from a root count (restriction leaves unreachable originals behind).
    // Children have lower ids than their parents, so one pass down the ids sees every reachable
    // node after all of its predecessors.
    const reached = new StaticArray<bool>(n);
    for (let r = 0; r < g.roots.length; r++) {
      this.note(g.roots[r], UNKNOWN);
      if (!isAction(g.roots[r])) reached[<i32>g.roots[r]] = true;
    }
    for (let id = n - 1; id >= 0; id--) {
      if (!reached[id]) continue;
      const after = stateAfter(g.word[id], g.mask[id]);
      this.note(g.t[id], after);
      this.note(g.f[id], after);
      if (!isAction(g.t[id])) reached[<i32>g.t[id]] = true;
      if (!isAction(g.f[id])) reached[<i32>g.f[id]] = true;
    }
  }

  private note(n: Ref, state: i64): void {
    if (isAction(n)) return;
    const id = <i32>n;
    const cost = this.g.entryCost(id, state);
    if (cost == 0) return;
    if (cost == 1 && this.g.mask[id] != FULL) this.entries[id] |= 2;
    else this.entries[id] |= 1;
  }

  /** The code of `n` for a predecessor that leaves `state` in A (UNKNOWN: from the nr tree). */
  emit(n: Ref, state: i64 = UNKNOWN): Target {
    if (isAction(n)) return n;
    const g = this.g;
    const id = <i32>n;
    const need = g.entryCost(id, state);
    const have = need == 0 ? this.jumpAt[id] : need == 1 && g.mask[id] != FULL ? this.andAt[id] : this.loadAt[id];
    // An emitted node is always jumped to, however far (the emitter adds a JA past 255): emitting
    // it again would copy its whole subgraph, and on long rule lists the copies multiply.
    if (have >= 0) return <Target>have;
    const w = g.word[id];
    const mask = g.mask[id];
    const after = stateAfter(w, mask);
    // The false branch first: placed farther, it is usually the shared continuation.
    const f = this.emit(g.f[id], after);
    const t = this.emit(g.t[id], after);
    const j = this.em.jump(JMP | jumpOp(<Test>g.test[id]) | K, g.k[id], t, f);
    this.jumpAt[id] = j;
    let entry: Label = j;
    const wantAnd = mask != FULL && (need > 0 || (this.entries[id] & 3) != 0);
    const wantLoad = need == 2 || (need == 1 && mask == FULL) || (this.entries[id] & 1) != 0;
    this.andAt[id] = -1;
    this.loadAt[id] = -1;
    if (wantAnd) {
      entry = this.em.stmt(ALU | AND | K, mask, entry);
      this.andAt[id] = entry;
    }
    if (wantLoad) {
      entry = this.em.stmt(LD_ABS, offsetOf(w, this.bigEndian), entry);
      this.loadAt[id] = entry;
    }
    return need == 0 ? <Target>j : need == 1 && mask != FULL ? <Target>this.andAt[id] : <Target>this.loadAt[id];
  }
}

/** seccomp_data offset of word w (arg w >> 1, its high half when w is odd). */
function offsetOf(w: i32, bigEndian: bool): u32 {
  const base = 16 + 8 * <u32>(w >> 1);
  const high = (w & 1) != 0;
  return high != bigEndian ? base + 4 : base;
}

function jumpOp(test: Test): u16 {
  switch (test) {
    case Test.EQ: return JEQ;
    case Test.GT: return JGT;
    case Test.GE: return JGE;
    default: return JSET;
  }
}

// @ts-ignore: decorator
@inline function stateAfter(w: i32, mask: u32): i64 {
  return (<i64>w << 32) | <i64>mask;
}

function wordsOf(g: Graph, n: Ref): u32 {
  return isAction(n) ? 0 : g.words[<i32>n];
}

function hash(w: i32, mask: u32, test: u32, k: u32, t: Ref, f: Ref): u32 {
  let h: u64 = <u64>w * 0x9e3779b97f4a7c15;
  h = (h ^ <u64>mask) * 0xff51afd7ed558ccd;
  h = (h ^ <u64>test ^ (<u64>k << 8)) * 0xc4ceb9fe1a85ec53;
  h = (h ^ <u64>t) * 0x9e3779b97f4a7c15;
  h = (h ^ <u64>f) * 0xff51afd7ed558ccd;
  return <u32>(h >> 32) ^ <u32>h;
}

/** What test (t, k) on a whole word in lo..hi (minus holeAt when `hole`) gives; lo < hi. */
function decideRange(lo: u32, hi: u32, hole: bool, holeAt: u32, t: Test, k: u32): i32 {
  switch (t) {
    case Test.EQ: return k < lo || k > hi || (hole && holeAt == k) ? 0 : -1;
    case Test.GT: return lo > k ? 1 : hi <= k ? 0 : -1;
    default: return lo >= k ? 1 : hi < k ? 0 : -1; // GE
  }
}

/**
 * Given that test (fm, ft, fk) on a word came out `truth`, what test (m, t, k) on the same
 * word gives: 1 true, 0 false, -1 not known.
 */
function decide(fm: u32, ft: Test, fk: u32, truth: bool, m: u32, t: Test, k: u32): i32 {
  if (ft == Test.SET || t == Test.SET) {
    if (ft == t && fk == k && fm == m) return truth ? 1 : 0;
    // A known value of the masked word decides a JSET inside the mask.
    if (ft == Test.EQ && truth && t == Test.SET && (k & ~fm) == 0) return (fk & k) != 0 ? 1 : 0;
    // (w & fk) != 0 rules out w == k when k has none of those bits, and conversely.
    if (ft == Test.SET && t == Test.EQ && m == FULL && (k & fk) == 0 && truth) return 0;
    if (ft == Test.SET && t == Test.EQ && m == FULL && (k & fk) != 0 && !truth) return 0;
    return -1;
  }
  if (fm != m) {
    // A known masked value decides any equality under a narrower mask.
    if (ft == Test.EQ && truth && t == Test.EQ && (m & ~fm) == 0) return (fk & m) == k ? 1 : 0;
    return -1;
  }
  // Same mask: what the fact leaves of the (masked) word, as an interval minus one value.
  let lo: u32 = 0;
  let hi: u32 = FULL;
  let hole = false;
  let holeAt: u32 = 0;
  switch (ft) {
    case Test.EQ:
      if (truth) {
        lo = fk;
        hi = fk;
      } else {
        hole = true;
        holeAt = fk;
      }
      break;
    case Test.GT:
      if (truth) lo = fk + 1; // fk < 2^32-1: node() folds "> 2^32-1"
      else hi = fk;
      break;
    default: // GE
      if (truth) lo = fk;
      else hi = fk - 1; // fk > 0: node() folds ">= 0"
      break;
  }
  switch (t) {
    case Test.EQ:
      if (lo == hi) return lo == k ? 1 : 0;
      if (k < lo || k > hi || (hole && holeAt == k)) return 0;
      return -1;
    case Test.GT:
      if (lo > k) return 1;
      if (hi <= k) return 0;
      return -1;
    default: // GE
      if (lo >= k) return 1;
      if (hi < k) return 0;
      return -1;
  }
}

// Partitions -> program. Two dispatch strategies are built and the cheaper one is kept:
//   nr-first:   ld nr; one tree over the union of every arch's partition; a leaf whose outcome
//               differs between arches (or from the bad-arch action) checks the arch there.
//   arch-first: ld arch; jeq per auditArch to that arch's own tree; else the bad-arch action.
// "Cheaper" is measured, not estimated: each program runs on every measured number (0..maxNr
// of each ABI), and the lower sum of executed counts plus program length wins (an instruction
// of length priced as one number executing one more, as in the tree's INSN_COST, times the
// length weight the bench may sweep), then the shorter program. (measure.ts runs it once per stretch of numbers that share a path.)
// The tree's leaves come from segment.ts, its shape from tree.ts, argument tests from graph.ts.
import { DEFAULT_LENGTH_WEIGHT, MAX_INSNS, Strategy } from "./wire";
import { actionTarget, Emitter, isAction, Label, Target } from "./emit";
import { Graph, GraphEmitter } from "./graph";
import { JEQ, JGE, JMP, K, LD_ABS, Program } from "./insn";
import * as interp from "./interp";
import { executedOver, UNSUPPORTED } from "./measure";
import { INSN_COST, LeafTable, MEASURED, Segments } from "./segment";
import { Scratch, Tree } from "./tree";
import { Lowered } from "../lower/lower";
import { Outcomes } from "../lower/outcome";
import { Policy } from "../lower/policy";
import { Partition } from "../lower/ranges";

const NR_OFFSET: u32 = 0;
const ARCH_OFFSET: u32 = 4;
/** How far back an already emitted block is reused rather than emitted again. */
const REUSE_REACH: i32 = 200;
/**
 * The height a range's code adds to the tree's height bound (tree.ts): its zero-argument path
 * (what measure() counts), or its longest path (whatever the arguments) less ARG_SLACK when
 * that is more. The longest path is what a call can cost at worst; the slack lets the rarer
 * argument paths run that much longer than the bound on the ordinary ones. Measured: 4 is the
 * least that keeps moby x86_64's zero-argument mean and max (3: mean 10.40 -> 10.47; 0: 10.58
 * and max 13 -> 15, with compiles several times slower), and it lifts the random-policy bench's
 * "worst path <= libseccomp's" from 92-96% to 96-99% at the same mean executed.
 */
const ARG_SLACK: i64 = 4;

// A seccomp_data for measuring (nr, arch, zero arguments).
const DATA: usize = memory.data(64, 16);

/** Null when no strategy fits in MAX_INSNS. */
export function generate(lowered: Lowered, strategy: Strategy, lengthWeight: u32 = 0): Program | null {
  const weight: i64 = lengthWeight == 0 ? DEFAULT_LENGTH_WEIGHT : <i64>lengthWeight;
  const gen = new Codegen(lowered, weight);
  let best: Program | null = null;
  let bestCost: i64 = i64.MAX_VALUE;
  if (strategy != Strategy.NR_FIRST) {
    const p = gen.archFirst();
    if (p.length <= MAX_INSNS) {
      best = p;
      bestCost = gen.measure(p) + weight * <i64>p.length;
    }
  }
  // Skip building nr-first when even its lower bound cannot beat arch-first.
  if (strategy != Strategy.ARCH_FIRST && (strategy == Strategy.NR_FIRST || gen.nrFirstBound() < bestCost)) {
    const p = gen.nrFirst();
    const cost = gen.measure(p) + weight * <i64>p.length;
    if (p.length <= MAX_INSNS && (!best || cost < bestCost || (cost == bestCost && p.length < best.length))) {
      best = p;
    }
  }
  return best;
}

class Codegen {
  policy: Policy;
  outcomes: Outcomes;
  arches: u32[];
  parts: Partition[];
  badOutcome: i32;
  mArch: i32[];
  mLo: u32[];
  mHi: u32[];
  private union: Partition;
  private tuples: i32[][];
  private unionCounts: StaticArray<i32> = new StaticArray<i32>(0);
  /** Every outcome's argument tests, one graph for the whole program. */
  private graph: Graph;
  em: Emitter;
  private nodes: GraphEmitter;
  private scratch: Scratch = new Scratch();
  // Where each tuple's code was last emitted (-1: not yet).
  private tupleAt: i32[] = [];
  /** Per outcome: instructions its code executes with zero arguments. */
  private costOf: i32[] = [];
  /** Per outcome: the most instructions its code executes, whatever the arguments. */
  private longestOf: i32[] = [];

  /** What one instruction of length costs in the trees' units (see segment.ts's INSN_COST). */
  private insnCost: i64;

  constructor(l: Lowered, lengthWeight: i64) {
    this.insnCost = INSN_COST * lengthWeight;
    this.policy = l.policy;
    this.outcomes = l.outcomes;
    this.arches = l.arches;
    this.parts = l.parts;
    this.badOutcome = l.badOutcome;
    this.mArch = l.mArch;
    this.mLo = l.mLo;
    this.mHi = l.mHi;
    this.union = l.union;
    this.tuples = l.tuples;
    const graph = new Graph(l.outcomes);
    const em = new Emitter();
    this.graph = graph;
    this.em = em;
    this.nodes = new GraphEmitter(graph, em, l.policy.bigEndian);
    for (let id = 0; id < graph.roots.length; id++) {
      this.costOf.push(graph.zeroArgCost(graph.roots[id]));
      this.longestOf.push(graph.longestCost(graph.roots[id]));
    }
  }

  /** Executed instructions summed over the measured numbers, with zero arguments. */
  measure(p: Program): i64 {
    let sum: i64 = 0;
    for (let i = 0; i < this.mLo.length; i++) {
      const arch = this.arches[this.mArch[i]];
      const stretches = executedOver(p, arch, this.mLo[i], this.mHi[i]);
      sum += stretches != UNSUPPORTED ? stretches : this.measureEach(p, arch, this.mLo[i], this.mHi[i]);
    }
    return sum;
  }

  /** measure() one number at a time, for programs executedOver cannot follow. */
  private measureEach(p: Program, arch: u32, lo: u32, hi: u32): i64 {
    memory.fill(DATA, 0, 64);
    store<u32>(DATA, arch, 4);
    let sum: i64 = 0;
    for (let nr = <u64>lo; nr <= <u64>hi; nr++) {
      store<u32>(DATA, <u32>nr);
      interp.run(p, DATA);
      sum += <i64>interp.executed;
    }
    return sum;
  }

  // ---- strategies ----

  nrFirst(): Program {
    this.unite();
    this.start();
    const root = this.tree(this.union, this.unionCounts, true);
    this.loadNr(this.union, root, true);
    return this.em.finish(false);
  }

  /**
   * A lower bound of what measure() would give nr-first: every measured number pays at least
   * "ld nr", its leaf's arch checks and a RET; and the tree (with its peeled JEQs) must tell
   * apart the places numbers land, which takes at least their entropy in binary decisions
   * (Shannon). The coarsest segmentation (every odd singleton peeled) has the least entropy
   * of all the candidates tree() tries, so it bounds them all.
   */
  nrFirstBound(): i64 {
    this.unite();
    const part = this.union;
    const n = part.length;
    const counts = this.unionCounts;
    // Measured numbers per range, and the bound's per-number costs outside the tree.
    const inRange = new StaticArray<i64>(n);
    let total: i64 = 0;
    let sum: i64 = 0;
    for (let r = 0; r < n; r++) {
      for (let x = 0; x < this.arches.length; x++) {
        const c = <i64>counts[x * n + r];
        if (c == 0) continue;
        inRange[r] += c;
        total += c;
        sum += c * (1 + this.tupleCost(part.outcome[r], x, true));
      }
    }
    const segs = new Segments(part);
    const base = new StaticArray<i64>(segs.count);
    let entropy: i64 = 0;
    for (let r = 0; r < n; r++) {
      if (segs.isPeeled(part, r)) entropy += bits(inRange[r], total);
      else base[segs.segOf[r]] += inRange[r];
    }
    for (let s = 0; s < segs.count; s++) entropy += bits(base[s], total);
    return sum + entropy;
  }

  /** Measured numbers per piece of the union, counted once. */
  private unite(): void {
    if (this.unionCounts.length == 0) this.unionCounts = this.countMeasured(this.union, -1);
  }

  archFirst(): Program {
    this.start();
    let rest: Target = actionTarget(this.policy.badArchAction);
    for (let x = this.arches.length - 1; x >= 0; x--) {
      const counts = this.countMeasured(this.parts[x], x);
      const root = this.tree(this.parts[x], counts, false);
      const body = this.loadNr(this.parts[x], root);
      rest = this.em.jump(JMP | JEQ | K, this.arches[x], body, rest);
    }
    // Emitted last, so placed first: the program's entry.
    this.em.stmt(LD_ABS, ARCH_OFFSET, rest);
    return this.em.finish(false);
  }

  /**
   * `ld nr` before a tree, unless the tree is one range: then nothing reads nr. As the program's
   * `entry`, the tree's code must also be the last instruction placed (emission runs backwards).
   */
  private loadNr(part: Partition, root: Target, entry: bool = false): Target {
    const placed = !isAction(root) && <Label>root == this.em.count - 1;
    if (part.length == 1 && (!entry || placed)) return root;
    return this.em.stmt(LD_ABS, NR_OFFSET, root);
  }

  private start(): void {
    this.em = new Emitter();
    this.nodes = new GraphEmitter(this.graph, this.em, this.policy.bigEndian);
    this.tupleAt = [];
  }

  /** counts[x * n + r]: measured numbers of arch x in range r (only arch `only` if >= 0). */
  private countMeasured(part: Partition, only: i32): StaticArray<i32> {
    const n = part.length;
    const counts = new StaticArray<i32>(this.arches.length * n);
    for (let i = 0; i < this.mLo.length; i++) {
      const x = this.mArch[i];
      if (only >= 0 && x != only) continue;
      const lo = this.mLo[i];
      const hi = this.mHi[i];
      for (let r = part.find(lo); r < n && part.lo[r] <= hi; r++) {
        counts[x * n + r] += <i32>(<u64>min(hi, part.hi[r]) - <u64>max(lo, part.lo[r]) + 1);
      }
    }
    return counts;
  }

  // ---- the nr tree ----

  /** Builds the best tree over `part` (keys: tuples when `byTuple`, else outcomes). */
  private tree(part: Partition, counts: StaticArray<i32>, byTuple: bool): Target {
    const n = part.length;
    const nA = this.arches.length;
    // Per fine range: traversal weight, the weighted cost of its leaf code, and the height its
    // code adds to the tree's (see ARG_SLACK).
    const w = new StaticArray<i64>(n);
    const lc = new StaticArray<i64>(n);
    const exec = new StaticArray<i32>(n);
    let total: i64 = 0;
    for (let r = 0; r < n; r++) {
      const key = part.outcome[r];
      let measured: i64 = 0;
      let weighted: i64 = 0;
      let worst: i64 = -1;
      for (let x = 0; x < nA; x++) {
        const c = <i64>counts[x * n + r];
        if (c == 0) continue;
        const cost = byTuple ? this.tupleCost(key, x) : this.outcomeCost(key);
        const longest = byTuple ? this.tupleCost(key, x, false, true) : <i64>this.longestOf[key];
        measured += c;
        weighted += c * cost;
        const bound = max(cost, longest - ARG_SLACK);
        if (bound > worst) worst = bound;
      }
      total += measured;
      w[r] = MEASURED * measured + 1;
      lc[r] = MEASURED * weighted + (byTuple ? this.tupleCost(key, 0) : this.outcomeCost(key));
      exec[r] = <i32>worst;
    }
    const leaves = new LeafTable(part, w, lc, exec, this.insnCost);
    const t = new Tree(n, w, leaves, total, this.scratch, this.insnCost);
    return this.emitTree(part, leaves, t, 0, n - 1, t.top, byTuple);
  }

  private emitTree(part: Partition, leaves: LeafTable, t: Tree, i: i32, j: i32, layer: i32, byTuple: bool): Target {
    const d = t.layer(i, j, layer);
    if (t.isLeaf(i, j, d)) return this.emitLeaf(part, leaves, i, j, byTuple);
    const k = t.split(i, j, d);
    const right = this.emitTree(part, leaves, t, k, j, t.below(d), byTuple);
    const left = this.emitTree(part, leaves, t, i, k - 1, t.below(d), byTuple);
    return this.em.jump(JMP | JGE | K, part.lo[k], right, left);
  }

  /** Leaf i..j: JEQ for each peeled singleton, heaviest first, then the stretch's own key. */
  private emitLeaf(part: Partition, leaves: LeafTable, i: i32, j: i32, byTuple: bool): Target {
    let rest = this.emitKey(leaves.key(part, i, j), byTuple);
    const peeled = leaves.peeled(part, i, j);
    for (let e = peeled.length - 1; e >= 0; e--) {
      const r = peeled[e];
      const hit = this.emitKey(part.outcome[r], byTuple);
      rest = this.em.jump(JMP | JEQ | K, part.lo[r], hit, rest);
    }
    return rest;
  }

  private emitKey(key: i32, byTuple: bool): Target {
    return byTuple ? this.emitTuple(key) : this.emitOutcome(key);
  }

  // ---- leaves ----

  /** nr-first leaf: the outcome of each arch, checking the arch only when they differ. */
  private emitTuple(key: i32): Target {
    const tuple = this.tuples[key];
    let uniform = true;
    for (let x = 0; x < tuple.length; x++) uniform = uniform && tuple[x] == this.badOutcome;
    if (uniform) return actionTarget(this.policy.badArchAction);
    const cached = this.reused(this.tupleAt, key);
    if (cached >= 0) return <Target>cached;
    let rest: Target = actionTarget(this.policy.badArchAction);
    for (let x = tuple.length - 1; x >= 0; x--) {
      if (tuple[x] == this.badOutcome) continue;
      rest = this.em.jump(JMP | JEQ | K, this.arches[x], this.emitOutcome(tuple[x]), rest);
    }
    const l = this.em.stmt(LD_ABS, ARCH_OFFSET, rest);
    remember(this.tupleAt, key, l);
    return l;
  }

  /** An outcome's code: its graph's root (graph.ts shares what was emitted within reach). */
  private emitOutcome(id: i32): Target {
    return this.nodes.emit(this.graph.roots[id]);
  }

  /** The label of block `id` if it was emitted and is still near enough, else -1. */
  private reused(at: i32[], id: i32): Label {
    if (id >= at.length || at[id] < 0) return -1;
    const l = at[id];
    return this.em.distance(l) <= REUSE_REACH ? l : -1;
  }

  // ---- cost estimates for the tree's leaves (instructions executed) ----

  /** Instructions an outcome's code executes with zero arguments (what measure() counts). */
  private outcomeCost(id: i32): i64 {
    return <i64>this.costOf[id];
  }

  /**
   * Instructions an nr-first leaf runs for arch slot x: when every slot is bad-arch, one RET;
   * else `ld [4]`, one jeq per arch tested up to x's, then x's outcome (or the bad-arch RET).
   * With `cheapest`, every outcome counts as one RET: a lower bound before outcomes are emitted.
   */
  private tupleCost(key: i32, x: i32, cheapest: bool = false, longest: bool = false): i64 {
    const tuple = this.tuples[key];
    let uniform = true;
    for (let y = 0; y < tuple.length; y++) {
      if (tuple[y] != this.badOutcome) uniform = false;
    }
    if (uniform) return 1;
    let checks: i64 = 0;
    for (let y = 0; y < tuple.length; y++) {
      if (tuple[y] == this.badOutcome) continue;
      checks++;
      if (y == x) return 1 + checks + (cheapest ? 1 : longest ? <i64>this.longestOf[tuple[y]] : this.outcomeCost(tuple[y]));
    }
    return 1 + checks + 1;
  }
}

function remember(at: i32[], id: i32, l: Label): void {
  while (at.length <= id) at.push(-1);
  at[id] = l;
}

/** c * log2(total / c), rounded down (so still a lower bound), in integer arithmetic. */
function bits(c: i64, total: i64): i64 {
  if (c <= 0) return 0;
  return (c * log2Fixed(<u64>total, <u64>c)) >> 8;
}

/** log2(num / den) for num >= den, with 8 fraction bits, never rounded up. */
function log2Fixed(num: u64, den: u64): i64 {
  let whole: i64 = 0;
  while (num >= den << 1) {
    den <<= 1;
    whole++;
  }
  // z = num / den in [1, 2) as a Q1.31 fraction, truncated; each squaring yields one bit.
  let z: u64 = (num << 31) / den;
  let frac: i64 = 0;
  for (let i = 0; i < 8; i++) {
    z = (z * z) >> 31;
    frac <<= 1;
    if (z >= <u64>1 << 32) {
      z >>= 1;
      frac |= 1;
    }
  }
  return (whole << 8) | frac;
}

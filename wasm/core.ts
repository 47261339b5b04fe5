// The host-core boundary: the one module instance (with its wire-format check) and the one error
// type, CoreError, for both sides of the module; and the host side of the BPF core, the only
// code that reads or writes the module's memory for BPF (wasm/stub.ts does the same for stubs).
// The module is instantiated on first use, never at import time: in Bun, compiling wasm starts
// a thread, and the launcher must install its bootstrap filter before any thread exists.

import type { CmpOp, ResolvedPolicy } from "../policy/resolved.ts";
import coreWasm from "./build/core-wasm.gen.ts";

export type ByteOrder = "little" | "big";

export interface Program {
  bytes: Uint8Array;
  insns: number;
  byteOrder: ByteOrder;
}

/** CoreError.status: the core's own statuses (wasm/assembly/bpf/wire.ts) and two of the host's. */
export const CoreStatus = {
  BAD_INPUT: 1,
  TOO_LARGE: 2,
  REJECTED: 3,
  WIRE_MISMATCH: -1,
  CRASHED: -2,
} as const;

/**
 * A failure inside or at the edge of the module: `status` is the module's (or the host's) code,
 * the message one line. Both sides of the module throw it (wasm/stub.ts as StubError).
 */
export class CoreError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    // By name, not by class: the launcher's minified bundle renames classes.
    this.name = "CoreError";
  }
}

export interface SeccompData {
  nr: number;
  arch: number;
  ip?: bigint;
  /** Up to 6 values, each 0 .. 2^64-1. */
  args?: bigint[];
}

// Mirrors wasm/assembly/bpf/wire.ts (layout, statuses, flags): change both together.
const Wire = {
  VERSION: 3,
  OK: 0,
  FLAG_BIG_ENDIAN: 1,
  FLAG_STRATEGY_SHIFT: 1,
  FLAG_LENGTH_WEIGHT_SHIFT: 8,
  LENGTH_WEIGHT_MAX: 0xffff,
  POLICY_BIG_ENDIAN: 1,
  SECCOMP_DATA_BYTES: 64,
  OPS: { EQ: 0, NE: 1, LT: 2, LE: 3, GT: 4, GE: 5, MASKED_EQ: 6 } satisfies Record<CmpOp, number>,
  COND_LOW_WORD: 0x100,
} as const;

/** Which dispatch compile() emits; tests force one, everyone else wants "auto". */
export type Strategy = "auto" | "nr-first" | "arch-first";
const STRATEGIES: Record<Strategy, number> = { auto: 0, "nr-first": 1, "arch-first": 2 };

/** Every export of the module: the BPF core's, and the stub emitter's (wasm/stub.ts uses those). */
export interface CoreExports {
  memory: WebAssembly.Memory;
  wireVersion(): number;
  inputPtr(): number;
  inputCap(): number;
  outputPtr(): number;
  outputLen(): number;
  errorPtr(): number;
  errorLen(): number;
  compile(nWords: number, flags: number): number;
  simulate(nBytes: number, flags: number): number;
  verify(nBytes: number, flags: number): number;
  disassemble(nBytes: number, flags: number): number;
  stubParamsPtr(): number;
  stubFilterPtr(): number;
  stubOutPtr(): number;
  stubEmit(): number;
}
type Exports = CoreExports;

let core: Exports | undefined;

/** The module, instantiated and checked on the first call of either side. */
export function coreExports(): Exports {
  if (core) return core;
  const bytes = Buffer.from(coreWasm, "base64");
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  const exports = instance.exports as unknown as Exports;
  if (exports.wireVersion() !== Wire.VERSION) {
    throw new CoreError(CoreStatus.WIRE_MISMATCH, `wasm core wire format ${exports.wireVersion()}, host expects ${Wire.VERSION}: rebuild with npm run build:wasm`);
  }
  core = exports;
  return core;
}

function input(m: Exports, bytes: number): Uint8Array {
  if (bytes > m.inputCap()) throw new CoreError(CoreStatus.BAD_INPUT, `input of ${bytes} bytes exceeds the core's ${m.inputCap()}`);
  return new Uint8Array(m.memory.buffer, m.inputPtr(), bytes);
}

function output(m: Exports): Uint8Array {
  return new Uint8Array(m.memory.buffer, m.outputPtr(), m.outputLen());
}

/** The line the module's error channel (wasm/assembly/error.ts) holds after a failed call, of either side. */
export function errorText(m: Pick<Exports, "memory" | "errorPtr" | "errorLen">): string {
  return new TextDecoder().decode(new Uint8Array(m.memory.buffer, m.errorPtr(), m.errorLen()));
}

/** What a failed call says: the module's words, or its bare status when it left none. */
export function failureText(m: Pick<Exports, "memory" | "errorPtr" | "errorLen">, status: number): string {
  return errorText(m) || `status ${status}`;
}

/** Runs one entry point; a trap (a bug in the core) becomes a one-line CoreError. */
function call(m: Exports, what: string, entry: () => number): number {
  try {
    return entry();
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) throw new CoreError(CoreStatus.CRASHED, `${what}: internal error in the wasm core (${e.message})`);
    throw e;
  }
}

function check(m: Exports, status: number, what: string): void {
  if (status !== Wire.OK) throw new CoreError(status, `${what}: ${failureText(m, status)}`);
}

function orderFlag(order: ByteOrder): number {
  return order === "big" ? Wire.FLAG_BIG_ENDIAN : 0;
}

/**
 * Writes the policy straight into the core's input buffer as its input words (layout:
 * wasm/assembly/bpf/wire.ts) and returns how many there are. A policy too large for the buffer
 * is still checked to the end, so that a bad value is reported before its size.
 */
function encodePolicy(m: Exports, policy: ResolvedPolicy): number {
  const into = inputWords(m);
  const cap = into.length;
  let n = 0;
  const put = (v: number): void => {
    if (n < cap) into[n] = v;
    n++;
  };
  const u32 = (v: number, what: string): number => {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new CoreError(CoreStatus.BAD_INPUT, `${what} ${v} is not a u32`);
    return v;
  };
  const u64 = (v: bigint, what: string): void => {
    if (v < 0n || v > 0xffffffffffffffffn) throw new CoreError(CoreStatus.BAD_INPUT, `${what} ${v} is not a u64`);
    put(Number(v & 0xffffffffn));
    put(Number(v >> 32n));
  };
  put(policy.defaultAction >>> 0);
  put(policy.badArchAction >>> 0);
  put(policy.bigEndian ? Wire.POLICY_BIG_ENDIAN : 0);
  put(policy.abis.length);
  for (const { abi, rules } of policy.abis) {
    put(abi.auditArch >>> 0);
    put(abi.nrBase >>> 0);
    put(abi.nrRegion[0] >>> 0);
    put(abi.nrRegion[1] >>> 0);
    put(abi.maxNr);
    put(rules.length);
    for (const rule of rules) {
      put(u32(rule.nr, "syscall number"));
      put(u32(rule.nrLast ?? rule.nr, "nrLast"));
      put(u32(rule.action, "action"));
      put(rule.conds.length);
      for (const c of rule.conds) {
        if (!Number.isInteger(c.arg) || c.arg < 0 || c.arg > 5) throw new CoreError(CoreStatus.BAD_INPUT, `argument index ${c.arg} is not 0..5`);
        const op = Wire.OPS[c.op];
        if (op === undefined) throw new CoreError(CoreStatus.BAD_INPUT, `unknown comparison ${String(c.op)}`);
        put(c.arg);
        put(c.lowWord ? op | Wire.COND_LOW_WORD : op);
        u64(c.value, "value");
        u64(c.valueTwo, "valueTwo");
      }
    }
  }
  if (n > cap) throw new CoreError(CoreStatus.BAD_INPUT, `input of ${n * 4} bytes exceeds the core's ${m.inputCap()}`);
  return n;
}

/**
 * Compile and verify. byteOrder defaults to the target's (policy.bigEndian). Throws CoreError.
 * lengthWeight (bench only): what one instruction of length is worth against one more
 * instruction executed by one measured number (integer 1..65535; default 1).
 */
export function compile(policy: ResolvedPolicy, opts?: { byteOrder?: ByteOrder; strategy?: Strategy; lengthWeight?: number }): Program {
  const byteOrder = opts?.byteOrder ?? (policy.bigEndian ? "big" : "little");
  const m = coreExports();
  loaded = undefined; // the policy overwrites a program simulate() left in the input buffer
  const nWords = encodePolicy(m, policy);
  const weight = opts?.lengthWeight ?? 0;
  if (!Number.isInteger(weight) || weight < 0 || weight > Wire.LENGTH_WEIGHT_MAX) {
    throw new CoreError(CoreStatus.BAD_INPUT, `length weight ${weight} is not an integer 1..${Wire.LENGTH_WEIGHT_MAX}`);
  }
  const flags = orderFlag(byteOrder) | (STRATEGIES[opts?.strategy ?? "auto"] << Wire.FLAG_STRATEGY_SHIFT) |
    (weight << Wire.FLAG_LENGTH_WEIGHT_SHIFT);
  check(m, call(m, "compile", () => m.compile(nWords, flags)), "compile");
  const bytes = output(m).slice();
  return { bytes, insns: bytes.length / 8, byteOrder };
}

let loaded: { program: Uint8Array; flags: number } | undefined;

/**
 * Run a program like the kernel does (the program's words in `byteOrder`; args laid out in the
 * seccomp_data of the arch given by `dataBigEndian`, default = byteOrder === "big").
 */
export function simulate(
  program: Uint8Array,
  byteOrder: ByteOrder,
  data: SeccompData,
  dataBigEndian: boolean = byteOrder === "big",
): { action: number; executed: number } {
  const m = coreExports();
  const at = Wire.SECCOMP_DATA_BYTES;
  const buf = input(m, at + program.length);
  // Re-copy the program only when it changed: property tests run one program thousands of times.
  const flags = orderFlag(byteOrder);
  if (!loaded || loaded.flags !== flags || !sameBytes(loaded.program, program)) {
    buf.set(program, at);
    loaded = { program: program.slice(), flags };
  }
  const { words, view } = dataViews(m);
  words.fill(0);
  words[0] = data.nr >>> 0;
  words[1] = data.arch >>> 0;
  // A u64 in seccomp_data: little-endian arches put the low word first, big-endian the high.
  const put = (slot: number, v: bigint): void => {
    if (v < 0n || v > 0xffffffffffffffffn) throw new CoreError(CoreStatus.BAD_INPUT, `seccomp_data value ${v} is not a u64`);
    view.setBigUint64(slot * 4, v, true);
    if (dataBigEndian) [words[slot], words[slot + 1]] = [words[slot + 1], words[slot]];
  };
  if (data.ip !== undefined) put(2, data.ip);
  const args = data.args ?? [];
  if (args.length > 6) throw new CoreError(CoreStatus.BAD_INPUT, `seccomp_data has 6 arguments, got ${args.length}`);
  for (let i = 0; i < args.length; i++) put(4 + 2 * i, args[i]);
  check(m, call(m, "simulate", () => m.simulate(program.length, flags)), "simulate");
  const out = new Uint32Array(m.memory.buffer, m.outputPtr(), 2);
  return { action: out[0], executed: out[1] };
}

let views: { buffer: ArrayBuffer; input: Uint32Array; words: Uint32Array; view: DataView } | undefined;

/**
 * Views of the input buffer: all of it as words, and the seccomp_data at its start (made once,
 * and again only if memory grew: compile() is called per policy, simulate() per verdict).
 */
function dataViews(m: Exports): { input: Uint32Array; words: Uint32Array; view: DataView } {
  const buffer = m.memory.buffer;
  if (views?.buffer !== buffer) {
    views = {
      buffer,
      input: new Uint32Array(buffer, m.inputPtr(), m.inputCap() >> 2),
      words: new Uint32Array(buffer, m.inputPtr(), 16),
      view: new DataView(buffer, m.inputPtr(), 64),
    };
  }
  return views;
}

function inputWords(m: Exports): Uint32Array {
  return dataViews(m).input;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  // Whole instructions are 8 bytes; compare words when both are word-aligned.
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0 && a.length % 4 === 0) {
    const x = new Int32Array(a.buffer, a.byteOffset, a.length / 4);
    const y = new Int32Array(b.buffer, b.byteOffset, b.length / 4);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function loadProgram(m: Exports, program: Uint8Array): void {
  input(m, program.length).set(program);
  loaded = undefined;
}

/** null when the kernel would accept the program, else a one-line reason. */
export function verify(program: Uint8Array, byteOrder: ByteOrder): string | null {
  const m = coreExports();
  loadProgram(m, program);
  const status = call(m, "verify", () => m.verify(program.length, orderFlag(byteOrder)));
  return status === Wire.OK ? null : failureText(m, status);
}

/** A listing in the style of libseccomp's scmp_bpf_disasm. */
export function disassemble(program: Uint8Array, byteOrder: ByteOrder): string {
  const m = coreExports();
  loadProgram(m, program);
  check(m, call(m, "disassemble", () => m.disassemble(program.length, orderFlag(byteOrder))), "disassemble");
  return new TextDecoder().decode(output(m));
}

const actionNames = new Map<number, string>();

/**
 * A seccomp return value as the core's disassembler spells it in `ret` lines, which is
 * scmp_bpf_disasm's spelling: ALLOW, ERRNO(38), KILL, ..., and hex for what libseccomp's tool
 * does not name (SECCOMP_RET_USER_NOTIF among them). The one spelling, for listings and for
 * --simulate's verdicts.
 */
export function actionName(action: number): string {
  const k = action >>> 0;
  let name = actionNames.get(k);
  if (name === undefined) {
    const ret = new Uint8Array(8);
    const view = new DataView(ret.buffer);
    view.setUint16(0, 0x06, true); // BPF_RET | BPF_K
    view.setUint32(4, k, true);
    const line = disassemble(ret, "little").split("\n")[2]!;
    name = line.slice(line.indexOf("ret ") + 4);
    actionNames.set(k, name);
  }
  return name;
}

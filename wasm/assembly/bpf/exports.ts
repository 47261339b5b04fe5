// The BPF core's entry points (layout and statuses: wire.ts). Every entry point starts from an
// empty heap: results of the previous call are gone, and the stub runtime never has to free.
import { WIRE_VERSION, FLAG_BIG_ENDIAN, FLAG_LENGTH_WEIGHT_SHIFT, FLAG_STRATEGY_SHIFT, LENGTH_WEIGHT_MASK, INPUT, INPUT_CAP, MAX_INSNS, SECCOMP_DATA_BYTES, Status, Strategy } from "./wire";
import { generate } from "./codegen";
import { disassemble as listing } from "./disasm";
import { Program } from "./insn";
import * as interp from "./interp";
import { dec } from "./text";
import { verify as check } from "./verify";
import { lower } from "../lower/lower";
import { clearError, fail } from "../error";
import { decodeError, decodePolicy } from "../lower/policy";

let outPtr: usize = 0;
let outLen: i32 = 0;

export function wireVersion(): u32 {
  return WIRE_VERSION;
}
export function inputPtr(): usize {
  return INPUT;
}
export function inputCap(): i32 {
  return INPUT_CAP;
}
export function outputPtr(): usize {
  return outPtr;
}
export function outputLen(): i32 {
  return outLen;
}

export function compile(nWords: i32, flags: u32): Status {
  begin();
  if (nWords < 0 || nWords > INPUT_CAP / 4) return failed(Status.BAD_INPUT, "policy does not fit the input buffer");
  const policy = decodePolicy(INPUT, nWords);
  if (!policy) return failed(Status.BAD_INPUT, decodeError);
  const lowered = lower(policy);
  const p = generate(lowered, <Strategy>((flags >> FLAG_STRATEGY_SHIFT) & 3), (flags >> FLAG_LENGTH_WEIGHT_SHIFT) & LENGTH_WEIGHT_MASK);
  if (!p) return failed(Status.TOO_LARGE, `the program would exceed ${dec(MAX_INSNS)} instructions`);
  const reason = check(p);
  if (reason) return failed(Status.REJECTED, "internal error, generated program rejected: " + reason);
  writeProgram(p, (flags & FLAG_BIG_ENDIAN) != 0);
  return Status.OK;
}

export function simulate(nBytes: i32, flags: u32): Status {
  begin();
  const p = readProgram(SECCOMP_DATA_BYTES, nBytes, flags);
  if (!p) return Status.BAD_INPUT;
  const action = interp.run(p, INPUT);
  outPtr = heap.alloc(8);
  store<u32>(outPtr, action);
  store<u32>(outPtr, <u32>interp.executed, 4);
  outLen = 8;
  return Status.OK;
}

export function verify(nBytes: i32, flags: u32): Status {
  begin();
  const p = readProgram(0, nBytes, flags);
  if (!p) return Status.BAD_INPUT;
  const reason = check(p);
  return reason ? failed(Status.REJECTED, reason) : Status.OK;
}

export function disassemble(nBytes: i32, flags: u32): Status {
  begin();
  const p = readProgram(0, nBytes, flags);
  if (!p) return Status.BAD_INPUT;
  const text = listing(p);
  outPtr = text.ptr;
  outLen = text.len;
  return Status.OK;
}

function begin(): void {
  __reset();
  outPtr = 0;
  outLen = 0;
  clearError();
}

function readProgram(at: i32, nBytes: i32, flags: u32): Program | null {
  if (nBytes < 0 || at + nBytes > INPUT_CAP) return failedProgram("program does not fit the input buffer");
  const p = Program.at(INPUT + <usize>at, nBytes, (flags & FLAG_BIG_ENDIAN) != 0);
  if (!p) return failedProgram(`${dec(nBytes)} bytes is not a whole number of 8-byte instructions`);
  return p;
}

function failedProgram(message: string): Program | null {
  failed(Status.BAD_INPUT, message);
  return null;
}

function writeProgram(p: Program, bigEndian: bool): void {
  outLen = p.length * 8;
  const out = new Program(heap.alloc(<usize>max(outLen, 8)), p.length, bigEndian);
  for (let i = 0; i < p.length; i++) out.set(i, p.code(i), p.jt(i), p.jf(i), p.k(i));
  outPtr = out.ptr;
}

function failed(status: Status, message: string): Status {
  return <Status>fail(<i32>status, message);
}

// The one decode step shared by the verifier, the simulator and the disassembler: an opcode
// becomes a Kind, and every opcode the kernel's seccomp checker refuses becomes INVALID, so the
// three can never disagree about what an instruction is (seccomp-tools' `symbolize` idea).
import {
  A, ABS, ADD, ALU, AND, DIV, IMM, JA, JEQ, JGE, JGT, JMP, JSET, K, LD, LDX, LEN, LSH, MEM, MISC,
  MUL, NEG, OR, RET, RSH, ST, STX, SUB, TAX, TXA, W, X, XOR,
} from "./insn";

export const enum Kind {
  INVALID,
  LD_ABS, // A = data[k]
  LD_LEN, // A = sizeof(seccomp_data)
  LD_IMM, // A = k
  LD_MEM, // A = M[k]
  LDX_LEN, // X = sizeof(seccomp_data)
  LDX_IMM, // X = k
  LDX_MEM, // X = M[k]
  ST, // M[k] = A
  STX, // M[k] = X
  ALU_K, // A = A op k
  ALU_X, // A = A op X
  NEG, // A = -A
  TAX, // X = A
  TXA, // A = X
  JA, // pc += k
  JMP_K, // pc += (A op k) ? jt : jf
  JMP_X, // pc += (A op X) ? jt : jf
  RET_K, // return k
  RET_A, // return A
}

/** The ALU or jump operation of an ALU_K/ALU_X/JMP_K/JMP_X instruction (ADD, JEQ, ...). */
export function opOf(code: u16): u16 {
  return code & 0xf0;
}

// Kind by opcode, filled on first use: the simulator decodes every instruction it executes.
const KINDS: usize = memory.data(256);
let kindsReady = false;

export function kindOf(code: u16): Kind {
  if (code > 0xff) return Kind.INVALID;
  if (!kindsReady) {
    for (let c: u16 = 0; c < 256; c++) store<u8>(KINDS + <usize>c, <u8>decode(c));
    kindsReady = true;
  }
  return <Kind>load<u8>(KINDS + <usize>code);
}

function decode(code: u16): Kind {
  switch (code) {
    case LD | W | ABS: return Kind.LD_ABS;
    case LD | W | LEN: return Kind.LD_LEN;
    case LD | W | IMM: return Kind.LD_IMM;
    case LD | W | MEM: return Kind.LD_MEM;
    case LDX | W | LEN: return Kind.LDX_LEN;
    case LDX | W | IMM: return Kind.LDX_IMM;
    case LDX | W | MEM: return Kind.LDX_MEM;
    case ST: return Kind.ST;
    case STX: return Kind.STX;
    case ALU | NEG: return Kind.NEG;
    case MISC | TAX: return Kind.TAX;
    case MISC | TXA: return Kind.TXA;
    case JMP | JA: return Kind.JA;
    case RET | K: return Kind.RET_K;
    case RET | A: return Kind.RET_A;
  }
  const cls = code & 0x07;
  const op = code & 0xf0;
  const src = code & 0x08;
  if (cls == ALU) {
    // MOD and the eBPF-only operations are not in the kernel's seccomp list.
    if (op == ADD || op == SUB || op == MUL || op == DIV || op == OR || op == AND || op == LSH ||
        op == RSH || op == XOR) {
      return src == X ? Kind.ALU_X : Kind.ALU_K;
    }
  } else if (cls == JMP) {
    if (op == JEQ || op == JGT || op == JGE || op == JSET) return src == X ? Kind.JMP_X : Kind.JMP_K;
  }
  return Kind.INVALID;
}

/** Does a conditional jump with this operation take its true branch? */
export function jumpTaken(op: u16, a: u32, b: u32): bool {
  switch (op) {
    case JEQ: return a == b;
    case JGT: return a > b;
    case JGE: return a >= b;
    default: return (a & b) != 0; // JSET
  }
}

/** A op b for an ALU operation; the caller has ruled out division by zero. */
export function aluResult(op: u16, a: u32, b: u32): u32 {
  switch (op) {
    case ADD: return a + b;
    case SUB: return a - b;
    case MUL: return a * b;
    case DIV: return a / b;
    case OR: return a | b;
    case AND: return a & b;
    // The kernel runs classic BPF as eBPF, where a 32-bit shift count is taken mod 32.
    case LSH: return a << (b & 31);
    case RSH: return a >>> (b & 31);
    default: return a ^ b; // XOR
  }
}

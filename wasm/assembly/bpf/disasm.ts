// A listing in the format of libseccomp's scmp_bpf_disasm: a hex dump of each instruction,
// then the mnemonic and its operands, with jump targets as absolute line numbers.
import { Kind, kindOf, opOf } from "./decode";
import {
  ADD, AND, DIV, JEQ, JGE, JGT, LSH, MUL, OR, Program, RSH, SUB, XOR,
} from "./insn";
import { dec, hex, padEnd, TextOut } from "./text";

export function disassemble(p: Program): TextOut {
  const out = new TextOut(64 + p.length * 72);
  out.add(" line  OP   JT   JF   K\n");
  out.add("=================================\n");
  for (let i = 0; i < p.length; i++) {
    const code = p.code(i);
    out.add(" " + dec(i, 4) + ": " + hex(code, code > 0xff ? 4 : 2) + " " + hex(p.jt(i), 2) + " " +
      hex(p.jf(i), 2) + " " + hex(p.k(i), 8) + "   ");
    out.add(padEnd(mnemonic(code), 3) + " " + operands(p, i) + "\n");
  }
  return out;
}

function mnemonic(code: u16): string {
  switch (kindOf(code)) {
    case Kind.LD_ABS: case Kind.LD_LEN: case Kind.LD_IMM: case Kind.LD_MEM: return "ld";
    case Kind.LDX_LEN: case Kind.LDX_IMM: case Kind.LDX_MEM: return "ldx";
    case Kind.ST: return "st";
    case Kind.STX: return "stx";
    case Kind.NEG: return "neg";
    case Kind.TAX: return "tax";
    case Kind.TXA: return "txa";
    case Kind.JA: return "jmp";
    case Kind.RET_K: case Kind.RET_A: return "ret";
    case Kind.ALU_K: case Kind.ALU_X:
      switch (opOf(code)) {
        case ADD: return "add";
        case SUB: return "sub";
        case MUL: return "mul";
        case DIV: return "div";
        case OR: return "or";
        case AND: return "and";
        case LSH: return "lsh";
        case RSH: return "rsh";
        case XOR: return "xor";
      }
      break;
    case Kind.JMP_K: case Kind.JMP_X:
      switch (opOf(code)) {
        case JEQ: return "jeq";
        case JGT: return "jgt";
        case JGE: return "jge";
        default: return "jset";
      }
  }
  return "???";
}

function operands(p: Program, i: i32): string {
  const code = p.code(i);
  const k = p.k(i);
  switch (kindOf(code)) {
    case Kind.LD_ABS: return `$data[${dec(k)}]`;
    case Kind.LD_LEN: case Kind.LDX_LEN: return "len($data)";
    case Kind.LD_IMM: case Kind.LDX_IMM: return dec(k);
    case Kind.LD_MEM: case Kind.LDX_MEM: case Kind.ST: case Kind.STX: return `$temp[${dec(k)}]`;
    case Kind.ALU_K: return opOf(code) == OR || opOf(code) == AND ? hex(k, 8) : dec(k);
    case Kind.ALU_X: case Kind.NEG: return dec(k);
    case Kind.JA: return dec(<u32>i + 1 + k, 4);
    case Kind.JMP_K: case Kind.JMP_X:
      return padEnd(dec(k), 4) + " true:" + dec(<u32>i + 1 + p.jt(i), 4) + " false:" +
        dec(<u32>i + 1 + p.jf(i), 4);
    case Kind.RET_K: return actionName(k);
    case Kind.RET_A: return "$acc";
  }
  return "";
}

/** scmp_bpf_disasm's spelling of a seccomp return value. */
export function actionName(k: u32): string {
  const data = k & 0xffff;
  switch (k & 0xffff0000) {
    case 0x80000000: return "KILL_PROCESS";
    case 0x00000000: return "KILL";
    case 0x00030000: return "TRAP";
    case 0x00050000: return `ERRNO(${dec(data)})`;
    case 0x7ff00000: return `TRACE(${dec(data)})`;
    case 0x7ffc0000: return "LOG";
    case 0x7fff0000: return "ALLOW";
  }
  return hex(k, 8);
}

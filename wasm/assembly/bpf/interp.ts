// Runs a program on one seccomp_data the way the kernel does, counting executed instructions.
// Only meaningful for programs the verifier accepts (forward jumps, RET at the end): anything
// else stops with action 0 (KILL) instead of looping or reading out of bounds.
import { aluResult, jumpTaken, Kind, kindOf, opOf } from "./decode";
import { DIV } from "./insn";
import { Program } from "./insn";
import { SECCOMP_DATA_BYTES } from "./wire";

/** Instructions the last run() executed. */
export let executed: i32 = 0;

// M[0..15]; static so that running a program allocates nothing.
const MEM: usize = memory.data(16 * 4, 4);

/**
 * Returns the action; `executed` holds the count. `data` points at the 16 words a 32-bit load
 * at offsets 0, 4, ... 60 returns.
 */
export function run(p: Program, data: usize): u32 {
  let a: u32 = 0;
  let x: u32 = 0;
  memory.fill(MEM, 0, 64);
  let pc = 0;
  executed = 0;
  while (pc < p.length) {
    const code = p.code(pc);
    const k = p.k(pc);
    executed++;
    let next = pc + 1;
    switch (kindOf(code)) {
      case Kind.LD_ABS:
        if (k >= <u32>SECCOMP_DATA_BYTES || (k & 3) != 0) return 0;
        a = load<u32>(data + <usize>k);
        break;
      case Kind.LD_LEN: a = SECCOMP_DATA_BYTES; break;
      case Kind.LD_IMM: a = k; break;
      case Kind.LD_MEM: a = k < 16 ? load<u32>(MEM + (<usize>k << 2)) : 0; break;
      case Kind.LDX_LEN: x = SECCOMP_DATA_BYTES; break;
      case Kind.LDX_IMM: x = k; break;
      case Kind.LDX_MEM: x = k < 16 ? load<u32>(MEM + (<usize>k << 2)) : 0; break;
      case Kind.ST: if (k < 16) store<u32>(MEM + (<usize>k << 2), a); break;
      case Kind.STX: if (k < 16) store<u32>(MEM + (<usize>k << 2), x); break;
      case Kind.ALU_K: a = aluResult(opOf(code), a, opOf(code) == DIV && k == 0 ? 1 : k); break;
      case Kind.ALU_X:
        // Classic BPF in the kernel ends the program with 0 on a division by X == 0.
        if (opOf(code) == DIV && x == 0) return 0;
        a = aluResult(opOf(code), a, x);
        break;
      case Kind.NEG: a = -a; break;
      case Kind.TAX: x = a; break;
      case Kind.TXA: a = x; break;
      case Kind.JA: next = <i32>(<u32>next + k); break;
      case Kind.JMP_K: next += jumpTaken(opOf(code), a, k) ? p.jt(pc) : p.jf(pc); break;
      case Kind.JMP_X: next += jumpTaken(opOf(code), a, x) ? p.jt(pc) : p.jf(pc); break;
      case Kind.RET_K: return k;
      case Kind.RET_A: return a;
      default: return 0;
    }
    if (next <= pc) return 0;
    pc = next;
  }
  return 0;
}

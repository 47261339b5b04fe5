// The kernel's checks for a seccomp filter (bpf_check_classic + seccomp_check_filter +
// check_load_and_stores): null when it would accept the program, else a one-line reason.
import { MAX_INSNS, SECCOMP_DATA_BYTES } from "./wire";
import { Kind, kindOf, opOf } from "./decode";
import { DIV, LSH, Program, RSH } from "./insn";
import { dec, hex } from "./text";

export function verify(p: Program): string | null {
  const n = p.length;
  if (n < 1 || n > MAX_INSNS) return `${dec(n)} instructions: the kernel accepts 1..${dec(MAX_INSNS)}`;
  for (let pc = 0; pc < n; pc++) {
    const code = p.code(pc);
    const k = p.k(pc);
    switch (kindOf(code)) {
      case Kind.INVALID:
        return at(pc) + `opcode ${hex(code, 2)} is not allowed in a seccomp filter`;
      case Kind.LD_ABS:
        if (k >= <u32>SECCOMP_DATA_BYTES || (k & 3) != 0) {
          return at(pc) + `load of data[${dec(k)}] is not an aligned word inside seccomp_data`;
        }
        break;
      case Kind.LD_MEM: case Kind.LDX_MEM: case Kind.ST: case Kind.STX:
        if (k >= 16) return at(pc) + `memory slot ${dec(k)} does not exist (M[0..15])`;
        break;
      case Kind.ALU_K:
        if (opOf(code) == DIV && k == 0) return at(pc) + "division by constant 0";
        if ((opOf(code) == LSH || opOf(code) == RSH) && k >= 32) return at(pc) + `shift by ${dec(k)} >= 32`;
        break;
      case Kind.JA:
        if (k >= <u32>(n - pc - 1)) return at(pc) + `jump past the end`;
        break;
      case Kind.JMP_K: case Kind.JMP_X:
        if (pc + 1 + <i32>p.jt(pc) >= n || pc + 1 + <i32>p.jf(pc) >= n) {
          return at(pc) + `jump past the end`;
        }
        break;
      default:
        break;
    }
  }
  const last = kindOf(p.code(n - 1));
  if (last != Kind.RET_K && last != Kind.RET_A) return `instruction ${dec(<u32>(n - 1))}: the program does not end in RET`;
  return memoryReadsAfterWrites(p);
}

/** The prefix of a reason about instruction pc (built only on failure: verify runs every compile). */
function at(pc: i32): string {
  return `instruction ${dec(pc)}: `;
}

/** Every M[k] read must follow a write to M[k] on every path to it. */
function memoryReadsAfterWrites(p: Program): string | null {
  const n = p.length;
  const valid = new StaticArray<u32>(n); // slots written on every path into pc
  for (let i = 0; i < n; i++) valid[i] = 0xffff;
  let now: u32 = 0;
  for (let pc = 0; pc < n; pc++) {
    now &= valid[pc];
    const k = p.k(pc);
    switch (kindOf(p.code(pc))) {
      case Kind.ST: case Kind.STX:
        now |= 1 << k;
        break;
      case Kind.LD_MEM: case Kind.LDX_MEM:
        if ((now & (1 << k)) == 0) return `instruction ${dec(pc)}: reads M[${dec(k)}] before every path wrote it`;
        break;
      case Kind.JA:
        valid[pc + 1 + <i32>k] &= now;
        now = 0xffff;
        break;
      case Kind.JMP_K: case Kind.JMP_X:
        valid[pc + 1 + <i32>p.jt(pc)] &= now;
        valid[pc + 1 + <i32>p.jf(pc)] &= now;
        now = 0xffff;
        break;
      default:
        break;
    }
  }
  return null;
}

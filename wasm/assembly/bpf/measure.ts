// Executed instructions summed over a range of syscall numbers, without running the program once
// per number: the program runs once per stretch of numbers that takes the same path. With every
// argument zero, seccomp_data holds only two values that matter, nr and arch; a path forks only
// where a jump compares the loaded nr, and each fork narrows the stretch of numbers on it. The
// sum is exactly what interp.run would count number by number (codegen.ts picks strategies by it).
import { SECCOMP_DATA_BYTES } from "./wire";
import { aluResult, jumpTaken, Kind, kindOf, opOf } from "./decode";
import { DIV, JEQ, JGE, Program } from "./insn";

/** "Cannot follow this program by stretches": the caller counts number by number instead. */
export const UNSUPPORTED: i64 = -1;

// Pending paths, each a record of pc, instructions executed so far, A (or A_IS_NR) and the
// stretch lo..hi. Static, so that measuring allocates nothing; a program whose paths fork deeper
// than MAX_PENDING is counted number by number instead.
const A_IS_NR: i64 = -1;
const MAX_PENDING: usize = 1024;
const RECORD: usize = 24;
const PENDING: usize = memory.data(1024 * 24, 8);

/**
 * Sum over nr in lo..hi of the instructions interp.run executes on (nr, arch, zero arguments),
 * or UNSUPPORTED when the program does something to nr other than compare it with a constant.
 */
export function executedOver(p: Program, arch: u32, lo: u32, hi: u32): i64 {
  let top: usize = PENDING;
  const end = PENDING + MAX_PENDING * RECORD;
  top = push(top, 0, 0, 0, lo, hi);
  let sum: i64 = 0;
  while (top > PENDING) {
    top -= RECORD;
    let pc = load<i32>(top);
    let executed = load<i32>(top, 4);
    let a = load<i64>(top, 8);
    let from = load<u32>(top, 16);
    let to = load<u32>(top, 20);
    for (;;) {
      if (pc >= p.length) break;
      const code = p.code(pc);
      const k = p.k(pc);
      executed++;
      let next = pc + 1;
      const kind = kindOf(code);
      if (kind == Kind.RET_K || kind == Kind.RET_A) break;
      if (kind == Kind.LD_ABS) {
        if (k >= <u32>SECCOMP_DATA_BYTES || (k & 3) != 0) break; // interp stops here
        a = k == 0 ? A_IS_NR : k == 4 ? <i64>arch : 0;
      } else if (kind == Kind.JA) {
        next = <i32>(<u32>next + k);
      } else if (kind == Kind.JMP_K) {
        const jt = next + <i32>p.jt(pc);
        const jf = next + <i32>p.jf(pc);
        if (a != A_IS_NR) {
          next = jumpTaken(opOf(code), <u32>a, k) ? jt : jf;
        } else {
          // Split from..to into the numbers that jump to jt and those that go to jf.
          const op = opOf(code);
          if (op == JEQ) {
            if (k < from || k > to) {
              next = jf;
            } else {
              if (top + 2 * RECORD > end) return UNSUPPORTED;
              if (k > from) top = push(top, jf, executed, a, from, k - 1);
              if (k < to) top = push(top, jf, executed, a, k + 1, to);
              next = jt;
              from = k;
              to = k;
            }
          } else if (op == JGE) {
            if (k <= from) {
              next = jt;
            } else if (k > to) {
              next = jf;
            } else {
              if (top + RECORD > end) return UNSUPPORTED;
              top = push(top, jf, executed, a, from, k - 1);
              next = jt;
              from = k;
            }
          } else {
            return UNSUPPORTED; // JGT, JSET: codegen compares nr with JEQ and JGE only
          }
        }
      } else if (kind == Kind.ALU_K && a != A_IS_NR) {
        a = <i64>aluResult(opOf(code), <u32>a, opOf(code) == DIV && k == 0 ? 1 : k);
      } else {
        return UNSUPPORTED; // arithmetic on nr, X, scratch memory: codegen emits none of them
      }
      if (next <= pc) break; // interp stops on a backward jump
      pc = next;
    }
    sum += <i64>executed * (<i64>to - <i64>from + 1);
  }
  return sum;
}

// @ts-ignore: decorator
@inline function push(at: usize, pc: i32, executed: i32, a: i64, lo: u32, hi: u32): usize {
  store<i32>(at, pc);
  store<i32>(at, executed, 4);
  store<i64>(at, a, 8);
  store<u32>(at, lo, 16);
  store<u32>(at, hi, 20);
  return at + RECORD;
}

// Classic BPF instruction encoding (include/uapi/linux/filter.h, bpf_common.h) and a program as
// parallel arrays of its four fields.

// Classes
export const LD: u16 = 0x00;
export const LDX: u16 = 0x01;
export const ST: u16 = 0x02;
export const STX: u16 = 0x03;
export const ALU: u16 = 0x04;
export const JMP: u16 = 0x05;
export const RET: u16 = 0x06;
export const MISC: u16 = 0x07;
// Sizes and modes
export const W: u16 = 0x00;
export const H: u16 = 0x08;
export const B: u16 = 0x10;
export const IMM: u16 = 0x00;
export const ABS: u16 = 0x20;
export const IND: u16 = 0x40;
export const MEM: u16 = 0x60;
export const LEN: u16 = 0x80;
export const MSH: u16 = 0xa0;
// ALU and jump operations
export const ADD: u16 = 0x00;
export const SUB: u16 = 0x10;
export const MUL: u16 = 0x20;
export const DIV: u16 = 0x30;
export const OR: u16 = 0x40;
export const AND: u16 = 0x50;
export const LSH: u16 = 0x60;
export const RSH: u16 = 0x70;
export const NEG: u16 = 0x80;
export const MOD: u16 = 0x90;
export const XOR: u16 = 0xa0;
export const JA: u16 = 0x00;
export const JEQ: u16 = 0x10;
export const JGT: u16 = 0x20;
export const JGE: u16 = 0x30;
export const JSET: u16 = 0x40;
// Sources
export const K: u16 = 0x00;
export const X: u16 = 0x08;
export const A: u16 = 0x10; // RET's value source
export const TAX: u16 = 0x00;
export const TXA: u16 = 0x80;

export const LD_ABS: u16 = LD | W | ABS;
export const RET_K: u16 = RET | K;

/**
 * A program as sock_filter records (8 bytes each) in memory, in either byte order. A view, not a
 * copy: the simulator runs the same program thousands of times and decodes only what executes.
 */
export class Program {
  constructor(readonly ptr: usize, readonly length: i32, readonly bigEndian: bool) {}

  /** The records at `ptr`; null when nBytes is not a whole number of instructions. */
  static at(ptr: usize, nBytes: i32, bigEndian: bool): Program | null {
    if (nBytes < 0 || nBytes % 8 != 0) return null;
    return new Program(ptr, nBytes / 8, bigEndian);
  }

  code(i: i32): u16 {
    const v = load<u16>(this.ptr + (<usize>i << 3));
    return this.bigEndian ? bswap<u16>(v) : v;
  }

  jt(i: i32): u8 {
    return load<u8>(this.ptr + (<usize>i << 3), 2);
  }

  jf(i: i32): u8 {
    return load<u8>(this.ptr + (<usize>i << 3), 3);
  }

  k(i: i32): u32 {
    const v = load<u32>(this.ptr + (<usize>i << 3), 4);
    return this.bigEndian ? bswap<u32>(v) : v;
  }

  /** Stores instruction i. */
  set(i: i32, code: u16, jt: u8, jf: u8, k: u32): void {
    const at = this.ptr + (<usize>i << 3);
    store<u16>(at, this.bigEndian ? bswap<u16>(code) : code);
    store<u8>(at, jt, 2);
    store<u8>(at, jf, 3);
    store<u32>(at, this.bigEndian ? bswap<u32>(k) : k, 4);
  }
}

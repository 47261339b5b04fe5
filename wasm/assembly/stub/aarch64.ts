// aarch64 backend: fixed 32-bit little-endian instruction words.
import { Asm, EQ, NE } from "./asm";

// Indexed by virtual register (A0..A4, S0..S5, A5): arguments x0..x5 (x0 returns), and
// x19..x24, which svc preserves.
const PHYS: StaticArray<u8> = [0, 1, 2, 3, 4, 19, 20, 21, 22, 23, 24, 5];
const XZR: u32 = 31;
const SP: u32 = 31; // in the add/sub-immediate forms register 31 is sp
const X8: u32 = 8; // syscall number

export class Aarch64 extends Asm {
  r(v: i32): u32 {
    return <u32>PHYS[v];
  }

  insn(w: u32): void {
    this.u32(w);
  }

  movz(d: u32, imm16: u32, hw: u32): void {
    this.insn(0xd2800000 | (hw << 21) | ((imm16 & 0xffff) << 5) | d);
  }

  movk(d: u32, imm16: u32, hw: u32): void {
    this.insn(0xf2800000 | (hw << 21) | ((imm16 & 0xffff) << 5) | d);
  }

  li(rd: i32, imm: i32): void {
    const d = this.r(rd);
    const u = <u32>imm;
    if (imm >= 0 && imm < 0x10000) {
      this.movz(d, u, 0);
    } else if (imm < 0 && ~imm < 0x10000) {
      this.insn(0x92800000 | ((~u & 0xffff) << 5) | d); // movn
    } else if (imm >= 0) {
      this.movz(d, u, 0);
      this.movk(d, u >> 16, 1);
    } else {
      this.insn(0x92800000 | ((~u & 0xffff) << 5) | d); // movn: bits 16..63 set, low half = imm
      this.movk(d, u >> 16, 1);
    }
  }

  la(rd: i32, l: i32): void { // adr xd, label (pc-relative, +-1 MiB; the data's mapping included)
    const off = this.emitting ? <u32>(this.addr(l) - (this.base + <u64>this.pos)) : 0;
    this.insn(0x10000000 | ((off & 3) << 29) | (((off >> 2) & 0x7ffff) << 5) | this.r(rd));
  }

  mov(rd: i32, rs: i32): void { // orr xd, xzr, xs
    this.insn(0xaa0003e0 | (this.r(rs) << 16) | this.r(rd));
  }

  addSubImm(d: u32, n: u32, imm: i32): void {
    if (imm >= 0) this.insn(0x91000000 | (<u32>imm << 10) | (n << 5) | d);
    else this.insn(0xd1000000 | (<u32>(-imm) << 10) | (n << 5) | d);
  }

  addi(rd: i32, rs: i32, imm: i32): void {
    this.addSubImm(this.r(rd), this.r(rs), imm);
  }

  add(rd: i32, rs: i32, rt: i32): void {
    this.insn(0x8b000000 | (this.r(rt) << 16) | (this.r(rs) << 5) | this.r(rd));
  }

  /** Load/store with a scaled unsigned offset when possible, else the unscaled 9-bit form. */
  mem(scaled: u32, unscaled: u32, size: i32, t: u32, n: u32, off: i32): void {
    if (off >= 0 && off % size == 0 && off / size < 4096) this.insn(scaled | (<u32>(off / size) << 10) | (n << 5) | t);
    else this.insn(unscaled | ((<u32>off & 0x1ff) << 12) | (n << 5) | t);
  }

  ld(rd: i32, rb: i32, off: i32): void {
    this.mem(0xf9400000, 0xf8400000, 8, this.r(rd), this.r(rb), off);
  }

  st(rs: i32, rb: i32, off: i32): void {
    this.mem(0xf9000000, 0xf8000000, 8, this.r(rs), this.r(rb), off);
  }

  ldw(rd: i32, rb: i32, off: i32): void { // ldr wd (zero-extends)
    this.mem(0xb9400000, 0xb8400000, 4, this.r(rd), this.r(rb), off);
  }

  ldb(rd: i32, rb: i32, off: i32): void {
    this.mem(0x39400000, 0x38400000, 1, this.r(rd), this.r(rb), off);
  }

  stb(rs: i32, rb: i32, off: i32): void {
    this.mem(0x39000000, 0x38000000, 1, this.r(rs), this.r(rb), off);
  }

  ldh(rd: i32, rb: i32, off: i32): void { // ldrh wd (zero-extends)
    this.mem(0x79400000, 0x78400000, 2, this.r(rd), this.r(rb), off);
  }

  ldx(rd: i32, rb: i32, ri: i32): void { // ldr xd, [xb, xi]
    this.insn(0xf8606800 | (this.r(ri) << 16) | (this.r(rb) << 5) | this.r(rd));
  }

  stx(rs: i32, rb: i32, ri: i32): void { // str xs, [xb, xi]
    this.insn(0xf8206800 | (this.r(ri) << 16) | (this.r(rb) << 5) | this.r(rs));
  }

  stx8(rs: i32, rb: i32, ri: i32): void { // str xs, [xb, xi, lsl #3]
    this.insn(0xf8207800 | (this.r(ri) << 16) | (this.r(rb) << 5) | this.r(rs));
  }

  jmp(l: i32): void {
    this.insn(0x14000000 | ((<u32>(this.rel(l) >> 2)) & 0x3ffffff));
  }

  bcond(cond: i32, l: i32): void {
    this.insn(0x54000000 | (((<u32>(this.rel(l) >> 2)) & 0x7ffff) << 5) | (cond == EQ ? 0 : cond == NE ? 1 : 0xb)); // b.eq, b.ne, b.lt
  }

  br(cond: i32, ra: i32, rb: i32, l: i32): void { // cmp xa, xb = subs xzr, xa, xb
    this.insn(0xeb000000 | (this.r(rb) << 16) | (this.r(ra) << 5) | XZR);
    this.bcond(cond, l);
  }

  bri(cond: i32, ra: i32, imm: i32, l: i32): void { // cmp xa, #imm or cmn xa, #-imm
    if (imm >= 0) this.insn(0xf100001f | (<u32>imm << 10) | (this.r(ra) << 5));
    else this.insn(0xb100001f | (<u32>(-imm) << 10) | (this.r(ra) << 5));
    this.bcond(cond, l);
  }

  sysnr(nr: i32, result: bool): void {
    this.movz(X8, <u32>nr, 0);
    this.insn(0xd4000001); // svc #0; x0 already holds -errno on failure
  }

  sysAt(rb: i32, off: i32, result: bool): void {
    this.mem(0x79400000, 0x78400000, 2, X8, this.r(rb), off); // ldrh w8
    this.insn(0xd4000001); // svc #0
  }

  getsp(rd: i32): void { // mov xd, sp = add xd, sp, #0
    this.addSubImm(this.r(rd), SP, 0);
  }

  subsp(n: i32): void {
    if (n < 4096) this.addSubImm(SP, SP, -n);
    else this.insn(0xd14003ff | (<u32>(n >> 12) << 10)); // sub sp, sp, #n>>12, lsl #12
  }
}

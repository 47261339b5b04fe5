// ppc64le backend (ELFv2): fixed 32-bit instruction words stored little-endian. `sc` reports
// failure in CR0.SO with a positive errno in r3; sysnr turns that into -errno like other arches
// wherever the result is read.
import { Asm, EQ, LT } from "./asm";

// Indexed by virtual register (A0..A4, S0..S5, A5): arguments r3..r8 (r3 returns), and the
// non-volatile r14..r19.
const PHYS: StaticArray<u8> = [3, 4, 5, 6, 7, 14, 15, 16, 17, 18, 19, 8];
const R0: u32 = 0; // syscall number
const R1: u32 = 1; // stack pointer
/** Holds (the data's mapping) + 0x8000 so that `la` is one addi reaching all of the data. */
const RBASE: u32 = 20;
const BASE_BIAS: u32 = 0x8000;

export class Ppc64le extends Asm {
  r(v: i32): u32 {
    return <u32>PHYS[v];
  }

  insn(w: u32): void {
    this.u32(w);
  }

  /** D-form: opcode, RT/RS, RA, 16-bit immediate. */
  d(op: u32, t: u32, a: u32, imm: i32): void {
    this.insn((op << 26) | (t << 21) | (a << 16) | (<u32>imm & 0xffff));
  }

  li32(d: u32, imm: u32): void { // lis d, hi; ori d, d, lo
    this.d(15, d, 0, <i32>(imm >> 16));
    this.insn((24 << 26) | (d << 21) | (d << 16) | (imm & 0xffff));
  }

  li(rd: i32, imm: i32): void {
    if (imm >= -32768 && imm <= 32767) this.d(14, this.r(rd), 0, imm); // addi rd, 0, imm
    else this.li32(this.r(rd), <u32>imm);
  }

  prologue(): void {
    this.li32(RBASE, this.dataBase());
  }

  la(rd: i32, l: i32): void {
    this.d(14, this.r(rd), RBASE, <i32>(<u32>this.addr(l) - this.dataBase()));
  }

  /** RBASE: every label `la` takes is in the data, which lies within 32 KiB of this. */
  dataBase(): u32 {
    return <u32>(this.base + this.dataBias) + BASE_BIAS;
  }

  mr(d: u32, s: u32): void { // or d, s, s
    this.insn((31 << 26) | (s << 21) | (d << 16) | (s << 11) | (444 << 1));
  }

  mov(rd: i32, rs: i32): void {
    this.mr(this.r(rd), this.r(rs));
  }

  addi(rd: i32, rs: i32, imm: i32): void {
    this.d(14, this.r(rd), this.r(rs), imm);
  }

  add(rd: i32, rs: i32, rt: i32): void {
    this.insn((31 << 26) | (this.r(rd) << 21) | (this.r(rs) << 16) | (this.r(rt) << 11) | (266 << 1));
  }

  ld(rd: i32, rb: i32, off: i32): void { // DS-form, offset a multiple of 4
    this.d(58, this.r(rd), this.r(rb), off & ~3);
  }

  st(rs: i32, rb: i32, off: i32): void { // std
    this.d(62, this.r(rs), this.r(rb), off & ~3);
  }

  ldw(rd: i32, rb: i32, off: i32): void { // lwz
    this.d(32, this.r(rd), this.r(rb), off);
  }

  ldb(rd: i32, rb: i32, off: i32): void { // lbz
    this.d(34, this.r(rd), this.r(rb), off);
  }

  stb(rs: i32, rb: i32, off: i32): void {
    this.d(38, this.r(rs), this.r(rb), off);
  }

  ldh(rd: i32, rb: i32, off: i32): void { // lhz
    this.d(40, this.r(rd), this.r(rb), off);
  }

  /** X-form: opcode 31, RT/RS, RA, RB, extended opcode. */
  x(xo: u32, t: u32, a: u32, b: u32): void {
    this.insn((31 << 26) | (t << 21) | (a << 16) | (b << 11) | (xo << 1));
  }

  ldx(rd: i32, rb: i32, ri: i32): void { // ldx
    this.x(21, this.r(rd), this.r(rb), this.r(ri));
  }

  stx(rs: i32, rb: i32, ri: i32): void { // stdx
    this.x(149, this.r(rs), this.r(rb), this.r(ri));
  }

  stx8(rs: i32, rb: i32, ri: i32): void { // mulli r0, ri, 8; stdx rs, rb, r0 (r0 is free between syscalls)
    this.d(7, R0, this.r(ri), 8);
    this.x(149, this.r(rs), this.r(rb), R0);
  }

  jmp(l: i32): void { // b
    this.insn((18 << 26) | (<u32>this.rel(l) & 0x3fffffc));
  }

  /** beq/bne/blt on CR0: bc 12,2 (branch if EQ set), bc 4,2 (if clear), bc 12,0 (if LT set). */
  bc(cond: i32, l: i32): void {
    const bo: u32 = cond == EQ || cond == LT ? 12 : 4;
    const bi: u32 = cond == LT ? 0 : 2;
    this.insn((16 << 26) | (bo << 21) | (bi << 16) | (<u32>this.rel(l) & 0xfffc));
  }

  br(cond: i32, ra: i32, rb: i32, l: i32): void { // cmpd cr0, ra, rb
    this.insn((31 << 26) | (1 << 21) | (this.r(ra) << 16) | (this.r(rb) << 11));
    this.bc(cond, l);
  }

  bri(cond: i32, ra: i32, imm: i32, l: i32): void { // cmpdi cr0, ra, imm
    this.d(11, 1, this.r(ra), imm);
    this.bc(cond, l);
  }

  sysnr(nr: i32, result: bool): void {
    this.d(14, R0, 0, nr); // li r0, nr
    this.sc(result);
  }

  sysAt(rb: i32, off: i32, result: bool): void {
    this.d(40, R0, this.r(rb), off); // lhz r0, off(rb)
    this.sc(result);
  }

  sc(result: bool): void {
    this.insn(0x44000002); // sc
    if (!result) return;
    this.insn((16 << 26) | (4 << 21) | (3 << 16) | 8); // bns cr0, +8: no error
    this.insn((31 << 26) | (3 << 21) | (3 << 16) | (104 << 1)); // neg r3, r3
  }

  getsp(rd: i32): void {
    this.mr(this.r(rd), R1);
  }

  subsp(n: i32): void {
    this.d(14, R1, R1, -n);
  }
}

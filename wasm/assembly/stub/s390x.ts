// s390x backend (big-endian, z/Architecture). Syscalls use `svc NR` for NR < 256 and
// `svc 0` with the number in r1 otherwise; the result (-errno on failure) comes back in r2.
import { A1, Asm, EQ, NE } from "./asm";

// Indexed by virtual register (A0..A4, S0..S5, A5): arguments r2..r7 (r2 returns), and
// r8..r13, which svc preserves.
const PHYS: StaticArray<u8> = [2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 7];
const R1: u32 = 1;
const R15: u32 = 15; // stack pointer

/** brc mask after a signed compare: CC0 equal, CC1 low, CC2 high. */
function mask(cond: i32): u32 {
  return cond == EQ ? 8 : cond == NE ? 7 : 4;
}

export class S390x extends Asm {
  r(v: i32): u32 {
    return <u32>PHYS[v];
  }

  /** RI-a form (4 bytes): op1 8 bits, r1 4, op2 4, imm 16. */
  ri(op1: u32, r: u32, op2: u32, imm: i32): void {
    this.byte(op1);
    this.byte((r << 4) | op2);
    this.u16(<u32>imm & 0xffff);
  }

  /** RRE form (4 bytes): 16-bit opcode, 8 zero bits, r1, r2. */
  rre(op: u32, r1: u32, r2: u32): void {
    this.u16(op);
    this.byte(0);
    this.byte((r1 << 4) | r2);
  }

  /** RXY-a form (6 bytes) with no index register and a signed 20-bit displacement. */
  rxy(op: u32, r1: u32, b2: u32, disp: i32, x2: u32 = 0): void {
    const d = <u32>disp;
    this.byte(0xe3);
    this.byte((r1 << 4) | x2);
    this.byte((b2 << 4) | ((d >> 8) & 0xf));
    this.byte(d & 0xff);
    this.byte((d >> 12) & 0xff);
    this.byte(op);
  }

  lgfi(r: u32, imm: u32): void { // RIL-a: C0 r 1 imm32
    this.byte(0xc0);
    this.byte((r << 4) | 1);
    this.u32(imm);
  }

  li(rd: i32, imm: i32): void {
    if (imm >= -32768 && imm <= 32767) this.ri(0xa7, this.r(rd), 9, imm); // lghi
    else this.lgfi(this.r(rd), <u32>imm);
  }

  la(rd: i32, l: i32): void {
    this.lgfi(this.r(rd), <u32>this.addr(l));
  }

  mov(rd: i32, rs: i32): void {
    this.rre(0xb904, this.r(rd), this.r(rs)); // lgr
  }

  addi(rd: i32, rs: i32, imm: i32): void {
    // aghi rd, imm (4 bytes; its condition code is never read: every branch compares first),
    // else lay rd, imm(rs) (6 bytes): 64-bit address arithmetic.
    if (rd == rs) this.ri(0xa7, this.r(rd), 0xb, imm);
    else this.rxy(0x71, this.r(rd), this.r(rs), imm);
  }

  add(rd: i32, rs: i32, rt: i32): void {
    if (rd == rt) { rt = rs; rs = rd; }
    if (rd != rs) this.mov(rd, rs);
    this.rre(0xb908, this.r(rd), this.r(rt)); // agr
  }

  ld(rd: i32, rb: i32, off: i32): void {
    this.rxy(0x04, this.r(rd), this.r(rb), off); // lg
  }

  st(rs: i32, rb: i32, off: i32): void {
    this.rxy(0x24, this.r(rs), this.r(rb), off); // stg
  }

  ldw(rd: i32, rb: i32, off: i32): void {
    this.rxy(0x16, this.r(rd), this.r(rb), off); // llgf
  }

  cloneFlagsArg(): i32 {
    return A1; // clone(newsp, flags, ...)
  }

  ldb(rd: i32, rb: i32, off: i32): void {
    this.rxy(0x90, this.r(rd), this.r(rb), off); // llgc
  }

  stb(rs: i32, rb: i32, off: i32): void {
    this.rxy(0x72, this.r(rs), this.r(rb), off); // stcy
  }

  ldh(rd: i32, rb: i32, off: i32): void {
    this.rxy(0x91, this.r(rd), this.r(rb), off); // llgh
  }

  ldx(rd: i32, rb: i32, ri: i32): void {
    this.rxy(0x04, this.r(rd), this.r(rb), 0, this.r(ri)); // lg rd, 0(ri, rb)
  }

  stx(rs: i32, rb: i32, ri: i32): void {
    this.rxy(0x24, this.r(rs), this.r(rb), 0, this.r(ri)); // stg rs, 0(ri, rb)
  }

  stx8(rs: i32, rb: i32, ri: i32): void { // sllg r1, ri, 3; stg rs, 0(r1, rb) (r1 is free between syscalls)
    this.byte(0xeb);
    this.byte((R1 << 4) | this.r(ri));
    this.u16(3); // B2 = 0, D2 = 3
    this.byte(0);
    this.byte(0x0d);
    this.rxy(0x24, this.r(rs), this.r(rb), 0, R1);
  }

  /** brc mask, label: relative in halfwords from this instruction. */
  brc(mask: u32, l: i32): void {
    this.ri(0xa7, mask, 4, this.rel(l) >> 1);
  }

  jmp(l: i32): void {
    this.brc(15, l);
  }

  br(cond: i32, ra: i32, rb: i32, l: i32): void {
    this.rre(0xb920, this.r(ra), this.r(rb)); // cgr
    this.brc(mask(cond), l);
  }

  bri(cond: i32, ra: i32, imm: i32, l: i32): void {
    this.ri(0xa7, this.r(ra), 0xf, imm); // cghi
    this.brc(mask(cond), l);
  }

  sysnr(nr: i32, result: bool): void {
    if (nr < 256) {
      this.byte(0x0a);
      this.byte(<u32>nr);
    } else {
      this.ri(0xa7, R1, 9, nr); // lghi r1, nr
      this.byte(0x0a);
      this.byte(0);
    }
  }

  sysAt(rb: i32, off: i32, result: bool): void {
    this.rxy(0x91, R1, this.r(rb), off); // llgh r1, off(rb); svc 0
    this.byte(0x0a);
    this.byte(0);
  }

  getsp(rd: i32): void {
    this.rre(0xb904, this.r(rd), R15);
  }

  subsp(n: i32): void {
    this.ri(0xa7, R15, 0xb, -n); // aghi r15, -n
  }
}

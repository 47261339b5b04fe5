// arm backend (A32, little-endian): fixed 32-bit instruction words, ARMv6 only, so the stub runs
// on a Pi Zero/1 as well as on ARMv7 and on aarch64 kernels with AArch32 EL0. No movw/movt and no
// Thumb-2: constants are built from rotated 8-bit immediates (mov/mvn, then orr or add/sub).
// EABI syscalls: the number in r7, `svc #0`, arguments r0..r5, the result (-errno) in r0; the
// kernel preserves every other register.
import { Asm, EQ, NE } from "./asm";

// Indexed by virtual register (A0..A4, S0..S5, A5): arguments r0..r5; S0..S5 in r6 and r8..r12,
// which svc preserves (r7 carries the number, and is the scratch for constants between syscalls).
// lr (r14) holds the data's address from the prologue on, so that `la` is one or two adds instead
// of three words: the stub never calls a function.
const PHYS: StaticArray<u8> = [0, 1, 2, 3, 4, 6, 8, 9, 10, 11, 12, 5];
const R7: u32 = 7;
const SP: u32 = 13;
const RBASE: u32 = 14; // lr
const AL: u32 = 0xe0000000;
/** Single data transfer's indexing: the P bit (24) and the W bit (21). */
const OFFSET: u32 = 1 << 24;
const PRE: u32 = (1 << 24) | (1 << 21);
const POST: u32 = 0;
/** The program has about 30 `la`s. */
const MAX_LA: i32 = 128;

/** The 12-bit rotated-immediate field for `v`, or -1 when no even rotation of 8 bits gives it. */
function rotImm(v: u32): i32 {
  for (let rot: u32 = 0; rot < 16; rot++) {
    const x = rot == 0 ? v : (v << (rot * 2)) | (v >> (32 - rot * 2)); // undo a right rotation by 2*rot
    if (x < 0x100) return <i32>((rot << 8) | x);
  }
  return -1;
}

/** The lowest 8-bit chunk of `v` at an even bit position (v != 0). */
function chunk(v: u32): u32 {
  let shift: u32 = ctz(v) & ~1;
  return v & (<u32>0xff << shift);
}

/** How many rotated 8-bit chunks `v` takes (0 for 0). */
function chunks(v: u32): i32 {
  let n = 0;
  while (v != 0) { v &= ~chunk(v); n++; }
  return n;
}

export class Arm extends Asm {
  r(v: i32): u32 {
    return <u32>PHYS[v];
  }

  wordSize(): i32 {
    return 4;
  }

  insn(w: u32): void {
    this.u32(w);
  }

  /** Data-processing with an immediate: op (4 bits), S, rn, rd and an encodable value. */
  dpi(op: u32, s: u32, n: u32, d: u32, v: u32): void {
    this.insn(AL | (1 << 25) | (op << 21) | (s << 20) | (n << 16) | (d << 12) | <u32>rotImm(v));
  }

  /** rd = imm: mov or mvn of the first chunk, then orr (or bic) of the others; the shorter. */
  liPhys(d: u32, imm: i32): void {
    const u = <u32>imm;
    if (u == 0) { this.dpi(0xd, 0, 0, d, 0); return; } // mov rd, #0
    if (chunks(~u) < chunks(u)) {
      let rest = ~u; // mvn of the first chunk, then bic of the others
      const first = chunk(rest);
      this.dpi(0xf, 0, 0, d, first); // mvn
      rest &= ~first;
      while (rest != 0) { const c = chunk(rest); this.dpi(0xe, 0, d, d, c); rest &= ~c; } // bic
      return;
    }
    let rest = u;
    const first = chunk(rest);
    this.dpi(0xd, 0, 0, d, first); // mov
    rest &= ~first;
    while (rest != 0) { const c = chunk(rest); this.dpi(0xc, 0, d, d, c); rest &= ~c; } // orr
  }

  li(rd: i32, imm: i32): void {
    this.liPhys(this.r(rd), imm);
  }

  // `la` is rd = RBASE +- offset: one add or sub where the offset is a rotated immediate, else
  // two (the data is under 64 KiB). Offsets within the data do not move when the code shrinks,
  // so the short forms are chosen once, after the first measuring pass (relaxPass).
  laCount: i32 = 0;
  laShort: StaticArray<bool> = new StaticArray<bool>(MAX_LA);
  laLabel: StaticArray<i32> = new StaticArray<i32>(MAX_LA);

  begin(emitting: bool, start: i32): void {
    super.begin(emitting, start);
    this.laCount = 0;
  }

  /** Where RBASE points: the data's first byte, in its own mapping when it has one. */
  dataAddr(): u32 {
    return <u32>(this.base + this.dataBias) + <u32>this.dataStart;
  }

  prologue(): void { // mov, orr, orr of the data's address (the base and both mappings lie below 16 MiB)
    const a = this.emitting ? this.dataAddr() : 0;
    this.dpi(0xd, 0, 0, RBASE, a & 0xff0000);
    this.dpi(0xc, 0, RBASE, RBASE, a & 0xff00);
    this.dpi(0xc, 0, RBASE, RBASE, a & 0xff);
  }

  la(rd: i32, l: i32): void {
    const i = this.laCount++;
    if (!this.emitting) this.laLabel[i] = l;
    const d = this.r(rd);
    const off = this.emitting ? <i32>(<u32>this.addr(l) - this.dataAddr()) : 0;
    const op: u32 = off >= 0 ? 0x4 : 0x2; // add, sub
    const mag = <u32>(off >= 0 ? off : -off);
    if (this.laShort[i]) { this.dpi(op, 0, RBASE, d, mag); return; }
    const lo = mag & 0xff, hi = mag & 0xff00; // two 8-bit chunks at even positions
    this.dpi(op, 0, RBASE, d, hi);
    this.dpi(op, 0, d, d, lo);
  }

  laAlign(offset: i32): i32 {
    return offset < 256 ? 1 : 4; // up to 1020, a multiple of 4 is one rotated immediate
  }

  relaxPass(): bool {
    let changed = false;
    for (let i = 0; i < this.laCount; i++) {
      if (this.laShort[i]) continue;
      const at = this.labels[this.laLabel[i]];
      if (at < this.dataStart) continue; // only the data's offsets are fixed
      if (rotImm(<u32>(at - this.dataStart)) >= 0) { this.laShort[i] = true; changed = true; }
    }
    return changed;
  }

  mov(rd: i32, rs: i32): void {
    this.insn(AL | 0x01a00000 | (this.r(rd) << 12) | this.r(rs));
  }

  /** rd = rn + imm by add/sub of rotated chunks (one add #0 when imm is 0). */
  addPhys(d: u32, n: u32, imm: i32): void {
    const op: u32 = imm >= 0 ? 0x4 : 0x2; // add, sub
    let rest = <u32>(imm >= 0 ? imm : -imm);
    if (rest == 0) { this.dpi(op, 0, n, d, 0); return; }
    let from = n;
    while (rest != 0) { const c = chunk(rest); this.dpi(op, 0, from, d, c); rest &= ~c; from = d; }
  }

  addi(rd: i32, rs: i32, imm: i32): void {
    this.addPhys(this.r(rd), this.r(rs), imm);
  }

  add(rd: i32, rs: i32, rt: i32): void {
    this.insn(AL | 0x00800000 | (this.r(rs) << 16) | (this.r(rd) << 12) | this.r(rt));
  }

  /** ldr/str/ldrb/strb with a 12-bit offset and the U bit (bits: L at 20, B at 22); `index` is
   *  OFFSET ([n, #off]), PRE ([n, #off]!) or POST ([n], #off). */
  mem(load: bool, byte: bool, t: u32, n: u32, off: i32, index: u32 = OFFSET): void {
    const up: u32 = off >= 0 ? 1 : 0;
    const mag = <u32>(off >= 0 ? off : -off) & 0xfff;
    this.insn(AL | 0x04000000 | index | (up << 23) | ((byte ? 1 : 0) << 22) | ((load ? 1 : 0) << 20) | (n << 16) | (t << 12) | mag);
  }

  ldbPost(rd: i32, rb: i32): void { // ldrb rd, [rb], #1
    this.mem(true, true, this.r(rd), this.r(rb), 1, POST);
  }

  stbPost(rs: i32, rb: i32): void { // strb rs, [rb], #1
    this.mem(false, true, this.r(rs), this.r(rb), 1, POST);
  }

  ldPost(rd: i32, rb: i32): void { // ldr rd, [rb], #4
    this.mem(true, false, this.r(rd), this.r(rb), 4, POST);
  }

  ldPre(rd: i32, rb: i32, off: i32): void { // ldr rd, [rb, #off]!
    this.mem(true, false, this.r(rd), this.r(rb), off, PRE);
  }

  // A word is 32 bits here: ld/st move pointers (see Asm.wordSize).
  ld(rd: i32, rb: i32, off: i32): void {
    this.mem(true, false, this.r(rd), this.r(rb), off);
  }

  st(rs: i32, rb: i32, off: i32): void {
    this.mem(false, false, this.r(rs), this.r(rb), off);
  }

  ldw(rd: i32, rb: i32, off: i32): void {
    this.mem(true, false, this.r(rd), this.r(rb), off);
  }

  ldb(rd: i32, rb: i32, off: i32): void {
    this.mem(true, true, this.r(rd), this.r(rb), off);
  }

  stb(rs: i32, rb: i32, off: i32): void {
    this.mem(false, true, this.r(rs), this.r(rb), off);
  }

  ldh(rd: i32, rb: i32, off: i32): void { // ldrh rd, [rb, #off]
    this.ldrh(this.r(rd), this.r(rb), off);
  }

  ldrh(t: u32, n: u32, off: i32): void {
    const o = <u32>off;
    this.insn(AL | 0x01d000b0 | (n << 16) | (t << 12) | ((o >> 4) << 8) | (o & 0xf));
  }

  ldx(rd: i32, rb: i32, ri: i32): void { // ldr rd, [rb, ri]
    this.insn(AL | 0x07900000 | (this.r(rb) << 16) | (this.r(rd) << 12) | this.r(ri));
  }

  stx(rs: i32, rb: i32, ri: i32): void { // str rs, [rb, ri]
    this.insn(AL | 0x07800000 | (this.r(rb) << 16) | (this.r(rs) << 12) | this.r(ri));
  }

  stx8(rs: i32, rb: i32, ri: i32): void { // str rs, [rb, ri, lsl #3]
    this.insn(AL | 0x07800000 | (this.r(rb) << 16) | (this.r(rs) << 12) | (3 << 7) | this.r(ri));
  }

  /** b<cond> to `l`; the offset counts from this instruction + 8. */
  b(cond: u32, l: i32): void {
    this.insn((cond << 28) | 0x0a000000 | ((<u32>((this.rel(l) - 8) >> 2)) & 0xffffff));
  }

  jmp(l: i32): void {
    this.b(0xe, l);
  }

  cc(cond: i32): u32 {
    return cond == EQ ? 0x0 : cond == NE ? 0x1 : 0xb; // eq, ne, lt
  }

  br(cond: i32, ra: i32, rb: i32, l: i32): void { // cmp ra, rb
    this.insn(AL | 0x01500000 | (this.r(ra) << 16) | this.r(rb));
    this.b(this.cc(cond), l);
  }

  bri(cond: i32, ra: i32, imm: i32, l: i32): void { // cmp ra, #imm or cmn ra, #-imm, else via r7
    const a = this.r(ra);
    if (rotImm(<u32>imm) >= 0) this.dpi(0xa, 1, a, 0, <u32>imm);
    else if (rotImm(<u32>-imm) >= 0) this.dpi(0xb, 1, a, 0, <u32>-imm);
    else {
      this.liPhys(R7, imm);
      this.insn(AL | 0x01500000 | (a << 16) | R7);
    }
    this.b(this.cc(cond), l);
  }

  sysnr(nr: i32, result: bool): void {
    this.liPhys(R7, nr);
    this.insn(AL | 0x0f000000); // svc #0; r0 already holds -errno on failure
  }

  sysAt(rb: i32, off: i32, result: bool): void {
    this.ldrh(R7, this.r(rb), off);
    this.insn(AL | 0x0f000000); // svc #0
  }

  getsp(rd: i32): void { // mov rd, sp
    this.insn(AL | 0x01a00000 | (this.r(rd) << 12) | SP);
  }

  subsp(n: i32): void {
    this.addPhys(SP, SP, -n);
  }
}

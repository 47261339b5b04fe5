// x86_64 backend: only the instruction forms the stub IR needs. Jumps start as rel32 and are
// relaxed to rel8 where the target is in reach (Asm.relax).
import { Asm, COMPAT_NR_BIT, EQ, NE } from "./asm";

// Physical registers: A0..A5 are the syscall argument registers rdi, rsi, rdx, r10, r8, r9;
// S0..S5 are rbx, rbp, r12..r15, which the syscall instruction preserves.
// Indexed by virtual register: A0..A4, S0..S5, A5.
const PHYS: StaticArray<u8> = [7, 6, 2, 10, 8, 3, 5, 12, 13, 14, 15, 9];
const RSP: u32 = 4;
const RAX: u32 = 0, RCX: u32 = 1, RDX: u32 = 2, RBX: u32 = 3, RBP: u32 = 5, RSI: u32 = 6, RDI: u32 = 7;
const R8: u32 = 8, R9: u32 = 9, R10: u32 = 10;

// The SIGSEGV guard (compatFaultHandler): the kernel's x86_64 facts it needs.
const SA_SIGINFO: u64 = 4;
const SA_RESTORER: u64 = 0x04000000; // x86_64 requires a restorer: the kernel has no sigreturn trampoline of its own
/** siginfo_t.si_code, and the value a fault's signal (force_sig) carries; kill(2) sends SI_USER. */
const SI_CODE: u32 = 8;
const SI_KERNEL: u32 = 0x80;
/** The saved rip in a ucontext_t: uc_mcontext (after uc_flags, uc_link, uc_stack) at 40, gregs[REG_RIP = 16]. */
const UC_RIP: u32 = 40 + 16 * 8;
/** int 0x80 is 2 bytes: cd 80. */
const INT80_BYTES: u32 = 2;

/** The condition field of jcc: e, ne, l. */
function cc(cond: i32): u32 {
  return cond == EQ ? 4 : cond == NE ? 5 : 0xc;
}

export class X86_64 extends Asm {
  r(v: i32): u32 {
    return <u32>PHYS[v];
  }

  padByte(): u32 {
    return 0xcc; // int3
  }

  rex(w: bool, reg: u32, base: u32, force: bool = false): void {
    const b = (w ? 8 : 0) | ((reg >> 3) << 2) | (base >> 3);
    if (b != 0 || force) this.byte(0x40 | b);
  }

  /** ModRM (+SIB, +disp) for [base + disp]. */
  mem(reg: u32, base: u32, disp: i32): void {
    const mod: u32 = disp == 0 && (base & 7) != 5 ? 0 : disp >= -128 && disp <= 127 ? 1 : 2;
    this.byte((mod << 6) | ((reg & 7) << 3) | (base & 7));
    if ((base & 7) == 4) this.byte(0x24);
    if (mod == 1) this.byte(<u32>disp & 0xff);
    else if (mod == 2) this.u32(<u32>disp);
  }

  li(rd: i32, imm: i32): void {
    const d = this.r(rd);
    if (imm == 0) { // xor r32, r32
      this.rex(false, d, d);
      this.byte(0x31);
      this.byte(0xc0 | ((d & 7) << 3) | (d & 7));
    } else if (imm >= -128 && imm <= 127) { // push imm8; pop r64: 3-4 bytes instead of 5-7
      this.pushImm8(imm);
      this.rex(false, 0, d);
      this.byte(0x58 | (d & 7));
    } else if (imm > 0) { // mov r32, imm32 (zero-extends)
      this.rex(false, 0, d);
      this.byte(0xb8 | (d & 7));
      this.u32(<u32>imm);
    } else { // mov r/m64, simm32
      this.rex(true, 0, d);
      this.byte(0xc7);
      this.byte(0xc0 | (d & 7));
      this.u32(<u32>imm);
    }
  }

  pushImm8(imm: i32): void {
    this.byte(0x6a);
    this.byte(<u32>imm & 0xff);
  }

  la(rd: i32, l: i32): void {
    const d = this.r(rd);
    this.rex(false, 0, d);
    this.byte(0xb8 | (d & 7));
    this.u32(<u32>this.addr(l));
  }

  mov(rd: i32, rs: i32): void {
    this.movPhys(this.r(rd), this.r(rs));
  }

  movPhys(d: u32, s: u32, w: bool = true): void {
    this.rex(w, s, d);
    this.byte(0x89);
    this.byte(0xc0 | ((s & 7) << 3) | (d & 7));
  }

  addi(rd: i32, rs: i32, imm: i32): void { // lea rd, [rs + imm]
    const d = this.r(rd), s = this.r(rs);
    this.rex(true, d, s);
    this.byte(0x8d);
    this.mem(d, s, imm);
  }

  add(rd: i32, rs: i32, rt: i32): void {
    if (rd == rt) { rt = rs; rs = rd; }
    if (rd != rs) this.mov(rd, rs);
    const d = this.r(rd), t = this.r(rt);
    this.rex(true, t, d);
    this.byte(0x01);
    this.byte(0xc0 | ((t & 7) << 3) | (d & 7));
  }

  ld(rd: i32, rb: i32, off: i32): void {
    const d = this.r(rd), b = this.r(rb);
    this.rex(true, d, b);
    this.byte(0x8b);
    this.mem(d, b, off);
  }

  st(rs: i32, rb: i32, off: i32): void {
    const s = this.r(rs), b = this.r(rb);
    this.rex(true, s, b);
    this.byte(0x89);
    this.mem(s, b, off);
  }

  ldw(rd: i32, rb: i32, off: i32): void { // mov r32, [m] (zero-extends)
    const d = this.r(rd), b = this.r(rb);
    this.rex(false, d, b);
    this.byte(0x8b);
    this.mem(d, b, off);
  }

  ldb(rd: i32, rb: i32, off: i32): void { // movzx r32, byte [m]
    this.movzx(0xb6, rd, rb, off);
  }

  stb(rs: i32, rb: i32, off: i32): void { // a REX prefix makes sil/dil/bpl addressable
    const s = this.r(rs), b = this.r(rb);
    this.rex(false, s, b, true);
    this.byte(0x88);
    this.mem(s, b, off);
  }

  ldh(rd: i32, rb: i32, off: i32): void { // movzx r32, word [m]
    this.movzx(0xb7, rd, rb, off);
  }

  /** movzx r32, [m]: 0f b6 for a byte, 0f b7 for a word; the upper bits come out zero. */
  movzx(op: u32, rd: i32, rb: i32, off: i32): void {
    const d = this.r(rd), b = this.r(rb);
    this.rex(false, d, b);
    this.byte(0x0f);
    this.byte(op);
    this.mem(d, b, off);
  }

  /** REX.W, opcode, ModRM + SIB for [base + index]: mov r64 to or from memory. */
  indexed(op: u32, reg: u32, base: u32, index: u32, scale: u32 = 0): void {
    this.byte(0x48 | ((reg >> 3) << 2) | ((index >> 3) << 1) | (base >> 3));
    this.byte(op);
    const mod: u32 = (base & 7) == 5 ? 1 : 0; // rbp/r13 as a base need a disp8 of 0
    this.byte((mod << 6) | ((reg & 7) << 3) | 4);
    this.byte((scale << 6) | ((index & 7) << 3) | (base & 7));
    if (mod == 1) this.byte(0);
  }

  ldx(rd: i32, rb: i32, ri: i32): void {
    this.indexed(0x8b, this.r(rd), this.r(rb), this.r(ri));
  }

  stx(rs: i32, rb: i32, ri: i32): void {
    this.indexed(0x89, this.r(rs), this.r(rb), this.r(ri));
  }

  stx8(rs: i32, rb: i32, ri: i32): void { // mov [rb + ri*8], rs
    this.indexed(0x89, this.r(rs), this.r(rb), this.r(ri), 3);
  }

  relaxPass(): bool {
    return this.relax(2, -128, 127); // jmp rel8 and jcc rel8 are both 2 bytes
  }

  jmp(l: i32): void {
    const d = this.rel(l);
    if (this.shortBranch(l)) {
      this.byte(0xeb);
      this.byte(<u32>(d - 2) & 0xff);
    } else {
      this.byte(0xe9);
      this.u32(<u32>(d - 5));
    }
  }

  jcc(cond: i32, l: i32): void {
    const d = this.rel(l);
    if (this.shortBranch(l)) {
      this.byte(0x70 | cc(cond));
      this.byte(<u32>(d - 2) & 0xff);
    } else {
      this.byte(0x0f);
      this.byte(0x80 | cc(cond));
      this.u32(<u32>(d - 6));
    }
  }

  br(cond: i32, ra: i32, rb: i32, l: i32): void { // cmp ra, rb
    const a = this.r(ra), b = this.r(rb);
    this.rex(true, b, a);
    this.byte(0x39);
    this.byte(0xc0 | ((b & 7) << 3) | (a & 7));
    this.jcc(cond, l);
  }

  bri(cond: i32, ra: i32, imm: i32, l: i32): void { // cmp ra, imm
    const a = this.r(ra);
    this.rex(true, 0, a);
    if (imm >= -128 && imm <= 127) {
      this.byte(0x83);
      this.byte(0xf8 | (a & 7));
      this.byte(<u32>imm & 0xff);
    } else {
      this.byte(0x81);
      this.byte(0xf8 | (a & 7));
      this.u32(<u32>imm);
    }
    this.jcc(cond, l);
  }

  sysnr(nr: i32, result: bool): void {
    this.li32Rax(nr);
    this.byte(0x0f); // syscall
    this.byte(0x05);
    if (result) this.movPhys(this.r(0), 0); // the result (already -errno) goes to A0
  }

  sysAt(rb: i32, off: i32, result: bool): void { // movzx eax, word [m]; syscall
    const b = this.r(rb);
    this.rex(false, 0, b);
    this.byte(0x0f);
    this.byte(0xb7);
    this.mem(0, b, off);
    this.byte(0x0f);
    this.byte(0x05);
    if (result) this.movPhys(this.r(0), 0);
  }

  hasCompatAbi(): bool {
    return true;
  }

  /** The bytes int80() emits. */
  int80Bytes(): i32 {
    return 19;
  }

  /**
   * An i386 syscall from this 64-bit process, number in eax: int 0x80 takes its arguments in ebx,
   * ecx, edx, esi, edi, ebp, so A0..A5 (rdi, rsi, rdx, r10, r8, r9) move there as 32-bit values,
   * as an i386 program passes them (the kernel hands the filter the whole registers). rbx and rbp
   * are S0 and S1: saved around it. The kernel's entry (entry_INT80_compat, int80_emulation)
   * returns in rax and keeps every other register, except r8-r11 before Linux 4.17, which came
   * back zeroed: A3..A5 (as after any sys). The upper half of rax is the sign-extended result.
   */
  int80(): void {
    const start = this.pos;
    this.byte(0x50 | RBX); // push rbx
    this.byte(0x50 | RBP);
    this.movPhys(RBX, RDI, false);
    this.movPhys(RCX, RSI, false);
    this.movPhys(RSI, R10, false); // edx is A2 already
    this.movPhys(RDI, R8, false);
    this.movPhys(RBP, R9, false);
    this.byte(0xcd); // int 0x80
    this.byte(0x80);
    this.byte(0x58 | RBP); // pop rbp
    this.byte(0x58 | RBX);
    if (this.pos - start != this.int80Bytes()) unreachable();
  }

  sysnrCompat(nr: i32, result: bool): void {
    this.li32Rax(nr);
    this.int80();
    if (result) this.movPhys(this.r(0), RAX);
  }

  /** eax = nr (the native and the i386 numbers are all below 2^15). */
  li32Rax(nr: i32): void {
    if (nr <= 127) { // push nr; pop rax
      this.pushImm8(nr);
      this.byte(0x58);
    } else { // mov eax, nr
      this.byte(0xb8);
      this.u32(<u32>nr);
    }
  }

  sysAtEitherAbi(rb: i32, off: i32, result: bool): void {
    const b = this.r(rb);
    this.rex(false, 0, b); // movzx eax, word [m]
    this.byte(0x0f);
    this.byte(0xb7);
    this.mem(0, b, off);
    this.byte(0x0f); // btr eax, 15: CF = the compat bit, cleared
    this.byte(0xba);
    this.byte(0xf0);
    this.byte(<u32>(31 - clz(COMPAT_NR_BIT)));
    this.byte(0x73); // jnc (jae) to the syscall, past int80() and the jmp over the syscall
    this.byte(<u32>(this.int80Bytes() + 2));
    this.int80();
    this.byte(0xeb); // jmp over the syscall
    this.byte(2);
    this.byte(0x0f); // syscall
    this.byte(0x05);
    if (result) this.movPhys(this.r(0), RAX);
  }

  /**
   * The SIGSEGV handler (SA_SIGINFO: rsi = the siginfo, rdx = the ucontext). A kernel without
   * ia32 emulation (CONFIG_IA32_EMULATION off, or booted with ia32_emulation=0) has no gate for
   * int 0x80, so the instruction faults (#GP, si_code SI_KERNEL) with every register as it was:
   * the handler moves the saved rip past it and returns, and rax still holds the i386 number,
   * never -EPERM. A SIGSEGV that kill(2) sent meanwhile (not SI_KERNEL) is dropped: resuming
   * anywhere else would be worse, and the window is only the probes'.
   */
  compatFaultHandler(): void {
    const skip = 8; // the add below
    this.byte(0x80); // cmp byte [rsi + SI_CODE], SI_KERNEL
    this.byte(0x7e);
    this.byte(SI_CODE);
    this.byte(SI_KERNEL);
    this.byte(0x75); // jne to the ret
    this.byte(skip);
    this.byte(0x48); // add qword [rdx + UC_RIP], INT80_BYTES
    this.byte(0x83);
    this.byte(0x82);
    this.u32(UC_RIP);
    this.byte(INT80_BYTES);
    this.byte(0xc3); // ret, to the restorer
  }

  compatFaultAction(handler: i32, restorer: i32): void {
    // struct kernel_sigaction { handler; flags; restorer; sigset_t mask (none blocked but SIGSEGV itself) }
    this.u64(this.addr(handler));
    this.u64(SA_SIGINFO | SA_RESTORER);
    this.u64(this.addr(restorer));
    this.u64(0);
  }

  getsp(rd: i32): void {
    this.movPhys(this.r(rd), RSP);
  }

  subsp(n: i32): void { // sub rsp, imm32
    this.byte(0x48);
    this.byte(0x81);
    this.byte(0xec);
    this.u32(<u32>n);
  }
}

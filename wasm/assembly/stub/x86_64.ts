// x86_64 backend: only the instruction forms the stub IR needs. Jumps start as rel32 and are
// relaxed to rel8 where the target is in reach (Asm.relax).
import { Asm, COMPAT_NR_BIT, EQ, NE, SYS_CLONE, SYS_EXIT_GROUP, SYS_SETRLIMIT, SYS_WAIT4 } from "./asm";

// Physical registers: A0..A5 are the syscall argument registers rdi, rsi, rdx, r10, r8, r9;
// S0..S5 are rbx, rbp, r12..r15, which the syscall instruction preserves.
// Indexed by virtual register: A0..A4, S0..S5, A5.
const PHYS: StaticArray<u8> = [7, 6, 2, 10, 8, 3, 5, 12, 13, 14, 15, 9];
const RSP: u32 = 4;
const RAX: u32 = 0, RCX: u32 = 1, RDX: u32 = 2, RBX: u32 = 3, RBP: u32 = 5, RSI: u32 = 6, RDI: u32 = 7;
const R8: u32 = 8, R9: u32 = 9, R10: u32 = 10;

/** clone(2) flags for the compat probe's child: vfork's (the parent waits, nothing is copied). */
const CLONE_VM_VFORK_SIGCHLD: u32 = 0x100 | 0x4000 | 17;
const RLIMIT_CORE: i32 = 4;
/** wait4's status for a child that called exit_group(1): what the child makes of EPERM. */
const EXITED_1: i32 = 1 << 8;

/** Not carry (jae): a condition of this backend's own, after btr. */
const NC: i32 = -1;

/** The condition field of jcc: e, ne, l, and nc. */
function cc(cond: i32): u32 {
  return cond == EQ ? 4 : cond == NE ? 5 : cond == NC ? 3 : 0xc;
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
    this.ldNr(rb, off);
    this.byte(0x0f);
    this.byte(0x05);
    if (result) this.movPhys(this.r(0), 0);
  }

  hasCompatAbi(): bool {
    return true;
  }

  /**
   * An i386 probe from this 64-bit process: int 0x80 with the number in eax and the arguments in
   * ebx, ecx, edx, esi, edi, ebp, made by a vfork child (clone(CLONE_VM | CLONE_VFORK | SIGCHLD)),
   * which exits with the negated result's low byte: 1 for EPERM. The parent reaps it with wait4
   * and makes A0 -EPERM for exit status 1, anything else otherwise. A child, because an i386 call
   * can end the process that makes it: a kernel without ia32 emulation (CONFIG_IA32_EMULATION
   * off, or booted with ia32_emulation=0) has no gate for int 0x80 and raises SIGSEGV, and an
   * engine whose profile lacks SCMP_ARCH_X86 kills the caller (SECCOMP_RET_KILL: SIGSYS, which no
   * handler catches). Then the probe counts as allowed and its slots become ALLOW: no i386
   * program can make the call either, and an engine that refuses nothing natively gets nothing
   * installed. /proc and sysfs do not say whether int 0x80 works, nor what the engine does to i386.
   * The arguments move to their i386 registers as 32-bit values, as an i386 program passes them
   * (the kernel hands the filter whole registers): rdx is argument 2 in both ABIs; rdi and rsi go
   * to ebx and ebp before the clone (whose syscall clobbers rcx), and clone with these flags
   * reads no argument but rdi and rsi, so rdx, r10, r8, r9 reach the child intact. rbx and rbp are
   * S0 and S1: saved around it. The child takes the i386 number from the record at rb + off
   * (ldNrEitherAbi), or with rb < 0 the immediate `nr` (the code form of the probes).
   * (int 0x80 returns in rax and keeps the other registers; before Linux 4.17 r8-r11 came back
   * zeroed: the child exits anyway.) The child first sets its own RLIMIT_CORE to 0, so a killed
   * probe leaves no core file behind (container engines often run with unlimited cores).
   */
  compatChild(rb: i32, off: i32, nr: i32): void {
    this.byte(0x50 | RBX); // push rbx
    this.byte(0x50 | RBP);
    this.movPhys(RBX, RDI, false); // i386 arg0
    this.movPhys(RBP, RSI, false); // arg1, for ecx in the child
    this.byte(0xbf); // mov edi, flags
    this.u32(CLONE_VM_VFORK_SIGCHLD);
    this.xorPhys(RSI); // newsp 0: vfork's shared stack
    this.li32Rax(this.nrs[SYS_CLONE]);
    this.byte(0x0f); // syscall
    this.byte(0x05);
    const parent = this.label();
    this.byte(0x85); // test eax, eax
    this.byte(0xc0);
    this.jcc(NE, parent);
    // The child: setrlimit(RLIMIT_CORE, &{0, 0} on the stack), then the i386 registers.
    this.pushImm8(RLIMIT_CORE);
    this.byte(0x58 | RDI); // pop rdi
    this.pushImm8(0);
    this.pushImm8(0);
    this.movPhys(RSI, RSP);
    this.li32Rax(this.nrs[SYS_SETRLIMIT]);
    this.byte(0x0f);
    this.byte(0x05);
    this.movPhys(RCX, RBP, false);
    this.movPhys(RBP, R9, false);
    this.movPhys(RSI, R10, false);
    this.movPhys(RDI, R8, false);
    if (rb >= 0) this.ldNrEitherAbi(rb, off);
    else this.li32Rax(nr);
    this.byte(0xcd); // int 0x80
    this.byte(0x80);
    this.byte(0xf7); // neg eax: 1 for -EPERM
    this.byte(0xd8);
    this.movPhys(RDI, RAX, false);
    this.li32Rax(this.nrs[SYS_EXIT_GROUP]);
    this.byte(0x0f);
    this.byte(0x05);
    this.bind(parent);
    // The parent: rax = the child's pid; wait4(pid, &status on the stack, 0, NULL).
    this.movPhys(RDI, RAX);
    this.byte(0x50 | RAX); // push rax: the status word's slot
    this.movPhys(RSI, RSP);
    this.xorPhys(RDX);
    this.xorPhys(R10);
    this.li32Rax(this.nrs[SYS_WAIT4]);
    this.byte(0x0f);
    this.byte(0x05);
    this.byte(0x58 | RAX); // pop rax: the status (the pid's upper half above it is 0)
    this.byte(0x58 | RBP);
    this.byte(0x58 | RBX);
    this.byte(0x48); // sub rax, EXITED_1 + 1: -1 (-EPERM) exactly for exit status 1
    this.byte(0x2d);
    this.u32(<u32>(EXITED_1 + 1));
  }

  /** xor r32, r32: r = 0. */
  xorPhys(r: u32): void {
    this.rex(false, r, r);
    this.byte(0x31);
    this.byte(0xc0 | ((r & 7) << 3) | (r & 7));
  }

  /** movzx eax, word [rb + off] */
  ldNr(rb: i32, off: i32): void {
    const b = this.r(rb);
    this.rex(false, 0, b);
    this.byte(0x0f);
    this.byte(0xb7);
    this.mem(0, b, off);
  }

  /** ldNr, then btr eax, 15: CF = the compat bit, cleared. */
  ldNrEitherAbi(rb: i32, off: i32): void {
    this.ldNr(rb, off);
    this.byte(0x0f);
    this.byte(0xba);
    this.byte(0xf0);
    this.byte(<u32>(31 - clz(COMPAT_NR_BIT)));
  }

  sysnrCompat(nr: i32): void {
    this.compatChild(-1, 0, nr);
    this.movPhys(this.r(0), RAX);
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

  sysAtEitherAbi(rb: i32, off: i32): void {
    const l = this.label(), done = this.label();
    this.ldNrEitherAbi(rb, off);
    this.jcc(NC, l); // a native number
    this.compatChild(rb, off, 0);
    this.jmp(done);
    this.bind(l);
    this.byte(0x0f); // syscall
    this.byte(0x05);
    this.bind(done);
    this.movPhys(this.r(0), RAX);
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

// The stub IR: a tiny register machine that the stub program (program.ts) is written in once and
// that each backend lowers to real instructions. The program is run as measuring passes (an
// instruction's size never depends on label values, only on the branch-relaxation choices made
// before the pass) and then one emitting pass with every label known. No instruction list is
// ever stored.
import { Image } from "../elf/image";

/** Virtual registers. A0..A5 carry syscall arguments and are clobbered by `sys` (A0 gets the
 *  result); S0..S5 survive syscalls. Backends map them onto physical registers. */
export const A0: i32 = 0;
export const A1: i32 = 1;
export const A2: i32 = 2;
export const A3: i32 = 3;
export const A4: i32 = 4;
export const S0: i32 = 5;
export const S1: i32 = 6;
export const S2: i32 = 7;
export const S3: i32 = 8;
export const S4: i32 = 9;
export const S5: i32 = 10;
export const A5: i32 = 11;

export const EQ: i32 = 0;
export const NE: i32 = 1;
/** Signed less-than (64-bit). */
export const LT: i32 = 2;

/** Syscalls the stub makes, by index into `Asm.nrs`; numbers come from the host per arch. */
export const SYS_WRITE: i32 = 0;
export const SYS_EXIT_GROUP: i32 = 1;
export const SYS_EXECVE: i32 = 2;
export const SYS_SECCOMP: i32 = 3;
export const SYS_PRCTL: i32 = 4;
// Init mode's.
export const SYS_GETPID: i32 = 5;
export const SYS_CLONE: i32 = 6;
export const SYS_RT_SIGPROCMASK: i32 = 7;
export const SYS_RT_SIGTIMEDWAIT: i32 = 8;
export const SYS_KILL: i32 = 9;
export const SYS_WAITID: i32 = 10;
// The child that makes a compat-ABI probe dumps no core, and is reaped (see Asm.sysnrCompat).
export const SYS_SETRLIMIT: i32 = 11;
export const SYS_WAIT4: i32 = 12;
export const SYS_COUNT: i32 = 13;

/** In a probe table's u16 number: the call is the compat ABI's (see Asm.sysAtEitherAbi). */
export const COMPAT_NR_BIT: i32 = 0x8000;

// The program uses about 110 labels and 120 branches, plus one branch per probe (at most 16).
const MAX_LABELS: i32 = 256;
const MAX_BRANCHES: i32 = 512;

export abstract class Asm extends Image {
  labels: StaticArray<i32> = new StaticArray<i32>(MAX_LABELS);
  labelCount: i32 = 0;
  nrs: StaticArray<i32> = new StaticArray<i32>(SYS_COUNT);
  // Branch relaxation for ISAs with a short branch form: every branch starts long; after each
  // measuring pass, those whose target is in reach become short. Code only shrinks, so a branch
  // that fits once keeps fitting.
  branchCount: i32 = 0;
  branchShort: StaticArray<bool> = new StaticArray<bool>(MAX_BRANCHES);
  branchStart: StaticArray<i32> = new StaticArray<i32>(MAX_BRANCHES);
  branchLabel: StaticArray<i32> = new StaticArray<i32>(MAX_BRANCHES);

  /** Where the data starts (set by beginData while measuring), and how much higher than the
   *  code it is addressed: SEGMENT_ALIGN when it has its own writable mapping, else 0. */
  dataStart: i32 = i32.MAX_VALUE;
  dataBias: u64 = 0;

  constructor(out: usize, cap: i32, public base: u64, bigEndian: bool) {
    super(out, cap, bigEndian);
  }

  /** Starts a pass; label numbering restarts so both passes hand out the same numbers. */
  begin(emitting: bool, start: i32): void {
    this.emitting = emitting;
    this.pos = start;
    this.labelCount = 0;
    this.branchCount = 0;
  }

  /** Whether the branch starting here to `l` uses its short form. */
  shortBranch(l: i32): bool {
    const i = this.branchCount++;
    if (!this.emitting) {
      this.branchStart[i] = this.pos;
      this.branchLabel[i] = l;
    }
    return this.branchShort[i];
  }

  /** Runs one relaxation step after a measuring pass; false when there is nothing (more) to do. */
  relaxPass(): bool {
    return false;
  }

  /** After a measuring pass: shortens the branches now in reach; true if any changed. */
  relax(shortLen: i32, min: i32, max: i32): bool {
    let changed = false;
    for (let i = 0; i < this.branchCount; i++) {
      if (this.branchShort[i]) continue;
      const disp = this.labels[this.branchLabel[i]] - (this.branchStart[i] + shortLen);
      if (disp >= min && disp <= max) {
        this.branchShort[i] = true;
        changed = true;
      }
    }
    return changed;
  }

  label(): i32 {
    const l = this.labelCount++;
    if (!this.emitting) this.labels[l] = -1;
    return l;
  }

  bind(l: i32): void {
    this.labels[l] = this.pos;
  }

  /** Offset of `l` from the current position (0 while measuring). */
  rel(l: i32): i32 {
    return this.emitting ? this.labels[l] - this.pos : 0;
  }

  /** Absolute load address of `l` (in the data's own mapping for a label in the data). */
  addr(l: i32): u64 {
    if (!this.emitting) return this.base;
    const at = this.labels[l];
    return this.base + <u64>at + (at >= this.dataStart ? this.dataBias : 0);
  }

  /** Marks the start of the data; the emitting pass reuses the last measuring pass's position. */
  beginData(): void {
    if (!this.emitting) this.dataStart = this.pos;
  }

  align(n: i32): void {
    while (this.pos % n != 0) this.byte(this.padByte());
  }

  /** The alignment that makes `la` of data at `offset` (from the data's start) cheapest. */
  laAlign(offset: i32): i32 {
    return 1;
  }

  /** Emitted first: backends that keep a constant in a register set it up here. */
  prologue(): void {}

  /** Filler between code and data: a trapping byte where the ISA has one. */
  padByte(): u32 {
    return 0;
  }

  // ---- The instruction forms of the IR ----
  /** rd = imm (a signed 32-bit value, sign-extended to 64 bits). */
  abstract li(rd: i32, imm: i32): void;
  /** rd = address of label; always the same length, since the address is unknown while measuring. */
  abstract la(rd: i32, l: i32): void;
  abstract mov(rd: i32, rs: i32): void;
  /** rd = rs + imm, |imm| < 2048. */
  abstract addi(rd: i32, rs: i32, imm: i32): void;
  /** rd = rs + rt. */
  abstract add(rd: i32, rs: i32, rt: i32): void;
  /** Word (pointer-sized: 64-bit, 32-bit on arm) load/store at rb + off (off a multiple of the
   *  word size, -256 < off < 4096). */
  abstract ld(rd: i32, rb: i32, off: i32): void;
  abstract st(rs: i32, rb: i32, off: i32): void;
  /** 32-bit load, zero-extended, at rb + off (off a multiple of 4, 0 <= off < 256). */
  abstract ldw(rd: i32, rb: i32, off: i32): void;
  /** Unsigned byte load (zero-extended) and byte store at rb + off (|off| < 256). */
  abstract ldb(rd: i32, rb: i32, off: i32): void;
  abstract stb(rs: i32, rb: i32, off: i32): void;
  /** Unsigned 16-bit load (zero-extended) at rb + off (off even, 0 <= off < 256). */
  abstract ldh(rd: i32, rb: i32, off: i32): void;
  /** Word load and store at rb + ri (a register index, unscaled). */
  abstract ldx(rd: i32, rb: i32, ri: i32): void;
  abstract stx(rs: i32, rb: i32, ri: i32): void;
  /** Word store at rb + 8 * ri: into the ri'th sock_filter of the array at rb. */
  abstract stx8(rs: i32, rb: i32, ri: i32): void;
  /** rd = the byte at rb, then rb += 1 (rd != rb): one post-indexed load on arm. */
  ldbPost(rd: i32, rb: i32): void {
    this.ldb(rd, rb, 0);
    this.addi(rb, rb, 1);
  }
  /** The byte at rb = rs, then rb += 1 (rs != rb). */
  stbPost(rs: i32, rb: i32): void {
    this.stb(rs, rb, 0);
    this.addi(rb, rb, 1);
  }
  /** rd = the word at rb, then rb += the word size (rd != rb). */
  ldPost(rd: i32, rb: i32): void {
    this.ld(rd, rb, 0);
    this.addi(rb, rb, this.wordSize());
  }
  /** rb += off, then rd = the word at rb (rd != rb): one pre-indexed load on arm. */
  ldPre(rd: i32, rb: i32, off: i32): void {
    this.addi(rb, rb, off);
    this.ld(rd, rb, 0);
  }
  abstract jmp(l: i32): void;
  /** if (ra cond rb) goto l; 64-bit compare. */
  abstract br(cond: i32, ra: i32, rb: i32, l: i32): void;
  /** if (ra cond imm) goto l; |imm| < 2048. */
  abstract bri(cond: i32, ra: i32, imm: i32, l: i32): void;
  /** syscall(nr, A0..A5). With `result`, A0 = the result, normalised to -errno on failure on
   *  every arch; without (write, exit_group), A0 is undefined after, which saves bytes. */
  abstract sysnr(nr: i32, result: bool): void;
  /** syscall(the u16 at rb + off, A0..A5), with the result as sysnr's; off even, 0 <= off < 256.
   *  The number goes straight into the ISA's syscall-number register. */
  abstract sysAt(rb: i32, off: i32, result: bool): void;
  // ---- The compat ABI: only x86_64 has one the stub calls (i386, through int 0x80) ----
  /** Whether this backend can make the compat ABI's syscalls below. */
  hasCompatAbi(): bool {
    return false;
  }
  /**
   * A probe of the compat ABI's syscall `nr`, with A0..A5 as its arguments. It is made in a child
   * process, so that nothing the kernel or the engine does to the call can end the stub, and A0
   * is -EPERM (always a result) exactly when the call answered EPERM; it is something else when
   * the child was killed instead. Clobbers what `sys` does.
   */
  sysnrCompat(nr: i32): void {
    unreachable();
  }
  /** As sysAt with a result, where a number with COMPAT_NR_BIT set is (without the bit) the
   *  compat ABI's, probed as sysnrCompat does. */
  sysAtEitherAbi(rb: i32, off: i32): void {
    unreachable();
  }
  sys(which: i32, result: bool = true): void {
    this.sysnr(this.nrs[which], result);
  }
  /** Bytes in a pointer (and in argv's, envp's and the stack's slots): 8, or 4 on arm. */
  wordSize(): i32 {
    return 8;
  }
  /** Which argument register clone(2) takes its flags in (s390x has newsp first). */
  cloneFlagsArg(): i32 {
    return A0;
  }
  /** rd = stack pointer. */
  abstract getsp(rd: i32): void;
  /** sp -= n (n a multiple of 16, < 32768). */
  abstract subsp(n: i32): void;
}

// The stub program, written once in the IR of asm.ts. It does what the launcher's run path does:
//   clone3-workaround [--] COMMAND [ARGS...]
// mode from CLONE3_WORKAROUND_MODE (auto|always|never, default auto); auto probes and installs
// only when a probe answers EPERM; install via seccomp(2) without NO_NEW_PRIVS, on EACCES with
// it, and via prctl(PR_SET_SECCOMP) where seccomp(2) is ENOSYS; then exec with execvp(3)
// semantics. If the filter cannot be installed, auto warns and execs anyway (a wrapper must never
// break what worked without it) and always exits 125. Exit 125 for our own failure, 126 found
// but not runnable, 127 not found.
import {
  A0, A1, A2, A3, A4, A5, Asm, COMPAT_NR_BIT, EQ, LT, NE, S0, S1, S2, S3, S4, S5,
  SYS_CLONE, SYS_EXECVE, SYS_EXIT_GROUP, SYS_GETPID, SYS_KILL, SYS_PRCTL, SYS_RT_SIGPROCMASK,
  SYS_RT_SIGTIMEDWAIT, SYS_SECCOMP, SYS_WAITID, SYS_WRITE,
} from "./asm";

// Linux errno values are the same on the four arches.
const ENOENT: i32 = 2;
const ENOEXEC: i32 = 8;
const EPERM: i32 = 1;
const EACCES: i32 = 13;
const ENODEV: i32 = 19;
const ENOTDIR: i32 = 20;
const ENOSYS: i32 = 38;
const ETIMEDOUT: i32 = 110;
const ESTALE: i32 = 116;

const SECCOMP_SET_MODE_FILTER: i32 = 1;
const SECCOMP_MODE_FILTER: i32 = 2;
const PR_SET_SECCOMP: i32 = 22;
const PR_SET_NO_NEW_PRIVS: i32 = 38;

const MODE_UNSET: i32 = -1;
// The order of the mode names in the data.
const MODE_AUTO: i32 = 0;
const MODE_ALWAYS: i32 = 1;
const MODE_NEVER: i32 = 2;

/** Bytes of stack for "dir/name" during the PATH search; longer candidates are skipped. */
const PATH_BUF: i32 = 4096;
/** The last byte "dir/name" may use, with slack below PATH_BUF: 0xff0, one `li` on every ISA
 *  (on arm a rotated immediate). */
const PATH_LIMIT: i32 = 4080;

/** glibc's execvp default when PATH is unset. */
const DEFAULT_PATH = "/bin:/usr/bin";
// Every message is PREFIX, written first, then its text, in the launcher's words. The auto-mode
// warning lies right after PREFIX in the data, so one write prints that line whole.
const PREFIX = "clone3-workaround: ";
const MSG_WARN = "warning: cannot install the filter; running the command without it\n";
const MSG_USAGE = "usage: clone3-workaround [--] COMMAND [ARGS...]\n";
const MSG_MODE = "CLONE3_WORKAROUND_MODE must be auto, always or never\n";
const MSG_INSTALL = "cannot install the filter\n";
// strerror(3)'s words for the common cases, as the launcher prints them.
const MSG_NOT_FOUND = ": No such file or directory\n";
const MSG_DENIED = ": Permission denied\n";
const MSG_NOT_DIR = ": Not a directory\n";
const MSG_CANNOT = ": cannot execute\n";
/** How the launcher shows an empty command name. */
const EMPTY_NAME = "''";

/** One auto-mode probe: a harmless invalid call; EPERM means the engine filters it. With
 *  auto-hide, `slots` are the byte offsets in the filter of the RETs that hide this syscall:
 *  unless the probe answers EPERM, they become RET ALLOW before the filter goes in. */
export class Probe {
  /** `compat`: `nr` is the compat ABI's (Asm.hasCompatAbi), made with Asm.sysnrCompat. `set` has
   *  bit r set for each argument register to load; the others keep what they hold (the host
   *  leaves out arguments that the kernel's first, failing check never reads). */
  constructor(public nr: i32, public compat: bool, public args: StaticArray<i32>, public set: i32, public slots: StaticArray<i32>,
    /** Made only when an earlier probe answered EPERM, else counted as allowed unmade (auto-hide;
     *  the last probe: see launcher/compile.ts for x86_64's i386 probe). */
    public onlyAfterEperm: bool = false) {}
}

/** Whether the last probe is made only after an EPERM. */
function lastOnlyAfterEperm(probes: Array<Probe>): bool {
  return probes.length > 0 && probes[probes.length - 1].onlyAfterEperm;
}

/** Whether any probe is the compat ABI's. */
function anyCompat(probes: Array<Probe>): bool {
  for (let i = 0; i < probes.length; i++) if (probes[i].compat) return true;
  return false;
}

/** The register of syscall argument r. */
function argReg(r: i32): i32 {
  return r < 5 ? A0 + r : A5;
}

function probeArgs(a: Asm, p: Probe): void {
  for (let r = 0; r < p.args.length; r++) if ((p.set >> r) & 1) a.li(argReg(r), p.args[r]);
}

/**
 * Auto-hide's probes as data, for one loop instead of a code sequence per probe. The pool, at the
 * data's 8-aligned start of this part, holds words: the RET ALLOW word the slots get (see
 * probeEngine), then each distinct argument value (sign-extended); then argument vectors, a byte
 * per argument giving its value's offset in the pool. Every argument a probe has is loaded with its
 * value (the code form loads only the deciding ones, `set`); probes whose arguments agree share a
 * vector, and past its own arguments a probe gets another's (syscalls ignore arguments they do
 * not have). Then one record per probe, 2-aligned: u16 nr (with COMPAT_NR_BIT for the compat
 * ABI's: one loop makes both ABIs' calls), u8 slot[slotCount] (where the RET
 * ALLOW word goes, in sock_filter entries from the pool's base; a probe with fewer slots repeats
 * its first: storing twice is harmless), u8 vector offset; then sock_fprog and the filter, so a
 * slot is a fixed offset from the pool. Offsets count from the pool's base: its start, or on arm
 * the k field's offset (4) past it, so that base + 8 * slot is the k field the store patches.
 * Arguments on which every vector agrees are loaded as constants instead.
 */
class ProbeTable {
  values: Array<i32> = new Array<i32>(0);
  /** Per vector: each argument's value, and a mask of those some probe decides on. */
  vectors: Array<StaticArray<i32>> = new Array<StaticArray<i32>>(0);
  vectorSet: Array<i32> = new Array<i32>(0);
  /** Per probe: its vector's index. */
  vectorOf: Array<i32> = new Array<i32>(0);
  argCount: i32 = 0;
  slotCount: i32 = 0;
  /** Where the vector offset is in a record, and a record's size. */
  vectorAt: i32 = 0;
  recordSize: i32 = 0;
  /** The pool's words, then the vectors, padded to 4; the records, padded (see the constructor). */
  poolBytes: i32 = 0;
  recordBytes: i32 = 0;
  /** Where offsets count from: see above. */
  base: i32 = 0;
  /** Whether the probes fit the encoding (else they are emitted as code). */
  fits: bool = true;
  /** Whether some record is the compat ABI's (see Asm.sysAtEitherAbi). */
  compat: bool = false;

  constructor(a: Asm, probes: Array<Probe>) {
    const w = a.wordSize();
    this.compat = anyCompat(probes);
    const nrMax = this.compat ? COMPAT_NR_BIT - 1 : 0xffff;
    for (let i = 0; i < probes.length; i++) {
      const p = probes[i];
      if (p.nr < 0 || p.nr > nrMax || p.slots.length == 0) this.fits = false;
      if (p.args.length > this.argCount) this.argCount = p.args.length;
      if (p.slots.length > this.slotCount) this.slotCount = p.slots.length;
    }
    if (this.argCount == 0) this.argCount = 1; // a vector is never empty: its last byte is read
    for (let i = 0; i < probes.length; i++) this.vectorOf.push(this.vectorFor(probes[i]));
    for (let v = 0; v < this.vectors.length; v++) {
      for (let r = 0; r < this.argCount; r++) if (this.values.indexOf(this.vectors[v][r]) < 0) this.values.push(this.vectors[v][r]);
    }
    this.base = w == 8 ? 0 : 4;
    this.poolBytes = (w * (1 + this.values.length) + this.argCount * this.vectors.length + 3) & ~3; // arm: la reaches multiples of 4 in one add
    if (this.poolBytes - this.base > 256) this.fits = false; // offsets from the pool are bytes
    this.vectorAt = 2 + this.slotCount;
    this.recordSize = (this.vectorAt + 2) & ~1;
    // Padded so that the filter lies a multiple of 8 from the pool's start (and sock_fprog
    // word-aligned before it).
    const fprogBytes = w == 8 ? 16 : 8;
    this.recordBytes = ((this.poolBytes + this.recordSize * probes.length + fprogBytes + 7) & ~7) - this.poolBytes - fprogBytes;
    for (let i = 0; i < probes.length; i++) {
      const p = probes[i];
      for (let j = 0; j < p.slots.length; j++) if ((this.filterAt(a) + p.slots[j]) / 8 > 255) this.fits = false;
    }
  }

  /** The first vector agreeing with all of p's arguments (taking them on), else a new one. */
  vectorFor(p: Probe): i32 {
    const mine = (1 << p.args.length) - 1;
    for (let v = 0; v < this.vectors.length; v++) {
      let agrees = true;
      for (let r = 0; r < p.args.length; r++) if ((this.vectorSet[v] >> r) & 1 && this.vectors[v][r] != p.args[r]) agrees = false;
      if (!agrees) continue;
      for (let r = 0; r < p.args.length; r++) this.vectors[v][r] = p.args[r];
      this.vectorSet[v] |= mine;
      return v;
    }
    const args = new StaticArray<i32>(this.argCount);
    for (let r = 0; r < p.args.length; r++) args[r] = p.args[r]; // the others stay 0 unless a later probe's
    this.vectors.push(args);
    this.vectorSet.push(mine);
    return this.vectors.length - 1;
  }

  /** The offset of value v. */
  valueAt(a: Asm, v: i32): i32 {
    return a.wordSize() * (1 + this.values.indexOf(v)) - this.base;
  }

  /** The offset of vector v. */
  vectorStart(a: Asm, v: i32): i32 {
    return a.wordSize() * (1 + this.values.length) + this.argCount * v - this.base;
  }

  /** Whether every vector gives argument r the same value. */
  constant(r: i32): bool {
    for (let v = 1; v < this.vectors.length; v++) if (this.vectors[v][r] != this.vectors[0][r]) return false;
    return true;
  }

  /** Bytes from the pool's start to the filter: the pool, the records, then struct sock_fprog. */
  filterAt(a: Asm): i32 {
    return this.poolBytes + this.recordBytes + (a.wordSize() == 8 ? 16 : 8);
  }
}

// Init mode (tini's loop): see initLoop.
const SIGCHLD: i32 = 17; // the same on the four arches
const SIG_SETMASK: i32 = 2;
const SIGSET_BYTES: i32 = 8;
const PR_SET_CHILD_SUBREAPER: i32 = 36;
const P_ALL: i32 = 0;
const WNOHANG_WEXITED: i32 = 1 | 4;
const CLD_EXITED: i32 = 1;
/** siginfo_t: si_code at 8, then its union (from 16 on 64-bit arches, 12 on arm) starts with
 *  si_pid, si_uid, si_status. */
const SI_CODE: i32 = 8;
const SI_PID: i32 = 16;
const SI_STATUS: i32 = 24;
/** How much earlier the union starts with 32-bit words. */
function siShift(a: Asm): i32 {
  return a.wordSize() == 8 ? 0 : 4;
}
/** Stack the init keeps: the saved signal mask at 0, a siginfo_t at 16. */
const INIT_OLDMASK: i32 = 0;
const INIT_SIGINFO: i32 = 16;
const INIT_FRAME: i32 = 16 + 128;
/** What `docker-init --version` prints: dockerd (20.10 and later) takes the version after
 *  "tini version " and the commit after " - git.", like catatonit's; it warns on anything else,
 *  and older daemons slice their expected commit by the length given, so it is at most 7. */
const MSG_VERSION = "tini version 0.19.0 - git.c3wstub\n";

/** BPF_RET | BPF_K with SECCOMP_RET_ALLOW: what a slot becomes. */
const BPF_RET_K: u32 = 0x06;
const SECCOMP_RET_ALLOW: u32 = 0x7fff0000;

/** Labels of the data after the code. */
class Data {
  usage: i32; mode: i32; install: i32; prefix: i32; notFound: i32; denied: i32; notDir: i32;
  cannot: i32; emptyName: i32;
  modeKey: i32; pathKey: i32; modeNames: i32; dashdash: i32;
  defaultPath: i32; sh: i32; fprog: i32; filter: i32;
  version: i32; versionKey: i32; allSignals: i32; second: i32;
  pool: i32; probes: i32; probesEnd: i32;
  constructor(a: Asm) {
    this.usage = a.label(); this.mode = a.label(); this.install = a.label(); this.prefix = a.label();
    this.notFound = a.label(); this.denied = a.label(); this.notDir = a.label();
    this.cannot = a.label(); this.emptyName = a.label();
    this.modeKey = a.label(); this.pathKey = a.label(); this.modeNames = a.label(); this.dashdash = a.label(); this.defaultPath = a.label(); this.sh = a.label();
    this.fprog = a.label(); this.filter = a.label();
    this.version = a.label(); this.versionKey = a.label(); this.allSignals = a.label(); this.second = a.label();
    this.pool = a.label(); this.probes = a.label(); this.probesEnd = a.label();
  }
}

/** write(2, label, len). */
function say(a: Asm, l: i32, len: i32): void {
  a.li(A0, 2);
  a.la(A1, l);
  a.li(A2, len);
  a.sys(SYS_WRITE, false);
}

/** write(2, str, strlen(str)) for the string in register `reg` (not A0..A3). */
function sayCstr(a: Asm, reg: i32): void {
  const loop = a.label();
  a.mov(A1, reg);
  a.mov(A3, reg);
  a.li(A2, -1); // counts the NUL too
  a.bind(loop);
  a.ldbPost(A0, A3);
  a.addi(A2, A2, 1);
  a.bri(NE, A0, 0, loop);
  a.li(A0, 2);
  a.sys(SYS_WRITE, false);
}

/** If the string at `str` starts with the constant at `key`, leave `str` just past it and go to
 *  `matched`; otherwise fall through (`str` then points anywhere in it). Clobbers `str`, A2, A3
 *  and `tmp`. */
function skipPrefix(a: Asm, str: i32, key: i32, tmp: i32, matched: i32): void {
  const loop = a.label();
  a.la(tmp, key);
  a.bind(loop);
  a.ldb(A2, tmp, 0);
  a.bri(EQ, A2, 0, matched);
  a.ldbPost(A3, str);
  a.addi(tmp, tmp, 1);
  a.br(EQ, A2, A3, loop);
}

/** If the string at `str` equals the one at A1, go to `equal`; otherwise fall through with A1 at
 *  the first byte that differs. Clobbers A2..A4. */
function strcmp(a: Asm, str: i32, equal: i32): void {
  const loop = a.label(), miss = a.label();
  a.mov(A4, str);
  a.bind(loop);
  a.ldb(A2, A1, 0);
  a.ldb(A3, A4, 0);
  a.br(NE, A2, A3, miss);
  a.bri(EQ, A2, 0, equal);
  a.addi(A4, A4, 1);
  a.addi(A1, A1, 1);
  a.jmp(loop);
  a.bind(miss);
}

/** Falls through if the string at `str` equals the one at A1, else goes to `differ`. Clobbers
 *  A1..A4. */
function strequal(a: Asm, str: i32, differ: i32): void {
  const loop = a.label();
  a.mov(A4, str);
  a.bind(loop);
  a.ldbPost(A2, A1);
  a.ldbPost(A3, A4);
  a.br(NE, A2, A3, differ);
  a.bri(NE, A2, 0, loop);
}

/** A0 = seccomp(SET_MODE_FILTER, 0, &fprog) or prctl(PR_SET_SECCOMP, MODE_FILTER, &fprog), with
 *  A2 = &fprog already. */
function installCall(a: Asm, viaPrctl: bool): void {
  if (viaPrctl) {
    a.li(A0, PR_SET_SECCOMP);
    a.li(A1, SECCOMP_MODE_FILTER);
    a.sys(SYS_PRCTL);
  } else {
    a.li(A0, SECCOMP_SET_MODE_FILTER);
    a.li(A1, 0);
    a.sys(SYS_SECCOMP);
  }
}

/** execve(path, S0, S1) (S4 = S0[0] = the command name); on ENOEXEC run it as a script:
 *  execve("/bin/sh", {"/bin/sh", path, args...}, S1), built in place over argv (the slot before
 *  S0 is ours). A0 = -errno after. */
function execTry(a: Asm, path: i32, sh: i32): void {
  const w = a.wordSize();
  const done = a.label();
  a.mov(A0, path);
  a.mov(A1, S0);
  a.mov(A2, S1);
  a.sys(SYS_EXECVE);
  a.bri(NE, A0, -ENOEXEC, done);
  a.la(A0, sh);
  a.st(A0, S0, -w);
  a.st(path, S0, 0);
  a.addi(A1, S0, -w);
  a.mov(A2, S1);
  a.sys(SYS_EXECVE);
  a.st(S4, S0, 0); // later PATH entries must see the command's own argv[0] again
  a.bind(done);
}

/** S2 = message, S3 = its length; then go to `die`. */
function fail(a: Asm, msg: i32, len: i32, die: i32): void {
  a.la(S2, msg);
  a.li(S3, len);
  a.jmp(die);
}

/** Where the phases go on: the labels that more than one phase jumps to. */
class Exits {
  usage: i32; badMode: i32; installFailed: i32; die: i32; dieText: i32; exec: i32; install: i32;
  constructor(a: Asm) {
    this.usage = a.label(); this.badMode = a.label(); this.installFailed = a.label(); this.die = a.label();
    this.dieText = a.label(); this.exec = a.label(); this.install = a.label();
  }
}

/**
 * The whole stub, phase by phase, in the order its code is laid out. Registers: S0 = the command's
 * argv, S1 = envp, S2 = mode (then the install state, then the path buffer), S3 = PATH value,
 * S4 = the command name, S5 = scratch / flags.
 */
export function stubProgram(a: Asm, filter: usize, filterLen: i32, probes: Array<Probe>, autoHide: bool, init: bool): void {
  const str = new Data(a);
  const x = new Exits(a);
  const table: ProbeTable | null = autoHide && probes.length > 0 ? new ProbeTable(a, probes) : null;
  const looped = table !== null && table.fits ? table : null;
  a.prologue();
  readArgv(a, str, x, init);
  readEnv(a, str, x);
  probeEngine(a, str, x, filterLen, probes, autoHide, looped);
  installFilter(a, str, x);
  runCommand(a, str, x, init);
  failures(a, str, x);
  writeData(a, str, filter, filterLen, autoHide, init, probes, looped);
}

/** A probe's call on its ABI. */
function probeCall(a: Asm, p: Probe): void {
  if (p.compat) a.sysnrCompat(p.nr);
  else a.sysnr(p.nr, true);
}

/** S0 = the command's argv (past one leading "--"), S1 = envp, S4 = the command name; no command
 *  is usage. With `init`, `--version` answers dockerd and exits. */
function readArgv(a: Asm, str: Data, x: Exits, init: bool): void {
  const w = a.wordSize();
  // sp -> argc, argv[0..argc-1], NULL, envp..., NULL
  a.getsp(S0);
  a.addi(S0, S0, w);
  a.mov(S1, S0);
  const scanArgv = a.label();
  a.bind(scanArgv);
  a.ldPost(A1, S1);
  a.bri(NE, A1, 0, scanArgv);
  a.ldPre(S4, S0, w);
  a.bri(EQ, S4, 0, x.usage);
  const noDashDash = a.label();
  if (init) { // docker-init --version, as dockerd asks: one line on stdout, exit 0
    const notVersion = a.label();
    a.la(A1, str.versionKey);
    strequal(a, S4, notVersion);
    a.li(A0, 1);
    a.la(A1, str.version);
    a.li(A2, MSG_VERSION.length);
    a.sys(SYS_WRITE, false);
    a.li(A0, 0);
    a.sys(SYS_EXIT_GROUP, false);
    a.bind(notVersion);
  }
  a.la(A1, str.dashdash);
  strequal(a, S4, noDashDash);
  a.ldPre(S4, S0, w);
  a.bri(EQ, S4, 0, x.usage);
  a.bind(noDashDash);
}

/** S2 = the mode (MODE_UNSET when the variable is absent), S3 = the PATH value (0 when absent). */
function readEnv(a: Asm, str: Data, x: Exits): void {
  const w = a.wordSize();
  // The environment: the first CLONE3_WORKAROUND_MODE= and the first PATH= win, like getenv.
  a.li(S2, MODE_UNSET);
  a.li(S3, 0);
  a.mov(S5, S1);
  const envLoop = a.label(), envNext = a.label(), envDone = a.label(), tryPath = a.label();
  const modeFound = a.label(), pathFound = a.label();
  a.bind(envLoop);
  a.ld(A0, S5, 0);
  a.bri(EQ, A0, 0, envDone);
  a.bri(NE, S2, MODE_UNSET, tryPath);
  skipPrefix(a, A0, str.modeKey, A1, modeFound);
  a.ld(A0, S5, 0);
  a.bind(tryPath);
  a.bri(NE, S3, 0, envNext);
  skipPrefix(a, A0, str.pathKey, A1, pathFound);
  a.bind(envNext);
  a.addi(S5, S5, w);
  a.jmp(envLoop);
  a.bind(pathFound);
  a.mov(S3, A0);
  a.jmp(envNext);
  a.bind(modeFound);
  // The names follow each other in the data in mode order, so S2 counts through them to the
  // one that matches. An empty value is the default.
  const nextName = a.label(), skipName = a.label();
  a.li(S2, MODE_AUTO);
  a.ldb(A2, A0, 0);
  a.bri(EQ, A2, 0, envNext);
  a.la(A1, str.modeNames);
  a.bind(nextName);
  strcmp(a, A0, envNext);
  a.bind(skipName); // to just past this name's NUL
  a.ldbPost(A2, A1);
  a.bri(NE, A2, 0, skipName);
  a.addi(S2, S2, 1);
  a.bri(NE, S2, MODE_NEVER + 1, nextName);
  a.jmp(x.badMode);
  a.bind(envDone);
}

/** `never` goes to exec, always to install; auto probes: to install when one answers EPERM (with
 *  auto-hide after patching the slots of the others), else to exec. */
function probeEngine(a: Asm, str: Data, x: Exits, filterLen: i32, probes: Array<Probe>, autoHide: bool, table: ProbeTable | null): void {
  const w = a.wordSize();
  a.bri(EQ, S2, MODE_NEVER, x.exec);
  a.bri(EQ, S2, MODE_ALWAYS, x.install);
  if (table !== null) {
    // The probe table (see ProbeTable), one record per turn: S4 = the record (the command name
    // is argv[0] again after), S5 = the pool's base; S2 counts up from -(probes) once per
    // allowed probe, so it ends at MODE_AUTO (0) when nothing answered EPERM, and below zero
    // (never MODE_ALWAYS: installFailed warns) when something did.
    const loop = a.label(), next = a.label(), allowed = a.label();
    a.la(S5, str.pool);
    a.la(S4, str.probes);
    a.li(S2, -probes.length);
    a.bind(loop);
    // The vector's address goes into the last varying argument's register, loaded last.
    let last = -1;
    for (let r = 0; r < table.argCount; r++) if (!table.constant(r)) last = r;
    if (last >= 0) {
      const vec = argReg(last);
      a.ldb(vec, S4, table.vectorAt);
      a.add(vec, vec, S5);
      for (let r = 0; r <= last; r++) {
        if (r == last || table.constant(r)) continue;
        a.ldb(argReg(r), vec, r);
        a.ldx(argReg(r), S5, argReg(r));
      }
      a.ldb(vec, vec, last);
      a.ldx(vec, S5, vec);
    }
    for (let r = 0; r < table.argCount; r++) if (table.constant(r)) a.li(argReg(r), table.vectors[0][r]);
    // S2 is -1 at a record only at the last with every earlier one allowed: then a last probe
    // made only after an EPERM counts as allowed unmade. (Here, past the loads, a short branch.)
    if (lastOnlyAfterEperm(probes)) a.bri(EQ, S2, -1, allowed);
    if (table.compat) a.sysAtEitherAbi(S4, 0);
    else a.sysAt(S4, 0, true);
    a.bri(EQ, A0, -EPERM, next);
    a.bind(allowed);
    a.addi(S2, S2, 1);
    // The RET ALLOW word: a 64-bit word is the whole instruction; a 32-bit one its k field (the
    // slots are RETs already: only k changes), little-endian on arm.
    a.ld(A0, S5, -table.base);
    for (let j = 0; j < table.slotCount; j++) {
      a.ldb(A1, S4, 2 + j);
      a.stx8(A0, S5, A1);
    }
    a.bind(next);
    a.addi(S4, S4, table.recordSize);
    a.la(A0, str.probesEnd);
    a.br(NE, S4, A0, loop);
    a.ld(S4, S0, 0);
    a.bri(NE, S2, MODE_AUTO, x.install);
  } else if (autoHide) {
    // Every probe runs; a syscall allowed (or ENOSYS) here gets its slots patched to ALLOW, so
    // the one filter hides exactly what answered EPERM. S5 = the RET ALLOW instruction, S3 = the
    // filter (PATH waits in our argv slot meanwhile); S2 counts up from -(probes) once per
    // patched probe, so it ends at MODE_AUTO (0) when nothing answered EPERM, and below zero
    // (never MODE_ALWAYS: installFailed warns) when something did.
    a.st(S3, S0, -w);
    a.la(S3, str.filter);
    // A 64-bit word is the whole RET ALLOW instruction; a 32-bit one its k field (the slots are
    // RETs already: only k changes), little-endian on arm.
    const k = w == 8 ? 0 : 4;
    a.ld(S5, S3, filterLen + k); // the RET ALLOW follows the filter
    a.li(S2, -probes.length);
    for (let i = 0; i < probes.length; i++) {
      const p = probes[i];
      const next = a.label(), allowed = a.label();
      // Every earlier probe allowed: S2 = -(this and the ones after).
      if (p.onlyAfterEperm) a.bri(EQ, S2, -(probes.length - i), allowed);
      probeArgs(a, p);
      probeCall(a, p);
      a.bri(EQ, A0, -EPERM, next);
      a.bind(allowed);
      a.addi(S2, S2, 1);
      for (let j = 0; j < p.slots.length; j++) a.st(S5, S3, p.slots[j] + k);
      a.bind(next);
    }
    a.ld(S3, S0, -w);
    a.bri(NE, S2, MODE_AUTO, x.install);
  } else {
    for (let i = 0; i < probes.length; i++) {
      const p = probes[i];
      probeArgs(a, p);
      a.sysnr(p.nr, true);
      a.bri(EQ, A0, -EPERM, x.install);
    }
  }
  a.jmp(x.exec);
}

function installFilter(a: Asm, str: Data, x: Exits): void {
  const w = a.wordSize();
  // Install: seccomp(2) (S2 = 0) or, where it is ENOSYS, prctl (S2 = 1); first without
  // NO_NEW_PRIVS, and on EACCES once more with it (S5 = 1). Every register is taken, so the mode
  // waits for installFailed in the argv slot before the command's, which is ours (see execTry).
  a.bind(x.install);
  a.st(S2, S0, -w);
  const retry = a.label(), viaPrctl = a.label(), check = a.label(), notNosys = a.label();
  a.li(S2, 0);
  a.li(S5, 0);
  a.bind(retry);
  a.la(A2, str.fprog);
  a.bri(NE, S2, 0, viaPrctl);
  installCall(a, false);
  a.jmp(check);
  a.bind(viaPrctl);
  installCall(a, true);
  a.bind(check);
  a.bri(EQ, A0, 0, x.exec);
  a.bri(NE, A0, -ENOSYS, notNosys);
  a.bri(NE, S2, 0, x.installFailed);
  a.li(S2, 1);
  a.jmp(retry);
  a.bind(notNosys);
  a.bri(NE, A0, -EACCES, x.installFailed);
  a.bri(NE, S5, 0, x.installFailed);
  a.li(S5, 1);
  a.li(A0, PR_SET_NO_NEW_PRIVS);
  a.li(A1, 1);
  a.li(A2, 0);
  a.li(A3, 0);
  a.li(A4, 0);
  a.sys(SYS_PRCTL);
  a.bri(EQ, A0, 0, retry);
  a.jmp(x.installFailed);
}

/** The init loop (with `init`), then execvp; a failed exec reports the command's error. */
function runCommand(a: Asm, str: Data, x: Exits, init: bool): void {
  a.bind(x.exec);
  const execvp = a.label();
  if (init) initLoop(a, str, execvp);

  // Exec with execvp(3) semantics.
  a.bind(execvp);
  const failed = a.label(), search = a.label(), hasSlash = a.label();
  const slashLoop = a.label();
  a.mov(A1, S4);
  a.bind(slashLoop);
  a.ldbPost(A0, A1);
  a.bri(EQ, A0, 0x2f, hasSlash);
  a.bri(NE, A0, 0, slashLoop);
  const tryIt = a.label();

  a.bind(search);
  const emptyName = a.label();
  a.ldb(A1, S4, 0);
  a.li(A0, -ENOENT);
  a.bri(EQ, A1, 0, emptyName); // execvp("") is ENOENT
  const havePath = a.label();
  a.bri(NE, S3, 0, havePath);
  a.la(S3, str.defaultPath);
  a.bind(havePath);
  a.li(S5, 0); // saw EACCES
  a.subsp(PATH_BUF);
  a.getsp(S2);
  const nextDir = a.label(), copyDir = a.label(), dirEnd = a.label(), copyName = a.label();
  const nameLoop = a.label(), sawEacces = a.label(), advance = a.label();
  const searchDone = a.label();
  a.bind(nextDir);
  a.mov(A0, S2);
  a.li(A4, PATH_LIMIT);
  a.add(A4, A4, S2);
  a.bind(copyDir);
  a.ldb(A1, S3, 0);
  a.bri(EQ, A1, 0, dirEnd);
  a.bri(EQ, A1, 0x3a, dirEnd);
  a.br(EQ, A0, A4, advance); // too long: skip this entry, as ENAMETOOLONG would
  a.stbPost(A1, A0);
  a.addi(S3, S3, 1);
  a.jmp(copyDir);
  a.bind(dirEnd);
  a.br(EQ, A0, S2, copyName); // an empty entry means the current directory: the bare name
  a.br(EQ, A0, A4, advance);
  a.li(A1, 0x2f);
  a.stbPost(A1, A0);
  a.bind(copyName);
  a.mov(A2, S4);
  a.bind(nameLoop);
  a.br(EQ, A0, A4, advance);
  a.ldbPost(A1, A2);
  a.stbPost(A1, A0); // tryIt sets A0 and A2 afresh
  a.bri(EQ, A1, 0, tryIt);
  a.jmp(nameLoop);
  a.bind(tryIt); // S2 = the path to try
  execTry(a, S2, str.sh);
  a.bri(EQ, S3, 0, failed); // a name with a slash: its exec decides
  a.bri(EQ, A0, -EACCES, sawEacces);
  a.bri(EQ, A0, -ENOENT, advance);
  a.bri(EQ, A0, -ENOTDIR, advance);
  a.bri(EQ, A0, -ESTALE, advance);
  a.bri(EQ, A0, -ENODEV, advance);
  a.bri(EQ, A0, -ETIMEDOUT, advance);
  a.jmp(failed);
  a.bind(sawEacces);
  a.li(S5, 1);
  a.bind(advance); // skip to just past the next ':', or finish at the end
  a.ldbPost(A1, S3); // past the end at searchDone, which no longer reads S3
  a.bri(EQ, A1, 0, searchDone);
  a.bri(NE, A1, 0x3a, advance);
  a.jmp(nextDir);
  a.bind(searchDone);
  a.li(A0, -ENOENT);
  a.bri(EQ, S5, 0, failed);
  a.li(A0, -EACCES);

  // A0 = -errno of the exec that decides; like env(1): ENOENT is 127, anything else 126.
  a.bind(failed);
  const cmdError = a.label();
  a.la(S2, str.notFound);
  a.li(S3, MSG_NOT_FOUND.length);
  a.li(S5, 127);
  a.bri(EQ, A0, -ENOENT, cmdError);
  a.la(S2, str.denied);
  a.li(S3, MSG_DENIED.length);
  a.li(S5, 126);
  a.bri(EQ, A0, -EACCES, cmdError);
  a.la(S2, str.notDir);
  a.li(S3, MSG_NOT_DIR.length);
  a.bri(EQ, A0, -ENOTDIR, cmdError);
  a.la(S2, str.cannot);
  a.li(S3, MSG_CANNOT.length);
  a.bind(cmdError);
  say(a, str.prefix, PREFIX.length);
  sayCstr(a, S4);
  a.jmp(x.dieText);
  a.bind(emptyName);
  a.la(S4, str.emptyName);
  a.jmp(failed);
  a.bind(hasSlash); // exec the name itself, through the search's exec: S3 = 0 says no search
  a.mov(S2, S4);
  a.li(S3, 0);
  a.jmp(tryIt);
}

/** Our own failures (exit 125) and the tail that writes a message and exits with S5. */
function failures(a: Asm, str: Data, x: Exits): void {
  const w = a.wordSize();
  a.bind(x.installFailed);
  const refused = a.label();
  a.ld(A0, S0, -w);
  a.bri(EQ, A0, MODE_ALWAYS, refused);
  say(a, str.prefix, PREFIX.length + MSG_WARN.length);
  a.jmp(x.exec);
  a.bind(refused);
  fail(a, str.install, MSG_INSTALL.length, x.die);
  a.bind(x.usage);
  fail(a, str.usage, MSG_USAGE.length, x.die);
  a.bind(x.badMode);
  a.la(S2, str.mode);
  a.li(S3, MSG_MODE.length);
  a.bind(x.die); // our own failure: write(2, PREFIX); write(2, S2, S3); exit_group(125)
  a.li(S5, 125);
  say(a, str.prefix, PREFIX.length);
  a.bind(x.dieText); // the command's: S5 = 126 or 127
  a.li(A0, 2);
  a.mov(A1, S2);
  a.mov(A2, S3);
  a.sys(SYS_WRITE, false);
  a.mov(A0, S5);
  a.sys(SYS_EXIT_GROUP, false);
}

/** Binds a string `la` reaches, aligned as the backend likes it there. */
function at(a: Asm, l: i32): void {
  a.align(a.laAlign(a.pos - a.dataStart));
  a.bind(l);
}

/** The data after the code: strings first (arm reaches the first few hundred bytes with one add),
 *  then the init's constants, the probe pool, sock_fprog, the filter (with the fallback's RET
 *  ALLOW after it) and the probe table. */
function writeData(a: Asm, str: Data, filter: usize, filterLen: i32, autoHide: bool, init: bool, probes: Array<Probe>, table: ProbeTable | null): void {
  const w = a.wordSize();
  // Data (writable in its own mapping with auto-hide: see elf.ts).
  a.align(8);
  a.beginData();
  at(a, str.prefix); a.cstr(PREFIX, false);
  a.cstr(MSG_WARN, false); // right after PREFIX: see MSG_WARN
  at(a, str.modeKey); a.cstr("CLONE3_WORKAROUND_MODE=");
  at(a, str.pathKey); a.cstr("PATH=");
  at(a, str.modeNames); a.cstr("auto"); a.cstr("always"); a.cstr("never"); // MODE_AUTO.. in order
  at(a, str.dashdash); a.cstr("--");
  at(a, str.sh); a.cstr("/bin/sh");
  at(a, str.defaultPath); a.cstr(DEFAULT_PATH);
  at(a, str.notFound); a.cstr(MSG_NOT_FOUND, false);
  at(a, str.denied); a.cstr(MSG_DENIED, false);
  at(a, str.notDir); a.cstr(MSG_NOT_DIR, false);
  at(a, str.cannot); a.cstr(MSG_CANNOT, false);
  at(a, str.emptyName); a.cstr(EMPTY_NAME);
  at(a, str.usage); a.cstr(MSG_USAGE, false);
  at(a, str.mode); a.cstr(MSG_MODE, false);
  at(a, str.install); a.cstr(MSG_INSTALL, false);
  if (init) {
    at(a, str.versionKey); a.cstr("--version");
    at(a, str.version); a.cstr(MSG_VERSION, false);
    a.align(w); // the kernel copies these in: word alignment is plenty
    a.bind(str.allSignals); a.u64(0xffffffffffffffff); // SIGKILL and SIGSTOP stay unblockable
    a.bind(str.second); // struct timespec { 1 s, 0 ns } (of longs: the old rt_sigtimedwait on arm)
    if (w == 8) { a.u64(1); a.u64(0); } else { a.u32(1); a.u32(0); }
  }
  a.align(w); // sock_fprog's pointer, the pool's words
  if (table !== null) { // the pool and the records, right before sock_fprog and the filter (see ProbeTable)
    const poolStart = a.pos;
    if (table.base == 0) a.bind(str.pool);
    if (w == 8) { // the whole RET ALLOW instruction: struct sock_filter { u16 code; u8 jt, jf; u32 k; }
      a.u16(BPF_RET_K);
      a.u16(0);
      a.u32(SECCOMP_RET_ALLOW);
    } else {
      a.u32(SECCOMP_RET_ALLOW); // its k field (the slots are RETs already: only k changes)
    }
    if (table.base != 0) a.bind(str.pool); // the base: see ProbeTable
    for (let i = 0; i < table.values.length; i++) {
      const v = table.values[i];
      if (w == 8) a.u64(<u64><i64>v); else a.u32(<u32>v);
    }
    for (let v = 0; v < table.vectors.length; v++) {
      for (let r = 0; r < table.argCount; r++) a.byte(<u32>table.valueAt(a, table.vectors[v][r]));
    }
    while (a.pos < poolStart + table.poolBytes) a.byte(0);
    a.bind(str.probes);
    for (let i = 0; i < probes.length; i++) {
      const p = probes[i];
      const start = a.pos;
      a.u16(<u32>(p.compat ? p.nr | COMPAT_NR_BIT : p.nr));
      for (let j = 0; j < table.slotCount; j++) a.byte(<u32>((table.filterAt(a) + p.slots[j < p.slots.length ? j : 0]) / 8));
      a.byte(<u32>table.vectorStart(a, table.vectorOf[i]));
      while (a.pos < start + table.recordSize) a.byte(0);
    }
    a.bind(str.probesEnd);
    while (a.pos < poolStart + table.poolBytes + table.recordBytes) a.byte(0);
  }
  a.bind(str.fprog); // struct sock_fprog { u16 len; struct sock_filter *filter; }
  a.u16(<u32>(filterLen / 8));
  a.u16(0);
  if (w == 8) {
    a.u32(0);
    a.u64(a.addr(str.filter));
  } else {
    a.u32(<u32>a.addr(str.filter));
  }
  a.bind(str.filter);
  a.bytes(filter, filterLen);
  if (autoHide && table === null) { // struct sock_filter { u16 code; u8 jt, jf; u32 k; }, right after the filter
    a.u16(BPF_RET_K);
    a.u16(0);
    a.u32(SECCOMP_RET_ALLOW);
  }
}

/**
 * Init mode, after the filter is in: fork the command with clone(SIGCHLD) (never clone3), as
 * tini does. Every signal is blocked first, so none can race the loop: the parent waits for
 * signals with a 1 s rt_sigtimedwait, forwards each one but SIGCHLD to the child, and after every
 * wake-up reaps all zombies with waitid(P_ALL, WNOHANG); when the child is among them it exits
 * with the child's exit code, or 128 + the signal that killed it. Not PID 1, it registers as a
 * child subreaper so that orphans are still reparented to it. The child restores the signal mask
 * and goes on to `execvp`. Registers: S2 = the frame on the stack, S5 = the child's pid.
 */
function initLoop(a: Asm, str: Data, execvp: i32): void {
  const pid1 = a.label(), parent = a.label(), wait = a.label(), reap = a.label(), exited = a.label();
  const forkFailed = a.label();
  a.sys(SYS_GETPID);
  a.bri(EQ, A0, 1, pid1);
  a.li(A0, PR_SET_CHILD_SUBREAPER);
  a.li(A1, 1);
  a.sys(SYS_PRCTL, false);
  a.bind(pid1);
  a.subsp(INIT_FRAME);
  a.getsp(S2);
  a.li(A0, SIG_SETMASK);
  a.la(A1, str.allSignals);
  a.addi(A2, S2, INIT_OLDMASK);
  a.li(A3, SIGSET_BYTES);
  a.sys(SYS_RT_SIGPROCMASK, false);
  for (let r = A0; r <= A4; r++) a.li(r, r == a.cloneFlagsArg() ? SIGCHLD : 0);
  a.sys(SYS_CLONE);
  a.bri(LT, A0, 0, forkFailed);
  a.bri(NE, A0, 0, parent);
  a.li(A0, SIG_SETMASK); // the child: the command gets the mask the init was started with
  a.addi(A1, S2, INIT_OLDMASK);
  a.li(A2, 0);
  a.li(A3, SIGSET_BYTES);
  a.sys(SYS_RT_SIGPROCMASK, false);
  a.jmp(execvp);

  a.bind(parent);
  a.mov(S5, A0);
  a.bind(wait);
  a.la(A0, str.allSignals);
  a.addi(A1, S2, INIT_SIGINFO);
  a.la(A2, str.second);
  a.li(A3, SIGSET_BYTES);
  a.sys(SYS_RT_SIGTIMEDWAIT);
  a.bri(LT, A0, 1, reap); // timeout or EINTR
  a.bri(EQ, A0, SIGCHLD, reap);
  a.mov(A1, A0);
  a.mov(A0, S5);
  a.sys(SYS_KILL, false);
  a.bind(reap); // waitid leaves si_pid alone when nothing has exited: clear it first
  a.li(A0, 0);
  a.st(A0, S2, INIT_SIGINFO + SI_PID - siShift(a));
  a.li(A1, 0);
  a.addi(A2, S2, INIT_SIGINFO);
  a.li(A3, WNOHANG_WEXITED);
  a.li(A4, 0); // A0 is 0 = P_ALL already
  a.sys(SYS_WAITID);
  a.bri(NE, A0, 0, wait); // ECHILD
  a.ldw(A0, S2, INIT_SIGINFO + SI_PID - siShift(a));
  a.bri(EQ, A0, 0, wait); // nothing (more) to reap
  a.br(NE, A0, S5, reap); // an orphan, reaped: look for more
  a.ldw(A1, S2, INIT_SIGINFO + SI_CODE);
  a.ldw(A0, S2, INIT_SIGINFO + SI_STATUS - siShift(a));
  a.bri(EQ, A1, CLD_EXITED, exited);
  a.addi(A0, A0, 128); // killed (or dumped core): 128 + the signal
  a.bind(exited);
  a.sys(SYS_EXIT_GROUP, false);

  a.bind(forkFailed); // nothing was started: our own failure
  a.li(A0, 125);
  a.sys(SYS_EXIT_GROUP, false);
}

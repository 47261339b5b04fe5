// The stub's part of the module's export surface (re-exported by ../index.ts). The host writes
// the parameters and the filter into module-owned buffers, calls stubEmit(), and reads the ELF
// back from stubOutPtr(). Layout of the i32 parameter words (mirrored by wasm/stub.ts):
//   [0] arch (STUB_ARCH_*), [1] filter length in bytes (sock_filter entries in target order),
//   [2..14] syscall numbers: write, exit_group, execve, seccomp, prctl, getpid, clone,
//   rt_sigprocmask, rt_sigtimedwait, kill, waitid, setrlimit, wait4 (asm.ts's SYS_* order),
//   [15] probe count, [16] auto-hide (0 or 1), [17] init mode (0 or 1), [18] e_machine
//   (the host's, from arch/abis.gen.ts, so no EM_* is retyped here), then per probe: nr, flags
//   (bit 0: the compat ABI's, auto-hide only, on an arch whose backend calls it; bit 1: made only
//   after an earlier probe answered EPERM, auto-hide only, the last probe), argument
//   count (0..6), arg0..arg5, a mask of the arguments to set, slot count (0..STUB_SLOTS_MAX;
//   auto-hide only), slot byte offsets.
import { Asm, SYS_COUNT } from "./asm";
import { clearError, fail } from "../error";
import { dec } from "../bpf/text";
import { Probe, stubProgram } from "./program";
import { X86_64 } from "./x86_64";
import { Aarch64 } from "./aarch64";
import { Ppc64le } from "./ppc64le";
import { S390x } from "./s390x";
import { Arm } from "./arm";
import { EF_ARM_EABI_VER5, EF_PPC64_ABI_V2, SEGMENT_ALIGN, headersSize, writeElfHeaders } from "../elf/elf";

export const STUB_ARCH_X86_64: i32 = 0;
export const STUB_ARCH_AARCH64: i32 = 1;
export const STUB_ARCH_PPC64LE: i32 = 2;
export const STUB_ARCH_S390X: i32 = 3;
export const STUB_ARCH_ARM: i32 = 4;

export const STUB_ERR_ARCH: i32 = -1;
export const STUB_ERR_FILTER: i32 = -2;
export const STUB_ERR_PROBES: i32 = -3;
export const STUB_ERR_TOO_BIG: i32 = -4;
export const STUB_ERR_SLOTS: i32 = -5;

export const STUB_FILTER_MAX: i32 = 4096 * 8; // BPF_MAXINSNS
export const STUB_OUT_MAX: i32 = 65536;
export const STUB_PROBES_MAX: i32 = 32;
export const STUB_SLOTS_MAX: i32 = 4;
export const STUB_PROBE_ARGS_MAX: i32 = 6;
/** Asm.st reaches 4095 bytes past its base register. */
const AUTO_HIDE_FILTER_MAX: i32 = 4088;
const PROBE_WORDS: i32 = 11 + STUB_SLOTS_MAX;
const P_PROBES: i32 = 2 + SYS_COUNT;
const P_AUTO_HIDE: i32 = P_PROBES + 1;
const P_INIT: i32 = P_PROBES + 2;
const P_MACHINE: i32 = P_PROBES + 3;
const HEAD_WORDS: i32 = P_PROBES + 4;
const PARAM_WORDS: i32 = HEAD_WORDS + PROBE_WORDS * STUB_PROBES_MAX;

const params = memory.data(PARAM_WORDS * 4);
const filterBuf = memory.data(STUB_FILTER_MAX);
const outBuf = memory.data(STUB_OUT_MAX);

/** Load address of every stub: 4 MiB, a multiple of the 64 KiB segment alignment. */
const BASE: u64 = 0x400000;

export function stubParamsPtr(): usize {
  return params;
}

export function stubFilterPtr(): usize {
  return filterBuf;
}

export function stubOutPtr(): usize {
  return outBuf;
}

function badFilter(): i32 {
  return fail(STUB_ERR_FILTER, "the filter must be 1.." + dec(STUB_FILTER_MAX / 8) + " sock_filter entries (1.." + dec(AUTO_HIDE_FILTER_MAX / 8) + " with slots)");
}

function badProbes(): i32 {
  return fail(STUB_ERR_PROBES, "at most " + dec(STUB_PROBES_MAX) + " probes of at most " + dec(STUB_PROBE_ARGS_MAX) + " arguments");
}

function badCompat(): i32 {
  return fail(STUB_ERR_PROBES, "compat-ABI probes need auto-hide and an arch whose stub calls that ABI (x86_64: i386)");
}

function badAfterEperm(): i32 {
  return fail(STUB_ERR_PROBES, "a probe made only after an EPERM needs auto-hide and must be the last");
}

function badSlots(): i32 {
  return fail(STUB_ERR_SLOTS, "at most " + dec(STUB_SLOTS_MAX) + " slots per probe, each a whole instruction of the program");
}

function param(i: i32): i32 {
  return load<i32>(params + <usize>(i * 4));
}

/** Emits the stub into stubOutPtr(); returns its size, or a negative STUB_ERR_* with its reason in the error channel. */
export function stubEmit(): i32 {
  clearError();
  const arch = param(0);
  const filterLen = param(1);
  if (filterLen <= 0 || filterLen > STUB_FILTER_MAX || filterLen % 8 != 0) return badFilter();
  // Auto-hide addresses slots (and the RET ALLOW after the filter) from the filter's start.
  if (param(P_AUTO_HIDE) != 0 && filterLen > AUTO_HIDE_FILTER_MAX) return badFilter();
  const probeCount = param(P_PROBES);
  if (probeCount < 0 || probeCount > STUB_PROBES_MAX) return badProbes();
  const autoHide = param(P_AUTO_HIDE) != 0;
  const init = param(P_INIT) != 0;

  const machine = <u32>param(P_MACHINE);
  let a: Asm;
  let flags: u32 = 0;
  if (arch == STUB_ARCH_X86_64) a = new X86_64(outBuf, STUB_OUT_MAX, BASE, false);
  else if (arch == STUB_ARCH_AARCH64) a = new Aarch64(outBuf, STUB_OUT_MAX, BASE, false);
  else if (arch == STUB_ARCH_PPC64LE) { a = new Ppc64le(outBuf, STUB_OUT_MAX, BASE, false); flags = EF_PPC64_ABI_V2; }
  else if (arch == STUB_ARCH_S390X) a = new S390x(outBuf, STUB_OUT_MAX, BASE, true);
  else if (arch == STUB_ARCH_ARM) { a = new Arm(outBuf, STUB_OUT_MAX, BASE, false); flags = EF_ARM_EABI_VER5; }
  else return fail(STUB_ERR_ARCH, "unknown arch");

  for (let i = 0; i < SYS_COUNT; i++) a.nrs[i] = param(2 + i);
  const probes = new Array<Probe>(0);
  for (let i = 0; i < probeCount; i++) {
    const w = HEAD_WORDS + PROBE_WORDS * i;
    const probeFlags = param(w + 1);
    const compat = (probeFlags & 1) != 0, onlyAfterEperm = (probeFlags & 2) != 0;
    if (probeFlags < 0 || probeFlags > 3 || (compat && !(autoHide && a.hasCompatAbi()))) return badCompat();
    if (onlyAfterEperm && !(autoHide && i == probeCount - 1)) return badAfterEperm();
    const nargs = param(w + 2);
    if (nargs < 0 || nargs > STUB_PROBE_ARGS_MAX) return badProbes();
    const args = new StaticArray<i32>(nargs);
    for (let j = 0; j < nargs; j++) args[j] = param(w + 3 + j);
    const set = param(w + 9);
    const nslots = param(w + 10);
    if (nslots < 0 || nslots > STUB_SLOTS_MAX || (nslots > 0 && !autoHide)) return badSlots();
    const slots = new StaticArray<i32>(nslots);
    for (let j = 0; j < nslots; j++) {
      const at = param(w + 11 + j);
      if (at < 0 || at >= filterLen || at % 8 != 0) return badSlots();
      slots[j] = at;
    }
    probes.push(new Probe(param(w), compat, args, set, slots, onlyAfterEperm));
  }

  // Auto-hide patches the filter, so its data gets a writable mapping of its own.
  if (autoHide) a.dataBias = SEGMENT_ALIGN;
  const start = headersSize(a.wordSize(), autoHide);
  do {
    a.begin(false, start);
    stubProgram(a, filterBuf, filterLen, probes, autoHide, init);
  } while (a.relaxPass());
  if (a.overflow()) return fail(STUB_ERR_TOO_BIG, "the stub does not fit in " + dec(STUB_OUT_MAX / 1024) + " KiB");
  a.begin(true, start);
  stubProgram(a, filterBuf, filterLen, probes, autoHide, init);
  const size = a.pos;
  writeElfHeaders(a, a.wordSize(), machine, flags, BASE, BASE + <u64>start, size, autoHide ? a.dataStart : -1);
  return size;
}

// seccomp return values (include/uapi/linux/seccomp.h). The kernel orders actions by the
// signed value of the high 16 bits (ACTION_ONLY); data lives in the low 16 bits.
import type { Action } from "./resolved.ts";
// How an action is spelt (ALLOW, ERRNO(38), ...) is the core disassembler's: actionName() in wasm/core.ts.

export const RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  USER_NOTIF: 0x7fc00000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;

export const ACTION_MASK = 0xffff0000;
export const DATA_MASK = 0x0000ffff;
export const ENOSYS = 38;
export const EPERM = 1;

export const allow = (): Action => RET.ALLOW;
export const errno = (n: number): Action => (RET.ERRNO | (n & DATA_MASK)) >>> 0;
export const trace = (n: number): Action => (RET.TRACE | (n & DATA_MASK)) >>> 0;

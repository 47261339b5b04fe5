// seccomp return values (include/uapi/linux/seccomp.h). The kernel orders actions by the
// signed value of the high 16 bits (ACTION_ONLY); data lives in the low 16 bits.
import type { Action } from "./resolved.ts";

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

/** Human-readable form, in the spelling scmp_bpf_disasm uses: ALLOW, ERRNO(38), KILL ... */
export function actionName(a: Action): string {
  const act = (a & ACTION_MASK) >>> 0;
  const data = a & DATA_MASK;
  switch (act) {
    case RET.KILL_PROCESS: return "KILL_PROCESS";
    case RET.KILL_THREAD: return "KILL";
    case RET.TRAP: return "TRAP";
    case RET.ERRNO: return `ERRNO(${data})`;
    case RET.USER_NOTIF: return "NOTIFY";
    case RET.TRACE: return `TRACE(${data})`;
    case RET.LOG: return "LOG";
    case RET.ALLOW: return "ALLOW";
    default: return `0x${(a >>> 0).toString(16).padStart(8, "0")}`;
  }
}

// socketcall(2) and ipc(2), the way libseccomp 2.5 handles them (src/syscalls.c, abi_rule_add):
// on an ABI that has these multiplexers, a rule for a socket or SysV IPC call is also added to
// the multiplexer, with its argument 0 replaced by "arg0 == the call's number" (a condition the
// rule had on arg0 is dropped there), so that a program going through socketcall gets the same
// verdict. A call the ABI has no direct number for (semop on i386) gets the multiplexer rule only.
// libseccomp does this on x86 (i386), ppc, ppc64(le), s390, s390x and mips o32; of our ABIs,
// exactly those whose table has `socketcall` (test/unit/policy-multiplexer.test.ts checks both).

import { syscallNr } from "../arch/index.ts";
import type { AbiName } from "../arch/types.ts";

/** socketcall's call numbers: SYS_SOCKET.. in <linux/net.h> (= -__PNR_x - 100 in libseccomp). */
const SOCKET_CALLS: readonly string[] = [
  "socket", "bind", "connect", "listen", "accept", "getsockname", "getpeername", "socketpair", "send", "recv",
  "sendto", "recvfrom", "shutdown", "setsockopt", "getsockopt", "sendmsg", "recvmsg", "accept4", "recvmmsg",
  "sendmmsg",
];

/** ipc's call numbers: SEMOP.. in <linux/ipc.h> (= -__PNR_x - 200 in libseccomp). */
const IPC_CALLS: Readonly<Record<string, number>> = {
  semop: 1, semget: 2, semctl: 3, semtimedop: 4,
  msgsnd: 11, msgrcv: 12, msgget: 13, msgctl: 14,
  shmat: 21, shmdt: 22, shmget: 23, shmctl: 24,
};

export interface Multiplexed {
  /** The multiplexer's number on the ABI (socketcall or ipc). */
  nr: number;
  /** What its argument 0 must equal for this call. */
  call: number;
}

/** Where libseccomp also puts a rule for `name` on `abi`, or undefined when it does not. */
export function multiplexerOf(abi: AbiName, name: string): Multiplexed | undefined {
  const socket = SOCKET_CALLS.indexOf(name);
  const mux = socket >= 0 ? "socketcall" : name in IPC_CALLS ? "ipc" : undefined;
  if (mux === undefined) return undefined;
  const nr = syscallNr(abi, mux);
  if (nr === undefined) return undefined;
  return { nr, call: socket >= 0 ? socket + 1 : IPC_CALLS[name]! };
}

/** Does `abi` have the multiplexers libseccomp adds rules to? */
export const hasMultiplexers = (abi: AbiName): boolean => syscallNr(abi, "socketcall") !== undefined;

/**
 * The number libseccomp's seccomp_syscall_resolve_name_arch gives `name` on `abi`, which is
 * what runc's ENOSYS stub counts: the multiplexer's for a multiplexed call, else the table's.
 */
export function libseccompNr(abi: AbiName, name: string): number | undefined {
  return multiplexerOf(abi, name)?.nr ?? syscallNr(abi, name);
}

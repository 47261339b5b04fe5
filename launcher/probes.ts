// Harmless invalid calls that tell what the engine answers for a syscall without doing
// anything: each one fails in the kernel's argument checks (EINVAL, EBADF) when the syscall is
// allowed, with EPERM when a seccomp profile refuses it, ENOSYS when the kernel lacks it.
import type { Bootstrap } from "./bootstrap.ts";

const ALL_BITS = 0xffffffff;

/** Arguments per syscall name; every check cited is the first one the kernel makes. */
export const PROBE_ARGS: Readonly<Record<string, readonly number[]>> = {
  clone3: [0, 0], // size 0 < CLONE_ARGS_SIZE_VER0
  faccessat2: [ALL_BITS, 0, ALL_BITS, ALL_BITS], // mode & ~S_IRWXO
  fchmodat2: [ALL_BITS, 0, 0, ALL_BITS], // flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)
  close_range: [1, 0, ALL_BITS], // unknown flags (and fd > max_fd): closes nothing
  epoll_pwait2: [ALL_BITS, 0, 0, 0, 0, 0], // epfd -1 (EBADF), maxevents <= 0 (EINVAL)
  openat2: [ALL_BITS, 0, 0, 0], // usize < OPEN_HOW_SIZE_VER0
  statx: [ALL_BITS, 0, ALL_BITS, ALL_BITS, 0], // flags: both AT_STATX_SYNC_TYPE bits, unknown bits
  pidfd_open: [0, ALL_BITS], // unknown flags (then pid <= 0)
  pidfd_send_signal: [ALL_BITS, 0, 0, ALL_BITS], // unknown flags, before the fd is looked up
};

/**
 * Which of PROBE_ARGS[name] that first check reads. The stub loads only these: the check fails
 * before the kernel looks at any other argument, so whatever the other registers hold is harmless.
 */
export const PROBE_DECIDING_ARGS: Readonly<Record<string, readonly number[]>> = {
  clone3: [1], // the size, checked before uargs is read
  faccessat2: [2],
  fchmodat2: [3],
  close_range: [2], // flags are checked before fd > max_fd
  epoll_pwait2: [2, 3, 4], // timeout (NULL: not read), sigmask (NULL: not set), then maxevents
  openat2: [3],
  statx: [0, 1, 2, 3, 4], // the filename is looked up first on some kernels: set everything
  pidfd_open: [1],
  pidfd_send_signal: [3],
};

export type Answer = "ok" | "EPERM" | "ENOSYS";
const EPERM = 1;
const ENOSYS = 38;

/** An errno from a probe call, as --doctor reports it: anything but EPERM/ENOSYS means allowed. */
export function answerOf(errno: number): Answer {
  if (errno === EPERM) return "EPERM";
  if (errno === ENOSYS) return "ENOSYS";
  return "ok";
}

/**
 * What the engine answers for `name` (native syscall number `nr`): clone3 as cli.ts probed it
 * before any filter of ours went in (the bootstrap may hide it since), the others probed now.
 */
export function engineAnswer(name: string, nr: number | undefined, boot: Pick<Bootstrap, "clone3Errno" | "probe">): Answer | "not probed" {
  if (name === "clone3") return answerOf(boot.clone3Errno);
  const args = PROBE_ARGS[name];
  if (nr === undefined || args === undefined) return "not probed";
  return answerOf(boot.probe(nr, args));
}

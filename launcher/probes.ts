// Harmless invalid calls that tell what the engine answers for a syscall without doing
// anything: each one fails in the kernel's argument checks (EINVAL, EBADF) when the syscall is
// allowed, with EPERM when a seccomp profile refuses it, ENOSYS when the kernel lacks it.
import type { Bootstrap } from "./bootstrap.ts";

const ALL_BITS = 0xffffffff;
/** Past every static clock (CLOCK_TAI is 11) and positive, so no CPU or fd clock either. */
const BAD_CLOCK = 0x7fffffff;
const FUTEX_WAKE_PRIVATE = 1 | 128;

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
  // The time64 family (32-bit ABIs). A clockid past the static clocks has no k_clock (EINVAL);
  // a negative one would name a CPU or fd clock. NULL timeouts are not read.
  clock_gettime64: [BAD_CLOCK, 0], // no k_clock
  clock_adjtime64: [BAD_CLOCK, 0], // the NULL timex is copied in first (EFAULT)
  clock_getres_time64: [BAD_CLOCK, 0], // no k_clock
  clock_nanosleep_time64: [BAD_CLOCK, 0, 0, 0], // no k_clock, before rqtp is read: never sleeps
  timer_gettime64: [ALL_BITS, 0], // timer id -1 is never a timer (EINVAL)
  timer_settime64: [ALL_BITS, 0, 0, 0], // a NULL new_setting (EINVAL)
  timerfd_gettime64: [ALL_BITS, 0], // fd -1 (EBADF)
  timerfd_settime64: [ALL_BITS, 0, 0, 0], // the NULL utmr is copied in first (EFAULT)
  utimensat_time64: [ALL_BITS, 0, 0, ALL_BITS], // NULL times, NULL path on fd -1: unknown flags (EINVAL) or EBADF
  pselect6_time64: [ALL_BITS, 0, 0, 0, 0, 0], // NULL timeout and sigmask, then n < 0 (EINVAL): never waits
  ppoll_time64: [0, ALL_BITS, 0, 0, 0], // NULL timeout and sigmask, then nfds > RLIMIT_NOFILE (EINVAL): never waits
  recvmmsg_time64: [ALL_BITS, 0, 0, ALL_BITS, 0], // flags with MSG_CMSG_COMPAT (EINVAL), or fd -1 (EBADF)
  mq_timedsend_time64: [ALL_BITS, 0, 0, ALL_BITS, 0], // NULL timeout, then msg_prio >= MQ_PRIO_MAX (EINVAL)
  mq_timedreceive_time64: [ALL_BITS, 0, 0, 0, 0], // NULL timeout, then mqd -1 (EBADF)
  semtimedop_time64: [ALL_BITS, 0, 0, 0], // NULL timeout, then nsops 0 / semid < 0 (EINVAL)
  rt_sigtimedwait_time64: [0, 0, 0, ALL_BITS], // sigsetsize != sizeof(sigset_t) (EINVAL)
  futex_time64: [1, FUTEX_WAKE_PRIVATE, 0, 0, 0, 0], // wake at a misaligned uaddr (EINVAL): wakes nothing
  sched_rr_get_interval_time64: [ALL_BITS, 0], // pid < 0 (EINVAL)
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
  clock_gettime64: [0],
  clock_adjtime64: [0, 1],
  clock_getres_time64: [0],
  clock_nanosleep_time64: [0],
  timer_gettime64: [0],
  timer_settime64: [2],
  timerfd_gettime64: [0],
  timerfd_settime64: [2],
  utimensat_time64: [0, 1, 2, 3],
  pselect6_time64: [0, 4, 5],
  ppoll_time64: [1, 2, 3],
  recvmmsg_time64: [0, 3, 4], // compat ABIs skip the flags check: fd -1 and a NULL timeout then
  mq_timedsend_time64: [3, 4],
  mq_timedreceive_time64: [0, 4],
  semtimedop_time64: [0, 2, 3],
  rt_sigtimedwait_time64: [3],
  futex_time64: [0, 1],
  sched_rr_get_interval_time64: [0],
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

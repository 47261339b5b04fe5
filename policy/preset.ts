// The built-in policy: allow everything, answer the hidden syscalls with ENOSYS. It covers every
// ABI of the kernel arch, and the bad-arch action equals the default, so an i386, x32, arm or
// s390 process is served like a native one instead of being killed (libseccomp's default, and
// upstream clone3-workaround's behaviour, is to kill it).
//
// The arm kernel arch covers aarch64 too: a 32-bit stub on an aarch64 kernel (a Raspberry Pi OS
// 32-bit userland on its 64-bit kernel) must also serve the 64-bit programs the wrapped tree may
// exec. The kernel tells the two apart by seccomp_data.arch, which the filter inherits across
// execve: AUDIT_ARCH_ARM (0x40000028) for an AArch32 task, on an arm or an aarch64 kernel, and
// AUDIT_ARCH_AARCH64 (0xc00000b7) for a 64-bit one. The numbers alone cannot (clone3 is 435 in
// both), so the program compares the arch wherever the two ABIs' answers differ.

import { abisOf, scmpArchToAbi, syscallNr } from "../arch/index.ts";
import type { KernelArch } from "../arch/types.ts";
import { ENOSYS, allow, errno } from "./action.ts";
import { list, PolicyError, quote } from "./errors.ts";
import { OCI_ARCHES, type OciSeccomp } from "./oci.ts";
import type { ResolvedPolicy } from "./resolved.ts";

/**
 * The time64 family of the 32-bit ABIs (i386, arm, s390; Linux 5.1): glibc >= 2.34 and musl >= 1.2
 * call the time64 syscall first and the old 32-bit one only on ENOSYS, so on an engine over a
 * libseccomp that predates the names (< 2.4.2: Raspbian buster's 2.3.3 drops them from moby's
 * profile) they get the default EPERM: `sleep: cannot read realtime clock`, `date` printing 1900.
 * Per name: the 32-bit call it falls back to; the glibc file (in sysdeps/unix/sysv/linux/ unless
 * a directory is given, under sysdeps/) and the musl file (under src/) whose ENOSYS check does
 * it. For calls that take a time (setters, sleeps, timeouts) musl, and glibc too (Debian's 2.41
 * slept 1 s through the 32-bit clock_nanosleep under a filter refusing the time64 one), try the
 * time64 call only when the time does not fit 32 bits; the getters always try it first.
 * Not in the set: clock_settime64 (moby's profiles do not name it, and without CAP_SYS_TIME its
 * EPERM is a real answer, as pidfd_getfd's is) and io_pgetevents_time64 (neither glibc nor musl
 * wraps it; libaio does).
 */
export const TIME64_FALLBACKS: Readonly<Record<string, readonly [fallback: string, glibc: string, musl: string]>> = {
  clock_gettime64: ["clock_gettime", "clock_gettime.c", "time/clock_gettime.c"],
  clock_adjtime64: ["clock_adjtime", "clock_adjtime.c", "linux/clock_adjtime.c"],
  clock_getres_time64: ["clock_getres", "clock_getres.c", "time/clock_getres.c"],
  clock_nanosleep_time64: ["clock_nanosleep", "clock_nanosleep.c", "time/clock_nanosleep.c"],
  timer_gettime64: ["timer_gettime", "timer_gettime.c", "time/timer_gettime.c"],
  timer_settime64: ["timer_settime", "timer_settime.c", "time/timer_settime.c"],
  timerfd_gettime64: ["timerfd_gettime", "timerfd_gettime.c", "linux/timerfd.c"],
  timerfd_settime64: ["timerfd_settime", "timerfd_settime.c", "linux/timerfd.c"],
  utimensat_time64: ["utimensat", "utimensat.c", "stat/utimensat.c"],
  pselect6_time64: ["pselect6", "pselect.c", "select/pselect.c"],
  ppoll_time64: ["ppoll", "ppoll.c", "linux/ppoll.c"],
  recvmmsg_time64: ["recvmmsg", "recvmmsg.c", "network/recvmmsg.c"],
  mq_timedsend_time64: ["mq_timedsend", "mq_timedsend.c", "mq/mq_timedsend.c"],
  mq_timedreceive_time64: ["mq_timedreceive", "mq_timedreceive.c", "mq/mq_timedreceive.c"],
  semtimedop_time64: ["semtimedop", "semtimedop.c", "ipc/semtimedop.c"],
  rt_sigtimedwait_time64: ["rt_sigtimedwait", "sigtimedwait.c", "signal/sigtimedwait.c"],
  futex_time64: ["futex", "nptl/futex-internal.c", "thread/__timedwait.c"],
  sched_rr_get_interval_time64: ["sched_rr_get_interval", "sched_rr_gi.c", "sched/sched_rr_get_interval.c"],
};

function time64Entries(): Record<string, string> {
  return Object.fromEntries(Object.entries(TIME64_FALLBACKS).map(([name, [fallback, glibc, musl]]) => [
    name,
    `32-bit ABIs only: glibc >= 2.34 (sysdeps/${glibc.includes("/") ? glibc : `unix/sysv/linux/${glibc}`}) and musl >= 1.2 (src/${musl}) fall back to ${fallback} only on ENOSYS; ` +
      "broke on engines over libseccomp < 2.4.2, e.g. Raspberry Pi OS buster's 2.3.3",
  ]));
}

/**
 * Syscalls that old engines answer with EPERM (not in their profile, EPERM by default; or named
 * there but dropped because the host's libseccomp predates the name) while a libc or a common
 * library tries them first and falls back to an older call only on ENOSYS. Hiding one is safe:
 * the caller then behaves as on a kernel that predates it. Each entry: who falls back; where it
 * broke. The stub's auto-hide probes each one (launcher/probes.ts has the harmless calls).
 */
export const KNOWN_HIDEABLE: Readonly<Record<string, string>> = {
  clone3: "glibc >= 2.34 pthread_create and posix_spawn fall back to clone only on ENOSYS; broke on Docker <= 20.10.9, containerd CRI < 1.5.6 and < 1.4.10",
  faccessat2: "glibc >= 2.33 faccessat and musl >= 1.2.2 (with flags) fall back to faccessat only on ENOSYS; broke on Docker < 20.10.6 and GKE's COS",
  fchmodat2: "glibc >= 2.39 and musl >= 1.2.5 fchmodat(AT_SYMLINK_NOFOLLOW) fall back to O_PATH + /proc only on ENOSYS; broke on current Docker on hosts whose libseccomp predates it (tar: Cannot change mode)",
  close_range: "glib >= 2.72 and other closefrom() users fall back to closing fds one by one only on ENOSYS; broke on engines over libseccomp 2.5.1",
  epoll_pwait2: "event loops (syslog-ng/ivykis, Ruby io-event, PHP) try epoll_pwait2 and fall back to epoll_pwait only on ENOSYS; broke on Docker 19.03 and on hosts whose libseccomp predates it",
  openat2: "path resolvers (systemd, cap-std) try openat2 and fall back to openat walks only on ENOSYS; broke on Docker 19.03",
  statx: "glibc >= 2.33 fstatat on 32-bit ABIs, libuv and the JDK fall back to stat calls only on ENOSYS; broke on Docker < 18.04",
  pidfd_open: "pidfd users (Go >= 1.23 os, GLib child watches, Python asyncio) take ENOSYS as a kernel < 5.3 and fall back to PIDs and SIGCHLD; broke on Docker < 20.10 and containerd < 1.4.2 (docker/for-linux#1142)",
  pidfd_send_signal: "pidfd users (Go >= 1.23 os, util-linux kill) take ENOSYS as a kernel < 5.1 and fall back to kill(2); broke on Docker < 20.10 and containerd < 1.4.2 (docker/for-linux#1142)",
  ...time64Entries(),
};
// Left out on purpose: pidfd_getfd. Docker >= 20.10 allows it only with CAP_SYS_PTRACE, so in a
// default container its EPERM is a real permission answer that no probe can tell from a missing
// name; hiding it would tell callers "kernel < 5.6" and make auto-hide install on every engine.

/** What the tool hides when nothing else is asked for. */
export const DEFAULT_HIDE: readonly string[] = ["clone3"];

/**
 * Default ALLOW; every name in `names` -> ERRNO(ENOSYS) on each ABI of `kernelArch` that has it.
 * A name no ABI of the arch knows is an error (a typo would otherwise hide nothing).
 */
export function hidePreset(names: readonly string[], kernelArch: KernelArch): ResolvedPolicy {
  const abis = abisOf(kernelArch);
  const unknown = names.filter((name) => abis.every((facts) => syscallNr(facts.name, name) === undefined));
  if (unknown.length > 0) {
    throw new PolicyError(`cannot hide ${list(unknown.map((n) => quote(n)))}: no such syscall on ${kernelArch}`);
  }
  const unique = [...new Set(names)];
  return {
    kernelArch,
    bigEndian: abis[0]!.bigEndian,
    defaultAction: allow(),
    badArchAction: allow(),
    abis: abis.map((abi) => ({
      abi,
      rules: unique.flatMap((name) => {
        const nr = syscallNr(abi.name, name);
        return nr === undefined ? [] : [{ nr, action: errno(ENOSYS), conds: [] }];
      }),
    })),
  };
}

/**
 * The same preset as an OCI linux.seccomp object, for an engine's profile or a runc bundle:
 * every ABI of the arch listed, the hidden names answered with ENOSYS.
 */
export function hidePresetOci(names: readonly string[], kernelArch: KernelArch): OciSeccomp {
  hidePreset(names, kernelArch); // same validation: every name must exist on the arch
  const abis = new Set(abisOf(kernelArch).map((facts) => facts.name));
  const architectures = OCI_ARCHES.filter((scmp) => {
    const abi = scmpArchToAbi(scmp);
    return abi !== undefined && abis.has(abi);
  });
  return {
    defaultAction: "SCMP_ACT_ALLOW",
    architectures,
    syscalls: [{ names: [...new Set(names)], action: "SCMP_ACT_ERRNO", errnoRet: ENOSYS }],
  };
}

/** The `clone3` preset. */
export const clone3Preset = (kernelArch: KernelArch): ResolvedPolicy => hidePreset(DEFAULT_HIDE, kernelArch);

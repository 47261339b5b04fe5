// The built-in policy: allow everything, answer the hidden syscalls with ENOSYS. It covers every
// ABI of the kernel arch, and the bad-arch action equals the default, so an i386, x32, arm or
// s390 process is served like a native one instead of being killed (libseccomp's default, and
// upstream clone3-workaround's behaviour, is to kill it).

import { abisOf, scmpArchToAbi, syscallNr } from "../arch/index.ts";
import type { KernelArch } from "../arch/types.ts";
import { ENOSYS, allow, errno } from "./action.ts";
import { list, PolicyError, quote } from "./errors.ts";
import { OCI_ARCHES, type OciSeccomp } from "./oci.ts";
import type { ResolvedPolicy } from "./resolved.ts";

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

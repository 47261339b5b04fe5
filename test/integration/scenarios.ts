// The scenarios, as data: which seccomp profile the legacy engine (runc) applies, what the
// container runs, and what each probe check must report. One VM boot per suite and arch runs
// every selected scenario in turn (guest/init.sh); the host compares the C3W:CHECK lines and,
// where a scenario names them, the container's exit status and output lines.
//
// Probe checks (guest/probe.sh, guest/probe.py):
//   clone3       errno of raw clone3(NULL, 0): EINVAL unfiltered, else the filter's answer
//   threads      Python threading.Thread start (glibc pthread_create)
//   posix_spawn  os.posix_spawn of /bin/sh (glibc __spawni)
//   xz           xz -T2 over 4 blocks
//   apt          apt-get update from a file: repository with a Post-Invoke hook (the seed's symptom)
//   clone3_i386  raw clone3 from a static i386 binary (x86_64 only)
//   *_arm        bits (32), clone3, threads, posix_spawn from Debian's armhf python3 (aarch64 only)
//   clone3_child how a child making a raw clone3 ends: returned, or SIGSYS
//   bun          the launcher binary as plain Bun (BUN_BE_BUN=1) compiling a WebAssembly module
//   filters      Seccomp_filters in /proc/self/status: how many filters are stacked
//   nnp          NoNewPrivs
import type { KernelArch } from "../../arch/types.ts";

/** `-fixed`: that profile as `--fix-profile` writes it (policy/fix.ts). */
export type Profile = "moby-v20.10.9" | "moby-v20.10.10" | "moby-v20.10.9-fixed" | "moby-v20.10.9-libseccomp23" | "unconfined";
export type Expect = string | RegExp;

/** Guest paths of what a run put in the payload's slots (absent when the run has none). */
export interface Slots {
  /** The wrapper under test inside the container (launcher binary or stub), from --wrapper or --stub. */
  wrapper?: string;
  /** The init stub (`--emit-stub --init`) inside the container, from --stub. */
  init?: string;
  /** The compiled Bun launcher inside the container, from --launcher (Bun builds x86_64 and aarch64 only). */
  launcher?: string;
  /** The aarch64 stub emitted with `--hide clone3,` and the time64 names (aarch64 guest, --stub). */
  time64Wrapper?: string;
  /** The arm stub, on a guest whose own wrapper is another arch's (aarch64, --stub). */
  armWrapper?: string;
  /** The container image has python3 (FILTER needs it; a --rootfs image may lack it). */
  python3: boolean;
}

export interface Scenario {
  name: string;
  profile: Profile;
  /** The container's process.args, or null when what it needs is missing (reported as "n/a"). */
  args(slots: Slots): string[] | null;
  expect: Record<string, Expect>;
  /** Extra environment for the container process ("NAME=value"). */
  env?: string[];
  /** Only on these arches (default: all). */
  arches?: KernelArch[];
  /** Needs the arch's compat-ABI userland (GUEST_ARCHES[arch].compat) in the guest. */
  compat?: boolean;
  /** Self-test scenarios are expected to FAIL; they run only under --self-test. */
  selfTest?: boolean;
  /** The container's exit status (`runc run`'s), when it is part of the contract. */
  exit?: number;
  /** Lines the container's output must contain (besides markers), e.g. --doctor's report. */
  output?: RegExp[];
  /** Save the container's output beside the console log (SCENARIO.txt) and print where. */
  capture?: boolean;
  /** Kernel parameters of its own: such scenarios run in a boot of their own, with these added. */
  kernelArgs?: string;
  /** The oldest guest kernel it applies to ("6.7"): an older one ignores its kernelArgs (n/a there). */
  minKernel?: string;
}

/** Whether the scenario applies to a guest kernel of this release ("6.1.0-50-amd64"). */
export function kernelFits(s: Scenario, release: string): boolean {
  if (!s.minKernel) return true;
  const [major = 0, minor = 0] = release.split(/[.-]/).map(Number);
  const [wantMajor = 0, wantMinor = 0] = s.minKernel.split(".").map(Number);
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

export const PROBE = ["/bin/sh", "/.harness/probe.sh"];
/** The static busybox every container gets (guest/init.sh): the image may lack coreutils. */
const BB = "/.harness/busybox";
/** probe.sh's groups: its default set plus the stacking probe. */
const ALL_BUT_I386 = ["status", "python", "xz", "apt", "stacking"];
/** guest/seccomp-filter.py: `python3 FILTER NR=ACTION... -- CMD`, one more filter then exec. */
export const FILTER = "/.harness/seccomp-filter.py";

/** What glibc >= 2.34 does when clone3 is refused with EPERM (no fallback to clone). */
const BROKEN = {
  clone3: "EPERM", threads: "fail", posix_spawn: "fail",
  // Measured (xz 5.4 and 5.8): the failed pthread_create surfaces as "Cannot allocate memory",
  // exit 1; xz does not fall back to one thread.
  xz: "fail",
  // Measured: "E: Problem executing scripts APT::Update::Post-Invoke ...", the seed's message.
  apt: "fail",
  filters: "1", nnp: "0",
} as const;

/** What it does when clone3 says ENOSYS: falls back to clone and works. */
const WORKING = { clone3: "ENOSYS", threads: "ok", posix_spawn: "ok", xz: "ok", apt: "ok", filters: "1", nnp: "0" } as const;

/**
 * WORKING under a second filter. Docker's default capabilities lack CAP_SYS_ADMIN, so
 * installing that filter needs no_new_privs.
 */
const FIXED = { ...WORKING, filters: "2", nnp: "1" } as const;

/** The rows whose v20.10.10 expectation (nothing to hide) holds: not arm, see wrapper-v10-arm. */
const NOT_ARM: KernelArch[] = ["x86_64", "aarch64", "ppc64le", "s390x"];

/**
 * An arm (32-bit EABI) process on aarch64, Debian's armhf glibc 2.41: measured, it also uses
 * clone3 for threads and posix_spawn, so it breaks the same way and is fixed the same way.
 */
const ARM_BROKEN = { bits_arm: "32", clone3_arm: "EPERM", threads_arm: "fail", posix_spawn_arm: "fail" } as const;
const ARM_FIXED = { bits_arm: "32", clone3_arm: "ENOSYS", threads_arm: "ok", posix_spawn_arm: "ok" } as const;

/**
 * A 32-bit process under an engine over libseccomp 2.3 (engine/profiles.ts withoutTime64), with
 * glibc 2.41. Measured on the arm guest (6.12 armmp, QEMU virt) and the aarch64 guest's armhf
 * chroot: see TIME64_BROKEN's comments for which calls reach the filter.
 */
const TIME64_BROKEN = {
  // glibc >= 2.34 sleeps with the 32-bit clock_nanosleep whenever the time fits in 32 bits.
  sleep: "ok", py_sleep: "ok",
  // The vDSO serves clock_gettime64 with no syscall on these kernels.
  date: "ok", py_time: "ok",
  // What glibc calls where the vDSO cannot serve it, and the sleep for a time past 2038.
  clock_gettime64: "EPERM", clock_nanosleep_time64: "EPERM",
  bits: "32",
} as const;
/** Hidden: the raw calls say ENOSYS, so glibc would fall back to the 32-bit ones. */
const TIME64_HIDDEN = { ...TIME64_BROKEN, clock_gettime64: "ENOSYS", clock_nanosleep_time64: "ENOSYS" } as const;
/** ... with clone3 hidden too, by a second filter (the native checks of probe.py). */
const TIME64_WRAPPED = { ...TIME64_HIDDEN, clone3: "ENOSYS", threads: "ok", posix_spawn: "ok", filters: "2", nnp: "1" } as const;
const arm = <T extends Record<string, string>>(checks: T) => Object.fromEntries(Object.entries(checks).map(([k, v]) => [`${k}_arm`, v]));

export const SCENARIOS: Scenario[] = [
  {
    // The probes themselves work, and clone3 is not refused by anything but the profile.
    name: "unconfined",
    profile: "unconfined",
    args: () => PROBE,
    expect: { ...WORKING, clone3: "EINVAL", filters: "0" },
  },
  { name: "baseline-v9", profile: "moby-v20.10.9", args: () => PROBE, expect: BROKEN },
  { name: "control-v10", profile: "moby-v20.10.10", args: () => PROBE, expect: WORKING },
  {
    // The engine-side fix: runc installs v20.10.9 as --fix-profile writes it, and no wrapper runs.
    // Threads, posix_spawn and xz -T2 work with the engine's one filter, like control-v10.
    name: "fixed-profile-v9",
    profile: "moby-v20.10.9-fixed",
    args: () => PROBE,
    expect: WORKING,
  },
  {
    // The fix done by hand, independently of the product: one more filter answering clone3 with
    // ENOSYS, stacked over the v9 profile (the newest filter's errno wins). What wrapper-v9 must
    // match, on every arch.
    name: "reference-fix-v9",
    profile: "moby-v20.10.9",
    args: (s) => (s.python3 ? ["python3", FILTER, "435=errno:38", "--", ...PROBE] : null),
    expect: FIXED,
  },
  {
    // The fix: the wrapper as the container's entrypoint (PID 1) under the broken engine.
    name: "wrapper-v9",
    profile: "moby-v20.10.9",
    args: (s) => (s.wrapper ? [s.wrapper, "--", ...PROBE, ...ALL_BUT_I386] : null),
    // clone3_child: the control for stacking-trap-v9 (without an outer TRAP the child lives).
    expect: { ...FIXED, clone3_child: "returned" },
  },
  {
    // auto under a fixed engine installs nothing: clone3 already says ENOSYS.
    name: "wrapper-v10",
    profile: "moby-v20.10.10",
    args: (s) => (s.wrapper ? [s.wrapper, "--", ...PROBE] : null),
    expect: WORKING,
    arches: NOT_ARM,
  },
  {
    // Not so on arm: moby names ARM-private calls (set_tls is 0xf0005), which lifts runc's
    // ENOSYS-above-the-highest-name stub past every new syscall, so fchmodat2 (452) stays EPERM
    // under v20.10.10 too, and auto rightly hides it.
    name: "wrapper-v10-arm",
    profile: "moby-v20.10.10",
    args: (s) => (s.wrapper ? [s.wrapper, "--", ...PROBE] : null),
    expect: FIXED,
    arches: ["arm"],
  },
  {
    // A compat-ABI (i386) process: moby's profile covers SCMP_ARCH_X86 too, so it has the bug.
    name: "i386-v9",
    profile: "moby-v20.10.9",
    args: () => [...PROBE, "status", "i386"],
    expect: { clone3_i386: "EPERM", filters: "1", nnp: "0" },
    arches: ["x86_64"],
  },
  {
    // ... and the wrapper's filter must cover that ABI as well.
    name: "i386-wrapper-v9",
    profile: "moby-v20.10.9",
    args: (s) => (s.wrapper ? [s.wrapper, "--", ...PROBE, "status", "i386"] : null),
    expect: { clone3_i386: "ENOSYS", filters: "2", nnp: "1" },
    arches: ["x86_64"],
  },
  {
    // The time64 family from an i386 process, under an engine over libseccomp 2.3 (every
    // *_time64 name dropped from v20.10.9): EPERM, which glibc does not fall back from.
    name: "time64-i386-v9",
    profile: "moby-v20.10.9-libseccomp23",
    args: () => [...PROBE, "status", "time64_i386"],
    expect: { clock_gettime64_i386: "EPERM", filters: "1", nnp: "0" },
    arches: ["x86_64"],
  },
  {
    // ... hidden by the x86_64 stub's i386 probe (int 0x80, in a child): ENOSYS, clone3 too.
    name: "time64-i386-wrapper-v9",
    profile: "moby-v20.10.9-libseccomp23",
    args: (s) => (s.wrapper ? [s.wrapper, "--", ...PROBE, "status", "python", "time64_i386"] : null),
    expect: { clock_gettime64_i386: "ENOSYS", clone3: "ENOSYS", threads: "ok", posix_spawn: "ok", filters: "2", nnp: "1" },
    arches: ["x86_64"],
  },
  {
    // A kernel that runs no i386 program (ia32_emulation=0, Linux >= 6.7): the stub's i386 probe
    // raises SIGSEGV in its child; the stub goes on, hides clone3, and passes the exit status on.
    name: "no-ia32-wrapper-v9",
    profile: "moby-v20.10.9",
    args: (s) => (s.wrapper ? [s.wrapper, "--", "/bin/sh", "-c", `${PROBE.join(" ")} status python ia32; exit 3`] : null),
    expect: { ia32: "off", clone3: "ENOSYS", threads: "ok", posix_spawn: "ok", filters: "2", nnp: "1" },
    exit: 3,
    arches: ["x86_64"],
    kernelArgs: "ia32_emulation=0",
    minKernel: "6.7", // ia32_emulation= is Linux 6.7's
  },
  {
    // ... and under the fixed engine installs nothing (no native probe answers EPERM, so the i386
    // probe is not even made).
    name: "no-ia32-wrapper-v10",
    profile: "moby-v20.10.10",
    args: (s) => (s.wrapper ? [s.wrapper, "--", "/bin/sh", "-c", `${PROBE.join(" ")} status python ia32; exit 3`] : null),
    expect: { ia32: "off", clone3: "ENOSYS", threads: "ok", posix_spawn: "ok", filters: "1", nnp: "0" },
    exit: 3,
    arches: ["x86_64"],
    kernelArgs: "ia32_emulation=0",
    minKernel: "6.7", // ia32_emulation= is Linux 6.7's
  },
  {
    // A compat-ABI (arm, EABI) process on aarch64: Debian's armhf python3 in a chroot. Moby's
    // profile lists SCMP_ARCH_ARM beside SCMP_ARCH_ARM64, so its raw clone3 gets EPERM too.
    name: "arm-v9",
    profile: "moby-v20.10.9",
    args: () => [...PROBE, "status", "arm"],
    expect: { ...ARM_BROKEN, filters: "1", nnp: "0" },
    arches: ["aarch64"],
    compat: true,
  },
  {
    // ... and the wrapper's filter covers the arm ABI as well.
    name: "arm-wrapper-v9",
    profile: "moby-v20.10.9",
    args: (s) => (s.wrapper ? [s.wrapper, "--", ...PROBE, "status", "arm"] : null),
    expect: { ...ARM_FIXED, filters: "2", nnp: "1" },
    arches: ["aarch64"],
    compat: true,
  },
  {
    // Stacking: an outer TRAP for clone3, installed before the wrapper, still wins over the
    // wrapper's ERRNO (the kernel takes the highest-precedence action of all filters). "always"
    // because an auto-mode wrapper's own clone3 probe would be trapped first.
    name: "stacking-trap-v9",
    profile: "moby-v20.10.9",
    env: ["CLONE3_WORKAROUND_MODE=always"],
    args: (s) => (s.wrapper && s.python3 ? ["python3", FILTER, "435=trap", "--", s.wrapper, "--", ...PROBE, "status", "stacking"] : null),
    expect: { clone3_child: "SIGSYS", filters: "3", nnp: "1" },
  },
  {
    // The compiled Bun launcher as PID 1 under the broken engine. Bun starts threads early (JIT,
    // module loader); the launcher must install its clone3 -> ENOSYS bootstrap filter before
    // any, or it aborts before running anything. aarch64 proves it: glibc 2.41 uses clone3 there.
    name: "launcher-v9",
    profile: "moby-v20.10.9",
    args: (s) => (s.launcher ? [s.launcher, "--", ...PROBE, ...ALL_BUT_I386, "bun"] : null),
    // bun: plain Bun works once the launcher's filter is in place (bun-v9 is the control).
    expect: { ...FIXED, clone3_child: "returned", bun: "ok" },
  },
  {
    // auto under the fixed engine: the launcher installs nothing and execs.
    name: "launcher-v10",
    profile: "moby-v20.10.10",
    args: (s) => (s.launcher ? [s.launcher, "--", ...PROBE, "status", "python", "xz", "apt", "bun"] : null),
    expect: { ...WORKING, bun: "ok" },
  },
  {
    // The hazard the launcher's bootstrap exists for: plain Bun (the same binary, its entry
    // point skipped) under the broken engine dies at its first thread.
    name: "bun-v9",
    profile: "moby-v20.10.9",
    args: (s) => (s.launcher ? [...PROBE, "status", "bun"] : null),
    expect: { bun: "fail", filters: "1", nnp: "0" },
  },
  {
    // The launcher's filter covers the i386 ABI of an x86_64 host too.
    name: "launcher-i386-v9",
    profile: "moby-v20.10.9",
    args: (s) => (s.launcher ? [s.launcher, "--", ...PROBE, "status", "i386"] : null),
    expect: { clone3_i386: "ENOSYS", filters: "2", nnp: "1" },
    arches: ["x86_64"],
  },
  {
    // The launcher's filter covers the arm ABI of an aarch64 host too.
    name: "launcher-arm-v9",
    profile: "moby-v20.10.9",
    args: (s) => (s.launcher ? [s.launcher, "--", ...PROBE, "status", "arm"] : null),
    expect: { ...ARM_FIXED, filters: "2", nnp: "1" },
    arches: ["aarch64"],
    compat: true,
  },
  {
    // --doctor inside the broken engine's container: clone3 answers EPERM, so the workaround is
    // needed and doctor exits 1 (launcher/commands/doctor.ts). The report is saved per arch.
    name: "doctor-v9",
    profile: "moby-v20.10.9",
    args: (s) => (s.launcher ? [s.launcher, "--doctor"] : null),
    expect: {},
    exit: 1,
    output: [/^\s*clone3\s+EPERM\s*$/, /^seccomp: filter, 1 filter\(s\) from the engine/, /^would do \(mode auto\): install a filter/],
    capture: true,
  },
  {
    // ... and under the fixed engine: clone3 says ENOSYS, nothing to do, exit 0.
    name: "doctor-v10",
    profile: "moby-v20.10.10",
    args: (s) => (s.launcher ? [s.launcher, "--doctor"] : null),
    expect: {},
    exit: 0,
    output: [/^\s*clone3\s+ENOSYS\s*$/, /^seccomp: filter, 1 filter\(s\) from the engine$/, /^NoNewPrivs: 0$/, /^would do \(mode auto\): exec the command, install nothing/],
    capture: true,
  },
  {
    // The host-wide fix: the init stub as the container's init (dockerd's `init-path`, podman's
    // `init_path`): PID 1 is the stub with `-- CMD`, and the command is fixed under v9.
    name: "init-v9",
    profile: "moby-v20.10.9",
    args: (s) => (s.init ? [s.init, "--", "/bin/sh", "-c", `echo "pid1: $(${BB} tr '\\0' ' ' < /proc/1/cmdline)"; exec ${PROBE.join(" ")} ${ALL_BUT_I386.join(" ")}`] : null),
    expect: { ...FIXED, clone3_child: "returned" },
    output: [/^pid1: \/\.harness\/init\/docker-init -- \/bin\/sh -c /],
  },
  {
    // auto under the fixed engine: nothing answers EPERM, so the init installs nothing.
    name: "init-v10",
    profile: "moby-v20.10.10",
    args: (s) => (s.init ? [s.init, "--", ...PROBE] : null),
    expect: WORKING,
    arches: NOT_ARM,
  },
  {
    // On arm fchmodat2 stays EPERM under v20.10.10 (see wrapper-v10-arm).
    name: "init-v10-arm",
    profile: "moby-v20.10.10",
    args: (s) => (s.init ? [s.init, "--", ...PROBE] : null),
    expect: FIXED,
    arches: ["arm"],
  },
  {
    // `docker stop` sends SIGTERM to PID 1: the init forwards it, the command dies with it, and
    // the init exits 143 (an init that ignored it would let sleep finish: exit 0 after 30 s).
    name: "init-term-v9",
    profile: "moby-v20.10.9",
    args: (s) => (s.init ? [s.init, "--", "/bin/sh", "-c", `kill -TERM 1; exec ${BB} sleep 30`] : null),
    expect: {},
    exit: 143,
  },
  {
    // Exit codes pass through, and so do deaths by signal (128 + the signal).
    name: "init-exit-v9",
    profile: "moby-v20.10.9",
    args: (s) => (s.init ? [s.init, "--", "/bin/sh", "-c", "exit 7"] : null),
    expect: {},
    exit: 7,
  },
  {
    name: "init-signal-v9",
    profile: "moby-v20.10.9",
    args: (s) => (s.init ? [s.init, "--", "/bin/sh", "-c", "kill -SEGV $$"] : null),
    expect: {},
    exit: 139,
  },
  {
    // An orphaned grandchild is reparented to PID 1, the init, which reaps it: /proc shows no
    // zombie a moment after it exits.
    name: "init-orphan-v9",
    profile: "moby-v20.10.9",
    args: (s) => (s.init ? [s.init, "--", "/bin/sh", "-c", `(${BB} sleep 0.2 &); ${BB} sleep 1; echo "zombies: $(${BB} cat /proc/[0-9]*/stat 2>/dev/null | ${BB} awk '$3 == "Z"' | ${BB} wc -l)"`] : null),
    expect: {},
    exit: 0,
    output: [/^zombies: 0$/],
  },
  {
    // Raspberry Pi OS's engines (libseccomp 2.3): every *_time64 call gets EPERM, and clone3 too.
    name: "time64-v9",
    profile: "moby-v20.10.9-libseccomp23",
    args: () => [...PROBE, "status", "python", "time64"],
    expect: { ...TIME64_BROKEN, clone3: "EPERM", threads: "fail", posix_spawn: "fail", filters: "1", nnp: "0" },
    arches: ["arm"],
  },
  {
    // The same fix by hand, independently of the product: one more filter answering the two raw
    // calls and clone3 with ENOSYS (arm EABI numbers).
    name: "time64-reference-fix-v9",
    profile: "moby-v20.10.9-libseccomp23",
    args: (s) => (s.python3 ? ["python3", FILTER, "403=errno:38", "407=errno:38", "435=errno:38", "--", ...PROBE, "status", "python", "time64"] : null),
    expect: TIME64_WRAPPED,
    arches: ["arm"],
  },
  {
    // The arm stub's auto-hide probes the time64 family natively and hides what answers EPERM.
    name: "time64-wrapper-v9",
    profile: "moby-v20.10.9-libseccomp23",
    args: (s) => (s.wrapper ? [s.wrapper, "--", ...PROBE, "status", "python", "time64"] : null),
    expect: TIME64_WRAPPED,
    arches: ["arm"],
  },
  {
    // The same engine on a 64-bit kernel, the armhf userland in a chroot (a Pi OS 32-bit userland
    // on a 64-bit kernel): the compat ABI's time64 calls get EPERM.
    name: "time64-arm-v9",
    profile: "moby-v20.10.9-libseccomp23",
    args: () => [...PROBE, "status", "arm", "time64_arm"],
    expect: { ...arm(TIME64_BROKEN), ...ARM_BROKEN, filters: "1", nnp: "0" },
    arches: ["aarch64"],
    compat: true,
  },
  {
    // The aarch64 stub cannot probe AArch32 calls: emitted with the time64 names, it hides them
    // for the compat ABI once its native clone3 probe answers EPERM.
    name: "time64-arm-hide-v9",
    profile: "moby-v20.10.9-libseccomp23",
    args: (s) => (s.time64Wrapper ? [s.time64Wrapper, "--", ...PROBE, "status", "arm", "time64_arm"] : null),
    expect: { ...arm(TIME64_HIDDEN), ...ARM_FIXED, filters: "2", nnp: "1" },
    arches: ["aarch64"],
    compat: true,
  },
  {
    // The arm stub on the 64-bit kernel: a 32-bit process, it probes the time64 family itself, and
    // its filter also serves the aarch64 ABI of the /bin/sh it runs.
    name: "time64-arm-stub-v9",
    profile: "moby-v20.10.9-libseccomp23",
    args: (s) => (s.armWrapper ? [s.armWrapper, "--", ...PROBE, "status", "python", "arm", "time64_arm"] : null),
    expect: {
      ...arm(TIME64_HIDDEN), ...ARM_FIXED,
      clone3: "ENOSYS", threads: "ok", posix_spawn: "ok", filters: "2", nnp: "1",
    },
    arches: ["aarch64"],
    compat: true,
  },
  {
    // Must fail: the v9 baseline judged by the v10 expectations. Proves a wrong engine is red.
    name: "selftest-inverted",
    profile: "moby-v20.10.9",
    args: () => PROBE,
    expect: WORKING,
    selfTest: true,
  },
  {
    // Must fail: under v10, a wrapper that answers clone3 with EPERM, as the broken engine did.
    name: "selftest-eperm-wrapper",
    profile: "moby-v20.10.10",
    args: (s) => (s.python3 ? ["python3", FILTER, "435=errno:1", "--", ...PROBE] : null),
    expect: FIXED,
    selfTest: true,
  },
  {
    // Must fail: wrapper-v9 with a broken wrapper in the slot. --self-test fills the slot with
    // guest/noop-wrapper (installs nothing) unless --wrapper names another broken one.
    name: "selftest-broken-wrapper",
    profile: "moby-v20.10.9",
    args: (s) => (s.wrapper ? [s.wrapper, "--", ...PROBE] : null),
    expect: FIXED,
    selfTest: true,
  },
  {
    // Must fail: under a time64-allowing engine, a wrapper that answers clone3 and the time64 calls
    // with EPERM, as Raspberry Pi OS's engine did.
    name: "selftest-time64-eperm-wrapper",
    profile: "moby-v20.10.9",
    args: (s) => (s.python3 ? ["python3", FILTER, "403=errno:1", "407=errno:1", "435=errno:1", "--", ...PROBE, "status", "python", "time64"] : null),
    expect: TIME64_WRAPPED,
    arches: ["arm"],
    selfTest: true,
  },
  {
    // Must fail: time64-wrapper-v9 with the broken wrapper in the slot (guest/noop-wrapper).
    name: "selftest-time64-broken-wrapper",
    profile: "moby-v20.10.9-libseccomp23",
    args: (s) => (s.wrapper ? [s.wrapper, "--", ...PROBE, "status", "python", "time64"] : null),
    expect: TIME64_WRAPPED,
    arches: ["arm"],
    selfTest: true,
  },
  {
    // Must fail: time64-arm-stub-v9 with the broken wrapper in the arm slot.
    name: "selftest-time64-arm-broken-wrapper",
    profile: "moby-v20.10.9-libseccomp23",
    args: (s) => (s.armWrapper ? [s.armWrapper, "--", ...PROBE, "status", "arm", "time64_arm"] : null),
    expect: { ...arm(TIME64_HIDDEN), ...ARM_FIXED, filters: "2", nnp: "1" },
    arches: ["aarch64"],
    compat: true,
    selfTest: true,
  },
];

// What the harness needs to know about each guest arch: Debian's names for it, which kernel
// package and file to boot, and the QEMU line that boots it (measured in
// ../shared/notes/qemu-feasibility.md §4; TCG everywhere because /dev/kvm is kvm_pvm here).
import type { KernelArch } from "../../arch/types.ts";
import type { Suite } from "./image/sources.ts";

export type { Suite };

/**
 * A matrix row's userland: the suites to take it from, in order (image/sources.ts). Each must ship
 * a glibc that calls clone3 first on the arch (>= 2.34 on x86_64, >= 2.38 elsewhere), so the
 * baseline fails with any of them: trixie 2.41, forky and sid 2.43.
 */
const CURRENT: readonly Suite[] = ["trixie", "forky", "sid"];

export interface GuestArch {
  arch: KernelArch;
  /** dpkg architecture. */
  debArch: string;
  /** Kernel metapackage; it depends on the versioned linux-image package we actually boot. */
  kernelMeta: string;
  /** Path prefix of the bootable image inside the kernel .deb (ppc64le boots the ELF vmlinux). */
  kernelFile: string;
  qemu: string;
  machine: string[];
  console: string;
  /** One matrix row per entry, named by its first suite (bookworm's glibc 2.36 only reproduces on x86_64). */
  userlands: (readonly Suite[])[];
  /**
   * A compat-ABI userland for the probes, when the arch has one we cannot build with our host
   * compilers (x86_64's i386 probe is a static gcc -m32 binary instead). Extracted from Debian
   * and unpacked at /harness/<debArch>; the container reaches it with chroot.
   */
  compat?: { debArch: string; packages: string[] };
  /** Packages this arch's userland gets on top of image/base.ts's BASE_PACKAGES. */
  extraPackages?: string[];
  /** Older suites whose kernels boot this arch when the current ones ship none, tried last. */
  kernelSuites?: readonly Suite[];
  /** False: only with `--arch`, not in the default matrix (its row has never passed yet). */
  inMatrix?: false;
}

export const GUEST_ARCHES: Record<KernelArch, GuestArch> = {
  x86_64: {
    arch: "x86_64",
    debArch: "amd64",
    kernelMeta: "linux-image-amd64",
    kernelFile: "boot/vmlinuz-",
    qemu: "qemu-system-x86_64",
    machine: ["-machine", "q35,accel=tcg", "-cpu", "max"],
    console: "ttyS0",
    userlands: [CURRENT, ["bookworm"]],
  },
  aarch64: {
    arch: "aarch64",
    debArch: "arm64",
    kernelMeta: "linux-image-arm64",
    kernelFile: "boot/vmlinuz-",
    qemu: "qemu-system-aarch64",
    // pauth-impdef: plain `-cpu max` emulates the architected QARMA pointer auth, 3x slower.
    machine: ["-machine", "virt,accel=tcg", "-cpu", "max,pauth-impdef=on"],
    console: "ttyAMA0",
    userlands: [CURRENT],
    // Debian's arm64 kernel has CONFIG_COMPAT=y, and moby's profile lists SCMP_ARCH_ARM there.
    // python3 for ctypes (raw clone3), threading and posix_spawn; dash for posix_spawn's /bin/sh.
    // coreutils: the time64 probes' sleep and date are the real glibc ones.
    compat: { debArch: "armhf", packages: ["libc6", "dash", "python3", "coreutils"] },
  },
  ppc64le: {
    arch: "ppc64le",
    debArch: "ppc64el",
    kernelMeta: "linux-image-powerpc64le",
    kernelFile: "boot/vmlinux-",
    qemu: "qemu-system-ppc64",
    // x-vof skips SLOF (7.7 s -> 2.1 s); the cap-* settings silence TCG's spectre warnings.
    machine: [
      "-machine",
      "pseries,x-vof=on,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off,accel=tcg",
      "-cpu", "power9", "-vga", "none",
    ],
    console: "hvc0",
    userlands: [CURRENT],
  },
  s390x: {
    arch: "s390x",
    debArch: "s390x",
    kernelMeta: "linux-image-s390x",
    kernelFile: "boot/vmlinuz-",
    qemu: "qemu-system-s390x",
    machine: ["-machine", "s390-ccw-virtio,accel=tcg", "-cpu", "max"],
    console: "ttysclp0",
    userlands: [CURRENT],
  },
  arm: {
    arch: "arm",
    debArch: "armhf",
    kernelMeta: "linux-image-armmp",
    kernelFile: "boot/vmlinuz-",
    qemu: "qemu-system-arm",
    // cortex-a15: ARMv7 with LPAE, which the armmp kernel and virt's highmem both accept.
    machine: ["-machine", "virt,accel=tcg,highmem=off", "-cpu", "cortex-a15"],
    console: "ttyAMA0",
    userlands: [CURRENT],
    // Tried after the current suites: bullseye's 5.10 armmp was seen downloading when newer ones did not.
    kernelSuites: ["bookworm", "bullseye"],
    // The time64 probes' sleep and date: glibc's coreutils, not busybox (whose sleep and date
    // never reach a *_time64 call).
    extraPackages: ["coreutils"],
    // Out of the default matrix: the column adds about 8 min of TCG time (measured 504 s cold).
    inMatrix: false,
  },
};

export const ALL_ARCHES = (Object.keys(GUEST_ARCHES) as KernelArch[]).filter((a) => GUEST_ARCHES[a].inMatrix !== false);

/** Every suite a kernel may come from, after the row's own: any of them boots any userland here. */
const KERNEL_SUITES: readonly Suite[] = ["trixie", "forky", "sid", "bookworm"];

/**
 * Where a row's kernel may come from, in order: the row's suite, its security suite (stable
 * suites only), then the row's other suites and the rest.
 */
export function kernelSources(userland: readonly Suite[], older: readonly Suite[] = []): string[] {
  const [first, ...rest] = userland;
  const security = first === "trixie" || first === "bookworm" ? [`${first}-security`] : [];
  return [...new Set([first!, ...security, ...rest, ...KERNEL_SUITES, ...older])];
}

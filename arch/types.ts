// Names and facts shared by every stage. `arch/` owns them; later stages import, never redefine.

/** The kernel arches we build for, spelled as the kernel does. `arm` is a 32-bit arm process
 *  (EABI), on an arm kernel or on an aarch64 kernel with AArch32 EL0. */
export type KernelArch = "x86_64" | "aarch64" | "ppc64le" | "s390x" | "arm";

/** Every syscall ABI such a kernel can run. */
export type AbiName = "x86_64" | "i386" | "x32" | "aarch64" | "arm" | "ppc64le" | "s390x" | "s390";

/**
 * What the compiler needs to know about one ABI. A seccomp_data {arch, nr} belongs to this ABI
 * when arch === auditArch and nrRegion[0] <= nr <= nrRegion[1] (unsigned). When two ABIs of one
 * arch share an auditArch (x86_64 and x32), the one with the narrower region wins.
 */
export interface AbiFacts {
  name: AbiName;
  auditArch: number;
  /** Added to an ABI-local syscall number to get seccomp_data.nr (x32: 0x40000000, else 0). */
  nrBase: number;
  /** Inclusive raw-nr region, e.g. x86_64 [0, 0xffffffff], x32 [0x40000000, 0x7fffffff]. */
  nrRegion: [number, number];
  /** Highest ordinary ABI-local syscall number (not counting ARM private calls at 0x0f0000+); benches and
   *  tree weights use 0..maxNr. */
  maxNr: number;
  bigEndian: boolean;
  /**
   * The ABI's word size. The kernel does not promise zero high argument words for a 32-bit ABI
   * (an `int $0x80` call from a 64-bit process keeps its upper halves), so this is no licence to
   * skip them; libseccomp compares only the low words there (policy/libseccomp32.ts).
   */
  bits: 32 | 64;
}

// ELF64 executable headers for a stub: ET_EXEC, one PT_LOAD covering the whole file (R+X, aligned
// to 64 KiB because ppc64le and some aarch64 kernels use 64 KiB pages), and a PT_GNU_STACK
// without X so the kernel gives the stub a non-executable stack. A stub that patches its filter
// (auto-hide) also maps its data a second time, R+W, one SEGMENT_ALIGN higher: no page is ever
// both writable and executable.
import { Image } from "./image";

/** e_flags for ppc64le: the ELFv2 ABI. */
export const EF_PPC64_ABI_V2: u32 = 2;

const EHDR_SIZE: i32 = 64;
const PHDR_SIZE: i32 = 56;
/** Where the code starts: right after the headers (one more program header with a data segment). */
export function headersSize(rwData: bool): i32 {
  return EHDR_SIZE + (rwData ? 3 : 2) * PHDR_SIZE;
}
export const SEGMENT_ALIGN: u64 = 0x10000;

const PT_LOAD: u32 = 1;
const PT_GNU_STACK: u32 = 0x6474e551;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PF_R: u32 = 4;

/** Writes the headers at position 0 of `img` for a file of `size` bytes loaded at `base`; with
 *  `dataStart` >= 0, bytes dataStart.. are also mapped R+W at base + SEGMENT_ALIGN + dataStart. */
export function writeElf64Headers(img: Image, machine: u32, flags: u32, base: u64, entry: u64, size: i32, dataStart: i32 = -1): void {
  const phdrs: u32 = dataStart >= 0 ? 3 : 2;
  img.pos = 0;
  // e_ident: magic, ELFCLASS64, data encoding, EV_CURRENT, ELFOSABI_SYSV, padding
  img.byte(0x7f); img.byte(0x45); img.byte(0x4c); img.byte(0x46);
  img.byte(2);
  img.byte(img.bigEndian ? 2 : 1);
  img.byte(1);
  for (let i = 7; i < 16; i++) img.byte(0);
  img.u16(2); // ET_EXEC
  img.u16(machine);
  img.u32(1); // e_version
  img.u64(entry);
  img.u64(<u64>EHDR_SIZE); // e_phoff
  img.u64(0); // e_shoff: no sections
  img.u32(flags);
  img.u16(<u32>EHDR_SIZE);
  img.u16(<u32>PHDR_SIZE);
  img.u16(phdrs);
  img.u16(64); // e_shentsize
  img.u16(0); // e_shnum
  img.u16(0); // e_shstrndx

  img.u32(PT_LOAD);
  img.u32(PF_R | PF_X);
  img.u64(0); // p_offset
  img.u64(base); // p_vaddr
  img.u64(base); // p_paddr
  img.u64(<u64>size); // p_filesz
  img.u64(<u64>size); // p_memsz
  img.u64(SEGMENT_ALIGN);

  if (dataStart >= 0) {
    const vaddr = base + SEGMENT_ALIGN + <u64>dataStart; // congruent to its offset mod p_align
    img.u32(PT_LOAD);
    img.u32(PF_R | PF_W);
    img.u64(<u64>dataStart);
    img.u64(vaddr);
    img.u64(vaddr);
    img.u64(<u64>(size - dataStart));
    img.u64(<u64>(size - dataStart));
    img.u64(SEGMENT_ALIGN);
  }

  img.u32(PT_GNU_STACK);
  img.u32(PF_R | PF_W);
  for (let i = 0; i < 5; i++) img.u64(0);
  img.u64(16);
}

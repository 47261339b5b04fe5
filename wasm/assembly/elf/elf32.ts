// ELF32 executable headers for the arm stub: the same layout as elf64.ts (ET_EXEC, one R+X
// PT_LOAD of the whole file aligned to 64 KiB, the data mapped again R+W one SEGMENT_ALIGN
// higher with auto-hide, a PT_GNU_STACK without X), in the 32-bit header and field sizes.
import { Image } from "./image";
import { SEGMENT_ALIGN } from "./elf64";

/** e_flags for arm: EABI version 5 (what every EABI toolchain writes). */
export const EF_ARM_EABI_VER5: u32 = 0x05000000;

const EHDR_SIZE: i32 = 52;
const PHDR_SIZE: i32 = 32;
/** Where the code starts: right after the headers (one more program header with a data segment). */
export function headersSize32(rwData: bool): i32 {
  return EHDR_SIZE + (rwData ? 3 : 2) * PHDR_SIZE;
}

const PT_LOAD: u32 = 1;
const PT_GNU_STACK: u32 = 0x6474e551;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PF_R: u32 = 4;

function phdr(img: Image, type: u32, flags: u32, offset: u32, vaddr: u32, size: u32, align: u32): void {
  img.u32(type);
  img.u32(offset);
  img.u32(vaddr); // p_vaddr
  img.u32(vaddr); // p_paddr
  img.u32(size); // p_filesz
  img.u32(size); // p_memsz
  img.u32(flags);
  img.u32(align);
}

/** Writes the headers at position 0 of `img`; see writeElf64Headers. */
export function writeElf32Headers(img: Image, machine: u32, flags: u32, base: u32, entry: u32, size: i32, dataStart: i32 = -1): void {
  const phdrs: u32 = dataStart >= 0 ? 3 : 2;
  img.pos = 0;
  // e_ident: magic, ELFCLASS32, data encoding, EV_CURRENT, ELFOSABI_SYSV, padding
  img.byte(0x7f); img.byte(0x45); img.byte(0x4c); img.byte(0x46);
  img.byte(1);
  img.byte(img.bigEndian ? 2 : 1);
  img.byte(1);
  for (let i = 7; i < 16; i++) img.byte(0);
  img.u16(2); // ET_EXEC
  img.u16(machine);
  img.u32(1); // e_version
  img.u32(entry);
  img.u32(<u32>EHDR_SIZE); // e_phoff
  img.u32(0); // e_shoff: no sections
  img.u32(flags);
  img.u16(<u32>EHDR_SIZE);
  img.u16(<u32>PHDR_SIZE);
  img.u16(phdrs);
  img.u16(40); // e_shentsize
  img.u16(0); // e_shnum
  img.u16(0); // e_shstrndx

  const align = <u32>SEGMENT_ALIGN;
  phdr(img, PT_LOAD, PF_R | PF_X, 0, base, <u32>size, align);
  if (dataStart >= 0) {
    const vaddr = base + align + <u32>dataStart; // congruent to its offset mod p_align
    phdr(img, PT_LOAD, PF_R | PF_W, <u32>dataStart, vaddr, <u32>(size - dataStart), align);
  }
  phdr(img, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 16);
}

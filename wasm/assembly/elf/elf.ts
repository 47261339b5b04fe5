// ELF executable headers for a stub, ELF32 (arm) or ELF64 (the others), keyed on the word size:
// only the class byte, the address-width fields and the order of a program header's fields
// differ. ET_EXEC, one PT_LOAD covering the whole file (R+X, aligned to 64 KiB because ppc64le
// and some aarch64 kernels use 64 KiB pages), and a PT_GNU_STACK without X so the kernel gives
// the stub a non-executable stack. A stub that patches its filter (auto-hide) also maps its data
// a second time, R+W, one SEGMENT_ALIGN higher: no page is ever both writable and executable.
import { Image } from "./image";

/** e_flags for ppc64le: the ELFv2 ABI. */
export const EF_PPC64_ABI_V2: u32 = 2;
/** e_flags for arm: EABI version 5 (what every EABI toolchain writes). */
export const EF_ARM_EABI_VER5: u32 = 0x05000000;
export const SEGMENT_ALIGN: u64 = 0x10000;

function ehdrSize(wordSize: i32): i32 {
  return wordSize == 8 ? 64 : 52;
}
function phdrSize(wordSize: i32): i32 {
  return wordSize == 8 ? 56 : 32;
}
/** Where the code starts: right after the headers (one more program header with a data segment). */
export function headersSize(wordSize: i32, rwData: bool): i32 {
  return ehdrSize(wordSize) + (rwData ? 3 : 2) * phdrSize(wordSize);
}

const PT_LOAD: u32 = 1;
const PT_GNU_STACK: u32 = 0x6474e551;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PF_R: u32 = 4;

/** An address-width field: 8 bytes in ELF64, 4 in ELF32. */
function addr(img: Image, wordSize: i32, v: u64): void {
  if (wordSize == 8) img.u64(v); else img.u32(<u32>v);
}

/** A program header; ELF64 moves p_flags up next to p_type (for alignment). */
function phdr(img: Image, wordSize: i32, type: u32, flags: u32, offset: u64, vaddr: u64, size: u64, align: u64): void {
  img.u32(type);
  if (wordSize == 8) img.u32(flags);
  addr(img, wordSize, offset);
  addr(img, wordSize, vaddr); // p_vaddr
  addr(img, wordSize, vaddr); // p_paddr
  addr(img, wordSize, size); // p_filesz
  addr(img, wordSize, size); // p_memsz
  if (wordSize != 8) img.u32(flags);
  addr(img, wordSize, align);
}

/** Writes the headers at position 0 of `img` for a file of `size` bytes loaded at `base`; with
 *  `dataStart` >= 0, bytes dataStart.. are also mapped R+W at base + SEGMENT_ALIGN + dataStart. */
export function writeElfHeaders(img: Image, wordSize: i32, machine: u32, flags: u32, base: u64, entry: u64, size: i32, dataStart: i32 = -1): void {
  const phdrs: u32 = dataStart >= 0 ? 3 : 2;
  img.pos = 0;
  // e_ident: magic, ELFCLASS64 or ELFCLASS32, data encoding, EV_CURRENT, ELFOSABI_SYSV, padding
  img.byte(0x7f); img.byte(0x45); img.byte(0x4c); img.byte(0x46);
  img.byte(wordSize == 8 ? 2 : 1);
  img.byte(img.bigEndian ? 2 : 1);
  img.byte(1);
  for (let i = 7; i < 16; i++) img.byte(0);
  img.u16(2); // ET_EXEC
  img.u16(machine);
  img.u32(1); // e_version
  addr(img, wordSize, entry);
  addr(img, wordSize, <u64>ehdrSize(wordSize)); // e_phoff
  addr(img, wordSize, 0); // e_shoff: no sections
  img.u32(flags);
  img.u16(<u32>ehdrSize(wordSize));
  img.u16(<u32>phdrSize(wordSize));
  img.u16(phdrs);
  img.u16(wordSize == 8 ? 64 : 40); // e_shentsize
  img.u16(0); // e_shnum
  img.u16(0); // e_shstrndx

  phdr(img, wordSize, PT_LOAD, PF_R | PF_X, 0, base, <u64>size, SEGMENT_ALIGN);
  if (dataStart >= 0) {
    const vaddr = base + SEGMENT_ALIGN + <u64>dataStart; // congruent to its offset mod p_align
    phdr(img, wordSize, PT_LOAD, PF_R | PF_W, <u64>dataStart, vaddr, <u64>(size - dataStart), SEGMENT_ALIGN);
  }
  phdr(img, wordSize, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 16);
}

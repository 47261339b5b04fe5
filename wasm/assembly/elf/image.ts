// A byte image being written at `pos`, in the target's byte order. Writes are dropped (but `pos`
// still advances) while `emitting` is false, so a measuring pass and an emitting pass run the
// same code.
export class Image {
  pos: i32 = 0;
  emitting: bool = false;

  constructor(public out: usize, public cap: i32, public bigEndian: bool) {}

  overflow(): bool {
    return this.pos > this.cap;
  }

  byte(b: u32): void {
    if (this.emitting && this.pos < this.cap) store<u8>(this.out + <usize>this.pos, <u8>b);
    this.pos++;
  }

  u16(v: u32): void {
    if (this.bigEndian) { this.byte(v >> 8); this.byte(v); } else { this.byte(v); this.byte(v >> 8); }
  }

  u32(v: u32): void {
    if (this.bigEndian) { this.u16(v >> 16); this.u16(v & 0xffff); } else { this.u16(v & 0xffff); this.u16(v >> 16); }
  }

  u64(v: u64): void {
    if (this.bigEndian) { this.u32(<u32>(v >> 32)); this.u32(<u32>v); } else { this.u32(<u32>v); this.u32(<u32>(v >> 32)); }
  }

  bytes(src: usize, len: i32): void {
    for (let i = 0; i < len; i++) this.byte(load<u8>(src + <usize>i));
  }

  /** An ASCII string constant, NUL-terminated unless `nul` is false. */
  cstr(s: string, nul: bool = true): void {
    for (let i = 0; i < s.length; i++) this.byte(<u32>s.charCodeAt(i));
    if (nul) this.byte(0);
  }
}

// ASCII text helpers: number formatting and an append-only byte buffer for long outputs
// (string concatenation would copy the whole listing on every line).

/** "0x" + `digits` lowercase hex digits. */
export function hex(v: u32, digits: i32): string {
  let s = "";
  for (let i = digits - 1; i >= 0; i--) {
    const d = (v >>> (<u32>i * 4)) & 15;
    s += String.fromCharCode(d < 10 ? 48 + d : 87 + d);
  }
  return "0x" + s;
}

/** Decimal, zero-padded to at least `width` digits (printf "%.4u"). */
export function dec(v: u32, width: i32 = 0): string {
  // Written out rather than v.toString(): the library's itoa brings 1.5 KiB of tables.
  let s = "";
  do {
    s = String.fromCharCode(48 + <i32>(v % 10)) + s;
    v /= 10;
  } while (v != 0);
  while (s.length < width) s = "0" + s;
  return s;
}

/** Left-justified in `width` columns (printf "%-4s"). */
export function padEnd(s: string, width: i32): string {
  while (s.length < width) s += " ";
  return s;
}

export class TextOut {
  ptr: usize;
  len: i32 = 0;
  cap: i32;

  constructor(cap: i32 = 4096) {
    this.cap = cap;
    this.ptr = heap.alloc(<usize>cap);
  }

  add(s: string): void {
    const n = s.length;
    if (this.len + n > this.cap) {
      let cap = this.cap * 2;
      while (cap < this.len + n) cap *= 2;
      this.ptr = heap.realloc(this.ptr, <usize>cap);
      this.cap = cap;
    }
    for (let i = 0; i < n; i++) store<u8>(this.ptr + <usize>(this.len + i), <u8>s.charCodeAt(i));
    this.len += n;
  }
}

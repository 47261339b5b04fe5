// Hand assembly for the BPF tests: instructions as [code, jt, jf, k] tuples, written out as
// little-endian sock_filter bytes (the host order here), so tests state programs exactly.
export type Insn = [code: number, jt: number, jf: number, k: number];

export function assemble(insns: Insn[]): Uint8Array {
  const b = Buffer.alloc(insns.length * 8);
  insns.forEach(([code, jt, jf, k], i) => {
    b.writeUInt16LE(code, i * 8);
    b[i * 8 + 2] = jt;
    b[i * 8 + 3] = jf;
    b.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return new Uint8Array(b);
}

// An independent classic-BPF interpreter for seccomp programs, written from the kernel's
// semantics (net/core/filter.c, kernel/seccomp.c) and sharing no code with wasm/. Tests run
// libseccomp's programs on it, and cross-check the core's simulator against it, so a bug in
// one simulator cannot hide behind the same bug in the other.

export interface SeccompData {
  nr: number;
  arch: number;
  /** Six 64-bit arguments; missing ones are 0. */
  args?: bigint[];
  instructionPointer?: bigint;
}

export interface Verdict {
  /** The RET value, unsigned 32-bit. */
  action: number;
  /** Instructions executed, the final RET included. */
  executed: number;
}

const SECCOMP_DATA_SIZE = 64;

/** The 64-byte seccomp_data as the kernel lays it out on an arch of the given byte order. */
export function seccompData(d: SeccompData, bigEndian: boolean): DataView {
  const view = new DataView(new ArrayBuffer(SECCOMP_DATA_SIZE));
  const le = !bigEndian;
  view.setUint32(0, d.nr >>> 0, le);
  view.setUint32(4, d.arch >>> 0, le);
  view.setBigUint64(8, d.instructionPointer ?? 0n, le);
  for (let i = 0; i < 6; i++) view.setBigUint64(16 + 8 * i, BigInt.asUintN(64, d.args?.[i] ?? 0n), le);
  return view;
}

/**
 * Run `program` (raw sock_filter bytes; `codeBigEndian` is the byte order they were written in)
 * on `d`. 32-bit loads read seccomp_data in the arch's own byte order (`dataBigEndian`), as
 * the kernel does. Throws on anything the kernel's checker would have rejected.
 */
export function runBpf(program: Uint8Array, codeBigEndian: boolean, d: SeccompData, dataBigEndian: boolean): Verdict {
  if (program.length % 8 !== 0 || program.length === 0) throw new Error("program length is not a multiple of 8");
  const code = new DataView(program.buffer, program.byteOffset, program.byteLength);
  const data = seccompData(d, dataBigEndian);
  const n = program.length / 8;
  const mem = new Uint32Array(16);
  let a = 0;
  let x = 0;
  let executed = 0;
  for (let pc = 0; pc < n; ) {
    const op = code.getUint16(pc * 8, !codeBigEndian);
    const jt = code.getUint8(pc * 8 + 2);
    const jf = code.getUint8(pc * 8 + 3);
    const k = code.getUint32(pc * 8 + 4, !codeBigEndian);
    executed++;
    pc++;
    const cls = op & 0x07;
    const src = op & 0x08 ? x : k;
    switch (cls) {
      case 0x00: // LD
      case 0x01: { // LDX
        const mode = op & 0xe0;
        let v: number;
        if (mode === 0x00) v = k; // IMM
        else if (mode === 0x20 && cls === 0x00 && (op & 0x18) === 0x00) { // ABS, word only
          if (k % 4 !== 0 || k + 4 > SECCOMP_DATA_SIZE) throw new Error(`bad load offset ${k}`);
          v = data.getUint32(k, !dataBigEndian);
        } else if (mode === 0x60) { // MEM
          if (k >= 16) throw new Error(`bad scratch slot ${k}`);
          v = mem[k]!;
        } else if (mode === 0x80) v = SECCOMP_DATA_SIZE; // LEN
        else throw new Error(`opcode 0x${op.toString(16)} not allowed in seccomp`);
        if (cls === 0x00) a = v >>> 0;
        else x = v >>> 0;
        break;
      }
      case 0x02: // ST
      case 0x03: // STX
        if (k >= 16) throw new Error(`bad scratch slot ${k}`);
        mem[k] = cls === 0x02 ? a : x;
        break;
      case 0x04: { // ALU
        const s = src >>> 0;
        switch (op & 0xf0) {
          case 0x00: a = (a + s) >>> 0; break;
          case 0x10: a = (a - s) >>> 0; break;
          case 0x20: a = Math.imul(a, s) >>> 0; break;
          case 0x30: if (s === 0) return { action: 0, executed }; a = Math.floor(a / s) >>> 0; break;
          case 0x40: a = (a | s) >>> 0; break;
          case 0x50: a = (a & s) >>> 0; break;
          case 0x60: a = s >= 32 ? 0 : (a << s) >>> 0; break;
          case 0x70: a = s >= 32 ? 0 : a >>> s; break;
          case 0x80: a = -a >>> 0; break;
          case 0x90: if (s === 0) return { action: 0, executed }; a = a % s >>> 0; break;
          case 0xa0: a = (a ^ s) >>> 0; break;
          default: throw new Error(`bad ALU opcode 0x${op.toString(16)}`);
        }
        break;
      }
      case 0x05: { // JMP
        const s = src >>> 0;
        let taken: boolean;
        switch (op & 0xf0) {
          case 0x00: pc += k; continue; // JA
          case 0x10: taken = a === s; break;
          case 0x20: taken = a > s; break;
          case 0x30: taken = a >= s; break;
          case 0x40: taken = (a & s) !== 0; break;
          default: throw new Error(`bad JMP opcode 0x${op.toString(16)}`);
        }
        pc += taken ? jt : jf;
        break;
      }
      case 0x06: // RET
        return { action: ((op & 0x18) === 0x10 ? a : k) >>> 0, executed };
      case 0x07: // MISC
        if ((op & 0xf8) === 0x00) x = a; // TAX
        else if ((op & 0xf8) === 0x80) a = x; // TXA
        else throw new Error(`bad MISC opcode 0x${op.toString(16)}`);
        break;
    }
  }
  throw new Error("program ran off its end without RET");
}

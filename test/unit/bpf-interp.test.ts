// The simulator (wasm/assembly/bpf/interp.ts) on hand-assembled programs, one per opcode.
// Each program's result is checked against the opcode's meaning computed here in plain
// TypeScript and, on a Linux x86_64 host, against the real kernel running the same program.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { helper } from "../helpers/native.ts";
import { assemble, type Insn } from "./bpf-asm.ts";
import { simulate } from "../../wasm/core.ts";

const X86_64 = 0xc000003e;
const GETPPID = 110; // harmless, and nothing else in the probe process calls it
const ALLOW = 0x7fff0000;
const ERRNO = 0x00050000;

/**
 * A program that runs `body` for getppid only (allowing every other syscall, so the probe
 * process lives) and answers ERRNO((A >> arg1) & 0xfff), where `body` leaves its result in M[0].
 * A = arg0's low word and X = arg0's high word when the body starts (x86_64 layout).
 */
function harness(body: Insn[]): Insn[] {
  const tail: Insn[] = [
    [0x60, 0, 0, 0], // ld M[0]
    [0x07, 0, 0, 0], // tax
    [0x20, 0, 0, 24], // ld arg1 (low word): the shift
    [0x07, 0, 0, 0], // tax     X = shift
    [0x60, 0, 0, 0], // ld M[0]
    [0x7c, 0, 0, 0], // rsh X
    [0x54, 0, 0, 0xfff], // and 0xfff
    [0x44, 0, 0, ERRNO], // or ERRNO
    [0x16, 0, 0, 0], // ret A
  ];
  const head: Insn[] = [
    [0x20, 0, 0, 0], // ld nr
    [0x15, 0, body.length + tail.length + 3, GETPPID],
    [0x20, 0, 0, 20], // ld arg0 high
    [0x07, 0, 0, 0], // tax
    [0x20, 0, 0, 16], // ld arg0 low
  ];
  return [...head, ...body, ...tail, [0x06, 0, 0, ALLOW]];
}
const store: Insn = [0x02, 0, 0, 0]; // st M[0]

const u32 = (v: number) => v >>> 0;
/** Each case: a body, and what it must leave in M[0] for A = lo, X = hi. */
const CASES: Record<string, [Insn[], (lo: number, hi: number) => number]> = {
  "add K": [[[0x04, 0, 0, 0x12345678], store], (a) => u32(a + 0x12345678)],
  "add X": [[[0x0c, 0, 0, 0], store], (a, x) => u32(a + x)],
  "sub K": [[[0x14, 0, 0, 7], store], (a) => u32(a - 7)],
  "sub X": [[[0x1c, 0, 0, 0], store], (a, x) => u32(a - x)],
  "mul K": [[[0x24, 0, 0, 0x9e3779b9], store], (a) => u32(Math.imul(a, 0x9e3779b9))],
  "mul X": [[[0x2c, 0, 0, 0], store], (a, x) => u32(Math.imul(a, x))],
  "div K": [[[0x34, 0, 0, 10], store], (a) => Math.floor(a / 10)],
  "div X": [[[0x3c, 0, 0, 0], store], (a, x) => Math.floor(a / x)],
  "or K": [[[0x44, 0, 0, 0xf0f0], store], (a) => u32(a | 0xf0f0)],
  "or X": [[[0x4c, 0, 0, 0], store], (a, x) => u32(a | x)],
  "and K": [[[0x54, 0, 0, 0xff00ff], store], (a) => u32(a & 0xff00ff)],
  "and X": [[[0x5c, 0, 0, 0], store], (a, x) => u32(a & x)],
  "lsh K": [[[0x64, 0, 0, 5], store], (a) => u32(a << 5)],
  "lsh X": [[[0x6c, 0, 0, 0], store], (a, x) => u32(a << (x & 31))],
  "rsh K": [[[0x74, 0, 0, 31], store], (a) => a >>> 31],
  "rsh X": [[[0x7c, 0, 0, 0], store], (a, x) => a >>> (x & 31)],
  "xor K": [[[0xa4, 0, 0, 0xdeadbeef], store], (a) => u32(a ^ 0xdeadbeef)],
  "xor X": [[[0xac, 0, 0, 0], store], (a, x) => u32(a ^ x)],
  neg: [[[0x84, 0, 0, 0], store], (a) => u32(-a)],
  tax: [[[0x07, 0, 0, 0], [0x87, 0, 0, 0], store], (a) => a],
  txa: [[[0x87, 0, 0, 0], store], (_, x) => x],
  "ld imm": [[[0x00, 0, 0, 0xabcdef], store], () => 0xabcdef],
  "ldx imm": [[[0x01, 0, 0, 0x1234], [0x87, 0, 0, 0], store], () => 0x1234],
  "ld len": [[[0x80, 0, 0, 0], store], () => 64],
  "ldx len": [[[0x81, 0, 0, 0], [0x87, 0, 0, 0], store], () => 64],
  "ld arch": [[[0x20, 0, 0, 4], store], () => X86_64],
  "ld nr": [[[0x20, 0, 0, 0], store], () => GETPPID],
  "st, stx, ld mem, ldx mem": [[[0x02, 0, 0, 7], [0x03, 0, 0, 9], [0x60, 0, 0, 9], [0x61, 0, 0, 7], [0x0c, 0, 0, 0], store], (a, x) => u32(a + x)],
  ja: [[[0x05, 0, 0, 1], [0x00, 0, 0, 1], store], (a) => a],
  ...jumps(),
};

/** A = 1 when the jump is taken, else 2. */
function jumps(): Record<string, [Insn[], (lo: number, hi: number) => number]> {
  const body = (code: number, k: number): Insn[] => [[code, 0, 2, k], [0x00, 0, 0, 1], [0x05, 0, 0, 1], [0x00, 0, 0, 2], store];
  const pick = (taken: boolean) => (taken ? 1 : 2);
  return {
    "jeq K": [body(0x15, 0x80000000), (a) => pick(a === 0x80000000)],
    "jgt K": [body(0x25, 0x80000000), (a) => pick(a > 0x80000000)],
    "jge K": [body(0x35, 0x80000000), (a) => pick(a >= 0x80000000)],
    "jset K": [body(0x45, 0x00010001), (a) => pick((a & 0x00010001) !== 0)],
    "jeq X": [body(0x1d, 0), (a, x) => pick(a === x)],
    "jgt X": [body(0x2d, 0), (a, x) => pick(a > x)],
    "jge X": [body(0x3d, 0), (a, x) => pick(a >= x)],
    "jset X": [body(0x4d, 0), (a, x) => pick((a & x) !== 0)],
  };
}

/** arg0 values (low, high): boundaries plus a fixed pseudo-random spread. */
function operands(): [number, number][] {
  const edge = [0, 1, 2, 31, 32, 33, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff];
  const out: [number, number][] = [];
  for (const lo of edge) for (const hi of [1, 3, 32, 0x80000000, 0xffffffff]) out.push([lo, hi]);
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s);
  for (let i = 0; i < 12; i++) out.push([rnd(), (rnd() | 1) >>> 0]);
  out.push([0x80000000, 0x80000000], [5, 5]); // equal operands for the X jumps
  return out;
}

const SHIFTS = [0, 12, 24];
const expectedAction = (m0: number, shift: number) => u32(ERRNO | ((m0 >>> shift) & 0xfff));
const arg0 = (lo: number, hi: number) => (BigInt(hi) << 32n) | BigInt(lo);

describe("simulate runs each opcode as its definition says", () => {
  for (const [name, [body, meaning]] of Object.entries(CASES)) {
    test(name, () => {
      const program = assemble(harness(body));
      for (const [lo, hi] of operands()) {
        for (const shift of SHIFTS) {
          const data = { nr: GETPPID, arch: X86_64, args: [arg0(lo, hi), BigInt(shift)] };
          const got = simulate(program, "little", data);
          expect(got.action, `${name} lo=${lo} hi=${hi} shift=${shift}`).toBe(expectedAction(meaning(lo, hi), shift));
        }
      }
      // Any other syscall is allowed after the two-instruction prologue and the RET.
      expect(simulate(program, "little", { nr: 0, arch: X86_64 })).toEqual({ action: ALLOW, executed: 3 });
    });
  }

  test("counts executed instructions", () => {
    const program = assemble(harness([[0x04, 0, 0, 1], store]));
    const head = 5;
    const tail = 9;
    expect(simulate(program, "little", { nr: GETPPID, arch: X86_64 }).executed).toBe(head + 2 + tail);
  });

  test("division by X == 0 ends the program with 0 (KILL), as the kernel does", () => {
    const program = assemble(harness([[0x3c, 0, 0, 0], store]));
    expect(simulate(program, "little", { nr: GETPPID, arch: X86_64, args: [5n] })).toEqual({ action: 0, executed: 6 });
  });

  test("seccomp_data layout: little- and big-endian argument words, ip", () => {
    const words: Insn[] = [];
    for (let k = 8; k < 64; k += 4) words.push([0x20, 0, 0, k], [0x02, 0, 0, k / 4 - 2]);
    const pick = (slot: number): Uint8Array => assemble([...words, [0x60, 0, 0, slot], [0x16, 0, 0, 0]]);
    const data = { nr: 1, arch: 2, ip: 0x1111111122222222n, args: [0x3333333344444444n, 0n, 0n, 0n, 0n, 0xaaaaaaaabbbbbbbbn] };
    const at = (slot: number, be: boolean) => simulate(pick(slot), "little", data, be).action;
    expect([at(0, false), at(1, false), at(2, false), at(3, false)]).toEqual([0x22222222, 0x11111111, 0x44444444, 0x33333333]);
    expect([at(0, true), at(1, true), at(2, true), at(3, true)]).toEqual([0x11111111, 0x22222222, 0x33333333, 0x44444444]);
    expect([at(12, false), at(13, false), at(12, true), at(13, true)]).toEqual([0xbbbbbbbb, 0xaaaaaaaa, 0xaaaaaaaa, 0xbbbbbbbb]);
  });

  test("runs big-endian programs", () => {
    const le = assemble([[0x20, 0, 0, 4], [0x16, 0, 0, 0]]);
    const be = new Uint8Array(le);
    for (let i = 0; i < be.length; i += 8) {
      be.subarray(i, i + 2).reverse();
      be.subarray(i + 4, i + 8).reverse();
    }
    expect(simulate(be, "big", { nr: 0, arch: 0x80000016 }, true)).toEqual({ action: 0x80000016, executed: 2 });
  });
});

// The kernel as the oracle: the same programs, installed in a child process that calls getppid.
const canLoad = process.platform === "linux" && process.arch === "x64";
describe.runIf(canLoad)("simulate agrees with the kernel (x86_64 host only)", () => {
  test("every opcode, every operand", () => {
    const dir = mkdtempSync(join(tmpdir(), "bpf-interp-"));
    for (const [name, [body]] of Object.entries(CASES)) {
      const program = assemble(harness(body));
      const file = join(dir, name.replace(/\W+/g, "_") + ".bpf");
      writeFileSync(file, program);
      const calls: string[] = [];
      const want: number[] = [];
      for (const [lo, hi] of operands()) {
        if (name.startsWith("div X") && hi === 0) continue; // would kill the probe
        for (const shift of SHIFTS) {
          calls.push(`${GETPPID},0x${arg0(lo, hi).toString(16)},${shift}`);
          want.push(simulate(program, "little", { nr: GETPPID, arch: X86_64, args: [arg0(lo, hi), BigInt(shift)] }).action & 0xfff);
        }
      }
      const out = execFileSync(helper("seccomp-run"), ["--nnp", "--bpf", file, "--", helper("syscall-probe"), ...calls], { encoding: "utf8" });
      const got = out.trim().split("\n").map((line) => {
        const [, ret, errno] = line.split(" ").map(Number);
        expect(ret, `${name}: ${line}`).toBeLessThanOrEqual(0); // never a real getppid answer
        return ret === 0 ? 0 : errno;
      });
      expect(got, name).toEqual(want);
    }
  });
});

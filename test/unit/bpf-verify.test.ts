// The verifier (wasm/assembly/bpf/verify.ts) on hand-made programs. Where the host can load
// seccomp filters (Linux x86_64), the real kernel judges every program too: our verdict must
// be the kernel's.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { helper } from "../helpers/native.ts";
import { assemble, type Insn } from "./bpf-asm.ts";
import { verify } from "../../wasm/core.ts";

const ALLOW = 0x7fff0000;
const ld = (k: number): Insn => [0x20, 0, 0, k];
const ret = (k = ALLOW): Insn => [0x06, 0, 0, k];
const jeq = (k: number, jt: number, jf: number): Insn => [0x15, jt, jf, k];
const ja = (k: number): Insn => [0x05, 0, 0, k];
const st = (k: number): Insn => [0x02, 0, 0, k];
const ldm = (k: number): Insn => [0x60, 0, 0, k];

// Programs whose every path returns ALLOW, so that the kernel's verdict is only "loaded or not".
const ACCEPTED: Record<string, Insn[]> = {
  "a single RET": [ret()],
  "ret A": [[0x00, 0, 0, ALLOW], [0x16, 0, 0, 0]],
  "every seccomp_data word": Array.from({ length: 16 }, (_, i) => ld(i * 4)).concat([ret()]),
  "len, imm, tax, txa, neg": [[0x80, 0, 0, 0], [0x81, 0, 0, 0], [0x01, 0, 0, 5], [0x07, 0, 0, 0], [0x87, 0, 0, 0], [0x84, 0, 0, 0], ret()],
  "every ALU op with K": [0x04, 0x14, 0x24, 0x34, 0x44, 0x54, 0x64, 0x74, 0xa4].map((c): Insn => [c, 0, 0, 3]).concat([ret()]),
  // X = 1 first: a division by X == 0 would end the program with KILL.
  "every ALU op with X": [[0x01, 0, 0, 1] as Insn].concat([0x0c, 0x1c, 0x2c, 0x3c, 0x4c, 0x5c, 0x6c, 0x7c, 0xac].map((c): Insn => [c, 0, 0, 0])).concat([[0x00, 0, 0, 0], ret()]),
  "every jump with K and X": [[0x15, 0, 0, 1], [0x25, 0, 0, 1], [0x35, 0, 0, 1], [0x45, 0, 0, 1], [0x1d, 0, 0, 0], [0x2d, 0, 0, 0], [0x3d, 0, 0, 0], [0x4d, 0, 0, 0], ret()],
  "jumps to the last instruction": [ld(0), jeq(1, 1, 1), ja(0), ret()],
  "a memory slot written on every path": [st(15), ld(0), jeq(1, 0, 1), st(3), [0x61, 0, 0, 15], ret()],
  "a 4096-instruction program": Array.from({ length: 4095 }, () => ld(0)).concat([ret()]),
};

const REJECTED: Record<string, [Insn[], RegExp]> = {
  "an empty program": [[], /0 instructions/],
  "4097 instructions": [Array.from({ length: 4096 }, () => ld(0)).concat([ret()]), /4097 instructions/],
  "a 16-bit load": [[[0x28, 0, 0, 0], ret()], /opcode 0x28/],
  "an indirect load": [[[0x40, 0, 0, 0], ret()], /opcode 0x40/],
  "ldx msh": [[[0xb1, 0, 0, 0], ret()], /opcode 0xb1/],
  "mod": [[[0x94, 0, 0, 3], ret()], /opcode 0x94/],
  "ret X": [[[0x0e, 0, 0, 0], ret()], /opcode 0x0e/],
  "an unknown opcode": [[[0xff, 0, 0, 0], ret()], /opcode 0xff/],
  "an unaligned load": [[ld(2), ret()], /data\[2\]/],
  "a load past seccomp_data": [[ld(64), ret()], /data\[64\]/],
  "division by constant 0": [[[0x34, 0, 0, 0], ret()], /division by constant 0/],
  "a shift by 32": [[[0x64, 0, 0, 32], ret()], /shift by 32/],
  "memory slot 16": [[st(16), ret()], /slot 16/],
  "a JA past the end": [[ja(1), ret()], /jump past the end/],
  "a true branch past the end": [[jeq(0, 1, 0), ret()], /jump past the end/],
  "a false branch past the end": [[jeq(0, 0, 1), ret()], /jump past the end/],
  "no RET at the end": [[ret(), ld(0)], /does not end in RET/],
  "reading memory nobody wrote": [[ldm(0), ret()], /M\[0\]/],
  "reading memory written on one path only": [[ld(0), jeq(1, 0, 1), st(3), ldm(3), ret()], /M\[3\]/],
};

describe("verify", () => {
  for (const [name, insns] of Object.entries(ACCEPTED)) {
    test(`accepts ${name}`, () => expect(verify(assemble(insns), "little")).toBeNull());
  }
  for (const [name, [insns, reason]] of Object.entries(REJECTED)) {
    test(`rejects ${name}`, () => {
      const why = verify(assemble(insns), "little");
      expect(why).toMatch(reason);
      expect(why).not.toContain("\n");
    });
  }
  test("reads big-endian programs", () => {
    const le = assemble([ld(4), ret()]);
    const be = new Uint8Array(le);
    for (let i = 0; i < be.length; i += 8) {
      be.subarray(i, i + 2).reverse();
      be.subarray(i + 4, i + 8).reverse();
    }
    expect(verify(be, "big")).toBeNull();
    expect(verify(be, "little")).toMatch(/opcode/);
  });
  test("rejects a length that is not whole instructions", () => {
    expect(() => verify(new Uint8Array(12), "little")).not.toThrow();
    expect(verify(new Uint8Array(12), "little")).toMatch(/8-byte instructions/);
  });
});

// The kernel as the judge: load each program in a child and see whether seccomp(2) took it.
const canLoad = process.platform === "linux" && process.arch === "x64";
describe.runIf(canLoad)("verify agrees with the kernel (x86_64 host only)", () => {
  const dir = mkdtempSync(join(tmpdir(), "bpf-verify-"));
  const loads = (insns: Insn[], name: string): boolean => {
    const file = join(dir, name.replace(/\W+/g, "_") + ".bpf");
    writeFileSync(file, assemble(insns));
    try {
      execFileSync(helper("seccomp-run"), ["--nnp", "--bpf", file, "--", "true"], { stdio: "pipe" });
      return true;
    } catch (e) {
      const err = e as { status?: number; stderr?: Buffer };
      if (err.status === 125 && /install/.test(String(err.stderr))) return false;
      throw e;
    }
  };
  test("every accepted program loads, every rejected one is refused", () => {
    for (const [name, insns] of Object.entries(ACCEPTED)) expect(loads(insns, name), name).toBe(true);
    // seccomp-run cannot even read more than 4096 instructions or an empty file: skip those two.
    for (const [name, [insns]] of Object.entries(REJECTED)) {
      if (insns.length === 0 || insns.length > 4096) continue;
      expect(loads(insns, name), name).toBe(false);
    }
  });
});

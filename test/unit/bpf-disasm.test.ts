// The disassembler (wasm/assembly/bpf/disasm.ts) against libseccomp 2.5.4's own programs
// (test/fixtures/libseccomp-2.5.4) and the reference disassembly in test/fixtures/README.md, and its
// line format against the printf formats of libseccomp's tools/scmp_bpf_disasm.c.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { disassemble, simulate } from "../../wasm/core.ts";
import { assemble, type Insn } from "./bpf-asm.ts";
import { FIXTURES, UPSTREAM_LIBSECCOMP } from "../fixtures/index.ts";

const fixtures = FIXTURES;
const libseccomp = UPSTREAM_LIBSECCOMP;
const BIG_ENDIAN = new Set(["ppc64", "s390", "s390x"]);

/** One listing line, split: index, hex dump fields, mnemonic, operands. */
function parse(line: string) {
  const m = /^ (\d{4}): 0x([0-9a-f]{2}) 0x([0-9a-f]{2}) 0x([0-9a-f]{2}) 0x([0-9a-f]{8})   (\S+)\s*(.*)$/.exec(line);
  if (!m) throw new Error(`not a listing line: ${JSON.stringify(line)}`);
  return { index: Number(m[1]), code: parseInt(m[2], 16), jt: parseInt(m[3], 16), jf: parseInt(m[4], 16), k: parseInt(m[5], 16) >>> 0, op: m[6], args: m[7] };
}

function body(listing: string): ReturnType<typeof parse>[] {
  const lines = listing.split("\n");
  expect(lines[0]).toBe(" line  OP   JT   JF   K");
  expect(lines[1]).toBe("=================================");
  expect(lines.at(-1)).toBe("");
  return lines.slice(2, -1).map(parse);
}

describe("disassemble libseccomp's programs", () => {
  test("x86_64 matches the README's reference disassembly", () => {
    const readme = readFileSync(join(fixtures, "README.md"), "utf8");
    const ref = /Reference x86_64 disassembly[^\n]*\n([\s\S]*?)\n\s*\n|Reference x86_64 disassembly[^\n]*\n([\s\S]*)$/.exec(readme);
    expect(ref).not.toBeNull();
    const entries = [...(ref![1] ?? ref![2]).matchAll(/(\d+): (ld|jeq|jge|ret) (\S+)/g)];
    expect(entries).toHaveLength(9);
    const got = body(disassemble(readFileSync(join(libseccomp, "x86_64.bpf")), "little"));
    expect(got).toHaveLength(entries.length);
    for (const [, index, op, operand] of entries) {
      const line = got[Number(index)];
      expect(line.op).toBe(op);
      if (op === "ld") {
        expect(line.args).toBe(`$data${operand}`); // "[4]" -> "$data[4]"
      } else if (op === "ret") {
        expect(line.args).toBe(operand);
      } else {
        const [k, t, f] = operand.split(",").map(Number);
        const pad = (n: number) => String(n).padStart(4, "0");
        expect(line.args).toBe(`${String(k >>> 0).padEnd(4)} true:${pad(t)} false:${pad(f)}`);
      }
    }
  });

  for (const name of ["x86_64", "x86", "x32", "x86_64+x86+x32", "aarch64", "arm", "ppc64le", "ppc64", "s390x", "s390"]) {
    test(`${name}: every line decodes, and the listing describes the program`, () => {
      const order = BIG_ENDIAN.has(name) ? "big" : "little";
      const program = readFileSync(join(libseccomp, `${name}.bpf`));
      const lines = body(disassemble(program, order));
      expect(lines).toHaveLength(program.length / 8);
      const view = new DataView(program.buffer, program.byteOffset, program.byteLength);
      lines.forEach((l, i) => {
        expect(l.index).toBe(i);
        expect(l.code).toBe(view.getUint16(i * 8, order === "little"));
        expect(l.k).toBe(view.getUint32(i * 8 + 4, order === "little"));
        expect(["ld", "jeq", "jge", "jgt", "jmp", "ret", "and"]).toContain(l.op);
      });
      // Each program starts by checking the arch and ends in RETs: the listing and the
      // simulator read the same program (clone3 gets ERRNO(38) on the native arch).
      expect(lines[0].op).toBe("ld");
      expect(lines[0].args).toBe("$data[4]");
      expect(lines.at(-1)!.op).toBe("ret");
      const arch = lines[1].k;
      const clone3 = name === "x32" ? 0x400001b3 : 435;
      const hit = simulate(program, order, { nr: clone3, arch }).action;
      expect(lines.some((l) => l.op === "ret" && l.args === "ERRNO(38)" && l.k === hit)).toBe(true);
    });
  }
});

describe("line format (scmp_bpf_disasm.c printf formats)", () => {
  const cases: [Insn, string][] = [
    [[0x20, 0, 0, 16], "ld  $data[16]"],
    [[0x00, 0, 0, 7], "ld  7"],
    [[0x60, 0, 0, 3], "ld  $temp[3]"],
    [[0x80, 0, 0, 0], "ld  len($data)"],
    [[0x01, 0, 0, 9], "ldx 9"],
    [[0x61, 0, 0, 2], "ldx $temp[2]"],
    [[0x02, 0, 0, 5], "st  $temp[5]"],
    [[0x03, 0, 0, 6], "stx $temp[6]"],
    [[0x04, 0, 0, 10], "add 10"],
    [[0x54, 0, 0, 0xff], "and 0x000000ff"],
    [[0x44, 0, 0, 0x10], "or  0x00000010"],
    [[0x74, 0, 0, 3], "rsh 3"],
    [[0x1c, 0, 0, 0], "sub 0"],
    [[0x84, 0, 0, 0], "neg 0"],
    [[0x07, 0, 0, 0], "tax "],
    [[0x87, 0, 0, 0], "txa "],
    [[0x05, 0, 0, 2], "jmp 0023"],
    [[0x15, 1, 2, 435], "jeq 435  true:0022 false:0023"],
    [[0x25, 0, 0, 3221225534], "jgt 3221225534 true:0021 false:0021"],
    [[0x35, 0, 0, 7], "jge 7    true:0021 false:0021"],
    [[0x45, 0, 0, 1], "jset 1    true:0021 false:0021"],
    [[0x06, 0, 0, 0x7fff0000], "ret ALLOW"],
    [[0x06, 0, 0, 0x00050026], "ret ERRNO(38)"],
    [[0x06, 0, 0, 0x00000000], "ret KILL"],
    [[0x06, 0, 0, 0x80000000], "ret KILL_PROCESS"],
    [[0x06, 0, 0, 0x00030000], "ret TRAP"],
    [[0x06, 0, 0, 0x7ff00005], "ret TRACE(5)"],
    [[0x06, 0, 0, 0x7ffc0000], "ret LOG"],
    [[0x06, 0, 0, 0x7fc00000], "ret 0x7fc00000"],
    [[0x16, 0, 0, 0], "ret $acc"],
  ];
  for (const [insn, text] of cases) {
    test(text, () => {
      // Put the instruction at line 20 so jump targets show the absolute line numbers.
      const pad: Insn[] = Array.from({ length: 20 }, () => [0x00, 0, 0, 0] as Insn);
      const listing = disassemble(assemble([...pad, insn]), "little").split("\n");
      const hex = (v: number, n: number) => "0x" + (v >>> 0).toString(16).padStart(n, "0");
      expect(listing[22]).toBe(` 0020: ${hex(insn[0], 2)} ${hex(insn[1], 2)} ${hex(insn[2], 2)} ${hex(insn[3], 8)}   ${text}`);
    });
  }
});

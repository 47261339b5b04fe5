// arch/cpp.ts (the generator's macro evaluator) against gcc's own preprocessor and compiler: gcc
// evaluates the same macros in a C program that prints them. Then the committed x86 tables against
// the host's linux-libc-dev headers, evaluated by gcc the same way.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { evaluate, type Macros, macroValue, preprocess } from "../../arch/cpp.ts";
import { KERNEL_ARCH_FACTS } from "../../arch/abis.gen.ts";
import { type AbiName, type KernelArch, abiElfMachine, abiFacts, elfMachine, syscallNr } from "../../arch/index.ts";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const work = mkdtempSync(join(tmpdir(), "arch-cpp-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Values of `names` as gcc computes them after including `headers` (each "<…>" or a path). */
function gccValues(headers: string[], names: string[], flags: string[] = []): Map<string, bigint> {
  const src = join(work, `probe-${Math.random().toString(36).slice(2)}.c`);
  const includes = headers.map((h) => `#include ${h.startsWith("<") ? h : JSON.stringify(h)}`).join("\n");
  const prints = names.map((n) => `  printf("%s %lld\\n", "${n}", (long long)(${n}));`).join("\n");
  writeFileSync(src, `#include <stdio.h>\n${includes}\nint main(void) {\n${prints}\n  return 0;\n}\n`);
  const bin = src.replace(/\.c$/, "");
  execFileSync("gcc", [...flags, "-w", "-o", bin, src], { stdio: "pipe" });
  const out = execFileSync(bin, { encoding: "utf8" });
  return new Map(out.trim().split("\n").map((l) => [l.split(" ")[0], BigInt(l.split(" ")[1])]));
}

/** Every macro name that gcc sees defined with `prefix` after including `headers`. */
function gccMacroNames(headers: string[], prefix: string, flags: string[] = []): string[] {
  const src = join(work, "names.c");
  writeFileSync(src, headers.map((h) => `#include ${h}\n`).join(""));
  const out = execFileSync("gcc", [...flags, "-E", "-dM", src], { encoding: "utf8" });
  return [...out.matchAll(/^#define (\w+)/gm)].map((m) => m[1]).filter((n) => n.startsWith(prefix));
}

const SYNTHETIC = String.raw`
#ifndef GUARD_H
#define GUARD_H
#define A 0x10
#define B (A << 2)
#define C (B | 0x80000000)
#define NEG (-5)
#define OCT 017
#define SUF 10UL
#define LONG (A + \
  B)
/* #define A 99 inside a comment is not a definition */
#ifdef A
#define D1 1
#else
#define D1 2
#endif
#if defined(A) && !defined(ZZ)
#define D2 3
#elif 1
#define D2 4
#endif
#if 0
#define D3 5
#elif defined A
#define D3 6
#else
#define D3 7
#endif
#ifndef A
# if 1
#  define D4 8
# endif
#else
# define D4 9
#endif
#if UNDEFINED_IS_ZERO
#define D5 1
#else
#define D5 2
#endif
#define T (A > 3 ? 100 : 200)
#define ARITH (A - 1) * 3 % 7 + 100 / 7
#define SHIFTS ((1 << 30) >> 2)
#define CMP ((A == 16) + (A != 16) + (A <= 16) + (A >= 17) + (A < 2) + (A > 2))
#define LOGIC ((0 || 2) + (3 && 0) + !0 + ~0)
#define BITS ((0xff ^ 0x0f) & 0x3c | 0x100)
#define TMP 1
#undef TMP
#define FN(x) ((x) + 1)
#endif
`;
const SYNTHETIC_NAMES = ["A", "B", "C", "NEG", "OCT", "SUF", "LONG", "D1", "D2", "D3", "D4", "D5", "T", "ARITH", "SHIFTS", "CMP", "LOGIC", "BITS"];

describe("arch/cpp.ts", () => {
  it("evaluates definitions, conditionals and expressions as gcc does", () => {
    const header = join(work, "synthetic.h");
    writeFileSync(header, SYNTHETIC);
    const macros: Macros = new Map();
    preprocess(SYNTHETIC, macros, "synthetic.h");
    const ours = new Map(SYNTHETIC_NAMES.map((n) => [n, macroValue(n, macros)]));
    expect(ours).toEqual(gccValues([header], SYNTHETIC_NAMES));
    expect(macros.has("TMP")).toBe(false);
    expect(macros.has("FN")).toBe(false); // function-like macros are not constants
  });

  it("fails loudly on what it cannot evaluate", () => {
    const macros: Macros = new Map([["SELF", "(SELF + 1)"]]);
    expect(() => evaluate("NOPE + 1", macros)).toThrow(/undefined macro NOPE/);
    expect(() => evaluate("SELF", macros)).toThrow(/refers to itself/);
    expect(() => evaluate("(int)3", macros)).toThrow();
    expect(() => evaluate("1 / 0", macros)).toThrow(/division by zero/);
    expect(() => preprocess("#if 1\n#define X 1\n", new Map())).toThrow(/unterminated/);
    expect(() => preprocess("#endif\n", new Map())).toThrow(/without #if/);
  });
});

// The host's headers are another linux-libc-dev (Debian's, whatever version gcc ships with);
// syscall numbers never change once released, so every name in them must have the same number here.
const HOST_TABLES: [AbiName, string][] = [
  ["x86_64", "<asm/unistd_64.h>"],
  ["i386", "<asm/unistd_32.h>"],
  ["x32", "<asm/unistd_x32.h>"],
];

describe.each(HOST_TABLES)("the %s table against the host's %s, evaluated by gcc", (abi, header) => {
  it("has every host syscall at the number gcc computes", () => {
    // Only the table header: <asm/unistd.h> would pull in the 64-bit table beside the x32 one.
    const base = BigInt(abiFacts(abi).nrBase);
    const flags = [`-D__X32_SYSCALL_BIT=${base}`];
    const names = gccMacroNames([header], "__NR_", flags).filter((n) => /^__NR_[a-z_][a-z0-9_]*$/.test(n));
    const values = gccValues([header], names, flags);
    const disagreements = names
      .map((n) => [n.slice("__NR_".length), values.get(n)! - base] as const)
      .filter(([name, nr]) => syscallNr(abi, name) !== Number(nr))
      .map(([name, nr]) => `${name}: host ${nr}, ours ${syscallNr(abi, name) ?? "absent"}`);
    expect(disagreements).toEqual([]);
    expect(names.length).toBeGreaterThan(300);
  });
});

describe("AUDIT_ARCH, EM and ELF values against the host's linux headers, evaluated by gcc", () => {
  const pins = JSON.parse(readFileSync(join(repo, "arch", "pins.json"), "utf8"));
  const abiPins: [AbiName, { auditArch: string; elfMachine: string }][] = Object.values<{ abis: object }>(
    pins.debianArches,
  ).flatMap((arch) => Object.entries(arch.abis) as [AbiName, { auditArch: string; elfMachine: string }][]);
  const kernelPins = Object.entries(pins.kernelArches).filter(([k]) => !k.startsWith("$")) as [
    KernelArch,
    { elfMachine: string; elfClass: string; elfData: string },
  ][];
  const macros = new Set([
    ...abiPins.flatMap(([, p]) => [p.auditArch, p.elfMachine]),
    ...kernelPins.flatMap(([, p]) => [p.elfMachine, p.elfClass, p.elfData]),
  ]);
  const gcc = gccValues(["<linux/audit.h>", "<linux/elf.h>"], [...macros]);
  const value = (macro: string) => Number(gcc.get(macro));

  it("per ABI", () => {
    expect(abiPins.length).toBe(8);
    for (const [abi, p] of abiPins) {
      expect([abi, abiFacts(abi).auditArch, abiElfMachine(abi)]).toEqual([abi, value(p.auditArch), value(p.elfMachine)]);
    }
  });

  it("per kernel arch", () => {
    for (const [k, p] of kernelPins) {
      const f = KERNEL_ARCH_FACTS[k];
      expect([k, f.elfMachine, f.elfClass, f.elfData]).toEqual([k, value(p.elfMachine), value(p.elfClass), value(p.elfData)]);
      expect(elfMachine(k)).toBe(f.elfMachine);
    }
  });
});

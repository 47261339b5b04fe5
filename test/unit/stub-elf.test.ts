// The ELF container of every stub, as binutils' readelf (an independent parser) reads it.
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import type { KernelArch } from "../../arch/types.ts";
import { emitStub } from "../../wasm/stub.ts";
import { presetProgram, removeScratch, stubFile } from "../stub/stubs.ts";

afterAll(removeScratch);

const ARCHES: [KernelArch, { data: string; machine: string; flags: string }][] = [
  ["x86_64", { data: "little endian", machine: "Advanced Micro Devices X86-64", flags: "0x0" }],
  ["aarch64", { data: "little endian", machine: "AArch64", flags: "0x0" }],
  ["ppc64le", { data: "little endian", machine: "PowerPC64", flags: "0x2, abiv2" }],
  ["s390x", { data: "big endian", machine: "IBM S/390", flags: "0x0" }],
];

const field = (out: string, name: string): string => new RegExp(`^\\s*${name}:\\s*(.*)$`, "m").exec(out)![1]!.trim();

describe.each(ARCHES)("the %s stub", (arch, want) => {
  const file = stubFile(arch);
  const size = statSync(file).size;
  const header = execFileSync("readelf", ["-h", "-W", file], { encoding: "utf8" });
  const phdrs = execFileSync("readelf", ["-l", "-W", file], { encoding: "utf8" });

  it("is a static ELF64 executable for its machine", () => {
    expect(field(header, "Class")).toBe("ELF64");
    expect(field(header, "Data")).toBe(`2's complement, ${want.data}`);
    expect(field(header, "Type")).toBe("EXEC (Executable file)");
    expect(field(header, "Machine")).toBe(want.machine);
    expect(field(header, "Flags")).toBe(want.flags);
    expect(field(header, "Number of program headers")).toBe("2");
    expect(phdrs).not.toMatch(/INTERP|DYNAMIC/);
  });

  it("has one R+X PT_LOAD covering the whole file, 64 KiB aligned, holding the entry", () => {
    const load = /^\s*LOAD\s+(0x\w+)\s+(0x\w+)\s+(0x\w+)\s+(0x\w+)\s+(0x\w+)\s+(.+?)\s+(0x\w+)\s*$/m.exec(phdrs)!;
    const [offset, vaddr, , filesz, memsz, flags, align] = load.slice(1).map((s) => s.trim());
    expect(Number(offset)).toBe(0);
    expect(Number(filesz)).toBe(size);
    expect(Number(memsz)).toBe(size);
    expect(flags).toBe("R E");
    expect(Number(align)).toBe(0x10000);
    expect(Number(vaddr) % 0x10000).toBe(0);
    const entry = Number(field(header, "Entry point address"));
    expect(entry).toBeGreaterThan(Number(vaddr));
    expect(entry).toBeLessThan(Number(vaddr) + size);
  });

  it("asks for a non-executable stack (PT_GNU_STACK RW)", () => {
    expect(phdrs).toMatch(/^\s*GNU_STACK\s+.*\sRW\s+0x10\s*$/m);
  });

  it("embeds the filter verbatim", () => {
    const program = presetProgram(arch);
    expect(Buffer.from(emitStub({ kernelArch: arch, program })).indexOf(Buffer.from(program))).toBeGreaterThan(0);
  });

  it("fits in 2 KiB with the clone3 filter", () => {
    expect(size).toBeLessThanOrEqual(2048);
  });
});

describe("emitStub", () => {
  it("is deterministic: no state leaks from one emit into the next", () => {
    const x86 = () => emitStub({ kernelArch: "x86_64", program: presetProgram("x86_64") });
    const first = x86();
    emitStub({ kernelArch: "s390x", program: presetProgram("s390x"), probes: [{ nr: 1, args: [1, 2, 3, 4, 5, 6] }] });
    expect(() => emitStub({ kernelArch: "x86_64", program: new Uint8Array(3) })).toThrow();
    expect(x86()).toEqual(first);
  });
});

describe("emitStub input checks", () => {
  const program = presetProgram("x86_64");
  it.each([
    [{ kernelArch: "mips" }, /unknown arch/],
    [{ program: new Uint8Array(12) }, /1\.\.4096 sock_filter entries/],
    [{ program: new Uint8Array(0) }, /1\.\.4096 sock_filter entries/],
    [{ program: new Uint8Array(8 * 4097) }, /1\.\.4096 sock_filter entries/],
    [{ probes: Array.from({ length: 33 }, () => ({ nr: 1 })) }, /at most 32 probes/],
    [{ probes: [{ nr: 1, args: [1, 2, 3, 4, 5, 6, 7] }] }, /at most 6 arguments/],
    [{ probes: [{ nr: 1, args: [2 ** 32] }] }, /not a 32-bit value/],
  ] as [object, RegExp][])("rejects %j", (bad, message) => {
    expect(() => emitStub({ kernelArch: "x86_64", program, ...bad } as never)).toThrow(message);
  });
});

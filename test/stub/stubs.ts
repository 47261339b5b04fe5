// Test fixtures for the stub: stubs emitted with the real clone3 preset, hand-assembled
// "legacy engine" programs (independent of our compiler), and the native thread probe.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { KernelArch } from "../../arch/types.ts";
import { autoHideProgram } from "../../launcher/compile.ts";
import { clone3Preset } from "../../policy/preset.ts";
import { compile } from "../../wasm/core.ts";
import { emitStub, type StubOptions } from "../../wasm/stub.ts";
import { helper } from "../helpers/native.ts";

const here = dirname(fileURLToPath(import.meta.url));
let scratchDir: string | undefined;

/** A temp directory for this test file's stubs and fixtures, made on first use. */
export function scratch(): string {
  scratchDir ??= mkdtempSync(join(tmpdir(), "clone3-workaround-stub-test-"));
  return scratchDir;
}

/** Removes scratch(); call it from afterAll. */
export function removeScratch(): void {
  if (scratchDir) rmSync(scratchDir, { recursive: true, force: true });
  scratchDir = undefined;
}

/** The clone3 preset compiled by the core for `arch`, in the target's byte order (compile's default). */
export function presetProgram(arch: KernelArch): Uint8Array {
  return compile(clone3Preset(arch)).bytes;
}

/** A filter of BPF_MAXINSNS (4096) instructions: loads of seccomp_data.nr, then the preset. */
export function maximalProgram(arch: KernelArch): Uint8Array {
  const preset = presetProgram(arch);
  const out = new Uint8Array(4096 * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4096 - preset.length / 8; i++) view.setUint16(i * 8, 0x20, arch !== "s390x"); // ld [0]
  out.set(preset, out.length - preset.length);
  return out;
}

/** Emits the auto-hide stub for `arch` (what --emit-stub writes by default) to a temp file. */
export function autoHideStubFile(arch: KernelArch, name = `stub-auto.${arch}`): string {
  const { program, slots } = autoHideProgram(arch);
  const out = join(scratch(), name);
  writeFileSync(out, emitStub({ kernelArch: arch, program: program.bytes, slots }));
  chmodSync(out, 0o755);
  return out;
}

/** Emits a stub for `arch` (the clone3 preset unless `opts` says otherwise) to a temp file. */
export function stubFile(arch: KernelArch, name = `stub.${arch}`, opts: Partial<StubOptions> = {}): string {
  const elf = emitStub({ kernelArch: arch, program: presetProgram(arch), ...opts });
  const out = join(scratch(), name);
  writeFileSync(out, elf);
  chmodSync(out, 0o755);
  return out;
}

const AUDIT_ARCH_X86_64 = 0xc000003e;
const AUDIT_ARCH_I386 = 0x40000003;
const RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;

type Insn = [code: number, jt: number, jf: number, k: number];
const LD_ABS = 0x20, JEQ = 0x15, RET = 0x06;

/** The rules of an emulated engine: syscall number -> errno, per ABI; everything else allowed. */
export interface EngineRules {
  x86_64: [nr: number, errno: number][];
  i386: [nr: number, errno: number][];
}

/** Writes a raw x86_64 seccomp program (host order) for test/helpers/seccomp-run. */
export function engineBpf(name: string, rules: EngineRules): string {
  const block = (r: [number, number][]): Insn[] => [
    [LD_ABS, 0, 0, 0], // seccomp_data.nr
    ...r.flatMap(([nr, e]): Insn[] => [[JEQ, 0, 1, nr], [RET, 0, 0, RET_ERRNO | e]]),
    [RET, 0, 0, RET_ALLOW],
  ];
  const x64 = block(rules.x86_64), i386 = block(rules.i386);
  const prog: Insn[] = [
    [LD_ABS, 0, 0, 4], // seccomp_data.arch
    [JEQ, 2, 0, AUDIT_ARCH_X86_64], // to the x86_64 block at 4
    [JEQ, 1 + x64.length, 0, AUDIT_ARCH_I386], // to the i386 block after it
    [RET, 0, 0, RET_ALLOW], // x32 and anything else
    ...x64,
    ...i386,
  ];
  const buf = Buffer.alloc(prog.length * 8);
  prog.forEach(([code, jt, jf, k], i) => {
    buf.writeUInt16LE(code, i * 8);
    buf.writeUInt8(jt, i * 8 + 2);
    buf.writeUInt8(jf, i * 8 + 3);
    buf.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  const out = join(scratch(), `${name}.bpf`);
  writeFileSync(out, buf);
  return out;
}

/** test/helpers/threads.c, built with gcc (flags e.g. ["-m32"]). */
export const threadsBinary = (flags: string[] = []): string => helper("threads", [...flags, "-pthread"]);

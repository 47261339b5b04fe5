// --compile, --simulate and --emit-stub: the core's outputs for any kernel arch, no kernel involved.
import { abiFacts, abiName, abisOf, syscallNr } from "../arch/index.ts";
import type { AbiFacts, KernelArch } from "../arch/types.ts";
import { actionName, ociToJson, PolicyError } from "../policy/index.ts";
import { disassemble, simulate, type Program } from "../wasm/core.ts";
import type { FilterChoice, Format, Hide, Request } from "./args.ts";
import { filterProgram, ociPolicy, toKernelArch, type FilterSource } from "./filter.ts";
import { writeOutput, writeStdout } from "./output.ts";
import { PROBE_ARGS } from "./probes.ts";

/** A filter source for a command that probes nothing: `--hide auto` only means something in a run. */
function staticSource(choice: FilterChoice): FilterSource {
  if (choice.policyFile !== undefined) return { policyFile: choice.policyFile };
  return { hide: hideList(choice.hide) };
}

export function hideList(hide: Hide): string[] {
  if (hide.kind === "auto") throw new PolicyError("--hide auto probes the running engine; name the syscalls here");
  return hide.kind === "list" ? hide.names : ["clone3"];
}

/** The program as --compile prints it in each program format. */
export function formatProgram(program: Program, arch: KernelArch, format: Exclude<Format, "oci">): string | Uint8Array {
  switch (format) {
    case "raw":
      return program.bytes;
    case "disasm":
      return disassemble(program.bytes, program.byteOrder);
    case "hex": {
      // One sock_filter per line, its 8 bytes in the program's byte order.
      const lines: string[] = [];
      for (let i = 0; i < program.bytes.length; i += 8) {
        lines.push(Buffer.from(program.bytes.subarray(i, i + 8)).toString("hex"));
      }
      return lines.join("\n") + "\n";
    }
    case "json": {
      const view = new DataView(program.bytes.buffer, program.bytes.byteOffset, program.bytes.byteLength);
      const little = program.byteOrder === "little";
      const insns = [];
      for (let i = 0; i < program.bytes.length; i += 8) {
        insns.push({ code: view.getUint16(i, little), jt: view.getUint8(i + 2), jf: view.getUint8(i + 3), k: view.getUint32(i + 4, little) });
      }
      return JSON.stringify({ arch, byteOrder: program.byteOrder, insns }, null, 2) + "\n";
    }
  }
}

export async function compileCommand(req: Extract<Request, { kind: "compile" }>, hostArch: string): Promise<void> {
  const arch = toKernelArch(req.arch ?? hostArch);
  if (req.format === "oci") {
    // The policy itself, not a program: what an engine or runc takes (e.g. a patched moby profile).
    writeOutput(ociToJson(ociPolicy(staticSource(req), arch)), req.output);
    return;
  }
  const program = filterProgram(staticSource(req), arch);
  writeOutput(formatProgram(program, arch, req.format), req.output);
}

/** The ABI to simulate: the native one unless --abi names another ABI of this arch. */
export function simulatedAbi(arch: KernelArch, abi: string | undefined): AbiFacts {
  if (abi === undefined) return abisOf(arch)[0]!;
  const name = abiName(abi);
  if (!name || !abisOf(arch).some((a) => a.name === name)) {
    throw new PolicyError(`ABI ${JSON.stringify(abi)} is not one of ${arch}'s (${abisOf(arch).map((a) => a.name).join(", ")})`);
  }
  return abiFacts(name);
}

/** A decimal, 0x-hex or negative decimal (two's complement) 64-bit value; nothing else. */
function parseU64(text: string, what: string): bigint {
  if (/^(\d+|0x[0-9a-f]+|-\d+)$/i.test(text)) {
    const v = BigInt(text);
    if (v >= -(1n << 63n) && v < 1n << 64n) return BigInt.asUintN(64, v);
  }
  throw new PolicyError(`${what}: ${JSON.stringify(text)} is not a 64-bit number`);
}

/** seccomp_data.nr for a syscall name or an ABI-local number (-1 is the tracer's "skip"). */
export function rawNr(abi: AbiFacts, syscall: string): number {
  if (/^(-1|\d+|0x[0-9a-f]+)$/i.test(syscall)) {
    if (syscall === "-1") return 0xffffffff;
    const nr = Number(parseU64(syscall, "syscall number"));
    if (nr > 0xffffffff - abi.nrBase) throw new PolicyError(`syscall number ${syscall} is out of range`);
    return nr + abi.nrBase;
  }
  const nr = syscallNr(abi.name, syscall);
  if (nr === undefined) throw new PolicyError(`no syscall ${JSON.stringify(syscall)} on ${abi.name}`);
  return nr + abi.nrBase;
}

export interface Simulation {
  abi: AbiFacts;
  nr: number;
  action: number;
  executed: number;
}

export function runSimulation(req: Extract<Request, { kind: "simulate" }>): Simulation {
  const arch = toKernelArch(req.arch);
  const abi = simulatedAbi(arch, req.abi);
  if (req.args.length > 6) throw new PolicyError("a syscall has at most 6 arguments");
  const args = req.args.map((a, i) => parseU64(a, `argument ${i}`));
  const nr = rawNr(abi, req.syscall);
  const program = filterProgram(staticSource(req), arch);
  const { action, executed } = simulate(program.bytes, program.byteOrder, { nr, arch: abi.auditArch, args });
  return { abi, nr, action, executed };
}

export function simulationLine(s: Simulation): string {
  return `${actionName(s.action)} (${s.executed} instructions executed)\n`;
}

export async function simulateCommand(req: Extract<Request, { kind: "simulate" }>): Promise<void> {
  writeStdout(simulationLine(runSimulation(req)));
}

export async function emitStubCommand(req: Extract<Request, { kind: "emit-stub" }>): Promise<void> {
  const arch = toKernelArch(req.arch);
  const hidden = hideList(req.hide);
  const program = filterProgram({ hide: hidden }, arch);
  const native = abisOf(arch)[0]!.name;
  const nr = (name: string) => {
    const n = syscallNr(native, name);
    if (n === undefined) throw new PolicyError(`no syscall ${JSON.stringify(name)} on ${arch}`);
    return n;
  };
  const { emitStub } = await import("../wasm/stub.ts");
  const nrs = { write: nr("write"), exit_group: nr("exit_group"), execve: nr("execve"), seccomp: nr("seccomp"), prctl: nr("prctl"), clone3: nr("clone3") };
  // In `auto` the stub installs when any hidden syscall answers EPERM, as the launcher does.
  const probes = hidden
    .filter((name) => PROBE_ARGS[name] !== undefined && syscallNr(native, name) !== undefined)
    .map((name) => ({ nr: nr(name), args: PROBE_ARGS[name]! }));
  const elf = emitStub({ kernelArch: arch, program: program.bytes, nrs, probes });
  writeOutput(elf, req.output, { executable: true });
}

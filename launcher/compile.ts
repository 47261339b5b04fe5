// What --compile, --simulate and --emit-stub (launcher/commands/) make: the core's outputs for
// any kernel arch, no kernel involved. Each command parses its --arch once and passes it here.
import { abiFacts, abiName, abisOf, nativeAbi, syscallNr } from "../arch/index.ts";
import type { AbiFacts, KernelArch } from "../arch/types.ts";
import { PolicyError } from "../policy/index.ts";
import { ENOSYS, errno, RET } from "../policy/action.ts";
import { hidePreset, KNOWN_HIDEABLE } from "../policy/preset.ts";
import type { ResolvedPolicy } from "../policy/resolved.ts";
import { actionName, compile, disassemble, simulate, verify, type Program } from "../wasm/core.ts";
import { STUB_COMPAT_ABI, type StubSlot } from "../wasm/stub.ts";
import type { Format, Request } from "./args.ts";
import { filterProgram, staticSource } from "./filter.ts";
import { PROBE_ARGS, PROBE_DECIDING_ARGS } from "./probes.ts";

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

/** The ABI to simulate: the native one unless --abi names another ABI of this arch. */
function simulatedAbi(arch: KernelArch, abi: string | undefined): AbiFacts {
  if (abi === undefined) return nativeAbi(arch);
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
function rawNr(abi: AbiFacts, syscall: string): number {
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

interface Simulation {
  abi: AbiFacts;
  nr: number;
  action: number;
  executed: number;
}

export function runSimulation(req: Extract<Request, { kind: "simulate" }>, arch: KernelArch): Simulation {
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

/** A probe's syscall number, on the native ABI or (compat) on STUB_COMPAT_ABI's. */
type ProbeSite = { nr: number; compat: boolean };

/**
 * Where the stub probes `name` on `arch`: natively, or where the native ABI lacks it on the one
 * compat ABI the stub calls itself (x86_64's i386, for the time64 family); undefined if neither.
 */
function probeSite(arch: KernelArch, name: string): ProbeSite | undefined {
  const nr = syscallNr(nativeAbi(arch).name, name);
  if (nr !== undefined) return { nr, compat: false };
  const compat = STUB_COMPAT_ABI[arch];
  const compatNr = compat === undefined ? undefined : syscallNr(compat, name);
  return compatNr === undefined ? undefined : { nr: compatNr, compat: true };
}

/** What auto-hide covers on `arch`: the known set, less what the stub cannot probe (see probeSite). */
export function autoHideNames(arch: KernelArch): string[] {
  return Object.keys(KNOWN_HIDEABLE).filter((name) => PROBE_ARGS[name] !== undefined && probeSite(arch, name) !== undefined);
}

/** errno data that marks slot i's RETs while the slots are found; never a real answer of ours. */
const SLOT_MARK = 4000;

/** One slot: the name probed (`probe`) and the names whose rules end in its RETs. */
export type AutoHideSlot = StubSlot & { name: string; hides: readonly string[] };

/** The auto-hide program: every name ENOSYS on every ABI, through its slot's RETs. */
interface AutoHideProgram {
  program: Program;
  slots: AutoHideSlot[];
}

/**
 * The slots for `names`: one per name probed natively; one for all the names probed on the
 * compat ABI (x86_64's i386 time64 family), probed by the first of them. An engine refuses that
 * family whole, because its libseccomp lacks every name of it (< 2.4.2, which added them
 * together) or knows them all; and a slot per name would cost two filter instructions and a probe
 * record each, past the stub's 2.5 KiB (18 names: 288 B of filter alone).
 */
function slotGroups(arch: KernelArch, names: readonly string[]): { name: string; hides: string[]; site: ProbeSite }[] {
  const groups: { name: string; hides: string[]; site: ProbeSite }[] = [];
  for (const name of names) {
    const site = probeSite(arch, name);
    if (site === undefined || PROBE_ARGS[name] === undefined) throw new PolicyError(`auto-hide cannot probe ${JSON.stringify(name)} on ${arch}`);
    const shared = site.compat ? groups.find((g) => g.site.compat) : undefined;
    if (shared) shared.hides.push(name);
    else groups.push({ name, hides: [name], site });
  }
  // The compat probe goes last: the stub makes it only when a native one answered EPERM (see
  // autoHideProgram), which it knows only after them.
  return [...groups.filter((g) => !g.site.compat), ...groups.filter((g) => g.site.compat)];
}

/**
 * One program hiding `names` on every ABI of `arch`, in which all of a slot's rules (on every
 * ABI: a compat ABI follows the native probe, or for names the native ABI lacks the compat
 * ABI's own probe: see slotGroups) end in RETs of that slot alone. The core compiles it with a
 * distinct marker errno per slot, which keeps the slots' RETs apart; the markers are then found
 * and turned into ENOSYS. The kernel's verifier rules hold for the program as emitted and with
 * every slot patched to ALLOW (the patch changes only RET values).
 */
export function autoHideProgram(arch: KernelArch, names: readonly string[] = autoHideNames(arch)): AutoHideProgram {
  const base = hidePreset(names, arch);
  const groups = slotGroups(arch, names);
  const policy: ResolvedPolicy = {
    ...base,
    abis: base.abis.map(({ abi }) => ({
      abi,
      rules: groups.flatMap(({ hides }, i) => hides.flatMap((name) => {
        const nr = syscallNr(abi.name, name);
        return nr === undefined ? [] : [{ nr, action: errno(SLOT_MARK + i), conds: [] }];
      })),
    })),
  };
  // Distinct RETs keep the core from merging neighbouring numbers into ranges, so the dispatch
  // that is best for one shared action may not be the smallest here: take the smallest.
  const program = (["auto", "arch-first"] as const)
    .map((strategy) => compile(policy, { strategy }))
    .reduce((best, p) => (p.insns < best.insns ? p : best));
  const little = program.byteOrder === "little";
  const view = new DataView(program.bytes.buffer, program.bytes.byteOffset, program.bytes.byteLength);
  const at: number[][] = groups.map(() => []);
  for (let off = 0; off < program.bytes.length; off += 8) {
    if (view.getUint16(off, little) !== 0x06) continue; // BPF_RET | BPF_K
    const i = view.getUint32(off + 4, little) - errno(SLOT_MARK);
    if (i < 0 || i >= groups.length) continue;
    at[i]!.push(off);
    view.setUint32(off + 4, errno(ENOSYS), little);
  }
  // The compat probe (x86_64's i386 child: a process of its own, see README) is made only when a native probe
  // answered EPERM, if clone3 is one: an engine refuses the i386 time64 names only when its
  // libseccomp lacks them (Linux 5.1's; libseccomp 2.4.2 added them in the same table update as
  // clone3), and such a libseccomp lacks clone3 too, so the native clone3 probe answers EPERM.
  const clone3Native = groups.some((g) => g.name === "clone3" && !g.site.compat);
  const slots = groups.map(({ name, hides, site }, i): AutoHideSlot => {
    if (at[i]!.length === 0) throw new PolicyError(`auto-hide: no return slot for ${name}`);
    const compat = site.compat ? { compat: true, ...(clone3Native ? { onlyAfterEperm: true } : {}) } : {};
    const probe = { nr: site.nr, args: PROBE_ARGS[name]!, set: PROBE_DECIDING_ARGS[name], ...compat };
    return { name, hides, probe, at: at[i]! };
  });
  const allAllowed = patchSlots(program, slots.map(() => true), slots);
  for (const p of [program.bytes, allAllowed]) {
    const why = verify(p, program.byteOrder);
    if (why !== null) throw new PolicyError(`auto-hide program rejected: ${why}`);
  }
  return { program, slots };
}

/** The program as the stub patches it: the slots of every name with `allowed[i]` become ALLOW. */
export function patchSlots(program: Program, allowed: readonly boolean[], slots: readonly StubSlot[]): Uint8Array {
  const out = program.bytes.slice();
  const view = new DataView(out.buffer);
  slots.forEach((slot, i) => {
    if (allowed[i]) for (const off of slot.at) view.setUint32(off + 4, RET.ALLOW, program.byteOrder === "little");
  });
  return out;
}

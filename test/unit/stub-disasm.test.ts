// Every encoder checked by an independent decoder: objdump (Debian's binutils-multiarch)
// disassembles each stub's code. All four stubs come from one IR program, so after decoding they
// must show the same skeleton: the same sequence of conditional branches, jumps, syscalls (named
// through libseccomp's tables) and data references, with every branch landing on the same
// skeleton position. A wrong displacement, register field or syscall number in any one backend
// breaks that agreement.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KernelArch } from "../../arch/types.ts";
import { autoHideNames, autoHideProgram } from "../../launcher/compile.ts";
import type { StubOptions, StubSlot } from "../../wasm/stub.ts";
import { PROBE_ARGS } from "../../launcher/probes.ts";
import { maximalProgram, presetProgram, removeScratch, scratch, stubFile } from "../stub/stubs.ts";

afterAll(removeScratch);

interface Insn {
  addr: number;
  text: string; // mnemonic and operands, whitespace collapsed
}

const OBJDUMP: Record<KernelArch, string[]> = {
  x86_64: ["-m", "i386:x86-64"],
  aarch64: ["-m", "aarch64"],
  ppc64le: ["-m", "powerpc:common64", "-EL"],
  s390x: ["-m", "s390:64-bit", "-EB"],
  arm: ["-m", "armv6", "-EL", "-M", "reg-names-raw"], // ARMv6: what a Pi Zero/1 runs
};
const SCMP_ARCH: Record<KernelArch, string> = { x86_64: "x86_64", aarch64: "aarch64", ppc64le: "ppc64le", s390x: "s390x", arm: "arm" };

interface Stub {
  arch: KernelArch;
  bytes: Buffer;
  base: number;
  entry: number;
  /** Address of struct sock_fprog: the code ends (after padding) where it starts. */
  fprog: number;
  /** How much higher than its file offset the data is addressed (its own RW mapping), else 0. */
  dataBias: number;
  /** Where the data starts (the code ends, after padding). */
  dataStart: number;
  insns: Insn[];
}

function load(arch: KernelArch, program = presetProgram(arch), opts: Partial<StubOptions> = {}, tag = ""): Stub {
  const file = stubFile(arch, `disasm-${program.length}${tag}.${arch}`, { program, ...opts });
  const bytes = readFileSync(file);
  const header = execFileSync("readelf", ["-h", "-l", "-W", file], { encoding: "utf8" });
  const entry = Number(/Entry point address:\s*(0x\w+)/.exec(header)![1]);
  const loads = [...header.matchAll(/^\s*LOAD\s+(0x\w+)\s+(0x\w+)/gm)].map((m) => [Number(m[1]), Number(m[2])] as const);
  const base = loads[0]![1];
  const dataBias = loads.length > 1 ? loads[1]![1] - loads[1]![0] - base : 0;
  const fprog = base + bytes.indexOf(Buffer.from(program)) - (arch === "arm" ? 8 : 16); // struct sock_fprog's size
  // The data starts with the messages' prefix and the warning after it (program.ts writeData).
  const dataStart = base + bytes.indexOf(Buffer.from("clone3-workaround: warning: "));
  if (loads.length > 1) expect(dataStart).toBe(base + loads[1]![0]);
  const out = execFileSync(
    "objdump",
    ["-D", "-b", "binary", ...OBJDUMP[arch], `--adjust-vma=${base}`, `--start-address=${entry}`, `--stop-address=${dataStart}`, "-z", file],
    { encoding: "utf8" },
  );
  const insns: Insn[] = [];
  for (const line of out.split("\n")) {
    const m = /^\s*([0-9a-f]+):\t(?:[0-9a-f]{2,8} ?)+\s*\t(.*)$/.exec(line);
    if (m) insns.push({ addr: parseInt(m[1]!, 16), text: m[2]!.replace(/\s+/g, " ").replace(/\s*(\/\/|<).*$/, "").replace(arch === "arm" ? /\s*[@;].*$/ : /$^/, "").trim() });
  }
  return { arch, bytes, base, entry, fprog, dataBias, dataStart, insns };
}

const nameOf = (arch: KernelArch | "x86", nr: number): string =>
  execFileSync("scmp_sys_resolver", ["-a", arch === "x86" ? arch : SCMP_ARCH[arch], String(nr)], { encoding: "utf8" }).trim();

/** Code, up to the padding that aligns the data after it. */
function code(s: Stub): Insn[] {
  const pad: Record<KernelArch, RegExp> = { x86_64: /^int3$/, aarch64: /^(udf|\.inst 0x0+)\b/, ppc64le: /^\.long 0x0$/, s390x: /^\.(short|long) 0x\w+$/, arm: /^(andeq r0, r0, r0|udf #\d+)$/ }; // s390x: objdump groups the padding with the data after it
  const insns = [...s.insns];
  while (insns.length > 0 && pad[s.arch].test(insns[insns.length - 1]!.text)) insns.pop();
  return insns;
}

type Event = { kind: "B" | "EQ" | "NE" | "LT"; target: number } | { kind: "SYS"; name: string } | { kind: "DATA"; what: string };
/** A syscall whose number the probe loop loads from its table (see probeTable). */
const TABLE_SYS: Event = { kind: "SYS", name: "<probe table>" };
/** x86_64's int $0x80: an i386 syscall, in the probe loop (numbers with bit 15) or not. */
const INT80: Event = { kind: "SYS", name: "<i386>" };

/** The IR-level skeleton of a stub, each event tagged with its address. */
function skeleton(s: Stub): { addr: number; ev: Event; at?: number }[] {
  const insns = code(s);
  const events: { addr: number; ev: Event; at?: number }[] = [];
  let rbase = 0; // ppc64le: r20 = base + 0x8000 from the prologue
  const armValue = new Map<string, number>(); // arm: constants built by mov/mvn, then orr/bic
  const data = (at: number): string => {
    const addr = s.dataBias > 0 && at >= s.base + s.dataBias ? at - s.dataBias : at;
    if (addr === s.fprog) return "<fprog>";
    if (addr === s.fprog + (s.arch === "arm" ? 8 : 16)) return "<filter>"; // its bytes differ by arch
    const off = addr - s.base;
    const end = s.bytes.indexOf(0, off);
    const text = s.bytes.subarray(off, Math.min(end < 0 ? s.bytes.length : end, off + 24)).toString("latin1");
    return /^[\x20-\x7e\n]+$/.test(text) ? text : "<binary>"; // binary constants differ in byte order
  };
  // The end counts: the probe loop stops at its table's end, which may be the image's.
  const inImage = (v: number) => (v >= s.base && v <= s.base + s.bytes.length) || (s.dataBias > 0 && v >= s.base + s.dataBias && v <= s.base + s.dataBias + s.bytes.length);
  for (let i = 0; i < insns.length; i++) {
    const { addr, text } = insns[i]!;
    const prev = (back: number) => insns[i - back]?.text ?? "";
    let m: RegExpExecArray | null;
    const branch = (kind: "B" | "EQ" | "NE" | "LT", target: string) => events.push({ addr, ev: { kind, target: parseInt(target, 16) } });
    switch (s.arch) {
      case "x86_64":
        if ((m = /^jmp 0x(\w+)$/.exec(text))) branch("B", m[1]!);
        else if ((m = /^j(e|ne|l) 0x(\w+)$/.exec(text))) branch(m[1] === "e" ? "EQ" : m[1] === "ne" ? "NE" : "LT", m[2]!);
        else if (text === "syscall" && /^movzwl .*,%eax$/.test(prev(1))) events.push({ addr, ev: TABLE_SYS });
        // The table's either-ABI call: movzwl, btr $0xf, jae to the syscall past the i386 child.
        else if (text === "syscall" && /^jmp /.test(prev(1)) && prev(2) === "sub $0x101,%rax") events.push({ addr, ev: TABLE_SYS });
        else if (text === "int $0x80") events.push({ addr, ev: INT80 });
        else if (text === "syscall") {
          const nr = /^mov \$0x(\w+),%eax$/.exec(prev(1)) ?? (/^pop %rax$/.test(prev(1)) ? /^push \$0x(\w+)$/.exec(prev(2)) : null);
          events.push({ addr, ev: { kind: "SYS", name: nameOf(s.arch, parseInt(nr![1]!, 16)) } });
        } else if ((m = /^mov \$0x(\w+),%\w+$/.exec(text)) && inImage(parseInt(m[1]!, 16))) {
          events.push({ addr, ev: { kind: "DATA", what: data(parseInt(m[1]!, 16)) }, at: parseInt(m[1]!, 16) });
        }
        break;
      case "aarch64":
        if ((m = /^b 0x(\w+)$/.exec(text))) branch("B", m[1]!);
        else if ((m = /^b\.(eq|ne|lt) 0x(\w+)$/.exec(text))) branch(m[1] === "eq" ? "EQ" : m[1] === "ne" ? "NE" : "LT", m[2]!);
        else if (text === "svc #0x0" && /^ldrh w8,/.test(prev(1))) events.push({ addr, ev: TABLE_SYS });
        else if (text === "svc #0x0") {
          const nr = /^mov x8, #0x(\w+)$/.exec(prev(1))!;
          events.push({ addr, ev: { kind: "SYS", name: nameOf(s.arch, parseInt(nr[1]!, 16)) } });
        } else if ((m = /^adr x\d+, 0x(\w+)$/.exec(text))) events.push({ addr, ev: { kind: "DATA", what: data(parseInt(m[1]!, 16)) }, at: parseInt(m[1]!, 16) });
        break;
      case "ppc64le":
        if ((m = /^lis r20,(\d+)$/.exec(text))) rbase = Number(m[1]) * 0x10000;
        else if ((m = /^ori r20,r20,(\d+)$/.exec(text))) rbase |= Number(m[1]);
        else if ((m = /^b 0x(\w+)$/.exec(text))) branch("B", m[1]!);
        else if ((m = /^(beq|bne|blt) 0x(\w+)$/.exec(text))) branch(m[1] === "beq" ? "EQ" : m[1] === "bne" ? "NE" : "LT", m[2]!);
        else if (text === "sc" && /^lhz r0,/.test(prev(1))) events.push({ addr, ev: TABLE_SYS });
        else if (text === "sc") {
          const nr = /^li r0,(\d+)$/.exec(prev(1))!;
          events.push({ addr, ev: { kind: "SYS", name: nameOf(s.arch, Number(nr[1])) } });
        } else if ((m = /^addi r\d+,r20,(-?\d+)$/.exec(text))) events.push({ addr, ev: { kind: "DATA", what: data(rbase + Number(m[1])) }, at: rbase + Number(m[1]) });
        break;
      case "s390x":
        if ((m = /^j 0x(\w+)$/.exec(text))) branch("B", m[1]!);
        else if ((m = /^j(e|ne|l) 0x(\w+)$/.exec(text))) branch(m[1] === "e" ? "EQ" : m[1] === "ne" ? "NE" : "LT", m[2]!);
        else if (text === "svc 0" && /^llgh %r1,/.test(prev(1))) events.push({ addr, ev: TABLE_SYS });
        else if ((m = /^svc (\d+)$/.exec(text))) {
          const nr = m[1] === "0" ? Number(/^lghi %r1,(\d+)$/.exec(prev(1))![1]) : Number(m[1]);
          events.push({ addr, ev: { kind: "SYS", name: nameOf(s.arch, nr) } });
        } else if ((m = /^lgfi %r\d+,(\d+)$/.exec(text)) && inImage(Number(m[1]))) {
          events.push({ addr, ev: { kind: "DATA", what: data(Number(m[1])) }, at: Number(m[1]) });
        }
        break;
      case "arm":
        if ((m = /^b 0x(\w+)$/.exec(text))) branch("B", m[1]!);
        else if ((m = /^b(eq|ne|lt) 0x(\w+)$/.exec(text))) branch(m[1] === "eq" ? "EQ" : m[1] === "ne" ? "NE" : "LT", m[2]!);
        else if (text === "svc 0x00000000" && /^ldrh r7,/.test(prev(1))) events.push({ addr, ev: TABLE_SYS });
        else if (text === "svc 0x00000000") events.push({ addr, ev: { kind: "SYS", name: nameOf(s.arch, armValue.get("r7")!) } });
        else if ((m = /^(mov|mvn) (r\d+), #(-?\d+)$/.exec(text))) armValue.set(m[2]!, m[1] === "mov" ? Number(m[3]) >>> 0 : ~Number(m[3]) >>> 0);
        else if ((m = /^(orr|bic) (r\d+), (r\d+), #(-?\d+)$/.exec(text)) && m[2] === m[3] && armValue.has(m[2]!)) {
          const v = m[1] === "orr" ? (armValue.get(m[2]!)! | Number(m[4])) >>> 0 : (armValue.get(m[2]!)! & ~Number(m[4])) >>> 0;
          armValue.set(m[2]!, v);
        } else if ((m = /^(add|sub) (r\d+), r14, #(\d+)$/.exec(text))) {
          // An address is r14 (the data's, from the prologue's mov, orr, orr) plus one or two
          // immediates (wasm/assembly/stub/arm.ts la): one event, at its last word.
          const sign = m[1] === "add" ? 1 : -1;
          let v = armValue.get("r14")! + sign * Number(m[3]);
          const more = new RegExp(`^${m[1]} ${m[2]}, ${m[2]}, #(\\d+)$`).exec(insns[i + 1]?.text ?? "");
          if (more) v += sign * Number(more[1]);
          if (more) i++;
          events.push({ addr: insns[i]!.addr, ev: { kind: "DATA", what: data(v) }, at: v });
          armValue.delete(m[2]!);
        } else if ((m = /^\w+ (r\d+),/.exec(text))) armValue.delete(m[1]!); // anything else writing a register
        break;
    }
  }
  return events;
}

interface ProbeRecord {
  name: string;
  /** Each argument's value, from the pool (sign-extended words). */
  args: bigint[];
  /** Where the RET ALLOW word goes, as an address. */
  stores: number[];
}

/**
 * Auto-hide's probe table, read as data: the loop loads the pool's address, then the table's,
 * makes the syscall each record numbers, and stops at the address it loads after that syscall.
 * Records (wasm/assembly/stub/program.ts, ProbeTable): u16 nr, a u8 per slot (as many as the most
 * slots any name has: where the RET ALLOW word goes, in sock_filter entries from the pool's
 * base), u8 offset of the argument vector, 2-aligned. Offsets count from the base the loop loads:
 * the pool's start, or on arm 4 past it, right after the RET ALLOW word (k field) that starts the
 * pool. A vector has a byte per argument (as many as the longest probe has): its value's offset.
 */
function probeTable(s: Stub, slots: readonly StubSlot[]): { allow: bigint; records: ProbeRecord[] } {
  const events = skeleton(s);
  const sys = events.findIndex(({ ev }) => ev === TABLE_SYS);
  expect(sys).toBeGreaterThan(0);
  const [pool, table] = events.slice(0, sys).filter(({ ev }) => ev.kind === "DATA").slice(-2).map((e) => e.at!);
  const end = events.slice(sys).find(({ ev }) => ev.kind === "DATA")!.at!;
  const off = (addr: number) => addr - s.dataBias - s.base;
  const be = s.arch === "s390x";
  const u16 = (o: number) => (be ? s.bytes.readUInt16BE(o) : s.bytes.readUInt16LE(o));
  const word = (o: number) => (s.arch === "arm" ? BigInt(s.bytes.readInt32LE(o)) : be ? s.bytes.readBigInt64BE(o) : s.bytes.readBigInt64LE(o));
  const slotCount = Math.max(...slots.map((x) => x.at.length));
  const argCount = Math.max(1, ...slots.map((x) => (x.probe.args ?? []).length));
  const size = (2 + slotCount + 2) & ~1;
  expect((end! - table!) % size).toBe(0);
  const records: ProbeRecord[] = [];
  for (let r = off(table!); r < off(end!); r += size) {
    const stores = Array.from({ length: slotCount }, (_, j) => pool! + 8 * s.bytes[r + 2 + j]!);
    const vector = off(pool!) + s.bytes[r + 2 + slotCount]!;
    const args = Array.from({ length: argCount }, (_, i) => word(off(pool!) + s.bytes[vector + i]!));
    // x86_64: bit 15 marks an i386 number (wasm/assembly/stub/asm.ts COMPAT_NR_BIT).
    const nr = u16(r), i386 = s.arch === "x86_64" && nr >= 0x8000;
    records.push({ name: nameOf(i386 ? "x86" : s.arch, i386 ? nr - 0x8000 : nr), args, stores: [...new Set(stores)] });
  }
  return { allow: word(off(pool!) - (s.arch === "arm" ? 4 : 0)), records };
}

/** The skeleton with each branch target replaced by the number of events before it. */
function normalised(s: Stub): Event[] {
  const events = skeleton(s);
  return events.map(({ ev }) =>
    "target" in ev ? { kind: ev.kind, target: events.filter((e) => e.addr < ev.target).length } : ev,
  );
}

const ARCHES: KernelArch[] = ["x86_64", "aarch64", "ppc64le", "s390x", "arm"];

describe("objdump's view of the stubs", () => {
  const stubs = {} as Record<KernelArch, Stub>;
  beforeAll(() => {
    for (const a of ARCHES) stubs[a] = load(a);
  });

  it.each(ARCHES)("%s: every code byte decodes to a real instruction", (arch) => {
    const insns = code(stubs[arch]);
    expect(insns.length).toBeGreaterThan(100);
    const bad = insns.filter((i) => /\(bad\)|^\.(byte|inst|long|short|word)\b|unknown|UNDEFINED|UNPREDICTABLE|^(movw|movt)\b/.test(i.text));
    expect(bad).toEqual([]);
  });

  it.each(ARCHES)("%s: every branch lands on an instruction of the stub", (arch) => {
    const starts = new Set(code(stubs[arch]).map((i) => i.addr));
    for (const { ev } of skeleton(stubs[arch])) if ("target" in ev) expect(starts.has(ev.target)).toBe(true);
  });

  it.each(ARCHES)("%s: makes exactly the syscalls of the run path", (arch) => {
    const names = new Set(skeleton(stubs[arch]).flatMap(({ ev }) => (ev.kind === "SYS" ? [ev.name] : [])));
    expect([...names].sort()).toEqual(["clone3", "execve", "exit_group", "prctl", "seccomp", "write"]);
  });

  it.each(ARCHES)("%s: struct sock_fprog points at the embedded filter", (arch) => {
    const s = stubs[arch];
    const off = s.fprog - s.base;
    const be = arch === "s390x";
    const len = be ? s.bytes.readUInt16BE(off) : s.bytes.readUInt16LE(off);
    const ptr = arch === "arm" ? BigInt(s.bytes.readUInt32LE(off + 4)) : be ? s.bytes.readBigUInt64BE(off + 8) : s.bytes.readBigUInt64LE(off + 8);
    expect(len).toBe(presetProgram(arch).length / 8);
    // Also in a stub whose data lies 32 KiB further on (ppc64le reaches it from a biased base).
    const big = load(arch, maximalProgram(arch));
    const bigLen = be ? big.bytes.readUInt16BE(big.fprog - big.base) : big.bytes.readUInt16LE(big.fprog - big.base);
    expect(bigLen).toBe(4096);
    expect(normalised(big)).toEqual(normalised(s));
    expect(Number(ptr)).toBe(s.fprog + (arch === "arm" ? 8 : 16));
    expect(skeleton(s).some(({ ev }) => ev.kind === "DATA" && ev.what === "<fprog>")).toBe(true);
  });

  it.each(ARCHES.slice(1))("%s decodes to the same skeleton as x86_64", (arch) => {
    const ref = normalised(stubs.x86_64);
    expect(ref.length).toBeGreaterThan(100);
    expect(normalised(stubs[arch])).toEqual(ref);
  });

  it("ppc64le turns CR0.SO into -errno after every sc whose result the stub reads", () => {
    const insns = code(stubs.ppc64le);
    const nameAt = (i: number) => nameOf("ppc64le", Number(/^li r0,(\d+)$/.exec(insns[i - 1]!.text)![1]));
    // The results of write and exit_group are never read, so those need no fix-up.
    const scs = insns.flatMap((x, i) => (x.text === "sc" && !["write", "exit_group"].includes(nameAt(i)) ? [i] : []));
    expect(new Set(scs.map(nameAt))).toEqual(new Set(["clone3", "seccomp", "prctl", "execve"]));
    for (const i of scs) {
      expect(insns[i + 1]!.text).toBe(`bns 0x${(insns[i]!.addr + 12).toString(16)}`);
      expect(insns[i + 2]!.text).toBe("neg r3,r3");
    }
  });

  it("s390x passes numbers >= 256 in r1 with svc 0", () => {
    const insns = code(stubs.s390x);
    const svcs = insns.flatMap((x, i) => (/^svc /.test(x.text) ? [i] : []));
    const big = svcs.filter((i) => insns[i]!.text === "svc 0");
    expect(big.length).toBeGreaterThan(0); // seccomp (348) and clone3 (435) are above 255
    for (const i of big) expect(Number(/^lghi %r1,(\d+)$/.exec(insns[i - 1]!.text)![1])).toBeGreaterThanOrEqual(256);
    for (const i of svcs.filter((i) => insns[i]!.text !== "svc 0")) expect(Number(insns[i]!.text.slice(4))).toBeLessThan(256);
  });
});

describe("objdump's view of the auto-hide and init stubs", () => {
  const kinds = {
    "auto-hide": (arch: KernelArch) => {
      const { program, slots } = autoHideProgram(arch);
      return load(arch, program.bytes, { slots }, "-auto");
    },
    init: (arch: KernelArch) => {
      const { program, slots } = autoHideProgram(arch);
      return load(arch, program.bytes, { slots, init: true }, "-init");
    },
  };
  const stubs = {} as Record<keyof typeof kinds, Record<KernelArch, Stub>>;
  /** The x86_64 stubs with only the names the other 64-bit arches probe (natively, as they do). */
  const nativeOnly = {} as Record<keyof typeof kinds, Stub>;
  beforeAll(() => {
    for (const k of Object.keys(kinds) as (keyof typeof kinds)[]) {
      stubs[k] = {} as Record<KernelArch, Stub>;
      for (const a of ARCHES) stubs[k][a] = kinds[k](a);
      const { program, slots } = autoHideProgram("x86_64", autoHideNames("aarch64"));
      nativeOnly[k] = load("x86_64", program.bytes, { slots, init: k === "init" }, `-${k}-native`);
    }
  });
  const cases = (Object.keys(kinds) as (keyof typeof kinds)[]).flatMap((k) => ARCHES.map((a) => [k, a] as const));
  const RUN_PATH = ["execve", "exit_group", "prctl", "seccomp", "write"];
  /** The child that makes x86_64's i386 probe (no core; it exits with exit_group), and its reaping. */
  const CHILD = ["clone", "setrlimit", "wait4"];
  const INIT = ["clone", "getpid", "kill", "rt_sigprocmask", "rt_sigtimedwait", "waitid"];

  it.each(cases)("%s %s: every code byte decodes and every branch lands on an instruction", (kind, arch) => {
    const s = stubs[kind][arch];
    const insns = code(s);
    expect(insns.filter((i) => /\(bad\)|^\.(byte|inst|long|short|word)\b|unknown|UNDEFINED|UNPREDICTABLE|^(movw|movt)\b/.test(i.text))).toEqual([]);
    const starts = new Set(insns.map((i) => i.addr));
    for (const { ev } of skeleton(s)) if ("target" in ev) expect(starts.has(ev.target)).toBe(true);
  });

  it.each(cases)("%s %s: makes the run path's syscalls, a probe per known name (from its table), and (init) the init loop's; never clone3 but as the probe", (kind, arch) => {
    const s = stubs[kind][arch];
    const code = skeleton(s).flatMap(({ ev }) => (ev.kind === "SYS" ? [ev.name] : []));
    expect(code.filter((c) => c === TABLE_SYS.name)).toHaveLength(1); // one loop
    expect(code.filter((c) => c === INT80.name)).toHaveLength(arch === "x86_64" ? 1 : 0); // in it
    const { slots } = autoHideProgram(arch);
    const calls = [...code.filter((c) => c !== TABLE_SYS.name && c !== INT80.name), ...probeTable(s, slots).records.map((r) => r.name)];
    const compat = slots.some((x) => x.probe.compat);
    expect(compat).toBe(arch === "x86_64");
    const want = [...RUN_PATH, ...slots.map((x) => x.name), ...(compat ? CHILD : []), ...(kind === "init" ? INIT : [])];
    expect([...new Set(calls)].sort()).toEqual([...new Set(want)].sort());
    expect(calls.filter((c) => c === "clone3")).toHaveLength(1);
    expect(calls.filter((c) => c === "clone")).toHaveLength((kind === "init" ? 1 : 0) + (compat ? 1 : 0));
  });

  // arm probes 27 names (the time64 family is native there), and x86_64 an i386 one too: their own
  // skeletons, checked above; x86_64 with the others' names is the reference.
  it.each(cases.filter(([, a]) => a !== "x86_64" && a !== "arm"))("%s %s decodes to the same skeleton as x86_64 with the same names", (kind, arch) => {
    expect(autoHideNames(arch)).toEqual(autoHideNames("aarch64"));
    const ref = normalised(nativeOnly[kind]);
    expect(ref.filter((e) => e.kind === "LT").length).toBe(kind === "init" ? 2 : 0); // clone failed; no signal (timeout)
    expect(normalised(stubs[kind][arch])).toEqual(ref);
  });

  it.each(ARCHES)("%s: the auto-hide stub addresses its data, fprog and filter in the writable mapping", (arch) => {
    const s = stubs["auto-hide"][arch];
    expect(s.dataBias).toBe(0x10000);
    const refs = skeleton(s).filter(({ ev }) => ev.kind === "DATA");
    const what = refs.map(({ ev }) => (ev.kind === "DATA" ? ev.what : ""));
    expect(what).toEqual(expect.arrayContaining(["<fprog>", "CLONE3_WORKAROUND_MODE="]));
    for (const { at } of refs) expect(at!).toBeGreaterThanOrEqual(s.base + s.dataBias); // the pool and the table too
  });

  // arm carries 27 probes and a 77-instruction filter (arm and aarch64 ABIs) and still fits.
  it.each(ARCHES)("%s: the init stub is at most 3 KiB and the auto-hide stub at most 2.5 KiB", (arch) => {
    expect(stubs.init[arch].bytes.length).toBeLessThanOrEqual(3072);
    expect(stubs["auto-hide"][arch].bytes.length).toBeLessThanOrEqual(2560);
  });

  it.each(ARCHES)("%s: the probe table gives each name its launcher arguments and its slots' addresses (arm: their k fields)", (arch) => {
    const s = stubs["auto-hide"][arch];
    const { slots } = autoHideProgram(arch);
    const { allow, records } = probeTable(s, slots);
    const filter = s.fprog + (arch === "arm" ? 8 : 16) + s.dataBias;
    // A 64-bit word is the whole RET ALLOW instruction, a 32-bit one its k field.
    const be = arch === "s390x";
    expect(allow).toBe(arch === "arm" ? 0x7fff0000n : be ? 0x000600007fff0000n : 0x7fff000000000006n);
    expect(records.map((r) => r.name)).toEqual(slots.map((x) => x.name));
    records.forEach((r, i) => {
      const want = PROBE_ARGS[r.name]!; // every argument the syscall has (past those: another probe's)
      expect(r.args.slice(0, want.length), r.name).toEqual(want.map((v) => BigInt(v | 0)));
      expect(r.stores.sort(), r.name).toEqual(slots[i]!.at.map((at) => filter + at + (arch === "arm" ? 4 : 0)).sort());
    });
  });
});

/** Facts of the x86_64 ABI from the C headers: clone's flags and wait4's status of exit(1). */
function cloneAbi(): { flags: number; exited1: number; rlimitCore: number } {
  const src = join(scratch(), "cloneabi.c");
  writeFileSync(src, `#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
int main(void) {
  int exited1 = 1 << 8;
  printf("%d %d %d %d\\n", CLONE_VM | CLONE_VFORK | SIGCHLD, exited1, WIFEXITED(exited1) && WEXITSTATUS(exited1) == 1, RLIMIT_CORE);
  return 0;
}
`);
  execFileSync("gcc", ["-o", join(scratch(), "cloneabi"), src]);
  const [flags, exited1, ok, rlimitCore] = execFileSync(join(scratch(), "cloneabi"), { encoding: "utf8" }).trim().split(" ").map(Number);
  expect(ok).toBe(1);
  return { flags: flags!, exited1: exited1!, rlimitCore: rlimitCore! };
}

describe("objdump's view of the x86_64 stub's i386 probe", () => {
  let s: Stub;
  beforeAll(() => {
    const { program, slots } = autoHideProgram("x86_64");
    s = load("x86_64", program.bytes, { slots }, "-i386");
  });

  it("bit 15 picks a vfork child that dumps no core, makes int $0x80 with the argument registers' low halves in ebx, ecx, edx, esi, edi, ebp, exits with -result, and is reaped; rbx and rbp are saved", () => {
    const abi = cloneAbi();
    const insns = code(s);
    expect(insns.filter((i) => i.text === "int $0x80")).toHaveLength(1);
    const start = insns.findIndex((i) => i.text === "btr $0xf,%eax") - 1;
    const hex = (n: number) => `0x${n.toString(16)}`;
    const to = (k: number) => hex(insns[start + k]!.addr); // the k'th instruction below
    const nrOf = (name: string) => hex(Number(execFileSync("scmp_sys_resolver", ["-a", "x86_64", name], { encoding: "utf8" }).trim()));
    expect(insns.slice(start, start + 50).map((i) => i.text)).toEqual([
      "movzwl (%r14),%eax", "btr $0xf,%eax", `jae ${to(45)}`,
      "push %rbx", "push %rbp",
      "mov %edi,%ebx", "mov %esi,%ebp", // i386 args 0 and 1, past the clone (rcx does not survive a syscall)
      `mov $${hex(abi.flags)},%edi`, "xor %esi,%esi", `push $${nrOf("clone")}`, "pop %rax", "syscall",
      "test %eax,%eax", `jne ${to(32)}`,
      // The child: no core (setrlimit(RLIMIT_CORE, {0, 0})), the other i386 arguments (rdx is
      // argument 2 in both ABIs), the number, the call.
      `push $${hex(abi.rlimitCore)}`, "pop %rdi", "push $0x0", "push $0x0", "mov %rsp,%rsi", `mov $${nrOf("setrlimit")},%eax`, "syscall",
      "mov %ebp,%ecx", "mov %r9d,%ebp", "mov %r10d,%esi", "mov %r8d,%edi",
      "movzwl (%r14),%eax", "btr $0xf,%eax", "int $0x80",
      "neg %eax", "mov %eax,%edi", `mov $${nrOf("exit_group")},%eax`, "syscall",
      // The parent: wait4(pid, &status on the stack, 0, NULL); -1 (EPERM) exactly for exit(1).
      "mov %rax,%rdi", "push %rax", "mov %rsp,%rsi", "xor %edx,%edx", "xor %r10d,%r10d", `push $${nrOf("wait4")}`, "pop %rax", "syscall",
      "pop %rax", "pop %rbp", "pop %rbx", `sub $${hex(abi.exited1 + 1)},%rax`, `jmp ${to(46)}`,
      "syscall", // the native numbers
      "mov %rax,%rdi", "cmp $0xffffffffffffffff,%rdi", // -EPERM from either
      expect.stringMatching(/^je /), expect.stringMatching(/^lea /),
    ]);
  });

  it("the i386 child is made only after a native EPERM: with the allowed-probe counter at -1 (every native probe allowed) the loop skips to counting it allowed", () => {
    const { slots } = autoHideProgram("x86_64");
    expect(slots.map((x) => !!x.probe.compat)).toEqual(slots.map((_, i) => i === slots.length - 1)); // the last record
    const insns = code(s);
    const start = insns.findIndex((i) => i.text === "btr $0xf,%eax") - 1;
    const hex = (n: number) => `0x${n.toString(16)}`;
    // The counter: set to -(probes) before the loop, +1 per allowed probe (the lea past the EPERM test).
    const count = /^lea 0x1\((%\w+)\),(%\w+)$/.exec(insns[start + 49]!.text);
    expect(count?.[1]).toBe(count?.[2]);
    const reg = count![1]!;
    const init = insns.slice(0, start).map((i) => i.text).lastIndexOf(`pop ${reg}`);
    expect(insns[init - 1]!.text).toBe(`push $0x${BigInt.asUintN(64, BigInt(-slots.length)).toString(16)}`);
    expect(insns.slice(start - 2, start).map((i) => i.text)).toEqual([`cmp $0xffffffffffffffff,${reg}`, `je ${hex(insns[start + 49]!.addr)}`]);
  });
});

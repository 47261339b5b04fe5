// Auto-hide: one program per arch with a return slot per known syscall, patched by the stub at
// run time. Verdicts of every patched variant (every subset of probe answers) are judged against
// the arch tables (which name a number is) by the core's simulator and by the independent
// interpreter in test/peer/bpf-interp.ts; the x86_64 stub itself runs natively under emulated
// engines that answer EPERM for different subsets, and what its command then sees is what the
// kernel reports to test/helpers/syscall-probe.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { abisOf, KERNEL_ARCHES, syscallName, syscallNr } from "../../arch/index.ts";
import type { AbiFacts, KernelArch } from "../../arch/types.ts";
import { autoHideNames, autoHideProgram, patchSlots } from "../../launcher/compile.ts";
import { PROBE_ARGS } from "../../launcher/probes.ts";
import { KNOWN_HIDEABLE } from "../../policy/preset.ts";
import { actionName, simulate, verify } from "../../wasm/core.ts";
import { emitStub, STUB_COMPAT_ABI } from "../../wasm/stub.ts";
import { helper } from "../helpers/native.ts";
import { legacyEngineBpf } from "../launcher/legacy-engine.ts";
import { runBpf } from "../peer/bpf-interp.ts";
import { autoHideStubFile, engineBpf, removeScratch, scratch, threadsBinary } from "../stub/stubs.ts";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

afterAll(removeScratch);

const ALLOW = "ALLOW", ENOSYS_VERDICT = "ERRNO(38)";
const UNKNOWN_ARCH = 0x12345678;

/** The verdict auto-hide must give for `nr` (ABI-local) on `abi` when `eperm` answered EPERM. */
function expected(abi: AbiFacts, nr: number, eperm: ReadonlySet<string>): string {
  const name = syscallName(abi.name, nr);
  return name !== undefined && eperm.has(name) ? ENOSYS_VERDICT : ALLOW;
}

/** Both evaluators' verdicts for one seccomp_data, which must agree. */
function verdicts(bytes: Uint8Array, arch: KernelArch, big: boolean, data: { nr: number; arch: number }): [string, string] {
  void arch;
  return [actionName(simulate(bytes, big ? "big" : "little", data).action), actionName(runBpf(bytes, big, data, big).action)];
}

describe.each(KERNEL_ARCHES.map((a) => [a]))("the %s auto-hide program", (arch) => {
  const { program, slots } = autoHideProgram(arch);
  const big = program.byteOrder === "big";
  const abis = abisOf(arch);
  /** Every name hidden, and the names hidden when the slots in `eperm` (by index) answered EPERM. */
  const names = slots.flatMap((s) => s.hides);
  const hiddenBy = (eperm: readonly number[]) => new Set(eperm.flatMap((i) => slots[i]!.hides));

  it("hides every known syscall the stub can probe: natively, and (x86_64) the i386-only ones through one i386 slot", () => {
    const native = abis[0]!.name;
    const compat = STUB_COMPAT_ABI[arch];
    const onNative = (n: string) => syscallNr(native, n) !== undefined;
    const onCompat = (n: string) => compat !== undefined && syscallNr(compat, n) !== undefined;
    const probeable = Object.keys(KNOWN_HIDEABLE).filter((n) => PROBE_ARGS[n] !== undefined && (onNative(n) || onCompat(n)));
    expect(names).toEqual(probeable);
    expect(names).toEqual(autoHideNames(arch));
    expect(names).toEqual(expect.arrayContaining(["clone3", "pidfd_open", "pidfd_send_signal"]));
    // A slot per native name, probed natively by its own number; the rest share one compat slot.
    const nativeSlots = slots.filter((s) => !s.probe.compat);
    expect(nativeSlots.map((s) => s.hides)).toEqual(probeable.filter(onNative).map((n) => [n]));
    for (const s of nativeSlots) expect(s.probe.nr).toBe(syscallNr(native, s.name));
    const compatSlots = slots.filter((s) => s.probe.compat);
    const compatOnly = probeable.filter((n) => !onNative(n));
    expect(compatSlots.length).toBe(compatOnly.length > 0 ? 1 : 0);
    if (arch === "x86_64") {
      expect(compatOnly).toEqual(expect.arrayContaining(["clock_gettime64", "futex_time64", "ppoll_time64"]));
      expect(compatSlots[0]!.hides).toEqual(compatOnly);
      expect(compatSlots[0]!.probe.nr).toBe(syscallNr("i386", "clock_gettime64"));
    }
  });

  it("slots are RET ERRNO(ENOSYS) instructions of one name each, and the only ones", () => {
    const view = new DataView(program.bytes.buffer, program.bytes.byteOffset, program.bytes.byteLength);
    const slotOffsets = slots.flatMap((s) => s.at);
    expect(new Set(slotOffsets).size).toBe(slotOffsets.length);
    const errnoRets: number[] = [];
    for (let off = 0; off < program.bytes.length; off += 8) {
      if (view.getUint16(off, !big) === 0x06 && view.getUint32(off + 4, !big) === 0x00050026) errnoRets.push(off);
    }
    expect(errnoRets.sort((a, b) => a - b)).toEqual([...slotOffsets].sort((a, b) => a - b));
  });

  // The stub patches nothing but RET values, so control flow is the same in every variant; the
  // loop below still runs every variant through both evaluators.
  it("every subset of probe answers: the verdicts hide exactly the EPERM names, on every ABI (simulator and peer)", () => {
    const numbers: { abi: AbiFacts; nr: number }[] = [];
    for (const abi of abis) {
      const nrs = new Set<number>([0, abi.maxNr]);
      for (const n of names) {
        const nr = syscallNr(abi.name, n);
        if (nr !== undefined) [nr - 1, nr, nr + 1].forEach((x) => x >= 0 && x <= abi.maxNr && nrs.add(x));
      }
      for (const nr of nrs) numbers.push({ abi, nr });
    }
    const wrong: string[] = [];
    // Every subset while there are few slots; arm's 27 (2^27 subsets) get 4096 seeded ones.
    const EXHAUSTIVE = 12;
    let seed = 0x2545f491;
    const next32 = () => BigInt((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0));
    const all = (1n << BigInt(slots.length)) - 1n;
    const masks = slots.length <= EXHAUSTIVE
      ? Array.from({ length: 1 << slots.length }, (_, m) => BigInt(m))
      : [0n, all, ...Array.from({ length: 4096 }, () => ((next32() << 16n) ^ next32()) & all)];
    for (const mask of masks) {
      const epermSlots = slots.flatMap((_, i) => ((mask >> BigInt(i)) & 1n ? [i] : []));
      const eperm = hiddenBy(epermSlots);
      const bytes = patchSlots(program, slots.map((_, i) => !epermSlots.includes(i)), slots);
      for (const { abi, nr } of numbers) {
        const want = expected(abi, nr, eperm);
        const got = verdicts(bytes, arch, big, { nr: abi.nrBase + nr, arch: abi.auditArch });
        if (got[0] !== want || got[1] !== want) wrong.push(`${[...eperm].join(",")}: ${abi.name} ${nr} ${got.join("/")} want ${want}`);
      }
      if (wrong.length > 20) break;
    }
    expect(wrong).toEqual([]);
  });

  it("every number of every ABI for no slot, each single slot, and all slots EPERM", () => {
    const subsets = [[], ...slots.map((_, i) => [i]), slots.map((_, i) => i)];
    const wrong: string[] = [];
    for (const subset of subsets) {
      const eperm = hiddenBy(subset);
      const bytes = patchSlots(program, slots.map((_, i) => !subset.includes(i)), slots);
      for (const abi of abis) {
        for (let nr = 0; nr <= abi.maxNr; nr++) {
          const want = expected(abi, nr, eperm);
          const got = verdicts(bytes, arch, big, { nr: abi.nrBase + nr, arch: abi.auditArch });
          if (got[0] !== want || got[1] !== want) wrong.push(`${subset.join(",")}: ${abi.name} ${nr} ${got.join("/")} want ${want}`);
        }
      }
      const other = verdicts(bytes, arch, big, { nr: syscallNr(abis[0]!.name, "clone3")!, arch: UNKNOWN_ARCH });
      if (other[0] !== ALLOW || other[1] !== ALLOW) wrong.push(`unknown arch: ${other.join("/")}`);
    }
    expect(wrong).toEqual([]);
  });

  it("the kernel's verifier rules hold for the patched worst cases", () => {
    expect(verify(program.bytes, program.byteOrder)).toBeNull();
    expect(verify(patchSlots(program, slots.map(() => true), slots), program.byteOrder)).toBeNull();
  });

  it("the stub carries the program at most 2.5 KiB in all (arm too, with 27 names and two ABIs' filter; x86_64 with its i386 probe), in a writable second mapping", () => {
    const elf = emitStub({ kernelArch: arch, program: program.bytes, slots });
    expect(elf.length).toBeLessThanOrEqual(2560);
    expect(Buffer.from(elf).indexOf(Buffer.from(program.bytes))).toBeGreaterThan(0);
    const file = join(scratch(), `stub-auto-elf.${arch}`);
    writeFileSync(file, elf);
    const phdrs = spawnSync("readelf", ["-l", "-W", file], { encoding: "utf8" }).stdout;
    const loads = [...phdrs.matchAll(/^\s*LOAD\s+(0x\w+)\s+(0x\w+)\s+0x\w+\s+(0x\w+)\s+0x\w+\s+(.+?)\s+0x10000\s*$/gm)];
    expect(loads.map((m) => m[4]!.trim())).toEqual(["R E", "RW"]);
    const [, off, vaddr, filesz] = loads[1]!.map((x) => Number(x));
    expect((vaddr! - off!) % 0x10000).toBe(0); // congruent, one 64 KiB step above the code
    expect(off! + filesz!).toBe(elf.length);
    // The filter lies in the writable part.
    expect(Buffer.from(elf).indexOf(Buffer.from(program.bytes))).toBeGreaterThanOrEqual(off!);
  });
});

describe("emitStub's checks of slots", () => {
  const { program, slots } = autoHideProgram("x86_64");
  const emit = (extra: object) => () => emitStub({ kernelArch: "x86_64", program: program.bytes, ...extra });
  it("refuses slots that are not whole instructions of the program, too many, or beside probes", () => {
    expect(emit({ slots })).not.toThrow();
    expect(emit({ slots: [{ ...slots[0]!, at: [4] }] })).toThrow(/whole instruction/);
    expect(emit({ slots: [{ ...slots[0]!, at: [program.bytes.length] }] })).toThrow(/whole instruction/);
    expect(emit({ slots: [{ ...slots[0]!, at: [0, 8, 16, 24, 32] }] })).toThrow(/at most 4 slots/);
    expect(emit({ slots, probes: [] })).toThrow(/exclude each other/);
    expect(emit({ slots: [{ probe: { nr: 1, args: [0], set: [1] }, at: [] }] })).toThrow(/probes/);
  });
  it("takes a probe made only after an EPERM as the last, with auto-hide only; launcher asks for it only for the i386 probe behind a native clone3 one", () => {
    const last = slots[slots.length - 1]!;
    expect(last.probe).toMatchObject({ compat: true, onlyAfterEperm: true });
    expect(slots.slice(0, -1).some((x) => x.probe.onlyAfterEperm)).toBe(false);
    expect(emit({ slots: [last, ...slots.slice(0, -1)] })).toThrow(/only after an EPERM/);
    expect(() => emitStub({ kernelArch: "x86_64", program: program.bytes, probes: [{ nr: 435, args: [0, 0], onlyAfterEperm: true }] })).toThrow(/only after an EPERM/);
    // Without clone3's native probe nothing vouches for the skip: the i386 probe is always made.
    const withoutClone3 = autoHideProgram("x86_64", autoHideNames("x86_64").filter((n) => n !== "clone3")).slots;
    expect(withoutClone3[withoutClone3.length - 1]!.probe).toMatchObject({ compat: true });
    expect(withoutClone3.some((x) => x.probe.onlyAfterEperm)).toBe(false);
  });
  it("refuses an auto-hide filter past what the stub's stores reach (511 instructions)", () => {
    const big = new Uint8Array(512 * 8);
    big.set(program.bytes);
    expect(() => emitStub({ kernelArch: "x86_64", program: big, slots })).toThrow(/1\.\.511 with slots/);
  });
});

describe("the x86_64 auto-hide stub natively, under engines that EPERM different subsets", () => {
  let stub: string, seccompRun: string, probe64: string, probe32: string;
  const names = autoHideNames("x86_64");
  const on = (abi: "x86_64" | "i386") => names.filter((n) => syscallNr(abi, n) !== undefined);
  /** The i386-only names: the time64 family, which the stub probes with int 0x80. */
  const TIME64 = names.filter((n) => syscallNr("x86_64", n) === undefined);
  const nr = (abi: "x86_64" | "i386", n: string) => syscallNr(abi, n)!;
  /** syscall-probe arguments for every name on `abi` ("NR,A0,..."), as the launcher probes. */
  const probeArgs = (abi: "x86_64" | "i386", list: readonly string[]) =>
    list.filter((n) => syscallNr(abi, n) !== undefined).map((n) => [nr(abi, n), ...PROBE_ARGS[n]!.map((a) => a >>> 0)].join(","));
  const answers = (out: string): number[] => out.trim().split("\n").map((l) => Number(l.trim().split(/\s+/).pop()));

  beforeAll(() => {
    stub = autoHideStubFile("x86_64");
    seccompRun = helper("seccomp-run");
    // Static: the dynamic loader itself calls statx, which some of these engines refuse.
    probe64 = helper("syscall-probe", ["-static"]);
    probe32 = helper("syscall-probe", ["-m32", "-static"]);
  });

  function run(engine: string | undefined, argv: string[], env: Record<string, string> = {}) {
    const all = [...(engine ? [seccompRun, "--bpf", engine, "--"] : []), ...argv];
    const r = spawnSync(all[0]!, all.slice(1), { encoding: "utf8", env: { PATH: process.env.PATH!, ...env }, timeout: 30_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }
  const filters = (out: string) => Number(/^Seccomp_filters:\s*(\d+)/m.exec(out)![1]);

  // The answers with no engine at all: what the kernel says for an allowed call.
  const bare = (abi: "x86_64" | "i386") => answers(run(undefined, [abi === "x86_64" ? probe64 : probe32, ...probeArgs(abi, names)]).stdout);

  const SUBSETS: [string, string[]][] = [
    ["nothing", []], ["clone3", ["clone3"]], ["faccessat2", ["faccessat2"]], ["pidfd_open,pidfd_send_signal", ["pidfd_open", "pidfd_send_signal"]],
    ["clone3,close_range,statx", ["clone3", "close_range", "statx"]],
    ["clone3 and the i386 time64 family (libseccomp < 2.4.2)", ["clone3", ...TIME64]], ["faccessat2 and the time64 family", ["faccessat2", ...TIME64]],
    ["everything", names],
  ];

  it.each(SUBSETS)("engine EPERMs %s: the command sees ENOSYS for exactly those, natively and via i386", (tag, subset) => {
    const eperm = new Set(subset);
    const rules = (abi: "x86_64" | "i386") => [...eperm].filter((n) => syscallNr(abi, n) !== undefined).map((n): [number, number] => [nr(abi, n), 1]);
    const engine = engineBpf(`eperm-${tag.replace(/\W+/g, "-")}`, { x86_64: rules("x86_64"), i386: rules("i386") });
    for (const abi of ["x86_64", "i386"] as const) {
      const list = on(abi);
      const bin = abi === "x86_64" ? probe64 : probe32;
      const underRun = run(engine, [bin, ...probeArgs(abi, names)]);
      expect(underRun.stderr).toBe("");
      const under = answers(underRun.stdout);
      expect(under).toEqual(list.map((n, i) => (eperm.has(n) ? 1 : bare(abi)[i]))); // the engine is as emulated
      const wrapped = answers(run(engine, [stub, bin, ...probeArgs(abi, names)]).stdout);
      expect(wrapped, abi).toEqual(list.map((n, i) => (eperm.has(n) ? 38 : bare(abi)[i])));
    }
    const st = run(engine, [stub, "grep", "^Seccomp_filters:", "/proc/self/status"]);
    expect(st.status).toBe(0);
    expect(filters(st.stdout)).toBe(eperm.size > 0 ? 2 : 1); // nothing installed when nothing answers EPERM
  });

  it("an engine refusing the i386 time64 family but nothing native (no libseccomp's: 2.4.2 added clone3 with them) gets no i386 probe: nothing installed, the family's EPERM passes through", () => {
    const engine = engineBpf("eperm-time64-only", { x86_64: [], i386: TIME64.map((n): [number, number] => [nr("i386", n), 1]) });
    expect(filters(run(engine, [stub, "grep", "^Seccomp_filters:", "/proc/self/status"]).stdout)).toBe(1);
    expect(answers(run(engine, [stub, probe32, ...probeArgs("i386", TIME64)]).stdout)).toEqual(TIME64.map(() => 1));
  });

  it("a filter whose slots lie past the probe table's reach (255 entries) gets the code form of the probes, hiding the same", () => {
    // Loads of seccomp_data.nr in front move every slot (and nothing else: jumps are relative).
    const { program, slots } = autoHideProgram("x86_64");
    const pad = 300;
    const bytes = new Uint8Array(pad * 8 + program.bytes.length);
    for (let i = 0; i < pad; i++) bytes[i * 8] = 0x20; // ld [0]
    bytes.set(program.bytes, pad * 8);
    const far = slots.map((x) => ({ ...x, at: x.at.map((at) => at + pad * 8) }));
    const file = join(scratch(), "stub-auto-far.x86_64");
    const elf = emitStub({ kernelArch: "x86_64", program: bytes, slots: far });
    expect(elf.length - bytes.length).toBeGreaterThan(emitStub({ kernelArch: "x86_64", program: program.bytes, slots }).length - program.bytes.length);
    writeFileSync(file, elf, { mode: 0o755 });
    const eperm = new Set(["clone3", "statx"]);
    const engine = engineBpf("eperm-far", { x86_64: [...eperm].map((n): [number, number] => [nr("x86_64", n), 1]), i386: [] });
    const wrapped = answers(run(engine, [file, probe64, ...probeArgs("x86_64", names)]).stdout);
    expect(wrapped).toEqual(on("x86_64").map((n, i) => (eperm.has(n) ? 38 : bare("x86_64")[i])));
    // The code form's i386 probe (int 0x80 too, after a native EPERM) hides the family as the table's does.
    const time64 = TIME64.map((n): [number, number] => [nr("i386", n), 1]);
    const family = engineBpf("eperm-far-time64", { x86_64: [[nr("x86_64", "clone3"), 1]], i386: time64 });
    expect(answers(run(family, [file, probe32, ...probeArgs("i386", TIME64)]).stdout)).toEqual(TIME64.map(() => 38));
    expect(answers(run(engineBpf("eperm-far-none", { x86_64: [[nr("x86_64", "clone3"), 1]], i386: [] }), [file, probe32, ...probeArgs("i386", TIME64)]).stdout)).toEqual(bare("i386").slice(-TIME64.length));
    // No native EPERM: the code form skips the i386 probe too.
    expect(answers(run(engineBpf("eperm-far-time64-only", { x86_64: [], i386: time64 }), [file, probe32, ...probeArgs("i386", TIME64)]).stdout)).toEqual(TIME64.map(() => 1));
  });

  it("the i386 family follows its one probe, clock_gettime64: an engine refusing clone3 and only futex_time64 gets clone3 hidden, futex_time64 not", () => {
    const engine = engineBpf("eperm-clone3-futex-time64", { x86_64: [[nr("x86_64", "clone3"), 1]], i386: [[nr("i386", "futex_time64"), 1]] });
    expect(filters(run(engine, [stub, "grep", "^Seccomp_filters:", "/proc/self/status"]).stdout)).toBe(2);
    expect(answers(run(engine, [stub, probe32, ...probeArgs("i386", ["clone3", "futex_time64"])]).stdout)).toEqual([38, 1]);
  });

  const STRACE = ["-f", "-e", "trace=clone,clone3,setrlimit,clock_gettime64,exit_group,wait4,execve", "-e", "signal=none"];

  it("strace, no engine: no native probe answers EPERM, so no i386 probe: no clone, no int 0x80, no wait4 before the exec", () => {
    const r = spawnSync("strace", [...STRACE, stub, "/bin/true"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    const lines = r.stderr.split("\n");
    expect(lines.filter((l) => /^clone3\(/.test(l))).toEqual([expect.stringMatching(/^clone3\(NULL, 0\) += -1 EINVAL/)]); // the probe ran, allowed
    expect(lines.filter((l) => /clone\(|clock_gettime64|32 bit mode|setrlimit|wait4|attached/.test(l))).toEqual([]);
    expect(lines.filter((l) => /^execve\(/.test(l)).map((l) => /^execve\("([^"]+)"/.exec(l)![1])).toEqual([stub, "/bin/true"]);
  });

  it("strace, under an engine refusing clone3: the i386 probe made through int 0x80 with the launcher's arguments, in a vfork child that is reaped before the exec", () => {
    const engine = engineBpf("eperm-clone3-strace", { x86_64: [[nr("x86_64", "clone3"), 1]], i386: [] });
    const r = spawnSync("strace", [...STRACE, seccompRun, "--bpf", engine, "--", stub, "/bin/true"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    const lines = r.stderr.split("\n");
    expect(lines.filter((l) => /^clone3\(/.test(l))).toEqual([expect.stringMatching(/^clone3\(NULL, 0\) += -1 EPERM/)]);
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    const clone = at(/^clone\(child_stack=NULL, flags=CLONE_VM\|CLONE_VFORK\|SIGCHLD/);
    const child = Number(/Process (\d+) attached/.exec(lines[clone]!)![1]);
    const probe = at(new RegExp(`^\\[pid +${child}\\] clock_gettime64\\(`));
    expect(lines[probe - 1]).toMatch(/runs in 32 bit mode/);
    expect(lines.filter((l) => l.includes("setrlimit")).map((l) => l.replace(/ +/g, " "))).toEqual([`[pid ${child}] setrlimit(RLIMIT_CORE, {rlim_cur=0, rlim_max=0}) = 0`]);
    expect(lines[probe]).toMatch(/clock_gettime64\(0x7fffffff \/\* CLOCK_\?\?\? \*\/, NULL\) = -1 EINVAL/);
    expect(PROBE_ARGS.clock_gettime64).toEqual([0x7fffffff, 0]);
    expect(lines[at(new RegExp(`^\\[pid +${child}\\] exit_group`))]).toMatch(/exit_group\(22\)/); // EINVAL's low byte
    const reaped = at(new RegExp(`^wait4\\(${child}, `));
    expect(reaped).toBeGreaterThan(probe);
    expect(at(/^execve\("\/bin\/true"/)).toBeGreaterThan(reaped);
    expect(lines.filter((l) => /clock_gettime64/.test(l))).toHaveLength(1); // only the child's
  });

  /** An engine whose profile lacks SCMP_ARCH_X86: every i386 call gets `action`; native clone3
   *  EPERM (an old libseccomp's), so that the stub makes its i386 probe. */
  const i386Refused = (action: number, name: string) => {
    const buf = Buffer.alloc(7 * 8);
    const insns: [number, number, number, number][] = [
      [0x20, 0, 0, 4], [0x15, 0, 1, 0x40000003], [0x06, 0, 0, action], // ld arch; i386: action
      [0x20, 0, 0, 0], [0x15, 0, 1, nr("x86_64", "clone3")], [0x06, 0, 0, 0x00050001], // ld nr; clone3: ERRNO(EPERM)
      [0x06, 0, 0, 0x7fff0000],
    ];
    insns.forEach(([code, jt, jf, k], i) => { buf.writeUInt16LE(code, i * 8); buf[i * 8 + 2] = jt; buf[i * 8 + 3] = jf; buf.writeUInt32LE(k >>> 0, i * 8 + 4); });
    const file = join(scratch(), `${name}.bpf`);
    writeFileSync(file, buf);
    return file;
  };

  it.each([["KILL_PROCESS", 0x80000000], ["KILL_THREAD", 0], ["TRAP", 0x00030000]])("an engine that answers every i386 call with %s (a profile without SCMP_ARCH_X86) ends only the probe's child, which dumps no core: the command runs, with clone3 hidden and the family not", (tag, action) => {
    const engine = i386Refused(action as number, `i386-${tag}`);
    // With unlimited cores, in a directory of its own: where the kernel's default core_pattern ("core") puts them.
    const dir = join(scratch(), `cores-${tag}`);
    mkdirSync(dir);
    const inDir = (argv: string[]) => run(undefined, ["sh", "-c", 'ulimit -c unlimited && cd "$0" && exec "$@"', dir, seccompRun, "--bpf", engine, "--", ...argv]);
    const bare = inDir([probe32, "20"]); // i386 getpid: the engine as emulated, and a core where cores are written
    expect(bare.status).not.toBe(0);
    const cores = () => readdirSync(dir).filter((f) => f.startsWith("core"));
    const dumped = cores().length > 0;
    for (const f of cores()) rmSync(join(dir, f));
    const r = inDir([stub, "sh", "-c", "grep ^Seccomp_filters: /proc/self/status; exit 7"]);
    expect(r).toEqual({ status: 7, stdout: "Seccomp_filters:\t2\n", stderr: "" }); // the engine's and the stub's (for clone3)
    expect(cores()).toEqual([]);
    if (!/^core/.test(readFileSync("/proc/sys/kernel/core_pattern", "utf8"))) return; // a pipe: nothing to see here
    expect(dumped).toBe(true); // so the check above could fail
  });

  it("v20.10.9: threads and posix_spawn work; v20.10.10: nothing is installed", () => {
    const engine = (v: "v20.10.9" | "v20.10.10") => {
      const copy = join(scratch(), `moby-${v}.bpf`);
      copyFileSync(legacyEngineBpf(v), copy);
      return copy;
    };
    const v9 = engine("v20.10.9"), v10 = engine("v20.10.10");
    const threads = threadsBinary();
    expect(run(v9, [threads]).status).not.toBe(0);
    expect(run(v9, [stub, threads])).toEqual({ status: 0, stdout: "thread ok\n", stderr: "" });
    const spawn = "import os; pid = os.posix_spawn('/bin/true', ['true'], {}); print('spawn', os.waitpid(pid, 0)[1])";
    expect(run(v9, [stub, "python3", "-c", spawn])).toEqual({ status: 0, stdout: "spawn 0\n", stderr: "" });
    expect(filters(run(v10, [stub, "grep", "^Seccomp_filters:", "/proc/self/status"]).stdout)).toBe(1);
  });

  it("always installs the whole set without probing; never installs nothing; PATH search still works after the probes", () => {
    const always = run(undefined, [stub, probe64, ...probeArgs("x86_64", names)], { CLONE3_WORKAROUND_MODE: "always" });
    expect(answers(always.stdout)).toEqual(on("x86_64").map(() => 38));
    const always32 = run(undefined, [stub, probe32, ...probeArgs("i386", names)], { CLONE3_WORKAROUND_MODE: "always" });
    expect(answers(always32.stdout)).toEqual(on("i386").map(() => 38));
    const never = run(undefined, [stub, "grep", "^Seccomp_filters:", "/proc/self/status"], { CLONE3_WORKAROUND_MODE: "never" });
    expect(filters(never.stdout)).toBe(0);
    const engine = engineBpf("eperm-clone3-only", { x86_64: [[nr("x86_64", "clone3"), 1]], i386: [] });
    const searched = run(engine, [stub, "true"], { PATH: "/nonexistent:/usr/bin:/bin" });
    expect(searched).toEqual({ status: 0, stdout: "", stderr: "" });
    const missing = run(engine, [stub, "clone3-workaround-no-such-command"], { PATH: "/nonexistent:/usr/bin" });
    expect(missing).toEqual({ status: 127, stdout: "", stderr: "clone3-workaround: clone3-workaround-no-such-command: No such file or directory\n" });
  });
});

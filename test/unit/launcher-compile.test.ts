// `--compile` and `--simulate` for all four arches, checked against what the preset must mean
// (clone3 -> ENOSYS on every ABI, everything else allowed, foreign arches allowed) through the
// core's simulator and disassembler, and for x86_64 against the real kernel.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { abisOf, KERNEL_ARCHES, syscallNr } from "../../arch/index.ts";
import type { KernelArch } from "../../arch/types.ts";
import { ENOSYS, errno, RET } from "../../policy/action.ts";
import { buildPrograms } from "../../scripts/build-launcher.ts";
import { actionName, disassemble, simulate, verify, type ByteOrder } from "../../wasm/core.ts";
import { helper } from "../helpers/native.ts";
import { legacyEngineBpf, repoRoot } from "../launcher/legacy-engine.ts";
import { mobyProfilePath } from "../fixtures/index.ts";

const BUN = join(repoRoot, "node_modules", ".bin", "bun");
const CLI = join(repoRoot, "launcher", "cli.ts");
const BYTE_ORDER: Record<KernelArch, ByteOrder> = { x86_64: "little", aarch64: "little", ppc64le: "little", s390x: "big", arm: "little" };
let work: string;

beforeAll(() => {
  buildPrograms();
  work = mkdtempSync(join(tmpdir(), "clone3-workaround-compile-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function cli(args: string[]) {
  const r = spawnSync(BUN, [CLI, ...args], { cwd: work, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, text: r.stdout.toString("utf8"), stderr: r.stderr.toString("utf8") };
}

function compiled(arch: KernelArch, extra: string[] = []): Uint8Array {
  const r = cli(["--compile", "--arch", arch, "--format", "raw", ...extra]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return new Uint8Array(r.stdout);
}

/** Every ABI-local number 0..maxNr of every ABI of `arch`, hidden ones -> ENOSYS, else ALLOW. */
function expectHides(program: Uint8Array, arch: KernelArch, hidden: string[]): void {
  const order = BYTE_ORDER[arch];
  expect(verify(program, order)).toBeNull();
  for (const abi of abisOf(arch)) {
    const hiddenNrs = new Set(hidden.map((name) => syscallNr(abi.name, name)).filter((nr) => nr !== undefined));
    expect(hiddenNrs.size, `${abi.name} knows ${hidden}`).toBeGreaterThan(0);
    for (let nr = 0; nr <= abi.maxNr; nr++) {
      const { action } = simulate(program, order, { nr: abi.nrBase + nr, arch: abi.auditArch });
      expect(actionName(action), `${abi.name} nr ${nr}`).toBe(actionName(hiddenNrs.has(nr) ? errno(ENOSYS) : RET.ALLOW));
    }
  }
  // A foreign arch is served too (bad-arch action = default), never killed.
  expect(simulate(program, order, { nr: 435, arch: 0x4000003e }).action).toBe(RET.ALLOW);
}

describe.each(KERNEL_ARCHES.map((arch) => [arch]))("--compile --arch %s", (arch) => {
  it("raw: clone3 answers ENOSYS on every ABI, all else is allowed", () => {
    expectHides(compiled(arch), arch, ["clone3"]);
  });

  it("--hide LIST hides each name", () => {
    expectHides(compiled(arch, ["--hide", "clone3,openat2"]), arch, ["clone3", "openat2"]);
  });

  it("disasm, hex, json and -o all carry the same program", () => {
    const raw = compiled(arch);
    const order = BYTE_ORDER[arch];
    expect(cli(["--compile", "--arch", arch]).text).toBe(disassemble(raw, order));

    const hex = cli(["--compile", "--arch", arch, "--format", "hex"]).text.trim().split("\n");
    expect(hex).toHaveLength(raw.length / 8);
    expect(Buffer.from(hex.join(""), "hex")).toEqual(Buffer.from(raw));

    const json = JSON.parse(cli(["--compile", "--arch", arch, "--format", "json"]).text);
    expect(json.arch).toBe(arch);
    const rebuilt = Buffer.alloc(json.insns.length * 8);
    json.insns.forEach((insn: { code: number; jt: number; jf: number; k: number }, i: number) => {
      const le = order === "little";
      le ? rebuilt.writeUInt16LE(insn.code, i * 8) : rebuilt.writeUInt16BE(insn.code, i * 8);
      rebuilt.writeUInt8(insn.jt, i * 8 + 2);
      rebuilt.writeUInt8(insn.jf, i * 8 + 3);
      le ? rebuilt.writeUInt32LE(insn.k, i * 8 + 4) : rebuilt.writeUInt32BE(insn.k, i * 8 + 4);
    });
    expect(rebuilt).toEqual(Buffer.from(raw));

    const out = join(work, `${arch}.bpf`);
    expect(cli(["--compile", "--arch", arch, "--format", "raw", "-o", out]).status).toBe(0);
    expect(new Uint8Array(readFileSync(out))).toEqual(raw);
  });

  it("--simulate prints the simulator's action and count, per ABI", () => {
    const raw = compiled(arch);
    for (const abi of abisOf(arch)) {
      for (const [syscall, want] of [["clone3", errno(ENOSYS)], ["read", RET.ALLOW]] as const) {
        const nr = syscallNr(abi.name, syscall);
        if (nr === undefined) continue;
        const sim = simulate(raw, BYTE_ORDER[arch], { nr: abi.nrBase + nr, arch: abi.auditArch });
        expect(sim.action).toBe(want);
        const r = cli(["--simulate", "--arch", arch, "--abi", abi.name, syscall, "1", "2"]);
        expect(r.stderr).toBe("");
        expect(r.text).toBe(`${actionName(sim.action)} (${sim.executed} instructions executed)\n`);
        // A number is the ABI-local number.
        expect(cli(["--simulate", "--arch", arch, "--abi", abi.name, String(nr)]).text).toBe(r.text);
      }
    }
  });
});

describe("--compile and --simulate with a policy file", () => {
  it("compiles moby's v20.10.10 profile: clone3 -> ENOSYS, reboot -> EPERM", () => {
    const profile = mobyProfilePath("v20.10.10");
    expect(cli(["--simulate", "--arch", "x86_64", "--policy", profile, "clone3"]).text).toMatch(/^ERRNO\(38\) /);
    expect(cli(["--simulate", "--arch", "x86_64", "--policy", profile, "reboot"]).text).toMatch(/^ERRNO\(1\) /);
    expect(cli(["--simulate", "--arch", "x86_64", "--policy", profile, "read"]).text).toMatch(/^ALLOW /);
  });

  it("takes -1 (the tracer's skip) as the syscall: no rule matches it, so the default action answers", () => {
    const profile = mobyProfilePath("v20.10.10");
    // moby's default action is SCMP_ACT_ERRNO (EPERM); the preset's is ALLOW.
    expect(cli(["--simulate", "--arch", "x86_64", "--policy", profile, "-1"]).text).toMatch(/^ERRNO\(1\) /);
    expect(cli(["--simulate", "--arch", "x86_64", "-1", "-1"]).text).toMatch(/^ALLOW /);
  });
});

describe("bad input is one line and exit 125", () => {
  it.each([
    [["--compile", "--arch", "mips"], /unknown architecture "mips"/],
    [["--compile", "--hide", "auto"], /--hide auto/],
    [["--compile", "--hide", "nosuchcall"], /nosuchcall/],
    [["--simulate", "--arch", "x86_64", "nosuchcall"], /no syscall "nosuchcall"/],
    [["--simulate", "--arch", "x86_64", "--abi", "arm", "read"], /ABI "arm"/],
    [["--simulate", "--arch", "x86_64", "read", "x"], /argument 0/],
    [["--simulate", "--arch", "x86_64", "read", ""], /argument 0: "" is not a 64-bit number/],
    [["--simulate", "--arch", "x86_64", "read", "1", " 7 "], /argument 1: " 7 " is not a 64-bit number/],
    [["--simulate", "--arch", "x86_64", "read", "0x"], /argument 0/],
    [["--simulate", "--arch", "x86_64", ""], /no syscall ""/],
  ])("%j", (args, pattern) => {
    const r = cli(args);
    expect(r.status).toBe(125);
    expect(r.text).toBe("");
    expect(r.stderr).toMatch(/^clone3-workaround: [^\n]*\n$/);
    expect(r.stderr).toMatch(pattern);
  });
});

describe("x86_64 on the real kernel", () => {
  it("the compiled program makes clone3 answer ENOSYS for x86_64 and i386 processes", () => {
    const program = join(work, "x86_64.bpf");
    writeFileSync(program, compiled("x86_64"));
    const seccompRun = helper("seccomp-run");
    const clone3 = syscallNr("x86_64", "clone3")!;
    const getpid = syscallNr("x86_64", "getpid")!;
    for (const [probe, nr, other] of [[helper("syscall-probe"), clone3, getpid], [helper("syscall-probe", ["-m32"]), syscallNr("i386", "clone3")!, syscallNr("i386", "getpid")!]] as const) {
      // Without the program the kernel answers EINVAL (22) for clone3(NULL, 0).
      expect(spawnSync(probe, [`${nr},0,0`], { encoding: "utf8" }).stdout).toBe(`${nr},0,0 -1 22\n`);
      const r = spawnSync(seccompRun, ["--bpf", program, "--", probe, `${nr},0,0`, String(other)], { encoding: "utf8" });
      expect(r.stdout.split("\n")[0]).toBe(`${nr},0,0 -1 38`);
      expect(r.stdout.split("\n")[1]).toMatch(new RegExp(`^${other} \\d+ 0$`));
    }
  });

  it("--doctor sees the legacy engine and exits 1 there, 0 here", () => {
    const seccompRun = helper("seccomp-run");
    const legacy = spawnSync(seccompRun, ["--bpf", legacyEngineBpf("v20.10.9"), "--", BUN, CLI, "--doctor"], { encoding: "utf8" });
    expect(legacy.status).toBe(1);
    expect(legacy.stdout).toMatch(/^ {2}clone3 +EPERM$/m);
    expect(legacy.stdout).toMatch(/^seccomp: filter, 1 filter\(s\) from the engine/m);
    const fresh = cli(["--doctor"]);
    expect(fresh.status).toBe(0);
    expect(fresh.text).toMatch(/^ {2}clone3 +ok$/m);
    expect(fresh.text).toMatch(/^NoNewPrivs: 0$/m);
  });
});

describe("--emit-stub", () => {
  const MACHINE: Record<KernelArch, RegExp> = { x86_64: /x86-64/, aarch64: /ARM aarch64/, ppc64le: /64-bit PowerPC/, s390x: /IBM S\/390/, arm: /ARM, EABI5/ };

  it.each(KERNEL_ARCHES.map((arch) => [arch]))("writes an executable static ELF for %s", (arch) => {
    const out = join(work, `stub.${arch}`);
    const r = cli(["--emit-stub", "--arch", arch, "-o", out]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const file = spawnSync("file", ["-b", out], { encoding: "utf8" }).stdout;
    expect(file).toMatch(MACHINE[arch]);
    expect(file).toMatch(/statically linked/);
    expect(statSync(out).mode & 0o777).toBe(0o755);
  });

  it("the x86_64 stub makes python threads work under the legacy engine", () => {
    const out = join(work, "stub.x86_64");
    expect(cli(["--emit-stub", "--arch", "x86_64", "-o", out]).status).toBe(0);
    const py = ["/usr/bin/python3", "-c", "import threading; t = threading.Thread(target=print, args=('thread ok',)); t.start(); t.join()"];
    const engine = [helper("seccomp-run"), "--bpf", legacyEngineBpf("v20.10.9"), "--"];
    expect(spawnSync(engine[0]!, [...engine.slice(1), ...py], { encoding: "utf8" }).status).not.toBe(0);
    const r = spawnSync(engine[0]!, [...engine.slice(1), out, ...py], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("thread ok\n");
  });

  it("a stub with --hide LIST probes each listed syscall in auto mode; the default probes the known set", () => {
    // An engine that refuses only openat2: a clone3-only stub leaves it alone, a stub that also
    // hides openat2 installs its filter.
    const policy = join(work, "openat2-eperm.json");
    writeFileSync(policy, JSON.stringify({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["openat2"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }] }));
    const engine = join(work, "openat2-eperm.bpf");
    expect(cli(["--compile", "--arch", "x86_64", "--policy", policy, "--format", "raw", "-o", engine]).status).toBe(0);
    const filters = (stubArgs: string[]) => {
      const stub = join(work, "stub-hide");
      expect(cli(["--emit-stub", "--arch", "x86_64", ...stubArgs, "-o", stub]).status).toBe(0);
      const r = spawnSync(helper("seccomp-run"), ["--bpf", engine, "--", stub, "grep", "^Seccomp_filters:", "/proc/self/status"], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      return Number(/(\d+)/.exec(r.stdout)![1]);
    };
    expect(filters(["--hide", "clone3"])).toBe(1);
    expect(filters(["--hide", "clone3,openat2"])).toBe(2);
    // The default, auto-hide, probes the whole known set: openat2 among it.
    expect(filters([])).toBe(2);
    expect(filters(["--hide", "auto"])).toBe(2);
  });
});

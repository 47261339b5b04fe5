// The arch/ API against facts from outside our generator: the kernel facts in the survey notes
// (test/fixtures/audit-arch.md, copied from the survey notes), libseccomp's arch tokens (python3-seccomp), and
// the kernel's own syscall-number rules.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ABI_FACTS, SYSCALL_TABLE } from "../../arch/abis.gen.ts";
import {
  type AbiName,
  KERNEL_ARCHES,
  type KernelArch,
  abiElfMachine,
  abiFacts,
  abiName,
  abisOf,
  elfMachine,
  hostKernelArch,
  kernelArch,
  scmpArchToAbi,
  syscallName,
  syscallNames,
  syscallNr,
} from "../../arch/index.ts";
import { AUDIT_ARCH_TABLE } from "../fixtures/index.ts";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ALL_ABIS: AbiName[] = ["x86_64", "i386", "x32", "aarch64", "arm", "ppc64le", "s390x", "s390"];

describe("kernel arches", () => {
  it("lists the five we build for", () => {
    expect(KERNEL_ARCHES).toEqual(["x86_64", "aarch64", "ppc64le", "s390x", "arm"]);
  });

  it("accepts kernel names and the Node/Debian/Go aliases, nothing else", () => {
    const cases: [string, KernelArch | undefined][] = [
      ["x86_64", "x86_64"],
      ["x64", "x86_64"],
      ["amd64", "x86_64"],
      ["aarch64", "aarch64"],
      ["arm64", "aarch64"],
      ["ppc64le", "ppc64le"],
      ["ppc64el", "ppc64le"],
      ["s390x", "s390x"],
      ["ppc64", undefined], // big-endian: not ours
      ["i386", undefined], // an ABI, not a kernel arch
      ["arm", "arm"],
      ["armhf", "arm"],
      ["armel", "arm"],
      ["armv7l", "arm"], // uname -m of a 32-bit arm kernel (and of linux32 on aarch64: armv8l)
      ["armv6l", "arm"],
      ["X86_64", undefined],
      ["toString", undefined],
      ["__proto__", undefined],
      ["", undefined],
    ];
    for (const [name, want] of cases) expect([name, kernelArch(name)]).toEqual([name, want]);
  });

  it("knows the host from `uname -m`", () => {
    const machine = execFileSync("uname", ["-m"], { encoding: "utf8" }).trim();
    expect(hostKernelArch()).toBe(kernelArch(machine));
  });

  it("lists each arch's ABIs, native first", () => {
    const names = (k: KernelArch) => abisOf(k).map((f) => f.name);
    expect(names("x86_64")).toEqual(["x86_64", "x32", "i386"]);
    expect(names("aarch64")).toEqual(["aarch64", "arm"]);
    expect(names("ppc64le")).toEqual(["ppc64le"]);
    expect(names("s390x")).toEqual(["s390x", "s390"]);
    expect(names("arm")).toEqual(["arm", "aarch64"]);
    for (const k of KERNEL_ARCHES) expect(abisOf(k)[0]).toBe(abiFacts(k as AbiName));
  });

  it("gives the native ELF machine, the low 16 bits of its AUDIT_ARCH", () => {
    // The kernel builds every AUDIT_ARCH_* as EM_* | flags (linux/audit.h).
    for (const k of KERNEL_ARCHES) expect(elfMachine(k)).toBe(abiFacts(k as AbiName).auditArch & 0xffff);
    for (const abi of ALL_ABIS) expect(abiElfMachine(abi)).toBe(abiFacts(abi).auditArch & 0xffff);
  });
});

describe("ABI names", () => {
  it("accepts ours and libseccomp's", () => {
    for (const abi of ALL_ABIS) expect(abiName(abi)).toBe(abi);
    expect(abiName("x86")).toBe("i386");
    for (const bad of ["x64", "amd64", "ppc64", "mips", "constructor", ""]) expect(abiName(bad)).toBeUndefined();
  });

  it("maps the OCI/moby SCMP_ARCH_* spellings", () => {
    expect(scmpArchToAbi("SCMP_ARCH_X86_64")).toBe("x86_64");
    expect(scmpArchToAbi("SCMP_ARCH_X86")).toBe("i386");
    expect(scmpArchToAbi("SCMP_ARCH_X32")).toBe("x32");
    expect(scmpArchToAbi("SCMP_ARCH_AARCH64")).toBe("aarch64");
    expect(scmpArchToAbi("SCMP_ARCH_ARM")).toBe("arm");
    expect(scmpArchToAbi("SCMP_ARCH_PPC64LE")).toBe("ppc64le");
    expect(scmpArchToAbi("SCMP_ARCH_S390X")).toBe("s390x");
    expect(scmpArchToAbi("SCMP_ARCH_S390")).toBe("s390");
    for (const other of ["SCMP_ARCH_PPC64", "SCMP_ARCH_MIPS64", "SCMP_ARCH_RISCV64", "x86_64", "SCMP_ARCH_x86_64"]) {
      expect(scmpArchToAbi(other)).toBeUndefined();
    }
  });
});

/** The "| Arch | Value |" rows of the AUDIT_ARCH table copied from the survey notes. */
function auditArchNotes(): Map<string, number> {
  const section = readFileSync(AUDIT_ARCH_TABLE, "utf8");
  const rows = new Map<string, number>();
  for (const m of section.matchAll(/^\| (\w+) \| (0x[0-9A-Fa-f]+) \|/gm)) {
    if (!rows.has(m[1])) rows.set(m[1], Number(m[2]));
  }
  return rows;
}

/** libseccomp's SCMP_ARCH_* tokens are the kernel's AUDIT_ARCH_* values. */
function libseccompTokens(): Record<string, number> {
  const py = "import json, seccomp; print(json.dumps({a: getattr(seccomp.Arch, a) for a in dir(seccomp.Arch) if a.isupper()}))";
  return JSON.parse(execFileSync("/usr/bin/python3", ["-c", py], { encoding: "utf8" }));
}

describe("ABI facts", () => {
  it("has the AUDIT_ARCH values of the survey notes", () => {
    const notes = auditArchNotes();
    expect(notes.size).toBeGreaterThanOrEqual(8);
    for (const abi of ALL_ABIS) expect([abi, abiFacts(abi).auditArch]).toEqual([abi, notes.get(abi)]);
  });

  it("has the AUDIT_ARCH values that libseccomp uses as arch tokens", () => {
    const tokens = libseccompTokens();
    const scmp: Record<AbiName, string> = {
      x86_64: "X86_64", i386: "X86", x32: "X32", aarch64: "AARCH64", arm: "ARM", ppc64le: "PPC64LE", s390x: "S390X", s390: "S390",
    };
    // Except x32: the kernel reports AUDIT_ARCH_X86_64 for it, and libseccomp's token (without the
    // 64-bit flag) is its own invention.
    for (const abi of ALL_ABIS.filter((a) => a !== "x32")) {
      expect([abi, abiFacts(abi).auditArch]).toEqual([abi, tokens[scmp[abi]] >>> 0]);
    }
  });

  it("puts x32 above __X32_SYSCALL_BIT and every other ABI at 0 over the whole u32 space", () => {
    for (const abi of ALL_ABIS) {
      const f = abiFacts(abi);
      if (abi === "x32") {
        expect([f.nrBase, f.nrRegion]).toEqual([0x40000000, [0x40000000, 0x7fffffff]]);
      } else {
        expect([abi, f.nrBase, f.nrRegion]).toEqual([abi, 0, [0, 0xffffffff]]);
      }
    }
  });

  it("derives byte order and argument width from the audit flags", () => {
    const big = ALL_ABIS.filter((abi) => abiFacts(abi).bigEndian);
    expect(big).toEqual(["s390x", "s390"]);
    const narrow = ALL_ABIS.filter((abi) => abiFacts(abi).bits === 32);
    expect(narrow).toEqual(["i386", "arm", "s390"]);
  });

  it("sets maxNr to the highest ordinary syscall number (ARM private calls above it)", () => {
    for (const abi of ALL_ABIS) {
      const nrs = syscallNames(abi).map((n) => syscallNr(abi, n)!);
      const ordinary = nrs.filter((nr) => abi !== "arm" || nr < 0x0f0000);
      expect([abi, abiFacts(abi).maxNr]).toEqual([abi, Math.max(...ordinary)]);
    }
    const armPrivate = syscallNames("arm").filter((n) => syscallNr("arm", n)! >= 0x0f0000);
    expect(armPrivate.map((n) => [n, syscallNr("arm", n)])).toEqual([
      ["breakpoint", 0x0f0001],
      ["cacheflush", 0x0f0002],
      ["get_tls", 0x0f0006],
      ["set_tls", 0x0f0005],
      ["usr26", 0x0f0003],
      ["usr32", 0x0f0004],
    ]);
  });

  it("returns frozen facts that callers cannot corrupt", () => {
    const f = abiFacts("x32");
    expect(Object.isFrozen(f) && Object.isFrozen(f.nrRegion)).toBe(true);
    expect(abisOf("x86_64")).not.toBe(abisOf("x86_64")); // a fresh array each call
  });
});

describe("syscall lookups", () => {
  it("has clone3 at 435 on every ABI (x32 without its bit)", () => {
    for (const abi of ALL_ABIS) expect([abi, syscallNr(abi, "clone3")]).toEqual([abi, 435]);
    expect(syscallName("x32", 435)).toBe("clone3");
  });

  it("has seccomp where the survey notes say (§6)", () => {
    const want: Record<AbiName, number> = {
      x86_64: 317, i386: 354, x32: 0x4000013d - 0x40000000, aarch64: 277, arm: 383, ppc64le: 358, s390x: 348, s390: 348,
    };
    for (const abi of ALL_ABIS) expect([abi, syscallNr(abi, "seccomp")]).toEqual([abi, want[abi]]);
    expect([syscallNr("x86_64", "prctl"), syscallNr("aarch64", "prctl")]).toEqual([157, 167]);
    expect([syscallNr("x86_64", "execve"), syscallNr("aarch64", "execve")]).toEqual([59, 221]);
  });

  it("keeps ABI-specific numbers apart (x32's own execve, no socketcall on x86_64)", () => {
    expect(syscallNr("x32", "execve")).toBe(520);
    expect(syscallNr("x86_64", "socketcall")).toBeUndefined();
    expect(syscallNr("i386", "socketcall")).toBe(102);
    expect(syscallNr("aarch64", "open")).toBeUndefined(); // asm-generic has only openat
    expect(syscallNr("x86_64", "no_such_call")).toBeUndefined();
    expect(syscallName("x86_64", 100000)).toBeUndefined();
  });

  it("round-trips every name and number, one name per number", () => {
    for (const abi of ALL_ABIS) {
      const names = syscallNames(abi);
      expect([...names].sort()).toEqual(names);
      for (const name of names) expect(syscallName(abi, syscallNr(abi, name)!)).toBe(name);
      expect(new Set(names.map((n) => syscallNr(abi, n))).size).toBe(names.length);
    }
  });
});

describe("generated files", () => {
  const csv = readFileSync(join(repo, "arch", "syscalls.csv"), "utf8");

  it("carry the generated-file header naming the package version", () => {
    const first = /^# Code generated by arch\/gen\.ts from linux-libc-dev (\S+) \((\w+)\); DO NOT EDIT\.$/m;
    const pins = JSON.parse(readFileSync(join(repo, "arch", "pins.json"), "utf8"));
    const m = first.exec(csv.split("\n")[0]);
    expect(m?.slice(1)).toEqual([pins.sources.current.version, pins.sources.current.suite]);
    const gen = readFileSync(join(repo, "arch", "abis.gen.ts"), "utf8").split("\n")[0];
    expect(gen).toBe(csv.split("\n")[0].replace(/^#/, "//"));
  });

  it("hold the same table in syscalls.csv and abis.gen.ts", () => {
    const rows = csv.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    expect(rows[0]).toBe(`name,${ALL_ABIS.join(",")}`);
    expect(SYSCALL_TABLE).toBe(rows.join("\n"));
    expect(Object.keys(ABI_FACTS)).toEqual(ALL_ABIS);
  });
});

// wasm/core.ts compile(): the clone3 policy's targets on every kernel arch, the tracer's nr -1,
// byte orders, big-endian argument words, errors, and lazy instantiation.
import { describe, expect, test, vi } from "vitest";
import { abisOf, KERNEL_ARCHES } from "../../arch/index.ts";
import type { ResolvedPolicy } from "../../policy/resolved.ts";
import { compile, CoreError, CoreStatus, simulate, verify } from "../../wasm/core.ts";

const ALLOW = 0x7fff0000;
const ENOSYS = 0x00050026;
const KILL_PROCESS = 0x80000000;
const UNKNOWN_ARCHES = [0, 0x12345678, 0xc00000f3 /* riscv64 */];

function clone3Policy(k: (typeof KERNEL_ARCHES)[number], badArchAction = ALLOW): ResolvedPolicy {
  const abis = abisOf(k);
  return {
    kernelArch: k,
    bigEndian: abis[0].bigEndian,
    defaultAction: ALLOW,
    badArchAction,
    abis: abis.map((abi) => ({ abi, rules: [{ nr: 435, action: ENOSYS, conds: [] }] })),
  };
}

describe("the clone3 policy (default ALLOW, clone3 -> ENOSYS, bad arch ALLOW)", () => {
  // The targets: x86_64 (+i386, x32) at most 4 executed instructions for every
  // ordinary syscall, the other arches at most 3; clone3 hidden from every ABI.
  const limit: Record<string, number> = { x86_64: 4, aarch64: 3, ppc64le: 3, s390x: 3, arm: 3 };
  for (const k of KERNEL_ARCHES) {
    test(k, () => {
      const policy = clone3Policy(k);
      const p = compile(policy);
      expect(verify(p.bytes, p.byteOrder)).toBeNull();
      expect(p.byteOrder).toBe(k === "s390x" ? "big" : "little");
      let worst = 0;
      for (const abi of abisOf(k)) {
        for (let nr = 0; nr <= Math.max(abi.maxNr, 1023); nr++) {
          const r = simulate(p.bytes, p.byteOrder, { nr: abi.nrBase + nr, arch: abi.auditArch });
          expect(r.action, `${abi.name} ${nr}`).toBe(nr === 435 ? ENOSYS : ALLOW);
          if (nr !== 435) worst = Math.max(worst, r.executed);
        }
      }
      expect(worst).toBeLessThanOrEqual(limit[k]);
      for (const arch of UNKNOWN_ARCHES) {
        expect(simulate(p.bytes, p.byteOrder, { nr: 435, arch }).action).toBe(ALLOW);
      }
    });
  }

  test("with a KILL bad-arch action, only unknown arches are killed", () => {
    const policy = clone3Policy("x86_64", KILL_PROCESS);
    const p = compile(policy);
    for (const abi of abisOf("x86_64")) {
      expect(simulate(p.bytes, "little", { nr: abi.nrBase + 1, arch: abi.auditArch }).action).toBe(ALLOW);
      expect(simulate(p.bytes, "little", { nr: abi.nrBase + 435, arch: abi.auditArch }).action).toBe(ENOSYS);
    }
    for (const arch of UNKNOWN_ARCHES) expect(simulate(p.bytes, "little", { nr: 1, arch }).action).toBe(KILL_PROCESS);
  });
});

describe("nr -1 (a tracer skipping a syscall) is an ordinary raw number of the native ABI", () => {
  test("it gets the default action, never the bad-arch action", () => {
    for (const k of KERNEL_ARCHES) {
      const policy = { ...clone3Policy(k, KILL_PROCESS), defaultAction: 0x00050001 };
      const p = compile(policy);
      const native = abisOf(k)[0];
      expect(simulate(p.bytes, p.byteOrder, { nr: 0xffffffff, arch: native.auditArch }).action, k).toBe(0x00050001);
    }
  });
  test("a rule whose range reaches 2^32-1 covers it", () => {
    const [x86_64] = abisOf("x86_64");
    const policy: ResolvedPolicy = {
      kernelArch: "x86_64", bigEndian: false, defaultAction: ALLOW, badArchAction: KILL_PROCESS,
      abis: [{ abi: x86_64, rules: [{ nr: 1000, nrLast: 0xffffffff, action: ENOSYS, conds: [] }] }],
    };
    const p = compile(policy);
    expect(simulate(p.bytes, "little", { nr: 0xffffffff, arch: x86_64.auditArch }).action).toBe(ENOSYS);
    expect(simulate(p.bytes, "little", { nr: 999, arch: x86_64.auditArch }).action).toBe(ALLOW);
  });
});

describe("byte order", () => {
  const swap = (le: Uint8Array): Uint8Array => {
    const be = new Uint8Array(le);
    for (let i = 0; i < be.length; i += 8) {
      be.subarray(i, i + 2).reverse();
      be.subarray(i + 4, i + 8).reverse();
    }
    return be;
  };
  test("a big-endian program is the little-endian one with each field swapped", () => {
    for (const k of KERNEL_ARCHES) {
      const le = compile(clone3Policy(k), { byteOrder: "little" });
      const be = compile(clone3Policy(k), { byteOrder: "big" });
      expect(be.byteOrder).toBe("big");
      expect(be.bytes).toEqual(swap(le.bytes));
      expect(be.insns).toBe(le.bytes.length / 8);
    }
  });

  test("argument words: big-endian arches keep the high word first", () => {
    for (const k of ["s390x", "x86_64"] as const) {
      const [abi] = abisOf(k);
      const policy: ResolvedPolicy = {
        kernelArch: k, bigEndian: abi.bigEndian, defaultAction: ALLOW, badArchAction: ALLOW,
        abis: [{ abi, rules: [{ nr: 1, action: ENOSYS, conds: [{ arg: 2, op: "EQ", value: 0x0000000100000002n, valueTwo: 0n }] }] }],
      };
      const p = compile(policy);
      const run = (v: bigint, be: boolean) => simulate(p.bytes, p.byteOrder, { nr: 1, arch: abi.auditArch, args: [0n, 0n, v] }, be).action;
      // Laid out as the arch lays it out, the value matches; its word-swapped twin does not.
      expect(run(0x0000000100000002n, abi.bigEndian)).toBe(ENOSYS);
      expect(run(0x0000000200000001n, abi.bigEndian)).toBe(ALLOW);
      // Laid out the other way round, the program reads the words swapped.
      expect(run(0x0000000200000001n, !abi.bigEndian)).toBe(ENOSYS);
    }
  });
});

describe("errors", () => {
  const [x86_64] = abisOf("x86_64");
  const base = (rules: ResolvedPolicy["abis"][0]["rules"]): ResolvedPolicy => ({
    kernelArch: "x86_64", bigEndian: false, defaultAction: ALLOW, badArchAction: ALLOW, abis: [{ abi: x86_64, rules }],
  });
  const cases: [string, ResolvedPolicy, RegExp][] = [
    ["argument index 6", base([{ nr: 1, action: ALLOW, conds: [{ arg: 6, op: "EQ", value: 0n, valueTwo: 0n }] }]), /argument index 6/],
    ["an unknown op", base([{ nr: 1, action: ALLOW, conds: [{ arg: 0, op: "XX" as "EQ", value: 0n, valueTwo: 0n }] }]), /unknown comparison/],
    ["a value above 2^64-1", base([{ nr: 1, action: ALLOW, conds: [{ arg: 0, op: "EQ", value: 1n << 64n, valueTwo: 0n }] }]), /not a u64/],
    ["a negative nr", base([{ nr: -2, action: ALLOW, conds: [] }]), /not a u32/],
    ["no ABI", { ...base([]), abis: [] }, /no ABI/],
  ];
  for (const [name, policy, message] of cases) {
    test(`${name}: CoreError with one line`, () => {
      try {
        compile(policy);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(CoreError);
        expect((e as CoreError).status).toBe(CoreStatus.BAD_INPUT);
        expect((e as Error).message).toMatch(message);
        expect((e as Error).message).not.toContain("\n");
      }
    });
  }

  test("a policy needing more than 4096 instructions", () => {
    const rules = Array.from({ length: 3000 }, (_, i) => ({ nr: i * 2, action: (0x00050000 | (i % 4000)) >>> 0, conds: [] }));
    expect(() => compile(base(rules))).toThrow(/exceed 4096/);
    expect(() => compile(base(rules))).toThrow(expect.objectContaining({ status: CoreStatus.TOO_LARGE }));
    // The core is still usable afterwards.
    expect(compile(clone3Policy("aarch64")).insns).toBeGreaterThan(0);
  });
});

describe("instantiation", () => {
  test("importing the core compiles no wasm; the first call does, once", async () => {
    vi.resetModules();
    const spy = vi.spyOn(WebAssembly, "Module");
    try {
      const core = await import("../../wasm/core.ts");
      expect(spy).not.toHaveBeenCalled();
      core.compile(clone3Policy("x86_64"));
      core.verify(new Uint8Array([6, 0, 0, 0, 0, 0, 0xff, 0x7f]), "little");
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });
});

// Compiled programs on the real kernel (Linux x86_64 host): random argument comparisons on
// getppid, for x86_64 and i386 processes, loaded in a child with seccomp-run. The errno each
// call really gets must be the one the simulator and the reference evaluator predict.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { abiFacts } from "../../arch/index.ts";
import type { CmpOp, Cond, ResolvedPolicy, Rule } from "../../policy/resolved.ts";
import { helper } from "../helpers/native.ts";
import { compile, simulate } from "../../wasm/core.ts";
import { evaluate } from "./reference.ts";

const ALLOW = 0x7fff0000;
const GETPPID = { x86_64: 110, i386: 64 } as const;
const OPS: CmpOp[] = ["EQ", "NE", "LT", "LE", "GT", "GE", "MASKED_EQ"];

function rng(seed: number) {
  let s = seed >>> 0;
  const u32 = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x297a2d39) >>> 0), s);
  return { u32, int: (n: number) => u32() % n, pick: <T>(xs: readonly T[]) => xs[u32() % xs.length] };
}

const canLoad = process.platform === "linux" && process.arch === "x64";
describe.runIf(canLoad)("compiled programs on the kernel (x86_64 host only)", () => {
  test("random 64-bit argument tests give the predicted errno, x86_64 and i386", () => {
    const dir = mkdtempSync(join(tmpdir(), "core-kernel-"));
    const probe64 = helper("syscall-probe");
    const probe32 = helper("syscall-probe", ["-m32"]);
    let denied = 0;
    let allowed = 0;
    for (let seed = 1; seed <= 24; seed++) {
      const r = rng(seed);
      // Values that matter: small ones, both words of 64-bit ones, and the 32-bit edges.
      const pool = [0n, 1n, 2n, 7n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 1n << 32n, 0x100000007n, 0xffffffff00000000n, (1n << 64n) - 1n];
      const value = () => (r.int(4) === 0 ? BigInt(r.u32()) : r.pick(pool));
      const rules = (nr: number): Rule[] =>
        Array.from({ length: 1 + r.int(5) }, (_, i): Rule => ({
          nr,
          action: 0x00050000 + 10 + i, // ERRNO(10 + i): which rule matched shows in errno
          conds: Array.from({ length: 1 + r.int(2) }, (): Cond => ({ arg: r.int(3), op: r.pick(OPS), value: value(), valueTwo: value() })),
        }));
      const policy: ResolvedPolicy = {
        kernelArch: "x86_64", bigEndian: false, defaultAction: ALLOW, badArchAction: ALLOW,
        abis: [
          { abi: abiFacts("x86_64"), rules: rules(GETPPID.x86_64) },
          { abi: abiFacts("i386"), rules: rules(GETPPID.i386) },
        ],
      };
      const program = compile(policy);
      const file = join(dir, `policy-${seed}.bpf`);
      writeFileSync(file, program.bytes);
      for (const [abi, probe, wide] of [["x86_64", probe64, true], ["i386", probe32, false]] as const) {
        const facts = abiFacts(abi);
        const calls: bigint[][] = Array.from({ length: 30 }, () =>
          Array.from({ length: 3 }, () => {
            const v = value();
            return wide ? v : v & 0xffffffffn; // an i386 process passes 32-bit arguments
          }),
        );
        const out = execFileSync(helper("seccomp-run"), ["--nnp", "--bpf", file, "--", probe,
          ...calls.map((a) => [GETPPID[abi], ...a.map((v) => "0x" + v.toString(16))].join(","))], { encoding: "utf8" });
        const lines = out.trim().split("\n");
        expect(lines).toHaveLength(calls.length);
        calls.forEach((args, i) => {
          const q = { arch: facts.auditArch, nr: GETPPID[abi], args: [...args, 0n, 0n, 0n] };
          const want = evaluate(policy, q);
          expect(simulate(program.bytes, "little", q).action, `seed ${seed} ${abi} ${lines[i]}`).toBe(want);
          const [, ret, errno] = lines[i].split(" ").map(Number);
          if (want === ALLOW) {
            expect(ret, `seed ${seed} ${abi} ${lines[i]}`).toBeGreaterThan(0); // a real parent pid
            allowed++;
          } else {
            expect(errno, `seed ${seed} ${abi} ${lines[i]}`).toBe(want & 0xffff);
            denied++;
          }
        });
      }
    }
    // Both outcomes occur often enough for the comparison to mean something.
    expect(Math.min(denied, allowed)).toBeGreaterThan(200);
  });
});

// Golden hashes of emitted stubs: the stub program and its backends must keep emitting the same
// bytes while they are refactored (phases, table-driven facts). Every mode of every arch: the
// clone3 preset, a fixed --hide list, and auto-hide with the nine-name set these hashes were taken
// with (the known set grows: see policy/preset.ts), each plain and as init; on x86_64 also with two
// i386-only names (one i386 probe, int 0x80, under the SIGSEGV guard). All were re-recorded when the
// probe table and the strings-first data layout came in. Regenerate (only when a change is
// MEANT to alter stubs):
//   STUB_GOLDEN_UPDATE=1 npx vitest run --project unit test/unit/stub-golden.test.ts
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { KERNEL_ARCHES, syscallNr } from "../../arch/index.ts";
import { autoHideProgram } from "../../launcher/compile.ts";
import { filterProgram } from "../../launcher/filter.ts";
import { PROBE_ARGS } from "../../launcher/probes.ts";
import { emitStub } from "../../wasm/stub.ts";

const FILE = join(dirname(fileURLToPath(import.meta.url)), "stub-golden.json");
const LIST = ["clone3", "faccessat2", "close_range"];
const NINE = ["clone3", "faccessat2", "fchmodat2", "close_range", "epoll_pwait2", "openat2", "statx", "pidfd_open", "pidfd_send_signal"];
const WITH_I386 = [...NINE, "clock_gettime64", "futex_time64"];

function stubs(): Record<string, string> {
  const out: Record<string, string> = {};
  const h = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
  for (const arch of KERNEL_ARCHES) {
    for (const init of [false, true]) {
      const tag = init ? " init" : "";
      out[`${arch} clone3${tag}`] = h(emitStub({ kernelArch: arch, program: filterProgram({ hide: ["clone3"] }, arch).bytes, init }));
      const probes = LIST.map((n) => ({ nr: syscallNr(arch, n)!, args: PROBE_ARGS[n]! }));
      out[`${arch} list${tag}`] = h(emitStub({ kernelArch: arch, program: filterProgram({ hide: LIST }, arch).bytes, probes, init }));
      const { program, slots } = autoHideProgram(arch, NINE);
      out[`${arch} auto-hide${tag}`] = h(emitStub({ kernelArch: arch, program: program.bytes, slots, init }));
      if (arch === "x86_64") {
        const i386 = autoHideProgram(arch, WITH_I386);
        out[`${arch} auto-hide i386${tag}`] = h(emitStub({ kernelArch: arch, program: i386.program.bytes, slots: i386.slots, init }));
      }
    }
  }
  return out;
}

describe("emitted stubs stay byte-identical", () => {
  const got = stubs();
  if (process.env.STUB_GOLDEN_UPDATE) {
    test("record hashes", () => writeFileSync(FILE, JSON.stringify(got, null, 2) + "\n"));
    return;
  }
  const golden = JSON.parse(readFileSync(FILE, "utf8")) as Record<string, string>;
  test("every stub has a recorded hash, and every hash a stub", () => expect(Object.keys(golden).sort()).toEqual(Object.keys(got).sort()));
  test.each(Object.keys(got))("%s", (name) => expect(got[name]).toBe(golden[name]));
});

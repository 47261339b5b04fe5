// The freestanding stub: its size per arch (clone3 preset, and every known sibling hidden),
// and what it adds to a command's start: (engine -> stub -> /bin/true) minus
// (engine -> /bin/true), hyperfine medians, with moby's v20.10.9 (clone3 EPERM: the stub installs)
// and v20.10.10 (auto installs nothing) run by test/helpers/seccomp-run as in the tests.
// Targets: <= 2 KiB per arch with the filter, <= 0.25 ms added. Upstream: 2.2-3.0 MB, +1.0-1.3 ms.
//   bun bench/stub.ts
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KERNEL_ARCHES } from "../arch/index.ts";
import type { KernelArch } from "../arch/types.ts";
import { KNOWN_HIDEABLE, clone3Preset, hidePreset } from "../policy/preset.ts";
import { compile } from "../wasm/core.ts";
import { emitStub } from "../wasm/stub.ts";
import { helper } from "../test/helpers/native.ts";
import { legacyEngineBpf } from "../test/launcher/legacy-engine.ts";
import { hyperfine } from "./hyperfine.ts";
import { fixed, formatTable, mark, type Section, type Table } from "./table.ts";

const SIZE_TARGET = 2048;
const OVERHEAD_TARGET_MS = 0.25;
const RUNS = 1000;
const UPSTREAM_BYTES = "2.2-3.0 MB";

// compile() writes the target's byte order by default, which is what the stub embeds.
const stubFor = (arch: KernelArch, hide?: readonly string[]) =>
  emitStub({ kernelArch: arch, program: compile(hide ? hidePreset(hide, arch) : clone3Preset(arch)).bytes });

function sizes(): Table {
  const all = Object.keys(KNOWN_HIDEABLE);
  const rows = KERNEL_ARCHES.map((arch) => {
    const one = stubFor(arch).length;
    const every = stubFor(arch, all).length;
    return [arch, String(one), String(every), `${mark(one <= SIZE_TARGET)} (<= ${SIZE_TARGET})`];
  });
  return {
    title: "Stub size per arch (bytes, filter included)",
    headers: ["arch", "clone3", `all ${all.length} siblings`, "target"],
    rows,
    notes: [`Upstream's static Go binary: ${UPSTREAM_BYTES} (x86_64 only).`],
  };
}

function overhead(): Table {
  const dir = mkdtempSync(join(tmpdir(), "clone3-workaround-bench-stub-"));
  try {
    const stub = join(dir, "stub");
    writeFileSync(stub, stubFor("x86_64"));
    chmodSync(stub, 0o755);
    // Private copies: the shared cache file is rewritten whenever a launcher test runs.
    const engine = (version: "v20.10.9" | "v20.10.10") => {
      const bpf = join(dir, `${version}.bpf`);
      copyFileSync(legacyEngineBpf(version), bpf);
      return [helper("seccomp-run"), "--bpf", bpf, "--"];
    };
    const v9 = engine("v20.10.9");
    const v10 = engine("v20.10.10");
    const [base9, stub9, base10, stub10] = hyperfine(
      [[...v9, "/bin/true"], [...v9, stub, "/bin/true"], [...v10, "/bin/true"], [...v10, stub, "/bin/true"]],
      { runs: RUNS, warmup: 50 },
    ).map((t) => t.median);
    const row = (what: string, total: number, base: number) => [
      what, fixed(total, 3), fixed(total - base, 3), `${mark(total - base <= OVERHEAD_TARGET_MS)} (<= ${OVERHEAD_TARGET_MS})`,
    ];
    return {
      title: "Stub overhead over a bare exec, x86_64 (median ms)",
      headers: ["engine -> ...", "median", "added", "target"],
      rows: [
        ["v20.10.9 -> /bin/true", fixed(base9!, 3), "", ""],
        row("v20.10.9 -> stub (installs) -> /bin/true", stub9!, base9!),
        ["v20.10.10 -> /bin/true", fixed(base10!, 3), "", ""],
        row("v20.10.10 -> stub (auto: nothing) -> /bin/true", stub10!, base10!),
      ],
      notes: [
        `hyperfine -N, ${RUNS} runs after 50 warm-ups each; engine = test/helpers/seccomp-run with moby's profile.`,
        "Upstream's Go wrapper adds 1.0-1.3 ms here.",
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const stubSection: Section = {
  name: "stub",
  run: () => [sizes(), overhead()],
};

if (import.meta.main) {
  for (const t of await stubSection.run()) console.log(formatTable(t) + "\n");
}

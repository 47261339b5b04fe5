// The freestanding stub: its size per arch and mode (clone3 only; auto-hide with the whole known
// set; auto-hide as init), and what it adds to a command's start: (engine -> stub -> /bin/true)
// minus (engine -> /bin/true), hyperfine medians measured side by side in one run, with moby's
// v20.10.9 (clone3 EPERM: the stub installs) and v20.10.10 (auto installs nothing) run by
// test/helpers/seccomp-run as in the tests.
// Targets: clone3 <= 2 KiB, auto-hide <= 2.5 KiB, init <= 3 KiB per arch; plain and auto-hide
// <= +0.25 ms, init <= +0.5 ms. Upstream: 2.2-3.0 MB, +1.0-1.3 ms.
//   bun bench/stub.ts
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KERNEL_ARCHES } from "../arch/index.ts";
import type { KernelArch } from "../arch/types.ts";
import { autoHideProgram } from "../launcher/compile.ts";
import { clone3Preset } from "../policy/preset.ts";
import { compile } from "../wasm/core.ts";
import { emitStub } from "../wasm/stub.ts";
import { helper } from "../test/helpers/native.ts";
import { legacyEngineBpf } from "../test/launcher/legacy-engine.ts";
import { hyperfine } from "./hyperfine.ts";
import { fixed, formatTable, mark, type Section, type Table } from "./table.ts";

type Mode = "clone3" | "auto-hide" | "init";
const SIZE_TARGET: Record<Mode, number> = { clone3: 2048, "auto-hide": 2560, init: 3072 };
const OVERHEAD_TARGET_MS: Record<Mode, number> = { clone3: 0.25, "auto-hide": 0.25, init: 0.5 };
const MODES: Mode[] = ["clone3", "auto-hide", "init"];
const RUNS = 1000;
const UPSTREAM_BYTES = "2.2-3.0 MB";

// compile() writes the target's byte order by default, which is what the stub embeds.
function stubFor(arch: KernelArch, mode: Mode): Uint8Array {
  if (mode === "clone3") return emitStub({ kernelArch: arch, program: compile(clone3Preset(arch)).bytes });
  const { program, slots } = autoHideProgram(arch);
  return emitStub({ kernelArch: arch, program: program.bytes, slots, init: mode === "init" });
}

function sizes(): Table {
  const rows = KERNEL_ARCHES.map((arch) => {
    const bytes = MODES.map((m) => stubFor(arch, m).length);
    const ok = MODES.every((m, i) => bytes[i]! <= SIZE_TARGET[m]);
    return [arch, ...bytes.map(String), mark(ok)];
  });
  return {
    title: "Stub size per arch and mode (bytes, filter included)",
    headers: ["arch", ...MODES.map((m) => `${m} (<= ${SIZE_TARGET[m]})`), "targets"],
    rows,
    notes: [
      `auto-hide and init carry ${autoHideProgram("x86_64").slots.length} slots (the known set) on x86_64 (the time64 family in one, probed on i386), ${autoHideProgram("arm").slots.length} on arm (the time64 family is native there, a slot per name).`,
      `Upstream's static Go binary: ${UPSTREAM_BYTES} (x86_64 only).`,
    ],
  };
}

/** Where the auto-hide stub's bytes go: its probes (the stub with them minus the stub without),
 *  the filter, and the rest (headers, the run path's code, strings, the sock_fprog). */
function breakdown(): Table {
  const rows = KERNEL_ARCHES.map((arch) => {
    const { program, slots } = autoHideProgram(arch);
    const whole = emitStub({ kernelArch: arch, program: program.bytes, slots }).length;
    const probes = whole - emitStub({ kernelArch: arch, program: program.bytes, slots: [] }).length;
    const rest = whole - probes - program.bytes.length;
    return [arch, String(whole), `${probes} (${slots.length} x ${fixed(probes / slots.length, 1)})`, String(program.bytes.length), String(rest)];
  });
  return {
    title: "Where the auto-hide stub's bytes go (bytes)",
    headers: ["arch", "total", "probes (count x each)", "filter", "rest: headers, run path, strings"],
    rows,
    notes: ["probes: the stub minus the same stub with no probes (the probe table, its pool and the loop that runs it, less the RET ALLOW copy a stub without them keeps after the filter); the filter is the program alone."],
  };
}

function overhead(): Table {
  const dir = mkdtempSync(join(tmpdir(), "clone3-workaround-bench-stub-"));
  try {
    const stubs = MODES.map((m) => {
      const file = join(dir, `stub-${m}`);
      writeFileSync(file, stubFor("x86_64", m));
      chmodSync(file, 0o755);
      return file;
    });
    // Private copies: the shared cache file is rewritten whenever a launcher test runs.
    const engine = (version: "v20.10.9" | "v20.10.10") => {
      const bpf = join(dir, `${version}.bpf`);
      copyFileSync(legacyEngineBpf(version), bpf);
      return [helper("seccomp-run"), "--bpf", bpf, "--"];
    };
    const engines = [["v20.10.9", engine("v20.10.9"), "installs"], ["v20.10.10", engine("v20.10.10"), "auto: nothing"]] as const;
    const commands = engines.flatMap(([, pre]) => [[...pre, "/bin/true"], ...stubs.map((s) => [...pre, s, "/bin/true"])]);
    const medians = hyperfine(commands, { runs: RUNS, warmup: 50 }).map((t) => t.median);
    const rows: string[][] = [];
    engines.forEach(([name, , what], e) => {
      const base = medians[e * (MODES.length + 1)]!;
      rows.push([`${name} -> /bin/true`, fixed(base, 3), "", "", ""]);
      MODES.forEach((m, i) => {
        const total = medians[e * (MODES.length + 1) + 1 + i]!;
        const added = total - base;
        rows.push([`${name} -> ${m} stub (${what}) -> /bin/true`, fixed(total, 3), fixed(added, 3), fixed(total / base, 2),
          `${mark(added <= OVERHEAD_TARGET_MS[m])} (<= ${OVERHEAD_TARGET_MS[m]})`]);
      });
    });
    return {
      title: "Stub overhead over a bare exec, x86_64 (median ms)",
      headers: ["engine -> ...", "median", "added", "ratio", "target"],
      rows,
      notes: [
        `hyperfine -N, ${RUNS} runs after 50 warm-ups each, all commands in one run; engine = test/helpers/seccomp-run with moby's profile.`,
        "init forks the command and waits for it, so its row includes a fork and a wait.",
        "auto-hide and init make their i386 probe (a vfork child) only after a native EPERM: under v20.10.9 (clone3 EPERM) they do, under v20.10.10 not.",
        "Upstream's Go wrapper adds 1.0-1.3 ms here.",
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const stubSection: Section = {
  name: "stub",
  run: () => [sizes(), breakdown(), overhead()],
};

if (import.meta.main) {
  for (const t of await stubSection.run()) console.log(formatTable(t) + "\n");
}

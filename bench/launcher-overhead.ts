// What the launcher adds to a command's start: (engine -> launcher -> /bin/true) minus
// (engine -> /bin/true), medians from hyperfine. The engine is test/helpers/seccomp-run with
// moby's profile, as in the launcher tests: v20.10.9 (clone3 EPERM: the launcher installs its
// filter) and v20.10.10 (auto installs nothing). Target: the compiled launcher adds <= 8 ms.
// And its start against Bun's own: a compiled Bun no-op (an empty file, the same build flags)
// side by side with `launcher /bin/true` (auto), `launcher --version` and
// `launcher --mode never /bin/true`, in rounds, as ratios.
// Target: <= 1.3x Bun's own start. For `--version` that is the no-op; the rows that exec
// /bin/true are judged against the exec peer, a compiled Bun no-op that execve()s /bin/true
// through bun:ffi, since the no-op execs nothing and the exec alone costs it about 1.3x (its row).
//   bun bench/launcher-overhead.ts
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBinary, compileWithBun } from "../scripts/build-launcher.ts";
import { helper } from "../test/helpers/native.ts";
import { legacyEngineBpf, repoRoot } from "../test/launcher/legacy-engine.ts";
import { hyperfine, type Timing } from "./hyperfine.ts";
import { fixed, formatTable, mark, type Section, type Table } from "./table.ts";

const TARGET_MS = 8;
const RUNS = 60;
/** Launcher start over Bun's own (the no-op, or the exec peer for rows that exec), a ratio of medians in each round. */
const TARGET_RATIO = 1.3;
/**
 * Rounds of the side-by-side comparison: the machine may be shared, so the spread is shown.
 * Many short rounds: a ratio compares medians taken a second or two apart, so a load that
 * comes and goes moves fewer rounds, and the middle round's ratio is steadier.
 */
const ROUNDS = 20;
const ROUND_RUNS = 15;
const ROUND_WARMUP = 3;

/** A Bun program that does nothing but execve("/bin/true") (empty environment) through bun:ffi. */
const EXEC_TRUE = `import { dlopen, ptr } from "bun:ffi";
const { symbols } = dlopen("libc.so.6", { execve: { args: ["ptr", "ptr", "ptr"], returns: "i32" } });
const path = new TextEncoder().encode("/bin/true\\0");
const argv = new BigUint64Array([BigInt(ptr(path)), 0n]);
symbols.execve(ptr(path), ptr(argv), ptr(new BigUint64Array(1)));
process.exit(127);
`;

/** The launcher's start against a compiled Bun no-op, in ROUNDS rounds of one hyperfine run each. */
function againstBun(binary: string, dir: string): Table {
  const empty = join(dir, "noop.ts");
  writeFileSync(empty, "");
  const noop = compileWithBun(empty, join(dir, "bun-noop"));
  const execTrueSource = join(dir, "exec-true.ts");
  writeFileSync(execTrueSource, EXEC_TRUE);
  const execTrue = compileWithBun(execTrueSource, join(dir, "bun-exec-true"));
  const commands = [[noop], [binary, "/bin/true"], [binary, "--version"], [binary, "--mode", "never", "/bin/true"], ["/bin/true"], [execTrue]];
  const rounds = Array.from({ length: ROUNDS }, () => hyperfine(commands, { runs: ROUND_RUNS, warmup: ROUND_WARMUP }));
  const ratios = (i: number, of: (t: Timing) => number) => rounds.map((r) => of(r[i]!) / of(r[0]!));
  const spread = (xs: number[]) => `${fixed(Math.min(...xs), 2)}-${fixed(Math.max(...xs), 2)}`;
  const middle = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const EXEC_PEER = 5;
  /** `target`: the launcher's rows, judged against the no-op, or (`execs`) against the exec peer. */
  const row = (what: string, i: number, target: boolean, execs = false) => {
    const ofMedians = ratios(i, (t) => t.median);
    const ratio = middle(ofMedians);
    const ofPeer = middle(rounds.map((r) => r[i]!.median / r[EXEC_PEER]!.median));
    const judged = execs ? ofPeer : ratio;
    return [
      what, fixed(middle(rounds.map((r) => r[i]!.median)), 2), `${fixed(ratio, 2)}x`, spread(ofMedians), `${fixed(middle(ratios(i, (t) => t.min)), 2)}x`,
      execs ? `${fixed(ofPeer, 2)}x` : "",
      target ? `${mark(judged <= TARGET_RATIO)} (<= ${TARGET_RATIO}x ${execs ? "exec peer" : "no-op"})` : "",
    ];
  };
  return {
    title: "Launcher start against a compiled Bun no-op (ratios within each round)",
    headers: ["command", "median ms", "x no-op", "spread over rounds", "x no-op (mins)", "x exec peer", "target"],
    rows: [
      ["bun build --compile of an empty file", fixed(middle(rounds.map((r) => r[0]!.median)), 2), "1.00x", "", "1.00x", "", ""],
      row("launcher /bin/true", 1, true, true),
      row("launcher --version", 2, true),
      row("launcher --mode never /bin/true", 3, true, true),
      row("/bin/true alone", 4, false),
      row("exec peer: a Bun no-op that execve()s /bin/true", EXEC_PEER, false, true),
    ],
    notes: [
      `hyperfine -N, ${ROUNDS} rounds of ${ROUND_RUNS} runs after ${ROUND_WARMUP} warm-ups each, no engine (clone3 allowed: auto installs nothing).`,
      "Each round times all six commands back to back; a ratio compares two medians of the same round, and",
      "the table shows the middle round's ratio and the range over rounds (a shared machine's load moves it).",
      "The no-op is built with the launcher's own flags (scripts/build-launcher.ts COMPILE_FLAGS);",
      "`launcher /bin/true` includes exec'ing /bin/true, which the no-op does not do. \"x exec peer\" compares the",
      "exec'ing rows with a compiled Bun no-op (same flags) that only dlopens execve and execs /bin/true: that peer",
      "pays for the same exec, and the exec alone puts it near 1.3x the no-op (its row), so a row that execs is",
      "judged against it; `--version` execs nothing and is judged against the no-op.",
    ],
  };
}

export const section: Section = {
  name: "launcher overhead",
  run(): Table[] {
    const dir = mkdtempSync(join(tmpdir(), "clone3-workaround-bench-"));
    try {
      const binary = buildBinary({ outfile: join(dir, "clone3-workaround") });
      const engine = (bpf: string) => [helper("seccomp-run"), "--bpf", bpf, "--"];
      const v9 = engine(legacyEngineBpf("v20.10.9"));
      const v10 = engine(legacyEngineBpf("v20.10.10"));
      const bunRun = [join(repoRoot, "node_modules", ".bin", "bun"), join(repoRoot, "launcher", "cli.ts")];
      const [base9, bin9, base10, bin10, bun9] = hyperfine(
        [
          [...v9, "/bin/true"],
          [...v9, binary, "/bin/true"],
          [...v10, "/bin/true"],
          [...v10, binary, "/bin/true"],
          [...v9, ...bunRun, "/bin/true"],
        ],
        { runs: RUNS, warmup: 5 },
      );
      const base = (what: string, t: Timing) => [what, fixed(t.median, 2), "", fixed(t.min, 2), "", ""];
      const row = (what: string, t: Timing, b: Timing, target: boolean) => [
        what, fixed(t.median, 2), fixed(t.median - b.median, 2), fixed(t.min, 2), fixed(t.min - b.min, 2),
        target ? `${mark(t.median - b.median <= TARGET_MS)} (<= ${TARGET_MS})` : "",
      ];
      return [againstBun(binary, dir), {
        title: "Launcher overhead over a bare exec (ms)",
        headers: ["engine -> ...", "median", "added", "min", "added", "target (median)"],
        rows: [
          base("v20.10.9 -> /bin/true", base9!),
          row("v20.10.9 -> compiled launcher (installs) -> /bin/true", bin9!, base9!, true),
          base("v20.10.10 -> /bin/true", base10!),
          row("v20.10.10 -> compiled launcher (auto: nothing) -> /bin/true", bin10!, base10!, true),
          row("v20.10.9 -> bun launcher/cli.ts -> /bin/true", bun9!, base9!, false),
        ],
        notes: [
          `hyperfine -N, ${RUNS} runs after 5 warm-ups each; engine = test/helpers/seccomp-run with moby's profile.`,
          "Upstream's Go wrapper adds 1.0-1.3 ms here; a compiled Bun no-op's start is in the table above.",
          "The machine is shared: medians move with its load; the fastest runs show the floor.",
        ],
      }];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

if (import.meta.main) {
  for (const t of await section.run()) console.log(formatTable(t) + "\n");
}

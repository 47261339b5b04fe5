// Wall time of whole commands, via hyperfine -N (no shell): the launcher and stub sections time
// engine -> wrapper -> /bin/true against engine -> /bin/true this way.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Timing {
  /** Milliseconds. */
  median: number;
  min: number;
}

/** Times each command (an argv list without spaces) `runs` times after `warmup` runs. */
export function hyperfine(commands: string[][], opts: { runs: number; warmup: number }): Timing[] {
  const dir = mkdtempSync(join(tmpdir(), "clone3-workaround-hyperfine-"));
  try {
    const out = join(dir, "hyperfine.json");
    execFileSync(
      "hyperfine",
      ["-N", "--warmup", String(opts.warmup), "--runs", String(opts.runs), "--style", "none", "--export-json", out,
        ...commands.map((c) => c.join(" "))],
      // hyperfine warns about outliers on a busy machine; its stderr only matters when it fails.
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    const { results } = JSON.parse(readFileSync(out, "utf8")) as { results: Timing[] };
    return results.map((r) => ({ median: r.median * 1000, min: r.min * 1000 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

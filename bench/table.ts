// Plain-text tables for `npm run bench`. Every bench section returns Tables; run.ts prints them.

export interface Table {
  title: string;
  headers: string[];
  rows: string[][];
  /** Lines printed under the table: targets, caveats, how a number was measured. */
  notes?: string[];
}

/** A bench section: one file in bench/, e.g. the compiler versus libseccomp. */
export interface Section {
  name: string;
  run(): Promise<Table[]> | Table[];
}

export function formatTable(t: Table): string {
  const widths = t.headers.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  const out = [`## ${t.title}`, "", line(t.headers), widths.map((w) => "-".repeat(w)).join("  ")];
  for (const r of t.rows) out.push(line(r));
  if (t.notes?.length) out.push("", ...t.notes.map((n) => `  ${n}`));
  return out.join("\n");
}

/** "met" / "NOT MET" beside a target, so the table reads without a pass/fail exit code. */
export const mark = (met: boolean): string => (met ? "met" : "NOT MET");

export const fixed = (n: number, digits = 1): string => n.toFixed(digits);

/** Nanoseconds as a short human figure (µs below 1 ms, else ms). */
export function duration(ns: number): string {
  return ns < 1e6 ? `${(ns / 1e3).toFixed(1)} µs` : `${(ns / 1e6).toFixed(2)} ms`;
}

/** Median of per-run nanoseconds, timing `fn` `runs` times after `warmup` untimed runs. */
export function medianNs(fn: () => unknown, runs: number, warmup = Math.min(50, runs)): number {
  for (let i = 0; i < warmup; i++) fn();
  const ns: number[] = [];
  for (let i = 0; i < runs; i++) {
    const a = process.hrtime.bigint();
    fn();
    ns.push(Number(process.hrtime.bigint() - a));
  }
  ns.sort((x, y) => x - y);
  return ns[Math.floor(runs / 2)]!;
}

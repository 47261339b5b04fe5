// Reading the guest's serial console: C3W: markers (anywhere in a line, since escape codes can
// precede them) become per-scenario results, and a scenario's results are judged against its
// expectations. Pure functions, so harness.bun.test.ts can check them without a VM.
import type { Expect, Scenario } from "./scenarios.ts";

export interface ConsoleLine {
  /** Host milliseconds when the line arrived. */
  at: number;
  text: string;
}

export interface Check {
  result: string;
  detail: string;
}

export interface ScenarioRun {
  name: string;
  checks: Map<string, Check>;
  /** Exit status of `runc run`, null if END never came. */
  rc: number | null;
  seconds: number | null;
  /** The raw lines between BEGIN and END: what the container printed. */
  output: string[];
}

export interface BootRun {
  /** The guest reached the end of its scenario list; false means an infrastructure failure. */
  done: boolean;
  boot: string | null;
  /** C3W:INFO key value lines (the first value of each key). */
  info: Map<string, string>;
  scenarios: Map<string, ScenarioRun>;
}

const MARKER = /C3W:([A-Z]+)(?: (.*))?$/;

export function parseConsole(lines: ConsoleLine[]): BootRun {
  const run: BootRun = { done: false, boot: null, info: new Map(), scenarios: new Map() };
  let current: ScenarioRun | null = null;
  let began = 0;
  for (const { at, text } of lines) {
    const m = MARKER.exec(text.replace(/\r/g, ""));
    if (!m) {
      current?.output.push(text);
      continue;
    }
    const [, kind, rest = ""] = m;
    if (kind === "BOOT") run.boot = rest;
    else if (kind === "BEGIN") {
      current = { name: rest, checks: new Map(), rc: null, seconds: null, output: [] };
      run.scenarios.set(rest, current);
      began = at;
    } else if (kind === "CHECK" && current) {
      const [name, result = "", ...detail] = rest.split(" ");
      current.checks.set(name, { result, detail: detail.join(" ").trim() });
    } else if (kind === "END" && current) {
      current.rc = Number(rest.split(" ").pop());
      current.seconds = (at - began) / 1000;
      current = null;
    } else if (kind === "INFO") {
      const [key = "", ...value] = rest.split(" ");
      if (!run.info.has(key)) run.info.set(key, value.join(" "));
    } else if (kind === "DONE") run.done = true;
  }
  return run;
}

export interface Verdict {
  pass: boolean;
  problems: string[];
  /** Checks a foreign rootfs could not run (its image lacks the tool). */
  skipped: string[];
}

const matches = (want: Expect, got: string) => (typeof want === "string" ? want === got : want.test(got));

/** Compares one scenario's checks with its expectations; `allowSkip` only for --rootfs images. */
export function judge(scenario: Pick<Scenario, "expect" | "exit" | "output">, run: ScenarioRun | undefined, allowSkip: boolean): Verdict {
  if (!run) return { pass: false, problems: ["never started"], skipped: [] };
  if (run.rc === null) return { pass: false, problems: ["never finished"], skipped: [] };
  const problems: string[] = [];
  const skipped: string[] = [];
  for (const [name, want] of Object.entries(scenario.expect)) {
    const got = run.checks.get(name);
    if (!got) problems.push(`${name}: no result`);
    else if (got.result === "skip" && allowSkip) skipped.push(`${name} (${got.detail})`);
    else if (!matches(want, got.result)) {
      problems.push(`${name}: want ${want}, got ${got.result}${got.detail ? ` (${got.detail})` : ""}`);
    }
  }
  if (scenario.exit !== undefined && run.rc !== scenario.exit) problems.push(`exit status: want ${scenario.exit}, got ${run.rc}`);
  const printed = run.output.map((l) => l.replace(/\r/g, ""));
  for (const want of scenario.output ?? []) {
    if (!printed.some((l) => want.test(l))) problems.push(`output: want a line matching ${want}, got none`);
  }
  return { pass: problems.length === 0, problems, skipped };
}

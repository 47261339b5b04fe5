// Where each part of a guest comes from. Debian's mirror is patchy (some arches of a suite answer
// 404 for libc6, runc or the kernel while other suites serve them), and it moves from week to
// week, so every part has an ordered list of sources, tried in order: a source is used when an
// earlier run's build from it is cached or when all its downloads succeed now. A source that
// failed is passed over for RETRY_AFTER_MS, then tried again (the mirror may serve it by then),
// and a cached later source still works offline. The caller prints what was used and why the ones before it were passed over.

import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The Debian suites a guest may come from. */
export type Suite = "bullseye" | "bookworm" | "trixie" | "forky" | "sid";

/** A source that could not be used: its name and one short reason, e.g. "libc6, runc 404 on the mirror". */
export interface PassedOver {
  source: string;
  why: string;
}

export interface Choice<T> {
  value: T;
  source: string;
  /** The sources before `source`, each with why it was not used (empty when the first one worked). */
  passedOver: PassedOver[];
  /** Whether `value` was built now (false: an earlier run's cache entry). */
  built: boolean;
}

/** How long a source that failed is passed over without asking the mirror again. */
export const RETRY_AFTER_MS = 6 * 3600 * 1000;

export interface Attempts<T, S extends string = string> {
  /** What is being fetched, for the one-line error, e.g. "ppc64le userland". */
  what: string;
  sources: readonly S[];
  /** An earlier run's result for `source`, if the cache has one. */
  cached(source: S): T | undefined;
  /** Builds from `source`, throwing when the mirror does not serve it; told what was passed over so far. */
  build(source: S, passedOver: readonly PassedOver[]): T;
  /**
   * Where failures are remembered (one file per source, holding the reason), so that warm runs
   * skip a source the mirror lacked within the last RETRY_AFTER_MS instead of asking again.
   */
  failures?: string;
}

/** The cached or first buildable source; throws one line naming, per source, what was missing. */
export function firstWorking<T, S extends string>(a: Attempts<T, S>): Choice<T> {
  const passedOver: PassedOver[] = [];
  const memo = (source: string) => join(a.failures!, `${a.what.replace(/\W+/g, "-")}--${source}`);
  for (const source of a.sources) {
    const value = a.cached(source);
    if (value !== undefined) return { value, source, passedOver, built: false };
    if (a.failures && existsSync(memo(source)) && Date.now() - statSync(memo(source)).mtimeMs < RETRY_AFTER_MS) {
      passedOver.push({ source, why: readFileSync(memo(source), "utf8").trim() });
      continue;
    }
    try {
      const built = a.build(source, [...passedOver]);
      if (a.failures) rmSync(memo(source), { force: true });
      return { value: built, source, passedOver, built: true };
    } catch (e) {
      const why = failureReason(e);
      passedOver.push({ source, why });
      if (a.failures) {
        mkdirSync(a.failures, { recursive: true });
        writeFileSync(memo(source), `${why}\n`);
      }
    }
  }
  throw new Error(`${a.what}: no source works: ${passedOver.map((p) => `${p.source}: ${p.why}`).join("; ")}`);
}

/**
 * One short reason from an apt-get or mmdebstrap failure: the packages whose files answered 404
 * ("E: Failed to fetch http://…/libc6_2.41-12_ppc64el.deb  404  Not Found"), else the first error line.
 */
export function failureReason(e: unknown): string {
  const err = e as { stderr?: string | Buffer; stdout?: string | Buffer; message?: string };
  const text = `${err.stderr ?? ""}\n${err.stdout ?? ""}\n${err.message ?? String(e)}`;
  const missing = new Set<string>();
  for (const m of text.matchAll(/Failed to fetch \S*\/([^/\s]+?)_[^_/\s]+_[^_/\s]+\.deb\s+404/g)) missing.add(decodeURIComponent(m[1]!));
  if (missing.size) {
    const names = [...missing];
    return `${names.slice(0, 3).join(", ")}${names.length > 3 ? ` (+${names.length - 3} more)` : ""} 404 on the mirror`;
  }
  const errors = text.split("\n").map((l) => l.trim()).filter((l) => /^E: /.test(l) && !/mmdebstrap failed|apt download failed/.test(l));
  const line = errors[0]?.slice(3) ?? text.split("\n").map((l) => l.trim()).find((l) => l !== "") ?? "failed";
  return line.length > 160 ? `${line.slice(0, 160)}…` : line;
}

/** "sid (trixie: libc6 404 on the mirror)": the source used, and why the earlier ones were not. */
export function describeChoice(c: { source: string; passedOver: readonly PassedOver[] }): string {
  return c.passedOver.length ? `${c.source} (${c.passedOver.map((p) => `${p.source}: ${p.why}`).join("; ")})` : c.source;
}

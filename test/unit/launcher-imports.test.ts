// The launcher's import walls, read from the sources: the entry module (cli.ts) loads only
// bun:ffi, its JSON and, after the bootstrap, main.ts; nothing imports it back; and the host
// side (launcher/, policy/, arch/, wasm/*.ts) has no import circle, static or dynamic.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../launcher/legacy-engine.ts";

const DIRS = ["launcher", "launcher/commands", "policy", "arch", "wasm"];
const files = DIRS.flatMap((d) => readdirSync(join(repoRoot, d)).filter((f) => f.endsWith(".ts")).map((f) => join(d, f)));

/** Every module a file loads when it runs: static imports and re-exports (not `import type`), and import(). */
function imports(file: string): string[] {
  const text = readFileSync(join(repoRoot, file), "utf8");
  const specs = [
    ...[...text.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?\bfrom\s+"([^"]+)"/gms)].map((m) => m[1]!),
    ...[...text.matchAll(/^import\s+"([^"]+)"/gm)].map((m) => m[1]!),
    ...[...text.matchAll(/\bimport\("([^"]+)"\)/g)].map((m) => m[1]!),
  ];
  return specs.map((s) => (s.startsWith(".") ? normalize(join(dirname(file), s)) : s));
}

const graph = new Map(files.map((f) => [f, imports(f)]));

describe("the launcher's imports", () => {
  it("cli.ts loads bun:ffi, its JSON and main.ts, nothing else", () => {
    expect(new Set(imports("launcher/cli.ts"))).toEqual(new Set(["bun:ffi", "launcher/build/programs.json", "launcher/main.ts"]));
  });
  it("nothing imports cli.ts, not even for a type", () => {
    const mentions = files.filter((f) => /from\s+"[^"]*\bcli\.ts"/.test(readFileSync(join(repoRoot, f), "utf8")));
    expect(mentions).toEqual([]);
  });
  it("has no circle", () => {
    const cycles: string[][] = [];
    const state = new Map<string, "open" | "done">();
    const path: string[] = [];
    const visit = (f: string) => {
      state.set(f, "open");
      path.push(f);
      for (const dep of graph.get(f) ?? []) {
        if (!graph.has(dep)) continue;
        if (state.get(dep) === "open") cycles.push([...path.slice(path.indexOf(dep)), dep].map((p) => relative(".", p)));
        else if (!state.has(dep)) visit(dep);
      }
      path.pop();
      state.set(f, "done");
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });
});

// The import walls, read from the sources: the launcher's entry module (cli.ts) loads only
// bun:ffi, its JSON and, after the bootstrap, main.ts; nothing imports it back; and no
// TypeScript in the repository (the host side, the AssemblyScript core under wasm/assembly/,
// scripts, bench and tests) has an import circle, static or dynamic.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../launcher/legacy-engine.ts";

/** Every .ts file under the repository, as a path relative to it (not node_modules, dist or .git). */
function tsFiles(dir = ""): string[] {
  return readdirSync(join(repoRoot, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return ["node_modules", "dist", ".git"].includes(e.name) ? [] : tsFiles(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}
const files = tsFiles();
const known = new Set(files);

/** A relative specifier as a repository path: AssemblyScript imports name their modules without ".ts". */
function resolveSpec(from: string, spec: string): string {
  if (!spec.startsWith(".")) return spec;
  const path = normalize(join(dirname(from), spec));
  return !known.has(path) && known.has(`${path}.ts`) ? `${path}.ts` : path;
}

/** Every module a file loads when it runs: static imports and re-exports (not `import type`), and import(). */
function imports(file: string): string[] {
  const text = readFileSync(join(repoRoot, file), "utf8");
  const specs = [
    ...[...text.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?\bfrom\s+"([^"]+)"/gms)].map((m) => m[1]!),
    ...[...text.matchAll(/^import\s+"([^"]+)"/gm)].map((m) => m[1]!),
    ...[...text.matchAll(/\bimport\("([^"]+)"\)/g)].map((m) => m[1]!),
  ];
  return specs.map((s) => resolveSpec(file, s));
}

const graph = new Map(files.map((f) => [f, imports(f)]));

describe("the imports", () => {
  it("are read from every part of the repository, and every relative one names a file there", () => {
    for (const part of ["launcher/commands/", "policy/", "arch/", "wasm/assembly/bpf/", "wasm/assembly/stub/", "scripts/", "bench/", "test/unit/"]) {
      expect(files.some((f) => f.startsWith(part)), part).toBe(true);
    }
    // Data files (JSON) and build outputs are leaves; a .ts import that names no file would hide an edge.
    const dangling = [...graph].flatMap(([f, deps]) => deps.filter((d) => !d.includes(":") && (d.includes("/") || d.startsWith(".")) && d.endsWith(".ts") && !d.includes("/build/") && !known.has(d)).map((d) => `${f} -> ${d}`));
    expect(dangling).toEqual([]);
  });
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

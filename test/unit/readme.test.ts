// The README's examples work as written: every file they read is in the repo, everything they
// write goes to dist/, and the compiler examples print what the README shows. They run through
// `bun launcher/cli.ts` (what `npm run build:binary` compiles into dist/clone3-workaround), with
// dist/ mapped to a temp dir so the test never writes into the checkout.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../launcher/legacy-engine.ts";

const BUN = join(repoRoot, "node_modules", ".bin", "bun");
const CLI = join(repoRoot, "launcher", "cli.ts");
const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
const out = mkdtempSync(join(tmpdir(), "c3w-readme-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Each `$ command` line of the README's console blocks, with the lines it shows as its output. */
function examples(): { command: string; output: string[] }[] {
  const found: { command: string; output: string[] }[] = [];
  for (const block of readme.matchAll(/```console\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split("\n")) {
      if (line.startsWith("$ ")) found.push({ command: line.slice(2), output: [] });
      else if (line !== "" && found.length) found.at(-1)!.output.push(line);
    }
  }
  return found;
}

const tool = examples().filter((e) => e.command.startsWith("dist/clone3-workaround "));

describe("README examples", () => {
  it("has the compiler examples", () => {
    expect(tool.length).toBeGreaterThanOrEqual(5);
  });

  it("name only files that exist in the repo or that the README's steps put in dist/", () => {
    // What `npm run build:binary` and `npm run build:stubs` make, then what earlier examples wrote.
    const built = ["dist/clone3-workaround", ...["x86_64", "aarch64", "ppc64le", "s390x"].map((a) => `dist/clone3-workaround-stub.${a}`)];
    for (const { command } of examples()) {
      for (const word of command.split(/\s+/)) {
        const path = word.replace(/^\$PWD\//, "").replace(/:.*$/, "");
        if (!/^[\w.-]+\/[\w./-]+$/.test(path) || path.startsWith("/")) continue;
        const written = new RegExp(`(-o|>)\\s+${path.replace(/[.]/g, "\\.")}(\\s|$)`).test(command);
        if (written) {
          expect([command, path.startsWith("dist/")]).toEqual([command, true]);
          built.push(path);
        }
        else if (path.startsWith("dist/")) expect([command, built.includes(path)]).toEqual([command, true]);
        else expect([command, existsSync(join(repoRoot, path))]).toEqual([command, true]);
      }
    }
  });

  for (const { command, output } of tool) {
    it(`runs: ${command}`, () => {
      // Words as the shell would split them here (no quoting in these examples), dist/ -> temp dir.
      const words = command.replace(/dist\//g, `${out}/`).split(/\s+/).slice(1);
      const redirect = words.indexOf(">");
      const args = redirect >= 0 ? words.slice(0, redirect) : words;
      const r = spawnSync(BUN, [CLI, ...args], { cwd: repoRoot, encoding: "utf8" });
      expect([r.status, r.stderr]).toEqual([0, ""]);
      if (redirect >= 0) expect(r.stdout.length).toBeGreaterThan(0);
      if (output.length) expect(r.stdout.trimEnd().split("\n")).toEqual(output);
      const file = args[args.indexOf("-o") + 1];
      if (args.includes("-o")) expect(statSync(file!).size).toBeGreaterThan(0);
    });
  }
});

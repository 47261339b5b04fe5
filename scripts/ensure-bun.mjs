// npm may skip bun's postinstall (allowScripts policy, --ignore-scripts). Without it
// node_modules/bun/bin/bun.exe is a placeholder script, so re-run bun's own installer,
// which copies the binary from the already-installed @oven/bun-* package (no download).
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const bunDir = dirname(require.resolve("bun/package.json"));
const exe = join(bunDir, "bin", "bun.exe");
if (statSync(exe).size < 1_000_000) {
  execFileSync(process.execPath, ["install.js"], { cwd: bunDir, stdio: "inherit" });
  if (statSync(exe).size < 1_000_000) {
    console.error("ensure-bun: bun's postinstall did not produce a binary at " + exe);
    process.exit(1);
  }
}

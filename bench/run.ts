// `npm run bench`: every bench section, printed as tables (no pass/fail; targets are marked in
// the notes). A section is a file in bench/ exporting a Section (see table.ts); list it below.
// `bun bench/run.ts compiler stub` runs only the named files. Sections load one by one, so a
// broken or slow one never hides the others' numbers.
import { type Section, formatTable } from "./table.ts";

const SECTIONS: { file: string; exported: string }[] = [
  { file: "compiler", exported: "compilerSection" }, // our compiler vs libseccomp
  { file: "launcher-overhead", exported: "section" }, // launcher start-up cost
  { file: "stub", exported: "stubSection" }, // stub size and start-up cost
  { file: "random-policies", exported: "randomPoliciesSection" }, // argument conditions at scale
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !SECTIONS.some((s) => s.file === w));
if (unknown.length) {
  console.error(`bench: unknown section ${unknown.join(", ")} (have: ${SECTIONS.map((s) => s.file).join(", ")})`);
  process.exit(2);
}

console.log(`# clone3-workaround bench (${new Date().toISOString()}, ${process.arch}, Bun ${process.versions.bun ?? "-"})\n`);
let failed = false;
for (const { file, exported } of SECTIONS.filter((s) => wanted.length === 0 || wanted.includes(s.file))) {
  try {
    const section = (await import(`./${file}.ts`))[exported] as Section | undefined;
    if (!section) throw new Error(`bench/${file}.ts exports no ${exported}`);
    for (const table of await section.run()) console.log(`${formatTable(table)}\n`);
  } catch (e) {
    console.log(`## ${file}: FAILED: ${(e as Error).message.split("\n")[0]}\n`);
    failed = true;
  }
}
if (failed) process.exitCode = 1;

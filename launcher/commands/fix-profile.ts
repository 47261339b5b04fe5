// --fix-profile FILE: the engine's profile with clone3 (and --hide's names) answering ENOSYS
// where it answered EPERM, everything else as it was (policy/fix.ts does the editing).
import { fixProfile } from "../../policy/index.ts";
import type { Request } from "../args.ts";
import type { Bootstrap } from "../bootstrap.ts";
import { hideList } from "../filter.ts";
import { writeOutput } from "../output.ts";
import { EXIT_NOTHING_TO_FIX, readProfile } from "../profile.ts";
import { PROGRAM } from "../report.ts";

const say = (line: string) => process.stderr.write(`${PROGRAM}: ${line}\n`);

export async function command(req: Extract<Request, { kind: "fix-profile" }>, _boot: Bootstrap): Promise<void> {
  const source = JSON.stringify(req.file);
  const result = fixProfile(readProfile(req.file), source, hideList(req.hide));
  const fixed = result.notes.filter((n) => n.outcome === "fixed");
  if (fixed.length === 0) {
    const why = result.notes.map((n) => `${n.name}: ${n.outcome === "already" ? "" : "left alone, "}${n.reason}`).join("; ");
    say(`${source}: nothing to fix (${why})`);
    process.exit(EXIT_NOTHING_TO_FIX);
  }
  writeOutput(result.text, req.output);
  for (const n of result.notes) say(`${source}: ${n.name}: ${n.outcome === "left" ? "left alone, " : ""}${n.reason}`);
}

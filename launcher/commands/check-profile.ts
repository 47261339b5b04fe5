// --check-profile FILE: which known sibling syscalls the profile answers with EPERM, per arch,
// as a legacy engine installs it (profile.ts's checkProfile).
import { KERNEL_ARCHES } from "../../arch/index.ts";
import { KNOWN_HIDEABLE, loadPolicy } from "../../policy/index.ts";
import type { Request } from "../args.ts";
import type { Bootstrap } from "../bootstrap.ts";
import { writeStdout } from "../output.ts";
import { checkProfile, EXIT_EPERM_FOUND, findingLine, readProfile } from "../profile.ts";

export async function command(req: Extract<Request, { kind: "check-profile" }>, _boot: Bootstrap): Promise<never> {
  const { release } = require("node:os") as typeof import("node:os");
  const source = JSON.stringify(req.file);
  const findings = checkProfile(loadPolicy(readProfile(req.file), source), release());
  const lines = findings.length > 0
    ? findings.map(findingLine)
    : [`${req.file}: no glibc-sensitive syscall (${Object.keys(KNOWN_HIDEABLE).join(", ")}) answers EPERM on ${KERNEL_ARCHES.join(", ")}`];
  writeStdout(lines.join("\n") + "\n");
  process.exit(findings.length > 0 ? EXIT_EPERM_FOUND : 0);
}

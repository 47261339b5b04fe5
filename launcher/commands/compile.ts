// --compile: the filter as a program (disasm, raw, hex, json) or as an OCI policy, for any arch.
import { ociToJson } from "../../policy/index.ts";
import type { Request } from "../args.ts";
import type { Bootstrap } from "../bootstrap.ts";
import { formatProgram } from "../compile.ts";
import { filterProgram, ociPolicy, staticSource } from "../filter.ts";
import { writeOutput } from "../output.ts";
import { parseArch } from "../target.ts";

export async function command(req: Extract<Request, { kind: "compile" }>, boot: Bootstrap): Promise<void> {
  const arch = req.arch === undefined ? boot.hostArch : parseArch(req.arch);
  if (req.format === "oci") {
    // The policy itself, not a program: what an engine or runc takes (e.g. a patched moby profile).
    writeOutput(ociToJson(ociPolicy(staticSource(req), arch)), req.output);
    return;
  }
  writeOutput(formatProgram(filterProgram(staticSource(req), arch), arch, req.format), req.output);
}

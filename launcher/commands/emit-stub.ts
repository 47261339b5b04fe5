// --emit-stub: the static stub for an arch, auto-hide by default or with a fixed --hide list.
import { nativeAbi, syscallNr } from "../../arch/index.ts";
import type { Request } from "../args.ts";
import type { Bootstrap } from "../bootstrap.ts";
import { autoHideProgram } from "../compile.ts";
import { filterProgram } from "../filter.ts";
import { writeOutput } from "../output.ts";
import { PROBE_ARGS } from "../probes.ts";
import { parseArch } from "../target.ts";

export async function command(req: Extract<Request, { kind: "emit-stub" }>, _boot: Bootstrap): Promise<void> {
  const arch = parseArch(req.arch);
  const native = nativeAbi(arch).name;
  const { emitStub } = await import("../../wasm/stub.ts");
  const init = req.init === true;
  let elf: Uint8Array;
  if (req.hide.kind === "list") {
    // A fixed set: in `auto` the stub installs it whole when any hidden syscall answers EPERM.
    const hidden = req.hide.names;
    const program = filterProgram({ hide: hidden }, arch);
    const probes = hidden
      .filter((name) => PROBE_ARGS[name] !== undefined && syscallNr(native, name) !== undefined)
      .map((name) => ({ nr: syscallNr(native, name)!, args: PROBE_ARGS[name]! }));
    elf = emitStub({ kernelArch: arch, program: program.bytes, probes, init });
  } else {
    // The default is auto-hide: one filter hiding exactly what probes EPERM at run time.
    const { program, slots } = autoHideProgram(arch);
    elf = emitStub({ kernelArch: arch, program: program.bytes, slots, init });
  }
  writeOutput(elf, req.output, { executable: true });
}

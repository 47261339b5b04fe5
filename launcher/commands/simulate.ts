// --simulate: one syscall's verdict and the instructions it takes, through the core's simulator.
import type { Request } from "../args.ts";
import type { Bootstrap } from "../bootstrap.ts";
import { runSimulation, simulationLine } from "../compile.ts";
import { writeStdout } from "../output.ts";
import { parseArch } from "../target.ts";

export async function command(req: Extract<Request, { kind: "simulate" }>, _boot: Bootstrap): Promise<void> {
  writeStdout(simulationLine(runSimulation(req, parseArch(req.arch))));
}

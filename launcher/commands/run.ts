// The run: plan the filters (plan.ts), build everything execve needs, install, exec.
import type { Request } from "../args.ts";
import { installFinal, type Bootstrap } from "../bootstrap.ts";
import { execPrepared, prepareExec } from "../exec.ts";
import { planRun, planWithoutLoading } from "../plan.ts";
import type { CallerEnv } from "../raw-process.ts";
import { warn } from "../report.ts";

export async function command(req: Extract<Request, { kind: "run" }>, boot: Bootstrap, env: CallerEnv): Promise<never> {
  const { install, warning } = planWithoutLoading(req.mode, req, boot) ?? (await planRun(req.mode, req, boot));
  if (warning) warn(warning);
  // Everything the kernel will read is built before the filter goes in: after it, only
  // execve(2), write(2) and exit_group(2) are sure to work (args.ts's WRAPPER_NEEDS).
  const prepared = prepareExec(req.argv, env, boot.callerArgs());
  if (install) installFinal(req.mode, install.program, boot);
  const failure = execPrepared(prepared, boot);
  // Not fail(): the filter just installed may hide what Bun's stderr and exit paths use.
  boot.die(failure.message, failure.exitCode);
}

// Everything after the bootstrap (cli.ts): parse the command line and do what it asks.
// Threads are safe here: either clone3 was not EPERM, or clone3 -> ENOSYS is installed.
// Heavier stages (policy parsing, the WebAssembly core) are imported only by the commands
// that need them, so the default run stays free of them.
import { MODE_ENV, parseArgs, UsageError, type Mode, type Request } from "./args.ts";
import type { Bootstrap } from "./cli.ts";
import { execPrepared, prepareExec } from "./exec.ts";
import { writeStdout } from "./output.ts";
import { planRun } from "./plan.ts";
import { withFirstOf } from "./raw-process.ts";
import { fail, warn } from "./report.ts";
import { HELP, VERSION } from "./text.ts";

export async function main(args: string[], boot: Bootstrap): Promise<void> {
  let request: Request;
  try {
    request = parseArgs(args, withFirstOf(process.env, MODE_ENV));
  } catch (e) {
    if (e instanceof UsageError) fail(e.message);
    throw e;
  }
  try {
    switch (request.kind) {
      case "help":
        writeStdout(HELP);
        return;
      case "version":
        writeStdout(`clone3-workaround ${VERSION}\n`);
        return;
      case "run":
        return await run(request, boot);
      case "compile":
        return await (await import("./compile.ts")).compileCommand(request, boot.hostArch);
      case "simulate":
        return await (await import("./compile.ts")).simulateCommand(request);
      case "doctor":
        return await (await import("./doctor.ts")).doctor(request, boot);
      case "emit-stub":
        return await (await import("./compile.ts")).emitStubCommand(request);
      case "fix-profile":
        return await (await import("./profile.ts")).fixProfileCommand(request);
      case "check-profile":
        return await (await import("./profile.ts")).checkProfileCommand(request);
    }
  } catch (e) {
    // Bad input from the user (a policy file, a syscall name) is one line, never a stack.
    // (By `name`, which these errors set: the minifier renames classes.)
    if (e instanceof Error && ["PolicyError", "UsageError", "CoreError"].includes(e.name)) {
      fail(e.message);
    }
    throw e;
  }
}

async function run(request: Extract<Request, { kind: "run" }>, boot: Bootstrap): Promise<void> {
  const { install, warning } = await planRun(request.mode, request, boot);
  if (warning) warn(warning);
  return execOrFail(request.argv, boot, () => install && installOrReport(request.mode, () => boot.install(install.program)));
}

function installOrReport(mode: Mode, install: () => unknown): void {
  try {
    install();
  } catch (e) {
    if (!(e instanceof Error) || e.name !== "InstallError") throw e;
    const message = e.message;
    // In `auto` the command may still work without threads, and the wrapper must never break
    // what worked without it; `always` was asked to filter.
    if (mode === "always") fail(`cannot install the filter: ${message}`);
    warn(`cannot install the filter (${message}); running the command without it`);
  }
}

/** Builds everything execve needs, then runs `installStep`, then execs. Returns never on success. */
function execOrFail(argv: string[], boot: Bootstrap, installStep: () => unknown): never {
  const prepared = prepareExec(argv, process.env);
  installStep();
  const failure = execPrepared(prepared, boot);
  // Not fail(): the filter just installed may hide what Bun's stderr and exit paths use.
  boot.die(failure.message, failure.exitCode);
}

// Everything after the bootstrap (cli.ts): parse the command line and do what it asks.
// Threads are safe here: either clone3 was not EPERM, or clone3 -> ENOSYS is installed.
// Heavier stages (policy parsing, the WebAssembly core) are imported only by the commands
// that need them, so the default run stays free of them.
import { parseArgs, UsageError, type Mode, type Request } from "./args.ts";
import type { Bootstrap } from "./cli.ts";
import type { FilterSource } from "./filter.ts";
import { execPrepared, prepareExec, type ExecCalls } from "./exec.ts";
import { answerOf, PROBE_ARGS } from "./probes.ts";
import { fail, warn } from "./report.ts";
import { HELP, VERSION } from "./text.ts";

const EPERM = 1;

export async function main(args: string[], boot: Bootstrap): Promise<void> {
  let request: Request;
  try {
    request = parseArgs(args, process.env);
  } catch (e) {
    if (e instanceof UsageError) fail(e.message);
    throw e;
  }
  try {
    switch (request.kind) {
      case "help":
        process.stdout.write(HELP);
        return;
      case "version":
        process.stdout.write(`clone3-workaround ${VERSION}\n`);
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

/** Syscall names (native ABI) that the engine answers with EPERM, among `names`. */
export function probeEperm(names: readonly string[], boot: Bootstrap, nrOf: (name: string) => number | undefined): string[] {
  return names.filter((name) => {
    // The bootstrap may already hide clone3; what counts is what the engine answered before.
    if (name === "clone3") return boot.clone3Errno === EPERM;
    const nr = nrOf(name);
    const args = PROBE_ARGS[name];
    return nr !== undefined && args !== undefined && answerOf(boot.probe(nr, args)) === "EPERM";
  });
}

async function run(request: Extract<Request, { kind: "run" }>, boot: Bootstrap): Promise<void> {
  const { mode } = request;
  if (mode === "never") return execOrFail(request.argv, boot, () => {});

  // The default filter is the precompiled one: no policy code, no WebAssembly.
  if (request.hide.kind === "default" && request.policyFile === undefined) {
    if (boot.installed) return execOrFail(request.argv, boot, () => {});
    const needed = mode === "always" || boot.clone3Errno === EPERM;
    const program = new Uint8Array(boot.precompiled.clone3Program);
    return execOrFail(request.argv, boot, () => needed && installOrReport(mode, () => boot.install(program)));
  }

  const { filterProgram } = await import("./filter.ts");
  const { needed, source } = await plan(request, boot);
  // Built even when nothing will be installed: a broken policy file or a misspelt name must
  // fail here, not first on the old engine it is meant for.
  const program = filterProgram(source, boot.hostArch);
  return execOrFail(request.argv, boot, () => needed && installOrReport(mode, () => boot.install(program.bytes)));
}

/** What a run with --hide or --policy installs, and whether `auto` needs to. */
async function plan(request: Extract<Request, { kind: "run" }>, boot: Bootstrap): Promise<{ needed: boolean; source: FilterSource }> {
  const always = request.mode === "always";
  if (request.policyFile !== undefined) {
    return { needed: always || boot.clone3Errno === EPERM, source: { policyFile: request.policyFile } };
  }
  const { knownHideable, nativeNr } = await import("./filter.ts");
  const candidates = request.hide.kind === "list" ? request.hide.names : knownHideable();
  const eperm = probeEperm(candidates, boot, (name) => nativeNr(boot.hostArch, name));
  // A list is installed as named; `--hide auto` hides what answers EPERM, and clone3 at least.
  const hide = request.hide.kind === "list" ? request.hide.names : [...new Set(["clone3", ...eperm])];
  return { needed: always || eperm.length > 0, source: { hide } };
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
function execOrFail(argv: string[], calls: ExecCalls, installStep: () => unknown): never {
  const prepared = prepareExec(argv, process.env);
  installStep();
  const failure = execPrepared(prepared, calls);
  fail(failure.message, failure.exitCode);
}

// Everything after the bootstrap (cli.ts): parse the command line and do what it asks.
// Threads are safe here: either clone3 was not EPERM, or clone3 -> ENOSYS is installed.
// Each command is its own module in commands/, imported only when asked for (the run, the
// common case, comes with this module), so a run loads no policy code and no WebAssembly
// unless its filter needs them. A plain run (cli.ts's PlainRun) loads no parser either.
import type { Request } from "./args.ts";
import type { Bootstrap, PlainRun } from "./bootstrap.ts";
import { writeStdout, writeStdoutWith } from "./output.ts";
import { callerEnv, envString, type CallerEnv } from "./raw-process.ts";
import { failWith } from "./report.ts";
import { HELP, VERSION } from "./text.ts";
// The run is the common case: in this module's chunk, not one more to load (a few tenths of a ms).
import * as runCommand from "./commands/run.ts";

type Of<K extends Request["kind"]> = Extract<Request, { kind: K }>;
type Command<K extends Request["kind"]> = (req: Of<K>, boot: Bootstrap, env: CallerEnv) => Promise<unknown>;

/** One module per command, loaded when asked for (literal paths: the bundler follows them into the binary). */
const COMMANDS: { [K in Exclude<Request["kind"], "help" | "version">]: () => Promise<{ command: Command<K> }> } = {
  run: async () => runCommand,
  compile: () => import("./commands/compile.ts"),
  simulate: () => import("./commands/simulate.ts"),
  doctor: () => import("./commands/doctor.ts"),
  "emit-stub": () => import("./commands/emit-stub.ts"),
  "fix-profile": () => import("./commands/fix-profile.ts"),
  "check-profile": () => import("./commands/check-profile.ts"),
};

/** `plain`: cli.ts read the line as a run with the default filter, as args.ts would. */
export async function main(args: string[], boot: Bootstrap, plain?: PlainRun): Promise<void> {
  writeStdoutWith(boot.write);
  // The caller's environment as the kernel holds it (the bootstrap's callerEnviron), when first asked for
  // (--help and --version never ask): getenv(3)'s answer for the mode (the first entry), and
  // the command's envp byte for byte.
  let env: CallerEnv | undefined;
  const callerEnvOnce = () => (env ??= callerEnv(boot.callerEnviron()));
  try {
    if (plain) return await runCommand.command({ kind: "run", mode: plain.mode, argv: plain.argv, hide: { kind: "default" } }, boot, callerEnvOnce());
    // The full parser (a few tenths of a ms to load and run) only for everything else.
    const { MODE_ENV, parseArgs } = await import("./args.ts");
    const request = parseArgs(args, {
      get [MODE_ENV]() {
        return envString(callerEnvOnce(), MODE_ENV);
      },
    });
    if (request.kind === "help") return writeStdout(HELP);
    if (request.kind === "version") return writeStdout(`clone3-workaround ${VERSION}\n`);
    const { command } = await COMMANDS[request.kind]();
    await (command as Command<typeof request.kind>)(request as never, boot, callerEnvOnce());
  } catch (e) {
    // The one rule (report.ts): the user's input and the engine's answers are one line each.
    failWith(e);
  }
}

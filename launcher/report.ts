// The wrapper's own messages: one line on stderr, prefixed with the program name, no stack.

export const PROGRAM = "clone3-workaround";

/** Exit status for the wrapper's own failure (env(1), timeout(1)). */
const EXIT_WRAPPER = 125;

/**
 * The one rule for errors: these are the user's input or the engine's answer, not bugs, so each
 * is one line with a fixed status. Told by `name`, which each sets: the minifier renames classes.
 * Anything else is a bug in the wrapper, and keeps its stack. (Before the bootstrap, cli.ts
 * reports its few failures the same way, one line and 125, through write(2): it may import nothing.)
 */
export const EXIT_STATUS: Readonly<Record<string, number>> = {
  UsageError: EXIT_WRAPPER, // launcher/args.ts: the command line
  PolicyError: EXIT_WRAPPER, // policy/: a policy file, a syscall name
  CoreError: EXIT_WRAPPER, // wasm/core.ts: the core refused or could not build a program
  StubError: EXIT_WRAPPER, // wasm/stub.ts: the stub emitter refused its input
  InstallError: EXIT_WRAPPER, // the kernel refused a filter (launcher/bootstrap.ts)
};

/** The line and status `e` is reported with, or undefined when it is not one of EXIT_STATUS's. */
export function failureOf(e: unknown): { line: string; status: number } | undefined {
  if (!(e instanceof Error) || !Object.hasOwn(EXIT_STATUS, e.name)) return undefined;
  // Each message quotes its input clipped (policy/errors.ts's quote()), so it is short already.
  return { line: e.message.replace(/[\r\n]+/g, " "), status: EXIT_STATUS[e.name]! };
}

/** Reports `e` by the rule above and exits; rethrows what the rule does not cover. */
export function failWith(e: unknown): never {
  const failure = failureOf(e);
  if (!failure) throw e;
  fail(failure.line, failure.status);
}

export function fail(message: string, exitCode = EXIT_WRAPPER): never {
  process.stderr.write(`${PROGRAM}: ${message}\n`);
  process.exit(exitCode);
}

export function warn(message: string): void {
  process.stderr.write(`${PROGRAM}: warning: ${message}\n`);
}

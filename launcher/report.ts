// The wrapper's own messages: one line on stderr, prefixed with the program name, no stack.

export const PROGRAM = "clone3-workaround";

/** Exit status for the wrapper's own failure (env(1), timeout(1)). */
export const EXIT_WRAPPER = 125;

export function fail(message: string, exitCode = EXIT_WRAPPER): never {
  process.stderr.write(`${PROGRAM}: ${message}\n`);
  process.exit(exitCode);
}

export function warn(message: string): void {
  process.stderr.write(`${PROGRAM}: warning: ${message}\n`);
}

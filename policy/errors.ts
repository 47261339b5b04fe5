// The one error type of the policy stage. Its message is the single line the CLI prints after
// "clone3-workaround: ", so it names the input and the JSON path of the problem and never
// needs a stack trace to be understood.

export class PolicyError extends Error {
  override name = "PolicyError";
  constructor(message: string) {
    super(message);
  }
}

/** `where` is a JSON path such as `syscalls[3].args[0].op`; an empty path means the whole document. */
export function fail(where: string, problem: string): never {
  throw new PolicyError(where === "" ? problem : `${where}: ${problem}`);
}

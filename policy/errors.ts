// The one error type of the policy stage. Its message is the single line the CLI prints after
// "clone3-workaround: ", so it names the input and the JSON path of the problem and never
// needs a stack trace to be understood. Input is only ever quoted through quote(), so no
// message grows with its input or breaks the line; MAX_MESSAGE is the last guard.

/** How many characters of the offending input a message quotes. */
export const QUOTE_CHARS = 60;
/** The longest message (what a terminal line or a pipe reader can take in one piece). */
export const MAX_MESSAGE = 200;

export class PolicyError extends Error {
  override name = "PolicyError";
  constructor(message: string) {
    super(clip(message.replace(/[\n\r]/g, " "), MAX_MESSAGE));
  }
}

/** `where` is a JSON path such as `syscalls[3].args[0].op`; an empty path means the whole document. */
export function fail(where: string, problem: string): never {
  throw new PolicyError(where === "" ? problem : `${where}: ${problem}`);
}

/** `text` cut to `max` characters with a "…(N more)" mark when longer. */
export function clip(text: string, max: number = QUOTE_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length - max} more)`;
}

/** `text` as a JSON string literal (escapes keep it on one line), cut to `max` characters. */
export function quote(text: string, max: number = QUOTE_CHARS): string {
  return text.length <= max ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, max))}…(${text.length - max} more)`;
}

/** The first few of `items`, then "…(N more)". */
export function list(items: readonly string[], max = 3): string {
  return items.length <= max ? items.join(", ") : `${items.slice(0, max).join(", ")}, …(${items.length - max} more)`;
}

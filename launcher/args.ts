// The command line, parsed into one request. Pure: its one import is policy/errors.ts's
// quote(), itself import-free, so parsing loads nothing else and Node unit tests check it as it
// is. (The entry module does not use this parser: before its bootstrap filter it reads the
// plain run form itself, from the facts build-launcher.ts copies from here into programs.json.)
// Every message quotes what the user typed through quote(), the policy stage's own rule: JSON
// escapes keep it on one line, and at most QUOTE_CHARS of it, then "…(N more)".
//
// Like upstream (and env(1)), the first argument that is not an option is the command; options
// come before it or before `--`.
import { quote } from "../policy/errors.ts";

export type Mode = "auto" | "always" | "never";
export const MODES: readonly Mode[] = ["auto", "always", "never"];
export type Format = "disasm" | "raw" | "hex" | "json" | "oci";
const FORMATS: readonly Format[] = ["disasm", "raw", "hex", "json", "oci"];
export const MODE_ENV = "CLONE3_WORKAROUND_MODE";

/** What to hide: the preset's default (clone3), the siblings that probe EPERM, or a list. */
export type Hide = { kind: "default" } | { kind: "auto" } | { kind: "list"; names: string[] };

/** The filter a request is about: the clone3 preset with a hide set, or a policy file. */
export interface FilterChoice {
  hide: Hide;
  policyFile?: string;
}

export type Request =
  | { kind: "help" }
  | { kind: "version" }
  | ({ kind: "run"; mode: Mode; argv: string[] } & FilterChoice)
  | ({ kind: "compile"; arch?: string; format: Format; output?: string } & FilterChoice)
  | ({ kind: "simulate"; arch: string; abi?: string; syscall: string; args: string[] } & FilterChoice)
  | ({ kind: "doctor"; mode: Mode } & FilterChoice)
  | { kind: "emit-stub"; arch: string; hide: Hide; output?: string; init?: true }
  | { kind: "fix-profile"; file: string; hide: Hide; output?: string }
  | { kind: "check-profile"; file: string };

/** Bad usage; the message is one line, printed after `clone3-workaround: `. */
export class UsageError extends Error {
  override name = "UsageError";
}

type Command = "compile" | "simulate" | "doctor" | "emit-stub" | "fix-profile" | "check-profile" | "help" | "version";
const COMMAND_FLAGS: Record<string, Command> = {
  "--compile": "compile",
  "--simulate": "simulate",
  "--doctor": "doctor",
  "--emit-stub": "emit-stub",
  "--help": "help",
  "-h": "help",
  "--version": "version",
};
/** Commands whose flag takes the file they work on (`--fix-profile FILE`). */
const FILE_COMMAND_FLAGS: Record<string, Command> = { "--fix-profile": "fix-profile", "--check-profile": "check-profile" };
// Arrays, not Sets, and no work at load time beyond literals: the run's start pays for whatever
// this module does when it loads (JSC compiles Set, filter and map on their first use).
const VALUE_FLAGS: readonly string[] = ["--mode", "--hide", "--policy", "--arch", "--abi", "--format", "-o", "--output"];
/** Options without a value. */
const SWITCHES: readonly string[] = ["--init"];

/** Which options each command accepts (beyond the command flag itself). */
const ALLOWED: Record<Command | "run", readonly string[]> = {
  run: ["--mode", "--hide", "--policy"],
  compile: ["--arch", "--hide", "--policy", "--format", "-o"],
  simulate: ["--arch", "--abi", "--hide", "--policy"],
  doctor: ["--mode", "--hide", "--policy"],
  "emit-stub": ["--arch", "--hide", "-o", "--init"],
  "fix-profile": ["--fix-profile", "--hide", "-o"],
  "check-profile": ["--check-profile"],
  help: [],
  version: [],
};

/**
 * What the wrapper (launcher or stub) still calls after its filter is in: execve to become the
 * command, write and exit_group to report that it could not. Hidden, they would make it hang
 * or fail silently instead (exit and execveat for the same reasons in other libcs). futex too:
 * Bun's own threads keep running until the exec, and abort the process when a futex call fails.
 * The bootstrap's run-form reader gets this list through programs.json (scripts/build-launcher.ts).
 */
export const WRAPPER_NEEDS: readonly string[] = ["execve", "execveat", "exit", "exit_group", "write", "futex"];

const commands = () => Object.keys(ALLOWED).filter((c): c is Command => c !== "run");

/** "a", "a or b", "a, b or c". */
export function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

function parseHide(value: string): Hide {
  if (value === "auto") return { kind: "auto" };
  const names = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (names.length === 0) throw new UsageError(`--hide needs a comma-separated list of syscalls or "auto"`);
  const needed = names.find((name) => WRAPPER_NEEDS.includes(name));
  if (needed !== undefined) {
    throw new UsageError(`--hide: cannot hide ${quote(needed)}: the wrapper needs it to exec the command or to report why it could not`);
  }
  return { kind: "list", names };
}

function parseMode(value: string, from: string): Mode {
  if ((MODES as readonly string[]).includes(value)) return value as Mode;
  throw new UsageError(`${from}: unknown mode ${quote(value)} (auto, always or never)`);
}

export function parseArgs(args: readonly string[], env: Record<string, string | undefined>): Request {
  let command: Command | undefined;
  const values = new Map<string, string>();
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      i++;
      break;
    }
    // A negative number is an operand (--simulate's syscall -1 or an argument), never an option.
    if (!arg.startsWith("-") || arg === "-" || /^-\d/.test(arg)) break;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const flag = name === "--output" ? "-o" : name;
    if (flag in COMMAND_FLAGS) {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
      const c = COMMAND_FLAGS[flag]!;
      if (command && command !== c) throw new UsageError(`${arg} cannot be combined with --${command}`);
      command = c;
      continue;
    }
    if (SWITCHES.includes(name)) {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
      if (values.has(name)) throw new UsageError(`${name} given twice`);
      values.set(name, "");
      continue;
    }
    if (flag in FILE_COMMAND_FLAGS) {
      const c = FILE_COMMAND_FLAGS[flag]!;
      if (command && command !== c) throw new UsageError(`${name} cannot be combined with --${command}`);
      command = c;
    } else if (!VALUE_FLAGS.includes(name)) throw new UsageError(`unknown option ${quote(name)} (try --help)`);
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else if (i + 1 < args.length) value = args[++i]!;
    else throw new UsageError(`${name} needs a value`);
    if (values.has(flag)) throw new UsageError(`${name} given twice`);
    values.set(flag, value);
  }
  const operands = args.slice(i);
  const kind = command ?? "run";

  for (const flag of values.keys()) {
    if (!ALLOWED[kind].includes(flag)) {
      const goesWith = orList(commands().filter((c) => ALLOWED[c].includes(flag)).map((c) => `--${c}`));
      throw new UsageError(kind === "run" ? `${flag} goes with ${goesWith}` : `${flag} does not apply to --${kind} (it goes with ${goesWith})`);
    }
  }
  if (values.has("--hide") && values.has("--policy")) throw new UsageError("--hide and --policy exclude each other");
  const filter: FilterChoice = {
    hide: values.has("--hide") ? parseHide(values.get("--hide")!) : { kind: "default" },
    ...(values.has("--policy") ? { policyFile: values.get("--policy")! } : {}),
  };
  const mode = (): Mode => {
    if (values.has("--mode")) return parseMode(values.get("--mode")!, "--mode");
    const fromEnv = env[MODE_ENV];
    return fromEnv === undefined || fromEnv === "" ? "auto" : parseMode(fromEnv, MODE_ENV);
  };
  const noOperands = () => {
    if (operands.length > 0) throw new UsageError(`unexpected argument ${quote(operands[0]!)} after --${kind}`);
  };
  const output = values.has("-o") ? { output: values.get("-o")! } : {};

  switch (kind) {
    case "help":
    case "version":
      noOperands();
      return { kind };
    case "run":
      if (operands.length === 0) throw new UsageError("no command given (try --help)");
      return { kind, mode: mode(), argv: operands, ...filter };
    case "doctor":
      noOperands();
      return { kind, mode: mode(), ...filter };
    case "compile": {
      noOperands();
      const format = values.get("--format") ?? "disasm";
      if (!(FORMATS as readonly string[]).includes(format)) {
        throw new UsageError(`unknown format ${quote(format)} (disasm, raw, hex, json or oci)`);
      }
      const arch = values.has("--arch") ? { arch: values.get("--arch")! } : {};
      return { kind, ...arch, format: format as Format, ...output, ...filter };
    }
    case "simulate": {
      if (!values.has("--arch")) throw new UsageError("--simulate needs --arch ARCH");
      if (operands.length === 0) throw new UsageError("--simulate needs a syscall name or number");
      const abi = values.has("--abi") ? { abi: values.get("--abi")! } : {};
      return { kind, arch: values.get("--arch")!, ...abi, syscall: operands[0]!, args: operands.slice(1), ...filter };
    }
    case "emit-stub":
      noOperands();
      if (!values.has("--arch")) throw new UsageError("--emit-stub needs --arch ARCH");
      return { kind, arch: values.get("--arch")!, hide: filter.hide, ...output, ...(values.has("--init") ? { init: true as const } : {}) };
    case "fix-profile":
      noOperands();
      return { kind, file: values.get("--fix-profile")!, hide: filter.hide, ...output };
    case "check-profile":
      noOperands();
      return { kind, file: values.get("--check-profile")! };
  }
}

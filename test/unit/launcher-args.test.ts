// launcher/args.ts: the command-line contract, case by case.
import { describe, expect, it } from "vitest";
import { parseArgs, UsageError } from "../../launcher/args.ts";

const parse = (args: string[], env: Record<string, string> = {}) => parseArgs(args, env);
const usage = (args: string[], env: Record<string, string> = {}) => {
  try {
    parse(args, env);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).not.toContain("\n");
    return (e as Error).message;
  }
  throw new Error(`no usage error for ${JSON.stringify(args)}`);
};

describe("run", () => {
  it("takes the first non-option as the command and keeps everything after it", () => {
    expect(parse(["ls", "--mode", "never", "-l"])).toEqual({
      kind: "run", mode: "auto", argv: ["ls", "--mode", "never", "-l"], hide: { kind: "default" },
    });
  });
  it("ends options at --, so a command may start with a dash", () => {
    expect(parse(["--mode", "always", "--", "--weird", "x"])).toMatchObject({ mode: "always", argv: ["--weird", "x"] });
    expect(parse(["--", "--"])).toMatchObject({ argv: ["--"] });
  });
  it("reads the mode from --mode, else CLONE3_WORKAROUND_MODE, else auto", () => {
    expect(parse(["x"], { CLONE3_WORKAROUND_MODE: "never" })).toMatchObject({ mode: "never" });
    expect(parse(["--mode=always", "x"], { CLONE3_WORKAROUND_MODE: "never" })).toMatchObject({ mode: "always" });
    expect(parse(["x"], { CLONE3_WORKAROUND_MODE: "" })).toMatchObject({ mode: "auto" });
  });
  it("parses --hide lists, auto, and --policy", () => {
    expect(parse(["--hide", "clone3, faccessat2", "x"])).toMatchObject({ hide: { kind: "list", names: ["clone3", "faccessat2"] } });
    expect(parse(["--hide=auto", "x"])).toMatchObject({ hide: { kind: "auto" } });
    expect(parse(["--policy", "p.json", "x"])).toMatchObject({ policyFile: "p.json", hide: { kind: "default" } });
  });
  it("rejects bad usage with one line", () => {
    expect(usage([])).toMatch(/no command/);
    expect(usage(["--"])).toMatch(/no command/);
    expect(usage(["--bogus", "x"])).toBe('unknown option "--bogus" (try --help)');
    expect(usage(["--mode", "sometimes", "x"])).toMatch(/unknown mode "sometimes"/);
    expect(usage(["x"], { CLONE3_WORKAROUND_MODE: "bad" })).toMatch(/CLONE3_WORKAROUND_MODE: unknown mode/);
    expect(usage(["--mode"])).toMatch(/--mode needs a value/);
    expect(usage(["--hide", "a", "--policy", "b", "x"])).toMatch(/exclude each other/);
    expect(usage(["--arch", "x86_64", "x"])).toMatch(/--arch/);
    expect(usage(["--hide", ",", "x"])).toMatch(/--hide/);
    expect(usage(["--mode", "auto", "--mode", "never", "x"])).toMatch(/twice/);
  });
});

describe("commands", () => {
  it("--compile defaults to disasm and the host arch", () => {
    expect(parse(["--compile"])).toEqual({ kind: "compile", format: "disasm", hide: { kind: "default" } });
    expect(parse(["--compile", "--arch", "s390x", "--format", "raw", "-o", "f", "--hide", "clone3"])).toEqual({
      kind: "compile", arch: "s390x", format: "raw", output: "f", hide: { kind: "list", names: ["clone3"] },
    });
    expect(usage(["--compile", "--format", "elf"])).toMatch(/unknown format/);
    expect(usage(["--compile", "x"])).toMatch(/unexpected argument/);
    expect(usage(["--compile", "--mode", "auto"])).toMatch(/--mode does not apply/);
  });
  it("--simulate needs --arch and a syscall, and keeps negative arguments", () => {
    expect(parse(["--simulate", "--arch", "x86_64", "--abi", "i386", "clone3", "0", "-1"])).toEqual({
      kind: "simulate", arch: "x86_64", abi: "i386", syscall: "clone3", args: ["0", "-1"], hide: { kind: "default" },
    });
    expect(parse(["--simulate", "--arch", "x86_64", "-1", "-5"])).toMatchObject({ syscall: "-1", args: ["-5"] });
    expect(usage(["--simulate", "clone3"])).toMatch(/needs --arch/);
    expect(usage(["--simulate", "--arch", "x86_64"])).toMatch(/syscall/);
  });
  it("--doctor, --emit-stub, --help and --version", () => {
    expect(parse(["--doctor"], { CLONE3_WORKAROUND_MODE: "always" })).toEqual({ kind: "doctor", mode: "always", hide: { kind: "default" } });
    expect(parse(["--emit-stub", "--arch", "aarch64", "-o", "s"])).toEqual({ kind: "emit-stub", arch: "aarch64", hide: { kind: "default" }, output: "s" });
    expect(parse(["--help"])).toEqual({ kind: "help" });
    expect(parse(["-h"])).toEqual({ kind: "help" });
    expect(parse(["--version"])).toEqual({ kind: "version" });
    expect(usage(["--emit-stub"])).toMatch(/needs --arch/);
    expect(usage(["--doctor", "--compile"])).toMatch(/cannot be combined/);
    expect(usage(["--emit-stub", "--arch", "x86_64", "--policy", "p"])).toMatch(/--policy does not apply/);
  });
  it("--init goes with --emit-stub only and takes no value", () => {
    expect(parse(["--emit-stub", "--init", "--arch", "s390x"])).toEqual({ kind: "emit-stub", arch: "s390x", hide: { kind: "default" }, init: true });
    expect(usage(["--init", "true"])).toBe("--init goes with --emit-stub");
    expect(usage(["--emit-stub", "--arch", "x86_64", "--init=1"])).toBe("--init takes no value");
    expect(usage(["--emit-stub", "--arch", "x86_64", "--init", "--init"])).toBe("--init given twice");
  });
});

describe("messages", () => {
  it("name exactly the commands an option goes with", () => {
    expect(usage(["--abi", "i386", "x"])).toBe("--abi goes with --simulate");
    expect(usage(["--format", "raw", "x"])).toBe("--format goes with --compile");
    expect(usage(["-o", "f", "x"])).toBe("-o goes with --compile, --emit-stub or --fix-profile");
    expect(usage(["--output=f", "x"])).toBe("-o goes with --compile, --emit-stub or --fix-profile");
    expect(usage(["--arch", "s390x", "x"])).toBe("--arch goes with --compile, --simulate or --emit-stub");
    expect(usage(["--simulate", "--arch", "x86_64", "--format", "raw", "read"])).toBe("--format does not apply to --simulate (it goes with --compile)");
    expect(usage(["--doctor", "--arch", "x86_64"])).toBe("--arch does not apply to --doctor (it goes with --compile, --simulate or --emit-stub)");
  });
  it("quote what the user typed, so a newline in it cannot split the line", () => {
    expect(usage(["--bo\ngus", "x"])).toBe('unknown option "--bo\\ngus" (try --help)');
    expect(usage(["--mode", "a\nb", "x"])).toBe('--mode: unknown mode "a\\nb" (auto, always or never)');
    expect(usage(["--compile", "x\ny"])).toBe('unexpected argument "x\\ny" after --compile');
    expect(usage(["--compile", "--format", "e\nlf"])).toBe('unknown format "e\\nlf" (disasm, raw, hex, json or oci)');
    expect(usage(["--hide", "clone3,\nwrite", "x"])).toMatch(/cannot hide "write"/);
  });
});

describe("--fix-profile and --check-profile", () => {
  it("take the profile as their value, with --hide and -o for --fix-profile", () => {
    expect(parse(["--fix-profile", "p.json"])).toEqual({ kind: "fix-profile", file: "p.json", hide: { kind: "default" } });
    expect(parse(["--fix-profile=p.json", "--hide", "clone3,faccessat2", "-o", "out.json"])).toEqual({
      kind: "fix-profile", file: "p.json", hide: { kind: "list", names: ["clone3", "faccessat2"] }, output: "out.json",
    });
    expect(parse(["-o", "out.json", "--fix-profile", "p.json"])).toMatchObject({ kind: "fix-profile", output: "out.json" });
    expect(parse(["--check-profile", "p.json"])).toEqual({ kind: "check-profile", file: "p.json" });
  });
  it("reject what does not go with them, with one line", () => {
    expect(usage(["--fix-profile"])).toBe("--fix-profile needs a value");
    expect(usage(["--check-profile", "p.json", "--hide", "clone3"])).toBe("--hide does not apply to --check-profile (it goes with --compile, --simulate, --doctor, --emit-stub or --fix-profile)");
    expect(usage(["--fix-profile", "p.json", "--policy", "q.json"])).toMatch(/^--policy does not apply to --fix-profile/);
    expect(usage(["--fix-profile", "p.json", "--compile"])).toBe("--compile cannot be combined with --fix-profile");
    expect(usage(["--compile", "--check-profile", "p.json"])).toBe("--check-profile cannot be combined with --compile");
    expect(usage(["--fix-profile", "p.json", "extra"])).toBe('unexpected argument "extra" after --fix-profile');
    expect(usage(["--fix-profile", "a", "--fix-profile", "b"])).toBe("--fix-profile given twice");
  });
});

describe("--hide refuses what the wrapper itself calls after its filter is in", () => {
  it.each(["execve", "execveat", "exit", "exit_group", "write", "futex"])("%s, in every command that takes --hide", (name) => {
    expect(usage(["--hide", `clone3,${name}`, "--mode", "always", "true"])).toBe(
      `--hide: cannot hide "${name}": the wrapper needs it to exec the command or to report why it could not`,
    );
    expect(usage(["--emit-stub", "--arch", "x86_64", "--hide", name])).toMatch(/cannot hide/);
    expect(usage(["--doctor", "--hide", name])).toMatch(/cannot hide/);
  });
});

describe("messages quote at most 60 characters of what was typed", () => {
  const long = "x".repeat(500);
  // policy/errors.ts's rule: a JSON string of the first 60 characters, then how many more.
  const clipped = `"${"x".repeat(60)}"…(440 more)`;
  it.each([
    [["--" + long], `unknown option "--${"x".repeat(58)}"…(442 more) (try --help)`],
    [["--mode", long, "true"], `--mode: unknown mode ${clipped} (auto, always or never)`],
    [["--compile", "--format", long], `unknown format ${clipped} (disasm, raw, hex, json or oci)`],
    [["--help", long], `unexpected argument ${clipped} after --help`],
  ])("%j", (args, message) => {
    expect(usage(args)).toBe(message);
  });
  it("from the environment too", () => {
    expect(usage(["true"], { CLONE3_WORKAROUND_MODE: long })).toBe(`CLONE3_WORKAROUND_MODE: unknown mode ${clipped} (auto, always or never)`);
  });
});

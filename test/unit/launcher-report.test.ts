// launcher/report.ts: the one rule for errors. Each kind the wrapper reports is one line with a
// fixed status; anything else is a bug and keeps its stack.
import { describe, expect, it } from "vitest";
import { UsageError } from "../../launcher/args.ts";
import { EXIT_STATUS, failureOf } from "../../launcher/report.ts";
import { PolicyError } from "../../policy/errors.ts";
import { CoreError } from "../../wasm/core.ts";
import { StubError } from "../../wasm/stub.ts";

const installError = () => Object.assign(new Error("seccomp(SECCOMP_SET_MODE_FILTER): Operation not permitted"), { name: "InstallError" });

describe("failureOf", () => {
  it.each([
    ["UsageError", () => new UsageError("unknown option \"--x\" (try --help)")],
    ["PolicyError", () => new PolicyError("p.json: syscalls[0]: unknown action")],
    ["CoreError", () => new CoreError(2, "compile: the program would exceed 4096 instructions")],
    ["StubError", () => new StubError("the stub does not fit in 64 KiB", -4)],
    ["InstallError", installError],
  ])("%s: one line, status 125", (name, make) => {
    const e = make();
    expect(e.name).toBe(name);
    expect(failureOf(e)).toEqual({ line: e.message, status: 125 });
    expect(EXIT_STATUS[name]).toBe(125);
  });
  it("keeps a message on one line", () => {
    expect(failureOf(new CoreError(3, "a\nb\r\nc"))?.line).toBe("a b c");
  });
  it("leaves everything else alone: a bug keeps its stack", () => {
    expect(failureOf(new TypeError("x is undefined"))).toBeUndefined();
    expect(failureOf("a string")).toBeUndefined();
  });
});

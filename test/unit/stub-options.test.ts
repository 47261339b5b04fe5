// The stub takes no options: its first argument is the command, and its mode comes from
// CLONE3_WORKAROUND_MODE alone (README.md, "Using it"). A launcher option given to the stub is
// therefore a command name that is not found: one line and 127, like env(1) for a missing
// command, and the environment variable is the way to set the mode. Run natively here.
import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { autoHideStubFile, removeScratch, stubFile } from "../stub/stubs.ts";

afterAll(removeScratch);

describe.each([
  ["the clone3 stub", () => stubFile("x86_64", "stub-options.x86_64")],
  ["the auto-hide stub", () => autoHideStubFile("x86_64", "stub-options-auto.x86_64")],
])("%s", (_, stub) => {
  it("runs `--mode` as the command: one line, 127", () => {
    const r = spawnSync(stub(), ["--mode", "always", "/bin/true"], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("clone3-workaround: --mode: No such file or directory\n");
    expect(r.status).toBe(127);
  });
  it("takes its mode from CLONE3_WORKAROUND_MODE", () => {
    const r = spawnSync(stub(), ["/bin/sh", "-c", "grep ^Seccomp_filters /proc/self/status"], {
      encoding: "utf8",
      env: { PATH: "/usr/bin:/bin", CLONE3_WORKAROUND_MODE: "always" },
    });
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^Seccomp_filters:\s+1$/m);
  });
});

// launcher/path-search.ts against glibc's own execvp(3): env(1) execs through execvp, and strace
// shows every file name it tries, in order.
import { execFileSync, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { DEFAULT_PATH, searchPath } from "../../launcher/path-search.ts";

/** The execve targets glibc's execvp tries for `command` with PATH=`path` (unset when undefined). */
function glibcTries(command: string, path: string | undefined): string[] {
  const env = path === undefined ? [] : [`PATH=${path}`];
  const r = spawnSync("strace", ["-f", "-qq", "-e", "trace=execve", "-e", "signal=none", "env", "-i", ...env, command], {
    encoding: "utf8",
  });
  return r.stderr
    .split("\n")
    .filter((l) => l.includes("execve(") && !l.includes('"/usr/bin/env"'))
    .map((l) => JSON.parse(/execve\(("(?:[^"\\]|\\.)*")/.exec(l)![1]!) as string);
}

const haveStrace = spawnSync("strace", ["-V"]).status === 0;

describe("searchPath", () => {
  const missing = "clone3-workaround-no-such-command";
  it.runIf(haveStrace).each([
    ["/nonexist/a:/nonexist/b/::/nonexist/c"],
    [""],
    [":"],
    ["/nonexist/x"],
    [undefined],
  ])("tries the same files as glibc's execvp for PATH=%j", (path) => {
    expect(searchPath(missing, path).paths).toEqual(glibcTries(missing, path));
  });

  it("uses glibc's default PATH when PATH is unset", () => {
    expect(DEFAULT_PATH).toBe(execFileSync("getconf", ["PATH"], { encoding: "utf8" }).trim());
  });

  it("takes a name with a slash as is", () => {
    expect(searchPath("./x", "/bin")).toEqual({ paths: ["./x"] });
    expect(searchPath("a/b", undefined)).toEqual({ paths: ["a/b"] });
  });

  it("fails an empty name with ENOENT and an overlong one with ENAMETOOLONG, trying nothing", () => {
    expect(searchPath("", "/bin")).toEqual({ paths: [], errno: 2 });
    expect(searchPath("x".repeat(256), "/bin")).toEqual({ paths: [], errno: 36 });
  });
});

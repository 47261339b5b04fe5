// launcher/path-search.ts against glibc's own execvp(3): env(1) execs through execvp, and strace
// shows every file name it tries, in order.
import { execFileSync, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { DEFAULT_PATH, searchPath } from "../../launcher/path-search.ts";

/** The execve targets glibc's execvp tries for `command` with PATH=`path` (unset when undefined). */
function glibcTries(command: string, path: string | undefined): string[] {
  const env = path === undefined ? [] : [`PATH=${path}`];
  const r = spawnSync("strace", ["-f", "-qq", "-s", "65536", "-e", "trace=execve", "-e", "signal=none", "env", "-i", ...env, command], {
    encoding: "utf8",
  });
  return r.stderr
    .split("\n")
    .filter((l) => l.includes("execve(") && !l.includes('"/usr/bin/env"'))
    .map((l) => JSON.parse(/execve\(("(?:[^"\\]|\\.)*")/.exec(l)![1]!) as string);
}

const missing = "clone3-workaround-no-such-command";

describe("searchPath", () => {
  it.each([
    ["/nonexist/a:/nonexist/b/::/nonexist/c"],
    [""],
    [":"],
    ["/nonexist/x"],
    [undefined],
    // An entry of PATH_MAX bytes or more is skipped (the last one here).
    [`/nonexist/a:/${"x".repeat(5000)}`],
  ])("tries the same files as glibc's execvp for PATH=%j", (path) => {
    expect(searchPath(missing, path).paths).toEqual(glibcTries(missing, path));
  });

  it("skips an entry of PATH_MAX bytes or more in the middle of PATH, as glibc means to", () => {
    // glibc's loop `continue`s without stepping over the ':' after such an entry, so it then
    // tries the bare name (the current directory) as if an empty entry followed; musl steps over
    // it. We skip cleanly: the same tries as glibc's minus those accidental bare names.
    // The é entry is 2049 characters but 4097 bytes: the limit is in bytes.
    const path = `/nonexist/a:/${"x".repeat(4095)}:/${"é".repeat(2048)}:/nonexist/c`;
    const glibc = glibcTries(missing, path);
    expect(glibc.filter((p) => p === missing)).toHaveLength(2);
    const ours = searchPath(missing, Buffer.from(path).toString("latin1")).paths;
    expect(ours).toEqual(glibc.filter((p) => p !== missing));
    expect(ours).toEqual([`/nonexist/a/${missing}`, `/nonexist/c/${missing}`]);
  });

  it("tries an entry shorter than PATH_MAX even when the whole name is too long, as glibc does", () => {
    const long = `/${"y".repeat(4094)}`;
    const glibc = glibcTries(missing, `/nonexist/a:${long}`);
    // strace cuts a path at PATH_MAX - 1 bytes: compare that much.
    expect(glibc.map((p) => p.slice(0, 4095))).toEqual([`/nonexist/a/${missing}`, `${long}/${missing}`.slice(0, 4095)]);
    expect(searchPath(missing, `/nonexist/a:${long}`).paths).toEqual([`/nonexist/a/${missing}`, `${long}/${missing}`]);
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

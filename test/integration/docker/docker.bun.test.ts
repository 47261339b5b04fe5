// The docker guest's logic without a VM: the README's Dockerfile as the guest gets it, the
// scenario data, the payload's plan and the self-test's EPERM wrapper. (That dockerd runs them
// green, and red with the EPERM wrapper, is shown by run.ts and run.ts --self-test.)
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SCENARIOS } from "../scenarios.ts";
import { buildDockerPayload, writeEpermWrapper } from "./payload.ts";
import { forLegacyBuilder, readmeDockerfile, withoutWorkaround } from "./readme.ts";
import { DOCKER_SCENARIOS, PHASES } from "./scenarios.ts";

const tmp = mkdtempSync(join(tmpdir(), "c3w-docker-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("the README's Dockerfile", () => {
  it("is the dist/ block, byte for byte", () => {
    const d = readmeDockerfile();
    expect(readFileSync(join(import.meta.dirname, "..", "..", "..", "README.md"), "utf8")).toContain("```dockerfile\n" + d + "```\n");
    expect(d).toMatch(/^FROM --platform=\$BUILDPLATFORM busybox AS clone3-workaround\n/);
    expect(d).toContain('SHELL ["/clone3-workaround", "/bin/sh", "-c"]\n');
  });
  it("without the workaround is its last stage minus the clone3-workaround lines", () => {
    expect(withoutWorkaround(readmeDockerfile())).toBe('FROM ubuntu:21.10\nCMD ["bash"]\nRUN apt-get update && apt-get install -y hello\n');
  });
  it("for the legacy builder differs only by the --platform flag", () => {
    const d = readmeDockerfile();
    expect(forLegacyBuilder(d)).toBe(d.replace("FROM --platform=$BUILDPLATFORM busybox", "FROM busybox"));
  });
  it("must be found exactly once", () => {
    expect(() => readmeDockerfile("no blocks\n")).toThrow(/found 0/);
  });
});

describe("docker scenarios", () => {
  it("have unique names, none shared with the runc scenarios, and known phases", () => {
    const names = DOCKER_SCENARIOS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(SCENARIOS.some((s) => s.name === n)).toBe(false);
    for (const s of DOCKER_SCENARIOS) expect(Object.keys(PHASES)).toContain(s.phase);
  });

  it("payload: phases in order, each once, and slot-less scenarios n/a", () => {
    const p = buildDockerPayload({ arch: "x86_64", scenarios: DOCKER_SCENARIOS.filter((s) => !s.selfTest) }, join(tmp, "p.cpio"));
    expect(p.run.every((s) => !s.needs?.length)).toBe(true);
    expect(p.notApplicable.map((s) => s.name)).toContain("docker-wrapper-v9");
    const listing = execFileSync("sh", ["-c", `zstd -dcq '${p.cpio}' | cpio -i --quiet --to-stdout harness/docker/plan`], { encoding: "utf8" });
    const phases = listing.split("\n").filter((l) => l.startsWith("phase ")).map((l) => l.slice(6));
    expect(phases).toEqual(Object.keys(PHASES).filter((ph) => p.run.some((s) => s.phase === ph)));
    const flags = execFileSync("sh", ["-c", `zstd -dcq '${p.cpio}' | cpio -i --quiet --to-stdout harness/docker/phases/v9.flags`], { encoding: "utf8" });
    expect(flags).toBe("--seccomp-profile /harness/docker/profiles/moby-v20.10.9.json\n");
  });

  it("the self-test's EPERM wrapper is seccomp-filter.py with clone3 -> EPERM fixed", () => {
    const w = readFileSync(writeEpermWrapper(join(tmp, "eperm")), "utf8");
    expect(w.startsWith("#!/usr/bin/python3\n")).toBe(true);
    expect(w).toContain('["435=errno:1", "--"]');
    execFileSync("python3", ["-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())", join(tmp, "eperm")]);
  });
});

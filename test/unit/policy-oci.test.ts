// The OCI linux.seccomp validator, the u64-exact JSON reader and loadPolicy's format detection.
// Each malformed input must give one line naming the JSON path; the field rules come from the
// runtime-spec (config-linux.md) and runc (errnoRet only for ERRNO/TRACE, index 0..5, no NOTIFY).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { PolicyError } from "../../policy/errors.ts";
import { parseJson } from "../../policy/json.ts";
import { loadPolicy, toOci } from "../../policy/load.ts";
import { ociToJson, parseOci } from "../../policy/oci.ts";

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    const m = (e as Error).message;
    expect(m).not.toContain("\n");
    return m;
  }
  throw new Error("no error");
}

const ociError = (doc: string): string => message(() => parseOci(parseJson(doc, "p.json")));
const withCall = (call: string): string => `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},${call}]}`;

describe("parseOci rejects malformed input with one line naming the JSON path", () => {
  const cases: [string, string][] = [
    [withCall(`{"names":["write"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_FOO"}]}`),
      'syscalls[1].args[0].op: unknown operator "SCMP_CMP_FOO"'],
    [withCall(`{"names":["write"],"action":"SCMP_ACT_ALLOW","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}`),
      "syscalls[1].args[0].index: expected an integer 0..5, got 6"],
    [withCall(`{"names":["write"],"action":"SCMP_ACT_ALLOW","args":[{"value":1,"op":"SCMP_CMP_EQ"}]}`),
      "syscalls[1].args[0].index: required"],
    [withCall(`{"names":["write"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":-1,"op":"SCMP_CMP_EQ"}]}`),
      "syscalls[1].args[0].value: -1 is outside the unsigned 64-bit range 0..18446744073709551615"],
    [withCall(`{"names":["write"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":18446744073709551616,"op":"SCMP_CMP_EQ"}]}`),
      "syscalls[1].args[0].value: 18446744073709551616 is outside the unsigned 64-bit range 0..18446744073709551615"],
    [withCall(`{"names":["write"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1.5,"op":"SCMP_CMP_EQ"}]}`),
      "syscalls[1].args[0].value: expected an unsigned 64-bit integer, got 1.5 (not an integer: no fraction, exponent or -0)"],
    [withCall(`{"names":["write"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":"5","op":"SCMP_CMP_EQ"}]}`),
      'syscalls[1].args[0].value: expected an unsigned 64-bit integer, got "5"'],
    [withCall(`{"names":["write"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ","valu2":3}]}`),
      "syscalls[1].args[0].valu2: unknown field (expected one of index, value, valueTwo, op)"],
    [withCall(`{"names":["write"],"action":"SCMP_ACT_NOTIFY"}`),
      "syscalls[1].action: SCMP_ACT_NOTIFY is not supported (it needs a seccomp agent listening on listenerPath)"],
    [withCall(`{"names":["write"],"action":"SCMP_ACT_PERMIT"}`), 'syscalls[1].action: unknown action "SCMP_ACT_PERMIT"'],
    [withCall(`{"names":["write"]}`), "syscalls[1].action: required"],
    [withCall(`{"names":[],"action":"SCMP_ACT_ALLOW"}`), "syscalls[1].names: must name at least one syscall"],
    [withCall(`{"names":[""],"action":"SCMP_ACT_ALLOW"}`), "syscalls[1].names[0]: must not be empty"],
    [withCall(`{"names":"write","action":"SCMP_ACT_ALLOW"}`), 'syscalls[1].names: expected an array, got "write"'],
    [withCall(`{"names":["write"],"action":"SCMP_ACT_ALLOW","errnoRet":1}`),
      "syscalls[1].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not SCMP_ACT_ALLOW"],
    [withCall(`{"names":["write"],"action":"SCMP_ACT_ERRNO","errnoRet":4095}`),
      "syscalls[1].errnoRet: errno 4095 is above 4094, the largest libseccomp (and so runc) accepts"],
    [withCall(`{"names":["write"],"action":"SCMP_ACT_TRACE","errnoRet":65536}`),
      "syscalls[1].errnoRet: expected an integer 0..65535, got 65536"],
    [`{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":65535}`,
      "defaultErrnoRet: errno 65535 is above 4094, the largest libseccomp (and so runc) accepts"],
    [withCall(`{"name":"write","action":"SCMP_ACT_ALLOW"}`), "syscalls[1].name: unknown field (expected one of names, action, errnoRet, args)"],
    [withCall(`7`), "syscalls[1]: expected an object, got 7"],
    [`{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_AMD64"]}`, 'architectures[0]: unknown architecture "SCMP_ARCH_AMD64"'],
    [`{"defaultAction":"SCMP_ACT_ALLOW","flags":["SECCOMP_FILTER_FLAG_NEW_LISTENER"]}`, 'flags[0]: unknown flag "SECCOMP_FILTER_FLAG_NEW_LISTENER"'],
    [`{"defaultAction":"SCMP_ACT_ALLOW","listenerPath":"/run/agent.sock"}`, "listenerPath: seccomp notify is not supported"],
    [`{"defaultAction":"SCMP_ACT_ALLOW","defaultErrnoRet":38}`, "defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not SCMP_ACT_ALLOW"],
    [`{"syscalls":[]}`, "defaultAction: required"],
    [`[]`, "expected an object, got an array"],
  ];
  it.each(cases)("%s", (doc, want) => {
    expect(ociError(doc)).toBe(want);
  });
});

describe("u64 values are exact", () => {
  it("reads integers above 2^53 without rounding and writes them back as bare literals", () => {
    const doc = withCall(
      `{"names":["write"],"action":"SCMP_ACT_ALLOW","args":[{"index":1,"value":18446744073709551615,"valueTwo":9007199254740993,"op":"SCMP_CMP_MASKED_EQ"}]}`,
    );
    const oci = parseOci(parseJson(doc, "p"));
    expect(oci.syscalls![1]!.args![0]).toEqual({ index: 1, value: 0xffffffffffffffffn, valueTwo: 9007199254740993n, op: "SCMP_CMP_MASKED_EQ" });
    const out = ociToJson(oci);
    expect(out).toContain('"value": 18446744073709551615,');
    expect(out).toContain('"valueTwo": 9007199254740993,');
    expect(parseOci(parseJson(out, "out"))).toEqual(oci);
    // Python's json, like runc's Go decoder, reads integer literals exactly: an independent reader.
    const py = spawnSync("/usr/bin/python3", ["-c", "import json,sys; a=json.load(sys.stdin)['syscalls'][1]['args'][0]; print(a['value'], a['valueTwo'])"], {
      input: out,
      encoding: "utf8",
    });
    expect(py.stdout.trim()).toBe("18446744073709551615 9007199254740993");
  });
  it("writes keys in one fixed order whatever the input order, 2-space indented", () => {
    const a = parseOci(parseJson(`{"syscalls":[{"args":[{"op":"SCMP_CMP_EQ","value":1,"index":0}],"action":"SCMP_ACT_ERRNO","errnoRet":38,"names":["x"]}],"flags":["SECCOMP_FILTER_FLAG_LOG"],"architectures":["SCMP_ARCH_X86"],"defaultErrnoRet":1,"defaultAction":"SCMP_ACT_ERRNO"}`, "a"));
    const keys = [...ociToJson(a).matchAll(/^ *"([a-zA-Z]+)":/gm)].map((m) => m[1]);
    expect(keys).toEqual(["defaultAction", "defaultErrnoRet", "architectures", "flags", "syscalls", "names", "action", "errnoRet", "args", "index", "value", "op"]);
    expect(ociToJson(a)).toMatch(/^\{\n  "defaultAction": "SCMP_ACT_ERRNO",\n/);
  });
  it("leaves strings that merely contain digits alone", () => {
    const oci = parseOci(parseJson(withCall(`{"names":["w1234567890123456789"],"action":"SCMP_ACT_ALLOW"}`), "p"));
    expect(oci.syscalls![1]!.names).toEqual(["w1234567890123456789"]);
  });
  it("refuses numbers JSON.parse already rounded", () => {
    const rounded = JSON.parse(withCall(`{"names":["w"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":18446744073709551615,"op":"SCMP_CMP_EQ"}]}`));
    expect(message(() => parseOci(rounded))).toMatch(/^syscalls\[1\]\.args\[0\]\.value: 18446744073709552000 is above 2\^53 and not exact/);
  });
  it("null optional fields count as absent, as in Go", () => {
    expect(parseOci(parseJson(`{"defaultAction":"SCMP_ACT_ALLOW","architectures":null,"syscalls":[{"names":["a"],"action":"SCMP_ACT_LOG","args":null}]}`, "p"))).toEqual({
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [{ names: ["a"], action: "SCMP_ACT_LOG" }],
    });
  });
});

describe("loadPolicy", () => {
  it("reports bad JSON in one line with the source", () => {
    expect(message(() => loadPolicy("{ nope", "my.json"))).toMatch(/^my\.json: not valid JSON: /);
  });
  it("prefixes validation errors with the source", () => {
    expect(message(() => loadPolicy(`{"defaultAction":"SCMP_ACT_NOPE"}`, "my.json"))).toBe('my.json: defaultAction: unknown action "SCMP_ACT_NOPE"');
  });
  it("detects moby profiles by archMap, includes/excludes, comment or legacy name", () => {
    const kinds = [
      `{"defaultAction":"SCMP_ACT_ERRNO","archMap":[]}`,
      `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["a"],"action":"SCMP_ACT_ALLOW","includes":{}}]}`,
      `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["a"],"action":"SCMP_ACT_ALLOW","comment":""}]}`,
      `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"name":"a","action":"SCMP_ACT_ALLOW"}]}`,
      `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["a"],"action":"SCMP_ACT_ALLOW"}]}`,
    ].map((t) => loadPolicy(t, "x").kind);
    expect(kinds).toEqual(["moby", "moby", "moby", "moby", "oci"]);
  });
  it("takes linux.seccomp out of a whole OCI config.json, with paths from the document root", () => {
    const config = `{"ociVersion":"1.0.2","process":{},"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}}}`;
    const loaded = loadPolicy(config, "config.json");
    expect(loaded.kind).toBe("oci");
    expect(toOci(loaded, { kernelArch: "x86_64", kernelVersion: "6.12" }).syscalls).toEqual([
      { names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 },
    ]);
    expect(message(() => loadPolicy(`{"ociVersion":"1.0.2","linux":{"seccomp":{"defaultAction":1}}}`, "c.json"))).toBe(
      "c.json: linux.seccomp.defaultAction: expected a string, got 1",
    );
  });
});

// The host-core boundary: one module instance and one error type for the BPF side
// (wasm/core.ts) and the stub side (wasm/stub.ts); one spelling of an action.
import { describe, expect, it } from "vitest";
import { clone3Preset } from "../../policy/preset.ts";
import { RET, errno, trace } from "../../policy/action.ts";
import { actionName, compile, coreExports, CoreError, disassemble } from "../../wasm/core.ts";
import { emitStub, StubError } from "../../wasm/stub.ts";

describe("the core boundary", () => {
  it("both sides use the one instance", () => {
    const first = coreExports();
    const program = compile(clone3Preset("x86_64"));
    emitStub({ kernelArch: "x86_64", program: program.bytes });
    expect(coreExports()).toBe(first);
    // The stub side wrote its ELF into that instance's memory: the program is in it.
    const out = new Uint8Array(first.memory.buffer, first.stubOutPtr(), 4096);
    expect(Buffer.from(out).indexOf(Buffer.from(program.bytes))).toBeGreaterThan(0);
  });
  it("a stub error is a CoreError with the module's status, one line", () => {
    let caught: unknown;
    try {
      emitStub({ kernelArch: "x86_64", program: new Uint8Array(8 * 4097) });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(StubError);
    expect(caught).toBeInstanceOf(CoreError);
    expect((caught as CoreError).status).toBe(-2);
    expect((caught as Error).name).toBe("StubError");
    expect((caught as Error).message).toBe("the filter must be 1..4096 sock_filter entries (1..511 with slots)");
  });
  it("the module words every limit it refuses, and the host writes no more than the layout holds", () => {
    const refusal = (opts: Partial<Parameters<typeof emitStub>[0]>) => {
      try {
        emitStub({ kernelArch: "x86_64", program: compile(clone3Preset("x86_64")).bytes, ...opts });
      } catch (e) {
        return [(e as CoreError).status, (e as Error).message];
      }
      return undefined;
    };
    const many = Array.from({ length: 33 }, () => ({ nr: 1 }));
    expect(refusal({ probes: many })).toEqual([-3, "at most 32 probes of at most 6 arguments"]);
    expect(refusal({ probes: [{ nr: 1, args: [0, 0, 0, 0, 0, 0, 0] }] })).toEqual([-3, "at most 32 probes of at most 6 arguments"]);
    expect(refusal({ program: new Uint8Array(12) })).toEqual([-2, "the filter must be 1..4096 sock_filter entries (1..511 with slots)"]);
    expect(refusal({ slots: [{ probe: { nr: 1 }, at: [0, 8, 16, 24, 32] }] })).toEqual([-5, "at most 4 slots per probe, each a whole instruction of the program"]);
    // The module still answers the next call: the refusals left its buffers as they were.
    expect(refusal({})).toBeUndefined();
  });
});

describe("actionName, the one spelling of an action", () => {
  // scmp_bpf_disasm's printf formats (libseccomp 2.5.4 tools/scmp_bpf_disasm.c): it names no
  // SECCOMP_RET_USER_NOTIF, so NOTIFY is hex there and here; the data of ERRNO and TRACE in decimal.
  const cases: [number, string][] = [
    [RET.ALLOW, "ALLOW"],
    [errno(38), "ERRNO(38)"],
    [RET.KILL_THREAD, "KILL"],
    [RET.KILL_PROCESS, "KILL_PROCESS"],
    [RET.TRAP | 7, "TRAP"],
    [trace(5), "TRACE(5)"],
    [RET.LOG, "LOG"],
    [RET.USER_NOTIF, "0x7fc00000"],
    [0x7fe00000, "0x7fe00000"],
  ];
  it.each(cases)("0x%s", (action, name) => {
    expect(actionName(action)).toBe(name);
    // The same text as the disassembler's `ret` line for that value, inside a real listing.
    const program = new Uint8Array(16);
    const view = new DataView(program.buffer);
    view.setUint16(0, 0x06, true);
    view.setUint32(4, RET.ALLOW, true);
    view.setUint16(8, 0x06, true);
    view.setUint32(12, action >>> 0, true);
    expect(disassemble(program, "little").split("\n")[3]).toMatch(new RegExp(` ret ${name.replace(/[()]/g, "\\$&")}$`));
  });
});

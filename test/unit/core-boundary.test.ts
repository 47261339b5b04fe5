// The host-core boundary: one module instance and one error type for the BPF side
// (wasm/core.ts) and the stub side (wasm/stub.ts).
import { describe, expect, it } from "vitest";
import { clone3Preset } from "../../policy/preset.ts";
import { compile, coreExports, CoreError } from "../../wasm/core.ts";
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
});

// The time64 scenario's engine (test/integration/engine/profiles.ts): moby v20.10.9 as a dockerd
// over libseccomp 2.3 installs it on arm, every time64 name dropped. Judged against libseccomp's
// own name table and moby's profile, then stacked with the arm auto-hide filter as the kernel
// stacks filters (the newer ERRNO wins a tie: kernel/seccomp.c seccomp_run_filters).
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { syscallNr } from "../../arch/index.ts";
import { autoHideProgram, patchSlots } from "../../launcher/compile.ts";
import { parseJson, parseOci, resolve } from "../../policy/index.ts";
import { isTime64Name, ociSeccomp } from "../integration/engine/profiles.ts";
import { actionName, compile, simulate } from "../../wasm/core.ts";
import { TIME64_FALLBACKS } from "../../policy/preset.ts";

const ARM = 0x40000028;
const scmpNr = (name: string) => Number(execFileSync("scmp_sys_resolver", ["-a", "arm", name], { encoding: "utf8" }).trim());

describe("moby v20.10.9 over libseccomp 2.3, on arm", () => {
  const text = ociSeccomp("moby-v20.10.9-libseccomp23", "arm", "5.10.0-32-armmp")!;
  const full = ociSeccomp("moby-v20.10.9", "arm", "5.10.0-32-armmp")!;
  const engine = compile(resolve(parseOci(parseJson(text, "t")), "arm").policy);
  const verdict = (bytes: Uint8Array, name: string) => simulate(bytes, "little", { nr: syscallNr("arm", name)!, arch: ARM }).action;

  it("drops exactly the time64 names (403..423 in libseccomp's arm table), and nothing else", () => {
    const names = (t: string) => (JSON.parse(t).syscalls as { names: string[] }[]).flatMap((s) => s.names);
    const dropped = names(full).filter((n) => !names(text).includes(n));
    expect(dropped.length).toBeGreaterThan(15);
    for (const n of dropped) {
      expect(isTime64Name(n), n).toBe(true);
      expect(scmpNr(n), n).toBeGreaterThanOrEqual(403);
      expect(scmpNr(n), n).toBeLessThanOrEqual(423);
    }
    for (const n of Object.keys(TIME64_FALLBACKS)) expect(isTime64Name(n), n).toBe(true);
  });

  it("answers EPERM for the time64 calls and still allows their 32-bit fallbacks", () => {
    for (const [name, [fallback]] of Object.entries(TIME64_FALLBACKS)) {
      expect(actionName(verdict(engine.bytes, name)), name).toBe("ERRNO(1)");
      expect(actionName(verdict(engine.bytes, fallback)), fallback).toBe("ALLOW");
    }
  });

  it("under the arm auto-hide filter (slots patched as the probes would find them), they answer ENOSYS", () => {
    const { program, slots } = autoHideProgram("arm");
    // A probe answers EPERM exactly when the engine's verdict for it is EPERM.
    const allowed = slots.map((s) => actionName(verdict(engine.bytes, s.name)) !== "ERRNO(1)");
    const ours = patchSlots(program, allowed, slots);
    for (const name of [...Object.keys(TIME64_FALLBACKS), "clone3"]) {
      // The newer filter's ERRNO wins over the engine's (equal action precedence).
      expect(actionName(verdict(ours, name)), name).toBe("ERRNO(38)");
    }
    expect(actionName(verdict(ours, "clock_gettime"))).toBe("ALLOW");
    expect(actionName(verdict(ours, "faccessat2"))).toBe(actionName(verdict(engine.bytes, "faccessat2")) === "ERRNO(1)" ? "ERRNO(38)" : "ALLOW");
  });
});

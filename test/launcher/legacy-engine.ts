// Emulates an old container engine on this host: moby's default profile for x86_64 with
// Docker's default capabilities, through our policy pipeline, plus runc's "ENOSYS above the
// highest known syscall" stub, written as a raw BPF file for test/helpers/seccomp-run.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DOCKER_DEFAULT_CAPS, resolve, withRuncEnosysStub } from "../../policy/index.ts";
import { compile } from "../../wasm/core.ts";
import { cacheRoot } from "../helpers/native.ts";
import { mobyOci, type MobyVersion } from "../peer/moby.ts";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export type { MobyVersion };

/** Path of the engine's BPF program (host byte order) for moby `version`. */
export function legacyEngineBpf(version: MobyVersion, caps: readonly string[] = DOCKER_DEFAULT_CAPS): string {
  const oci = mobyOci(version, "x86_64", caps);
  const { policy } = resolve(oci, "x86_64", { unknownNames: "skip" });
  const program = compile(withRuncEnosysStub(policy, oci), { byteOrder: "little" });
  const out = join(cacheRoot, "launcher-test", `moby-${version}-${caps.length}caps.bpf`);
  mkdirSync(dirname(out), { recursive: true });
  // Test files run in parallel and rewrite this file: replace it whole, never leave it half-written.
  const tmp = `${out}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, program.bytes);
  renameSync(tmp, out);
  return out;
}

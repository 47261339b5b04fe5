// Emulates an old container engine on this host: moby's default profile for x86_64 with
// Docker's default capabilities, through our policy pipeline, plus runc's "ENOSYS above the
// highest known syscall" stub, written as a raw BPF file for test/helpers/seccomp-run.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { release } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DOCKER_DEFAULT_CAPS, loadPolicy, resolve, toOci, withRuncEnosysStub } from "../../policy/index.ts";
import { compile } from "../../wasm/core.ts";
import { cacheRoot } from "../helpers/native.ts";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export type MobyVersion = "v20.10.9" | "v20.10.10";

/** Path of the engine's BPF program (host byte order) for moby `version`. */
export function legacyEngineBpf(version: MobyVersion, caps: readonly string[] = DOCKER_DEFAULT_CAPS): string {
  const source = join(repoRoot, "..", "shared", "fixtures", "moby", `moby-${version}-default.json`);
  const loaded = loadPolicy(readFileSync(source, "utf8"), source);
  const oci = toOci(loaded, { kernelArch: "x86_64", caps, kernelVersion: release() });
  const { policy } = resolve(oci, "x86_64", { unknownNames: "skip" });
  const program = compile(withRuncEnosysStub(policy, oci), { byteOrder: "little" });
  const out = join(cacheRoot, "launcher-test", `moby-${version}-${caps.length}caps.bpf`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, program.bytes);
  return out;
}

// --doctor: what this process sees (kernel, seccomp state, libc, ABIs), what the engine answers
// for clone3 and its siblings, and what a run would do. Exit 0: no workaround needed; 1: needed.
import { dlopen, CString } from "bun:ffi";
import { abisOf, nativeAbi, syscallNr } from "../../arch/index.ts";
import type { KernelArch } from "../../arch/types.ts";
import { KNOWN_HIDEABLE } from "../../policy/preset.ts";
import type { Request } from "../args.ts";
import type { Bootstrap } from "../bootstrap.ts";
import { writeStdout } from "../output.ts";
import { planRun } from "../plan.ts";
import { engineAnswer, type Answer } from "../probes.ts";

interface SeccompStatus {
  mode: number;
  filters: number;
  noNewPrivs: boolean;
}

/** The Seccomp, Seccomp_filters and NoNewPrivs lines of a /proc/PID/status text. */
function parseStatus(text: string): SeccompStatus {
  const field = (name: string) => Number(new RegExp(`^${name}:\\s*(\\d+)`, "m").exec(text)?.[1] ?? 0);
  return { mode: field("Seccomp"), filters: field("Seccomp_filters"), noNewPrivs: field("NoNewPrivs") === 1 };
}

const SECCOMP_MODES = ["disabled", "strict", "filter"];
const EPERM = 1;

function libcVersion(): string {
  try {
    const { symbols } = dlopen("libc.so.6", { gnu_get_libc_version: { args: [], returns: "ptr" } });
    return `glibc ${new CString(symbols.gnu_get_libc_version()!).toString()}`;
  } catch {}
  // musl has no version call; its loader prints the version when run by name.
  const { spawnSync } = require("node:child_process") as typeof import("node:child_process");
  const { readdirSync } = require("node:fs") as typeof import("node:fs");
  const loader = readdirSync("/lib").find((f) => f.startsWith("ld-musl-"));
  if (loader) {
    const out = spawnSync(`/lib/${loader}`, [], { encoding: "utf8" }).stderr ?? "";
    const version = /Version ([\d.]+)/.exec(out)?.[1];
    if (version) return `musl ${version}`;
  }
  return "unknown";
}

/**
 * Measured with the compiled x86_64 launcher (Bun 1.4.5) under moby's v20.10.9 profile: past
 * these, a thread Bun starts (its garbage collector) before any of the wrapper's code runs is
 * refused and Bun aborts. README.md's Known limits has the numbers per mode. (An environment
 * up to what execve(2) takes with the usual 8 MiB stack limit, 2 MiB, starts.)
 */
const START_LIMIT = "about 18,600 arguments (16,600 in mode never)";

export interface Probe {
  name: string;
  answer: Answer | "not probed";
}

export async function command(req: Extract<Request, { kind: "doctor" }>, boot: Bootstrap): Promise<never> {
  const { readFileSync } = require("node:fs") as typeof import("node:fs");
  const { release } = require("node:os") as typeof import("node:os");
  const arch = boot.hostArch;
  const status = parseStatus(readFileSync("/proc/self/status", "utf8"));
  // The bootstrap filter is ours, not the engine's.
  const ours = boot.installed ? 1 : 0;

  const native = nativeAbi(arch).name;
  const probes: Probe[] = Object.keys(KNOWN_HIDEABLE).map((name) => ({ name, answer: engineAnswer(name, syscallNr(native, name), boot) }));
  const eperm = probes.filter((p) => p.answer === "EPERM").map((p) => p.name);

  const lines = [
    `kernel: Linux ${release()}`,
    `arch: ${arch} (ABIs: ${abisOf(arch).map((a) => a.name).join(", ")})`,
    `libc: ${libcVersion()}`,
    `seccomp: ${SECCOMP_MODES[status.mode] ?? status.mode}, ${status.filters - ours} filter(s) from the engine` +
      (ours ? " (plus the wrapper's own bootstrap filter, installed to run --doctor)" : ""),
    `NoNewPrivs: ${status.noNewPrivs ? 1 : 0}` + (boot.installed?.setNoNewPrivs ? " (set by the wrapper's bootstrap: no CAP_SYS_ADMIN)" : ""),
    "engine answers (probed with harmless invalid calls):",
    ...probes.map((p) => `  ${p.name.padEnd(13)} ${p.answer}`),
    ...(await prediction(req, boot)),
    ...(boot.clone3Errno === EPERM
      ? [`limit: under this engine Bun aborts (status 134) before the wrapper's code runs when started with more than ${START_LIMIT}; the stub (--emit-stub) has no such limit`]
      : []),
    ...(req.policyFile !== undefined ? await policyCheck(req.policyFile, arch) : []),
  ];
  writeStdout(lines.join("\n") + "\n");
  process.exit(eperm.length > 0 ? 1 : 0);
}

/** --check-profile's lines for the policy on this arch: what it answers EPERM itself, engine or not. */
async function policyCheck(policyFile: string, arch: KernelArch): Promise<string[]> {
  const { readFileSync } = require("node:fs") as typeof import("node:fs");
  const { release } = require("node:os") as typeof import("node:os");
  const { checkProfile, findingLine } = await import("../profile.ts");
  const { loadPolicy } = await import("../../policy/index.ts");
  const findings = checkProfile(loadPolicy(readFileSync(policyFile, "utf8"), JSON.stringify(policyFile)), release(), [arch]);
  return [`the policy on ${arch}: ${findings.length === 0 ? "no known sibling syscall answers EPERM" : `${findings.length} answer(s) EPERM`}`, ...findings.map((f) => `  ${findingLine(f)}`)];
}

/** What a run with the same options would do: the run's own plan, so the same validation. */
async function prediction(req: Extract<Request, { kind: "doctor" }>, boot: Bootstrap): Promise<string[]> {
  const plan = await planRun(req.mode, req, boot);
  const bootstrap = "install a filter answering ENOSYS for clone3 on every ABI (the bootstrap, because clone3 answers EPERM";
  let does: string;
  if (plan.bootstrap && plan.install) does = `${bootstrap}), then ${plan.install.what}, then exec the command`;
  else if (plan.bootstrap) does = `${bootstrap}; nothing more: ${plan.reason}), then exec the command`;
  else if (plan.install) does = `install ${plan.install.what}, then exec the command`;
  else does = `exec the command, install nothing (${plan.reason})`;
  const added = (plan.bootstrap ? 1 : 0) + (plan.install ? 1 : 0);
  return [`would do (mode ${req.mode}): ${does}`, `filters a run would add: ${added}`, ...(plan.warning ? [`warning: ${plan.warning}`] : [])];
}

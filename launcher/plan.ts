// What a run does about filters, decided once for both the run and --doctor's prediction:
// which filter (if any) goes in on top of what is already there, and why.
import type { KernelArch } from "../arch/types.ts";
import type { FilterChoice, Mode } from "./args.ts";
import type { Bootstrap } from "./bootstrap.ts";

const EPERM = 1;
/** SECCOMP_RET_ERRNO | EPERM. */
const ERRNO_EPERM = 0x00050001;

interface RunPlan {
  /**
   * The bootstrap's clone3 -> ENOSYS filter, installed by cli.ts before main ran because the
   * engine answers clone3 with EPERM, stays under whatever the run adds.
   */
  bootstrap: boolean;
  /** The filter the run installs before exec, if any. */
  install?: { program: Uint8Array; what: string };
  /** Why nothing (more) is installed, when nothing is. */
  reason?: string;
  /** One line the run prints before it installs (a policy that keeps clone3 at EPERM). */
  warning?: string;
}

/** Syscall names (native ABI) that the engine answers with EPERM, among `names`. */
async function probeEperm(names: readonly string[], boot: Bootstrap, nrOf: (name: string) => number | undefined): Promise<string[]> {
  // Loaded here, like everything past the default filter: the default run needs no probe table.
  const { engineAnswer } = await import("./probes.ts");
  return names.filter((name) => engineAnswer(name, nrOf(name), boot) === "EPERM");
}

/** The precompiled clone3 filter's plan: what the default, `--hide clone3`, and auto-hide finding only clone3 install. */
function clone3Plan(bootstrap: boolean, needed: boolean, boot: Bootstrap): RunPlan {
  // The bootstrap is this very filter: a second copy would only make every syscall run both.
  if (bootstrap) return { bootstrap, reason: "the bootstrap's filter is the clone3 filter asked for" };
  if (!needed) return { bootstrap, reason: "clone3 does not answer EPERM" };
  return { bootstrap, install: { program: new Uint8Array(boot.precompiled.clone3Program), what: "the clone3 -> ENOSYS filter" } };
}

/**
 * The plan when it needs nothing loaded: `never`, or the default filter, which is the
 * precompiled one (no policy code, no WebAssembly). Undefined for a --hide list or a policy.
 * Not async, so that the common run awaits nothing (a first await costs ~0.05 ms).
 */
export function planWithoutLoading(mode: Mode, choice: FilterChoice, boot: Bootstrap): RunPlan | undefined {
  // `never` under an EPERM engine is exec'd by cli.ts itself, before any bootstrap.
  if (mode === "never") return { bootstrap: false, reason: "mode never" };
  if (choice.hide.kind !== "default" || choice.policyFile !== undefined) return undefined;
  return clone3Plan(boot.installed !== undefined, mode === "always" || boot.clone3Errno === EPERM, boot);
}

/**
 * The plan for a run in `mode` with `choice` on the host (`arch`). A --hide list or --policy
 * file is loaded and compiled even when nothing will be installed: a broken policy file or a
 * misspelt name must fail here, not first on the old engine it is meant for.
 */
export async function planRun(mode: Mode, choice: FilterChoice, boot: Bootstrap, arch: KernelArch = boot.hostArch): Promise<RunPlan> {
  const planned = planWithoutLoading(mode, choice, boot);
  if (planned) return planned;
  const bootstrap = boot.installed !== undefined;
  const always = mode === "always";

  const { filterProgram, knownHideable } = await import("./filter.ts");
  const { nativeAbi, syscallNr } = await import("../arch/index.ts");
  const nativeNr = (name: string) => syscallNr(nativeAbi(arch).name, name);
  let needed: boolean;
  let what: string;
  let source: { policyFile: string } | { hide: string[] };
  if (choice.policyFile !== undefined) {
    needed = always || boot.clone3Errno === EPERM;
    what = `the policy ${JSON.stringify(choice.policyFile)}`;
    source = { policyFile: choice.policyFile };
  } else {
    const candidates = choice.hide.kind === "list" ? choice.hide.names : knownHideable();
    const eperm = await probeEperm(candidates, boot, nativeNr);
    // A list is installed as named; `--hide auto` hides what answers EPERM, and clone3 at least.
    const hide = [...new Set(choice.hide.kind === "list" ? choice.hide.names : ["clone3", ...eperm])];
    needed = always || eperm.length > 0;
    if (hide.length === 1 && hide[0] === "clone3") return clone3Plan(bootstrap, needed, boot);
    what = `a filter answering ENOSYS for ${hide.join(", ")} on every ABI`;
    source = { hide };
  }
  const program = filterProgram(source, arch);
  if (!needed) {
    const reason = choice.policyFile !== undefined ? "clone3 does not answer EPERM" : "nothing it would hide answers EPERM";
    return { bootstrap, reason };
  }
  // Stacked filters tie on ERRNO and the newest one's errno wins: a policy's EPERM for clone3
  // silently undoes the bootstrap's ENOSYS.
  let warning: string | undefined;
  if (choice.policyFile !== undefined) {
    const { simulate } = await import("../wasm/core.ts");
    const { auditArch, nrBase } = nativeAbi(arch);
    const nr = nativeNr("clone3");
    if (nr !== undefined && simulate(program.bytes, program.byteOrder, { nr: (nrBase + nr) >>> 0, arch: auditArch }).action === ERRNO_EPERM) {
      warning = `the policy ${JSON.stringify(choice.policyFile)} answers clone3 with EPERM, which wins over the wrapper's ENOSYS: glibc >= 2.34 threads will fail (clone3-workaround --fix-profile fixes the policy)`;
    }
  }
  return { bootstrap, install: { program: program.bytes, what }, ...(warning ? { warning } : {}) };
}

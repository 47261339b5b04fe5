// What --fix-profile and --check-profile (launcher/commands/) share: the engine-side fix. No
// wrapper is involved: the profile an engine installs (moby's, an OCI linux.seccomp object, a
// config.json) is read, and checked as a legacy engine would install it.
import { KERNEL_ARCHES, nativeAbi, syscallNr } from "../arch/index.ts";
import type { KernelArch } from "../arch/types.ts";
import {
  ACTION_MASK, DATA_MASK, DOCKER_DEFAULT_CAPS, ENOSYS, EPERM, EPERM_CONSEQUENCE, KNOWN_HIDEABLE, PolicyError, RET, resolve,
  toOci, withRuncEnosysStub, type LoadedPolicy,
} from "../policy/index.ts";
import { compile, simulate } from "../wasm/core.ts";

/** Exit status when there was nothing to fix (--fix-profile) or nothing is wrong (--check-profile: 0). */
export const EXIT_NOTHING_TO_FIX = 1;
/** --check-profile: some glibc-sensitive syscall answers EPERM. */
export const EXIT_EPERM_FOUND = 1;

export function readProfile(file: string): string {
  // require(), not a static import: the bundler hoists static node:* imports above the bootstrap.
  const { readFileSync } = require("node:fs") as typeof import("node:fs");
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new PolicyError(`cannot read ${JSON.stringify(file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** One line of --check-profile: an (arch, syscall) the profile answers with an errno other than ENOSYS. */
interface CheckFinding {
  arch: KernelArch;
  name: string;
  /** The errno the native ABI gets (EPERM = 1), or undefined when only compat ABIs get one. */
  errno: number;
  /** ABIs answered so, native first. */
  abis: string[];
}

/**
 * What a legacy engine (moby's selection with Docker's default caps, runc's ENOSYS stub) installs
 * from the profile on each kernel arch, asked for every known hideable syscall on every ABI.
 */
export function checkProfile(loaded: LoadedPolicy, kernelVersion: string, arches: readonly KernelArch[] = KERNEL_ARCHES): CheckFinding[] {
  const findings: CheckFinding[] = [];
  for (const arch of arches) {
    const oci = toOci(loaded, { kernelArch: arch, caps: DOCKER_DEFAULT_CAPS, kernelVersion });
    const policy = withRuncEnosysStub(resolve(oci, arch, { unknownNames: "skip" }).policy, oci);
    const program = compile(policy);
    for (const name of Object.keys(KNOWN_HIDEABLE)) {
      const hits: { abi: string; errno: number }[] = [];
      for (const { abi } of policy.abis) {
        const nr = syscallNr(abi.name, name);
        if (nr === undefined) continue;
        const { action } = simulate(program.bytes, program.byteOrder, { nr: (abi.nrBase + nr) >>> 0, arch: abi.auditArch });
        const errno = action & DATA_MASK;
        if ((action & ACTION_MASK) >>> 0 === RET.ERRNO && errno !== ENOSYS) hits.push({ abi: abi.name, errno });
      }
      if (hits.length > 0) findings.push({ arch, name, errno: hits[0]!.errno, abis: hits.map((h) => h.abi) });
    }
  }
  return findings;
}

const errnoName = (n: number) => (n === EPERM ? "EPERM" : `errno ${n}`);

export function findingLine(f: CheckFinding): string {
  const native = nativeAbi(f.arch).name;
  const where = f.abis.length === 1 && f.abis[0] === native ? "" : ` (ABIs: ${f.abis.join(", ")})`;
  return `${f.arch}: ${f.name} -> ${errnoName(f.errno)}${where}: ${EPERM_CONSEQUENCE[f.name] ?? "callers that fall back only on ENOSYS fail"}`;
}

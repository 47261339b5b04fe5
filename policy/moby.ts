// moby's seccomp profile JSON (the format of profiles/seccomp/default.json in Docker 20.10) and
// its conversion to the OCI object that dockerd hands to runc. The selection below follows
// moby's setupSeccomp (profiles/seccomp/seccomp_linux.go, v20.10): an entry is dropped when
// excludes.arches holds the native arch, any excludes.caps is in the bounding set, or the kernel
// is at least excludes.minKernel; and when includes.arches lacks the native arch, any
// includes.caps is missing, or the kernel is older than includes.minKernel.

import type { KernelArch } from "../arch/types.ts";
import { fail, quote } from "./errors.ts";
import {
  at, expectAction, expectArchitectures, expectArgs, expectArray, expectErrnoRet, expectFlags, expectObject,
  expectOneOf, expectString, expectStringList, isAbsent, OCI_ARCHES,
  type OciAction, type OciArg, type OciSeccomp, type OciSyscall,
} from "./oci.ts";

export { ociToJson } from "./oci.ts";

/** The capabilities Docker grants a container by default (moby oci/caps/defaults.go, 20.10). */
export const DOCKER_DEFAULT_CAPS: readonly string[] = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FSETID",
  "CAP_FOWNER",
  "CAP_MKNOD",
  "CAP_NET_RAW",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETFCAP",
  "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT",
  "CAP_KILL",
  "CAP_AUDIT_WRITE",
];

export interface MobyFilter {
  caps?: string[];
  /** moby's own arch spellings: amd64, x86, x32, arm64, arm, ppc64le, s390x, s390, mips64, ... */
  arches?: string[];
  /** "X.Y" or "X.Y.Z" */
  minKernel?: string;
}

export interface MobySyscall {
  names: string[];
  action: OciAction;
  errnoRet?: number;
  args?: OciArg[];
  includes: MobyFilter;
  excludes: MobyFilter;
}

export interface MobyArchMapEntry {
  architecture: string;
  subArchitectures: string[];
}

export interface MobyProfile {
  defaultAction: OciAction;
  defaultErrnoRet?: number;
  /** Legacy form: a flat SCMP_ARCH_* list, used as is. */
  architectures?: string[];
  archMap?: MobyArchMapEntry[];
  flags?: string[];
  syscalls: MobySyscall[];
}

export interface MobyOptions {
  kernelArch: KernelArch;
  /** The container's bounding capability set; Docker's default set when omitted. */
  caps?: readonly string[];
  /** The kernel release the container runs on, e.g. "6.12" or "6.12.48+deb13-amd64". */
  kernelVersion: string;
}

/** What moby calls the native arch (Go's GOARCH through its goToNative table) and its SCMP_ARCH. */
const NATIVE: Record<KernelArch, { moby: string; scmp: string }> = {
  x86_64: { moby: "amd64", scmp: "SCMP_ARCH_X86_64" },
  aarch64: { moby: "arm64", scmp: "SCMP_ARCH_AARCH64" },
  ppc64le: { moby: "ppc64le", scmp: "SCMP_ARCH_PPC64LE" },
  s390x: { moby: "s390x", scmp: "SCMP_ARCH_S390X" },
  arm: { moby: "arm", scmp: "SCMP_ARCH_ARM" }, // a 32-bit dockerd; moby's archMap has no ARM entry
};

const TOP_FIELDS = ["defaultAction", "defaultErrnoRet", "architectures", "archMap", "flags", "syscalls"];
const SYSCALL_FIELDS = ["names", "name", "action", "errnoRet", "args", "comment", "includes", "excludes"];
const FILTER_FIELDS = ["caps", "arches", "minKernel"];

/** Validates parsed JSON (or an already typed profile) as a moby profile. */
export function parseMoby(json: unknown, where = ""): MobyProfile {
  const o = expectObject(json, where, TOP_FIELDS);
  if (isAbsent(o.defaultAction)) fail(at(where, "defaultAction"), "required");
  const defaultAction = expectAction(o.defaultAction, at(where, "defaultAction"));
  const profile: MobyProfile = { defaultAction, syscalls: [] };
  const defaultErrnoRet = expectErrnoRet(o.defaultErrnoRet, at(where, "defaultErrnoRet"), defaultAction);
  if (defaultErrnoRet !== undefined) profile.defaultErrnoRet = defaultErrnoRet;
  const architectures = expectArchitectures(o.architectures, at(where, "architectures"));
  if (architectures) profile.architectures = architectures;
  if (!isAbsent(o.archMap)) {
    const list = at(where, "archMap");
    profile.archMap = expectArray(o.archMap, list).map((e, i) => parseArchMapEntry(e, at(list, i)));
  }
  if (profile.architectures?.length && profile.archMap?.length) {
    fail(where, "'architectures' and 'archMap' were both given; use one of them");
  }
  const flags = expectFlags(o.flags, at(where, "flags"));
  if (flags) profile.flags = flags;
  if (!isAbsent(o.syscalls)) {
    const list = at(where, "syscalls");
    profile.syscalls = expectArray(o.syscalls, list).map((s, i) => parseMobySyscall(s, at(list, i)));
  }
  return profile;
}

function parseArchMapEntry(v: unknown, where: string): MobyArchMapEntry {
  const o = expectObject(v, where, ["architecture", "subArchitectures"]);
  return {
    architecture: expectOneOf(o.architecture, at(where, "architecture"), OCI_ARCHES, "architecture"),
    subArchitectures: isAbsent(o.subArchitectures)
      ? []
      : expectArray(o.subArchitectures, at(where, "subArchitectures")).map((a, i) =>
          expectOneOf(a, at(at(where, "subArchitectures"), i), OCI_ARCHES, "architecture"),
        ),
  };
}

function parseMobySyscall(v: unknown, where: string): MobySyscall {
  const o = expectObject(v, where, SYSCALL_FIELDS);
  const hasName = !isAbsent(o.name);
  const names = isAbsent(o.names) ? [] : expectStringList(o.names, at(where, "names"));
  if (hasName && names.length > 0) fail(where, "'name' and 'names' were both given; use one of them");
  if (hasName) names.push(expectString(o.name, at(where, "name")));
  if (names.length === 0) fail(at(where, "names"), "must name at least one syscall");
  if (isAbsent(o.action)) fail(at(where, "action"), "required");
  const action = expectAction(o.action, at(where, "action"));
  const call: MobySyscall = {
    names,
    action,
    includes: parseFilter(o.includes, at(where, "includes")),
    excludes: parseFilter(o.excludes, at(where, "excludes")),
  };
  const errnoRet = expectErrnoRet(o.errnoRet, at(where, "errnoRet"), action);
  if (errnoRet !== undefined) call.errnoRet = errnoRet;
  const args = expectArgs(o.args, at(where, "args"));
  if (args && args.length > 0) call.args = args;
  return call;
}

function parseFilter(v: unknown, where: string): MobyFilter {
  if (isAbsent(v)) return {};
  const o = expectObject(v, where, FILTER_FIELDS);
  const filter: MobyFilter = {};
  if (!isAbsent(o.caps)) filter.caps = expectStringList(o.caps, at(where, "caps"));
  if (!isAbsent(o.arches)) filter.arches = expectStringList(o.arches, at(where, "arches"));
  if (!isAbsent(o.minKernel)) {
    filter.minKernel = expectString(o.minKernel, at(where, "minKernel"));
    parseKernelVersion(filter.minKernel, at(where, "minKernel"));
  }
  return filter;
}

/** moby's kernel.ParseRelease: "X.Y" with an optional ".Z" and any flavor after it. */
function parseKernelVersion(release: string, where: string): [number, number, number] {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!m) fail(where, `cannot parse kernel version ${quote(release)}`);
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

function kernelAtLeast(kernel: [number, number, number], min: [number, number, number]): boolean {
  for (let i = 0; i < 3; i++) if (kernel[i] !== min[i]) return kernel[i]! > min[i]!;
  return true;
}

/**
 * Applies moby's selection for one native arch, capability set and kernel; returns what dockerd
 * hands runc. `profile` is a MobyProfile or parsed JSON (use parseJson to keep u64 values exact).
 */
export function mobyToOci(profile: unknown, options: MobyOptions): OciSeccomp {
  const checked = parseMoby(profile);
  const native = NATIVE[options.kernelArch];
  if (!native) fail("", `unknown kernel arch ${quote(String(options.kernelArch))}`);
  const caps = options.caps ?? DOCKER_DEFAULT_CAPS;
  const kernel = parseKernelVersion(options.kernelVersion, "kernel version");
  const oci: OciSeccomp = { defaultAction: checked.defaultAction };
  if (checked.defaultErrnoRet !== undefined) oci.defaultErrnoRet = checked.defaultErrnoRet;

  // The legacy list is copied; an archMap contributes the native entry and its sub-arches. moby
  // has no ppc64le entry, so there the list stays empty and libseccomp covers the native arch alone.
  const architectures = [...(checked.architectures ?? [])];
  const entry = checked.archMap?.find((e) => e.architecture === native.scmp);
  if (entry) architectures.push(entry.architecture, ...entry.subArchitectures);
  if (architectures.length > 0) oci.architectures = architectures;
  if (checked.flags) oci.flags = [...checked.flags];

  const selected = (call: MobySyscall): boolean => {
    const { includes: inc, excludes: exc } = call;
    if (exc.arches?.includes(native.moby)) return false;
    if (exc.caps?.some((c) => caps.includes(c))) return false;
    if (exc.minKernel !== undefined && kernelAtLeast(kernel, parseKernelVersion(exc.minKernel, ""))) return false;
    if (inc.arches && inc.arches.length > 0 && !inc.arches.includes(native.moby)) return false;
    if (inc.caps?.some((c) => !caps.includes(c))) return false;
    if (inc.minKernel !== undefined && !kernelAtLeast(kernel, parseKernelVersion(inc.minKernel, ""))) return false;
    return true;
  };
  oci.syscalls = checked.syscalls.filter(selected).map((call) => {
    const out: OciSyscall = { names: [...call.names], action: call.action };
    if (call.errnoRet !== undefined) out.errnoRet = call.errnoRet;
    if (call.args) out.args = call.args.map((a) => ({ ...a }));
    return out;
  });
  return oci;
}

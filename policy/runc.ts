// runc's "-ENOSYS stub" (libcontainer/seccomp/patchbpf/enosys_linux.go, runc >= 1.0.0-rc93),
// expressed as rules in front of the policy, so that we can emulate exactly what a legacy
// Docker + runc installs. runc prepends to libseccomp's filter, per ABI:
// - numbers above the highest number that any profile entry names (any action, names unknown
//   to the ABI ignored) -> ERRNO(ENOSYS); an ABI whose names resolve to nothing gets no stub;
// - on s390 and s390x also number 0 -> ERRNO(ENOSYS): the kernel leaves an unknown "large"
//   syscall multiplexed through setup(2) as nr 0;
// - on x86_64 the stub splits on bit 30 (jset 0x40000000): numbers with it set are judged
//   against x32's highest number when x32 has a stub, else passed to the filter unchanged.
// No stub at all when the default action is ALLOW, LOG or TRACE. (runc also means to skip it
// when defaultErrnoRet is ENOSYS, but compares the errno with SCMP_ACT_ERRNO(ENOSYS), so that
// test never holds; we mirror the code, not the comment.) The native ABI is always part of the
// set (runc >= 1.1.3 adds it; Docker lists no architectures on ppc64le).
// Holes below the highest number keep the filter's verdict: that is why clone3 (435) stays
// EPERM under Docker 20.10.9's profile, which names epoll_pwait2 (441).

import type { AbiName } from "../arch/types.ts";
import { ACTION_MASK, ENOSYS, RET, errno } from "./action.ts";
import { libseccompNr } from "./multiplexer.ts";
import type { OciSeccomp } from "./oci.ts";
import type { ResolvedAbi, ResolvedPolicy, Rule } from "./resolved.ts";

const X32_BIT = 0x40000000;

/**
 * The highest ABI-local number any entry of the profile names, or undefined when none resolves.
 * Numbers are libseccomp's (runc asks it): a socket or IPC call counts as its multiplexer.
 */
export function highestNamedNr(oci: OciSeccomp, abi: AbiName): number | undefined {
  let max: number | undefined;
  for (const call of oci.syscalls ?? []) {
    for (const name of call.names) {
      const nr = libseccompNr(abi, name);
      if (nr !== undefined && (max === undefined || nr > max)) max = nr;
    }
  }
  return max;
}

function isAllowLike(action: number): boolean {
  const act = (action & ACTION_MASK) >>> 0;
  return act === RET.ALLOW || act === RET.LOG || act === RET.TRACE;
}

/**
 * `policy` (made by `resolve` from `oci`) with runc's stub rules in front. The OCI object is
 * needed because the highest number counts every entry, even those `resolve` dropped.
 */
export function withRuncEnosysStub(policy: ResolvedPolicy, oci: OciSeccomp): ResolvedPolicy {
  if (isAllowLike(policy.defaultAction)) return policy;
  const enosys = errno(ENOSYS);
  // runc: "if largestSyscall != 0" — a stub needs some named number above 0. For x32 runc
  // counts numbers with the x32 bit, which are never 0.
  const stubMax = (abi: AbiName): number | undefined => {
    const max = highestNamedNr(oci, abi);
    return max === undefined || (max === 0 && abi !== "x32") ? undefined : max;
  };
  const hasX32Stub = policy.abis.some((a) => a.abi.name === "x32") && stubMax("x32") !== undefined;

  const abis = policy.abis.map((resolved): ResolvedAbi => {
    const max = stubMax(resolved.abi.name);
    if (max === undefined) return resolved;
    const stub: Rule[] = [];
    const range = (first: number, last: number): void => {
      if (first <= last) stub.push({ nr: first, nrLast: last, action: enosys, conds: [] });
    };
    switch (resolved.abi.name) {
      case "s390":
      case "s390x":
        stub.push({ nr: 0, action: enosys, conds: [] });
        range(max + 1, resolved.abi.nrRegion[1] - resolved.abi.nrBase);
        break;
      case "x86_64":
        // Without bit 30: above max. With it: x32's section decides (above x32's max is ENOSYS,
        // which covers every such number our x86_64 region keeps, 0xc0000000 and up).
        range(max + 1, X32_BIT - 1);
        range(0x80000000, hasX32Stub ? 0xffffffff : 0xbfffffff);
        break;
      default:
        range(max + 1, resolved.abi.nrRegion[1] - resolved.abi.nrBase);
    }
    return { abi: resolved.abi, rules: [...stub, ...resolved.rules] };
  });
  return { ...policy, abis };
}

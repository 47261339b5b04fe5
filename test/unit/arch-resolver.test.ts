// Our syscall tables against Debian's libseccomp (python3-seccomp), an independent table that
// libseccomp's authors keep from kernel sources. Every name libseccomp knows, on every ABI, must
// have the same number in ours; each known difference is listed below with its reason.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { type AbiName, abiFacts, syscallName, syscallNames, syscallNr } from "../../arch/index.ts";

/** libseccomp's arch token for each of our ABIs. */
const SCMP_ARCH: Record<AbiName, string> = {
  x86_64: "X86_64",
  i386: "X86",
  x32: "X32",
  aarch64: "AARCH64",
  arm: "ARM",
  ppc64le: "PPC64LE",
  s390x: "S390X",
  s390: "S390",
};
const ABIS = Object.keys(SCMP_ARCH) as AbiName[];

// Calls that i386, ppc64le, s390x and s390 can also make through a multiplexer, socketcall(2) or
// ipc(2). libseccomp's resolver answers the multiplexer's number for them (its rules then cover both
// entry points); the kernel headers give the direct syscall, or none where only the multiplexer exists.
const SOCKETCALL_FAMILY = [
  "accept", "accept4", "bind", "connect", "getpeername", "getsockname", "getsockopt", "listen", "recv",
  "recvfrom", "recvmmsg", "recvmsg", "send", "sendmmsg", "sendmsg", "sendto", "setsockopt", "shutdown",
  "socket", "socketpair",
];
const IPC_FAMILY = [
  "msgctl", "msgget", "msgrcv", "msgsnd", "semctl", "semget", "semop", "semtimedop", "shmat", "shmctl",
  "shmdt", "shmget",
];

/** What libseccomp answers instead of our number: another syscall's number, or "absent". */
interface Difference {
  libseccomp: "absent" | "socketcall" | "ipc";
  reason: string;
}

function multiplexed(): Record<string, Difference> {
  const reason = "libseccomp resolves multiplexed calls to their multiplexer";
  return Object.fromEntries([
    ...SOCKETCALL_FAMILY.map((n) => [n, { libseccomp: "socketcall", reason }]),
    ...IPC_FAMILY.map((n) => [n, { libseccomp: "ipc", reason }]),
  ]);
}

/**
 * Every known difference, per ABI, with its reason. A listed name that does not differ exactly as
 * described fails the test too, so the list cannot hide a new disagreement or go stale.
 */
const KNOWN_DIFFERENCES: Partial<Record<AbiName, Record<string, Difference>>> = {
  i386: multiplexed(),
  ppc64le: multiplexed(),
  s390x: multiplexed(),
  s390: multiplexed(),
  x32: {
    map_shadow_stack: {
      libseccomp: "absent",
      reason: "x86_64-only in libseccomp 2.5.4's table (Linux 6.7); later kernels list it for x32 too",
    },
  },
};

// One python process for the whole file. Per arch it resolves every number of the syscall space to a
// name, and every name (all that libseccomp knows on any arch, found through the numbers and its
// negative pseudo-numbers, plus ours) to a number: -1 is "unknown name", other negatives are
// libseccomp's pseudo-numbers for "not on this arch".
const PYTHON = String.raw`
import json, sys, seccomp
req = json.load(sys.stdin)
out = {}
names = set(req["names"])
for arch, spec in req["arches"].items():
    a = getattr(seccomp.Arch, arch)
    by_nr = {}
    for nr in [n + spec["base"] for n in range(4096)] + spec["extra"]:
        try:
            by_nr[nr - spec["base"]] = seccomp.resolve_syscall(a, nr).decode()
        except ValueError:
            pass
    names.update(by_nr.values())
    for nr in range(-11000, -1):
        try:
            names.add(seccomp.resolve_syscall(a, nr).decode())
        except ValueError:
            pass
    out[arch] = {"byNr": by_nr}
for arch in req["arches"]:
    a = getattr(seccomp.Arch, arch)
    out[arch]["byName"] = {n: seccomp.resolve_syscall(a, n) for n in sorted(names)}
json.dump(out, sys.stdout)
`;

interface ScmpArch {
  /** ABI-local number -> name. */
  byNr: Record<string, string>;
  /** name -> raw number, -1 or a negative pseudo-number. */
  byName: Record<string, number>;
}

function askLibseccomp(): Record<string, ScmpArch> {
  const names = new Set<string>();
  for (const abi of ABIS) for (const n of syscallNames(abi)) names.add(n);
  const arches = Object.fromEntries(
    ABIS.map((abi) => [
      SCMP_ARCH[abi],
      {
        base: abiFacts(abi).nrBase,
        // ARM private calls live at 0x0f0000 + n (n < 0x800 by the kernel's own bound).
        extra: abi === "arm" ? Array.from({ length: 0x800 }, (_, i) => 0x0f0000 + i) : [],
      },
    ]),
  );
  const input = JSON.stringify({ arches, names: [...names] });
  try {
    return JSON.parse(execFileSync("/usr/bin/python3", ["-c", PYTHON], { input, encoding: "utf8" }));
  } catch (e) {
    throw new Error(`python3-seccomp is needed (apt-get install python3-seccomp): ${(e as Error).message}`);
  }
}

const scmp = askLibseccomp();

describe.each(ABIS)("syscall table %s against libseccomp", (abi) => {
  const lib = scmp[SCMP_ARCH[abi]];
  const base = abiFacts(abi).nrBase;
  const known = KNOWN_DIFFERENCES[abi] ?? {};
  const show = (n: number | undefined) => (n === undefined ? "absent" : String(n));

  it("gives every name libseccomp knows the same number, except the listed differences", () => {
    const disagreements: string[] = [];
    const notAsListed: string[] = [];
    const seen = new Set<string>();
    for (const [name, raw] of Object.entries(lib.byName)) {
      if (raw === -1) continue; // libseccomp has never heard of the name: reported below
      const theirs = raw < 0 ? undefined : raw - base;
      const ours = syscallNr(abi, name);
      if (theirs === ours) continue;
      const line = `${name}: libseccomp ${show(theirs)}, ours ${show(ours)}`;
      const listed = known[name];
      if (!listed) {
        disagreements.push(line);
        continue;
      }
      seen.add(name);
      const expected = listed.libseccomp === "absent" ? undefined : syscallNr(abi, listed.libseccomp);
      if (theirs !== expected) notAsListed.push(`${line} (listed as: ${listed.libseccomp})`);
    }
    const stale = Object.keys(known).filter((n) => !seen.has(n));
    expect({ disagreements, notAsListed, stale }).toEqual({ disagreements: [], notAsListed: [], stale: [] });

    // Names libseccomp lacks are newer than its table (Linux 6.7): fine, but worth seeing.
    const newer = syscallNames(abi).filter((n) => lib.byName[n] === -1);
    if (newer.length) console.info(`${abi}: ${newer.length} syscalls newer than libseccomp: ${newer.join(" ")}`);
  });

  it("names every number libseccomp resolves the same way", () => {
    const disagreements = Object.entries(lib.byNr)
      .filter(([nr, name]) => syscallName(abi, Number(nr)) !== name)
      .map(([nr, name]) => `${nr}: libseccomp ${name}, ours ${syscallName(abi, Number(nr)) ?? "none"}`);
    expect(disagreements).toEqual([]);
    // The comparison really ran over libseccomp's table, not over an empty answer.
    expect(Object.keys(lib.byNr).length).toBeGreaterThan(250);
  });
});

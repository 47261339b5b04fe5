// policy/multiplexer.ts against independent sources: which ABIs libseccomp multiplexes (Debian's
// python3-seccomp resolves a socket call to socketcall's number exactly there) and the call
// numbers in the host's kernel headers (<linux/net.h> SYS_*, <linux/ipc.h>).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { KERNEL_ARCHES, abiFacts, abisOf } from "../../arch/index.ts";
import { hasMultiplexers, libseccompNr, multiplexerOf } from "../../policy/multiplexer.ts";
import { SCMP_ARCH } from "../peer/libseccomp.ts";

const ABIS = [...new Set(KERNEL_ARCHES.flatMap((k) => abisOf(k).map((f) => f.name)))];
const NAMES = ["sendmsg", "socket", "accept4", "semop", "shmctl", "msgrcv", "read", "socketcall", "ipc"];

/** libseccomp's seccomp_syscall_resolve_name_arch for each (ABI, name); null when it fails. */
function libseccomp(): Record<string, Record<string, number | null>> {
  const script = String.raw`
import json, sys, seccomp
out = {}
for abi, arch in json.load(sys.stdin).items():
    out[abi] = {}
    for name in ${JSON.stringify(NAMES)}:
        try: out[abi][name] = seccomp.resolve_syscall(getattr(seccomp.Arch, arch.upper()), name)
        except Exception: out[abi][name] = None
json.dump(out, sys.stdout)`;
  const arches = Object.fromEntries(ABIS.map((abi) => [abi, SCMP_ARCH[abi]]));
  const run = spawnSync("/usr/bin/python3", ["-c", script], { input: JSON.stringify(arches), encoding: "utf8" });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout);
}

function headerDefines(path: string, pattern: RegExp): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of readFileSync(path, "utf8").matchAll(pattern)) out.set(m[1]!.toLowerCase(), Number(m[2]));
  return out;
}

describe("socketcall and ipc multiplexers", () => {
  const lib = libseccomp();

  it("are used exactly on the ABIs where libseccomp resolves a socket call to socketcall", () => {
    const multiplexed = ABIS.filter((abi) => lib[abi]!.sendmsg === lib[abi]!.socketcall && lib[abi]!.socketcall! > 0);
    expect(ABIS.filter(hasMultiplexers).sort()).toEqual(multiplexed.sort());
    expect(multiplexed.sort()).toEqual(["i386", "ppc64le", "s390", "s390x"]);
  });

  it("resolve names to the numbers libseccomp gives runc's stub", () => {
    for (const abi of ABIS) {
      const base = abiFacts(abi).nrBase; // libseccomp's x32 numbers carry the x32 bit
      for (const name of NAMES) {
        const want = lib[abi]![name];
        expect(libseccompNr(abi, name) ?? null, `${abi} ${name}`).toBe(want === null || want < 0 ? null : want - base);
      }
    }
  });

  it("test arg0 against the kernel's call numbers", () => {
    const sys = headerDefines("/usr/include/linux/net.h", /#define SYS_([A-Z0-9]+)\s+(\d+)/g);
    const ipc = headerDefines("/usr/include/linux/ipc.h", /#define ((?:SEM|MSG|SHM)[A-Z]+)\s+(\d+)\s*$/gm);
    expect(sys.size).toBe(20);
    expect(ipc.size).toBe(12);
    for (const [name, call] of [...sys, ...ipc]) {
      expect(multiplexerOf("i386", name), name).toEqual({ nr: lib.i386![sys.has(name) ? "socketcall" : "ipc"], call });
    }
    expect(multiplexerOf("x86_64", "sendmsg")).toBeUndefined();
    expect(multiplexerOf("i386", "read")).toBeUndefined();
  });
});

// Our x86_64 and i386 numbers against the running kernel: calls whose answer identifies them are
// made by number through test/helpers/syscall-probe (built natively and with -m32).
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { type AbiName, abiFacts, hostKernelArch, syscallNr } from "../../arch/index.ts";
import { helper } from "../helpers/native.ts";

const EINVAL = 22;
const ENOSYS = 38;

/** Runs syscall-probe for `abi`; returns [ret, errno] per call. */
function probe(abi: AbiName, calls: (number | bigint)[][]): [number, number][] {
  const bin = helper("syscall-probe", abi === "i386" ? ["-m32"] : []);
  const out = execFileSync(bin, calls.map((c) => c.join(",")), { encoding: "utf8" });
  return out
    .trim()
    .split("\n")
    .map((line) => {
      const [, ret, errno] = line.split(" ");
      return [Number(ret), Number(errno)];
    });
}

function nr(abi: AbiName, name: string): number {
  const n = syscallNr(abi, name);
  if (n === undefined) throw new Error(`${abi} has no ${name}`);
  return n;
}

describe.skipIf(hostKernelArch() !== "x86_64").each(["x86_64", "i386"] as AbiName[])("%s numbers on this kernel", (abi) => {
  it("getppid answers our pid, getpid and gettid agree", () => {
    const [[ppid], [pid], [tid]] = probe(abi, [[nr(abi, "getppid")], [nr(abi, "getpid")], [nr(abi, "gettid")]]);
    expect(ppid).toBe(process.pid);
    expect(pid).toBeGreaterThan(0);
    expect(tid).toBe(pid);
  });

  it("clone3 with no arguments is EINVAL (it exists), one past maxNr is ENOSYS", () => {
    // clone3 rejects a size below CLONE_ARGS_SIZE_VER0 before doing anything.
    const [clone3, past] = probe(abi, [[nr(abi, "clone3"), 0, 0], [abiFacts(abi).maxNr + 1]]);
    expect(clone3).toEqual([-1, EINVAL]);
    expect(past).toEqual([-1, ENOSYS]);
  });

  it("uname with a NULL buffer faults (EFAULT): the number is uname's, not unassigned", () => {
    expect(probe(abi, [[nr(abi, "uname"), 0]])).toEqual([[-1, 14]]);
  });
});

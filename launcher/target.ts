// --arch: where a command's arch name becomes a kernel arch, once per command.
import { KERNEL_ARCHES, kernelArch } from "../arch/index.ts";
import type { KernelArch } from "../arch/types.ts";
import { quote } from "../policy/errors.ts";
import { orList, UsageError } from "./args.ts";

/** The kernel arch `name` stands for (x86_64, aarch64, their aliases amd64, arm64, ...). */
export function parseArch(name: string): KernelArch {
  const k = kernelArch(name);
  if (!k) throw new UsageError(`unknown architecture ${quote(name)} (${orList([...KERNEL_ARCHES])})`);
  return k;
}

// Writes the clone3-preset stub for each arch given, e.g. for the QEMU harness's --wrapper:
//   bun test/stub/emit.ts OUTDIR [ARCH...]      (default: all four arches)
//   bun test/integration/run.ts --wrapper s390x=OUTDIR/clone3-workaround-stub.s390x ...
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KERNEL_ARCHES, kernelArch } from "../../arch/index.ts";
import { emitStub } from "../../wasm/stub.ts";
import { presetProgram } from "./stubs.ts";

const [outDir, ...names] = process.argv.slice(2);
if (!outDir) {
  console.error("usage: bun test/stub/emit.ts OUTDIR [ARCH...]");
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
for (const name of names.length ? names : KERNEL_ARCHES) {
  const arch = kernelArch(name);
  if (!arch) {
    console.error(`emit: unknown arch ${name}`);
    process.exit(2);
  }
  const out = join(outDir, `clone3-workaround-stub.${arch}`);
  writeFileSync(out, emitStub({ kernelArch: arch, program: presetProgram(arch) }));
  chmodSync(out, 0o755);
  console.log(out);
}

// Boots one initramfs under QEMU (TCG), streams the serial console into timestamped lines and a
// log file, and kills the VM at the timeout. A guest that never prints C3W:DONE is an
// infrastructure failure (a rare TCG oops, a hung boot): retried once, then reported loudly.
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { GUEST_ARCHES } from "./arches.ts";
import type { KernelArch } from "../../arch/types.ts";
import { type BootRun, type ConsoleLine, parseConsole } from "./markers.ts";

export interface BootOptions {
  arch: KernelArch;
  kernel: string;
  initrd: string;
  /** vCPUs of this VM; keep the sum over concurrent VMs at or below the host's cores. */
  smp: number;
  memMiB: number;
  timeoutSec: number;
  log: string;
  /** More kernel parameters (a scenario's kernelArgs). */
  kernelArgs?: string;
}

export function qemuArgs(o: BootOptions): string[] {
  const g = GUEST_ARCHES[o.arch];
  // x86_64 with -smp 2 oopsed in 2 of ~85 TCG boots of the 6.12 kernel; -smp 1 never did.
  const smp = o.arch === "x86_64" ? 1 : o.smp;
  return [
    ...g.machine, "-m", String(o.memMiB), "-smp", String(smp), "-nographic", "-no-reboot",
    // No network: nothing needs it, and without a NIC the x86_64 BIOS skips the iPXE option ROM.
    "-nic", "none",
    "-kernel", o.kernel, "-initrd", o.initrd,
    // panic=-1 reboots at once, which -no-reboot turns into a QEMU exit: a guest always ends.
    "-append", `console=${g.console} panic=-1 quiet${o.kernelArgs ? ` ${o.kernelArgs}` : ""}`,
  ];
}

export interface BootAttempt {
  run: BootRun;
  seconds: number;
  timedOut: boolean;
  log: string;
}

export function bootOnce(o: BootOptions): Promise<BootAttempt> {
  const started = Date.now();
  const lines: ConsoleLine[] = [];
  const log = createWriteStream(o.log);
  const child = spawn(GUEST_ARCHES[o.arch].qemu, qemuArgs(o), { stdio: ["ignore", "pipe", "pipe"] });
  let partial = "";
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, o.timeoutSec * 1000);
  const take = (chunk: Buffer) => {
    log.write(chunk);
    const parts = (partial + chunk.toString("latin1")).split("\n");
    partial = parts.pop()!;
    const at = Date.now();
    for (const text of parts) lines.push({ at, text });
  };
  child.stdout.on("data", take);
  child.stderr.on("data", take);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", () => {
      clearTimeout(timer);
      if (partial) lines.push({ at: Date.now(), text: partial });
      log.end();
      resolve({ run: parseConsole(lines), seconds: (Date.now() - started) / 1000, timedOut, log: o.log });
    });
  });
}

/** Boots, and boots once more if the guest did not finish. */
export async function boot(o: BootOptions): Promise<BootAttempt & { attempts: number }> {
  const first = await bootOnce(o);
  if (first.run.done) return { ...first, attempts: 1 };
  const second = await bootOnce({ ...o, log: o.log.replace(/\.log$/, ".retry.log") });
  return { ...second, attempts: 2 };
}

// The one list of Debian packages the tests, the QEMU harness and the bench need, and the one
// step that installs them. `pretest`, `pretest:integration`, `bench` and .ci/run call it.
//   node scripts/host-setup.mjs [test] [integration] [bench]      (no argument: all three)
// Silent when everything is there. As root, or with passwordless sudo, it installs what is
// missing (one line per batch, apt's output in a log); otherwise it stops with one line: the
// exact apt-get command to run. Exit 0 ready, 1 not ready.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Why each package is here, per job. A package may serve several jobs. */
const PACKAGES = {
  test: {
    gcc: "C test helpers and probes",
    "libc6-dev": "C test helpers and probes",
    "gcc-multilib": "gcc -m32 for i386 probes",
    "libseccomp-dev": "libseccomp as the peer (scmp-export)",
    seccomp: "scmp_sys_resolver, libseccomp's name tables",
    "python3-seccomp": "libseccomp's tables and filters from Python",
    "binutils-multiarch": "objdump/readelf for the stubs of every arch",
    "qemu-user": "the foreign-arch stubs and the arm64 launcher under qemu-user",
    "libc6-arm64-cross": "the arm64 launcher's glibc under qemu-user",
    strace: "which syscalls the launcher and the stub make",
    file: "what the release binaries are",
    "util-linux": "unshare and setpriv for the emulated engine",
    "debian-archive-keyring": "private APT setups (busybox for the stub tests)",
    skopeo: "the stubs' OCI image layout, inspected and copied",
    umoci: "the stubs' OCI image layout, unpacked per platform",
    cpio: "the harness's image code, driven by a fake mirror",
    zstd: "the harness's image code, driven by a fake mirror",
  },
  integration: {
    gcc: "static guest probes",
    "libc6-dev": "static guest probes",
    "gcc-multilib": "the i386 guest probe",
    "qemu-system-x86": "x86_64 guests",
    "qemu-system-arm": "aarch64 guests",
    "qemu-system-ppc": "ppc64le guests",
    "qemu-system-misc": "s390x guests",
    mmdebstrap: "the guest userlands",
    "arch-test": "mmdebstrap's foreign-arch checks",
    cpio: "initramfs images",
    zstd: "initramfs compression",
    "debian-archive-keyring": "mmdebstrap and the private APT setups",
  },
  bench: {
    gcc: "the libseccomp peer",
    "libc6-dev": "the libseccomp peer",
    "libseccomp-dev": "libseccomp as the peer",
    hyperfine: "wrapper overhead, side by side",
    "debian-archive-keyring": "busybox for the stub bench",
  },
};

const jobs = process.argv.slice(2);
for (const job of jobs) {
  if (!(job in PACKAGES)) {
    console.error(`host-setup: unknown job ${job} (one of ${Object.keys(PACKAGES).join(", ")})`);
    process.exit(2);
  }
}
const wanted = [...new Set((jobs.length ? jobs : Object.keys(PACKAGES)).flatMap((j) => Object.keys(PACKAGES[j])))].sort();

if (spawnSync("dpkg-query", ["--version"]).status !== 0) {
  console.error(`host-setup: needs a Debian or Ubuntu host (dpkg and apt-get); the packages are: ${wanted.join(" ")}`);
  process.exit(1);
}
const installed = (pkg) =>
  /^install ok installed/.test(spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" }).stdout ?? "");
const missing = wanted.filter((p) => !installed(p));
if (missing.length === 0) process.exit(0);

const isRoot = process.getuid?.() === 0;
const sudo = isRoot ? [] : spawnSync("sudo", ["-n", "true"]).status === 0 ? ["sudo", "-n"] : undefined;
const command = `apt-get install -y --no-install-recommends ${missing.join(" ")}`;
if (!sudo) {
  console.error(`host-setup: ${missing.length} Debian packages missing; run: sudo apt-get update && sudo ${command}`);
  process.exit(1);
}

const log = join(mkdtempSync(join(tmpdir(), "host-setup-")), "apt.log");
const apt = (args, what) => {
  console.error(`host-setup: ${what}`);
  const [cmd, ...rest] = [...sudo, "apt-get", ...args];
  const r = spawnSync(cmd, rest, { encoding: "utf8", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  writeFileSync(log, `${r.stdout ?? ""}${r.stderr ?? ""}`, { flag: "a" });
  if (r.status !== 0) {
    const last = `${r.stderr ?? ""}`.trim().split("\n").filter((l) => /^E:/.test(l)).join(" ") || `exit ${r.status}`;
    console.error(`host-setup: apt-get ${args[0]} failed: ${last} (full output: ${log})`);
    process.exit(1);
  }
};
apt(["update", "-q"], "apt-get update");
apt(["install", "-y", "-q", "--no-install-recommends", ...missing], `installing ${missing.length} packages: ${missing.join(" ")}`);
const still = missing.filter((p) => !installed(p));
if (still.length) {
  console.error(`host-setup: still missing after apt-get install: ${still.join(" ")} (full output: ${log})`);
  process.exit(1);
}

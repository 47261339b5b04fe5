// The OCI config.json a Docker 20.10 daemon hands to runc for `docker run IMAGE CMD`, minus
// what an initramfs guest lacks (network setup, AppArmor, docker-init). Written from moby's
// oci/defaults.go and daemon/oci_linux.go; runc's own `runc spec` differs where it matters
// here: it sets terminal, noNewPrivileges and only three capabilities.

export interface BundleOptions {
  /** The container's command; with a wrapper, the wrapper comes first. */
  args: string[];
  /** Extra environment ("NAME=value"), after Docker's PATH and HOSTNAME. */
  env?: string[];
  /** OCI capability names ("CAP_CHOWN", ...). */
  caps: readonly string[];
  /** The OCI linux.seccomp object as JSON text; absent means unconfined (seccomp=unconfined). */
  seccomp?: string;
  /** Absolute path of the container rootfs inside the guest. */
  rootPath: string;
  /** Bind the guest's own /usr read-only: the default rootfs is a skeleton around it. */
  guestUsr: boolean;
}

/** Spliced in as text after JSON.stringify, so the profile's u64 literals stay exact. */
const SECCOMP_SLOT = "@@seccomp@@";
const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** config.json text. */
export function dockerConfig(o: BundleOptions): string {
  const mounts: object[] = [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
    { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["ro", "nosuid", "noexec", "nodev"] },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
    // The probes, a static busybox and any wrapper under test.
    { destination: "/.harness", type: "bind", source: "/harness", options: ["rbind", "ro"] },
  ];
  if (o.guestUsr) mounts.push({ destination: "/usr", type: "bind", source: "/usr", options: ["rbind", "ro"] });

  const config = {
    ociVersion: "1.0.2",
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: o.args,
      env: [`PATH=${DEFAULT_PATH}`, "HOSTNAME=c3w", ...(o.env ?? [])],
      cwd: "/",
      // Docker <= 20.10.13 fills all four sets (inheritable was dropped for CVE-2022-24769).
      capabilities: { bounding: o.caps, effective: o.caps, inheritable: o.caps, permitted: o.caps },
      // Docker leaves no_new_privs off unless --security-opt no-new-privileges is given.
      noNewPrivileges: false,
    },
    root: { path: o.rootPath, readonly: false },
    hostname: "c3w",
    mounts,
    linux: {
      namespaces: ["pid", "network", "ipc", "uts", "mount", "cgroup"].map((type) => ({ type })),
      resources: { devices: [{ allow: false, access: "rwm" }] },
      maskedPaths: [
        "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
      ],
      readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
      ...(o.seccomp === undefined ? {} : { seccomp: SECCOMP_SLOT }),
    },
  };
  const text = JSON.stringify(config, null, 2) + "\n";
  return o.seccomp === undefined ? text : text.replace(JSON.stringify(SECCOMP_SLOT), () => o.seccomp!.trim());
}

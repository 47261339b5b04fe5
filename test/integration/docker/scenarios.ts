// The docker guest's scenarios, as data: under which dockerd configuration (a phase: its
// --seccomp-profile and daemon.json) each runs, the shell it runs in the guest, and what the
// probes (C3W:CHECK lines from guest/probe.sh, or from the script itself) must report. Phases run
// in the order of PHASES; dockerd is restarted between them (guest/docker-guest.sh).
//
// The scripts run under busybox sh in the guest, with:
//   $H    /harness (probes, the wrapper and init slots, the profiles, the Dockerfile contexts)
//   $IMG  c3w/test, the harness's userland imported with `docker import` (also tagged ubuntu:21.10)
//   $bb   the guest's busybox; $DOCKERD_LOG this phase's dockerd log
// Checks the scripts print themselves: build (ok/fail), stop_exit, zombies,
// init_binary, init_version, init_warnings.
import type { Expect, Scenario } from "../scenarios.ts";

export type DockerPhase = "v9" | "init-v9" | "fixed-v9" | "v10";

export interface DockerPhaseSpec {
  /** dockerd --seccomp-profile: moby's default profile of that release, or v20.10.9 as `--fix-profile` writes it. */
  profile: "moby-v20.10.9" | "moby-v20.10.10" | "moby-v20.10.9-fixed";
  /** daemon.json, with `@INIT@` standing for the init stub's path in the guest. */
  daemon: Record<string, unknown>;
}

/** In run order. */
export const PHASES: Record<DockerPhase, DockerPhaseSpec> = {
  // The legacy engine: Debian's dockerd with v20.10.9's profile instead of its patched built-in one.
  v9: { profile: "moby-v20.10.9", daemon: {} },
  // The README's host-wide fix: every container starts under the init stub.
  "init-v9": { profile: "moby-v20.10.9", daemon: { init: true, "init-path": "@INIT@" } },
  // The engine-side fix for every container: dockerd --seccomp-profile FIXED.json.
  "fixed-v9": { profile: "moby-v20.10.9-fixed", daemon: {} },
  // The fixed engine (the control).
  v10: { profile: "moby-v20.10.10", daemon: {} },
};

export interface DockerScenario extends Pick<Scenario, "name" | "expect" | "exit" | "output" | "selfTest"> {
  phase: DockerPhase;
  /** The shell the guest runs (see the variables above). */
  script: string;
  /** Payload slots it needs; without them the cell is n/a. */
  needs?: ("wrapper" | "init")[];
}

/** The harness's probes as a container's command, with the harness bind-mounted read-only at /.harness. */
const MOUNT = "-v $H:/.harness:ro";
const PROBE = "/bin/sh /.harness/probe.sh status python apt";
/** The stub in the wrapper slot, mounted as the README does (`-v …stub.x86_64:/cw`). */
const STUB = "-v $H/wrapper/clone3-workaround:/cw";
/**
 * No network in the guest: `--bridge=none` leaves the daemon no default network, so every
 * container and build names `none` itself (the README's commands assume a host's default bridge).
 */
const RUN = "docker run --rm --network none";

const BROKEN = { clone3: "EPERM", threads: "fail", posix_spawn: "fail", apt: "fail", filters: "1", nnp: "0" } as const;
const WORKING = { clone3: "ENOSYS", threads: "ok", posix_spawn: "ok", apt: "ok", filters: "1", nnp: "0" } as const;
/** Under one more filter (ours): Docker's default capabilities lack CAP_SYS_ADMIN, so NoNewPrivs is set. */
const FIXED = { ...WORKING, filters: "2", nnp: "1" } as const;

/**
 * `docker build` of a context in $H/docker/contexts/NAME; prints `build ok|fail`. The legacy builder
 * runs RUN steps under dockerd's --seccomp-profile; BuildKit (dockerd's own, 20.10's) under its
 * built-in profile. The README's Dockerfile needs BuildKit: the legacy builder has no automatic
 * BUILDPLATFORM, so its `FROM --platform=$BUILDPLATFORM` fails to parse ("failed to parse platform").
 */
const build = (context: string, tag: string, builder: "legacy" | "buildkit", args = "") =>
  `DOCKER_BUILDKIT=${builder === "buildkit" ? "1" : "0"} docker build ${builder === "buildkit" ? "--progress plain " : ""}--network none ${args}-t ${tag} $H/docker/contexts/${context} 2>&1; ` +
  `rc=$?; if [ $rc = 0 ]; then echo "C3W:CHECK build ok"; else echo "C3W:CHECK build fail rc=$rc"; fi; [ $rc = 0 ]`;

/**
 * The built image's default command (CMD ["bash"] behind ENTRYPOINT ["/clone3-workaround"]) with a
 * script on stdin: the probes, then the hello it installed.
 */
const runDefault = (tag: string) =>
  `echo '/bin/sh /.harness/probe.sh status python; hello' | docker run -i --rm --network none ${MOUNT} ${tag}`;

/**
 * An orphan's zombie: a grandchild outlives its parent and is reparented to PID 1, which must
 * reap it. python3 (fork is clone, not clone3: it works under the bug) counts zombies after it exits.
 */
const ZOMBIE =
  `python3 -c 'import os, time\n` +
  `if os.fork() == 0:\n    if os.fork() == 0: time.sleep(0.2); os._exit(0)\n    os._exit(0)\n` +
  `os.wait(); time.sleep(1.5)\n` +
  `z = [p for p in os.listdir("/proc") if p.isdigit() and open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[0] == "Z"]\n` +
  `print("C3W:CHECK zombies", len(z))'`;

/**
 * `docker stop -t 2` of a sleeping container: dockerd sends SIGTERM and, if the container still runs
 * 2 s later, SIGKILL. So exit 143 means SIGTERM ended it within 2 s (as dockerd measures it; the
 * CLI's own round trips under TCG take seconds more, printed as `stop took`), 137 that it had to be killed.
 */
const STOP = (flags: string) =>
  `cid=$(docker run -d --network none ${flags} $IMG busybox sleep 30) || exit 1; $bb sleep 1; ` +
  `t0=$($bb cut -d " " -f 1 /proc/uptime); $bb timeout 60 docker stop -t 2 $cid > /dev/null; ` +
  `t1=$($bb cut -d " " -f 1 /proc/uptime); echo "C3W:CHECK stop_exit $(docker inspect -f '{{.State.ExitCode}}' $cid)"; ` +
  `echo "stop took $($bb awk -v a=$t0 -v b=$t1 'BEGIN { print b - a }') s"; $bb timeout 60 docker rm -f $cid > /dev/null`;

const want = (expect: Record<string, Expect>) => expect;

export const DOCKER_SCENARIOS: DockerScenario[] = [
  // --- dockerd --seccomp-profile moby-v20.10.9 (the bug) ---
  { name: "docker-baseline-v9", phase: "v9", script: `${RUN} ${MOUNT} $IMG ${PROBE}`, expect: BROKEN },
  {
    // The README's `docker run -v stub:/cw IMAGE /cw CMD`.
    name: "docker-wrapper-v9", phase: "v9", needs: ["wrapper"],
    script: `${RUN} ${MOUNT} ${STUB} $IMG /cw ${PROBE}`, expect: FIXED,
  },
  {
    // The engine-side fix per container: `--security-opt seccomp=FIXED.json`, no wrapper.
    name: "docker-fixed-run-v9", phase: "v9",
    script: `${RUN} ${MOUNT} --security-opt seccomp=$H/docker/profiles/moby-v20.10.9-fixed.json $IMG ${PROBE}`, expect: WORKING,
  },
  {
    // The README's Dockerfile without the workaround (its last stage minus the clone3-workaround
    // lines): the seed's failure, during the build.
    name: "docker-dockerfile-baseline-v9", phase: "v9",
    script: build("baseline", "c3w/baseline", "legacy"),
    expect: { build: "fail" },
    // The legacy builder colours the step's stderr, so escape codes sit between "E:" and the message.
    output: [/Problem executing scripts APT::Update::Post-Invoke/],
  },
  {
    // The README's Dockerfile with the legacy builder, whose RUN steps run under dockerd's profile:
    // the same bytes but for `--platform=$BUILDPLATFORM` (which the legacy builder cannot expand),
    // TARGETARCH given as a build arg. SHELL makes its RUN apt-get update pass under v9.
    name: "docker-dockerfile-legacy-v9", phase: "v9", needs: ["wrapper"],
    script: `${build("legacy", "c3w/readme-legacy", "legacy", "--build-arg TARGETARCH=$($bb cat $H/docker/targetarch) ")} && ${runDefault("c3w/readme-legacy")}`,
    expect: want({ build: "ok", clone3: "ENOSYS", threads: "ok", posix_spawn: "ok", filters: "2", nnp: "1" }),
    output: [/^Hello, world!$/],
  },
  {
    // The README's Dockerfile, byte for byte, with BuildKit (dockerd 20.10's): the stub chosen by
    // TARGETARCH from dist/, as SHELL and ENTRYPOINT. Its RUN apt-get update (file: repository,
    // docker-clean's Post-Invoke hook) and apt-get install -y hello pass during the build; then the
    // image's default command works under the legacy engine. (BuildKit runs RUN steps under its own
    // built-in profile, not dockerd's: measured, the baseline's apt-get update passes there.)
    name: "docker-dockerfile-v9", phase: "v9", needs: ["wrapper"],
    script: `${build("readme", "c3w/readme", "buildkit")} && ${runDefault("c3w/readme")}`,
    expect: want({ build: "ok", clone3: "ENOSYS", threads: "ok", posix_spawn: "ok", filters: "2", nnp: "1" }),
    output: [/^Hello, world!$/],
  },
  {
    // Controls for the init rows: without an init, `sleep` as PID 1 ignores SIGTERM, so docker stop
    // has to kill it (137) ...
    name: "docker-noinit-stop-v9", phase: "v9",
    script: STOP("--init=false"), expect: { stop_exit: "137" },
  },
  {
    // ... and python3 as PID 1 never reaps the orphan.
    name: "docker-noinit-zombie-v9", phase: "v9",
    script: `${RUN} --init=false $IMG ${ZOMBIE}`, expect: { zombies: "1" },
  },

  // --- daemon.json "init": true, "init-path": the init stub ---
  {
    // An unmodified image's threads work: PID 1 is the stub as /sbin/docker-init.
    name: "docker-init-v9", phase: "init-v9", needs: ["init"],
    script: `${RUN} ${MOUNT} $IMG /bin/sh -c 'echo "pid1: $(/.harness/busybox tr "\\0" " " < /proc/1/cmdline)"; exec ${PROBE}'`,
    expect: FIXED,
    output: [/^pid1: \/sbin\/docker-init -- \/bin\/sh -c /],
  },
  {
    // `docker info` names the init (the init-path) and its version, with no warning about it (in its
    // output or dockerd's log). Measured: "Init Binary: /harness/init/docker-init", "init version:
    // c3wstub (expected: de40ad0)" (dockerd prints the tini commit it was built against beside it).
    name: "docker-init-info-v9", phase: "init-v9", needs: ["init"],
    script:
      `docker info > /tmp/info 2>&1; $bb cat /tmp/info; ` +
      `echo "C3W:CHECK init_binary $($bb sed -n 's/^ *Init Binary: *//p' /tmp/info)"; ` +
      `echo "C3W:CHECK init_version $($bb sed -n 's/^ *init version: *//p' /tmp/info)"; ` +
      `echo "C3W:CHECK init_warnings $($bb cat /tmp/info $DOCKERD_LOG | $bb grep -ci 'warn.*init\\|docker-init version')"`,
    expect: { init_binary: "/harness/init/docker-init", init_version: /^c3wstub\b/, init_warnings: "0" },
  },
  {
    // `docker stop`: the init forwards SIGTERM; the container ends with 143 within 2 s.
    name: "docker-init-stop-v9", phase: "init-v9", needs: ["init"],
    script: STOP(""), expect: { stop_exit: "143" },
  },
  {
    // The init reaps the orphan: no zombie.
    name: "docker-init-zombie-v9", phase: "init-v9", needs: ["init"],
    script: `${RUN} $IMG ${ZOMBIE}`, expect: { zombies: "0" },
  },

  // --- dockerd --seccomp-profile FIXED.json (the engine-side fix for every container) ---
  { name: "docker-fixed-daemon-v9", phase: "fixed-v9", script: `${RUN} ${MOUNT} $IMG ${PROBE}`, expect: WORKING },

  // --- dockerd --seccomp-profile moby-v20.10.10 (the fixed engine) ---
  {
    // auto installs nothing where clone3 already says ENOSYS: one filter, NoNewPrivs 0.
    name: "docker-wrapper-v10", phase: "v10", needs: ["wrapper"],
    script: `${RUN} ${MOUNT} ${STUB} $IMG /cw ${PROBE}`, expect: WORKING,
  },

  // --- self-test: the wrapper slot holds a wrapper that answers clone3 with EPERM ---
  {
    // Must fail: under the fixed engine an EPERM wrapper breaks what worked.
    name: "selftest-docker-eperm-wrapper", phase: "v10", needs: ["wrapper"], selfTest: true,
    script: `${RUN} ${MOUNT} ${STUB} $IMG /cw ${PROBE}`, expect: FIXED,
  },
  {
    // Must fail: the README's Dockerfile with the EPERM wrapper as its stub fails its RUN apt-get update.
    name: "selftest-docker-eperm-dockerfile", phase: "v10", needs: ["wrapper"], selfTest: true,
    script: build("readme", "c3w/readme", "buildkit"),
    expect: { build: "ok" },
  },
];

#!/usr/bin/busybox sh
# PID 1 of the docker guest: Debian bullseye's dockerd 20.10 as the engine. The root is the
# initramfs (the bullseye userland, the test image's tarball and the per-run payload). Reads
# /harness/docker/plan: "phase NAME" (re)starts dockerd with that phase's flags and daemon.json,
# "scenario NAME" runs /harness/docker/scenarios/NAME.sh framed by C3W: markers. Then powers off.
bb=/usr/bin/busybox
. /harness/mounts.sh
$bb mkdir -p /var/lib/docker
$bb mount -t tmpfs tmpfs /tmp
# The data root: images and vfs layers live in memory, and go with the VM.
$bb mount -t tmpfs -o mode=0711 tmpfs /var/lib/docker
$bb ip link set lo up
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export DOCKER_HOST=unix:///run/docker.sock
# The initramfs root cannot pivot_root; with this dockerd has runc move-mount and chroot instead.
export DOCKER_RAMDISK=true
# runc 1.0.0~rc93 re-executes a sealed copy of itself through execveat(AT_EMPTY_PATH) before
# entering a container, which this kernel answers with ENOENT ("could not ensure we are a cloned
# binary"); started from a sealed memfd already, it skips that step (helpers/sealed-exec.c).
$bb mv /usr/sbin/runc /usr/sbin/runc.debian
$bb cp /harness/sealed-exec /usr/sbin/runc
# The docker CLI's config (no registry logins, no plugins).
export DOCKER_CONFIG=/run/docker-cli HOME=/root

echo "C3W:BOOT $($bb uname -m) $($bb uname -r)"
$bb cp /usr/bin/busybox /harness/busybox
D=/harness/docker
echo "C3W:INFO os $(. /etc/os-release; echo "$PRETTY_NAME"), $(dockerd --version)"

now() { $bb cut -d ' ' -f 1 /proc/uptime; }
since() { $bb awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

dpid=
stop_dockerd() {
  [ -n "$dpid" ] || return 0
  kill -TERM "$dpid"
  wait "$dpid"
  dpid=
}
# dockerd as this init's child, with the phase's own flags (the seccomp profile) and daemon.json.
start_dockerd() {
  stop_dockerd
  phase=$1
  export DOCKERD_LOG=/run/dockerd-$phase.log
  t0=$(now)
  # shellcheck disable=SC2046 # the flags file holds one flag per word
  dockerd --config-file "$D/phases/$phase.json" $($bb cat "$D/phases/$phase.flags") \
    --data-root /var/lib/docker --exec-root /run/docker --pidfile /run/dockerd.pid -H "$DOCKER_HOST" \
    --storage-driver vfs --iptables=false --ip-masq=false --ip-forward=false --bridge=none \
    > "$DOCKERD_LOG" 2>&1 &
  dpid=$!
  i=0
  until docker version > /dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 1200 ] || ! kill -0 "$dpid" 2> /dev/null; then
      echo "C3W:INFO dockerd-failed-$phase yes"
      $bb tail -n 20 "$DOCKERD_LOG"
      return 1
    fi
    $bb sleep 0.1
  done
  echo "C3W:INFO dockerd-start-$phase $(since "$t0")"
  # Once per boot: the test image, from the harness's userland tarball, and a busybox image for
  # the README Dockerfile's first stage (no registry: both are local).
  if [ ! -e /run/imported ]; then
    t0=$(now)
    docker import "$D/image.tar" c3w/test > /dev/null && docker tag c3w/test ubuntu:21.10
    $bb mkdir -p /tmp/bb/bin
    $bb cp /usr/bin/busybox /tmp/bb/bin/busybox
    # Relative links: `busybox --install -s` would point them at /tmp/bb/bin/busybox.
    for a in $($bb --list); do [ "$a" = busybox ] || $bb ln -s busybox "/tmp/bb/bin/$a"; done
    $bb tar -C /tmp/bb -cf - . | docker import - busybox > /dev/null
    $bb rm -rf /tmp/bb
    echo "C3W:INFO docker-import $(since "$t0")"
    : > /run/imported
  fi
}

n=0
while read -r kind name; do
  case $kind in
    phase) start_dockerd "$name" ;;
    scenario)
      n=$((n + 1))
      echo "C3W:BEGIN $name"
      (cd /tmp && H=/harness IMG=c3w/test bb=$bb $bb sh "$D/scenarios/$name.sh") < /dev/null 2>&1
      echo "C3W:END $name $?"
      ;;
  esac
done < "$D/plan"
stop_dockerd
echo "C3W:DONE"
$bb sync
$bb poweroff -f

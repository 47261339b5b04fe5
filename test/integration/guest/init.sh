#!/usr/bin/busybox sh
# PID 1 of the test VM. The root is the initramfs: the cached Debian base with the per-test
# payload unpacked over it. Runs each scenario's runc bundle in order, frames its output with
# C3W: markers for the host, then powers off. Markers may be preceded by escape codes on the
# serial console, so the host matches them anywhere in a line.
bb=/usr/bin/busybox
. /harness/mounts.sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

echo "C3W:BOOT $($bb uname -m) $($bb uname -r)"
# The probes run with the container's own /bin/sh; busybox is the one tool every image gets.
$bb cp /usr/bin/busybox /harness/busybox

# Container rootfs: a user's image (--rootfs) is unpacked at /ctroot by the payload; otherwise a
# skeleton whose /usr is the guest's own Debian userland, bind-mounted by config.json.
if [ ! -d /ctroot ]; then
  r=/run/ct/rootfs
  $bb mkdir -p $r/usr $r/proc $r/sys $r/dev $r/tmp $r/run $r/root $r/var/tmp
  for l in bin sbin lib lib32 lib64 libx32; do [ -L /$l ] && $bb ln -s "$($bb readlink /$l)" $r/$l; done
  $bb cp -a /etc $r/etc
fi

n=0
while read -r name; do
  [ -n "$name" ] || continue
  n=$((n + 1))
  echo "C3W:BEGIN $name"
  runc run --no-pivot --bundle "/harness/bundles/$name" "ct$n" < /dev/null 2>&1
  echo "C3W:END $name $?"
done < /harness/scenarios.list
echo "C3W:DONE"
$bb sync
$bb poweroff -f

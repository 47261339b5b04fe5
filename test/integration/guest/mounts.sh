# Sourced by both guests' /init (init.sh, docker-guest.sh) with $bb set: the pseudo-filesystems
# every guest needs. mmdebstrap's extract variant leaves out their mount points.
$bb mkdir -p /proc /sys /dev /run /tmp
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
$bb mount -t devtmpfs devtmpfs /dev
$bb mkdir -p /dev/pts /dev/shm
$bb mount -t devpts devpts /dev/pts
$bb mount -t tmpfs tmpfs /dev/shm
$bb mount -t tmpfs tmpfs /run
# runc finds its cgroup through mountinfo; without this it fails with "no cgroup mount found".
$bb mount -t cgroup2 cgroup2 /sys/fs/cgroup

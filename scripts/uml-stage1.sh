#!/bin/sh
# UML stage 1: runs as PID 1 of a User-Mode Linux kernel on the host root (hostfs, read-only).
# Builds a writable root (overlay: host root below, tmpfs above), mounts the per-run job
# directory read-write at the same path it has on the host, then chroots into stage 2.
# The kernel hands `lvsd_job=DIR` from the boot line to this script as an environment variable.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
job=${lvsd_job:?lvsd_job not set}
say() { echo "uml-stage1: $*" >&2; }
die() { say "$*"; exec /usr/bin/busybox poweroff -f; }

kver=$(uname -r)
mods=/usr/lib/uml/modules/$kver
mount -t proc proc /proc || die "mount /proc failed"
# Scratch space: a tmpfs on an empty folder of the job directory (only this kernel sees it).
s=$job/mnt
mount -t tmpfs -o mode=0755 tmpfs "$s" || die "tmpfs on $s failed"
mkdir -p "$s/lower" "$s/upper" "$s/work" "$s/root"
mount -r -t hostfs -o / hostfs "$s/lower" || die "hostfs lower failed"
/usr/bin/busybox insmod "$mods/kernel/fs/overlayfs/overlay.ko" || die "insmod overlay failed"
mount -t overlay overlay -o "lowerdir=$s/lower,upperdir=$s/upper,workdir=$s/work" "$s/root" \
  || die "overlay mount failed"
r=$s/root
# hostfs would otherwise show the host's /proc, /sys and /dev: mount this kernel's own.
mount -t proc proc "$r/proc"
mount -t sysfs sysfs "$r/sys"
mount -t devtmpfs devtmpfs "$r/dev" || mount -t tmpfs -o mode=0755 tmpfs "$r/dev"
mkdir -p "$r/dev/pts" "$r/dev/shm"
mount -t devpts devpts "$r/dev/pts"
for d in run var/tmp dev/shm tmp; do mount -t tmpfs -o mode=1777 tmpfs "$r/$d"; done
chmod 0755 "$r/run"
# Modules: a tmpfs over /lib/modules holding only a link to the UML modules (removing the
# host's tree through the overlay would cost seconds).
mkdir -p "$r/usr/lib/modules"
mount -t tmpfs tmpfs "$r/usr/lib/modules"
ln -s "$mods" "$r/usr/lib/modules/$kver"
# The repository, when it lies under a folder hidden by the tmpfs mounts above (a checkout in
# /tmp): an overlay of it at its host path, writable and discarded like the rest of the root.
repo=${lvsd_repo:-}
case "$repo" in
  /tmp/*|/run/*|/var/tmp/*|/dev/shm/*)
    mkdir -p "$s/rupper" "$s/rwork" "$r$repo"
    mount -t overlay overlay -o "lowerdir=$s/lower$repo,upperdir=$s/rupper,workdir=$s/rwork" "$r$repo" \
      || die "overlay of the repository $repo failed";;
esac
# The job directory, read-write, at its host path (after the tmpfs on /tmp).
mkdir -p "$r$job"
mount -t hostfs -o "$job" hostfs "$r$job" || die "hostfs job mount failed"
exec chroot "$r" /bin/sh "${lvsd_stage2:?lvsd_stage2 not set}"

#!/bin/sh
# UML stage 2: runs inside the overlay root. Brings up loopback, loads IPVS and the network
# modules the lab uses, runs the job's command with its output in the job directory, records
# the exit status and powers the kernel off. Debian's kmod may be absent: busybox loads modules.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
job=${lvsd_job:?lvsd_job not set}
bb=/usr/bin/busybox
ip link set lo up
# lvsd_modules: comma-separated module names from the boot line.
for m in $(echo "${lvsd_modules:-ip_vs,ip_vs_rr,ip_vs_wrr,ip_vs_wlc,ip_vs_sh,veth,bridge}" | tr , " "); do
  $bb modprobe "$m" >> "$job/modprobe.out" 2>&1 || echo "uml-stage2: modprobe $m failed" >&2
done
sh "$job/cmd.sh" > "$job/out" 2>&1 < /dev/null
echo $? > "$job/rc.tmp" && mv "$job/rc.tmp" "$job/rc"
sync
exec $bb poweroff -f

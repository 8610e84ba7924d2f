#!/bin/busybox sh
# /init of the test VM (tests/vm/run.sh): the machine's first process. It runs the arm64
# test binaries on the arm64 kernel, then execs hardinit so that hardinit ends as the
# machine's own PID 1. Everything it says goes to the serial console, which run.sh parses:
# gtest's "[       OK ]" and "[  FAILED  ]" lines, and lines starting "vm: ".
/bin/busybox mkdir -p /proc /sys /dev /tmp /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t securityfs securityfs /sys/kernel/security
# The initramfs is the root filesystem and writable; no tmpfs on /tmp, where the test
# binaries may sit at the paths they were built with.
chmod 1777 /tmp
# The loopback interface, up as in any container's network namespace: the health probe's
# tests serve on 127.0.0.1. The kernel gives lo 127.0.0.1/8 when it comes up.
ip link set lo up || echo "vm: FAILED: cannot bring up the loopback interface"
. /vm.conf

echo "vm: kernel $(uname -r) $(uname -m), $(grep -c ^processor /proc/cpuinfo) cpu(s)"
echo "vm: active LSMs $(cat /sys/kernel/security/lsm)"

# A gtest binary with a filter; its own lines say which tests passed.
run_gtest() {  # run_gtest LABEL BINARY FILTER
  echo "vm: begin $1"
  "$2" --gtest_filter="$3" --gtest_color=no </dev/null 2>&1
  echo "vm: end $1 exit $?"
}
run_gtest unit "$UNIT_TESTS" "$UNIT_FILTER"
run_gtest integration "$INTEGRATION_TESTS" "$INTEGRATION_FILTER"

echo "vm: begin pid1"
# hardinit as the machine's PID 1: the kernel reports PID 1's exit status in its panic
# message ("Attempted to kill init! exitcode=0x00002a00"), which run.sh reads back. Before
# that, the program reports what it sees from its side.
exec "$HARDINIT" --user nobody -- "$PROBE" status try mount try keyctl try unshare-user exit 42

#!/usr/bin/env bash
# Boots Debian's own kernel for the target architecture in qemu-system (TCG: no KVM, no
# host of that architecture needed) with an initramfs of the cross build's binaries, runs
# the tests there and reports one line per test from the console output (design.md §5).
#
#   run.sh --arch arm64 --build BUILD_DIR --source SOURCE_DIR [--timeout SECONDS]
#
# The kernel, busybox-static, setcap and tini-static come from Debian's archive for that
# architecture (`dpkg --add-architecture`, scripts/install-deps.sh --arm64): downloaded with
# apt-get download and unpacked, never installed. The test binaries keep the absolute paths they
# were built with (HARDINIT_BINARY, HARDINIT_TESTDATA_DIR, ...), so the initramfs holds them
# at the same paths. Exit 0 only when every test passed and the machine powered off by
# itself within the timeout.
set -euo pipefail

arch='' build='' source='' timeout=600
unit_filter=${HARDINIT_VM_UNIT_FILTER:-'*'}
integration_filter=${HARDINIT_VM_INTEGRATION_FILTER:-'*'}
while (($#)); do
  case $1 in
    --arch) arch=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --source) source=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --unit-filter) unit_filter=$2; shift 2 ;;
    --integration-filter) integration_filter=$2; shift 2 ;;
    *) echo "usage: $0 --arch ARCH --build DIR --source DIR [--timeout S]" >&2; exit 2 ;;
  esac
done
[[ -n $arch && -d $build && -d $source ]] || { echo "vm: --arch, --build and --source are required" >&2; exit 2; }
build=$(cd "$build" && pwd)
source=$(cd "$source" && pwd)

# One block per architecture: the emulator and its machine, the console device, the cross
# toolchain's runtime (the dynamically linked test binaries' loader and libraries).
case $arch in
  arm64)
    qemu=qemu-system-aarch64
    # pauth-impdef: the kernel signs return addresses; QEMU's own hash for it is far
    # cheaper under TCG than the architected QARMA one and just as real to the kernel.
    machine=(-M virt -cpu max,pauth-impdef=on)
    console=ttyAMA0
    runtime=/usr/aarch64-linux-gnu/lib
    loader=ld-linux-aarch64.so.1
    ;;
  *) echo "vm: no VM for architecture $arch" >&2; exit 2 ;;
esac

work=$build/vm
cache=$work/cache
root=$work/root
log=$work/console.log
mkdir -p "$cache"

say() { printf 'vm: %s\n' "$*"; }
die() { printf 'vm: FAILED: %s\n' "$*"; exit 1; }
command -v "$qemu" >/dev/null || die "$qemu is not installed (scripts/install-deps.sh --arm64)"
command -v cpio >/dev/null || die "cpio is not installed (scripts/install-deps.sh --arm64)"

# apt-get download into the cache; root's downloads skip the _apt sandbox user.
download() {  # download PACKAGE:ARCH -> prints the .deb's path
  (cd "$cache" && apt-get download -q -o APT::Sandbox::User=root "$1" >/dev/null) \
    || die "apt-get download $1 failed (is the $arch architecture added? scripts/install-deps.sh --arm64)"
  local name=${1%%:*}
  ls -t "$cache/${name}_"*"_$arch.deb" | head -1
}

# The kernel: linux-image-ARCH is a metapackage naming the current image package.
if [[ ! -s $cache/vmlinuz || ! -s $cache/config ]]; then
  meta=$(download "linux-image-$arch:$arch")
  image_pkg=$(dpkg-deb -f "$meta" Depends | grep -o "linux-image-[^ ,(]*-$arch" | head -1)
  [[ -n $image_pkg ]] || die "cannot find the image package in $(dpkg-deb -f "$meta" Depends)"
  deb=$(download "$image_pkg:$arch")
  rm -rf "$cache/unpack" && mkdir -p "$cache/unpack"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$cache/unpack" --wildcards './boot/vmlinuz-*' './boot/config-*'
  mv "$cache"/unpack/boot/vmlinuz-* "$cache/vmlinuz"
  mv "$cache"/unpack/boot/config-* "$cache/config"
  echo "$image_pkg $(dpkg-deb -f "$deb" Version)" >"$cache/kernel-version"
  rm -rf "$cache/unpack" "$deb" "$meta"
fi
# The programs the tests run besides hardinit's own, from the same archive: busybox for the
# shell and its applets, setcap (and its library) for the setuid and file-capability
# cases, tini-static for the idle-wakeup negative control, bash (and its libtinfo) for the
# learn-mode tests, whose shell must restart a call a signal interrupts (SA_RESTART:
# busybox's ash, like dash, has no SA_RESTART on its SIGCHLD handler; design.md §3.12).
unpacked() {  # unpacked PACKAGE: unpacks the package once, prints its directory
  local dir=$cache/pkg/$1 deb
  if [[ ! -d $dir ]]; then
    deb=$(download "$1:$arch")
    mkdir -p "$cache/pkg"
    rm -rf "$dir.tmp"
    dpkg-deb -x "$deb" "$dir.tmp" || die "cannot unpack $deb"
    mv "$dir.tmp" "$dir" && rm -f "$deb"
  fi
  echo "$dir"
}
for package in busybox-static libcap2-bin libcap2 tini bash libtinfo6; do unpacked "$package" >/dev/null; done
say "kernel $(cat "$cache/kernel-version")"

# What the tests need must be built in: the VM loads no modules.
for option in SECCOMP SECCOMP_FILTER USER_NS PID_NS BLK_DEV_INITRD DEVTMPFS TMPFS PROC_FS \
              SIGNALFD TIMERFD EPOLL MEMFD_CREATE KEYS UNIX INET \
              SERIAL_AMBA_PL011 SERIAL_AMBA_PL011_CONSOLE; do
  grep -qx "CONFIG_$option=y" "$cache/config" || die "the kernel lacks CONFIG_$option=y"
done

# The initramfs.
rm -rf "$root"
mkdir -p "$root"/{bin,etc,lib,proc,sys,dev,tmp}
install -m 0755 "$source/tests/vm/init.sh" "$root/init"
install -m 0755 "$(unpacked busybox-static)/bin/busybox" "$root/bin/busybox"
install -m 0755 "$(unpacked bash)/bin/bash" "$root/bin/bash"
cp -L "$(unpacked libtinfo6)"/lib/*/libtinfo.so.6 "$root/lib/libtinfo.so.6"
mkdir -p "$root/sbin" "$root/usr/bin"
install -m 0755 "$(unpacked libcap2-bin)/sbin/setcap" "$root/sbin/setcap"
cp -L "$(unpacked libcap2)"/lib/*/libcap.so.2 "$root/lib/libcap.so.2"
install -m 0755 "$(unpacked tini)/usr/bin/tini-static" "$root/usr/bin/tini-static"
place() {  # place PATH...: copies each file or directory to the same absolute path
  local p
  for p in "$@"; do
    mkdir -p "$root$(dirname "$p")"
    cp -a "$p" "$root$p"
  done
}
hardinit=$build/hardinit
probe=$build/tests/probe
unit=$build/tests/hardinit_unit_tests
integration=$build/tests/hardinit_integration_tests
for f in "$hardinit" "$probe" "$build/tests/sysprobe" "$unit" "$integration"; do
  [[ -x $f ]] || die "$f is missing: build the cross build's tests first"
done
place "$hardinit" "$probe" "$build/tests/sysprobe" "$unit" "$integration" \
  "$source/tests/data" "$source/seccomp-profiles"
# The gtest binaries and setcap are linked dynamically: their loader and libraries from the
# cross toolchain's runtime, at the paths the loader searches.
cp -L "$runtime/$loader" "$root/lib/$loader"
for lib in $(readelf -d "$unit" "$integration" "$root/sbin/setcap" "$root/bin/bash" \
               | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort -u); do
  [[ $lib == "$loader" || -e $root/lib/$lib ]] || cp -L "$runtime/$lib" "$root/lib/$lib"
done
cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
PASSWD
cat >"$root/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
# What an engine writes into every container; the health probe's tests bind-mount their own
# over it, which needs the file to exist.
cat >"$root/etc/hosts" <<'HOSTS'
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
HOSTS
{
  printf 'HARDINIT=%q\nPROBE=%q\nUNIT_TESTS=%q\nINTEGRATION_TESTS=%q\n' \
    "$hardinit" "$probe" "$unit" "$integration"
  printf 'UNIT_FILTER=%q\nINTEGRATION_FILTER=%q\n' "$unit_filter" "$integration_filter"
} >"$root/vm.conf"
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) >"$work/initrd.cpio"
say "initramfs $(($(stat -c %s "$work/initrd.cpio") / 1024)) KiB"

# Boot. One vCPU and 512 MiB keep TCG's cost down on a shared machine; no network device.
say "booting $qemu (timeout ${timeout} s)"
rm -f "$log"
start=$SECONDS
rc=0
timeout -k 10 "$timeout" "$qemu" "${machine[@]}" -smp 1 -m 512M -nic none \
  -display none -monitor none -serial "file:$log" -no-reboot \
  -kernel "$cache/vmlinuz" -initrd "$work/initrd.cpio" \
  -append "console=$console panic=-1 quiet rdinit=/init" </dev/null || rc=$?
elapsed=$((SECONDS - start))
[[ -f $log ]] || die "no console output"
tr -d '\r' <"$log" >"$log.txt"

# The verdict, one line per test.
passed=0 failed=0
pass() { say "pass: $*"; passed=$((passed + 1)); }
fail() { say "FAIL: $*"; failed=$((failed + 1)); }
while read -r name; do pass "$name"; done < <(sed -n 's/^\[       OK \] \([^ ]*\) (.*/\1/p' "$log.txt")
while read -r name; do fail "$name"; done < <(sed -n 's/^\[  FAILED  \] \([^ ]*\) ([0-9]* ms)$/\1/p' "$log.txt")
# What /init itself could not set up.
while read -r what; do fail "$what"; done < <(sed -n 's/^vm: FAILED: //p' "$log.txt")
for suite in unit integration; do
  if ! grep -q "^vm: end $suite exit" "$log.txt"; then
    fail "the $suite tests did not finish (crash or timeout; see $log.txt)"
  elif ! grep -q "^vm: end $suite exit 0$" "$log.txt"; then
    fail "the $suite tests exited $(sed -n "s/^vm: end $suite exit //p" "$log.txt")"
  fi
done
# hardinit as the machine's PID 1: what the program saw, and the status the kernel reports.
pid1=$(sed -n '/^vm: begin pid1$/,$p' "$log.txt")
expect_pid1() {  # expect_pid1 WHAT LINE (trailing blanks aside: the kernel ends Groups with one)
  if grep -qx -- "$2 *" <<<"$pid1"; then pass "PID 1 of the machine: $1"; else fail "PID 1 of the machine: $1 (no line '$2')"; fi
}
expect_pid1 "the program runs as nobody" "Uid=65534 65534 65534 65534"
expect_pid1 "the program's groups" "Groups=65534"
expect_pid1 "no capabilities" "CapEff=0000000000000000"
expect_pid1 "empty bounding set" "CapBnd=0000000000000000"
expect_pid1 "no_new_privs" "NoNewPrivs=1"
expect_pid1 "one seccomp filter" "Seccomp_filters=1"
expect_pid1 "mount is denied" "mount=EPERM"
expect_pid1 "keyctl is denied" "keyctl=EPERM"
expect_pid1 "a user namespace is denied" "unshare-user=EPERM"
code=$(sed -n 's/.*Attempted to kill init! exitcode=\(0x[0-9a-f]*\).*/\1/p' <<<"$pid1" | head -1)
if [[ -n $code ]] && (((code >> 8) == 42)); then
  pass "PID 1 of the machine exits with the program's status 42"
else
  fail "PID 1 of the machine exits with the program's status 42 (kernel says '${code:-nothing}')"
fi
if ((rc == 124 || rc == 137)); then
  fail "the machine did not power off within $timeout s"
elif ((rc != 0)); then
  fail "$qemu exited $rc"
fi
say "$arch: $passed passed, $failed failed in ${elapsed} s (console: $log.txt)"
((failed == 0 && passed > 0))

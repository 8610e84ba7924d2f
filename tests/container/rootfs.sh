#!/usr/bin/env bash
# The test image's root filesystem, shared by every engine suite (Docker: fixture.sh here;
# Podman, rootless Podman, containerd: tests/engines/fixture.sh): static busybox, hardinit,
# the probe, and a passwd/group with root, an `app` user (1000) in two extra groups, and
# nobody. Made from files on this machine only, so no engine ever pulls anything.
#
#   rootfs.sh DIR     (re)make DIR/rootfs.tar when an input changed; print the inputs' hash
#
# Environment: HARDINIT_BIN, HARDINIT_PROBE. busybox-static must be installed (the callers'
# install step does it). Callers serialise calls on one DIR with their own lock.
set -euo pipefail

dir=${1:?usage: rootfs.sh DIR}
: "${HARDINIT_BIN:?}" "${HARDINIT_PROBE:?}"
[[ -x /bin/busybox ]] || { echo "rootfs.sh: /bin/busybox missing (install busybox-static)" >&2; exit 1; }
mkdir -p "$dir"

want=$(cat "$HARDINIT_BIN" "$HARDINIT_PROBE" /bin/busybox "$0" | sha256sum | cut -c1-16)
if [[ -s $dir/rootfs.tar && $(cat "$dir/rootfs.hash" 2>/dev/null) == "$want" ]]; then
  echo "$want"
  exit 0
fi

root=$dir/rootfs
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,etc,tmp,proc,sys,dev,home/app}
chmod 1777 "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for applet in sh cat grep id ls ps sleep nc seq kill cmp readlink true false echo wget httpd env tr head wc; do
  ln -s busybox "$root/bin/$applet"
done
cp "$HARDINIT_BIN" "$root/hardinit"
cp "$HARDINIT_PROBE" "$root/bin/probe"
# The multi-call names (design.md §1): what an image switching from tini + gosu would have.
for applet in gosu su-exec tini; do ln -s /hardinit "$root/bin/$applet"; done
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
app:x:1000:
audio:x:29:app
staff:x:50:root,app
nogroup:x:65534:
EOF
chown 1000:1000 "$root/home/app"
tar -C "$root" --numeric-owner -cf "$dir/rootfs.tar.tmp" .
mv "$dir/rootfs.tar.tmp" "$dir/rootfs.tar"
echo "$want" >"$dir/rootfs.hash"
echo "$want"

#!/usr/bin/env bash
# Runs a test binary inside a small VM whose kernel has the `tls` module:
# Debian 12's kernel image (not installed: unpacked from its .deb) booted by
# qemu with an initramfs made here (busybox, the kTLS modules, the binary
# and the shared libraries it needs). For kernels, like this project's
# build machines', that have no kTLS.
#
#   test/vm/run_in_vm.sh [--with PROGRAM]... [--file PATH]... BINARY [ARGS...]
#
# --with puts another program (and its libraries) on the VM's PATH, e.g.
# `--with openssl` for a peer the test starts itself; --file copies a file
# (a plugin such as nginx's stream module, and its libraries) to the same
# path inside the VM.
# Exit status: the binary's, or 77 with a line starting "SKIP:" when no VM
# can run here (no qemu, no kernel image). The VM has no network but its
# own loopback. Uses software emulation (TCG) unless /dev/kvm is a usable,
# ordinary KVM; time inside it says nothing about speed.
#
# Environment: RINGWAY_VM_CACHE (default /var/cache/ringway-vm) holds the
# kernel .deb (tools/bazel fetches it; so does this script if apt can) and
# its unpacked tree; RINGWAY_VM_TIMEOUT (default 600 s);
# RINGWAY_VM_BOOT_TIMEOUT (120 s) and RINGWAY_VM_BOOT_TRIES (3) for a boot
# that never reaches init; RINGWAY_VM_CPU the
# emulated CPU model (default `max`).
set -uo pipefail

readonly CACHE=${RINGWAY_VM_CACHE:-/var/cache/ringway-vm}
readonly TIMEOUT=${RINGWAY_VM_TIMEOUT:-600}
readonly BOOT_TIMEOUT=${RINGWAY_VM_BOOT_TIMEOUT:-120}
readonly BOOT_TRIES=${RINGWAY_VM_BOOT_TRIES:-3}
readonly MODULES=(tls aesni-intel ghash-clmulni-intel gcm ccm
                  chacha20poly1305 chacha-x86_64 poly1305-x86_64)

skip() { echo "SKIP: $*"; exit 77; }

EXTRA=()
FILES=()
while [[ "${1:-}" == --with || "${1:-}" == --file ]]; do
  if [[ "$1" == --with ]]; then
    program=$(command -v "$2") || skip "no $2 to put in the VM"
    EXTRA+=("$program")
  else
    [[ -f "$2" ]] || skip "no $2 to put in the VM"
    FILES+=("$(realpath "$2")")
  fi
  shift 2
done
(($# >= 1)) || { echo "usage: $0 [--with PROGRAM]... [--file PATH]... BINARY [ARGS...]" >&2; exit 2; }
BINARY=$(realpath "$1"); shift
for tool in qemu-system-x86_64 cpio depmod dpkg-deb; do
  command -v "$tool" >/dev/null || skip "no $tool (tools/bazel installs it)"
done
BUSYBOX=$(command -v busybox) || skip "no busybox (package busybox-static)"
file -L "$BUSYBOX" 2>/dev/null | grep -q "statically linked" ||
  [[ -x /bin/busybox ]] || skip "busybox is not static"

# --- the kernel: the newest Debian 12 image in the cache ---
mkdir -p "$CACHE" 2>/dev/null || skip "cannot create $CACHE"
deb=$(ls -1 "$CACHE"/linux-image-6.*-amd64_*.deb 2>/dev/null | sort -V | tail -1)
if [[ -z "$deb" ]]; then
  package=$(apt-cache depends linux-image-amd64 2>/dev/null |
            awk '/Depends: linux-image-6/ { print $2; exit }')
  [[ -n "$package" ]] && (cd "$CACHE" && apt-get download "$package" >/dev/null 2>&1)
  deb=$(ls -1 "$CACHE"/linux-image-6.*-amd64_*.deb 2>/dev/null | sort -V | tail -1)
  [[ -n "$deb" ]] || skip "no Debian kernel image in $CACHE (apt-get download linux-image-6.1.0-*-amd64 there)"
fi
tree="$CACHE/$(basename "$deb" .deb)"
if [[ ! -f "$tree/.unpacked" ]]; then
  rm -rf "$tree" && mkdir -p "$tree" && dpkg-deb -x "$deb" "$tree" ||
    skip "cannot unpack $deb"
  version=$(ls "$tree/lib/modules")
  depmod -b "$tree" "$version" || skip "depmod failed"
  touch "$tree/.unpacked"
fi
version=$(ls "$tree/lib/modules")
kernel="$tree/boot/vmlinuz-$version"

# --- the initramfs ---
WORK=$(mktemp -d "${TEST_TMPDIR:-/tmp}/ringway-vm.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
root="$WORK/root"
mkdir -p "$root"/{bin,proc,sys,dev,tmp,test,vmlib} "$root/lib/modules/$version"
cp "$BUSYBOX" "$root/bin/busybox"
for applet in sh mount modprobe ifconfig cat echo poweroff sync sleep; do
  ln -s busybox "$root/bin/$applet"
done
# The modules kTLS needs and what they depend on, with the index files.
mods="$tree/lib/modules/$version"
cp "$mods"/modules.* "$root/lib/modules/$version/"
for module in "${MODULES[@]}"; do
  for path in $(modprobe -d "$tree" -S "$version" --show-depends "$module" 2>/dev/null |
                awk '/^insmod/ { print $2 }'); do
    mkdir -p "$root/$(dirname "${path#"$tree"}")"
    cp "$path" "$root/${path#"$tree"}"
  done
done
cp "$BINARY" "$root/test/binary"
# Shared libraries, flat, found through LD_LIBRARY_PATH; the loader where
# the binary expects it.
interpreter=$(readelf -l "$BINARY" | awk -F'[][]' '/interpreter/ { print $2 }' | awk '{ print $NF }')
mkdir -p "$root/$(dirname "$interpreter")"
cp -L "$interpreter" "$root/$interpreter"
for program in "${EXTRA[@]}"; do cp -L "$program" "$root/bin/"; done
for file in "${FILES[@]}"; do
  mkdir -p "$root/$(dirname "$file")"
  cp -L "$file" "$root/$file"
done
for object in "$BINARY" "${EXTRA[@]}" "${FILES[@]}"; do
  ldd "$object" | awk '/=> \// { print $3 }' | while read -r lib; do
    cp -L "$lib" "$root/vmlib/"
  done
done
{
  echo '#!/bin/sh'
  echo 'echo RINGWAY_VM_INIT'
  echo 'mount -t proc proc /proc; mount -t sysfs sys /sys'
  echo 'mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp'
  echo 'echo /bin/modprobe > /proc/sys/kernel/modprobe'
  echo "for m in ${MODULES[*]}; do modprobe \$m || echo \"modprobe \$m failed\"; done"
  echo 'ifconfig lo 127.0.0.1 up'
  echo 'cd /tmp; export PATH=/bin LD_LIBRARY_PATH=/vmlib'
  printf 'RINGWAY_REQUIRE_KTLS=1 TEST_TMPDIR=/tmp LD_LIBRARY_PATH=/vmlib /test/binary'
  printf ' %q' "$@"
  echo
  echo 'echo "RINGWAY_VM_EXIT=$?"'
  echo 'echo "--- /proc/net/tls_stat"; cat /proc/net/tls_stat'
  echo 'sync; poweroff -f'
} > "$root/init"
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$WORK/initrd.gz"

# --- boot ---
accel=(-accel tcg -cpu "${RINGWAY_VM_CPU:-max}")
if [[ -w /dev/kvm && ! -e /sys/module/kvm_pvm ]]; then
  accel=(-accel kvm -cpu host)
fi
echo "vm: kernel $version, ${accel[*]}"
# A TCG boot can stall before init runs (seen once in CI, on a loaded
# machine: no output at all until the timeout): a boot that has
# not reached init within BOOT_TIMEOUT is killed and started again, up to
# BOOT_TRIES times. The test itself gets the whole TIMEOUT.
attempt=1
while :; do
  timeout "$TIMEOUT" qemu-system-x86_64 "${accel[@]}" -m 1024 -smp 2 \
    -nographic -no-reboot -nic none -monitor none -serial stdio \
    -kernel "$kernel" -initrd "$WORK/initrd.gz" \
    -append "console=ttyS0 quiet panic=-1 rdinit=/init cryptomgr.notests mitigations=off no_timer_check tsc=reliable" \
    < /dev/null > "$WORK/serial.log" 2>&1 &
  qemu=$!
  waited=0
  while kill -0 "$qemu" 2>/dev/null && ! grep -q RINGWAY_VM_INIT "$WORK/serial.log" &&
        ((waited < BOOT_TIMEOUT)); do
    sleep 1
    waited=$((waited + 1))
  done
  if kill -0 "$qemu" 2>/dev/null && ! grep -q RINGWAY_VM_INIT "$WORK/serial.log"; then
    kill "$qemu" 2>/dev/null
    wait "$qemu" 2>/dev/null
    tr -d '\r' < "$WORK/serial.log"
    echo "vm: init not reached after ${BOOT_TIMEOUT}s (boot $attempt of $BOOT_TRIES)"
    ((attempt < BOOT_TRIES)) || exit 1
    attempt=$((attempt + 1))
    continue
  fi
  wait "$qemu"
  status=$?
  break
done
tr -d '\r' < "$WORK/serial.log" | grep -v '^RINGWAY_VM_INIT$'
((status == 124)) && { echo "vm: timed out after ${TIMEOUT}s"; exit 1; }
code=$(tr -d '\r' < "$WORK/serial.log" | sed -n 's/^RINGWAY_VM_EXIT=\([0-9]*\)$/\1/p' | tail -1)
[[ -n "$code" ]] || { echo "vm: the test never finished (qemu exit $status)"; exit 1; }
exit "$code"

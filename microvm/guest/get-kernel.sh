#!/bin/bash
# microvm/guest/get-kernel.sh [DIR] - fetch Debian's 6.1 cloud kernel for the
# microVM tests into DIR (default tests/vm/cache/microvm): vmlinuz-VERSION
# and, unpacked from its payload, vmlinux-VERSION (an ELF that boots faster:
# no decompression).  Needs apt-get (Debian 12's archive) and lz4/xz/zstd.
set -eu -o pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
dir=${1:-$here/../../tests/vm/cache/microvm}
mkdir -p "$dir"
cd "$dir"
# the modules a virtio-fs rootfs needs (modular in Debian's kernels), kept
# beside the kernel as modules-VERSION/kernel/... for the guest's init
vfs_modules="drivers/virtio/virtio_ring.ko drivers/virtio/virtio.ko drivers/virtio/virtio_mmio.ko fs/fuse/fuse.ko fs/fuse/virtiofs.ko"
if ls vmlinux-* >/dev/null 2>&1 && ls -d modules-* >/dev/null 2>&1; then
	echo "get-kernel: $(ls vmlinux-* | tail -1) already there"
	exit 0
fi
pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-6\.1/ {print $2; exit}')
[ -n "$pkg" ] || { echo "get-kernel: no linux-image-6.1*-cloud-amd64 known to apt (apt-get update?)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download "$pkg" >&2)
dpkg-deb -x "$tmp"/*.deb "$tmp/x"
z=$(ls "$tmp"/x/boot/vmlinuz-*)
ver=${z##*/vmlinuz-}
cp "$z" "vmlinuz-$ver"
# bzImage payload: setup_sects at 0x1f1, payload_offset/length at 0x248/0x24c
sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$z" | tr -d ' ')
[ "$sects" = 0 ] && sects=4
off=$(od -An -tu4 -j $((0x248)) -N4 "$z" | tr -d ' ')
len=$(od -An -tu4 -j $((0x24c)) -N4 "$z" | tr -d ' ')
{ tail -c +$(( (sects + 1) * 512 + off + 1 )) "$z" | head -c "$len" || true; } > "$tmp/payload"
magic=$(od -An -tx1 -N4 "$tmp/payload" | tr -d ' ')
case $magic in
02214c18*) lz4 -dc "$tmp/payload" > "$tmp/vmlinux" 2>/dev/null || true ;;
fd377a58*) xz -dc "$tmp/payload" > "$tmp/vmlinux" 2>/dev/null || true ;;
28b52ffd*) zstd -dc "$tmp/payload" > "$tmp/vmlinux" 2>/dev/null || true ;;
1f8b*) gzip -dc "$tmp/payload" > "$tmp/vmlinux" 2>/dev/null || true ;;
*) echo "get-kernel: unknown payload compression $magic; only vmlinuz kept" >&2 ;;
esac
if [ -s "$tmp/vmlinux" ] && [ "$(head -c 4 "$tmp/vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
	mv "$tmp/vmlinux" "vmlinux-$ver"
fi
for m in $vfs_modules; do
	if [ -f "$tmp/x/lib/modules/$ver/kernel/$m" ]; then
		mkdir -p "modules-$ver/kernel/${m%/*}"
		cp "$tmp/x/lib/modules/$ver/kernel/$m" "modules-$ver/kernel/$m"
	fi
done
mkdir -p "modules-$ver"
cp "$tmp/x/lib/modules/$ver/modules.builtin" "modules-$ver/" 2>/dev/null || true
ls -la "$dir"

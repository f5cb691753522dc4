#!/bin/bash
# microvm/guest/bench-virtiofs.sh [N] - boot-to-exit of `true` in skiff's
# microVM with the busybox rootfs shared through virtio-fs (virtiofsd)
# against the same rootfs in the initramfs (cached archive), both through
# skiff-vmm-test, interleaved (A B B A ...); then the same with BIG_MB
# (default 96) MiB more in the rootfs, where the initramfs pays for every
# byte in guest RAM and load time.  Runs where /dev/kvm works (inside
# tests/vm/run):  tests/vm/run microvm/guest/bench-virtiofs.sh 5
# Needs a kernel and its virtio-fs modules in tests/vm/cache/microvm
# (microvm/guest/get-kernel.sh) and /usr/lib/qemu/virtiofsd.
set -u -o pipefail
n=${1:-5}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
VMM=${SKIFF_VMM_TEST:-$repo/${BUILD:-build}/skiff-vmm-test}
[ -x "$VMM" ] || { echo "bench: $VMM not built" >&2; exit 1; }
tmp=$(mktemp -d /tmp/skiff-vfsbench.XXXXXX)
python3 "$repo/tests/vm/kvm-keepalive.py" > "$tmp/keepalive" 2>&1 &
keepalive=$!
trap 'kill $keepalive 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do grep -q ready "$tmp/keepalive" && break; sleep 0.1; done
k=$(ls "$repo"/tests/vm/cache/microvm/vmlinux-* 2>/dev/null | sort -V | tail -1)
[ -n "$k" ] || { echo "bench: no kernel (microvm/guest/get-kernel.sh)" >&2; exit 1; }
cp "$k" "$tmp/"
cp -a "$repo/tests/vm/cache/microvm/modules-${k##*/vmlinux-}" "$tmp/" ||
	{ echo "bench: no modules beside the kernel (microvm/guest/get-kernel.sh)" >&2; exit 1; }
k=$tmp/${k##*/}
r=$tmp/rootfs
mkdir -p "$r/bin" "$r/tmp" "$r/proc" "$r/sys" "$r/dev"
cp /bin/busybox "$r/bin/"
ln -s busybox "$r/bin/true"
ln -s busybox "$r/bin/sh"

now() { date +%s%N; }
virtiofs() { "$VMM" "$@" -F -k "$k" -r "$r" -m 512 -t 120 -- /bin/true; }
initramfs() { "$VMM" "$@" -k "$k" -r "$r" -C "$tmp/cache" -m 512 -t 120 -- /bin/true; }

# bench TITLE: N interleaved rounds of both
bench() {
	declare -A tot best
	for m in virtiofs initramfs; do
		$m >/dev/null 2>&1 || { echo "bench: $m failed" >&2; exit 1; } # warm up, cache built
		tot[$m]=0
		best[$m]=
	done
	for i in $(seq "$n"); do
		if [ $((i % 2)) = 1 ]; then order="virtiofs initramfs"; else order="initramfs virtiofs"; fi
		for m in $order; do
			t0=$(now)
			$m >/dev/null 2>&1 || { echo "bench: $m run $i failed" >&2; exit 1; }
			t=$((($(now) - t0) / 1000000))
			tot[$m]=$((tot[$m] + t))
			[ -n "${best[$m]}" ] && [ "${best[$m]}" -le "$t" ] || best[$m]=$t
			echo "run $i $m ${t} ms"
		done
	done
	echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (in the test VM)"
	# the VMM's own memory beside the guest's (one --debug run each)
	for m in virtiofs initramfs; do
		echo "$1 $m: $($m -d 2>&1 >/dev/null | grep -o 'VMM RSS[^"]*' | tail -1)"
	done
	for m in virtiofs initramfs; do
		echo "$1 $m: mean $((tot[$m] / n)) ms, best ${best[$m]} ms over $n runs"
	done
}

bench "busybox ($(du -sm "$r" | cut -f1) MiB)"
head -c $((${BIG_MB:-96} << 20)) /dev/urandom > "$r/filler"
bench "busybox + ${BIG_MB:-96} MiB"

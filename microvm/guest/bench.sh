#!/bin/bash
# microvm/guest/bench.sh [N] - boot-to-exit time of `true` in skiff's microVM
# against qemu-system-x86_64 -M microvm -accel kvm with the same kernel and
# initramfs, and the VMM's own RSS beside guest memory.  Runs where /dev/kvm
# works (inside tests/vm/run):  tests/vm/run microvm/guest/bench.sh 5
# Needs $BUILD/skiff-vmm-test (make -f Makefile -f microvm/guest/guest.mk)
# and a kernel in tests/vm/cache/microvm (microvm/guest/get-kernel.sh).
set -u -o pipefail
n=${1:-5}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
VMM=${SKIFF_VMM_TEST:-$repo/${BUILD:-build}/skiff-vmm-test}
[ -x "$VMM" ] || { echo "bench: $VMM not built" >&2; exit 1; }
tmp=$(mktemp -d /tmp/skiff-vmbench.XXXXXX)
# one idle KVM VM for the whole run (tests/vm/kvm-keepalive.py says why)
python3 "$repo/tests/vm/kvm-keepalive.py" > "$tmp/keepalive" 2>&1 &
keepalive=$!
trap 'kill $keepalive 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do grep -q ready "$tmp/keepalive" && break; sleep 0.1; done
# kernels copied to tmpfs: the repository is on 9p in the test VM
for k in vmlinuz vmlinux; do
	f=$(ls "$repo"/tests/vm/cache/microvm/$k-* 2>/dev/null | sort -V | tail -1)
	[ -n "$f" ] && cp "$f" "$tmp/$k"
done
[ -f "$tmp/vmlinuz" ] || { echo "bench: no kernel (microvm/guest/get-kernel.sh)" >&2; exit 1; }
r=$tmp/rootfs
mkdir -p "$r/bin" "$r/tmp"
cp /bin/busybox "$r/bin/"
ln -s busybox "$r/bin/true"
ln -s busybox "$r/bin/sh"
"$VMM" -k "$tmp/vmlinuz" -r "$r" -C "$tmp/cache" -O "$tmp/initrd" -- /bin/true || exit 1
cmdline=$("$VMM" -k "$tmp/vmlinuz" -P -- /bin/true)

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }

run_skiff() { # KERNEL
	"$VMM" -k "$1" -r "$r" -C "$tmp/cache" -t 120 -- /bin/true
}
run_qemu() { # KERNEL
	qemu-system-x86_64 -M microvm,pit=off,pic=off,rtc=off -accel kvm -cpu host -m 256 \
		-smp 1 -nodefaults -no-user-config -display none -no-reboot \
		-serial "file:$tmp/q.out" -serial "file:$tmp/q.err" \
		-device isa-debug-exit,iobase=0x501,iosize=1 \
		-kernel "$1" -initrd "$tmp/initrd" -append "$cmdline"
	# isa-debug-exit: status (v << 1) | 1
	[ $? -eq 1 ]
}

bench() { # NAME CMD...
	local name=$1 i t0 t1 tot=0 best=
	shift
	"$@" >/dev/null 2>&1 || { echo "$name: FAILED ($(tail -3 "$tmp/q.err" 2>/dev/null))"; return; }
	for i in $(seq "$n"); do
		t0=$(now)
		"$@" >/dev/null 2>&1 || { echo "$name: run $i failed"; return; }
		t1=$(now)
		t=$(ms "$t0" "$t1")
		tot=$((tot + t))
		[ -z "$best" ] || [ "$t" -lt "$best" ] && best=$t
	done
	printf '%-34s mean %6d ms  best %6d ms  (%d runs)\n' "$name" $((tot / n)) "$best" "$n"
}

echo "boot-to-exit of /bin/true, 1 vCPU, 256 MiB, kernel ${cmdline:0:40}..."
bench "skiff microvm (bzImage)" run_skiff "$tmp/vmlinuz"
[ -f "$tmp/vmlinux" ] && bench "skiff microvm (vmlinux)" run_skiff "$tmp/vmlinux"
bench "qemu -M microvm -accel kvm (bzImage)" run_qemu "$tmp/vmlinuz"
[ -f "$tmp/vmlinux" ] && bench "qemu -M microvm -accel kvm (vmlinux)" run_qemu "$tmp/vmlinux"

echo "memory (max RSS includes the guest RAM the guest touched):"
k=$tmp/vmlinuz
[ -f "$tmp/vmlinux" ] && k=$tmp/vmlinux
"$VMM" -d -k "$k" -r "$r" -C "$tmp/cache" -- /bin/true 2>&1 | grep -o 'VMM RSS.*'
/usr/bin/time -f "skiff microvm: max RSS %M KiB" "$VMM" -k "$k" -r "$r" -C "$tmp/cache" -- /bin/true
/usr/bin/time -f "qemu microvm:  max RSS %M KiB" bash -c "$(declare -f run_qemu); tmp=$tmp cmdline='$cmdline' run_qemu $tmp/vmlinuz"

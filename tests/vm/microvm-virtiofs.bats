#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# tests/vm/microvm-virtiofs.bats - the microVM's rootfs through virtio-fs
# (issue 15): virtiofsd over vhost-user, the guest's root the bundle's
# rootfs.  Runs INSIDE the VM harness (nested /dev/kvm):
#   tests/vm/run bats --tap tests/vm/microvm-virtiofs.bats
#
# The guest kernel and its virtio-fs modules come from
# tests/vm/cache/microvm/ (microvm/guest/get-kernel.sh puts the modules in
# modules-VERSION/ beside the kernel); virtiofsd is Debian's
# /usr/lib/qemu/virtiofsd (qemu-system-common).
# vm-timeout: 900

setup_file() {
	[ "${SKIFF_VM:-}" = 1 ] || return 0
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	# one idle KVM VM for the whole file (tests/vm/kvm-keepalive.py says why)
	if [ -c /dev/kvm ]; then
		python3 "$REPO/tests/vm/kvm-keepalive.py" > "$BATS_FILE_TMPDIR/keepalive" 2>&1 3>&- &
		echo $! > "$BATS_FILE_TMPDIR/keepalive.pid"
		for _ in $(seq 100); do grep -q ready "$BATS_FILE_TMPDIR/keepalive" && break; sleep 0.1; done
	fi
	local r=$BATS_FILE_TMPDIR/rootfs
	mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/proc" "$r/sys" "$r/dev" "$r/root"
	cp /bin/busybox "$r/bin/busybox"
	for a in sh echo cat sleep true false ls grep mount touch id rm; do
		ln -s busybox "$r/bin/$a"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' > "$r/etc/passwd"
	echo 'root:x:0:' > "$r/etc/group"
	# the kernel and its modules, on tmpfs (the repository is on 9p)
	local k
	k=$(ls "$REPO"/tests/vm/cache/microvm/vmlinux-* 2>/dev/null | sort -V | tail -1)
	if [ -n "$k" ]; then
		cp "$k" "$BATS_FILE_TMPDIR/${k##*/}"
		cp -a "$REPO/tests/vm/cache/microvm/modules-${k##*/vmlinux-}" "$BATS_FILE_TMPDIR/" 2>/dev/null || true
	fi
}

setup() {
	[ "${SKIFF_VM:-}" = 1 ] || skip "not inside the test VM (use tests/vm/run)"
	[ -c /dev/kvm ] || skip "no /dev/kvm"
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	SKIFF=${SKIFF:-$REPO/build/skiff}
	case $SKIFF in /*) ;; *) SKIFF=$REPO/$SKIFF ;; esac
	VMM=${SKIFF_VMM_TEST:-$(dirname "$SKIFF")/skiff-vmm-test}
	KERNEL=$(ls "$BATS_FILE_TMPDIR"/vmlinux-* 2>/dev/null | head -1)
	[ -n "$KERNEL" ] || skip "no guest kernel in tests/vm/cache/microvm (run microvm/guest/get-kernel.sh)"
	[ -d "$BATS_FILE_TMPDIR/modules-${KERNEL##*/vmlinux-}" ] ||
		skip "no virtio-fs modules beside the kernel (run microvm/guest/get-kernel.sh again)"
	[ -x /usr/lib/qemu/virtiofsd ] || skip "no /usr/lib/qemu/virtiofsd (qemu-system-common)"
}

teardown() {
	[ -d "${BATS_TEST_TMPDIR:-}/state" ] || return 0
	local id
	for id in $("$SKIFF" --root "$BATS_TEST_TMPDIR/state" list -q 2>/dev/null); do
		timeout -k 5 60 "$SKIFF" --root "$BATS_TEST_TMPDIR/state" delete --force "$id" || true
	done
}

teardown_file() {
	[ -f "${BATS_FILE_TMPDIR:-}/keepalive.pid" ] || return 0
	kill "$(cat "$BATS_FILE_TMPDIR/keepalive.pid")" 2>/dev/null || true
}

# bundle DIR ARGS...: a bundle of its own (a copy of the busybox rootfs)
# running ARGS in the VM.
bundle() {
	local d=$1
	shift
	mkdir -p "$d"
	cp -a "$BATS_FILE_TMPDIR/rootfs" "$d/rootfs"
	(cd "$d" && "$SKIFF" spec)
	local args
	args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	jq --argjson a "$args" --arg k "$KERNEL" \
		'.process.args = $a | .process.terminal = false | .root.readonly = false |
		 .annotations["org.skiff.vm.kernel"] = $k | .annotations["org.skiff.vm.timeout"] = "120"' \
		"$d/config.json" > "$d/config.json.new"
	mv "$d/config.json.new" "$d/config.json"
}

cfg() {
	jq "$2" "$1/config.json" > "$1/config.json.new"
	mv "$1/config.json.new" "$1/config.json"
}

sk() {
	timeout -k 5 180 "$SKIFF" --root "$BATS_TEST_TMPDIR/state" "$@"
}

# no_virtiofsd: no virtiofsd is left, not even a zombie (a moment for the
# one of a VM that just ended to go)
no_virtiofsd() {
	local i
	for i in $(seq 100); do
		pgrep -x virtiofsd >/dev/null || return 0
		sleep 0.1
	done
	ps -eo pid,ppid,stat,args | grep -E '[v]irtiofsd|PID'
	return 1
}

@test "vmm -F: the rootfs is the guest's / over virtio-fs; a file written there is on the host" {
	local r=$BATS_TEST_TMPDIR/rootfs
	cp -a "$BATS_FILE_TMPDIR/rootfs" "$r"
	run --separate-stderr timeout -k 5 150 "$VMM" -F -k "$KERNEL" -r "$r" -t 120 -- /bin/sh -c \
		'grep " / " /proc/mounts; echo from-the-guest > /root/out; exit 5'
	echo "status=$status out=$output err=$stderr"
	[ "$status" -eq 5 ]
	[[ "$output" == "rootfs / virtiofs rw"* ]]
	[ "$(cat "$r/root/out")" = from-the-guest ]
	no_virtiofsd
}

@test "vmm -F -R: read-only, a write fails in the guest" {
	local r=$BATS_TEST_TMPDIR/rootfs
	cp -a "$BATS_FILE_TMPDIR/rootfs" "$r"
	run --separate-stderr timeout -k 5 150 "$VMM" -F -R -k "$KERNEL" -r "$r" -t 120 -- /bin/sh -c \
		'cat /etc/passwd; echo x > /root/out && echo wrote; echo status $?'
	echo "status=$status out=$output err=$stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == "root:x:0:0:"*"status 1" ]]
	[[ "$stderr" == *"Read-only file system"* ]]
	[ ! -e "$r/root/out" ]
	no_virtiofsd
}

@test "run --vm: the container's writes land in the bundle's rootfs; no virtiofsd after" {
	local b=$BATS_TEST_TMPDIR/b
	bundle "$b" /bin/sh -c 'grep " / " /proc/mounts; echo hello > /root/written; mkdir /root/d; echo done'
	run --separate-stderr sk run --vm -b "$b" vfs1-$$
	echo "status=$status out=$output err=$stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == "rootfs / virtiofs rw"*"done" ]]
	[ "$(cat "$b/rootfs/root/written")" = hello ]
	[ -d "$b/rootfs/root/d" ]
	# the fallback's notice is not there
	[[ "$stderr" != *"initramfs"* ]]
	no_virtiofsd
}

@test "run --vm: the config's tmpfs mounts are made in the guest; what is written there stays in the VM" {
	local b=$BATS_TEST_TMPDIR/b
	bundle "$b" /bin/sh -c 'grep " /run/x " /proc/mounts; echo t > /run/x/f; cat /run/x/f; ls -ld /run/x | cut -c1-10'
	cfg "$b" '.mounts += [{"destination": "/run/x", "type": "tmpfs", "source": "tmpfs",
		"options": ["nosuid", "nodev", "rprivate", "size=1m", "mode=700"]}]'
	run --separate-stderr sk run --vm -b "$b" vfs7-$$
	echo "status=$status out=$output err=$stderr"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "tmpfs /run/x tmpfs rw,nosuid,nodev,"*"size=1024k,mode=700"*" 0 0" ]]
	[ "${lines[1]}" = t ]
	[ "${lines[2]}" = drwx------ ]
	[ -d "$b/rootfs/run/x" ]
	[ ! -e "$b/rootfs/run/x/f" ]
}

@test "run --vm: a tmpfs mount the guest cannot make fails the run with its path" {
	local b=$BATS_TEST_TMPDIR/b
	bundle "$b" /bin/sh -c 'echo ran'
	cfg "$b" '.mounts += [{"destination": "/run/y", "type": "tmpfs", "source": "tmpfs",
		"options": ["size=nonsense"]}]'
	run --separate-stderr sk run --vm -b "$b" vfs8-$$
	echo "status=$status out=$output err=$stderr"
	[ "$status" -eq 255 ]
	[ -z "$output" ]
	[[ "$stderr" == *"skiff-init: /run/y: Invalid argument"* ]]
}

@test "run --vm: root.readonly makes the container's writes fail" {
	local b=$BATS_TEST_TMPDIR/b
	bundle "$b" /bin/sh -c 'cat /etc/group; touch /root/nope; echo touch=$?'
	cfg "$b" '.root.readonly = true'
	run --separate-stderr sk run --vm -b "$b" vfs2-$$
	echo "status=$status out=$output err=$stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "root:x:0:
touch=1" ]
	[[ "$stderr" == *"Read-only file system"* ]]
	[ ! -e "$b/rootfs/root/nope" ]
	no_virtiofsd
}

@test "run -d --vm: virtiofsd runs with the container; kill and delete leave none" {
	local b=$BATS_TEST_TMPDIR/b id=vfs3-$$ i
	bundle "$b" /bin/sh -c 'echo up > /root/up; exec sleep 1000'
	sk run -d --vm -b "$b" $id >/dev/null
	for i in $(seq 600); do
		[ -e "$b/rootfs/root/up" ] && break
		sleep 0.2
	done
	[ -e "$b/rootfs/root/up" ]
	# virtiofsd is the VMM's child; its socket is gone from the state dir
	local pid
	pid=$(sk state $id | jq -r .pid)
	pgrep -P "$pid" -x virtiofsd
	[ -d "$BATS_TEST_TMPDIR/state/$id" ]
	[ ! -e "$BATS_TEST_TMPDIR/state/$id/virtiofsd.sock" ]
	sk kill $id KILL
	for i in $(seq 100); do
		[ "$(sk state $id | jq -r .status)" = stopped ] && break
		sleep 0.2
	done
	sk delete $id
	no_virtiofsd
}

@test "run -d --vm: virtiofsd killed under a running guest ends the VM with a message" {
	local b=$BATS_TEST_TMPDIR/b id=vfs5-$$ i
	bundle "$b" /bin/sh -c 'echo up > /root/up; exec sleep 1000'
	sk run -d --vm -b "$b" $id >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	for i in $(seq 600); do
		[ -e "$b/rootfs/root/up" ] && break
		sleep 0.2
	done
	[ -e "$b/rootfs/root/up" ]
	local pid fsd
	pid=$(sk state $id | jq -r .pid)
	fsd=$(pgrep -P "$pid" -x virtiofsd)
	kill -KILL "$fsd"
	for i in $(seq 300); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	cat "$BATS_TEST_TMPDIR/err"
	run ! kill -0 "$pid"
	[ "$(sk state $id | jq -r .status)" = stopped ]
	grep -q 'skiff: microvm: virtio-fs: virtiofsd ended' "$BATS_TEST_TMPDIR/err"
	sk delete $id
	[ ! -e "$BATS_TEST_TMPDIR/state/$id" ]
	no_virtiofsd
}

@test "run --vm: a virtiofsd that ends at once fails the run with one clear line; nothing left" {
	local b=$BATS_TEST_TMPDIR/b id=vfs6-$$
	bundle "$b" /bin/sh -c 'echo x > /root/ran'
	cfg "$b" '.annotations["org.skiff.vm.virtiofsd"] = "/bin/false"'
	run --separate-stderr sk run --vm -b "$b" $id
	echo "status=$status out=$output err=$stderr"
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == *"virtio-fs: vhost-user GET_FEATURES"* ]]
	[ ! -e "$b/rootfs/root/ran" ]
	[ ! -e "$BATS_TEST_TMPDIR/state/$id" ]
	no_virtiofsd
}

@test "run --vm: without virtiofsd, one notice and the initramfs (writes stay in the VM)" {
	local b=$BATS_TEST_TMPDIR/b
	bundle "$b" /bin/sh -c 'grep -c virtiofs /proc/mounts; echo x > /root/lost; echo ran'
	cfg "$b" '.annotations["org.skiff.vm.virtiofsd"] = "/nonexistent/virtiofsd"'
	run --separate-stderr sk run --vm -b "$b" vfs4-$$
	echo "status=$status out=$output err=$stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "0
ran" ]
	[ "$(grep -c initramfs <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == *"no virtiofsd at /nonexistent/virtiofsd"* ]]
	[ ! -e "$b/rootfs/root/lost" ]
}

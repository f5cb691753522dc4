#!/usr/bin/env bats
# Real clients drive skiff: Podman (through conmon) and containerd's runc
# shim (ctr run --runc-binary), with the command lines they really send.
# The sandbox this runs in lacks CAP_SYS_RESOURCE, so Podman's default
# rlimits (nofile/nproc 1048576) cannot be raised by any runtime: the
# tests pass explicit ulimits.

# The clients' own parent cgroups (containerd's /default, Podman's
# /libpod_parent with its conmon child) outlive their containers, as with
# runc; the ones this file made are removed again in teardown_file.
CLIENT_CGROUPS="default libpod_parent"

client_cgroups_present() {
	local d n
	for n in $CLIENT_CGROUPS; do
		for d in /sys/fs/cgroup/*/"$n" /sys/fs/cgroup/"$n"; do
			[ -d "$d" ] && echo "$d"
		done
	done
	return 0
}

# The hybrid host's cgroup2 root: the clients may enable controllers there
# (seen: +hugetlb); teardown_file puts it back as it was.
UNIFIED=/sys/fs/cgroup/unified

remove_client_cgroups() {
	local d c i
	for d in $(client_cgroups_present); do
		grep -qxF "$d" "$BATS_FILE_TMPDIR/cgroups-before" && continue
		# conmon and the shims may take a moment to leave them
		for i in $(seq 50); do
			find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
			[ -d "$d" ] || break
			sleep 0.1
		done
		[ -d "$d" ] && echo "teardown: could not remove $d" >&2
	done
	[ -f "$BATS_FILE_TMPDIR/subtree-before" ] || return 0
	for c in $(cat "$UNIFIED/cgroup.subtree_control"); do
		grep -qw "$c" "$BATS_FILE_TMPDIR/subtree-before" ||
			echo "-$c" > "$UNIFIED/cgroup.subtree_control" ||
			echo "teardown: could not disable $c in $UNIFIED" >&2
	done
}

setup_file() {
	export SKIFF=${SKIFF:-$BATS_TEST_DIRNAME/../../build/skiff}
	client_cgroups_present > "$BATS_FILE_TMPDIR/cgroups-before"
	[ ! -f "$UNIFIED/cgroup.subtree_control" ] ||
		cat "$UNIFIED/cgroup.subtree_control" > "$BATS_FILE_TMPDIR/subtree-before"
	export IMG=localhost/skiff-test-busybox:latest
	local dir=$BATS_FILE_TMPDIR/img
	"$BATS_TEST_DIRNAME/../make-demo-bundle" "$dir" >/dev/null
	tar -C "$dir/rootfs" -cf "$dir/rootfs.tar" .
	if command -v podman >/dev/null; then
		podman import "$dir/rootfs.tar" "$IMG" >/dev/null
	fi
	export ROOTFS=$dir/rootfs
	export CTRD=$BATS_FILE_TMPDIR/ctrd
	if command -v containerd >/dev/null; then
		mkdir -p "$CTRD"
		containerd --root "$CTRD/root" --state "$CTRD/state" --address "$CTRD/sock" \
			>"$CTRD/log" 2>&1 &
		echo $! > "$CTRD/pid"
		for _ in $(seq 50); do [ -S "$CTRD/sock" ] && break; sleep 0.1; done
	fi
}

teardown_file() {
	if command -v podman >/dev/null; then
		podman rm -f -a >/dev/null 2>&1 || true
		podman rmi -f "$IMG" >/dev/null 2>&1 || true
	fi
	if [ -f "$CTRD/pid" ]; then
		kill "$(cat "$CTRD/pid")" 2>/dev/null || true
		pkill -f "containerd-shim.*$CTRD" 2>/dev/null || true
		sleep 0.5
	fi
	remove_client_cgroups
}

podman_skiff() {
	timeout 60 podman --runtime "$SKIFF" "$@"
}

ULIM="--ulimit nofile=1024:1024 --ulimit nproc=4096:4096"

@test "podman run through skiff prints output and returns the exit status" {
	command -v podman >/dev/null || skip "podman not installed"
	run podman_skiff run --rm --network none $ULIM "$IMG" sh -c 'echo hello-podman; exit 3'
	[ "$status" -eq 3 ]
	[[ "$output" == *hello-podman* ]]
}

@test "podman run -d, exec, exec -t, pause, unpause, stop, rm through skiff" {
	command -v podman >/dev/null || skip "podman not installed"
	run podman_skiff run -d --name skiff-test-p1 --network none $ULIM "$IMG" sleep 300
	[ "$status" -eq 0 ]
	run podman_skiff exec skiff-test-p1 sh -c 'echo in-exec; cat /proc/1/cmdline'
	[ "$status" -eq 0 ]
	[[ "$output" == *in-exec*sleep* ]]
	run podman_skiff exec -t skiff-test-p1 tty
	[ "$status" -eq 0 ]
	[[ "$output" == */dev/pts/* ]]
	run podman_skiff pause skiff-test-p1
	[ "$status" -eq 0 ]
	run podman inspect -f '{{.State.Status}}' skiff-test-p1
	[ "$output" = paused ]
	run podman_skiff unpause skiff-test-p1
	[ "$status" -eq 0 ]
	run podman_skiff stop -t 1 skiff-test-p1
	[ "$status" -eq 0 ]
	run podman_skiff rm skiff-test-p1
	[ "$status" -eq 0 ]
	[ -z "$(ls /run/skiff | grep -v -e seccomp-cache -e networks -e numa.ledger -e criu.check)" ]
}

@test "ctr run --runc-binary skiff: run, detached task, exec, kill, rm" {
	command -v containerd >/dev/null || skip "containerd not installed"
	local A="--address $CTRD/sock"
	run timeout 60 ctr $A run --rm --runc-binary "$SKIFF" --rootfs "$ROOTFS" skiff-test-c1 \
		sh -c 'echo hello-containerd'
	[ "$status" -eq 0 ]
	[[ "$output" == *hello-containerd* ]]
	run timeout 60 ctr $A run -d --runc-binary "$SKIFF" --rootfs "$ROOTFS" skiff-test-c2 sleep 100
	[ "$status" -eq 0 ]
	# ctr attaches to the exec's fifos after starting it and may miss a
	# very short process's output under load: up to 3 tries for the text
	local seen=no
	for i in 1 2 3; do
		run timeout 30 ctr $A task exec --exec-id e$i skiff-test-c2 sh -c 'echo in-c2'
		[ "$status" -eq 0 ]
		if [[ "$output" == *in-c2* ]]; then seen=yes; break; fi
	done
	[ "$seen" = yes ]
	run timeout 30 ctr $A task kill -s 9 skiff-test-c2
	[ "$status" -eq 0 ]
	for _ in $(seq 50); do
		timeout 10 ctr $A task ls | grep -q 'skiff-test-c2.*STOPPED' && break
		sleep 0.1
	done
	run timeout 30 ctr $A task rm skiff-test-c2
	[ "$status" -eq 0 ]
	run timeout 30 ctr $A container rm skiff-test-c2
	[ "$status" -eq 0 ]
}

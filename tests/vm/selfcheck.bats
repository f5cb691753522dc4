#!/usr/bin/env bats
# tests/vm/selfcheck.bats - the VM has what the VM tests rely on.
# Runs INSIDE the VM: tests/vm/run bats --tap tests/vm/selfcheck.bats

setup() {
	[ "${SKIFF_VM:-}" = 1 ] || skip "not inside the test VM (use tests/vm/run)"
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
}

@test "cgroup2 alone at /sys/fs/cgroup with cpu cpuset memory pids enabled" {
	[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]
	# no v1 hierarchy anywhere
	run grep -E '^[^ ]+ [^ ]+ cgroup ' /proc/mounts
	[ "$status" -ne 0 ]
	for c in cpu cpuset memory pids; do
		grep -qw "$c" /sys/fs/cgroup/cgroup.controllers
		grep -qw "$c" /sys/fs/cgroup/cgroup.subtree_control
	done
}

@test "two NUMA nodes with one CPU each" {
	[ -d /sys/devices/system/node/node0 ]
	[ -d /sys/devices/system/node/node1 ]
	[ "$(cat /sys/devices/system/node/node0/cpulist)" = 0 ]
	[ "$(cat /sys/devices/system/node/node1/cpulist)" = 1 ]
	grep -q 'MemTotal: *[1-9]' /sys/devices/system/node/node1/meminfo
}

@test "/dev/kvm answers KVM_GET_API_VERSION and KVM_CREATE_VM and runs guest code" {
	[ -c /dev/kvm ]
	cc -std=gnu11 -Wall -Wextra -Werror -o "$BATS_TEST_TMPDIR/kvmcheck" "$REPO/tests/vm/kvmcheck.c"
	run "$BATS_TEST_TMPDIR/kvmcheck"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"KVM_CREATE_VM ok"* ]]
	[[ "$output" == *"guest halted"* ]]
}

@test "criu check passes" {
	run criu check
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Looks good"* ]]
}

@test "the repository is shared read-write and SKIFF points into it" {
	[ -n "${SKIFF:-}" ]
	[[ "$SKIFF" == /* ]]
	f=$REPO/tests/vm/cache/.selfcheck.$$
	echo hello >"$f"
	[ "$(cat "$f")" = hello ]
	rm -f "$f"
}

@test "the root is a tmpfs overlay over the host's read-only /" {
	[ "$(stat -f -c %T /)" = overlayfs ]
	touch /etc/skiff-vm-selfcheck
	rm /etc/skiff-vm-selfcheck
	[ "$(stat -f -c %T /tmp)" = tmpfs ]
}

#!/usr/bin/env bats
# tests/vm/podman-criu.bats - Podman's checkpoint and restore through skiff
# (Podman -> skiff checkpoint; Podman -> conmon -> skiff restore), where
# criu works.  Podman runs with its own storage (vfs) and run directories
# under the test's temporary directory, the cgroupfs manager, no network,
# and an image imported from the demo rootfs (no registry).  Runs INSIDE
# the VM:
#   tests/vm/run --timeout 1500 -- bats --tap tests/vm/podman-criu.bats
# vm-timeout: 1500

bats_require_minimum_version 1.5.0
load ../bats/helpers

IMG=localhost/skiff-criu-busybox:latest

setup_file() {
	[ "${SKIFF_VM:-}" = 1 ] || skip "not inside the test VM (use tests/vm/run)"
	command -v podman >/dev/null || skip "podman not installed"
	skiff_setup_file
	export PT=$BATS_FILE_TMPDIR/podman
	mkdir -p "$PT"
	tar -C "$BATS_FILE_TMPDIR/demo/rootfs" -cf "$PT/rootfs.tar" .
	pm import "$PT/rootfs.tar" "$IMG" >/dev/null
}

teardown_file() {
	[ -n "${PT:-}" ] || return 0
	pm rm -f -a >/dev/null 2>&1 || true
	pm rmi -f -a >/dev/null 2>&1 || true
}

setup() {
	[ "${SKIFF_VM:-}" = 1 ] || skip "not inside the test VM (use tests/vm/run)"
	command -v podman >/dev/null || skip "podman not installed"
	skiff_setup
}

teardown() {
	pm rm -f -a >/dev/null 2>&1 || true
	skiff_teardown
}

# pm ARGS...: Podman on its own storage, with skiff as the runtime (its
# debug log, and skiff's, in $PT/*.log for a failing test).
pm() {
	timeout 600 podman --root "$PT/storage" --runroot "$PT/run" --tmpdir "$PT/tmp" \
		--storage-driver vfs --cgroup-manager cgroupfs --events-backend file \
		--runtime "$SKIFF" "$@"
}

# A container printing a count held in memory, one line each tick, on
# its stdout: a pipe to conmon, so the log goes on only if the restored
# container got conmon's new pipe.
run_counter() {
	pm run -d --name "$1" --network none --log-driver k8s-file "$IMG" \
		sh -c 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.3; done' >/dev/null
}

last_count() {
	pm logs "$1" 2>/dev/null | tail -n 1
}
count_above() {
	local n
	n=$(last_count "$1")
	[ -n "$n" ] && [ "$n" -gt "$2" ]
}
# the log counts up without a restart (a restored copy starting again
# from 1 would repeat numbers), whether or not it holds the lines from
# before the checkpoint
counts_up() {
	pm logs "$1" | awk 'NR > 1 && $1 <= prev { bad = 1 } { prev = $1 } END { exit bad }'
}
wait_count_above() {
	local i
	for i in $(seq 1 100); do
		count_above "$1" "$2" && return 0
		sleep 0.2
	done
	echo "the count of $1 is stuck at $(last_count "$1"), not above $2" >&2
	return 1
}

@test "podman: skiff's checkpoint --help tells Podman that checkpointing works" {
	run "$SKIFF" checkpoint --help
	[ "$status" -eq 0 ]
	run "$SKIFF" restore --help
	[ "$status" -eq 0 ]
	assert_contains "$output" "--lsm-mount-context"
}

# --export then --import: the imported container's spec is made anew
# (another bundle, other bind sources, mounts of its own), which restore's
# config check (criu/confmatch.c) accepts as long as every bind mount the
# images hold as external is there.
@test "podman: container checkpoint --export, rm, container restore --import" {
	run_counter skiff-ckx
	wait_count_above skiff-ckx 5
	run pm container checkpoint --export "$PT/ckx.tar.gz" skiff-ckx
	echo "$output"
	[ "$status" -eq 0 ]
	[ -s "$PT/ckx.tar.gz" ]
	at=$(last_count skiff-ckx)
	pm rm -f skiff-ckx >/dev/null
	run pm container restore --import "$PT/ckx.tar.gz"
	echo "$output"
	[ "$status" -eq 0 ]
	run pm inspect -f '{{.State.Status}}' skiff-ckx
	assert_eq "$output" running
	# the imported container's log starts empty: it counts on from $at
	for i in $(seq 1 100); do
		n=$(last_count skiff-ckx)
		[ -n "$n" ] && break
		sleep 0.2
	done
	[ "$n" -gt "$at" ]
	counts_up skiff-ckx
	pm rm -f skiff-ckx >/dev/null
}

@test "podman: container checkpoint (kept locally) and restore by name" {
	run_counter skiff-ck2
	wait_count_above skiff-ck2 5
	run pm container checkpoint skiff-ck2
	echo "$output"
	[ "$status" -eq 0 ]
	at=$(last_count skiff-ck2)
	run pm container restore skiff-ck2
	echo "$output"
	[ "$status" -eq 0 ]
	run pm inspect -f '{{.State.Status}}' skiff-ck2
	assert_eq "$output" running
	wait_count_above skiff-ck2 "$at"
	counts_up skiff-ck2
	pm rm -f skiff-ck2 >/dev/null
}

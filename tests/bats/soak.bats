#!/usr/bin/env bats
# soak.bats - crash recovery: skiff commands SIGKILLed at random moments
# leave nothing that `delete -f` (or a later create of the same ID) cannot
# find and remove; `delete -f` racing `create` of the same ID.  Every round
# ends with tests/leak-audit (state dirs, cgroups in every hierarchy,
# mounts, processes, veths, netns, nft rules, leases, NUMA ledger).
# Bounded: about 60 s in all.  Needs root, iproute2 and nftables.
bats_require_minimum_version 1.5.0

load helpers
load soak_helpers

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	command -v ip >/dev/null && command -v nft >/dev/null || skip "needs iproute2 and nftables"
	skiff_setup_file
}

setup() {
	soak_setup
	soak_bundle
}

teardown() {
	soak_teardown
}

@test "soak: SIGKILL of create/start/exec/delete at 0-30 ms, then delete -f: the leak audit finds nothing" {
	soak_run "${SKIFF_SOAK_SECONDS:-35}" 400
}

@test "a create SIGKILLed at a random moment: a later create of the same ID works, and delete -f leaves nothing" {
	soak_kill_create_rounds 25
}

@test "delete -f: partial remains are removed (status 0, silent); nothing at all: status 0, silent (as runc and crun)" {
	# a create killed just after it claimed the ID leaves at most this
	mkdir -p "$ROOT/$ID"
	run skn delete -f "$ID"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ ! -e "$ROOT/$ID" ]
	run skn delete -f "$ID"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# without --force it is an error
	run skn delete "$ID"
	[ "$status" -eq 1 ]
	assert_single_line_error "$ID" "does not exist"
	soak_audit "$ID"
}

@test "delete -f racing create of the same ID: the create works or fails cleanly; the loser says it is being created" {
	local i id out
	for i in $(seq 1 30); do
		id=$ID-x$i
		SOAK_IDS+=("$id")
		nsenter --net="/var/run/netns/$NETNS" "$SKIFF" --root "$ROOT" create -b "$BUNDLE" "$id" \
			</dev/null >"$BATS_TEST_TMPDIR/c.out" 2>&1 &
		local cpid=$!
		soak_sleep
		run skn delete -f "$id"
		if [ "$status" -ne 0 ]; then
			assert_single_line_error "$id"
			if [[ "$output" != *"is being created"* && "$output" != *"does not exist"* ]]; then
				echo "delete -f: $output" >&2
				return 1
			fi
		fi
		local crc=0
		wait "$cpid" || crc=$?
		out=$(cat "$BATS_TEST_TMPDIR/c.out")
		if [ $crc -ne 0 ]; then
			# the create lost: one line saying why, nothing confusing
			if [ "$(printf '%s\n' "$out" | grep -c .)" -ne 1 ] ||
				[[ "$out" != *"$id"* ]] || [[ "$out" == *fifo* || "$out" == *state.json* || "$out" == *"No such file"* ]]; then
				echo "create lost with: $out" >&2
				return 1
			fi
		fi
		run skn delete -f "$id"
		soak_audit "$id"
	done
}

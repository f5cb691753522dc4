#!/usr/bin/env bats
# tests/vm/soak.bats - the crash soak of tests/bats/soak.bats on pure
# cgroup v2 (clone3 into the cgroup, one directory, cgroup.kill), shorter:
# skiff commands SIGKILLed at 0-30 ms, delete -f, tests/leak-audit after
# each.  Runs INSIDE the VM, in one boot:
#   tests/vm/run --timeout 900 bats --tap tests/vm/soak.bats
bats_require_minimum_version 1.5.0

load ../bats/helpers
load ../bats/soak_helpers

setup_file() {
	[ "${SKIFF_VM:-}" = 1 ] || skip "not inside the test VM (use tests/vm/run)"
	skiff_setup_file
}

setup() {
	[ "${SKIFF_VM:-}" = 1 ] || skip "not inside the test VM (use tests/vm/run)"
	[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || skip "no cgroup v2 at /sys/fs/cgroup"
	soak_setup
	soak_bundle
}

teardown() {
	soak_teardown
}

@test "v2 soak: SIGKILL of create/start/exec/delete at 0-30 ms, then delete -f: the leak audit finds nothing" {
	soak_run "${SKIFF_SOAK_SECONDS:-240}" 30
}

@test "v2: a create SIGKILLed at a random moment: a later create of the same ID works, delete -f leaves nothing" {
	local i id
	for i in $(seq 1 6); do
		id=$ID-r$i
		SOAK_IDS+=("$id")
		soak_kill create -b "$BUNDLE" "$id"
		if ! skn create -b "$BUNDLE" "$id" </dev/null >"$BATS_TEST_TMPDIR/c.out" 2>&1; then
			# fine only when the killed create had finished (state.json saved)
			local created=no
			grep -q "already exists" "$BATS_TEST_TMPDIR/c.out" &&
				skn state "$id" | grep -q '"status": "created"' && created=yes
			if [ "$created" != yes ]; then
				echo "create $id after a killed create: $(cat "$BATS_TEST_TMPDIR/c.out")" >&2
				return 1
			fi
		fi
		skn delete -f "$id"
		soak_audit "$id"
	done
}

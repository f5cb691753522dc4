#!/usr/bin/env bats
# tests/vm/soak.bats - the crash soak of tests/bats/soak.bats on pure
# cgroup v2 (clone3 into the cgroup, one directory, cgroup.kill), shorter:
# skiff commands SIGKILLed at 0-30 ms, delete -f, tests/leak-audit after
# each.  Runs INSIDE the VM, in one boot:
#   tests/vm/run --timeout 900 bats --tap tests/vm/soak.bats
bats_require_minimum_version 1.5.0

load ../bats/helpers
load ../bats/soak_helpers

setup_file() { vm_setup_file; }

setup() {
	vm_only
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
	soak_kill_create_rounds 6
}

#!/usr/bin/env bats
# testsuite.bats - the test harness itself: what tests/run-all, tests/vm/check,
# tests/ci-all and .ci/run count, and tests/lint-bats.  Fixture bats files
# are written into the test's own directory and run through the real
# scripts (no VM: tests/vm/check gets a stand-in for tests/vm/run).

bats_require_minimum_version 1.5.0
load helpers

setup() {
	FX=$BATS_TEST_TMPDIR/fx
	mkdir -p "$FX"
	# a pass and a skip
	printf '@test "a" { true; }\n@test "b" { skip "not here"; }\n' >"$FX/skip.bats"
	# stops early: the second test kills bats itself (plan 3, ran 1)
	printf '@test "a" { true; }\n@test "b" { kill -KILL "$BATS_ROOT_PID"; sleep 5; }\n@test "c" { true; }\n' \
		>"$FX/early.bats"
	# only passes
	printf '@test "a" { true; }\n' >"$FX/pass.bats"
}

# last_line: the last line of $output
last_line() {
	printf '%s\n' "$output" | tail -1
}

@test "run-all: a skipped test is counted as skipped, not passed" {
	run env SKIFF_SKIP_UNIT=1 SKIFF_BATS="$FX/skip.bats $FX/pass.bats" "$SKIFF_TOP/tests/run-all"
	# 2 bats passes + tests/lint-bats + tests/check-layers + tests/check-format
	assert_eq "$(last_line)" "5 passed, 0 failed, 1 skipped"
	[ "$status" -eq 0 ]
}

@test "run-all: a bats file that stops before its plan is a failure" {
	run env SKIFF_SKIP_UNIT=1 SKIFF_BATS="$FX/early.bats $FX/pass.bats" "$SKIFF_TOP/tests/run-all"
	[ "$status" -ne 0 ]
	assert_eq "$(last_line)" "5 passed, 1 failed, 0 skipped"
	assert_contains "$output" "planned 3 tests, ran 1"
}

@test "tap-count: a program that exits non-zero with only passes is a failure" {
	pass=0 fail=0 skip=0
	. "$SKIFF_TOP/tests/tap-count.bash"
	printf '1..2\nok 1 a\nok 2 b # SKIP why\n' >"$FX/t.tap"
	tap_count t "$FX/t.tap" 0
	assert_eq "$(tap_summary)" "1 passed, 0 failed, 1 skipped"
	tap_count t "$FX/t.tap" 3
	assert_eq "$(tap_summary)" "2 passed, 1 failed, 2 skipped"
	# no plan at all
	printf 'ok 1 a\n' >"$FX/t.tap"
	tap_count t "$FX/t.tap" 0
	assert_eq "$(tap_summary)" "3 passed, 2 failed, 2 skipped"
	# a failure, and bats' "Executed 2 instead of expected 1": counted once
	printf '1..1\nok 1 a\nnot ok 2 teardown_file failed\n' >"$FX/t.tap"
	tap_count t "$FX/t.tap" 1
	assert_eq "$(tap_summary)" "4 passed, 3 failed, 2 skipped"
}

# vm_check_fixture: a copy of tests/vm/check next to a stand-in tests/vm/run
# that runs its command on the host (and fakes the harness's own checks).
vm_check_fixture() {
	local r=$BATS_TEST_TMPDIR/repo
	mkdir -p "$r/tests/vm"
	cp "$SKIFF_TOP/tests/vm/check" "$r/tests/vm/check"
	cat >"$r/tests/vm/run" <<'EOF'
#!/bin/bash
[ "$1" = --timeout ] && shift 2
case "$*" in
*skiff-vm-probe*) echo to-stdout; echo to-stderr >&2; exit 7 ;;
esac
exec "$@"
EOF
	chmod +x "$r/tests/vm/run"
	cp "$FX"/*.bats "$r/tests/vm/"
	VMREPO=$r
}

@test "vm/check: skips are counted apart; a file that stops early is a failure" {
	vm_check_fixture
	run env SKIFF_VM_BATS="$VMREPO/tests/vm/skip.bats $VMREPO/tests/vm/pass.bats" \
		"$VMREPO/tests/vm/check"
	# 4 harness checks + 2 passes
	assert_eq "$(last_line)" "# vm: 6 passed, 0 failed, 1 skipped"
	[ "$status" -eq 0 ]
	run env SKIFF_VM_BATS="$VMREPO/tests/vm/early.bats" "$VMREPO/tests/vm/check"
	[ "$status" -ne 0 ]
	assert_eq "$(last_line)" "# vm: 5 passed, 1 failed, 0 skipped"
}

@test ".ci/run: the last line counts skips, and a failed make is a failure" {
	local r=$BATS_TEST_TMPDIR/ci
	mkdir -p "$r/tests" "$r/.ci"
	cp "$SKIFF_TOP/.ci/run" "$r/.ci/run"
	printf '#!/bin/sh\nexit 0\n' >"$r/tests/install-deps"
	chmod +x "$r/tests/install-deps"
	printf 'test:\n\t@echo "7 passed, 0 failed, 2 skipped"\n\t@exit 2\n' >"$r/Makefile"
	run "$r/.ci/run"
	[ "$status" -ne 0 ]
	assert_eq "$(last_line)" "7 passed, 1 failed, 2 skipped"
	printf 'test:\n\t@echo "7 passed, 0 failed, 2 skipped"\n' >"$r/Makefile"
	run "$r/.ci/run"
	[ "$status" -eq 0 ]
	assert_eq "$(last_line)" "7 passed, 0 failed, 2 skipped"
}

@test "lint-bats: a bare negated command is rejected, run ! and conditions are not" {
	local d=$BATS_TEST_TMPDIR/lint
	mkdir -p "$d"
	printf '@test "x" {\n\trun ! false\n\tif true && ! false; then :; fi\n\tcat <<EOF\n! text\nEOF\n}\n' >"$d/good.bats"
	run "$SKIFF_TOP/tests/lint-bats" "$d"
	[ "$status" -eq 0 ]
	printf '@test "x" {\n\t! true\n\ttrue && ! true\n\ttrue\n}\n' >"$d/bad.bats"
	printf 'f() {\n\t! true\n\ttrue\n}\n' >"$d/bad.bash"
	run "$SKIFF_TOP/tests/lint-bats" "$d"
	[ "$status" -ne 0 ]
	assert_contains "$output" "bad.bats:2:"
	assert_contains "$output" "bad.bats:3:"
	assert_contains "$output" "bad.bash:2:"
	# and the tree itself is clean
	run "$SKIFF_TOP/tests/lint-bats"
	[ "$status" -eq 0 ]
}

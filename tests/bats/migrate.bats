#!/usr/bin/env bats
# migrate.bats - `migrate` where no migration can happen: its flags and
# arguments, and on a host where criu cannot work (this project's build
# host) the one-line reason with the container left running.  Migrations
# that work: tests/vm/migrate.bats; the protocol: tests/unit/test_migrate.c.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	skiff_setup_file
}

setup() {
	skiff_setup
}

teardown() {
	skiff_teardown
}

@test "migrate: bad flags and arguments are one line, status 1" {
	run sk migrate
	assert_single_line_error "migrate"
	run sk migrate "$ID"
	assert_single_line_error "migrate"
	run sk migrate --rounds 17 "$ID" tcp://127.0.0.1:7000
	assert_single_line_error "--rounds: 17 is not a number from 0 to 16"
	run sk migrate --format yaml "$ID" tcp://127.0.0.1:7000
	assert_single_line_error "--format: yaml is not text or json"
	run sk migrate --timeout 0 "$ID" tcp://127.0.0.1:7000
	assert_single_line_error "--timeout: must be at least 1 s"
	run sk migrate --receive
	assert_single_line_error "--listen ADDR:PORT is required"
	run sk migrate --listen 127.0.0.1:7000 "$ID" tcp://127.0.0.1:7000
	assert_single_line_error "--listen, --bundle and --console-socket go with --receive"
	run sk migrate --console-socket "$BATS_TEST_TMPDIR/s" "$ID" tcp://127.0.0.1:7000
	assert_single_line_error "--listen, --bundle and --console-socket go with --receive"
	run sk migrate "$ID" http://127.0.0.1:7000
	assert_single_line_error "the target must be tcp://HOST:PORT"
	run sk migrate "$ID" tcp://localhost:7000
	assert_single_line_error "localhost is not a numeric IPv4 or IPv6 address"
	run sk migrate --receive --listen 127.0.0.1:65535
	assert_single_line_error "PORT+1"
	run sk migrate --help
	[ "$status" -eq 0 ]
	assert_contains "$output" "skiff migrate --receive --listen ADDR:PORT"
	[ ! -e "$ROOT/$ID" ]
}

@test "migrate where criu cannot work: criu's reason in one line, the container runs on" {
	command -v criu >/dev/null || skip "criu is not installed"
	if criu check >/dev/null 2>&1; then skip "criu works here (see tests/vm/migrate.bats)"; fi
	run_sleeping "$ID"
	run sk migrate "$ID" tcp://127.0.0.1:7000
	assert_single_line_error "criu cannot checkpoint on this kernel"
	assert_eq "$(state_field "$ID" status)" running
	run sk migrate --receive --listen 127.0.0.1:7000
	assert_single_line_error "criu cannot checkpoint on this kernel"
	[ -z "$(ls -A "$ROOT" | grep '^\.migrate')" ]
}

#!/usr/bin/env bats
# checkpoint.bats - `checkpoint` and `restore` on a host where criu cannot
# work (this project's build host: criu 3.17 and a 6.18 kernel) and what
# needs no criu at all: flags, --help's exit status, the cache of criu's
# answer.  Checkpoint and restore that work: tests/vm/criu.bats.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	skiff_setup_file
}

setup() {
	skiff_setup
	# whether criu works here, as criu itself says
	if criu check >/dev/null 2>&1; then CRIU_OK=1; else CRIU_OK=0; fi
}

teardown() {
	skiff_teardown
}

need_broken_criu() {
	command -v criu >/dev/null || skip "criu is not installed"
	[ "$CRIU_OK" = 0 ] || skip "criu works here (see tests/vm/criu.bats)"
}

@test "checkpoint --help: the usage; status 1 and criu's reason in one line when criu cannot work" {
	need_broken_criu
	run --separate-stderr sk checkpoint --help
	[ "$status" -eq 1 ]
	assert_eq "${lines[0]}" "NAME:"
	assert_contains "$output" "--image-path"
	assert_contains "$output" "--manage-cgroups-mode"
	assert_eq "$(printf '%s\n' "$stderr" | grep -c .)" 1
	[[ "$stderr" == "skiff: criu cannot checkpoint on this kernel: "?* ]]
	# criu's own reason, not a paraphrase
	reason=$(criu check 2>&1 | grep -m1 'Error (' | sed 's/.*): //')
	assert_eq "$stderr" "skiff: criu cannot checkpoint on this kernel: $reason"
	run --separate-stderr sk restore --help
	[ "$status" -eq 1 ]
	assert_eq "$stderr" "skiff: criu cannot checkpoint on this kernel: $reason"
}

@test "checkpoint ID: one line with criu's reason, and the container keeps running" {
	need_broken_criu
	run_sleeping "$ID"
	pid=$(state_field "$ID" pid)
	run sk checkpoint --image-path "$BATS_TEST_TMPDIR/img" "$ID"
	[ "$status" -eq 1 ]
	assert_single_line_error "criu cannot checkpoint on this kernel: "
	assert_eq "$(state_field "$ID" status)" running
	assert_eq "$(state_field "$ID" pid)" "$pid"
	kill -0 "$pid"
	[ ! -e "$BATS_TEST_TMPDIR/img" ]
	run sk checkpoint --leave-running --pre-dump "$ID"
	assert_single_line_error "criu cannot checkpoint on this kernel: "
	assert_eq "$(state_field "$ID" status)" running
	sk delete --force "$ID"
	assert_nothing_left "$ID"
}

@test "restore ID: one line with criu's reason, nothing made" {
	need_broken_criu
	run sk restore -d -b "$BUNDLE" --image-path "$BATS_TEST_TMPDIR/img" "$ID"
	[ "$status" -eq 1 ]
	assert_single_line_error "criu cannot checkpoint on this kernel: "
	assert_nothing_left "$ID"
}

@test "criu's answer is cached per boot in ROOT/criu.check, and ROOT lists no container for it" {
	need_broken_criu
	run sk checkpoint --help
	[ "$status" -eq 1 ]
	[ -f "$ROOT/criu.check" ]
	boot=$(cat /proc/sys/kernel/random/boot_id)
	assert_contains "$(head -1 "$ROOT/criu.check")" "boot=$boot "
	assert_eq "$(sed -n 2p "$ROOT/criu.check")" no
	# the cached reason is what is printed
	run sk checkpoint --help
	assert_contains "$output" "$(sed -n 3p "$ROOT/criu.check")"
	# a different boot (or criu) asks criu again
	printf 'boot=stale\nno\nstale reason\n' >"$ROOT/criu.check"
	run sk checkpoint --help
	[[ "$output" != *"stale reason"* ]]
	assert_contains "$(head -1 "$ROOT/criu.check")" "boot=$boot "
	run sk list -q
	[ "$status" -eq 0 ]
	assert_eq "$output" ""
	run sk create -b "$BUNDLE" criu.check
	assert_single_line_error "reserved for skiff's own files"
}

@test "checkpoint, restore: bad flags are one line naming the flag, status 1" {
	local c
	for c in checkpoint restore; do
		run sk "$c" --bogus "$ID"
		[ "$status" -eq 1 ]
		assert_single_line_error "flag provided but not defined: --bogus"
		run sk "$c" --image-path
		assert_single_line_error "flag needs an argument: --image-path"
		run sk "$c" --manage-cgroups-mode sometimes "$ID"
		assert_single_line_error "--manage-cgroups-mode: invalid mode sometimes"
		run sk "$c" --empty-ns pid "$ID"
		assert_single_line_error "--empty-ns: namespace pid is not supported"
		run sk "$c" --tcp-established=yes "$ID"
		assert_single_line_error "flag does not take an argument: --tcp-established"
	done
	run sk checkpoint --page-server nowhere "$ID"
	assert_single_line_error "--page-server: address nowhere: expected HOST:PORT"
	run sk checkpoint
	assert_single_line_error "checkpoint"
	run sk restore a b
	assert_single_line_error "restore"
}

@test "checkpoint --lazy-pages/--status-fd, restore --lsm-profile: a bad use is one line naming the flag, before anything runs" {
	local img=$BATS_TEST_TMPDIR/img ps=--page-server=127.0.0.1:27277
	run_sleeping "$ID"
	pid=$(state_field "$ID" pid)
	run sk checkpoint --lazy-pages --image-path "$img" "$ID"
	[ "$status" -eq 1 ]
	assert_single_line_error "--lazy-pages needs --page-server ADDR:PORT"
	run sk checkpoint --lazy-pages --pre-dump "$ps" --image-path "$img" "$ID"
	assert_single_line_error "--lazy-pages cannot be used with --pre-dump"
	run sk checkpoint --status-fd 1 --image-path "$img" "$ID"
	assert_single_line_error "--status-fd needs --lazy-pages"
	# not open; open for reading only; not a number
	run sk checkpoint --lazy-pages "$ps" --status-fd 9 --image-path "$img" "$ID"
	[ "$status" -eq 1 ]
	assert_single_line_error "--status-fd: descriptor 9: Bad file descriptor"
	run sk checkpoint --lazy-pages "$ps" --status-fd 7 --image-path "$img" "$ID" 7</dev/null
	assert_single_line_error "--status-fd: descriptor 7 is not open for writing"
	run sk checkpoint --lazy-pages "$ps" --status-fd x --image-path "$img" "$ID"
	assert_single_line_error "--status-fd: x is not a descriptor number"
	# nothing ran: no images, the container as it was
	[ ! -e "$img" ]
	assert_eq "$(state_field "$ID" status)" running
	assert_eq "$(state_field "$ID" pid)" "$pid"
	sk delete --force "$ID"
	assert_nothing_left "$ID"
	local p
	for p in apparmor smack:x apparmor: :x; do
		run sk restore -d -b "$BUNDLE" --lsm-profile "$p" --image-path "$img" "$ID"
		[ "$status" -eq 1 ]
		assert_single_line_error "--lsm-profile: "
		assert_contains "$output" "$p"
	done
	run sk restore --lsm-profile apparmor "$ID"
	assert_single_line_error "--lsm-profile: apparmor is not TYPE:NAME"
	[ ! -e "$img" ]
	assert_nothing_left "$ID"
}

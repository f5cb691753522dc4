#!/usr/bin/env bats
# badinput.bats - the bad-input table: each case is a clear one-line error
# naming the field or the ID, a non-zero status, and nothing left behind
# (no state directory, no process, no mount of the bundle).

bats_require_minimum_version 1.5.0
load helpers

setup_file() { skiff_setup_file; }
setup() {
	skiff_setup
	# the marker is in the process's args of every case
	cfg_sh "$BUNDLE" "$SLEEPER"
}
teardown() { skiff_teardown; }

# bad_config 'python statement on c' SUBSTRING...: create and run -d fail
# with one error line holding every SUBSTRING; nothing is left.
bad_config() {
	local stmt=$1
	shift
	[ -z "$stmt" ] || cfg_set "$BUNDLE" "$stmt"
	run_bg_safe create -b "$BUNDLE" "$ID"
	assert_single_line_error "$@" || return 1
	assert_nothing_left "$ID" || return 1
	[ -z "$(ls "$ROOT" 2>/dev/null)" ] || return 1
	run_bg_safe run -d -b "$BUNDLE" "$ID"
	assert_single_line_error "$@" || return 1
	assert_nothing_left "$ID" || return 1
	# foreground run too
	run sk run -b "$BUNDLE" "$ID"
	assert_single_line_error "$@" || return 1
	assert_nothing_left "$ID"
}

@test "bad input: malformed JSON" {
	printf '{ "ociVersion": "1.2.0", "process": ' >"$BUNDLE/config.json"
	bad_config "" config.json
}

@test "bad input: config.json is not an object" {
	echo '[1, 2]' >"$BUNDLE/config.json"
	bad_config "" config.json
}

@test "bad input: no config.json in the bundle" {
	rm "$BUNDLE/config.json"
	bad_config "" "$BUNDLE/config.json"
}

@test "bad input: the bundle does not exist" {
	run_bg_safe create -b "$BATS_TEST_TMPDIR/no-bundle" "$ID"
	assert_single_line_error "$BATS_TEST_TMPDIR/no-bundle"
	assert_nothing_left "$ID"
}

@test "bad input: process.args is a string" {
	bad_config 'c["process"]["args"]="sh"' process.args
}

@test "bad input: process.args is empty" {
	bad_config 'c["process"]["args"]=[]' process.args
}

@test "bad input: process.args holds a number" {
	bad_config 'c["process"]["args"]=["sh", 3]' "process.args"
}

@test "bad input: linux.namespaces[0].type is a number" {
	bad_config 'c["linux"]["namespaces"][0]["type"]=3' "linux.namespaces[0].type"
}

@test "bad input: an unknown namespace type" {
	bad_config 'c["linux"]["namespaces"].append({"type":"frobns"})' "linux.namespaces" frobns
}

@test "bad input: ociVersion missing" {
	bad_config 'del c["ociVersion"]' ociVersion
}

@test "bad input: root missing" {
	bad_config 'del c["root"]' root
}

@test "bad input: the rootfs does not exist" {
	bad_config 'c["root"]["path"]="no-rootfs"' root.path "$BUNDLE/no-rootfs"
}

@test "bad input: the rootfs is a file" {
	echo x >"$BUNDLE/rootfs-file"
	bad_config 'c["root"]["path"]="rootfs-file"' root.path rootfs-file
}

@test "bad input: process.cwd is relative" {
	bad_config 'c["process"]["cwd"]="relative"' process.cwd
}

@test "bad input: process.user.uid is negative" {
	bad_config 'c["process"]["user"]["uid"]=-1' process.user.uid
}

@test "bad input: process.user.uid is a string" {
	bad_config 'c["process"]["user"]["uid"]="root"' process.user.uid
}

@test "bad input: an unknown capability name" {
	bad_config 'c["process"]["capabilities"]["bounding"].append("CAP_FROBNICATE")' \
		process.capabilities.bounding CAP_FROBNICATE
}

@test "bad input: an unknown rlimit" {
	bad_config 'c["process"]["rlimits"][0]["type"]="RLIMIT_FROB"' process.rlimits RLIMIT_FROB
}

@test "bad input: the executable is not found in PATH" {
	bad_config 'c["process"]["args"]=["no-such-command-'"$MARK"'"]' "executable file not found" no-such-command
}

@test "bad input: an absolute executable path that does not exist" {
	bad_config 'c["process"]["args"]=["/bin/no-such-'"$MARK"'"]' "/bin/no-such-"
}

@test "bad input: the executable is not executable" {
	rootfs_write "$BUNDLE" /bin/not-exec 0644 <<<"#!/bin/sh"
	bad_config 'c["process"]["args"]=["/bin/not-exec","'"$MARK"'"]' /bin/not-exec
}

@test "bad input: process.terminal true, create without --console-socket" {
	cfg_set "$BUNDLE" 'c["process"]["terminal"]=True'
	run_bg_safe create -b "$BUNDLE" "$ID"
	assert_single_line_error console-socket terminal
	assert_nothing_left "$ID"
	run_bg_safe run -d -b "$BUNDLE" "$ID"
	assert_single_line_error console-socket terminal
	assert_nothing_left "$ID"
}

@test "bad input: --console-socket with process.terminal false" {
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$SHORT/sock"
	run_bg_safe create --console-socket "$SHORT/sock" -b "$BUNDLE" "$ID"
	assert_single_line_error console-socket terminal
	assert_nothing_left "$ID"
}

@test "bad input: --console-socket that nobody listens on" {
	cfg_set "$BUNDLE" 'c["process"]["terminal"]=True'
	run_bg_safe create --console-socket "$SHORT/nobody" -b "$BUNDLE" "$ID"
	assert_single_line_error "$SHORT/nobody"
	assert_nothing_left "$ID"
}

@test "bad input: --pid-file in a directory that does not exist" {
	run_bg_safe create --pid-file "$BATS_TEST_TMPDIR/no/dir/pid" -b "$BUNDLE" "$ID"
	assert_single_line_error pid-file
	assert_nothing_left "$ID"
}

@test "bad input: --preserve-fds is not a number" {
	run_bg_safe create --preserve-fds many -b "$BUNDLE" "$ID"
	assert_single_line_error preserve-fds many
	assert_nothing_left "$ID"
}

@test "bad input: --preserve-fds names an fd that is not open" {
	# fds 3..12: not all open in the caller; like runc, the open ones pass
	cfg_sh "$BUNDLE" 'echo ran-$0'
	run_bg_safe run --preserve-fds 10 -b "$BUNDLE" "$ID"
	if [ "$status" -eq 0 ]; then
		assert_contains "$output" "ran-$MARK"
	else
		assert_single_line_error preserve-fds
	fi
	# run removed the container either way: delete -f of nothing exits 0
	# and says nothing, as runc and crun (Podman relies on it)
	run --separate-stderr sk delete --force "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output$stderr" ""
	assert_nothing_left "$ID"
}

@test "bad input: invalid container IDs" {
	local bad
	for bad in "../x" "a/b" "." ".." "a b" "x;y" ""; do
		run_bg_safe create -b "$BUNDLE" "$bad"
		assert_single_line_error "container ID" || { echo "ID '$bad'" >&2; return 1; }
		[ -z "$(ls "$ROOT" 2>/dev/null)" ]
	done
	# nothing was made beside the root either
	[ ! -e "$BATS_TEST_TMPDIR/x" ]
	[ ! -e "$ROOT/../x" ]
	assert_nothing_left "$ID"
}

@test "bad input: invalid IDs are refused by every command" {
	local c
	for c in start state kill delete ps; do
		run sk "$c" "../x"
		assert_single_line_error "../x" || { echo "for $c" >&2; return 1; }
	done
	run sk exec "../x" true
	assert_single_line_error "../x"
}

@test "bad input: a duplicate ID fails and the first container is untouched" {
	sk create -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	local pid
	pid=$(state_field "$ID" pid)
	local before
	before=$(cat "$ROOT/$ID"/state.json 2>/dev/null || ls -l "$ROOT/$ID")
	make_bundle "$BATS_TEST_TMPDIR/b2"
	run_bg_safe create -b "$BATS_TEST_TMPDIR/b2" "$ID"
	assert_single_line_error "$ID" exists
	assert_eq "$(state_field "$ID" status)" created
	assert_eq "$(state_field "$ID" pid)" "$pid"
	assert_eq "$(state_field "$ID" bundle)" "$BUNDLE"
	kill -0 "$pid"
	[ -p "$ROOT/$ID/exec.fifo" ]
	assert_eq "$(cat "$ROOT/$ID"/state.json 2>/dev/null || ls -l "$ROOT/$ID")" "$before"
	# and it still starts
	sk start "$ID"
	assert_eq "$(state_field "$ID" status)" running
	[ "$(grep -cF -- "$BATS_TEST_TMPDIR/b2" /proc/self/mountinfo)" -eq 0 ]
}

@test "bad input: a duplicate ID with run fails and the first container is untouched" {
	run_sleeping "$ID"
	local pid
	pid=$(state_field "$ID" pid)
	run sk run -b "$BUNDLE" "$ID"
	assert_single_line_error "$ID" exists
	assert_eq "$(state_field "$ID" status)" running
	assert_eq "$(state_field "$ID" pid)" "$pid"
}

@test "bad input: unknown container for start, state, kill, delete, exec, ps" {
	local c
	for c in start state kill delete ps; do
		run sk "$c" "$ID"
		assert_single_line_error "$ID" "does not exist" || { echo "for $c" >&2; return 1; }
	done
	run sk exec "$ID" true
	assert_single_line_error "$ID" "does not exist"
	[ ! -e "$ROOT/$ID" ]
}

@test "bad input: start twice" {
	create_sleeping "$ID"
	sk start "$ID"
	run sk start "$ID"
	assert_single_line_error "$ID"
	assert_eq "$(state_field "$ID" status)" running
}

@test "bad input: start a stopped container" {
	cfg_args "$BUNDLE" true
	sk run --keep -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	run sk start "$ID"
	assert_single_line_error "$ID" stopped
}

@test "bad input: exec into a stopped container" {
	cfg_args "$BUNDLE" true
	sk run --keep -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	run sk exec "$ID" echo should-not-run
	assert_single_line_error "$ID"
	[[ "$output" != *should-not-run* ]]
}

@test "exec into a created (not started) container works (as runc); it stays created" {
	create_sleeping "$ID"
	run sk exec "$ID" echo exec-ran
	[ "$status" -eq 0 ]
	assert_eq "$output" exec-ran
	assert_eq "$(state_field "$ID" status)" created
	sk start "$ID"
	assert_eq "$(state_field "$ID" status)" running
}

@test "bad input: delete a running container without --force" {
	run_sleeping "$ID"
	run sk delete "$ID"
	assert_single_line_error "$ID" running
	assert_eq "$(state_field "$ID" status)" running
}

@test "bad input: an unknown signal name" {
	run_sleeping "$ID"
	local s
	# signal 0 is valid (runc: an existence check); see kill 0 in cli tests
	for s in FROB SIGFROB -1 99999 ""; do
		run sk kill "$ID" "$s"
		assert_single_line_error signal || { echo "signal '$s'" >&2; return 1; }
	done
	assert_eq "$(state_field "$ID" status)" running
}

@test "bad input: start of a container without process" {
	cfg_set "$BUNDLE" 'del c["process"]'
	sk create -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	run sk start "$ID"
	assert_single_line_error "$ID" process
	sk delete --force "$ID"
	assert_nothing_left "$ID"
}

@test "bad input: exec with an unknown capability" {
	run_sleeping "$ID"
	run sk exec --cap CAP_FROBNICATE "$ID" true
	assert_single_line_error CAP_FROBNICATE
}

@test "bad input: exec of a missing executable" {
	run_sleeping "$ID"
	run sk exec "$ID" no-such-command-"$MARK"
	assert_single_line_error "executable file not found"
	assert_eq "$(state_field "$ID" status)" running
}

@test "bad input: exec --process with malformed JSON" {
	run_sleeping "$ID"
	echo '{ "args": [' >"$BATS_TEST_TMPDIR/p.json"
	run sk exec --process "$BATS_TEST_TMPDIR/p.json" "$ID"
	assert_single_line_error -- "--process"
	echo '{ "args": "sh", "cwd": "/" }' >"$BATS_TEST_TMPDIR/p.json"
	run sk exec --process "$BATS_TEST_TMPDIR/p.json" "$ID"
	assert_single_line_error args
	run sk exec --process "$BATS_TEST_TMPDIR/no-such.json" "$ID"
	assert_single_line_error "$BATS_TEST_TMPDIR/no-such.json"
}

@test "bad input: exec -u with a non-numeric or bad user" {
	run_sleeping "$ID"
	run sk exec -u abc:def "$ID" true
	assert_single_line_error abc
}

# Strings from the config or the command line are printed escaped, on one
# line: control characters as \n \t \x1b, bytes that are not UTF-8 as \xff
# (Go's %q without the quotes); valid UTF-8 as it is.

@test "bad input: a capability name holding a newline is one escaped line" {
	bad_config 'c["process"]["capabilities"]["bounding"].append("CAP_NET_BIND_SERVICE\n")' \
		process.capabilities.bounding 'unknown capability "CAP_NET_BIND_SERVICE\n"'
}

@test "bad input: process.args[0] holding a newline, a tab and ESC is one escaped line" {
	bad_config 'c["process"]["args"]=["no\nsuch\t\x1b[31m\u00e9-'"$MARK"'"]' \
		'"no\nsuch\t\x1b[31mé-' "executable file not found"
}

@test "bad input: a mount destination holding a newline is one escaped line" {
	bad_config 'c["mounts"].append({"destination":"rel\ndest","type":"tmpfs","source":"tmpfs"})' \
		destination 'rel\ndest'
}

@test "bad input: a hostname holding a newline is one escaped line" {
	# too long for sethostname: the error echoes it
	bad_config 'c["hostname"]="bad\nhost" + "x" * 70' hostname 'bad\nhostxxx'
}

@test "bad input: process.cwd holding a carriage return is one escaped line" {
	bad_config 'c["process"]["cwd"]="rel\rcwd"' process.cwd 'rel\rcwd'
}

@test "bad input: arguments that are not UTF-8 are printed as \\xNN, on one line" {
	run_bg_safe create -b "$BATS_TEST_TMPDIR/no"$'\xff\n''bundle' "$ID"
	assert_single_line_error 'no\xff\nbundle'
	assert_nothing_left "$ID"
	run_bg_safe create --pid-file "$BATS_TEST_TMPDIR/no/"$'\xfe\n' -b "$BUNDLE" "$ID"
	assert_single_line_error pid-file '\xfe\n'
	assert_nothing_left "$ID"
	run_sleeping "$ID"
	run sk exec --cap $'CAP_\xff\n' "$ID" true
	assert_single_line_error 'CAP_\xff\n'
	run sk exec "$ID" $'no\xc3such\n'
	assert_single_line_error 'no\xc3such\n' "executable file not found"
	run sk exec -e $'A=\xff' --cwd $'/no\xff\ndir' "$ID" true
	assert_single_line_error '/no\xff\ndir'
	assert_eq "$(state_field "$ID" status)" running
}

@test "bad input: the --log file gets the error as one escaped line (text and json)" {
	cfg_set "$BUNDLE" 'c["process"]["capabilities"]["bounding"].append("CAP_X\n\"q\"\\")'
	run sk --log "$BATS_TEST_TMPDIR/log.txt" create -b "$BUNDLE" "$ID"
	assert_single_line_error 'CAP_X\n"q"\'
	[ "$(grep -c . "$BATS_TEST_TMPDIR/log.txt")" -eq 1 ]
	# logrus' text: msg quoted as Go's %q, escaped once
	grep -F 'level=error msg="' "$BATS_TEST_TMPDIR/log.txt" | grep -F 'CAP_X\n\"q\"\\\"'
	run sk --log "$BATS_TEST_TMPDIR/log.json" --log-format json create -b "$BUNDLE" "$ID"
	assert_single_line_error 'CAP_X\n"q"\'
	[ "$(grep -c . "$BATS_TEST_TMPDIR/log.json")" -eq 1 ]
	python3 -c '
import json, sys
j = json.loads(open(sys.argv[1], encoding="utf-8").read())
assert j["level"] == "error", j
assert "CAP_X\n\"q\"\\" in j["msg"], j
' "$BATS_TEST_TMPDIR/log.json"
	# bytes that are not UTF-8: \xff in text, U+FFFD in json (valid UTF-8)
	: >"$BATS_TEST_TMPDIR/log.txt"
	: >"$BATS_TEST_TMPDIR/log.json"
	run sk --log "$BATS_TEST_TMPDIR/log.txt" create -b "$BATS_TEST_TMPDIR/no"$'\xff\n' "$ID"
	assert_single_line_error 'no\xff\n'
	[ "$(grep -c . "$BATS_TEST_TMPDIR/log.txt")" -eq 1 ]
	grep -F 'no\xff\n' "$BATS_TEST_TMPDIR/log.txt"
	run sk --log "$BATS_TEST_TMPDIR/log.json" --log-format json create \
		-b "$BATS_TEST_TMPDIR/no"$'\xff\n' "$ID"
	assert_single_line_error 'no\xff\n'
	[ "$(grep -c . "$BATS_TEST_TMPDIR/log.json")" -eq 1 ]
	python3 -c '
import json, sys
j = json.loads(open(sys.argv[1], encoding="utf-8").read())
assert "no\ufffd\n" in j["msg"], j
' "$BATS_TEST_TMPDIR/log.json"
	assert_nothing_left "$ID"
}

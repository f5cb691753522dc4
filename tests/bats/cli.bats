#!/usr/bin/env bats
# cli.bats - global options, --help of every command, spec, features, and
# the commands that are not supported yet.

load helpers

setup_file() { skiff_setup_file; }
setup() { skiff_setup; }
teardown() { skiff_teardown; }

ALL_COMMANDS="create start run state list kill delete exec ps pause resume update events
checkpoint restore spec features"

@test "--version: runc's block (version, commit, spec, libseccomp)" {
	run "$SKIFF" --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^skiff\ version\ [0-9]+\.[0-9]+\.[0-9]+ ]]
	[[ "${lines[1]}" =~ ^commit:\ [^\ ]+ ]]
	assert_eq "${lines[2]}" "spec: 1.2.0"
	[[ "${lines[3]}" =~ ^libseccomp:\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	assert_eq "${#lines[@]}" 4
	local v=$output
	run "$SKIFF" -v
	[ "$status" -eq 0 ]
	assert_eq "$output" "$v"
	# --debug does not change it
	run "$SKIFF" --debug --version
	assert_eq "$output" "$v"
}

@test "--help lists every command (runc's layout: NAME:, USAGE:, COMMANDS:, GLOBAL OPTIONS:)" {
	run "$SKIFF" --help
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "NAME:"
	[[ "${lines[1]}" =~ ^\ +skiff\ -\ Open\ Container\ Initiative\ runtime ]]
	assert_contains "$output" $'\nUSAGE:\n'
	assert_contains "$output" $'\nCOMMANDS:\n'
	assert_contains "$output" $'\nGLOBAL OPTIONS:\n'
	[[ "$output" != *VERSION* ]]
	local h=$output
	run "$SKIFF" -h
	assert_eq "$output" "$h"
	run "$SKIFF" help
	[ "$status" -eq 0 ]
	assert_eq "$output" "$h"
	local c
	for c in $ALL_COMMANDS; do
		[[ "$output" =~ (^|$'\n')\ +$c\  ]] || {
			echo "command $c missing from --help" >&2
			return 1
		}
	done
	assert_contains "$output" "--root"
	assert_contains "$output" "--log-format"
}

@test "no command: usage on stderr, status 1" {
	run "$SKIFF"
	[ "$status" -eq 1 ]
	assert_contains "$output" USAGE
}

@test "an unknown command, also with -h or after help: runc's 'No help topic', status 3" {
	run "$SKIFF" frobnicate
	assert_single_line_error "No help topic for 'frobnicate'"
	[ "$status" -eq 3 ]
	run "$SKIFF" frobnicate -h
	assert_single_line_error "No help topic for 'frobnicate'"
	[ "$status" -eq 3 ]
	run "$SKIFF" help frobnicate
	assert_single_line_error "No help topic for 'frobnicate'"
	[ "$status" -eq 3 ]
	# never a raw newline from the command line
	run "$SKIFF" $'a\nb' -h
	assert_single_line_error "No help topic"
}

@test "an unknown global option: one line naming it (runc's words), status 1" {
	run "$SKIFF" --frobnicate list
	assert_single_line_error "flag provided but not defined: --frobnicate"
	[ "$status" -eq 1 ]
	run "$SKIFF" -x list
	assert_single_line_error "flag provided but not defined: -x"
	[ "$status" -eq 1 ]
	run "$SKIFF" --debug=yes list
	assert_single_line_error "flag does not take an argument: --debug"
	[ "$status" -eq 1 ]
	# named escaped, never a raw newline
	run "$SKIFF" $'--a\nb' list
	assert_single_line_error 'flag provided but not defined: --a\nb'
	[ "$status" -eq 1 ]
}

@test "a global option without its argument: one line naming it, status 1" {
	local o
	for o in --root --log --log-format; do
		run "$SKIFF" "$o"
		assert_single_line_error "flag needs an argument: $o" || return 1
		[ "$status" -eq 1 ]
	done
	run "$SKIFF" --log-format xml list
	assert_single_line_error "--log-format" xml
	[ "$status" -eq 1 ]
}

@test "COMMAND --help exits 0 with a usage text (checkpoint/restore: 1 when criu cannot work)" {
	local c criu_status=1
	criu check >/dev/null 2>&1 && criu_status=0
	for c in $ALL_COMMANDS; do
		run "$SKIFF" "$c" --help
		case $c in
		checkpoint | restore) [ "$status" -eq "$criu_status" ] || { echo "$c --help: $status" >&2; return 1; } ;;
		*) [ "$status" -eq 0 ] || { echo "$c --help: $status" >&2; return 1; } ;;
		esac
		assert_eq "${lines[0]}" "NAME:"
		[[ "${lines[1]}" =~ ^\ +skiff\ $c\ -\  ]] || {
			echo "$c --help: line 2 is not 'skiff $c - ...': $output" >&2
			return 1
		}
		assert_contains "$output" $'USAGE:\n   skiff '"$c"
	done
}

@test "COMMAND -h is --help" {
	local c
	for c in create start run state list kill delete exec ps spec; do
		run "$SKIFF" "$c" -h
		[ "$status" -eq 0 ] || { echo "$c -h: $status" >&2; return 1; }
		assert_eq "${lines[0]}" "NAME:"
		assert_contains "${lines[1]}" "skiff $c - "
		local h=$output
		run "$SKIFF" help "$c"
		[ "$status" -eq 0 ]
		assert_eq "$output" "$h"
		run "$SKIFF" h "$c"
		assert_eq "$output" "$h"
	done
}

@test "an unknown option of a command: one line naming the command and the option, status 1" {
	local c
	for c in create start run state list kill delete exec ps pause resume update events spec \
		features placement; do
		run sk "$c" --frobnicate x
		assert_single_line_error "$c: flag provided but not defined: --frobnicate" ||
			{ echo "for $c" >&2; return 1; }
		[ "$status" -eq 1 ] || { echo "$c: status $status" >&2; return 1; }
		run sk "$c" -Z x
		assert_single_line_error "$c: flag provided but not defined: -Z" ||
			{ echo "for $c" >&2; return 1; }
		[ "$status" -eq 1 ]
	done
	# in a group of short options; run's own options are not create's
	run sk kill -aZ x
	assert_single_line_error "kill: flag provided but not defined: -Z"
	run sk create -d x
	assert_single_line_error "create: flag provided but not defined: -d"
	run sk create --keep x
	assert_single_line_error "create: flag provided but not defined: --keep"
	# update takes options after the ID too
	run sk update x --frobnicate
	assert_single_line_error "update: flag provided but not defined: --frobnicate"
	run sk delete --force=yes x
	assert_single_line_error "delete: flag does not take an argument: --force"
	[ "$status" -eq 1 ]
}

@test "a command option without its argument: one line naming it, status 1" {
	local a
	for a in "create -b" "create --bundle" "run --pid-file" "run --console-socket" \
		"exec -p" "exec --cwd" "exec -e" "ps --format" "list -f" "update --memory" \
		"events --interval" "spec --bundle"; do
		set -- $a
		run sk "$1" "$2"
		assert_single_line_error "$1: flag needs an argument: $2" || { echo "for $a" >&2; return 1; }
		[ "$status" -eq 1 ] || { echo "$a: status $status" >&2; return 1; }
	done
}

@test "a command without its container ID is an error" {
	local c
	for c in create start run state kill delete exec ps; do
		run sk "$c"
		assert_single_line_error "$c" || { echo "for $c" >&2; return 1; }
	done
}

@test "extra arguments are an error" {
	create_sleeping "$ID"
	run sk state "$ID" extra
	assert_single_line_error extra
	run sk start "$ID" extra
	assert_single_line_error extra
	run sk delete "$ID" extra
	assert_single_line_error extra
	assert_eq "$(state_field "$ID" status)" created
}

@test "--systemd-cgroup: accepted; on this host (no systemd running) run is a clear error" {
	run sk --systemd-cgroup list
	[ "$status" -eq 0 ]
	run "$SKIFF" --root "$ROOT" --systemd-cgroup run -b "$BUNDLE" "$ID"
	[ "$status" -eq 1 ]
	assert_single_line_error systemd
	assert_nothing_left "$ID"
}

@test "--root: state lives under the given directory, created on demand" {
	local r=$BATS_TEST_TMPDIR/a/b/c
	cfg_sh "$BUNDLE" "$SLEEPER"
	timeout 20 "$SKIFF" --root "$r" create -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	[ -d "$r/$ID" ]
	[ -f "$r/$ID/state.json" ] || ls "$r/$ID"
	run timeout 20 "$SKIFF" --root "$r" list -q
	assert_eq "$output" "$ID"
	# another root does not see it
	run sk list -q
	assert_eq "$output" ""
	timeout 20 "$SKIFF" --root "$r" delete --force "$ID"
	[ ! -e "$r/$ID" ]
}

@test "--log FILE --log-format json: errors are JSON lines with level, msg, time" {
	run sk --log "$BATS_TEST_TMPDIR/log" --log-format json state "$ID"
	assert_single_line_error "$ID"
	[ -s "$BATS_TEST_TMPDIR/log" ]
	run json_get "$BATS_TEST_TMPDIR/log" 'j["level"]'
	assert_eq "$output" error
	run json_get "$BATS_TEST_TMPDIR/log" 'j["msg"]'
	assert_contains "$output" "$ID"
	run json_get "$BATS_TEST_TMPDIR/log" 'j["time"]'
	[[ "$output" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T ]]
}

@test "--log FILE (text): the error is appended" {
	echo "previous line" >"$BATS_TEST_TMPDIR/log"
	run sk --log "$BATS_TEST_TMPDIR/log" state "$ID"
	assert_error
	[ "$(wc -l <"$BATS_TEST_TMPDIR/log")" -eq 2 ]
	assert_eq "$(head -1 "$BATS_TEST_TMPDIR/log")" "previous line"
	assert_contains "$(tail -1 "$BATS_TEST_TMPDIR/log")" "level=error"
	assert_contains "$(tail -1 "$BATS_TEST_TMPDIR/log")" "$ID"
}

@test "--log-format: an unknown format is an error" {
	run sk --log-format xml list
	assert_single_line_error xml
}

@test "--log: an unwritable path is an error" {
	run sk --log /nonexistent-dir/x.log list
	assert_single_line_error /nonexistent-dir/x.log
}

@test "--debug: the command works and logs debug lines to --log" {
	cat >"$BATS_TEST_TMPDIR/hook" <<EOF
#!/bin/sh
cat >/dev/null
EOF
	chmod +x "$BATS_TEST_TMPDIR/hook"
	cfg_set "$BUNDLE" "c['hooks']={'prestart':[{'path':'$BATS_TEST_TMPDIR/hook'}]}"
	cfg_args "$BUNDLE" true
	run sk --debug --log "$BATS_TEST_TMPDIR/log" --log-format json run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	grep -q '"level":"debug"' "$BATS_TEST_TMPDIR/log"
	# every line is JSON
	while read -r l; do
		json_get - 'j["msg"]' <<<"$l" >/dev/null
	done <"$BATS_TEST_TMPDIR/log"
}

@test "spec: writes a config.json that runs" {
	local d=$BATS_TEST_TMPDIR/spec
	mkdir -p "$d"
	run sk spec --bundle "$d"
	[ "$status" -eq 0 ]
	[ -f "$d/config.json" ]
	assert_eq "$(json_get "$d/config.json" 'j["ociVersion"]')" 1.2.0
	assert_eq "$(json_get "$d/config.json" 'j["root"]["path"]')" rootfs
	assert_eq "$(json_get "$d/config.json" '"user" in [n["type"] for n in j["linux"]["namespaces"]]')" false
	# it runs with the demo rootfs
	cp -al "$BATS_FILE_TMPDIR/demo/rootfs" "$d/rootfs"
	cfg_set "$d" 'c["process"]["args"]=["echo","spec-ok"]' 'c["process"]["terminal"]=False'
	run sk run -b "$d" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" spec-ok
}

@test "spec: defaults to the current directory and refuses to overwrite" {
	local d=$BATS_TEST_TMPDIR/spec
	mkdir -p "$d"
	cd "$d"
	run sk spec
	[ "$status" -eq 0 ]
	[ -f config.json ]
	echo '{"mine":1}' >config.json
	run sk spec
	assert_single_line_error config.json exists
	assert_eq "$(cat config.json)" '{"mine":1}'
}

@test "spec --rootless: a user namespace with mappings for the caller" {
	local d=$BATS_TEST_TMPDIR/spec
	mkdir -p "$d"
	run sk spec --rootless -b "$d"
	[ "$status" -eq 0 ]
	assert_eq "$(json_get "$d/config.json" '"user" in [n["type"] for n in j["linux"]["namespaces"]]')" true
	assert_eq "$(json_get "$d/config.json" 'j["linux"]["uidMappings"][0]["hostID"]')" "$(id -u)"
	assert_eq "$(json_get "$d/config.json" 'j["linux"]["gidMappings"][0]["hostID"]')" "$(id -g)"
}

@test "spec, spec --rootless: the runtime-spec 1.2 schema validates them; a cgroup namespace only on a cgroup v2 host (runc)" {
	local d=$BATS_TEST_TMPDIR/spec want=false opt ns
	[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && want=true
	for opt in "" --rootless; do
		rm -rf "$d"
		mkdir -p "$d"
		run sk spec $opt -b "$d"
		[ "$status" -eq 0 ]
		run "$SKIFF_TOP/tests/oci-schema/validate" config-schema.json "$d/config.json"
		[ "$status" -eq 0 ] || { echo "spec $opt: $output" >&2; return 1; }
		ns=$(json_get "$d/config.json" '[n["type"] for n in j["linux"]["namespaces"]]')
		assert_eq "$(json_get - '"cgroup" in j' <<<"$ns")" "$want"
		# runc's order: cgroup after mount, user last
		if [ -n "$opt" ]; then
			assert_eq "$(json_get - 'j[-1]' <<<"$ns")" user
		fi
	done
	# the validator does reject what the schema forbids
	cfg_set "$d" 'c["linux"]["namespaces"].append({"type":"bogus"})'
	run "$SKIFF_TOP/tests/oci-schema/validate" config-schema.json "$d/config.json"
	[ "$status" -eq 1 ]
	assert_contains "$output" linux/namespaces
}

@test "features: a JSON document with versions, hooks, namespaces" {
	run sk features
	[ "$status" -eq 0 ]
	assert_eq "$(json_get - 'j["ociVersionMax"]' <<<"$output")" 1.2.0
	assert_eq "$(json_get - 'j["ociVersionMin"]' <<<"$output")" 1.0.0
	local h
	for h in prestart createRuntime createContainer startContainer poststart poststop; do
		assert_eq "$(json_get - "'$h' in j['hooks']" <<<"$output")" True ||
			assert_eq "$(json_get - "'$h' in j['hooks']" <<<"$output")" true
	done
	local ns
	for ns in pid network ipc uts mount user cgroup; do
		assert_eq "$(json_get - "'$ns' in j['linux']['namespaces']" <<<"$output")" true
	done
	assert_eq "$(json_get - "'bind' in j['mountOptions']" <<<"$output")" true
}

@test "pause, resume, update, events: --help works; on an unknown container a non-zero error" {
	local c
	for c in pause resume update events; do
		run sk "$c" --help
		[ "$status" -eq 0 ]
		# (a nonexistent container: whatever the command supports, it fails)
		run sk "$c" "$ID"
		[ "$status" -ne 0 ] || { echo "$c succeeded" >&2; return 1; }
		assert_single_line_error
	done
}

@test "checkpoint, restore: --help without a working criu exits 1 (tests/bats/checkpoint.bats)" {
	local c
	criu check >/dev/null 2>&1 && skip "criu works here"
	for c in checkpoint restore; do
		run sk "$c" --help
		[ "$status" -eq 1 ]
		assert_contains "$output" "skiff $c"
		run sk "$c" "$ID"
		assert_single_line_error "criu cannot checkpoint on this kernel: "
	done
}

@test "errors are one line starting 'skiff: ' with status 1" {
	run sk state "$ID"
	[ "$status" -eq 1 ]
	assert_single_line_error "$ID"
	run sk kill "$ID"
	[ "$status" -eq 1 ]
	assert_single_line_error "$ID"
}

@test "--debug without --log: runc's level=debug lines on stderr, the init's steps included" {
	cfg_args "$BUNDLE" true
	run sk --debug run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	# time="..." level=debug msg="..." as runc (logrus) writes them
	printf '%s\n' "$output" | grep -Eq '^time="[^"]+" level=debug msg="create '"$ID"': '
	printf '%s\n' "$output" | grep -Eq '^time="[^"]+" level=debug msg="init '"$ID"': '
	# errors keep skiff's one-line shape
	run sk --debug state "$ID"
	assert_error "$ID"
	assert_contains "$output" "skiff: container $ID does not exist"
}

@test "--debug --log text: every line is logfmt, quotes and newlines escaped" {
	cfg_args "$BUNDLE" '/no"such'
	run sk --debug --log "$BATS_TEST_TMPDIR/log" run -b "$BUNDLE" "$ID"
	assert_error 'no"such'
	grep -q 'level=debug' "$BATS_TEST_TMPDIR/log"
	grep -q 'level=error msg=".*no\\"such' "$BATS_TEST_TMPDIR/log"
	local l bad=0
	while IFS= read -r l; do
		[[ "$l" =~ ^time=\"[^\"]+\"\ level=(debug|info|warning|error)\ msg=\"([^\"\\]|\\.)*\"$ ]] || {
			echo "not logfmt: $l" >&2
			bad=1
		}
	done <"$BATS_TEST_TMPDIR/log"
	[ "$bad" -eq 0 ]
	assert_nothing_left "$ID"
}

@test "--debug --log json: exec logs its steps and the process's exit at level debug" {
	run_sleeping "$ID"
	run sk --debug --log "$BATS_TEST_TMPDIR/log" --log-format json exec "$ID" sh -c 'exit 3'
	[ "$status" -eq 3 ]
	grep '"level":"debug"' "$BATS_TEST_TMPDIR/log" | grep -q "exec $ID: child [0-9]* joined"
	grep '"level":"debug"' "$BATS_TEST_TMPDIR/log" | grep -q "exec $ID: process [0-9]* exited with status 3"
	while read -r l; do
		json_get - 'j["msg"]' <<<"$l" >/dev/null
	done <"$BATS_TEST_TMPDIR/log"
}

@test "--debug with a terminal: no debug line reaches the container's pty" {
	cfg_set "$BUNDLE" 'c["process"]["terminal"]=True'
	cfg_sh "$BUNDLE" 'echo pty-out'
	start_recvtty "$SHORT/sock" "$SHORT/out"
	sk --debug run -d --console-socket "$SHORT/sock" -b "$BUNDLE" "$ID" \
		</dev/null >"$BATS_TEST_TMPDIR/stdout" 2>"$BATS_TEST_TMPDIR/stderr"
	wait_recvtty "$SHORT/out"
	assert_contains "$output" pty-out
	[[ "$output" != *level=debug* ]] || { echo "debug in the pty: $output" >&2; return 1; }
	# they went to skiff's stderr instead
	grep -q "level=debug msg=\"init $ID: executable found" "$BATS_TEST_TMPDIR/stderr"
}

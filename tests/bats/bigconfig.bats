#!/usr/bin/env bats
# bigconfig.bats - large but valid configs work: 10,000 entries of each
# kind (tests/bench/bigconfig.py makes them), each with its effect
# checked at the last entry.  Not timed: `make bench` measures how the
# time grows (tests/bench/large.py).

load helpers

setup_file() { skiff_setup_file; }
setup() {
	skiff_setup
	cfg_set "$BUNDLE" "c['root']['readonly'] = False"
}
teardown() { skiff_teardown; }

# big KIND [N]: N (10,000) entries of KIND in $BUNDLE
big() {
	python3 "$SKIFF_TOP/tests/bench/bigconfig.py" "$BUNDLE" "$1" "${2:-10000}"
}

@test "bigconfig: 10,000 readonlyPaths are all read-only" {
	big readonly
	cfg_sh "$BUNDLE" 'for d in /big/d/0 /big/d/5000 /big/d/9999; do touch $d/x 2>/dev/null && echo "$d rw" || echo "$d ro"; done; touch /ok && echo rootrw'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "/big/d/0 ro"
	assert_contains "$output" "/big/d/5000 ro"
	assert_contains "$output" "/big/d/9999 ro"
	assert_contains "$output" rootrw
}

@test "bigconfig: 10,000 maskedPaths are all masked" {
	big masked
	echo secret0 > "$BUNDLE/rootfs/big/f/0"
	echo secret9999 > "$BUNDLE/rootfs/big/f/9999"
	cfg_sh "$BUNDLE" 'cat /big/f/0 /big/f/9999; echo done'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" done
}

@test "bigconfig: 10,000 bind mounts are all there" {
	big mounts
	cfg_sh "$BUNDLE" 'cat /big/m0/marker /big/m9999/marker; touch /big/m9999/x 2>/dev/null || echo ro'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf 'bind-src\nbind-src\nro')"
}

@test "bigconfig: 2,000 bind mounts in a user namespace under RLIMIT_NOFILE 1024" {
	cfg_set "$BUNDLE" "c['linux']['namespaces'].append({'type': 'user'})" \
		"c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]" \
		"c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]"
	big mounts 2000
	chown -R 100000:100000 "$BUNDLE/rootfs"
	local d=$BUNDLE
	while [ "$d" != / ]; do chmod o+x "$d"; d=$(dirname "$d"); done
	cfg_sh "$BUNDLE" 'cat /big/m0/marker /big/m1999/marker'
	run bash -c 'ulimit -n 1024 && exec "$@"' bash timeout 20 "$SKIFF" --root "$ROOT" run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf 'bind-src\nbind-src')"
}

@test "bigconfig: 10,000 env entries reach the process" {
	big env
	cfg_sh "$BUNDLE" 'echo "$BIG_0 $BIG_9999"; env | grep -c ^BIG_'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf 'value-0 value-9999\n10000')"
}

@test "bigconfig: an env too large for exec is a one-line error naming process.env" {
	# few long entries (2,000 x 2 KiB = 4 MiB, twice exec's 2 MiB): the
	# same limit as 150,000 short ones (test_config_json's tree_large_array
	# parses 150,000 entries)
	cfg_set "$BUNDLE" "c['process']['env'] += ['BIG_%d=' % i + 'x' * 2048 for i in range(2000)]"
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_single_line_error "process.args and process.env: " "more than exec takes"
}

@test "bigconfig: every rlimit type at once" {
	big rlimits
	[ "$(json_get "$BUNDLE/config.json" 'len(j["process"]["rlimits"])')" -ge 14 ]
	# soft = hard for each type set (bigconfig sets both to the hard limit)
	cfg_sh "$BUNDLE" 'grep -E "^Max (core file size|locked memory|cpu time|open files)" /proc/self/limits | awk "{ print (\$(NF-2) == \$(NF-1)) ? \"same\" : \$0 }"'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf 'same\nsame\nsame\nsame')"
}

@test "bigconfig: 10,000 seccomp rules are enforced" {
	# personality(2) needs no privilege; the profile denies it (EPERM)
	cfg_sh "$BUNDLE" 'linux64 true 2>&1 && echo allowed; true'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" allowed
	big seccomp
	[ "$(json_get "$BUNDLE/config.json" 'len(j["linux"]["seccomp"]["syscalls"])')" -eq 10000 ]
	run sk run -b "$BUNDLE" "$ID-2"
	[ "$status" -eq 0 ]
	assert_contains "$output" "Operation not permitted"
	[[ "$output" != *allowed* ]]
}

@test "bigconfig: 10,000 annotations are in the state" {
	big annotations
	cfg_args "$BUNDLE" true
	# not `run`: the created init holds its stdio until started
	local rc=0
	sk create -b "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/create.out" 2>&1 || rc=$?
	cat "$BATS_TEST_TMPDIR/create.out"
	[ "$rc" -eq 0 ]
	run sk state "$ID"
	[ "$status" -eq 0 ]
	[ "$(printf '%s' "$output" | json_get - 'len(j["annotations"])')" -eq 10000 ]
	[ "$(printf '%s' "$output" | json_get - 'j["annotations"]["org.example.big.9999"]')" = value-9999 ]
	run sk start "$ID"
	[ "$status" -eq 0 ]
	wait_status "$ID" stopped
	run sk delete "$ID"
	[ "$status" -eq 0 ]
}

@test "bigconfig: 10,000 devices are created" {
	big devices
	cfg_sh "$BUNDLE" 'stat -c "%n %t:%T" /dev/big0 /dev/big9999'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf '/dev/big0 1:3\n/dev/big9999 1:3')"
}

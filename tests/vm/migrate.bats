#!/usr/bin/env bats
# tests/vm/migrate.bats - `skiff migrate` between two "hosts" inside the
# VM (criu works only there): the source in the default network
# namespace, the target `migrate --receive` in a network namespace joined
# to it by a veth (10.77.0.1 <-> 10.77.0.2), each with its own --root.
# Runs INSIDE the VM, in one boot:
#   tests/vm/run --timeout 1500 -- bats --tap tests/vm/migrate.bats
# vm-timeout: 2400
#
# Both hosts share the guest's filesystem and cgroup tree: the target's
# bundle is its own directory whose config names the source bundle's
# rootfs by absolute path (the same rootfs) and another cgroupsPath.  The
# workload is tests/vm/memhog.c: MIB of memory, HOT MiB rewritten
# continuously, its own check of all of it written to /verify.

bats_require_minimum_version 1.5.0
load ../bats/helpers
load criu-helpers
load twohosts

NS=skmig

setup_file() {
	[ "${SKIFF_VM:-}" = 1 ] || skip "not inside the test VM (use tests/vm/run)"
	skiff_setup_file
	cc -static -O2 -o "$BATS_FILE_TMPDIR/memhog" "$BATS_TEST_DIRNAME/memhog.c"
	# criu's probe once (it caches kernel facts for the boot)
	"$SKIFF" --root "$BATS_FILE_TMPDIR/probe" checkpoint --help >/dev/null
	two_hosts_up "$NS" mgs0 mgt0 10.77.0
}

teardown_file() {
	two_hosts_down "$NS" mgs0
}

setup() {
	[ "${SKIFF_VM:-}" = 1 ] || skip "not inside the test VM (use tests/vm/run)"
	skiff_setup
	R2=$BATS_TEST_TMPDIR/state2
	B2=$BATS_TEST_TMPDIR/bundle2
	PORT=$((7000 + BATS_TEST_NUMBER * 10))
	TPID=
	# criu's answer, cached per boot: no second `criu check` per root
	mkdir -p "$ROOT" "$R2"
	cp "$BATS_FILE_TMPDIR/probe/criu.check" "$ROOT/"
	cp "$BATS_FILE_TMPDIR/probe/criu.check" "$R2/"
	rootfs_write "$BUNDLE" memhog 0755 <"$BATS_FILE_TMPDIR/memhog"
}

teardown() {
	[ -n "$TPID" ] && kill -KILL "$TPID" 2>/dev/null || true
	local p
	for p in ${BG_PIDS:-}; do
		kill "$p" 2>/dev/null || true
	done
	for id in $(ls "$R2" 2>/dev/null); do
		timeout 60 "$SKIFF" --root "$R2" delete --force "$id" >/dev/null 2>&1 || true
	done
	skiff_teardown
	rmdir /sys/fs/cgroup/skiff-tgt/"$ID" 2>/dev/null || true
}

# long_until SECONDS CMD...: CMD until it succeeds (status 2: gives up),
# at most about SECONDS
long_until() {
	local n=$(($1 * 5))
	shift
	local rc
	while [ "$n" -gt 0 ]; do
		rc=0
		"$@" || rc=$?
		[ "$rc" -eq 0 ] && return 0
		[ "$rc" -eq 2 ] && return 1 # a definite failure
		sleep 0.2
		n=$((n - 1))
	done
	return 1
}

# hog MIB HOT: the source bundle runs memhog; the target bundle (B2)
# matches it: the same rootfs by absolute path, its own cgroup.
hog() {
	cfg_set "$BUNDLE" "c['root']['readonly'] = False"
	cfg_sh "$BUNDLE" "exec </dev/null >/dev/null 2>&1; exec /memhog $1 $2 \"\$0\""
	target_bundle
}

# target_bundle: B2 as the source's bundle: the same config and rootfs (by
# absolute path), its own cgroup
target_bundle() {
	mkdir -p "$B2"
	cp "$BUNDLE/config.json" "$B2/config.json"
	cfg_set "$B2" "c['root']['path'] = '$BUNDLE/rootfs'" \
		"c.setdefault('linux', {})['cgroupsPath'] = '/skiff-tgt/$ID'"
}

gen() {
	cat "$BUNDLE/rootfs/gen" 2>/dev/null || echo 0
}
gen_above() {
	[ "$(gen)" -gt "$1" ]
}
verified_after() {
	local v
	v=$(cat "$BUNDLE/rootfs/verify" 2>/dev/null) || return 1
	case $v in
	BAD*) echo "memory check failed: $v" >&2; return 2 ;;
	"OK "*) [ "${v#OK }" -gt "$1" ] ;;
	*) return 1 ;;
	esac
}

# progress on the TAP stream (criu under TCG is slow)
note() {
	echo "# $(date +%T) $*" >&3
}

# run_hog MIB HOT: run it, wait until it has checked its memory once
run_hog() {
	hog "$1" "$2"
	sk run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	wait_status "$ID" running
	long_until 300 verified_after 0
	note "$1 MiB workload running"
}

# start_target [ENV=VALUE...]: the target in the namespace, listening
# (TARGET_ARGS: more options for it)
start_target() {
	env "$@" nsenter --net=/run/netns/"$NS" "$SKIFF" --root "$R2" migrate --receive \
		--listen 10.77.0.2:$PORT --bundle "$B2" --timeout 600 ${TARGET_ARGS:-} \
		</dev/null >"$BATS_TEST_TMPDIR/target.out" 2>&1 &
	TPID=$!
	long_until 120 target_up
	kill -0 "$TPID" || {
		echo "the target ended: $(cat "$BATS_TEST_TMPDIR/target.out")" >&2
		return 1
	}
	note "target listening"
}

# listening, or gone (then start_target says why)
target_up() {
	kill -0 "$TPID" 2>/dev/null || return 0
	grep -q ":$(printf '%04X' "$PORT") 00000000:0000 0A" "/proc/$TPID/net/tcp"
}

migrate() {
	note "migrate $*"
	run --separate-stderr timeout 1200 "$SKIFF" --root "$ROOT" migrate --timeout 600 "$@" \
		"$ID" tcp://10.77.0.2:$PORT
}

# the target's result: its exit status in TSTATUS (not in a subshell:
# only this shell can wait for it)
wait_target() {
	TSTATUS=0
	wait "$TPID" || TSTATUS=$?
	TPID=
}

# After a successful migration: the source is gone, the target runs it
# (in its own cgroup) and the restored memory checks out.
assert_migrated() {
	wait_target
	assert_eq "$TSTATUS" 0
	run sk state "$ID"
	assert_single_line_error "does not exist"
	[ ! -e "$ROOT/$ID" ]
	local st pid
	st=$("$SKIFF" --root "$R2" state "$ID")
	assert_eq "$(json_get - 'j["status"]' <<<"$st")" running
	pid=$(json_get - 'j["pid"]' <<<"$st")
	kill -0 "$pid"
	grep -q "^0::/skiff-tgt/$ID" "/proc/$pid/cgroup"
	local g
	g=$(gen)
	long_until 300 gen_above "$g"
	long_until 300 verified_after "$g"
	[ -z "$(ls -A "$R2" "$ROOT" | grep '^\.migrate')" ]
	"$SKIFF" --root "$R2" delete --force "$ID"
	[ ! -e "$R2/$ID" ]
}

# After a failed migration: the source runs on (not paused), same pid,
# its memory still checks out; nothing of it on the target.
assert_source_runs() {
	local pid=$1 g
	assert_eq "$(state_field "$ID" status)" running
	assert_eq "$(state_field "$ID" pid)" "$pid"
	g=$(gen)
	long_until 300 gen_above "$g"
	long_until 300 verified_after "$g"
	[ -z "$(ls -A "$ROOT" | grep -v "^$ID\$" | grep -v '^criu.check$')" ] || {
		ls -la "$ROOT" >&2
		return 1
	}
}

assert_target_empty() {
	[ -z "$(ls -A "$R2" 2>/dev/null | grep -v '^criu.check$')" ] || {
		ls -la "$R2" >&2
		return 1
	}
	[ ! -d /sys/fs/cgroup/skiff-tgt/"$ID" ]
	run pgrep -f "criu page-server"
	[ "$status" -eq 1 ]
}

report() {
	echo "# $1: $(tr -d '\n' <<<"$output")" >&3
}

@test "64 MiB with an 8 MiB hot part, pre-copy: restored on the target, memory checks out" {
	run_hog 64 8
	start_target
	migrate --rounds 3 --format json
	[ "$status" -eq 0 ] || { echo "$stderr; target: $(cat "$BATS_TEST_TMPDIR/target.out")" >&2; return 1; }
	report "pre-copy 64 MiB"
	# criu left the frozen source frozen (no warning of a re-freeze)
	assert_eq "$stderr" ""
	rounds=$(json_get - 'j["rounds"]' <<<"$output")
	[ "$rounds" -ge 2 ]
	# the first round copies it all, the next ones about the hot part
	first=$(json_get - 'j["bytes"][0]' <<<"$output")
	last=$(json_get - 'j["bytes"][-1]' <<<"$output")
	[ "$first" -ge $((64 << 20)) ]
	[ "$last" -lt $((32 << 20)) ]
	json_get - 'j["downtimeSeconds"]' <<<"$output"
	assert_migrated
}

@test "64 MiB, --rounds 0 (stop-and-copy): text report, memory checks out" {
	run_hog 64 8
	start_target
	migrate --rounds 0
	[ "$status" -eq 0 ] || { echo "$stderr; target: $(cat "$BATS_TEST_TMPDIR/target.out")" >&2; return 1; }
	report "stop-and-copy 64 MiB"
	assert_eq "$stderr" ""
	assert_contains "$output" "pre-copy rounds: 0"
	assert_contains "$output" "downtime: "
	[[ "$output" =~ final\ dump\ 1:\ ([0-9]+)\ bytes ]]
	[ "${BASH_REMATCH[1]}" -ge $((64 << 20)) ]
	assert_migrated
}

@test "a terminal container: the target's --console-socket gets the new pty, typed input reaches the migrated shell" {
	s1=$BATS_TEST_TMPDIR/c1.sock s2=$BATS_TEST_TMPDIR/c2.sock
	run_tty_echo "$ID" "$s1" "$BATS_TEST_TMPDIR/out1"
	h1=$HOLDTTY_PID
	target_bundle
	# the target refuses at once without a console socket
	run "$SKIFF" --root "$R2" migrate --receive --listen 10.77.0.2:$PORT --bundle "$B2"
	assert_single_line_error "--console-socket is required"
	start_holdtty "$s2" "$BATS_TEST_TMPDIR/out2"
	h2=$HOLDTTY_PID
	TARGET_ARGS="--console-socket $s2" start_target
	migrate --rounds 0
	[ "$status" -eq 0 ] || { echo "$stderr; target: $(cat "$BATS_TEST_TMPDIR/target.out")" >&2; return 1; }
	wait_target
	assert_eq "$TSTATUS" 0
	run sk state "$ID"
	assert_single_line_error "does not exist"
	type_line "$s2" 1 after
	wait_long grep -q "got:after" "$BATS_TEST_TMPDIR/out2"
	run ! grep -q "got:after" "$BATS_TEST_TMPDIR/out1"
	touch "$s1.stop" "$s2.stop"
	wait "$h1" "$h2"
	"$SKIFF" --root "$R2" delete --force "$ID"
	[ ! -e "$R2/$ID" ]
}

@test "the target's config differs: refused before any dump, the source runs on" {
	run_hog 16 4
	pid=$(state_field "$ID" pid)
	cfg_set "$B2" "c['process']['cwd'] = '/tmp'"
	start_target
	migrate
	assert_eq "$status" 1
	assert_eq "$stderr" "skiff: the target's config differs from the container's: process.cwd"
	wait_target
	[ "$TSTATUS" -ne 0 ]
	assert_source_runs "$pid"
	assert_target_empty
}

@test "the target killed while the source is frozen: the source runs on, the target keeps nothing" {
	run_hog 64 8
	pid=$(state_field "$ID" pid)
	start_target
	(
		rc=0
		timeout 1200 "$SKIFF" --root "$ROOT" migrate --rounds 0 --timeout 600 \
			"$ID" tcp://10.77.0.2:$PORT >"$BATS_TEST_TMPDIR/src.out" 2>&1 || rc=$?
		echo "$rc" >"$BATS_TEST_TMPDIR/src.status"
	) &
	src=$!
	long_until 300 grep -qx 1 /sys/fs/cgroup/skiff/"$ID"/cgroup.freeze
	kill -KILL "$TPID"
	wait "$src"
	[ "$(cat "$BATS_TEST_TMPDIR/src.status")" -ne 0 ]
	out=$(cat "$BATS_TEST_TMPDIR/src.out")
	assert_eq "$(grep -c . <<<"$out")" 1
	assert_contains "$out" "skiff: "
	TPID=
	assert_source_runs "$pid"
	# SIGKILL left the target's work directory: the next receive removes it
	run "$SKIFF" --root "$R2" migrate --receive --listen 127.0.0.1:$PORT --bundle "$B2" --timeout 1
	assert_single_line_error "timed out after 1 s waiting for the source"
	# a restore killed on its way leaves at most the claimed ID's remains
	# (its processes stopped, never running), which delete -f removes, as
	# for any killed create
	if [ -e "$R2/$ID" ]; then
		# (criu itself may still be at work in the cgroup)
		for p in $(cat /sys/fs/cgroup/skiff-tgt/"$ID"/cgroup.procs 2>/dev/null); do
			[ "$(cat "/proc/$p/comm" 2>/dev/null)" = criu ] && continue
			[ -e "/proc/$p" ] || continue
			assert_eq "$(awk '{print $3}' "/proc/$p/stat")" T
		done
		"$SKIFF" --root "$R2" delete -f "$ID"
	fi
	assert_target_empty
}

@test "the source stopped during the pre-copy rounds: the target drops the restore it prepared (claimed ID, cgroup), the source runs on" {
	run_hog 64 8
	pid=$(state_field "$ID" pid)
	start_target
	"$SKIFF" --root "$ROOT" migrate --timeout 600 --rounds 8 "$ID" tcp://10.77.0.2:$PORT \
		>"$BATS_TEST_TMPDIR/src.out" 2>&1 &
	src=$!
	BG_PIDS=$src
	# the target claims the ID and makes the cgroup once the config
	# matched, before the first round's dump is through
	long_until 300 test -d /sys/fs/cgroup/skiff-tgt/"$ID"
	[ -d "$R2/$ID" ]
	note "restore prepared on the target; SIGTERM to the source"
	kill -TERM "$src"
	rc=0
	wait "$src" || rc=$?
	BG_PIDS=
	[ "$rc" -ne 0 ]
	out=$(cat "$BATS_TEST_TMPDIR/src.out")
	assert_eq "$(grep -c . <<<"$out")" 1
	assert_contains "$out" "skiff: "
	wait_target
	[ "$TSTATUS" -ne 0 ]
	assert_source_runs "$pid"
	assert_target_empty
}

@test "the source dies once the target restored: the copy there stays stopped, the source frozen, both can be taken back" {
	run_hog 16 4
	pid=$(state_field "$ID" pid)
	start_target
	note "migrate --rounds 0, the source exiting on RESTORED"
	run --separate-stderr env SKIFF_TEST_MIGRATE_DIE_RESTORED=1 timeout 1200 "$SKIFF" \
		--root "$ROOT" migrate --timeout 600 --rounds 0 "$ID" tcp://10.77.0.2:$PORT
	[ "$status" -eq 9 ]
	wait_target
	[ "$TSTATUS" -ne 0 ]
	out=$(cat "$BATS_TEST_TMPDIR/target.out")
	assert_eq "$(grep -c . <<<"$out")" 1
	assert_contains "$out" "is restored here but stopped, as the source did not confirm"
	# neither runs: the source frozen, every process of the target's stopped
	assert_eq "$(state_field "$ID" status)" paused
	procs=$(cat /sys/fs/cgroup/skiff-tgt/"$ID"/cgroup.procs)
	[ -n "$procs" ]
	for p in $procs; do
		assert_eq "$(awk '{print $3}' "/proc/$p/stat")" T
	done
	# the operator keeps the source: drops the target's copy, resumes
	"$SKIFF" --root "$R2" delete -f "$ID"
	assert_target_empty
	sk resume "$ID"
	# the killed source left its work directory: the next migrate from
	# this root (here one that finds no target) removes it
	[ -n "$(ls -A "$ROOT" | grep '^\.migrate-src\.')" ]
	run sk migrate --timeout 5 "$ID" tcp://10.77.0.2:1
	[ "$status" -ne 0 ]
	assert_source_runs "$pid"
}

@test "an image corrupted in transit: one-line error, nothing restored, the source runs on" {
	run_hog 16 4
	pid=$(state_field "$ID" pid)
	start_target SKIFF_TEST_MIGRATE_CORRUPT=inventory.img
	migrate --rounds 0
	assert_eq "$status" 1
	assert_contains "$stderr" "skiff: migrate: image inventory.img is corrupted: its checksum does not match"
	[ "$(grep -c . <<<"$stderr")" -eq 1 ]
	wait_target
	[ "$TSTATUS" -ne 0 ]
	assert_contains "$(cat "$BATS_TEST_TMPDIR/target.out")" "image inventory.img is corrupted"
	assert_source_runs "$pid"
	assert_target_empty
}

@test "256 MiB with an 8 MiB hot part: pre-copy, then stop-and-copy back" {
	run_hog 256 8
	start_target
	migrate --rounds 3 --format json
	[ "$status" -eq 0 ] || { echo "$stderr; target: $(cat "$BATS_TEST_TMPDIR/target.out")" >&2; return 1; }
	report "pre-copy 256 MiB"
	[ "$(json_get - 'j["bytes"][0]' <<<"$output")" -ge $((256 << 20)) ]
	assert_migrated
}

#!/usr/bin/env bats
# signals.bats - what the container's process gets of skiff's caller's
# signal state (nothing: default dispositions, an empty mask) and which
# signals run and exec forward (every forwardable one, also when the
# caller ignores them, with or without a terminal), as runc.

bats_require_minimum_version 1.5.0

load helpers

setup_file() { skiff_setup_file; }
setup() { skiff_setup; }
teardown() {
	[ -n "${BG:-}" ] && kill -KILL "$BG" 2>/dev/null
	skiff_teardown
}

# ignoring CMD...: run CMD with SIGHUP, SIGINT and SIGQUIT ignored and
# SIGUSR1, SIGUSR2 and SIGTERM blocked (what nohup, a `&` job of a script
# or a careless supervisor hands down).  It execs: call it in a subshell,
# `run` or a `&` job.
ignoring() {
	exec python3 -c '
import os, signal, sys
for s in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT):
    signal.signal(s, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM})
os.execvp(sys.argv[1], sys.argv[1:])
' "$@"
}

# pty_ignoring CMD...: run_in_pty CMD with SIGHUP, SIGINT and SIGQUIT
# ignored and SIGUSR1 and SIGTERM blocked.
pty_ignoring() {
	run_in_pty python3 -c '
import os, signal, sys
for s in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT):
    signal.signal(s, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGTERM})
os.execvp(sys.argv[1], sys.argv[1:])
' "$@"
}

# clean_sigs: $output holds "SigBlk:\t0..0" and "SigIgn:\t0..0".
clean_sigs() {
	local blk ign
	blk=$(printf '%s\n' "$output" | awk '/^SigBlk:/ {print $2}')
	ign=$(printf '%s\n' "$output" | awk '/^SigIgn:/ {print $2}')
	assert_eq "SigBlk $blk" "SigBlk 0000000000000000" || return 1
	assert_eq "SigIgn $ign" "SigIgn 0000000000000000"
}

SIGS=(grep -E '^Sig(Blk|Ign)' /proc/self/status)

@test "run: the process gets default dispositions and an empty mask, whatever the caller ignored" {
	cfg_args "$BUNDLE" "${SIGS[@]}"
	run ignoring "$SKIFF" --root "$ROOT" run -b "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 0 ]
	clean_sigs
}

@test "run with a terminal: default dispositions and an empty mask" {
	cfg_args "$BUNDLE" "${SIGS[@]}"
	cfg_set "$BUNDLE" 'c["process"]["terminal"]=True'
	pty_ignoring "$SKIFF" --root "$ROOT" run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	clean_sigs
}

@test "create + start: default dispositions and an empty mask" {
	local out=$BATS_TEST_TMPDIR/out
	cfg_args "$BUNDLE" "${SIGS[@]}"
	(ignoring "$SKIFF" --root "$ROOT" create -b "$BUNDLE" "$ID" </dev/null >"$out" 2>&1)
	# the stub waits with the same state
	output=$(grep -E '^Sig(Blk|Ign)' /proc/"$(state_field "$ID" pid)"/status)
	clean_sigs
	(ignoring "$SKIFF" --root "$ROOT" start "$ID")
	wait_status "$ID" stopped
	output=$(cat "$out")
	clean_sigs
}

@test "exec (with and without a terminal): default dispositions and an empty mask" {
	run_sleeping "$ID"
	run ignoring "$SKIFF" --root "$ROOT" exec "$ID" "${SIGS[@]}"
	[ "$status" -eq 0 ]
	clean_sigs
	pty_ignoring "$SKIFF" --root "$ROOT" exec -t "$ID" "${SIGS[@]}"
	[ "$status" -eq 0 ]
	clean_sigs
}

@test "hooks get default dispositions and an empty mask" {
	add_hook "$BUNDLE" prestart "{\"path\":\"$(host_script pre "cat >/dev/null; grep -E '^Sig(Blk|Ign)' /proc/self/status >$BATS_TEST_TMPDIR/hook")\"}"
	cfg_args "$BUNDLE" true
	run ignoring "$SKIFF" --root "$ROOT" run -b "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 0 ]
	output=$(cat "$BATS_TEST_TMPDIR/hook")
	clean_sigs
}

# The container's script: trap SIG, say so on stdout, wait; exit 3 on SIG.
TRAPPER='trap "echo got-$1; exit 3" $1; echo ready; sleep 1000 & wait'

# forwarded CMD-PID OUT SIG: once OUT says ready and CMD-PID blocks SIG,
# send SIG to CMD-PID: it must end with status 3 and OUT say got-SIG.
forwarded() {
	local pid=$1 out=$2 sig=$3 rc=0
	wait_until grep -q ready "$out" || { cat "$out" >&2; return 1; }
	wait_sig_blocked "$pid" "$(kill -l "$sig")"
	kill -"$sig" "$pid"
	if ! wait_pid_gone "$pid"; then
		echo "SIG$sig was not forwarded (or not acted on): $(tr -d '\r' <"$out")" >&2
		return 1
	fi
	wait "$pid" || rc=$?
	BG=
	assert_eq "status $rc" "status 3"
	assert_contains "$(cat "$out")" "got-$sig"
}

@test "run in the background of a script (SIGINT ignored) forwards SIGINT" {
	local out=$BATS_TEST_TMPDIR/out
	cfg_args "$BUNDLE" sh -c "$TRAPPER" "$MARK" INT
	ignoring "$SKIFF" --root "$ROOT" run -b "$BUNDLE" "$ID" </dev/null >"$out" 2>&1 &
	BG=$!
	forwarded "$BG" "$out" INT
}

@test "run forwards SIGHUP, SIGQUIT and SIGUSR2 that the caller ignored or blocked" {
	local out=$BATS_TEST_TMPDIR/out sig n=0
	for sig in HUP QUIT USR2; do
		n=$((n + 1))
		cfg_args "$BUNDLE" sh -c "$TRAPPER" "$MARK" "$sig"
		ignoring "$SKIFF" --root "$ROOT" run -b "$BUNDLE" "$ID-$n" </dev/null >"$out" 2>&1 &
		BG=$!
		forwarded "$BG" "$out" "$sig"
	done
}

@test "exec forwards SIGINT that the caller ignores" {
	local out=$BATS_TEST_TMPDIR/out
	run_sleeping "$ID"
	ignoring "$SKIFF" --root "$ROOT" exec "$ID" sh -c "$TRAPPER" "$MARK" INT </dev/null >"$out" 2>&1 &
	BG=$!
	forwarded "$BG" "$out" INT
}

@test "run with a terminal forwards every signal, not only the terminal's (USR1, ALRM)" {
	local out=$BATS_TEST_TMPDIR/out sig n=0 pid
	cfg_set "$BUNDLE" 'c["process"]["terminal"]=True'
	for sig in USR1 ALRM INT; do
		n=$((n + 1))
		: >"$out"
		cfg_args "$BUNDLE" sh -c "$TRAPPER" "$MARK" "$sig"
		python3 "$SKIFF_TOOLS/ptyrun.py" "$SKIFF" --root "$ROOT" run -b "$BUNDLE" "$ID-$n" \
			</dev/null >"$out" 2>&1 &
		BG=$!
		wait_until grep -q ready "$out"
		pid=$(pgrep -f -- "^$SKIFF --root $ROOT run -b $BUNDLE $ID-$n\$")
		wait_sig_blocked "$pid" "$(kill -l "$sig")"
		kill -"$sig" "$pid"
		if ! wait_pid_gone "$BG"; then
			echo "SIG$sig was not forwarded: $(tr -d '\r' <"$out")" >&2
			return 1
		fi
		local rc=0
		wait "$BG" || rc=$?
		BG=
		assert_eq "$sig: status $rc" "$sig: status 3"
		assert_contains "$(cat "$out")" "got-$sig"
	done
}

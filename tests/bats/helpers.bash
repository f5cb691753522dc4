# tests/bats/helpers.bash - shared helpers for skiff's bats suite.
#
# Use:   load helpers
#        setup_file()    { skiff_setup_file; }      # builds one demo rootfs per file
#        setup()         { skiff_setup; }           # ROOT, BUNDLE, ID, MARK per test
#        teardown()      { skiff_teardown; }        # delete --force every container
#
# Variables after skiff_setup:
#   SKIFF   the binary ($SKIFF, default ../../build/skiff)
#   ROOT    a per-test state directory ($BATS_TEST_TMPDIR/state)
#   BUNDLE  a per-test bundle: config.json (from config.json.example) and
#           rootfs, a hard-linked copy of the file's demo rootfs
#   ID      a container ID unique to this test
#   MARK    a unique word to put into a process's args (for pgrep -f)
#   SHORT   a short per-test directory under /tmp for unix sockets

SKIFF=${SKIFF:-$BATS_TEST_DIRNAME/../../build/skiff}
SKIFF_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
SKIFF_TOOLS=$BATS_TEST_DIRNAME/tools

# skiff_setup_file: a demo rootfs in $BATS_FILE_TMPDIR/demo, made once per file.
skiff_setup_file() {
	[ -x "$SKIFF" ] || {
		echo "skiff binary $SKIFF not found (set SKIFF=)" >&2
		return 1
	}
	"$SKIFF_TOP/tests/make-demo-bundle" "$BATS_FILE_TMPDIR/demo" >&2
}

# vm_only: skip unless inside the test VM (tests/vm/run sets SKIFF_VM=1).
vm_only() {
	[ "${SKIFF_VM:-}" = 1 ] || skip "not inside the test VM (use tests/vm/run)"
}

# vm_setup_file: skiff_setup_file, inside the test VM only.
vm_setup_file() {
	vm_only
	skiff_setup_file
}

skiff_setup() {
	ROOT=$BATS_TEST_TMPDIR/state
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	ID=sk$BATS_TEST_NUMBER-$$-$RANDOM
	MARK=skiffmark-$BATS_TEST_NUMBER-$$-$RANDOM
	SHORT=$(mktemp -d /tmp/skb.XXXXXX)
	make_bundle "$BUNDLE"
}

# make_bundle DIR: DIR/config.json and DIR/rootfs (hard links into the demo).
make_bundle() {
	mkdir -p "$1"
	cp -al "$BATS_FILE_TMPDIR/demo/rootfs" "$1/rootfs"
	cp "$BATS_FILE_TMPDIR/demo/config.json" "$1/config.json"
}

# rootfs_write BUNDLE PATH MODE: stdin into BUNDLE/rootfs/PATH (never
# through a shared hard link).
rootfs_write() {
	local f=$1/rootfs/$2
	mkdir -p "$(dirname "$f")"
	rm -f "$f"
	cat > "$f"
	chmod "${3:-0644}" "$f"
}

skiff_teardown() {
	local id
	if [ -d "${ROOT:-}" ]; then
		for id in $(ls "$ROOT"); do
			timeout 20 "$SKIFF" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
		done
	fi
	# kill anything a failed test left behind (by its unique marker / ID)
	if [ -n "${MARK:-}" ]; then pkill -KILL -f -- "$MARK" 2>/dev/null || true; fi
	if [ -n "${ID:-}" ]; then pkill -KILL -f -- "$ID" 2>/dev/null || true; fi
	[ -n "${SHORT:-}" ] && rm -rf "$SHORT"
	# empty cgroups of this test's containers that a failed skiff left
	if [ -n "${ID:-}" ]; then
		local d
		for d in $(find /sys/fs/cgroup -maxdepth 5 -type d -name "$ID*" 2>/dev/null | sort -r); do
			[ -z "$(cat "$d/cgroup.procs" 2>/dev/null)" ] && rmdir "$d" 2>/dev/null
		done
	fi
	# leftover mounts under this test's directory
	if [ -n "${BATS_TEST_TMPDIR:-}" ]; then
		grep -F " $BATS_TEST_TMPDIR" /proc/self/mountinfo | awk '{print $5}' | sort -r |
			while read -r m; do umount -l "$m" 2>/dev/null; done
	fi
	return 0
}

# sk ARGS...: skiff with this test's --root, bounded in time.
sk() {
	timeout 20 "$SKIFF" --root "$ROOT" "$@"
}

# _cfg_edit CONFIG N ARG... [STATEMENT...]: with N >= 0, process.args = the
# N ARGs; then the python statements on c; one python start.
_cfg_edit() {
	python3 - "$@" <<'EOF'
import json, sys
p, n = sys.argv[1], int(sys.argv[2])
with open(p) as f:
    c = json.load(f)
if n >= 0:
    c["process"]["args"] = sys.argv[3:3 + n]
for stmt in sys.argv[3 + max(n, 0):]:
    exec(stmt)
with open(p, "w") as f:
    json.dump(c, f, indent=1)
EOF
}

# cfg_set BUNDLE 'python statement on c' [more statements...]
cfg_set() {
	local b=$1
	shift
	_cfg_edit "$b/config.json" -1 "$@"
}

# cfg_args BUNDLE ARG...: set process.args.
cfg_args() {
	local b=$1
	shift
	_cfg_edit "$b/config.json" $# "$@"
}

# cfg_sh BUNDLE 'script': process.args = sh -c script MARK (the marker is $0).
cfg_sh() {
	cfg_args "$1" sh -c "$2" "$MARK"
}

# json_get FILE|- 'python expression on j': print the result (str as is).
json_get() {
	local src=$1
	python3 -c '
import json, sys
src, expr = sys.argv[1], sys.argv[2]
j = json.load(sys.stdin if src == "-" else open(src))
v = eval(expr)
print(v if isinstance(v, str) else json.dumps(v))
' "$src" "$2"
}

# state_field ID FIELD: a scalar field of `skiff state ID` (sed, not
# python: every python start costs a second or more in the TCG VM; the
# state is pretty-printed one field per line).
state_field() {
	local out
	out=$(sk state "$1") || return 1
	printf '%s\n' "$out" | sed -n "s/^  \"$2\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p"
}

# poll_for TRIES PAUSE CMD...: run CMD until it succeeds, at most TRIES
# times, PAUSE seconds apart.
poll_for() {
	local n=$1 pause=$2 i
	shift 2
	for i in $(seq 1 "$n"); do
		"$@" && return 0
		sleep "$pause"
	done
	return 1
}

# wait_until CMD...: poll (bounded, 10 s) until CMD succeeds.
wait_until() {
	poll_for 200 0.05 "$@"
}

status_is() {
	[ "$(state_field "$1" status 2>/dev/null || echo gone)" = "$2" ]
}

# wait_status ID STATUS: until the container is STATUS.
wait_status() {
	wait_until status_is "$1" "$2" && return 0
	echo "container $1 is $(state_field "$1" status 2>/dev/null || echo gone), not $2" >&2
	return 1
}

# wait_file FILE: until FILE exists and is not empty.
wait_file() {
	wait_until test -s "$1" && return 0
	echo "$1 did not appear" >&2
	return 1
}

# wait_pid_gone PID: until PID is gone.
wait_pid_gone() {
	wait_until eval "! kill -0 $1 2>/dev/null" && return 0
	echo "pid $1 still alive" >&2
	return 1
}

# assert_one_error: $output (from `run`) is one line starting "skiff: ",
# status non-zero; optional args: substrings that must appear.
assert_error() {
	if [ "$status" -eq 0 ]; then
		echo "expected failure, got status 0; output: $output" >&2
		return 1
	fi
	local lines
	lines=$(printf '%s\n' "$output" | grep -c '^skiff: ' || true)
	if [ "$lines" -lt 1 ]; then
		echo "no 'skiff: ' error line in: $output" >&2
		return 1
	fi
	local s
	for s in "$@"; do
		if [[ "$output" != *"$s"* ]]; then
			echo "error does not mention '$s': $output" >&2
			return 1
		fi
	done
}

# assert_single_line_error: as assert_error, and the error is exactly one line.
assert_single_line_error() {
	assert_error "$@" || return 1
	local n
	n=$(printf '%s\n' "$output" | grep -c . || true)
	if [ "$n" -ne 1 ]; then
		echo "expected one line, got $n: $output" >&2
		return 1
	fi
}

# assert_contains HAYSTACK NEEDLE
assert_contains() {
	if [[ "$1" != *"$2"* ]]; then
		echo "'$2' not found in: $1" >&2
		return 1
	fi
}

# assert_eq GOT WANT
assert_eq() {
	if [ "$1" != "$2" ]; then
		echo "got '$1', want '$2'" >&2
		return 1
	fi
}

# assert_nothing_left ID [BUNDLE]: no state dir, no process with ID or MARK
# in its command line, no mount of the bundle.
assert_nothing_left() {
	local id=$1 bundle=${2:-$BUNDLE} i
	if [ -e "$ROOT/$id" ]; then
		echo "state directory $ROOT/$id left behind: $(ls -la "$ROOT/$id")" >&2
		return 1
	fi
	# processes are reaped asynchronously by nobody else: allow a short bounded wait
	for i in $(seq 1 100); do
		pgrep -f -- "$id" >/dev/null || pgrep -f -- "$MARK" >/dev/null || break
		sleep 0.05
	done
	if pgrep -f -- "$id" >/dev/null || pgrep -f -- "$MARK" >/dev/null; then
		echo "process left behind:" >&2
		pgrep -af -- "$id" >&2
		pgrep -af -- "$MARK" >&2
		return 1
	fi
	local m
	m=$(grep -cF -- "$bundle" /proc/self/mountinfo || true)
	if [ "$m" -ne 0 ]; then
		echo "mounts left behind:" >&2
		grep -F -- "$bundle" /proc/self/mountinfo >&2
		return 1
	fi
	m=$(skiff_cgroups_of "$id")
	if [ -n "$m" ]; then
		echo "cgroups left behind: $m" >&2
		return 1
	fi
}

# skiff_cgroups_of ID: cgroup directories named ID (skiff's default
# cgroupsPath is /skiff/ID), deepest first.
skiff_cgroups_of() {
	find /sys/fs/cgroup -maxdepth 5 -type d -name "$1" 2>/dev/null | sort -r
}

# SLEEPER: a pid-1-safe sleeping script (TERM ends it with status 143).
SLEEPER='trap "exit 143" TERM; sleep 1000 & wait'

# create_sleeping ID: create a container whose process sleeps (the marker
# is in its args); run_sleeping ID: and start it, wait until running.
create_sleeping() {
	local id=$1
	shift
	cfg_sh "$BUNDLE" "$SLEEPER"
	sk create -b "$BUNDLE" "$@" "$id" </dev/null >/dev/null 2>&1 || return 1
}

run_sleeping() {
	create_sleeping "$1" || return 1
	sk start "$1" || return 1
	wait_status "$1" running
}

# add_hook BUNDLE KIND JSON: append the hook object JSON to hooks.KIND.
add_hook() {
	python3 - "$1/config.json" "$2" "$3" <<'PYEOF'
import json, sys
p, kind, hook = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
with open(p) as f:
    c = json.load(f)
c.setdefault("hooks", {}).setdefault(kind, []).append(hook)
with open(p, "w") as f:
    json.dump(c, f, indent=1)
PYEOF
}

# host_script NAME BODY: an executable /bin/sh script $BATS_TEST_TMPDIR/NAME;
# prints its path.
host_script() {
	local f=$BATS_TEST_TMPDIR/$1
	printf '#!/bin/sh\n%s\n' "$2" >"$f"
	chmod 0755 "$f"
	echo "$f"
}

# run_bg_safe ARGS...: like `run sk ARGS` for commands that leave a
# container process holding stdout/stderr (create, run -d): the output goes
# through a file, so bats never waits for the container.  Sets $status,
# $output and $lines.
run_bg_safe() {
	local f=$BATS_TEST_TMPDIR/run_bg_safe.out
	status=0
	sk "$@" </dev/null >"$f" 2>&1 || status=$?
	output=$(cat "$f")
	mapfile -t lines <"$f"
}

# start_recvtty SOCKET OUTFILE [INPUT]: the console-socket receiver in the
# background (listening when this returns); RECVTTY_PID is its pid.
start_recvtty() {
	python3 "$SKIFF_TOOLS/recvtty.py" "$@" &
	RECVTTY_PID=$!
	wait_file "$1.ready"
}

# wait_recvtty: wait for the receiver (it gives up by itself after 20 s);
# its output, without carriage returns, in $output.
wait_recvtty() {
	local rc=0
	wait "$RECVTTY_PID" || rc=$?
	output=$(tr -d '\r' <"$1")
	mapfile -t lines <<<"$output"
	return $rc
}

# run_in_pty CMD...: run CMD with a new pty as its stdio (tools/ptyrun.py);
# $status is CMD's status, $output its output without carriage returns.
run_in_pty() {
	status=0
	output=$(python3 "$SKIFF_TOOLS/ptyrun.py" "$@" </dev/null | tr -d '\r'; exit "${PIPESTATUS[0]}") || status=$?
	mapfile -t lines <<<"$output"
}

# assert_exit PID RC: the background job PID (of this shell) exits with RC.
assert_exit() {
	local rc=0
	wait "$1" || rc=$?
	[ "$rc" -eq "$2" ] || {
		echo "exit status $rc, expected $2" >&2
		return 1
	}
}

# wait_sig_blocked PID SIGNUM: poll (bounded, 10 s) until PID blocks SIGNUM
# (skiff blocks the signals it forwards while it waits for the process).
wait_sig_blocked() {
	local i mask
	for i in $(seq 1 200); do
		mask=$(awk '/^SigBlk:/ {print $2}' /proc/"$1"/status 2>/dev/null) || mask=0
		[ -n "$mask" ] && [ $((0x$mask >> ($2 - 1) & 1)) -eq 1 ] && return 0
		sleep 0.05
	done
	echo "pid $1 does not block signal $2" >&2
	return 1
}

#!/usr/bin/env bats
# escape.bats - CVE-2024-21626 and its class: a process.cwd (or exec
# --cwd) of /proc/self/fd/N must never start the container's process in a
# host directory, whatever fds skiff's caller left open; the cwd is
# resolved inside the container's root and checked to be there; hooks get
# stdio only.

bats_require_minimum_version 1.5.0

load helpers

setup_file() { skiff_setup_file; }
setup() {
	skiff_setup
	# a host directory with a secret the container must never read
	HOSTDIR=$BATS_TEST_TMPDIR/hostdir
	SECRET=host-secret-$$-$RANDOM
	mkdir -p "$HOSTDIR"
	echo "$SECRET" >"$HOSTDIR/secret"
	# from any host directory, ten ".." reach the host's / and then the
	# secret; in the container these paths do not exist
	PROBE="pwd; cat secret ../../../../../../../../../..$HOSTDIR/secret 2>/dev/null; true"
}
teardown() { skiff_teardown; }

# refused N: the last command ($status/$output) was refused with one line
# naming process.cwd, and the secret is not in its output.
refused() {
	if [[ "$output" == *"$SECRET"* ]]; then
		echo "N=$1: the container read the host's secret: $output" >&2
		return 1
	fi
	if [ "$status" -eq 0 ]; then
		echo "N=$1: a cwd of /proc/self/fd/$1 was accepted: $output" >&2
		return 1
	fi
	assert_single_line_error process.cwd "/proc/self/fd/$1" || {
		echo "(N=$1)" >&2
		return 1
	}
}

# each_host_fd CMD...: with host directories open as fds 7, 8, 9, 14 and
# 15 (what a careless caller leaves open), CMD N for N = 3..20.
each_host_fd() {
	local n
	exec 7<"$HOSTDIR" 8</ 9</etc 14</root 15<"$HOSTDIR"
	for n in $(seq 3 20); do
		"$@" "$n"
	done
	exec 7<&- 8<&- 9<&- 14<&- 15<&-
}

# start_refused HOW N: with process.cwd /proc/self/fd/N, starting $ID-N
# (HOW: run, run in a pty, create) is refused and leaves nothing.
start_refused() {
	cfg_set "$BUNDLE" "c['process']['cwd']='/proc/self/fd/$2'"
	case $1 in
	run) run sk run -b "$BUNDLE" "$ID-$2" </dev/null ;;
	pty) run_in_pty "$SKIFF" --root "$ROOT" run -b "$BUNDLE" "$ID-$2" ;;
	create) run_bg_safe create -b "$BUNDLE" "$ID-$2" ;;
	esac
	refused "$2"
	assert_nothing_left "$ID-$2"
}

# exec_refused N: exec --cwd /proc/self/fd/N, and the same through
# --process, are refused.
exec_refused() {
	run sk exec --cwd "/proc/self/fd/$1" "$ID" sh -c "$PROBE"
	refused "$1"
	printf '{"args":["sh","-c","%s"],"cwd":"/proc/self/fd/%s"}' "$PROBE" "$1" \
		>"$BATS_TEST_TMPDIR/p.json"
	run sk exec -p "$BATS_TEST_TMPDIR/p.json" "$ID"
	refused "$1"
}

# exec_t_refused N: exec -t --cwd /proc/self/fd/N is refused.
exec_t_refused() {
	run_in_pty "$SKIFF" --root "$ROOT" exec -t --cwd "/proc/self/fd/$1" "$ID" sh -c "$PROBE"
	refused "$1"
}

@test "run: process.cwd /proc/self/fd/N (N=3..20) with host directories open in the caller is refused" {
	cfg_sh "$BUNDLE" "$PROBE"
	each_host_fd start_refused run
}

@test "run with a terminal: process.cwd /proc/self/fd/N (N=3..20) is refused" {
	cfg_sh "$BUNDLE" "$PROBE"
	cfg_set "$BUNDLE" 'c["process"]["terminal"]=True'
	each_host_fd start_refused pty
}

@test "create: process.cwd /proc/self/fd/N (N=3..20) is refused at create, nothing left" {
	cfg_sh "$BUNDLE" "$PROBE"
	each_host_fd start_refused create
}

@test "exec --cwd /proc/self/fd/N (N=3..20) with host directories open in the caller is refused" {
	run_sleeping "$ID"
	each_host_fd exec_refused
}

@test "exec -t --cwd /proc/self/fd/N (N=3..20) is refused" {
	run_sleeping "$ID"
	each_host_fd exec_t_refused
}

@test "exec --preserve-fds: a preserved host directory is not a way out either" {
	run_sleeping "$ID"
	run sk exec --preserve-fds 1 --cwd /proc/self/fd/3 "$ID" sh -c "$PROBE" 3<"$HOSTDIR"
	refused 3
	# and the preserved fd itself still reaches the process
	run sk exec --preserve-fds 1 "$ID" sh -c 'cat /proc/self/fd/3/secret' 3<"$HOSTDIR"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$SECRET"
}

@test "process.cwd: '..' and symlinks are resolved inside the container's root" {
	ln -s /../../../../etc "$BUNDLE/rootfs/up"
	cfg_args "$BUNDLE" pwd
	cfg_set "$BUNDLE" 'c["process"]["cwd"]="/../../../../tmp/../etc"'
	run sk run -b "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 0 ]
	assert_eq "$output" /etc
	cfg_set "$BUNDLE" 'c["process"]["cwd"]="/up"'
	run sk run -b "$BUNDLE" "$ID-2" </dev/null
	[ "$status" -eq 0 ]
	assert_eq "$output" /etc
	run_sleeping "$ID-3"
	run sk exec --cwd /up/../../../.. "$ID-3" pwd
	[ "$status" -eq 0 ]
	assert_eq "$output" /
}

@test "process.cwd: a magic link of the container's own /proc is refused too" {
	cfg_sh "$BUNDLE" "$PROBE"
	cfg_set "$BUNDLE" 'c["process"]["cwd"]="/proc/self/cwd"'
	run sk run -b "$BUNDLE" "$ID" </dev/null
	assert_single_line_error process.cwd /proc/self/cwd
	assert_nothing_left "$ID"
}

@test "hooks get stdio only: neither the caller's fds nor skiff's" {
	local kind h=$BATS_TEST_TMPDIR/h
	mkdir -p "$h"
	for kind in prestart createRuntime createContainer poststart poststop; do
		add_hook "$BUNDLE" "$kind" "{\"path\":\"$(host_script "$kind" "cat >/dev/null; ls /proc/self/fd | tr '\n' ' ' >$h/$kind")\"}"
	done
	# startContainer runs a program of the container, in the container
	rootfs_write "$BUNDLE" /fdhook 0755 <<'EOF'
#!/bin/sh
cat >/dev/null
ls /proc/self/fd | tr '\n' ' ' >/fdhook.out
EOF
	add_hook "$BUNDLE" startContainer '{"path":"/fdhook"}'
	cfg_set "$BUNDLE" 'c["root"]["readonly"]=False'
	cfg_args "$BUNDLE" true
	exec 7<"$HOSTDIR" 8</ 9</etc
	run sk run -b "$BUNDLE" "$ID" </dev/null
	exec 7<&- 8<&- 9<&-
	[ "$status" -eq 0 ]
	# ls's own fds: stdio and the directory it reads
	for kind in prestart createRuntime createContainer poststart poststop; do
		assert_eq "$kind: $(cat "$h/$kind")" "$kind: 0 1 2 3 "
	done
	assert_eq "startContainer: $(cat "$BUNDLE/rootfs/fdhook.out")" "startContainer: 0 1 2 3 "
}

@test "the container's process has stdio and the preserved fds only" {
	cfg_args "$BUNDLE" ls /proc/self/fd
	exec 7<"$HOSTDIR" 8</ 9</etc
	run sk run --preserve-fds 2 -b "$BUNDLE" "$ID" </dev/null 3</ 4</etc
	exec 7<&- 8<&- 9<&-
	[ "$status" -eq 0 ]
	# 5: ls's own directory fd
	assert_eq "$(echo $output)" "0 1 2 3 4 5"
}

@test "--log: the log file never takes the place of a preserved fd" {
	local log=$BATS_TEST_TMPDIR/skiff.log
	cfg_args "$BUNDLE" readlink /proc/self/fd/3
	# fd 3 closed in the caller: the log file is opened as fd 3
	run sk --log "$log" run --preserve-fds 1 -b "$BUNDLE" "$ID" </dev/null 3<&-
	[[ "$output" != *"$log"* ]]
	run_sleeping "$ID-2"
	run sk --log "$log" exec --preserve-fds 1 "$ID-2" readlink /proc/self/fd/3 3<&-
	[[ "$output" != *"$log"* ]]
}

@test "--preserve-fds with fds the caller has not open: nothing of skiff's takes their place" {
	local probe='for f in 3 4 5; do readlink /proc/self/fd/$f; done 2>/dev/null; true'
	cfg_sh "$BUNDLE" "$probe"
	run sk --log "$BATS_TEST_TMPDIR/log" run --preserve-fds 3 -b "$BUNDLE" "$ID" </dev/null 3<&- 4<&- 5<&-
	[ "$status" -eq 0 ]
	assert_eq "run: $output" "run: "
	run_sleeping "$ID-2"
	# exec opens the state directory, a pidfd and namespace fds
	run sk --log "$BATS_TEST_TMPDIR/log" exec --preserve-fds 3 "$ID-2" sh -c "$probe" 3<&- 4<&- 5<&-
	[ "$status" -eq 0 ]
	assert_eq "exec: $output" "exec: "
	# an open one among them still passes
	run sk exec --preserve-fds 3 "$ID-2" sh -c "$probe" 3<&- 4<"$HOSTDIR" 5<&-
	[ "$status" -eq 0 ]
	assert_eq "exec: $output" "exec: $HOSTDIR"
}

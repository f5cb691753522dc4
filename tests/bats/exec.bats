#!/usr/bin/env bats
# exec.bats - `skiff exec`: namespaces, args, env, cwd, user, caps,
# --process, -d/--pid-file, exit status, fds.

bats_require_minimum_version 1.5.0
load helpers

setup_file() { skiff_setup_file; }
setup() {
	skiff_setup
	cfg_set "$BUNDLE" 'c["hostname"]="exec-host"'
	run_sleeping "$ID"
	PID1=$(state_field "$ID" pid)
}
teardown() { skiff_teardown; }

@test "exec: runs in the container's namespaces (hostname, pid 1 is the init)" {
	run sk exec "$ID" sh -c 'hostname; echo $$; cat /proc/1/cmdline | tr "\0" " "'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" exec-host
	[ "${lines[1]}" -gt 1 ]
	assert_contains "${lines[2]}" "$MARK"
}

@test "exec: ps inside shows the init, the exec'd process and nothing of the host" {
	run sk exec "$ID" ps -o pid,args
	[ "$status" -eq 0 ]
	[[ "$output" =~ (^|$'\n')\ *1\ [^$'\n']*$MARK ]]
	[ "${#lines[@]}" -le 5 ]
	[[ "$output" != *bats* ]]
}

@test "exec: the exit status passes through" {
	run sk exec "$ID" sh -c 'exit 9'
	[ "$status" -eq 9 ]
	run sk exec "$ID" false
	[ "$status" -eq 1 ]
	run sk exec "$ID" true
	[ "$status" -eq 0 ]
}

@test "exec: a process killed by signal N gives 128+N" {
	run sk exec "$ID" sh -c 'kill -KILL $$'
	[ "$status" -eq 137 ]
	assert_eq "$(state_field "$ID" status)" running
}

@test "exec: the container keeps running after exec'd processes exit" {
	sk exec "$ID" true
	sk exec "$ID" true
	assert_eq "$(state_field "$ID" status)" running
	assert_eq "$(state_field "$ID" pid)" "$PID1"
}

@test "exec: the config's env is kept; -e adds and overrides" {
	run sk exec -e FOO=bar --env TERM=dumb -e 'SPACED=a b' "$ID" sh -c 'echo "$FOO|$TERM|$SPACED|$PATH"'
	[ "$status" -eq 0 ]
	assert_eq "$output" "bar|dumb|a b|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	run sk exec "$ID" sh -c 'echo "$TERM"'
	assert_eq "$output" xterm
}

@test "exec: --cwd sets the working directory; default is the config's cwd" {
	run sk exec --cwd /etc "$ID" pwd
	[ "$status" -eq 0 ]
	assert_eq "$output" /etc
	run sk exec "$ID" pwd
	assert_eq "$output" /
}

@test "exec: a --cwd that does not exist is an error" {
	run sk exec --cwd /no-such-dir "$ID" pwd
	assert_single_line_error /no-such-dir
}

@test "exec: -u UID:GID runs as that user and group" {
	run sk exec -u 1000:1001 "$ID" sh -c 'id -u; id -g'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" 1000
	assert_eq "${lines[1]}" 1001
}

@test "exec: -u UID alone: group 0" {
	run sk exec --user 1000 "$ID" sh -c 'id -u; id -g'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" 1000
	assert_eq "${lines[1]}" 0
}

@test "exec: -g adds supplementary groups" {
	run sk exec -u 1000:1000 -g 5 --additional-gids 7 "$ID" id -G
	[ "$status" -eq 0 ]
	[[ " $output " == *" 5 "* ]]
	[[ " $output " == *" 7 "* ]]
}

@test "exec: the default user is the config's (root)" {
	run sk exec "$ID" id -u
	assert_eq "$output" 0
}

@test "exec: --cap adds a capability" {
	run sk exec "$ID" grep CapEff /proc/self/status
	[ "$status" -eq 0 ]
	local without
	without=$(awk '{print $2}' <<<"$output")
	# CAP_SYS_ADMIN is bit 21: not in the config's set
	[ $((0x$without >> 21 & 1)) -eq 0 ]
	run sk exec --cap CAP_SYS_ADMIN "$ID" grep CapEff /proc/self/status
	[ "$status" -eq 0 ]
	local with
	with=$(awk '{print $2}' <<<"$output")
	[ $((0x$with >> 21 & 1)) -eq 1 ]
	# the config's capabilities stay
	[ $((0x$with & 0x$without)) -eq $((0x$without)) ]
}

@test "exec: --no-new-privs sets no_new_privs" {
	sk delete --force "$ID"
	cfg_set "$BUNDLE" 'c["process"]["noNewPrivileges"]=False'
	run_sleeping "$ID"
	run sk exec "$ID" grep NoNewPrivs /proc/self/status
	assert_eq "$(awk '{print $2}' <<<"$output")" 0
	run sk exec --no-new-privs "$ID" grep NoNewPrivs /proc/self/status
	[ "$status" -eq 0 ]
	assert_eq "$(awk '{print $2}' <<<"$output")" 1
}

@test "exec --process FILE: args, env, cwd and user from the JSON" {
	cat >"$BATS_TEST_TMPDIR/p.json" <<'EOF'
{
	"terminal": false,
	"user": { "uid": 1234, "gid": 4321 },
	"args": [ "sh", "-c", "echo \"$(id -u):$(id -g) $(pwd) $PROCVAR\"" ],
	"env": [ "PATH=/bin:/usr/bin", "PROCVAR=from-json" ],
	"cwd": "/tmp"
}
EOF
	run sk exec --process "$BATS_TEST_TMPDIR/p.json" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "1234:4321 /tmp from-json"
}

@test "exec -p FILE: the exit status passes through" {
	cat >"$BATS_TEST_TMPDIR/p.json" <<'EOF'
{ "args": [ "sh", "-c", "exit 12" ], "cwd": "/", "env": [ "PATH=/bin" ] }
EOF
	run sk exec -p "$BATS_TEST_TMPDIR/p.json" "$ID"
	[ "$status" -eq 12 ]
}

@test "exec -d --pid-file: returns at once; the pid file names the running process" {
	run_bg_safe exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$ID" sh -c 'sleep 1000; :' "$MARK-exec"
	[ "$status" -eq 0 ]
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	[ "$pid" -gt 0 ]
	kill -0 "$pid"
	assert_contains "$(tr '\0' ' ' </proc/"$pid"/cmdline)" "$MARK-exec"
	# it is in the container's pid namespace
	assert_eq "$(readlink /proc/"$pid"/ns/pid)" "$(readlink /proc/"$PID1"/ns/pid)"
	# and the container's ps sees it
	run sk ps --format json "$ID"
	assert_eq "$(json_get - "$pid in j" <<<"$output")" true
	kill -KILL "$pid"
	wait_pid_gone "$pid"
}

@test "exec: the process joins the container's cgroups" {
	run_bg_safe exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$ID" sh -c 'sleep 1000; :' "$MARK-exec"
	[ "$status" -eq 0 ]
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	assert_eq "$(cat /proc/"$pid"/cgroup)" "$(cat /proc/"$PID1"/cgroup)"
}

@test "exec --pid-file in the foreground" {
	run sk exec --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$ID" sh -c 'echo $$'
	[ "$status" -eq 0 ]
	[ -s "$BATS_TEST_TMPDIR/exec.pid" ]
	[ "$(cat "$BATS_TEST_TMPDIR/exec.pid")" -gt 0 ]
}

@test "exec: stdin is passed" {
	run sk exec "$ID" sh -c 'read x; echo "in:$x"' <<<"exec-stdin"
	[ "$status" -eq 0 ]
	assert_eq "$output" "in:exec-stdin"
}

@test "exec: signals sent to skiff are forwarded" {
	"$SKIFF" --root "$ROOT" exec "$ID" sh -c 'trap "exit 33" USR1; echo ready; sleep 1000 & wait' \
		</dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 &
	local runner=$!
	wait_file "$BATS_TEST_TMPDIR/out"
	# skiff forwards once it waits (see the report: a signal before that kills it)
	wait_sig_blocked "$runner" 10
	kill -USR1 "$runner"
	local rc=0
	wait "$runner" || rc=$?
	[ "$rc" -eq 33 ]
}

@test "exec: the process holds no skiff handle; only 0 1 2 are open" {
	local skiff_real
	skiff_real=$(readlink -f "$SKIFF")
	exec 7<"$BATS_TEST_TMPDIR"
	# ls's own fd 3 is the directory it reads
	run sk exec "$ID" ls /proc/self/fd
	exec 7<&-
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "0 1 2 3"
	run sk exec "$ID" sh -c 'readlink /proc/self/exe; ls -l /proc/self/fd/'
	[ "$status" -eq 0 ]
	assert_contains "${lines[0]}" busybox
	[[ "$output" != *"$skiff_real"* ]]
	[[ "$output" != *skiff* ]]
}

@test "exec --preserve-fds: fd 3 reaches the process" {
	echo "exec-preserved" >"$BATS_TEST_TMPDIR/in"
	run sk exec --preserve-fds 1 "$ID" cat /proc/self/fd/3 3<"$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	assert_eq "$output" exec-preserved
}

@test "exec: several processes at once" {
	local i
	for i in 1 2 3; do
		run_bg_safe exec -d "$ID" sh -c 'sleep 1000; :' "$MARK-x$i"
		[ "$status" -eq 0 ]
	done
	run sk ps --format json "$ID"
	# the init, its sleep, and 3 x (sh + sleep)
	[ "$(json_get - 'len(j)' <<<"$output")" -ge 5 ]
	sk delete --force "$ID"
	assert_nothing_left "$ID"
	run ! pgrep -f -- "$MARK-x"
}

@test "exec: the exec'd process does not keep the container from being deleted" {
	run_bg_safe exec -d "$ID" sh -c 'sleep 1000; :' "$MARK-x"
	local p
	p=$(pgrep -f -- "$MARK-x")
	[ -n "$p" ]
	sk delete --force "$ID"
	wait_pid_gone "$p"
	assert_nothing_left "$ID"
}

@test "exec: missing command is an error" {
	run sk exec "$ID"
	assert_single_line_error "missing command"
}

@test "exec into a paused container: 255 and runc's message; --ignore-paused runs it once resumed" {
	sk pause "$ID"
	run sk exec "$ID" true
	[ "$status" -eq 255 ]
	assert_single_line_error "paused" "--ignore-paused"
	timeout 20 "$SKIFF" --root "$ROOT" exec --ignore-paused "$ID" echo "ign-$MARK" \
		>"$BATS_TEST_TMPDIR/ign" 2>&1 &
	local p=$!
	sleep 0.5
	sk resume "$ID"
	wait "$p"
	assert_eq "$(cat "$BATS_TEST_TMPDIR/ign")" "ign-$MARK"
}

@test "exec: skiff's own failures exit 255 (not found, not executable, --pid-file, unknown container); the process's statuses pass" {
	run sk exec "$ID" /nonexistent
	[ "$status" -eq 255 ]
	assert_single_line_error /nonexistent
	run sk exec "$ID" /etc/passwd
	[ "$status" -eq 255 ]
	assert_single_line_error /etc/passwd
	# the process never ran: the pid file is written before it starts
	# (one killed after its start could leave a child holding our pipe);
	# ten tries, as a process killed just after its start may not have
	# got as far as its first command
	for i in 1 2 3 4 5 6 7 8 9 10; do
		run sk exec --pid-file "$BATS_TEST_TMPDIR/no/dir/pid" "$ID" sh -c 'echo ran >/dev/shm/ran-pf; exec sleep 1000' "$MARK-pf"
		[ "$status" -eq 255 ]
		assert_single_line_error pid-file
	done
	[ -z "$(pgrep -f -- "$MARK-pf")" ]
	run sk exec "$ID" cat /dev/shm/ran-pf
	[ "$status" -ne 0 ]
	run sk exec "$ID-none" true
	[ "$status" -eq 255 ]
	run sk exec "$ID" sh -c 'exit 255'
	[ "$status" -eq 255 ]
	assert_eq "$output" ""
	run sk exec "$ID" sh -c 'exit 1'
	[ "$status" -eq 1 ]
	# a bad command line stays 1, as runc's
	run sk exec --frobnicate "$ID" true
	[ "$status" -eq 1 ]
}

@test "exec --cgroup: sub-cgroups of the container (all hierarchies, or per controller); errors" {
	[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && skip "v1/hybrid host only"
	local mem pids
	mem=$(awk -F: '$2=="memory"{print $3}' /proc/"$PID1"/cgroup)
	mkdir "/sys/fs/cgroup/memory$mem/sub" "/sys/fs/cgroup/pids$mem/sub"
	run sk exec --cgroup memory:sub "$ID" sh -c 'cat /proc/self/cgroup'
	[ "$status" -eq 0 ]
	assert_contains "$output" ":memory:/sub"
	assert_contains "$output" ":pids:/"$'\n'
	run sk exec --cgroup memory,pids:sub "$ID" cat /proc/self/cgroup
	assert_contains "$output" ":pids:/sub"
	run sk exec --cgroup sub "$ID" true
	[ "$status" -eq 255 ]
	assert_error "sub-cgroup" "does not exist"
	run sk exec --cgroup bogus:sub "$ID" true
	[ "$status" -eq 255 ]
	assert_single_line_error "unknown controller bogus"
	run sk exec --cgroup ../x "$ID" true
	assert_single_line_error "not a sub-cgroup"
	# a process left in a sub-cgroup: delete --force still removes everything
	run_bg_safe exec -d --cgroup memory,pids:sub "$ID" sleep 1000
	[ "$status" -eq 0 ]
	sk delete --force "$ID"
	assert_nothing_left "$ID"
}

@test "exec: the process is in the init's cgroup in every hierarchy" {
	run_bg_safe exec -d --pid-file "$BATS_TEST_TMPDIR/p" "$ID" sleep 1000
	local p
	p=$(cat "$BATS_TEST_TMPDIR/p")
	assert_eq "$(cat /proc/"$p"/cgroup)" "$(cat /proc/"$PID1"/cgroup)"
}

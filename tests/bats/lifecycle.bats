#!/usr/bin/env bats
# lifecycle.bats - create, start, run, state, list, kill, delete, ps, and
# the fds a container gets.

bats_require_minimum_version 1.5.0
load helpers

setup_file() { skiff_setup_file; }
setup() { skiff_setup; }
teardown() { skiff_teardown; }

@test "run: the demo bundle prints hello, exits 0 and deletes the container" {
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "hello from skiff: skiff, pid 1, uid=0(root)"
	assert_nothing_left "$ID"
	[ -z "$(ls "$ROOT")" ]
}

@test "run: -b defaults to the current directory" {
	cfg_args "$BUNDLE" echo "from-cwd"
	cd "$BUNDLE"
	run sk run "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "from-cwd"
}

@test "run: the process's exit status is skiff's exit status" {
	cfg_sh "$BUNDLE" 'exit 7'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 7 ]
	assert_nothing_left "$ID"
}

@test "run: a process killed by signal N gives 128+N" {
	cfg_sh "$BUNDLE" "$SLEEPER"
	sk run -b "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 &
	local runner=$!
	wait_status "$ID" running
	sk kill "$ID" KILL
	assert_exit "$runner" 137
	assert_nothing_left "$ID"
}

@test "run: signals sent to skiff are forwarded to the process" {
	cfg_sh "$BUNDLE" 'trap "exit 42" USR1; echo ready; sleep 1000 & wait'
	# skiff itself in the background (no timeout wrapper between)
	"$SKIFF" --root "$ROOT" run -b "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 &
	local runner=$!
	wait_file "$BATS_TEST_TMPDIR/out"
	assert_contains "$(cat "$BATS_TEST_TMPDIR/out")" ready
	# skiff forwards once it waits (see the report: a signal before that kills it)
	wait_sig_blocked "$runner" 10
	kill -USR1 "$runner"
	assert_exit "$runner" 42
	assert_nothing_left "$ID"
}

@test "run --keep: the stopped container stays until delete" {
	cfg_sh "$BUNDLE" 'exit 3'
	run sk run --keep -b "$BUNDLE" "$ID"
	[ "$status" -eq 3 ]
	assert_eq "$(state_field "$ID" status)" stopped
	run sk delete "$ID"
	[ "$status" -eq 0 ]
	assert_nothing_left "$ID"
}

@test "run -d: returns while the process runs; kill stops it; delete cleans up" {
	cfg_sh "$BUNDLE" "$SLEEPER"
	sk run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	assert_eq "$(state_field "$ID" status)" running
	local pid
	pid=$(state_field "$ID" pid)
	[ "$pid" -gt 0 ]
	kill -0 "$pid"
	sk kill "$ID"
	wait_status "$ID" stopped
	sk delete "$ID"
	assert_nothing_left "$ID"
}

@test "create: the container is created and waits on exec.fifo; start runs it" {
	cfg_sh "$BUNDLE" 'echo started >/tmp/x; echo out-$0'
	sk create -b "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1
	assert_eq "$(state_field "$ID" status)" created
	[ -p "$ROOT/$ID/exec.fifo" ]
	local pid
	pid=$(state_field "$ID" pid)
	kill -0 "$pid"
	# not started yet: nothing printed
	run ! grep -q out- "$BATS_TEST_TMPDIR/out"
	sk start "$ID"
	wait_status "$ID" stopped
	assert_contains "$(cat "$BATS_TEST_TMPDIR/out")" "out-$MARK"
	[ ! -e "$ROOT/$ID/exec.fifo" ]
	sk delete "$ID"
	assert_nothing_left "$ID"
}

@test "create --pid-file: the file holds the init's pid" {
	create_sleeping "$ID" --pid-file "$BATS_TEST_TMPDIR/pid"
	assert_eq "$(cat "$BATS_TEST_TMPDIR/pid")" "$(state_field "$ID" pid)"
	sk delete --force "$ID"
	assert_nothing_left "$ID"
}

@test "run -d --pid-file: the pid is the container's process" {
	cfg_sh "$BUNDLE" "$SLEEPER"
	sk run -d --pid-file "$BATS_TEST_TMPDIR/pid" -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	assert_eq "$pid" "$(state_field "$ID" pid)"
	assert_contains "$(tr '\0' ' ' </proc/"$pid"/cmdline)" "$MARK"
}

@test "state: every runtime-spec field, annotations from the config" {
	cfg_set "$BUNDLE" 'c["annotations"]={"org.skiff.test":"yes","k2":"v2"}'
	create_sleeping "$ID"
	local j
	j=$(sk state "$ID")
	assert_eq "$(json_get - 'j["ociVersion"]' <<<"$j")" 1.2.0
	assert_eq "$(json_get - 'j["id"]' <<<"$j")" "$ID"
	assert_eq "$(json_get - 'j["status"]' <<<"$j")" created
	assert_eq "$(json_get - 'j["bundle"]' <<<"$j")" "$BUNDLE"
	assert_eq "$(json_get - 'j["rootfs"]' <<<"$j")" "$BUNDLE/rootfs"
	assert_eq "$(json_get - 'j["owner"]' <<<"$j")" root
	assert_eq "$(json_get - 'j["annotations"]["org.skiff.test"]' <<<"$j")" yes
	assert_eq "$(json_get - 'j["annotations"]["k2"]' <<<"$j")" v2
	[ "$(json_get - 'j["pid"]' <<<"$j")" -gt 1 ]
	# created is RFC 3339
	[[ "$(json_get - 'j["created"]' <<<"$j")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$ ]]
}

@test "state: created -> running -> stopped" {
	create_sleeping "$ID"
	assert_eq "$(state_field "$ID" status)" created
	sk start "$ID"
	assert_eq "$(state_field "$ID" status)" running
	sk kill "$ID" TERM
	wait_status "$ID" stopped
}

@test "list: table header and one row per container" {
	create_sleeping "$ID.a"
	create_sleeping "$ID.b"
	sk start "$ID.b"
	run sk list
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER$ ]]
	[ "${#lines[@]}" -eq 3 ]
	[[ "$output" =~ $ID\.a\ +[0-9]+\ +created\ +$BUNDLE ]]
	[[ "$output" =~ $ID\.b\ +[0-9]+\ +running\ +$BUNDLE ]]
}

@test "list -q prints only IDs; list with an empty root prints the header only" {
	run sk list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	create_sleeping "$ID"
	run sk list -q
	[ "$status" -eq 0 ]
	assert_eq "$output" "$ID"
}

@test "list --format json: an array of states" {
	create_sleeping "$ID"
	run sk list --format json
	[ "$status" -eq 0 ]
	assert_eq "$(json_get - 'len(j)' <<<"$output")" 1
	assert_eq "$(json_get - 'j[0]["id"]' <<<"$output")" "$ID"
	assert_eq "$(json_get - 'j[0]["status"]' <<<"$output")" created
	assert_eq "$(json_get - 'j[0]["bundle"]' <<<"$output")" "$BUNDLE"
	assert_eq "$(json_get - 'j[0]["pid"]' <<<"$output")" "$(state_field "$ID" pid)"
	run sk list -f yaml
	assert_error "table or json"
}

@test "kill: default signal is TERM" {
	cfg_sh "$BUNDLE" 'trap "echo got-term; exit 0" TERM; echo ready; sleep 1000 & wait'
	sk run -d -b "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1
	wait_file "$BATS_TEST_TMPDIR/out"
	sk kill "$ID"
	wait_status "$ID" stopped
	assert_contains "$(cat "$BATS_TEST_TMPDIR/out")" got-term
}

@test "kill: signal by name, SIG-prefixed name and number" {
	local sig
	for sig in USR1 SIGUSR2 10; do
		cfg_sh "$BUNDLE" 'trap "echo got-usr1" USR1; trap "echo got-usr2" USR2; echo ready; while :; do sleep 1 & wait; done'
		: >"$BATS_TEST_TMPDIR/out"
		sk run -d -b "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1
		wait_file "$BATS_TEST_TMPDIR/out"
		sk kill "$ID" "$sig"
		local i
		for i in $(seq 1 200); do
			grep -q got- "$BATS_TEST_TMPDIR/out" && break
			sleep 0.05
		done
		case $sig in
		SIGUSR2) grep -q got-usr2 "$BATS_TEST_TMPDIR/out" ;;
		*) grep -q got-usr1 "$BATS_TEST_TMPDIR/out" ;;
		esac
		sk delete --force "$ID"
		assert_nothing_left "$ID"
	done
}

@test "kill --all: every process of the container gets the signal" {
	# pid 1 ignores TERM (no handler) but its child does not
	cfg_sh "$BUNDLE" 'sleep 1000 & echo $! >/tmp/child; while :; do sleep 1; done'
	sk run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	local pid
	pid=$(state_field "$ID" pid)
	local n
	n=$(pgrep -c -P "$pid" sleep) || true
	run sk kill --all "$ID" KILL
	[ "$status" -eq 0 ]
	wait_status "$ID" stopped
	wait_pid_gone "$pid"
}

@test "kill: a stopped container is an error" {
	cfg_args "$BUNDLE" true
	sk run --keep -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	run sk kill "$ID" KILL
	# runc's words: containerd's runc shim takes "container not running"
	# for a process already gone (a repeated StopContainer from CRI)
	assert_single_line_error "$ID" "container not running"
}

@test "delete: a created container needs --force" {
	create_sleeping "$ID"
	local pid
	pid=$(state_field "$ID" pid)
	run sk delete "$ID"
	assert_single_line_error "$ID" created
	assert_eq "$(state_field "$ID" status)" created
	kill -0 "$pid"
	run sk delete --force "$ID"
	[ "$status" -eq 0 ]
	wait_pid_gone "$pid"
	assert_nothing_left "$ID"
}

@test "delete: a running container needs --force; -f kills it" {
	run_sleeping "$ID"
	local pid
	pid=$(state_field "$ID" pid)
	run sk delete "$ID"
	assert_single_line_error "$ID" running
	assert_eq "$(state_field "$ID" status)" running
	run sk delete -f "$ID"
	[ "$status" -eq 0 ]
	wait_pid_gone "$pid"
	assert_nothing_left "$ID"
}

@test "delete of an unknown container fails; with --force it is done, silently (as runc and crun)" {
	run sk delete --force "$ID"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run sk delete "$ID"
	assert_single_line_error "$ID" "does not exist"
}

@test "delete: a stopped container goes away; state then says it does not exist" {
	cfg_args "$BUNDLE" true
	sk run --keep -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	sk delete "$ID"
	run sk state "$ID"
	assert_single_line_error "$ID" "does not exist"
	assert_nothing_left "$ID"
}

@test "ps: the table holds the container's processes only" {
	run_sleeping "$ID"
	local pid
	pid=$(state_field "$ID" pid)
	run sk ps "$ID"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *PID* ]]
	[[ "$output" == *"$MARK"* ]]
	# the init and its sleep child, nothing else
	[ "${#lines[@]}" -eq 3 ]
	local row
	for row in "${lines[@]:1}"; do
		local p
		p=$(awk '{print $2}' <<<"$row")
		[ "$p" = "$pid" ] || [ "$(awk '{print $4}' /proc/"$p"/stat)" = "$pid" ]
	done
}

@test "ps --format json: an array of host pids with the init" {
	run_sleeping "$ID"
	local pid
	pid=$(state_field "$ID" pid)
	run sk ps --format json "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(json_get - "$pid in j" <<<"$output")" true
	assert_eq "$(json_get - 'len(j)' <<<"$output")" 2
}

@test "ps: extra arguments are passed to ps" {
	run_sleeping "$ID"
	run sk ps "$ID" -o pid,comm
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ PID\ +COMMAND ]]
	[[ "$output" == *sleep* ]]
}

@test "start: runs the process; start twice is an error" {
	create_sleeping "$ID"
	sk start "$ID"
	run sk start "$ID"
	assert_single_line_error "$ID" running
	assert_eq "$(state_field "$ID" status)" running
}

@test "start: a stopped container is an error" {
	cfg_args "$BUNDLE" true
	sk run --keep -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	run sk start "$ID"
	assert_single_line_error "$ID" stopped
}

@test "create: a config without process can be created but start says so" {
	cfg_set "$BUNDLE" 'del c["process"]'
	sk create -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	assert_eq "$(state_field "$ID" status)" created
	run sk start "$ID"
	assert_single_line_error "$ID" "no process"
	sk delete --force "$ID"
	assert_nothing_left "$ID"
}

@test "run: a config without process is an error and leaves nothing" {
	cfg_set "$BUNDLE" 'del c["process"]'
	run sk run -b "$BUNDLE" "$ID"
	assert_single_line_error "process"
	assert_nothing_left "$ID"
}

@test "run --no-pivot: the container runs" {
	cfg_sh "$BUNDLE" 'cat /proc/self/mountinfo | grep -c " / / " ; echo ok-$0'
	run sk run --no-pivot -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "ok-$MARK"
	assert_nothing_left "$ID"
}

@test "run: a new session keyring _ses.ID unless --no-new-keyring" {
	cfg_set "$BUNDLE" 'c["linux"]["maskedPaths"].remove("/proc/keys")'
	cfg_args "$BUNDLE" sh -c 'grep -c "_ses\.$1:" /proc/keys || true' "$MARK" "$ID"
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" 1
	cfg_args "$BUNDLE" sh -c 'grep -c "_ses\.$1:" /proc/keys || true' "$MARK" "$ID-nk"
	run sk run --no-new-keyring -b "$BUNDLE" "$ID-nk"
	[ "$status" -eq 0 ]
	assert_eq "$output" 0
	assert_nothing_left "$ID"
}

@test "--preserve-fds: fd 3 is passed to the container" {
	echo "preserved-content" >"$BATS_TEST_TMPDIR/in"
	cfg_sh "$BUNDLE" 'cat /proc/self/fd/3; ls /proc/self/fd | tr "\n" " "'
	run sk run --preserve-fds 1 -b "$BUNDLE" "$ID" 3<"$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	assert_contains "$output" preserved-content
	assert_nothing_left "$ID"
}

@test "fds: only 0 1 2 (and preserved ones) are open in the container" {
	cfg_sh "$BUNDLE" 'exec ls /proc/self/fd'
	exec 7<"$BATS_TEST_TMPDIR/../" 8>"$BATS_TEST_TMPDIR/w"
	run sk run -b "$BUNDLE" "$ID"
	exec 7<&- 8>&-
	[ "$status" -eq 0 ]
	# ls opens one fd for the directory it reads
	local fds
	fds=$(echo $output)
	assert_eq "$fds" "0 1 2 3"
	echo x >"$BATS_TEST_TMPDIR/in"
	run sk run --preserve-fds 2 -b "$BUNDLE" "$ID" 3<"$BATS_TEST_TMPDIR/in" 4<"$BATS_TEST_TMPDIR/in" 7<"$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "0 1 2 3 4 5"
}

@test "fds: the container holds no handle on the skiff binary" {
	local skiff_real
	skiff_real=$(readlink -f "$SKIFF")
	cfg_sh "$BUNDLE" 'readlink /proc/1/exe; ls -l /proc/1/fd/ /proc/self/fd/; sleep 1000 & wait'
	sk create -b "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1
	# the waiting init is the sealed stub, not skiff
	local pid exe
	pid=$(state_field "$ID" pid)
	exe=$(readlink /proc/"$pid"/exe)
	[[ "$exe" != "$skiff_real"* ]]
	local fds
	fds=$(ls -l /proc/"$pid"/fd/)
	[[ "$fds" != *"$skiff_real"* ]]
	sk start "$ID"
	local i
	for i in $(seq 1 200); do
		grep -q 'fd' "$BATS_TEST_TMPDIR/out" && break
		sleep 0.05
	done
	cat "$BATS_TEST_TMPDIR/out"
	run ! grep -F -- "$skiff_real" "$BATS_TEST_TMPDIR/out"
	run ! grep -F -- "build-" "$BATS_TEST_TMPDIR/out"
	exe=$(readlink /proc/"$pid"/exe)
	[[ "$exe" != "$skiff_real"* ]]
	assert_contains "$exe" busybox
}

@test "run: stdin is passed to the process" {
	cfg_args "$BUNDLE" sh -c 'read x; echo "got:$x"'
	run sk run -b "$BUNDLE" "$ID" <<<"piped-in"
	[ "$status" -eq 0 ]
	assert_eq "$output" "got:piped-in"
}

@test "run: the container's process environment, cwd and args come from the config" {
	cfg_set "$BUNDLE" 'c["process"]["env"].append("SKIFFVAR=v1")' 'c["process"]["cwd"]="/etc"'
	cfg_sh "$BUNDLE" 'echo "$SKIFFVAR $(pwd) $0"'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "v1 /etc $MARK"
}

@test "many containers: create, start and delete 5 in one root" {
	local i
	for i in 1 2 3 4 5; do
		MARK=$MARK-$i create_sleeping "$ID-$i"
	done
	assert_eq "$(sk list -q | wc -l)" 5
	for i in 1 2 3 4 5; do
		sk start "$ID-$i"
	done
	for i in 1 2 3 4 5; do
		sk delete --force "$ID-$i"
		MARK=$MARK-$i assert_nothing_left "$ID-$i"
	done
	[ -z "$(ls "$ROOT")" ]
}

@test "kill KILL of a container with many processes: stopped when kill returns, delete succeeds" {
	cfg_sh "$BUNDLE" 'for i in $(seq 1 300); do sleep 1000 & done; wait'
	sk run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	wait_status "$ID" running
	many() { [ "$(sk ps -f json "$ID" | tr , '\n' | wc -l)" -gt 250 ]; }
	wait_until many
	sk kill "$ID" KILL
	sk delete "$ID"
	assert_nothing_left "$ID"
}

@test "kill: TERM the process does not handle ends it when it is not PID 1; PID 1 ignores it (as runc)" {
	# no pid namespace: sleep dies of TERM, and is gone when kill returns
	cfg_set "$BUNDLE" 'c["linux"]["namespaces"]=[n for n in c["linux"]["namespaces"] if n["type"]!="pid"]'
	cfg_sh "$BUNDLE" "exec sleep 1000"
	sk run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	wait_status "$ID" running
	sk kill "$ID" TERM
	assert_eq "$(state_field "$ID" status)" stopped
	sk delete "$ID"
	# PID 1 of its own pid namespace without a handler: the kernel drops TERM
	make_bundle "$BATS_TEST_TMPDIR/b2"
	cfg_args "$BATS_TEST_TMPDIR/b2" sh -c "exec sleep 1000" "$MARK"
	sk run -d -b "$BATS_TEST_TMPDIR/b2" "$ID-2" </dev/null >/dev/null 2>&1
	wait_status "$ID-2" running
	sk kill "$ID-2" TERM
	assert_eq "$(state_field "$ID-2" status)" running
	sk kill "$ID-2" SIGKILL
	assert_eq "$(state_field "$ID-2" status)" stopped
	sk delete "$ID-2"
}

@test "kill: signal 0 checks the init; names with and without SIG, lower case, numbers" {
	run_sleeping "$ID"
	sk kill "$ID" 0
	run sk kill "$ID" SIGUSR1x
	assert_single_line_error SIGUSR1x
	sk kill "$ID" sigwinch
	sk kill "$ID" WINCH
	sk kill "$ID" 28
	assert_eq "$(state_field "$ID" status)" running
	sk kill "$ID" 9
	assert_eq "$(state_field "$ID" status)" stopped
	run sk kill "$ID" 0
	assert_single_line_error "not running"
}

@test "pause of a created container: paused, resume gives created back, start then runs it" {
	create_sleeping "$ID"
	sk pause "$ID"
	assert_eq "$(state_field "$ID" status)" paused
	sk resume "$ID"
	assert_eq "$(state_field "$ID" status)" created
	sk start "$ID"
	wait_status "$ID" running
	sk pause "$ID"
	sk resume "$ID"
	assert_eq "$(state_field "$ID" status)" running
}

@test "delete --force of a paused container does not wait for the frozen init" {
	run_sleeping "$ID"
	sk pause "$ID"
	# before: a 10 s wait for the frozen init (bound well above normal)
	timeout 5 "$SKIFF" --root "$ROOT" delete --force "$ID"
	assert_nothing_left "$ID"
}

@test "kill KILL of a paused container: thawed, stopped, deletable" {
	run_sleeping "$ID"
	sk pause "$ID"
	timeout 5 "$SKIFF" --root "$ROOT" kill "$ID" KILL
	assert_eq "$(state_field "$ID" status)" stopped
	sk delete "$ID"
	assert_nothing_left "$ID"
}

@test "ps of a stopped container: status 0, the header only; json null (as runc)" {
	run_sleeping "$ID"
	sk kill "$ID" KILL
	wait_status "$ID" stopped
	run sk ps "$ID"
	[ "$status" -eq 0 ]
	assert_eq "${#lines[@]}" 1
	assert_contains "${lines[0]}" PID
	run sk ps -f json "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" null
}

@test "create --pid-file relative to another working directory" {
	cfg_sh "$BUNDLE" "$SLEEPER"
	mkdir "$BATS_TEST_TMPDIR/cwd"
	(cd "$BATS_TEST_TMPDIR/cwd" && sk create --pid-file pid.txt -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1)
	assert_eq "$(cat "$BATS_TEST_TMPDIR/cwd/pid.txt")" "$(state_field "$ID" pid)"
	assert_eq "$(state_field "$ID" status)" created
}

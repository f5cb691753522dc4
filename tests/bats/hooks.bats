#!/usr/bin/env bats
# hooks.bats - the six OCI hooks: when and where they run, their stdin,
# args, env, timeout, and what a failing hook does.

load helpers

setup_file() { skiff_setup_file; }
setup() {
	skiff_setup
	H=$BATS_TEST_TMPDIR/h
	mkdir -p "$H"
}
teardown() { skiff_teardown; }

# hook_recorder NAME: a host hook that saves its stdin to $H/NAME.json,
# its namespaces to $H/NAME.ns and appends NAME to $H/order.
hook_recorder() {
	host_script "$1" "cat >$H/$1.json
for n in mnt net uts ipc pid; do readlink /proc/self/ns/\$n; done >$H/$1.ns
hostname >$H/$1.hostname
echo $1 >>$H/order"
}

# ns_of PID: the namespace links of PID, as hook_recorder writes them.
ns_of() {
	local n
	for n in mnt net uts ipc pid; do readlink /proc/"$1"/ns/"$n"; done
}

# sk_status ARGS...: sk ARGS (stdin /dev/null, output through a file: a
# process left behind cannot hold it open); $status and $output set.
sk_status() {
	local f=$BATS_TEST_TMPDIR/out
	sk "$@" </dev/null >"$f" 2>&1 && status=0 || status=$?
	output=$(cat "$f")
}

# create_with_hook KIND HOOK-JSON: add the hook to a sleeper bundle, create
# $ID (sk_status).
create_with_hook() {
	add_hook "$BUNDLE" "$1" "$2"
	cfg_sh "$BUNDLE" "$SLEEPER"
	sk_status create -b "$BUNDLE" "$ID"
}

# create_times_out HOOK PIDFILE: with HOOK (which writes its pid to
# PIDFILE) a prestart hook of timeout 1 s, create fails with one line
# naming HOOK and "timed out", leaves nothing, and the hook is killed.
create_times_out() {
	create_with_hook prestart "{\"path\":\"$1\",\"timeout\":1}"
	[ "$status" -ne 124 ] || { echo "skiff hung (killed by timeout 20)" >&2; return 1; }
	assert_single_line_error "timed out" "$1"
	assert_nothing_left "$ID"
	wait_pid_gone "$(cat "$2")"
}

@test "prestart and createRuntime: run during create in the host's namespaces, with the state on stdin" {
	local kind
	cfg_set "$BUNDLE" 'c["annotations"]={"hook.test":"a1"}'
	for kind in prestart createRuntime; do
		add_hook "$BUNDLE" "$kind" "{\"path\":\"$(hook_recorder "$kind")\"}"
	done
	create_sleeping "$ID"
	local pid
	pid=$(state_field "$ID" pid)
	for kind in prestart createRuntime; do
		[ -s "$H/$kind.json" ] || { echo "$kind did not run" >&2; return 1; }
		assert_eq "$(json_get "$H/$kind.json" 'j["id"]')" "$ID"
		assert_eq "$(json_get "$H/$kind.json" 'j["pid"]')" "$pid"
		# the runtime spec's lifecycle: created (runc 1.1 says "creating")
		assert_eq "$(json_get "$H/$kind.json" 'j["status"]')" created
		assert_eq "$(json_get "$H/$kind.json" 'j["bundle"]')" "$BUNDLE"
		assert_eq "$(json_get "$H/$kind.json" 'j["ociVersion"]')" 1.2.0
		assert_eq "$(json_get "$H/$kind.json" 'j["annotations"]["hook.test"]')" a1
		assert_eq "$(cat "$H/$kind.ns")" "$(ns_of $$)"
		assert_eq "$(cat "$H/$kind.hostname")" "$(hostname)"
	done
	assert_eq "$(echo $(cat "$H/order"))" "prestart createRuntime"
}

@test "createContainer: runs during create in the container's namespaces (host path)" {
	add_hook "$BUNDLE" createContainer "{\"path\":\"$(hook_recorder cc)\"}"
	create_sleeping "$ID"
	local pid
	pid=$(state_field "$ID" pid)
	[ -s "$H/cc.json" ]
	assert_eq "$(json_get "$H/cc.json" 'j["id"]')" "$ID"
	assert_eq "$(json_get "$H/cc.json" 'j["pid"]')" "$pid"
	assert_eq "$(json_get "$H/cc.json" 'j["bundle"]')" "$BUNDLE"
	assert_eq "$(json_get "$H/cc.json" 'j["status"]')" created
	assert_eq "$(cat "$H/cc.ns")" "$(ns_of "$pid")"
	assert_eq "$(cat "$H/cc.hostname")" skiff
	# it ran before start
	assert_eq "$(state_field "$ID" status)" created
}

@test "startContainer: runs at start, in the container, path resolved in the container" {
	cfg_set "$BUNDLE" 'c["root"]["readonly"]=False'
	rootfs_write "$BUNDLE" /sbin/start-hook 0755 <<'EOF'
#!/bin/sh
cat >/start-hook.json
hostname >/start-hook.hostname
readlink /proc/self/ns/net >/start-hook.net
ls / >/start-hook.ls
EOF
	add_hook "$BUNDLE" startContainer '{"path":"/sbin/start-hook"}'
	create_sleeping "$ID"
	local pid
	pid=$(state_field "$ID" pid)
	# not at create
	[ ! -e "$BUNDLE/rootfs/start-hook.json" ]
	sk start "$ID"
	local r=$BUNDLE/rootfs
	[ -s "$r/start-hook.json" ]
	assert_eq "$(json_get "$r/start-hook.json" 'j["id"]')" "$ID"
	assert_eq "$(json_get "$r/start-hook.json" 'j["pid"]')" "$pid"
	assert_eq "$(json_get "$r/start-hook.json" 'j["bundle"]')" "$BUNDLE"
	# the process is not executed yet (lifecycle step 7): created
	assert_eq "$(json_get "$r/start-hook.json" 'j["status"]')" created
	assert_eq "$(cat "$r/start-hook.hostname")" skiff
	assert_eq "$(cat "$r/start-hook.net")" "$(readlink /proc/"$pid"/ns/net)"
	# it saw the container's root, not the host's
	grep -qx start-hook.json "$r/start-hook.ls"
}

@test "poststart: runs on the host after start with status running" {
	add_hook "$BUNDLE" poststart "{\"path\":\"$(hook_recorder poststart)\"}"
	create_sleeping "$ID"
	[ ! -e "$H/poststart.json" ]
	sk start "$ID"
	[ -s "$H/poststart.json" ]
	assert_eq "$(json_get "$H/poststart.json" 'j["id"]')" "$ID"
	assert_eq "$(json_get "$H/poststart.json" 'j["status"]')" running
	assert_eq "$(json_get "$H/poststart.json" 'j["pid"]')" "$(state_field "$ID" pid)"
	assert_eq "$(cat "$H/poststart.ns")" "$(ns_of $$)"
}

@test "poststop: runs at delete with status stopped" {
	add_hook "$BUNDLE" poststop "{\"path\":\"$(hook_recorder poststop)\"}"
	# "after the container is deleted": its state is gone when the hooks run
	add_hook "$BUNDLE" poststop "{\"path\":\"$(host_script where "cat >/dev/null; if [ -e '$ROOT/$ID' ]; then echo present; else echo gone; fi >$H/where")\"}"
	cfg_set "$BUNDLE" 'c["annotations"]={"k":"v"}'
	cfg_args "$BUNDLE" true
	sk run --keep -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	[ ! -e "$H/poststop.json" ]
	sk delete "$ID"
	[ -s "$H/poststop.json" ]
	assert_eq "$(json_get "$H/poststop.json" 'j["id"]')" "$ID"
	assert_eq "$(json_get "$H/poststop.json" 'j["status"]')" stopped
	assert_eq "$(json_get "$H/poststop.json" 'j["bundle"]')" "$BUNDLE"
	assert_eq "$(json_get "$H/poststop.json" 'j["annotations"]["k"]')" v
	assert_eq "$(cat "$H/where")" gone
	assert_nothing_left "$ID"
}

@test "poststop: runs once for run (foreground) and for delete --force" {
	add_hook "$BUNDLE" poststop "{\"path\":\"$(hook_recorder poststop)\"}"
	cfg_args "$BUNDLE" true
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(cat "$H/order")" poststop
	rm "$H/order"
	create_sleeping "$ID"
	sk start "$ID"
	sk delete --force "$ID"
	assert_eq "$(cat "$H/order")" poststop
	assert_nothing_left "$ID"
}

@test "the six hooks run in order across run" {
	local k
	cfg_set "$BUNDLE" 'c["root"]["readonly"]=False'
	for k in prestart createRuntime createContainer poststart poststop; do
		add_hook "$BUNDLE" "$k" "{\"path\":\"$(host_script "$k" "cat >/dev/null; echo $k >>$H/order")\"}"
	done
	# startContainer runs in the container: record into the rootfs, and
	# the container's process records itself after it
	rootfs_write "$BUNDLE" /sbin/sc-hook 0755 <<'EOF'
#!/bin/sh
cat >/dev/null
echo startContainer >>/order
EOF
	add_hook "$BUNDLE" startContainer '{"path":"/sbin/sc-hook"}'
	cfg_sh "$BUNDLE" 'echo process >>/order'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(echo $(cat "$H/order"))" "prestart createRuntime createContainer poststart poststop"
	assert_eq "$(echo $(cat "$BUNDLE/rootfs/order"))" "startContainer process"
}

@test "several hooks of one kind run in order" {
	local i
	for i in 1 2 3; do
		add_hook "$BUNDLE" prestart "{\"path\":\"$(host_script "h$i" "cat >/dev/null; echo $i >>$H/order")\"}"
	done
	cfg_args "$BUNDLE" true
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(echo $(cat "$H/order"))" "1 2 3"
}

@test "hooks get their args and only their env" {
	local p
	p=$(host_script args 'cat >/dev/null; echo "$# $1 $2 [$HOOKVAR] [$PATH] [$SKIFF_LEAK]" >'"$H/args.out")
	add_hook "$BUNDLE" prestart "{\"path\":\"$p\",\"args\":[\"args\",\"one\",\"two words\"],\"env\":[\"HOOKVAR=hv\"]}"
	cfg_args "$BUNDLE" true
	SKIFF_LEAK=leaked run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	local out
	out=$(cat "$H/args.out")
	# /bin/sh may set a default PATH of its own: only check what we control
	[[ "$out" == "2 one two words [hv] "* ]]
	[[ "$out" == *"[]" ]]
}

@test "a hook that exits without reading a large state (annotations > pipe size) fails only itself" {
	# the state JSON does not fit in a pipe: skiff's write meets a closed pipe
	cfg_set "$BUNDLE" 'c["annotations"]={"big":"x"*200000}'
	add_hook "$BUNDLE" prestart "{\"path\":\"$(host_script noread 'exit 0')\"}"
	cfg_args "$BUNDLE" true
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_nothing_left "$ID"
}

@test "a hook that never reads a large state still times out" {
	cfg_set "$BUNDLE" 'c["annotations"]={"big":"x"*200000}'
	create_times_out "$(host_script stuck "echo \$\$ >$H/stuck.pid; exec sleep 60")" "$H/stuck.pid"
}

@test "a hook's stdout does not go into the container's output" {
	add_hook "$BUNDLE" prestart "{\"path\":\"$(host_script talk 'cat >/dev/null; echo hook-says-hi')\"}"
	cfg_args "$BUNDLE" echo container-out
	sk run -b "$BUNDLE" "$ID" >"$BATS_TEST_TMPDIR/stdout" 2>"$BATS_TEST_TMPDIR/stderr"
	assert_eq "$(cat "$BATS_TEST_TMPDIR/stdout")" container-out
	assert_contains "$(cat "$BATS_TEST_TMPDIR/stderr")" hook-says-hi
}

failing_hook_leaves_nothing() { # KIND
	local kind=$1 p
	p=$(host_script fail "cat >/dev/null; echo hook-$kind-failing >&2; exit 3")
	create_with_hook "$kind" "{\"path\":\"$p\"}"
	assert_error "$kind" "$p"
	assert_contains "$output" "status 3"
	assert_nothing_left "$ID"
	[ -z "$(ls "$ROOT")" ]
	# the same with run
	sk_status run -d -b "$BUNDLE" "$ID"
	assert_error "$kind"
	assert_nothing_left "$ID"
}

@test "a failing prestart hook fails create and leaves nothing" {
	failing_hook_leaves_nothing prestart
}

@test "a failing createRuntime hook fails create and leaves nothing" {
	failing_hook_leaves_nothing createRuntime
}

@test "a failing createContainer hook fails create and leaves nothing" {
	failing_hook_leaves_nothing createContainer
}

@test "a failing startContainer hook fails start, kills the init; delete cleans up" {
	rootfs_write "$BUNDLE" /sbin/bad-hook 0755 <<'EOF'
#!/bin/sh
exit 4
EOF
	add_hook "$BUNDLE" startContainer '{"path":"/sbin/bad-hook"}'
	add_hook "$BUNDLE" poststart "{\"path\":\"$(hook_recorder poststart)\"}"
	create_sleeping "$ID"
	local pid
	pid=$(state_field "$ID" pid)
	run sk start "$ID"
	assert_error startContainer
	wait_pid_gone "$pid"
	# the process never ran, poststart did not run
	[ ! -e "$H/poststart.json" ]
	wait_status "$ID" stopped
	sk delete "$ID"
	assert_nothing_left "$ID"
}

@test "a failing startContainer hook fails run and leaves nothing" {
	rootfs_write "$BUNDLE" /sbin/bad-hook 0755 <<'EOF'
#!/bin/sh
exit 4
EOF
	add_hook "$BUNDLE" startContainer '{"path":"/sbin/bad-hook"}'
	cfg_sh "$BUNDLE" 'echo process-ran'
	run sk run -b "$BUNDLE" "$ID"
	assert_error startContainer
	[[ "$output" != *process-ran* ]]
	assert_nothing_left "$ID"
}

@test "a startContainer hook path is resolved in the container, not on the host" {
	# exists on the host only
	local p
	p=$(host_script hostonly 'exit 0')
	add_hook "$BUNDLE" startContainer "{\"path\":\"$p\"}"
	cfg_sh "$BUNDLE" 'echo process-ran'
	run sk run -b "$BUNDLE" "$ID"
	assert_error startContainer
	[[ "$output" != *process-ran* ]]
	assert_nothing_left "$ID"
}

@test "a failing poststart hook only warns" {
	add_hook "$BUNDLE" poststart "{\"path\":\"$(host_script fail 'cat >/dev/null; exit 5')\"}"
	create_sleeping "$ID"
	run sk start "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" poststart
	assert_eq "$(state_field "$ID" status)" running
}

@test "a failing poststart hook: the remaining poststart hooks still run" {
	add_hook "$BUNDLE" poststart "{\"path\":\"$(host_script fail 'cat >/dev/null; exit 5')\"}"
	add_hook "$BUNDLE" poststart "{\"path\":\"$(hook_recorder second)\"}"
	create_sleeping "$ID"
	run sk start "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "status 5"
	[ -s "$H/second.json" ] || { echo "the second poststart hook did not run" >&2; return 1; }
	assert_eq "$(json_get "$H/second.json" 'j["status"]')" running
}

@test "poststart: runs after the process is executed, before start returns" {
	# the hook sees the container's process (not skiff's init stub), and
	# it is done when start returns
	local p
	p=$(host_script seen "pid=\$(tr , '\\n' | sed -n 's/^\"pid\":\\([0-9]*\\)\$/\\1/p')
sleep 0.3
tr '\\0' ' ' </proc/\$pid/cmdline >$H/cmdline")
	add_hook "$BUNDLE" poststart "{\"path\":\"$p\"}"
	create_sleeping "$ID"
	sk start "$ID"
	[ -s "$H/cmdline" ] || { cat "$p" >&2; return 1; }
	assert_contains "$(cat "$H/cmdline")" "$MARK"
}

@test "a failing poststop hook only warns; the container is deleted" {
	add_hook "$BUNDLE" poststop "{\"path\":\"$(host_script fail 'cat >/dev/null; exit 6')\"}"
	cfg_args "$BUNDLE" true
	sk run --keep -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	run sk delete "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" poststop
	assert_nothing_left "$ID"
}

@test "poststop: a failing hook does not stop the others; they run after the container is deleted" {
	add_hook "$BUNDLE" poststop "{\"path\":\"$(host_script fail 'cat >/dev/null; exit 6')\"}"
	# the second hook looks for the container: delete must have removed it
	add_hook "$BUNDLE" poststop "{\"path\":\"$(host_script second "cat >/dev/null; if [ -e '$ROOT/$ID' ]; then echo present; else echo gone; fi >$H/second")\"}"
	cfg_args "$BUNDLE" true
	sk run --keep -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	run sk delete "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "status 6"
	[ -s "$H/second" ] || { echo "the second poststop hook did not run" >&2; return 1; }
	assert_eq "$(cat "$H/second")" gone
	assert_nothing_left "$ID"
}

@test "a hook that runs longer than its timeout fails create with 'timed out'" {
	create_times_out "$(host_script slow "cat >/dev/null; echo \$\$ >$H/slow.pid; exec sleep 60")" "$H/slow.pid"
}

@test "a hook within its timeout succeeds" {
	add_hook "$BUNDLE" prestart "{\"path\":\"$(host_script quick 'cat >/dev/null; echo ok >'"$H/quick")\",\"timeout\":10}"
	cfg_args "$BUNDLE" true
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	[ -s "$H/quick" ]
}

@test "a hook that does not exist fails create with its path and leaves nothing" {
	create_with_hook createRuntime "{\"path\":\"$BATS_TEST_TMPDIR/no-such-hook\"}"
	assert_error "$BATS_TEST_TMPDIR/no-such-hook"
	assert_nothing_left "$ID"
}

@test "a hook killed by a signal fails create" {
	create_with_hook prestart "{\"path\":\"$(host_script killself 'cat >/dev/null; kill -KILL $$')\"}"
	assert_single_line_error prestart "signal 9"
	assert_nothing_left "$ID"
}

@test "createContainer: a relative path runs from the container's root (runc)" {
	rootfs_write "$BUNDLE" /sbin/cc-hook 0755 <<HOOK
#!/bin/sh
cat >$H/cc-rel.json
pwd >$H/cc-rel.pwd
HOOK
	add_hook "$BUNDLE" createContainer '{"path":"sbin/cc-hook"}'
	cfg_args "$BUNDLE" true
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ -s "$H/cc-rel.json" ]
	assert_eq "$(json_get "$H/cc-rel.json" 'j["id"]')" "$ID"
	assert_eq "$(cat "$H/cc-rel.pwd")" "$BUNDLE/rootfs"
	assert_nothing_left "$ID"
}

@test "startContainer: hooks run under the container's seccomp filter" {
	cfg_set "$BUNDLE" 'c["root"]["readonly"]=False' \
		'c["linux"]["seccomp"]={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}'
	rootfs_write "$BUNDLE" /sbin/sc-hook 0755 <<'HOOK'
#!/bin/sh
cat >/dev/null
if mkdir /made-by-hook 2>/dev/null; then echo unfiltered; else echo filtered; fi >/sc-hook.out
HOOK
	add_hook "$BUNDLE" startContainer '{"path":"/sbin/sc-hook"}'
	cfg_sh "$BUNDLE" "$SLEEPER"
	run_bg_safe run -d -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	assert_eq "$(cat "$BUNDLE/rootfs/sc-hook.out")" filtered
	[ ! -e "$BUNDLE/rootfs/made-by-hook" ]
}

@test "hooks: a relative hook path is rejected at create" {

	create_with_hook prestart '{"path":"relative/hook"}'
	assert_single_line_error "hooks" "relative/hook"
	assert_nothing_left "$ID"
}

#!/usr/bin/env bats
# terminal.bats - process.terminal: run in the foreground under a pty,
# --console-socket (the pty master over SCM_RIGHTS), consoleSize, and exec -t.

load helpers

setup_file() { skiff_setup_file; }
setup() {
	skiff_setup
	cfg_set "$BUNDLE" 'c["process"]["terminal"]=True'
}
teardown() {
	[ -n "${RECVTTY_PID:-}" ] && kill "$RECVTTY_PID" 2>/dev/null
	skiff_teardown
}

@test "run (foreground) with terminal: the process has /dev/pts/0 as stdio" {
	cfg_sh "$BUNDLE" 'tty; test -t 0 && echo stdin-tty; test -t 1 && echo stdout-tty; echo m-$0'
	run_in_pty "$SKIFF" --root "$ROOT" run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" /dev/pts/0
	assert_eq "${lines[1]}" stdin-tty
	assert_eq "${lines[2]}" stdout-tty
	assert_eq "${lines[3]}" "m-$MARK"
	assert_nothing_left "$ID"
}

@test "run (foreground) with terminal: the exit status passes through" {
	cfg_sh "$BUNDLE" 'exit 5'
	run_in_pty "$SKIFF" --root "$ROOT" run -b "$BUNDLE" "$ID"
	[ "$status" -eq 5 ]
	assert_nothing_left "$ID"
}

@test "run (foreground) with terminal: the process is the session leader with a controlling tty" {
	cfg_sh "$BUNDLE" 'cat /proc/self/stat | cut -d" " -f6,7; ls -l /proc/self/fd/0'
	run_in_pty "$SKIFF" --root "$ROOT" run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	# session id is 1 (pid 1 is the leader: sh), tty_nr is not 0
	local sid tty
	read -r sid tty <<<"${lines[0]}"
	assert_eq "$sid" 1
	[ "$tty" != 0 ]
	assert_contains "${lines[1]}" /dev/pts/0
}

@test "run (foreground) with terminal and stdin not a tty still works" {
	cfg_sh "$BUNDLE" 'tty; echo done-$0'
	run sk run -b "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 0 ]
	assert_contains "$output" /dev/pts/0
	assert_contains "$output" "done-$MARK"
}

@test "create --console-socket: the receiver gets the pty master and the output" {
	cfg_sh "$BUNDLE" 'tty; test -t 0 && echo stdin-tty; echo m-$0'
	start_recvtty "$SHORT/sock" "$SHORT/out"
	run_bg_safe create --console-socket "$SHORT/sock" -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	# skiff's own stdout/stderr got nothing of the container
	assert_eq "$output" ""
	sk start "$ID"
	wait_recvtty "$SHORT/out"
	assert_eq "${lines[0]}" /dev/pts/0
	assert_eq "${lines[1]}" stdin-tty
	assert_eq "${lines[2]}" "m-$MARK"
	wait_status "$ID" stopped
	sk delete "$ID"
	assert_nothing_left "$ID"
}

@test "run -d --console-socket: output and input through the pty" {
	cfg_sh "$BUNDLE" 'read x; echo "got:$x"'
	start_recvtty "$SHORT/sock" "$SHORT/out" $'hello-pty\n'
	run_bg_safe run -d --console-socket "$SHORT/sock" -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	wait_recvtty "$SHORT/out"
	assert_contains "$output" "got:hello-pty"
	wait_status "$ID" stopped
}

@test "consoleSize is the pty's window size" {
	cfg_set "$BUNDLE" 'c["process"]["consoleSize"]={"height":31,"width":97}'
	cfg_sh "$BUNDLE" 'stty size'
	start_recvtty "$SHORT/sock" "$SHORT/out"
	run_bg_safe run -d --console-socket "$SHORT/sock" -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	wait_recvtty "$SHORT/out"
	assert_eq "${lines[0]}" "31 97"
}

@test "the pty: /dev/console is the container's pty" {
	cfg_sh "$BUNDLE" 'echo on-console >/dev/console; ls -l /dev/console'
	start_recvtty "$SHORT/sock" "$SHORT/out"
	run_bg_safe run -d --console-socket "$SHORT/sock" -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	wait_recvtty "$SHORT/out"
	assert_eq "${lines[0]}" on-console
	[[ "${lines[1]}" == c* ]]
}

@test "the console socket message and a relative socket path" {
	cfg_sh "$BUNDLE" 'echo rel'
	cd "$SHORT"
	start_recvtty "sock" "$SHORT/out"
	run_bg_safe run -d --console-socket sock -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	wait_recvtty "$SHORT/out"
	assert_eq "${lines[0]}" rel
	[ -s "$SHORT/out.name" ]
}

@test "kill reaches a terminal container; the receiver sees the pty close" {
	cfg_sh "$BUNDLE" 'echo ready; '"$SLEEPER"
	start_recvtty "$SHORT/sock" "$SHORT/out"
	run_bg_safe run -d --console-socket "$SHORT/sock" -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	wait_file "$SHORT/out"
	sk kill "$ID" KILL
	wait_recvtty "$SHORT/out"
	assert_eq "${lines[0]}" ready
	wait_status "$ID" stopped
}

@test "exec -t --console-socket: the exec'd process gets its own pty" {
	cfg_set "$BUNDLE" 'c["process"]["terminal"]=False'
	run_sleeping "$ID"
	start_recvtty "$SHORT/sock" "$SHORT/out"
	run_bg_safe exec -t --console-socket "$SHORT/sock" "$ID" sh -c 'tty; test -t 0 && echo exec-tty'
	[ "$status" -eq 0 ]
	wait_recvtty "$SHORT/out"
	[[ "${lines[0]}" == /dev/pts/* ]]
	assert_eq "${lines[1]}" exec-tty
}

@test "exec -t in the foreground under a pty" {
	cfg_set "$BUNDLE" 'c["process"]["terminal"]=False'
	run_sleeping "$ID"
	run_in_pty "$SKIFF" --root "$ROOT" exec -t "$ID" sh -c 'tty; test -t 1 && echo exec-tty; exit 4'
	[ "$status" -eq 4 ]
	[[ "${lines[0]}" == /dev/pts/* ]]
	assert_eq "${lines[1]}" exec-tty
}

@test "exec without -t in a terminal container has no tty" {
	cfg_set "$BUNDLE" 'c["process"]["terminal"]=False'
	run_sleeping "$ID"
	run sk exec "$ID" sh -c 'test -t 0 || echo no-tty'
	[ "$status" -eq 0 ]
	assert_eq "$output" no-tty
}

@test "exec --console-socket without -t is an error" {
	cfg_set "$BUNDLE" 'c["process"]["terminal"]=False'
	run_sleeping "$ID"
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$SHORT/s"
	run sk exec --console-socket "$SHORT/s" "$ID" true
	assert_single_line_error console-socket
}

@test "exec -t -d without --console-socket is an error" {
	cfg_set "$BUNDLE" 'c["process"]["terminal"]=False'
	run_sleeping "$ID"
	run sk exec -t -d "$ID" true
	assert_single_line_error console-socket
}

@test "a non-root process owns its pty (uid and gid), on run and exec" {
	# stat -L: /proc/self/fd/0 itself (the link) always belongs to the process
	cfg_set "$BUNDLE" 'c["process"]["user"]={"uid":1000,"gid":1001}'
	cfg_sh "$BUNDLE" 'stat -L -c "run %u:%g" /proc/self/fd/0; stat -c "console %u:%g" /dev/console'
	run_in_pty "$SKIFF" --root "$ROOT" run -b "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_contains "$output" "run 1000:1001"
	assert_contains "$output" "console 1000:1001"
	cfg_set "$BUNDLE" 'c["process"]["terminal"]=False'
	run_sleeping "$ID-x"
	run_in_pty "$SKIFF" --root "$ROOT" exec -t --user 1002:1003 "$ID-x" stat -L -c "exec %u:%g" /proc/self/fd/0
	echo "$output"
	[ "$status" -eq 0 ]
	assert_contains "$output" "exec 1002:1003"
}

@test "in a user namespace the pty belongs to the process's (mapped) user, on run and exec" {
	chmod 0755 "$SHORT"
	mv "$BUNDLE" "$SHORT/bundle"
	BUNDLE=$SHORT/bundle
	cfg_set "$BUNDLE" 'c["linux"]["namespaces"].append({"type":"user"})' \
		'c["linux"]["uidMappings"]=[{"containerID":0,"hostID":200000,"size":65536}]' \
		'c["linux"]["gidMappings"]=[{"containerID":0,"hostID":300000,"size":65536}]' \
		'c["process"]["user"]={"uid":1000,"gid":1001}'
	cfg_sh "$BUNDLE" 'stat -L -c "run %u:%g" /proc/self/fd/0'
	run_in_pty "$SKIFF" --root "$ROOT" run -b "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_contains "$output" "run 1000:1001"
	cfg_set "$BUNDLE" 'c["process"]["terminal"]=False'
	run_sleeping "$ID-x"
	run_in_pty "$SKIFF" --root "$ROOT" exec -t --user 7:8 "$ID-x" sh -c 'stat -L -c "exec %u:%g" /proc/self/fd/0'
	echo "$output"
	[ "$status" -eq 0 ]
	assert_contains "$output" "exec 7:8"
}

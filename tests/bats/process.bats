#!/usr/bin/env bats
# process.bats - the container process's context through the real binary:
# args, env, cwd, user, capabilities, rlimits, noNewPrivileges,
# oomScoreAdj, seccomp.  Run: SKIFF=/path/to/skiff bats --tap process.bats

load helpers
load process_helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
	if [ -n "${AGENT_PID:-}" ]; then kill "$AGENT_PID" 2>/dev/null || true; fi
}

# run_ok PYTHON ARG...: run the container with the config edit PYTHON
# (cfg) and process.args ARG...; it must succeed.
run_ok() {
	cfg "$1"
	shift
	set_args "$@"
	skiff_run
	[ "$status" -eq 0 ]
}

# lines_are LINE...: $lines starts with these lines.
lines_are() {
	local i=0 l
	for l in "$@"; do
		[ "${lines[$i]}" = "$l" ] || {
			echo "line $i: ${lines[$i]}, expected $l" >&2
			return 1
		}
		i=$((i + 1))
	done
}

# output_has TEXT...: $output contains every TEXT.
output_has() {
	local t
	for t in "$@"; do
		[[ "$output" == *"$t"* ]] || {
			echo "no \"$t\" in: $output" >&2
			return 1
		}
	done
}

# seccomp_run SCRIPT RULES: run sh -c SCRIPT under a profile that allows
# by default, with the syscall rules RULES (python, on s); it must succeed.
seccomp_run() {
	set_args sh -c "$1"
	seccomp_cfg SCMP_ACT_ALLOW "s['syscalls'] = [$2]"
	skiff_run
	[ "$status" -eq 0 ]
}

# caps_run PYTHON: run the container with the config edit PYTHON (cfg),
# printing its Cap* lines of /proc/self/status; it must succeed.
caps_run() {
	set_args grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/self/status
	cfg "$1"
	skiff_run
	[ "$status" -eq 0 ]
}

# caps_are INH PRM EFF BND [AMB]: the capability masks in $output (from
# caps_run), as many as given.
caps_are() {
	local k got
	for k in Inh Prm Eff Bnd Amb; do
		[ $# -gt 0 ] || break
		got=$(echo "$output" | grep "Cap$k" | cut -f2)
		[ "$got" = "$1" ] || {
			echo "Cap$k: $got, expected $1" >&2
			return 1
		}
		shift
	done
}

@test "process: args and env reach the program" {
	run_ok 'c["process"]["env"].append("FOO=bar baz")' sh -c 'echo "arg0=$0 arg1=$1 foo=$FOO"' first second
	[ "$output" = "arg0=first arg1=second foo=bar baz" ]
}

@test "process: args[0] is looked up in the PATH of process.env" {
	mkdir -p "$BUNDLE/rootfs/opt/tools"
	printf '#!/bin/sh\necho from-opt\n' >"$BUNDLE/rootfs/opt/tools/mytool"
	chmod 755 "$BUNDLE/rootfs/opt/tools/mytool"
	run_ok 'c["process"]["env"] = ["PATH=/opt/tools:/bin"]' mytool
	[ "$output" = "from-opt" ]
}

@test "process: a missing executable is a clear error" {
	set_args no-such-program
	skiff_run
	[ "$status" -ne 0 ]
	[[ "$output" == *'exec: "no-such-program": executable file not found in $PATH'* ]]
}

@test "process: cwd" {
	mkdir -p "$BUNDLE/rootfs/work/dir"
	run_ok 'c["process"]["cwd"] = "/work/dir"' pwd
	[ "$output" = "/work/dir" ]
}

@test "process: a relative args[0] is relative to cwd" {
	mkdir -p "$BUNDLE/rootfs/app"
	printf '#!/bin/sh\necho relative-ok\n' >"$BUNDLE/rootfs/app/run.sh"
	chmod 755 "$BUNDLE/rootfs/app/run.sh"
	run_ok 'c["process"]["cwd"] = "/app"' ./run.sh
	[ "$output" = "relative-ok" ]
}

@test "process: user uid, gid, additionalGids and umask" {
	run_ok 'c["process"]["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [10, 20], "umask": 63}' sh -c 'id -u; id -g; id -G; umask'
	lines_are "1000" "1000" "1000 10 20" "0077"
}

@test "process: default umask is 0022 and groups are cleared" {
	run_ok 'c["process"]["user"] = {"uid": 1000, "gid": 1000}' sh -c 'umask; id -G'
	lines_are "0022" "1000"
}

@test "process: capability sets of a non-root user (ambient survives exec)" {
	caps_run '
c["process"]["user"] = {"uid": 1000, "gid": 1000}
c["process"]["capabilities"] = {
  "bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN", "CAP_NET_RAW"],
  "permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"],
  "effective": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
  "inheritable": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
  "ambient": ["CAP_NET_BIND_SERVICE"]}'
	amb=$(cap_mask CAP_NET_BIND_SERVICE)
	caps_are "$(cap_mask CAP_KILL CAP_NET_BIND_SERVICE)" "$amb" "$amb" \
		"$(cap_mask CAP_KILL CAP_NET_BIND_SERVICE CAP_CHOWN CAP_NET_RAW)" "$amb"
}

@test "process: capability sets of root (permitted = bounding | inheritable after exec)" {
	# Without no_new_privs, execve as root grants bounding | inheritable.
	caps_run '
c["process"]["noNewPrivileges"] = False
c["process"]["capabilities"] = {
  "bounding": ["CAP_KILL", "CAP_CHOWN", "CAP_SETUID"],
  "permitted": ["CAP_KILL"],
  "effective": ["CAP_KILL"],
  "inheritable": ["CAP_KILL"]}'
	bnd=$(cap_mask CAP_KILL CAP_CHOWN CAP_SETUID)
	caps_are "$(cap_mask CAP_KILL)" "$bnd" "$bnd" "$bnd" 0000000000000000
}

@test "process: capability sets of root with noNewPrivileges (no gain at exec)" {
	caps_run '
c["process"]["noNewPrivileges"] = True
c["process"]["capabilities"] = {
  "bounding": ["CAP_KILL", "CAP_CHOWN", "CAP_SETUID"],
  "permitted": ["CAP_KILL", "CAP_CHOWN"],
  "effective": ["CAP_KILL"],
  "inheritable": ["CAP_KILL"]}'
	caps_are "$(cap_mask CAP_KILL)" "$(cap_mask CAP_KILL CAP_CHOWN)" "$(cap_mask CAP_KILL CAP_CHOWN)" \
		"$(cap_mask CAP_KILL CAP_CHOWN CAP_SETUID)"
}

@test "process: no capabilities object means no capabilities" {
	run_ok 'del c["process"]["capabilities"]' grep -E '^Cap(Prm|Eff|Bnd):' /proc/self/status
	[ "$(echo "$output" | grep CapBnd | cut -f2)" = "0000000000000000" ]
	[ "$(echo "$output" | grep CapEff | cut -f2)" = "0000000000000000" ]
}

@test "process: an unknown capability name is an error naming it" {
	cfg 'c["process"]["capabilities"]["bounding"].append("CAP_NO_SUCH_THING")'
	skiff_run
	[ "$status" -ne 0 ]
	[[ "$output" == *CAP_NO_SUCH_THING* ]]
}

@test "process: rlimits (ulimit -n inside)" {
	run_ok 'c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 321, "hard": 654}]' sh -c 'ulimit -n; ulimit -H -n'
	lines_are "321" "654"
}

@test "process: an unknown rlimit is an error naming it" {
	cfg 'c["process"]["rlimits"] = [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]'
	skiff_run
	[ "$status" -ne 0 ]
	[[ "$output" == *RLIMIT_BOGUS* ]]
}

@test "process: noNewPrivileges true and false" {
	run_ok 'c["process"]["noNewPrivileges"] = True' grep NoNewPrivs /proc/self/status
	[ "$(echo "$output" | cut -f2)" = "1" ]

	teardown_bundle
	setup_bundle
	run_ok 'c["process"]["noNewPrivileges"] = False' grep NoNewPrivs /proc/self/status
	[ "$(echo "$output" | cut -f2)" = "0" ]
}

@test "process: oomScoreAdj" {
	run_ok 'c["process"]["oomScoreAdj"] = 123' cat /proc/self/oom_score_adj
	[ "$output" = "123" ]
}

@test "process: apparmorProfile on a host without AppArmor is an error" {
	if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = "Y" ]; then
		skip "AppArmor is enabled on this host"
	fi
	cfg 'c["process"]["apparmorProfile"] = "skiff-test-profile"'
	skiff_run
	[ "$status" -ne 0 ]
	[[ "$output" == *"process.apparmorProfile"* ]]
}

# ---------------------------------------------------------------- seccomp

# Docker's allow list: enough for busybox sh and its applets.
DOCKER_ALLOW='accept accept4 access arch_prctl brk capget capset chdir chmod chown clock_getres
clone fork clock_gettime clock_nanosleep close close_range connect dup dup2 dup3 epoll_create1 epoll_ctl
epoll_pwait epoll_wait eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64
fchdir fchmod fchmodat fchown fchownat fcntl fstat fstatfs fsync ftruncate futex getcwd
getdents getdents64 getegid geteuid getgid getgroups getpgid getpgrp getpid getppid getpriority
getrandom getresgid getresuid getrlimit getrusage getsid gettid gettimeofday getuid ioctl kill
lseek lstat madvise mkdir mkdirat mmap mprotect mremap munmap nanosleep newfstatat open openat
pipe pipe2 poll ppoll prctl pread64 prlimit64 pselect6 read readlink readlinkat readv
rename renameat rmdir rseq rt_sigaction rt_sigprocmask rt_sigreturn rt_sigsuspend
sched_getaffinity select set_robust_list set_tid_address setgid setgroups setpgid setresgid
setresuid setsid setuid sigaltstack stat statfs statx sysinfo tgkill time umask uname unlink
unlinkat vfork wait4 waitid write writev'

seccomp_cfg() {
	# seccomp_cfg DEFAULT_ACTION [python statements adding to c["linux"]["seccomp"]]
	cfg "
names = '''$DOCKER_ALLOW'''.split()
c['linux']['seccomp'] = {'defaultAction': '$1', 'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  'syscalls': [{'names': names, 'action': 'SCMP_ACT_ALLOW'}] if '$1' != 'SCMP_ACT_ALLOW' else []}
s = c['linux']['seccomp']
${2:-}"
}

@test "seccomp: default action with defaultErrnoRet" {
	# sethostname is not in the allow list: ENOSYS (38) from the default
	# action (without seccomp it would be EPERM: no CAP_SYS_ADMIN).
	set_args sh -c 'hostname foo; echo rc=$?'
	seccomp_cfg SCMP_ACT_ERRNO "s['defaultErrnoRet'] = 38"
	skiff_run
	[ "$status" -eq 0 ]
	output_has "Function not implemented" "rc=1"
}

# rawsys NR: syscall NR without arguments, prints "errno=N" (a static
# helper put into the rootfs: busybox cannot make an arbitrary syscall).
install_rawsys() {
	printf '#include <errno.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <unistd.h>\nint main(int c, char **v) { long r = syscall(atol(v[1]), 0, 0, 0, 0, 0, 0); printf("nr=%%s errno=%%d\\n", v[1], r < 0 ? errno : 0); return 0; }\n' >"$BATS_TEST_TMPDIR/rawsys.c"
	cc -static -O1 -o "$BUNDLE/rootfs/bin/rawsys" "$BATS_TEST_TMPDIR/rawsys.c"
}

@test "seccomp: a syscall newer than the profile gets ENOSYS, a known one the default errno" {
	install_rawsys
	# 1000: above every syscall the profile names; 170 (sethostname):
	# not allowed, below the highest named -> the default action (EPERM)
	set_args sh -c 'rawsys 1000; rawsys 170'
	seccomp_cfg SCMP_ACT_ERRNO
	skiff_run
	echo "$output"
	[ "$status" -eq 0 ]
	output_has "nr=1000 errno=38" "nr=170 errno=1"
	# clone3 (435) with a profile older than it (nothing named above
	# 434): ENOSYS, so that libc falls back to clone
	seccomp_cfg SCMP_ACT_ERRNO "s['syscalls'][0]['names'] = [n for n in names if n not in ('close_range', 'faccessat2', 'clone3')]"
	set_args sh -c 'rawsys 435'
	skiff_run
	[[ "$output" == *"nr=435 errno=38"* ]]
	# a KILL default: ENOSYS too, not SIGSYS
	seccomp_cfg SCMP_ACT_KILL_PROCESS
	set_args sh -c 'rawsys 1000'
	skiff_run
	[ "$status" -eq 0 ]
	[[ "$output" == *"nr=1000 errno=38"* ]]
}

@test "seccomp: ERRNO rule honours errnoRet" {
	seccomp_run 'mkdir /tmp/d; echo rc=$?; cat /proc/self/status | grep ^Seccomp:' "{'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 38}"
	output_has "Function not implemented" "rc=1" "Seccomp:	2"
}

@test "seccomp: ERRNO without errnoRet is EPERM" {
	seccomp_run 'mkdir /tmp/d; echo rc=$?' "{'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_ERRNO'}"
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "seccomp: argument condition (kill allowed except with SIGUSR1)" {
	seccomp_run 'kill -0 $$ && echo zero-ok; kill -USR1 $$; echo usr1-rc=$?' "{'names': ['kill'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 13, 'args': [{'index': 1, 'value': 10, 'op': 'SCMP_CMP_EQ'}]}"
	output_has "zero-ok" "usr1-rc=1" "ermission denied"
}

@test "seccomp: KILL action kills with SIGSYS" {
	seccomp_run 'mkdir /tmp/d; echo rc=$?' "{'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_KILL'}"
	[[ "$output" == *"rc=159"* ]]   # 128 + SIGSYS (31)
}

@test "seccomp: without noNewPrivileges the profile still applies" {
	cfg 'c["process"]["noNewPrivileges"] = False'
	seccomp_run 'mkdir /tmp/d; echo rc=$?; grep ^NoNewPrivs: /proc/self/status' "{'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 38}"
	output_has "Function not implemented" "NoNewPrivs:	0"
}

@test "seccomp: unknown syscall names are ignored" {
	seccomp_run 'echo still-runs' "{'names': ['no_such_syscall_xyz'], 'action': 'SCMP_ACT_ERRNO'}"
	[ "$output" = "still-runs" ]
}

@test "seccomp: an unknown architecture is an error naming it" {
	seccomp_cfg SCMP_ACT_ALLOW "s['architectures'] = ['SCMP_ARCH_PDP11']; s['syscalls'] = [{'names': ['mkdir'], 'action': 'SCMP_ACT_ERRNO'}]"
	skiff_run
	[ "$status" -ne 0 ]
	[[ "$output" == *SCMP_ARCH_PDP11* ]]
}

@test "seccomp: an unknown flag is an error naming it" {
	seccomp_cfg SCMP_ACT_ALLOW "s['flags'] = ['SECCOMP_FILTER_FLAG_BOGUS']; s['syscalls'] = [{'names': ['mkdir'], 'action': 'SCMP_ACT_ERRNO'}]"
	skiff_run
	[ "$status" -ne 0 ]
	[[ "$output" == *SECCOMP_FILTER_FLAG_BOGUS* ]]
}

# start_agent: tools/seccomp_agent.py on $TMP/agent.sock, answering
# every notification with errno 121 (EREMOTEIO); records in $TMP/agent/
start_agent() {
	mkdir -p "$TMP/agent"
	python3 "$BATS_TEST_DIRNAME/tools/seccomp_agent.py" "$TMP/agent.sock" "$TMP/agent" 121 >"$TMP/agent.log" 2>&1 3>&- &
	AGENT_PID=$!
	wait_path "$TMP/agent.sock.ready"
}

# wait_path FILE: until FILE exists (bounded, 10 s)
wait_path() {
	poll_for 100 0.1 test -e "$1" && return 0
	echo "$1 did not appear" >&2
	return 1
}

# agent_get N 'python expression on j (the record)'
agent_get() {
	wait_path "$TMP/agent/$1.json" || return 1
	python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$TMP/agent/$1.json" "$2"
}

@test "seccomp: SCMP_ACT_NOTIFY hands the fd and the process state to listenerPath (run and exec)" {
	start_agent
	seccomp_cfg SCMP_ACT_ALLOW "s['listenerPath'] = '$TMP/agent.sock'; s['listenerMetadata'] = 'skiff-test \"meta\"'; s['syscalls'] = [{'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_NOTIFY'}]"
	cfg 'c["annotations"] = {"org.test": "v"}'
	set_args sh -c 'mkdir /tmp/d; echo rc=$?; echo $$ >/tmp/pid; sleep 1000'
	timeout 30 "$SKIFF" --root "$ROOT" run -d -b "$BUNDLE" "$ID" </dev/null >"$TMP/out" 2>&1 3>&-
	local pid
	pid=$("$SKIFF" --root "$ROOT" state "$ID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
	[ "$(agent_get 1 'j["fd_count"]')" = 1 ]
	[ "$(agent_get 1 'j["state"]["ociVersion"]')" = 1.2.0 ]
	[ "$(agent_get 1 'j["state"]["fds"]')" = "['seccompFd']" ]
	[ "$(agent_get 1 'j["state"]["pid"]')" = "$pid" ]
	[ "$(agent_get 1 'j["state"]["metadata"]')" = 'skiff-test "meta"' ]
	[ "$(agent_get 1 'j["state"]["state"]["id"]')" = "$ID" ]
	[ "$(agent_get 1 'j["state"]["state"]["status"]')" = creating ]
	[ "$(agent_get 1 'j["state"]["state"]["pid"]')" = "$pid" ]
	[ "$(agent_get 1 'j["state"]["state"]["bundle"]')" = "$BUNDLE" ]
	[ "$(agent_get 1 'j["state"]["state"]["annotations"]["org.test"]')" = v ]
	# the container's mkdir went to the agent, which failed it
	for i in $(seq 1 50); do
		[ "$(agent_get 1 'len(j["notified"])')" -ge 1 ] && break
		sleep 0.1
	done
	[ "$(agent_get 1 'j["notified"][0][1]')" = 83 ] # mkdir (x86_64)
	grep -q "rc=1" "$TMP/out"
	run "$SKIFF" --root "$ROOT" exec "$ID" sh -c 'mkdir /tmp/e; echo exec-rc=$?; echo $$'
	echo "$output"
	[[ "$output" == *"Remote I/O error"* && "$output" == *exec-rc=1* ]]
	[ "$(agent_get 2 'j["fd_count"]')" = 1 ]
	[ "$(agent_get 2 'j["state"]["state"]["status"]')" = running ]
	[ "$(agent_get 2 'j["state"]["state"]["pid"]')" = "$pid" ]
	[ "$(agent_get 2 'j["state"]["pid"]')" != "$pid" ]
	[ "$(agent_get 2 'len(j["notified"])')" -ge 1 ]
	"$SKIFF" --root "$ROOT" delete -f "$ID"
}

@test "seccomp: listenerPath nobody listens on is an error, nothing left" {
	seccomp_cfg SCMP_ACT_ALLOW "s['listenerPath'] = '$TMP/nobody.sock'; s['syscalls'] = [{'names': ['mkdir'], 'action': 'SCMP_ACT_NOTIFY'}]"
	skiff_run
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.seccomp.listenerPath $TMP/nobody.sock"* ]]
	[ "$(printf '%s\n' "$output" | grep -c .)" -eq 1 ]
	[ ! -e "$ROOT/$ID" ]
}

@test "seccomp: SCMP_ACT_NOTIFY without listenerPath is an error" {
	seccomp_cfg SCMP_ACT_ALLOW "s['syscalls'] = [{'names': ['mkdir'], 'action': 'SCMP_ACT_NOTIFY'}]"
	skiff_run
	[ "$status" -ne 0 ]
	[[ "$output" == *"listenerPath"* ]]
}

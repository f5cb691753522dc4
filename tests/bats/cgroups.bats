#!/usr/bin/env bats
# tests/bats/cgroups.bats - cgroup limits, update, pause/resume, events,
# NUMA placement and cleanup on this host's cgroup v1/hybrid layout.
# (The same behaviour on pure cgroup v2 with 2 NUMA nodes: tests/vm/cgroups.bats.)

load helpers
load cgroups_helpers

setup_file() { skiff_setup_file; }

setup() {
	cg_v2 && skip "host has cgroup v2 at /sys/fs/cgroup: see tests/vm/cgroups.bats"
	cg_skiff_setup
}

teardown() { cg_skiff_teardown; }

@test "limits land in the v1 files: memory, pids, cpu shares/quota/period, cpuset" {
	cg_run_limited 0
	assert_eq "$(cg_read "$ID" memory memory.limit_in_bytes)" $((64 * MB))
	assert_eq "$(cg_read "$ID" memory memory.soft_limit_in_bytes)" $((32 * MB))
	assert_eq "$(cg_read "$ID" pids pids.max)" 42
	assert_eq "$(cg_read "$ID" cpu cpu.shares)" 512
	assert_eq "$(cg_read "$ID" cpu cpu.cfs_quota_us)" 30000
	assert_eq "$(cg_read "$ID" cpu cpu.cfs_period_us)" 60000
	assert_eq "$(cg_read "$ID" cpuset cpuset.cpus)" 1
	pid=$(state_field "$ID" pid)
	assert_eq "$(proc_status_field "$pid" Cpus_allowed_list)" 1
	assert_eq "$(proc_status_field "$pid" Mems_allowed_list)" 0
	# the init is in the container's cgroup of every hierarchy
	grep -q ":memory:$CGPARENT/$ID\$" "/proc/$pid/cgroup"
	grep -q ":pids:$CGPARENT/$ID\$" "/proc/$pid/cgroup"
}

@test "memory limit: a process allocating more is OOM-killed and events reports it" {
	cfg_all "$BUNDLE" 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived ${#x}' "c['linux']['resources']['memory'] = {'limit': 32*$MB, 'swap': 32*$MB}"
	sk create -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	assert_eq "$(cg_read "$ID" memory memory.limit_in_bytes)" $((32 * MB))
	cg_oom_events sk events --interval 100ms "$ID"
	[ "$(awk '$1 == "oom_kill" { print $2 }' "$(cg_file "$ID" memory memory.oom_control)")" -ge 1 ]
	sk delete "$ID"
	cg_assert_gone "$CGPARENT/$ID"
}

@test "pids limit: fork fails inside the container" {
	cg_fork_over_pids_limit
	assert_nothing_left "$ID"
	cg_assert_gone "$CGPARENT/$ID"
}

@test "update changes memory, pids and cpu live (flags, --resources file and stdin)" {
	cfg_all "$BUNDLE" "$SLEEPER" "c['linux']['resources'].update({'memory': {'limit': 64*$MB}, 'pids': {'limit': 42}, 'cpu': {'shares': 512}})"
	cg_run_d "$ID"
	sk update --memory 128m --pids-limit 30 --cpu-shares 256 --cpu-quota 20000 --cpu-period 50000 "$ID"
	assert_eq "$(cg_read "$ID" memory memory.limit_in_bytes)" $((128 * MB))
	assert_eq "$(cg_read "$ID" pids pids.max)" 30
	assert_eq "$(cg_read "$ID" cpu cpu.shares)" 256
	assert_eq "$(cg_read "$ID" cpu cpu.cfs_quota_us)" 20000
	assert_eq "$(cg_read "$ID" cpu cpu.cfs_period_us)" 50000
	echo "{\"memory\": {\"limit\": $((96 * MB))}, \"pids\": {\"limit\": 25}}" >"$BATS_TEST_TMPDIR/r.json"
	sk update --resources "$BATS_TEST_TMPDIR/r.json" "$ID"
	assert_eq "$(cg_read "$ID" memory memory.limit_in_bytes)" $((96 * MB))
	assert_eq "$(cg_read "$ID" pids pids.max)" 25
	echo '{"cpu": {"shares": 1024, "cpus": "0"}, "pids": {"limit": -1}}' | sk update -r - "$ID"
	assert_eq "$(cg_read "$ID" cpu cpu.shares)" 1024
	assert_eq "$(cg_read "$ID" pids pids.max)" max
	assert_eq "$(proc_status_field "$(state_field "$ID" pid)" Cpus_allowed_list)" 0
	# a bad value is refused and names the field; the limits stay
	run sk update --memory lots "$ID"
	assert_single_line_error "--memory" "lots"
	echo '{"memory": {"limit": "x"}}' >"$BATS_TEST_TMPDIR/bad.json"
	run sk update -r "$BATS_TEST_TMPDIR/bad.json" "$ID"
	assert_single_line_error "memory"
	run sk update "$ID"
	assert_single_line_error "nothing to change"
	assert_eq "$(cg_read "$ID" memory memory.limit_in_bytes)" $((96 * MB))
}

@test "memory.kernelTCP on v1: memory.kmem.tcp.limit_in_bytes (crun), also by update -r; memory.kernel ignored" {
	[ -e /sys/fs/cgroup/memory/memory.kmem.tcp.limit_in_bytes ] ||
		skip "the kernel has no memory.kmem.tcp.limit_in_bytes"
	cfg_all "$BUNDLE" "$SLEEPER" "c['linux']['resources']['memory'] = {'limit': 64*$MB, 'kernelTCP': 16*$MB, 'kernel': 8*$MB}"
	sk run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err"
	wait_status "$ID" running
	assert_eq "$(cg_read "$ID" memory memory.kmem.tcp.limit_in_bytes)" $((16 * MB))
	assert_contains "$(cat "$BATS_TEST_TMPDIR/err")" "memory.kernel: deprecated, ignored"
	# the kernel memory limit is not set (runc): the default (no limit) stays
	assert_eq "$(cg_read "$ID" memory memory.kmem.limit_in_bytes)" \
		"$(cat /sys/fs/cgroup/memory/memory.kmem.limit_in_bytes)"
	sk update -r - "$ID" <<<"{\"memory\": {\"kernelTCP\": $((12 * MB))}}"
	assert_eq "$(cg_read "$ID" memory memory.kmem.tcp.limit_in_bytes)" $((12 * MB))
}

@test "update -r: a devices list is not read (runc), access strings like rwa included; create refuses rwa (the spec: r, w, m)" {
	cfg_all "$BUNDLE" "$SLEEPER" "c['linux']['resources']['memory'] = {'limit': 64*$MB}"
	cg_run_d "$ID"
	local before
	before=$(cat "$(cg_file "$ID" devices devices.list)")
	run sk update -r - "$ID" <<<"{\"devices\": [{\"allow\": true, \"access\": \"rwa\"}, {\"allow\": \"x\"}], \"memory\": {\"limit\": $((96 * MB))}}"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	assert_contains "$output" "devices ignored"
	assert_eq "$(cg_read "$ID" memory memory.limit_in_bytes)" $((96 * MB))
	# the device rules are those of create
	assert_eq "$(cat "$(cg_file "$ID" devices devices.list)")" "$before"
	# in config.json the spec's "composition of r, w and m" wins over runc,
	# which drops the letters it does not know
	make_bundle "$BATS_TEST_TMPDIR/b2"
	cg_use_path "$BATS_TEST_TMPDIR/b2" "$ID-2"
	cfg_all "$BATS_TEST_TMPDIR/b2" "true" "c['linux']['resources']['devices'] = [{'allow': True, 'type': 'c', 'major': 1, 'minor': 3, 'access': 'rwa'}]"
	run sk run -b "$BATS_TEST_TMPDIR/b2" "$ID-2" </dev/null
	assert_single_line_error "linux.resources.devices[0].access" rwa
	[ ! -e "$ROOT/$ID-2" ]
	cg_assert_gone "$CGPARENT/$ID-2"
}

@test "pause and resume: freezer, state paused, a counter stops and goes on" {
	cg_counter_paused
	assert_eq "$(cg_read "$ID" freezer freezer.state)" FROZEN
	run sk list
	[[ "$output" == *"$ID"*paused* ]]
	a=$(counter_value "$BUNDLE")
	sleep 0.5
	assert_eq "$(counter_value "$BUNDLE")" "$a"
	run sk pause "$ID"
	assert_single_line_error "already paused"
	sk resume "$ID"
	assert_eq "$(state_field "$ID" status)" running
	assert_eq "$(cg_read "$ID" freezer freezer.state)" THAWED
	wait_counter_above "$BUNDLE" "$a"
	run sk resume "$ID"
	assert_single_line_error "not paused"
	# a paused container can be deleted with --force
	sk pause "$ID"
	sk delete --force "$ID"
	assert_nothing_left "$ID"
	cg_assert_gone "$CGPARENT/$ID"
}

@test "events --stats: one JSON record with cpu, memory and pids" {
	cg_check_stats
}

@test "update, pause, resume, events: clear errors for an unknown or stopped container" {
	for cmd in "pause" "resume" "events --stats" "events" "update --memory 1g" "placement"; do
		run sk $cmd nosuch-$ID
		assert_single_line_error "nosuch-$ID"
	done
	cfg_sh "$BUNDLE" 'true'
	sk run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	wait_status "$ID" stopped
	for cmd in "pause" "resume" "events --stats" "events" "update --pids-limit 5"; do
		run sk $cmd "$ID"
		assert_single_line_error "$ID" "stopped"
	done
	run sk events --interval soon "$ID"
	assert_single_line_error "--interval"
}

@test "devices cgroup: /dev/null works, a denied block device is refused, an allowed one is not" {
	cg_check_devices
}

@test "devices cgroup: a linux.devices entry the rules deny is not usable (run, exec, after update)" {
	# as runc: linux.devices creates /dev/kmsg, linux.resources.devices
	# (deny all + the defaults) decides; writing it must fail everywhere
	cfg_all "$BUNDLE" 'echo skiff-test-run >/dev/kmsg && echo run-wrote; echo $MARK >/dev/null; exec sleep 1000' \
		"c['linux']['devices'] = [{'path': '/dev/kmsg', 'type': 'c', 'major': 1, 'minor': 11, 'fileMode': 438}]"
	sk run -d -b "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1
	wait_status "$ID" running
	run sk exec "$ID" sh -c 'ls -l /dev/kmsg; echo skiff-test-exec >/dev/kmsg && echo exec-wrote'
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"1,  11"* ]]
	[[ "$output" == *"Operation not permitted"* && "$output" != *exec-wrote* ]]
	sleep 0.2
	run cat "$BATS_TEST_TMPDIR/out"
	[[ "$output" != *run-wrote* ]]
	run sk update --pids-limit 50 "$ID"
	[ "$status" -eq 0 ]
	run sk exec "$ID" sh -c 'echo skiff-test-exec >/dev/kmsg && echo exec-wrote'
	[ "$status" -ne 0 ]
	[[ "$output" != *exec-wrote* ]]
	devdir=$(cg_mnt devices)$CGPARENT/$ID
	run cat "$devdir/devices.list"
	[[ "$output" != *"a *:* rwm"* && "$output" != *"c 1:11"* && "$output" == *"c 1:3 rwm"* ]]
	sk delete -f "$ID"
	# control: with an allow rule for it, the same write works
	cfg_set "$BUNDLE" "c['linux']['resources']['devices'].append({'allow': True, 'type': 'c', 'major': 1, 'minor': 11, 'access': 'w'})" \
		"c['process']['args'] = ['sh', '-c', 'echo skiff-test-allowed >/dev/kmsg && echo run-wrote']"
	run sk run -b "$BUNDLE" "$ID-b" </dev/null
	echo "$output"
	[[ "$output" == *run-wrote* ]]
	cg_assert_gone "$CGPARENT"
}

@test "NUMA: two 1-CPU containers get different CPUs; a third fails cleanly; delete frees" {
	cg_numa_two
	[[ "$p1" =~ ^nodes=0\ cpus=[0-9]+$ ]] || { echo "placement: $p1" >&2; false; }
	[[ "$p2" =~ ^nodes=0\ cpus=[0-9]+$ ]] || { echo "placement: $p2" >&2; false; }
	[ "$p1" != "$p2" ]
	c1=${p1##*cpus=}
	c2=${p2##*cpus=}
	assert_eq "$(proc_status_field "$(state_field "$ID" pid)" Cpus_allowed_list)" "$c1"
	assert_eq "$(proc_status_field "$(state_field "$ID-2" pid)" Cpus_allowed_list)" "$c2"
	assert_eq "$(cg_read "$ID" cpuset cpuset.cpus)" "$c1"
	assert_eq "$(sk state "$ID" | json_get - 'j["annotations"]["org.skiff.numa.placement"]')" "$p1"
	# this host has 2 CPUs: nothing is left for a third
	run_bg_safe run -d -b "$b3" "$ID-3"
	assert_single_line_error "org.skiff.numa.cpus=1" "free CPUs" "node0"
	cg_numa_refused "$ID-3"
	[[ "$output" == *"$ID-2"* ]]
	# delete releases the CPU: the third now fits, on the CPU the first had
	sk delete --force "$ID"
	run ledger_ids
	[[ "$output" != *"$ID"$'\n'* && "$output" == "$ID-2" ]] || { echo "ledger: $output" >&2; false; }
	sk run -d -b "$b3" "$ID-3" </dev/null >/dev/null 2>&1
	assert_eq "$(sk placement "$ID-3")" "$p1"
	sk delete --force "$ID-3"
	cg_numa_delete_last "$ID-2"
}

@test "placement: none for a container without org.skiff.numa annotations" {
	cfg_all "$BUNDLE" "$SLEEPER"
	cg_run_d "$ID"
	assert_eq "$(sk placement "$ID")" none
}

@test "delete leaves no cgroup in any hierarchy, and removes the empty parent" {
	cfg_all "$BUNDLE" "$SLEEPER"
	cg_run_d "$ID"
	pid=$(state_field "$ID" pid)
	n=0
	for m in $(cg_mounts); do
		[ -d "$m$CGPARENT/$ID" ] && n=$((n + 1))
	done
	[ "$n" -ge 5 ]
	sk delete --force "$ID"
	wait_pid_gone "$pid"
	cg_assert_gone "$CGPARENT/$ID"
	cg_assert_gone "$CGPARENT"
}

@test "default cgroup path /skiff/ID: made at create, removed at delete" {
	cfg_all "$BUNDLE" "$SLEEPER" "c['linux'].pop('cgroupsPath', None)"
	cg_run_d "$ID"
	pid=$(state_field "$ID" pid)
	grep -q ":pids:/skiff/$ID\$" "/proc/$pid/cgroup"
	[ -d "$(cg_mnt pids)/skiff/$ID" ]
	sk delete --force "$ID"
	cg_assert_gone "/skiff/$ID"
}

@test "a failed create leaves no cgroup" {
	cfg_set "$BUNDLE" "c['linux']['resources']['cpu'] = {'cpus': '0-4095'}"
	run_bg_safe run -d -b "$BUNDLE" "$ID"
	assert_error "cpuset"
	[ ! -e "$ROOT/$ID" ]
	cg_assert_gone "$CGPARENT/$ID"
	cg_assert_gone "$CGPARENT"
}

@test "create into a frozen existing cgroup: refused (runc's words), no hang, the cgroup stays" {
	local m
	for m in $(cg_mounts); do mkdir -p "$m$CGPARENT/$ID"; done
	echo FROZEN >"$(cg_mnt freezer)$CGPARENT/$ID/freezer.state"
	cfg_sh "$BUNDLE" "$SLEEPER"
	status=0
	timeout 10 "$SKIFF" --root "$ROOT" create -b "$BUNDLE" "$ID" </dev/null \
		>"$BATS_TEST_TMPDIR/out" 2>&1 || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/out")
	[ "$status" -ne 124 ]
	assert_single_line_error "unexpectedly frozen"
	[ ! -e "$ROOT/$ID" ]
	[ -d "$(cg_mnt freezer)$CGPARENT/$ID" ]
	echo THAWED >"$(cg_mnt freezer)$CGPARENT/$ID/freezer.state"
	for m in $(cg_mounts); do rmdir "$m$CGPARENT/$ID" "$m$CGPARENT"; done
}

@test "create into a non-empty existing cgroup: a warning with runc's words" {
	local m
	for m in $(cg_mounts); do mkdir -p "$m$CGPARENT/$ID"; done
	# one process (no child forked before the move), output not held
	(exec -a "sleep-$MARK" sleep 1000) </dev/null >/dev/null 2>&1 &
	local sp=$!
	echo "$sp" >"$(cg_mnt pids)$CGPARENT/$ID/cgroup.procs"
	cfg_sh "$BUNDLE" "$SLEEPER"
	run_bg_safe create -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "container's cgroup $CGPARENT/$ID is not empty: 1 process(es) found"
	sk delete --force "$ID"
	kill "$sp" 2>/dev/null || true
	for m in $(cg_mounts); do rmdir "$m$CGPARENT/$ID" "$m$CGPARENT" 2>/dev/null || true; done
}

@test "linux.resources.unified on a v1/hybrid host: runc's 'invalid configuration', nothing left" {
	cfg_set "$BUNDLE" 'c["linux"].setdefault("resources",{})["unified"]={"memory.high":"1000000"}'
	run_bg_safe run -d -b "$BUNDLE" "$ID"
	assert_single_line_error "invalid configuration: cannot use unified on cgroup v1"
	assert_nothing_left "$ID"
	cg_assert_gone "$CGPARENT/$ID"
}

@test "update: options after the container ID; --cpu-rt-period/--cpu-rt-runtime on v1" {
	cfg_sh "$BUNDLE" "$SLEEPER"
	sk run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	sk update "$ID" --cpuset-cpus 0 --pids-limit 77
	assert_eq "$(cg_read "$ID" cpuset cpuset.cpus)" 0
	assert_eq "$(cg_read "$ID" pids pids.max)" 77
	# the parent needs real-time bandwidth first (as runc's own test does)
	local cpu
	cpu=$(cg_mnt cpu)
	cat "$cpu/cpu.rt_period_us" >"$cpu$CGPARENT/cpu.rt_period_us"
	cat "$cpu/cpu.rt_runtime_us" >"$cpu$CGPARENT/cpu.rt_runtime_us"
	sk update "$ID" --cpu-rt-period 900001 --cpu-rt-runtime 600001
	assert_eq "$(cg_read "$ID" cpu cpu.rt_period_us)" 900001
	assert_eq "$(cg_read "$ID" cpu cpu.rt_runtime_us)" 600001
	sk update -r - "$ID" <<<'{"cpu":{"realtimePeriod":800001,"realtimeRuntime":500001}}'
	assert_eq "$(cg_read "$ID" cpu cpu.rt_period_us)" 800001
	assert_eq "$(cg_read "$ID" cpu cpu.rt_runtime_us)" 500001
}

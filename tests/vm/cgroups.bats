#!/usr/bin/env bats
# tests/vm/cgroups.bats - cgroup limits, update, pause/resume, events, the
# devices eBPF program, NUMA placement and cleanup on pure cgroup v2 with
# 2 NUMA nodes (1 CPU each).  Runs INSIDE the VM, in one boot:
#   tests/vm/run bats --tap tests/vm/cgroups.bats
# (The host's v1/hybrid behaviour: tests/bats/cgroups.bats.)

load ../bats/helpers
load ../bats/cgroups_helpers

setup_file() { vm_setup_file; }

setup() {
	vm_only
	cg_v2 || skip "no cgroup v2 at /sys/fs/cgroup"
	cg_skiff_setup
}

teardown() { cg_skiff_teardown; }

# cg ID FILE: a file of the container's cgroup (v2: one directory).
cg() {
	cat "/sys/fs/cgroup$CGPARENT/$1/$2"
}

@test "v2 limits: cpu.weight, cpu.max, memory.max/low, pids.max, cpuset; the init's lists match" {
	cg_run_limited 1
	# shares 512 -> weight 59 (the runc/crun formula)
	assert_eq "$(cg "$ID" cpu.weight)" 59
	assert_eq "$(cg "$ID" cpu.max)" "30000 60000"
	assert_eq "$(cg "$ID" memory.max)" $((64 * MB))
	assert_eq "$(cg "$ID" memory.low)" $((32 * MB))
	assert_eq "$(cg "$ID" pids.max)" 42
	assert_eq "$(cg "$ID" cpuset.cpus)" 1
	assert_eq "$(cg "$ID" cpuset.mems)" 1
	pid=$(state_field "$ID" pid)
	assert_eq "$(cat "/proc/$pid/cgroup")" "0::$CGPARENT/$ID"
	assert_eq "$(proc_status_field "$pid" Cpus_allowed_list)" 1
	assert_eq "$(proc_status_field "$pid" Mems_allowed_list)" 1
}

@test "memory.max: an allocation above it is OOM-killed and events reports it" {
	cfg_all "$BUNDLE" 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived ${#x}' "c['linux']['resources']['memory'] = {'limit': 32*$MB, 'swap': 32*$MB}"
	sk create -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	assert_eq "$(cg "$ID" memory.max)" $((32 * MB))
	# events runs from before the start until the init is gone: under TCG
	# on a loaded host that is more than sk's 20 s, so its own bound
	cg_oom_events timeout 120 "$SKIFF" --root "$ROOT" events --interval 200ms "$ID"
	[ "$(awk '$1 == "oom_kill" { print $2 }' "/sys/fs/cgroup$CGPARENT/$ID/memory.events")" -ge 1 ]
	sk delete "$ID"
	cg_assert_gone "$CGPARENT"
}

@test "pids.max: fork fails inside the container" {
	cg_fork_over_pids_limit
	cg_assert_gone "$CGPARENT"
}

@test "update: memory.max, pids.max, cpu.weight, cpu.max live; quota alone keeps the period" {
	cfg_all "$BUNDLE" "$SLEEPER" "c['linux']['resources'].update({'memory': {'limit': 64*$MB}, 'pids': {'limit': 42}, 'cpu': {'shares': 512, 'period': 50000}})"
	cg_run_d "$ID"
	sk update --memory 128m --pids-limit 30 --cpu-shares 1024 --cpu-quota 20000 "$ID"
	assert_eq "$(cg "$ID" memory.max)" $((128 * MB))
	assert_eq "$(cg "$ID" pids.max)" 30
	assert_eq "$(cg "$ID" cpu.weight)" 100
	assert_eq "$(cg "$ID" cpu.max)" "20000 50000"
	echo '{"memory": {"limit": -1}, "pids": {"limit": 25}, "cpu": {"cpus": "0", "mems": "0"}}' |
		sk update -r - "$ID"
	assert_eq "$(cg "$ID" memory.max)" max
	assert_eq "$(cg "$ID" pids.max)" 25
	pid=$(state_field "$ID" pid)
	assert_eq "$(proc_status_field "$pid" Cpus_allowed_list)" 0
	assert_eq "$(proc_status_field "$pid" Mems_allowed_list)" 0
	run sk update --cpuset-cpus 7 "$ID"
	assert_single_line_error "cpuset.cpus"
}

@test "pause/resume: cgroup.freeze, state paused, a counter stops and goes on" {
	cg_counter_paused
	assert_eq "$(cg "$ID" cgroup.freeze)" 1
	grep -qx 'frozen 1' "/sys/fs/cgroup$CGPARENT/$ID/cgroup.events"
	a=$(counter_value "$BUNDLE")
	sleep 0.5
	assert_eq "$(counter_value "$BUNDLE")" "$a"
	sk resume "$ID"
	assert_eq "$(state_field "$ID" status)" running
	grep -qx 'frozen 0' "/sys/fs/cgroup$CGPARENT/$ID/cgroup.events"
	wait_counter_above "$BUNDLE" "$a"
	sk pause "$ID"
	sk delete --force "$ID"
	cg_assert_gone "$CGPARENT"
}

@test "events --stats: cpu, memory and pids from the v2 files" {
	cg_check_stats
}

@test "devices eBPF: /dev/null works, a denied block device is refused, an allowed one is not" {
	cg_check_devices
}

@test "NUMA: two 1-CPU containers land on different CPUs and nodes; a third fails cleanly" {
	cg_numa_two
	assert_eq "$(printf '%s\n' "$p1" "$p2" | sort | tr '\n' ';')" "nodes=0 cpus=0;nodes=1 cpus=1;"
	for id in "$ID" "$ID-2"; do
		p=$(sk placement "$id")
		pid=$(state_field "$id" pid)
		assert_eq "$(proc_status_field "$pid" Cpus_allowed_list)" "${p##*cpus=}"
		n=${p#nodes=}
		assert_eq "$(proc_status_field "$pid" Mems_allowed_list)" "${n%% *}"
		assert_eq "$(cg "$id" cpuset.mems)" "${n%% *}"
	done
	run_bg_safe run -d -b "$b3" "$ID-3"
	assert_single_line_error "org.skiff.numa.cpus=1" "free CPUs" "node0: 0" "node1: 0"
	cg_numa_refused "$ID-3"
	sk delete --force "$ID"
	run ledger_ids
	assert_eq "$output" "$ID-2"
	cg_numa_delete_last "$ID-2"
}

@test "NUMA pack and spread: 2 CPUs span both nodes (1 CPU each here), memory on both" {
	b2=$(cg_bundle b2 "$ID-2")
	cfg_all "$BUNDLE" "$SLEEPER" "c['annotations'] = {'org.skiff.numa.cpus': '2', 'org.skiff.numa.policy': 'pack'}"
	cfg_all "$b2" "$SLEEPER" "c['annotations'] = {'org.skiff.numa.cpus': '2', 'org.skiff.numa.policy': 'spread'}"
	sk run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	assert_eq "$(sk placement "$ID")" "nodes=0-1 cpus=0-1"
	assert_eq "$(proc_status_field "$(state_field "$ID" pid)" Mems_allowed_list)" 0-1
	# every CPU is taken: spread fails too, and leaves nothing
	run_bg_safe run -d -b "$b2" "$ID-2"
	assert_single_line_error "org.skiff.numa.cpus=2"
	sk delete --force "$ID"
	sk run -d -b "$b2" "$ID-2" </dev/null >/dev/null 2>&1
	assert_eq "$(sk placement "$ID-2")" "nodes=0-1 cpus=0-1"
	sk delete --force "$ID-2"
	cg_assert_gone "$CGPARENT"
}

@test "delete leaves no cgroup; the default /skiff parent goes when empty" {
	cfg_all "$BUNDLE" "$SLEEPER" "c['linux'].pop('cgroupsPath', None)"
	cg_run_d "$ID"
	[ -d "/sys/fs/cgroup/skiff/$ID" ]
	sk delete --force "$ID"
	cg_assert_gone "/skiff/$ID"
	cg_assert_gone "/skiff"
	run sk pause "$ID"
	assert_single_line_error "$ID"
}

#!/usr/bin/env bats
# tests/vm/systemd-hybrid.bats - the systemd cgroup driver on a host with
# systemd's hybrid cgroup layout (this host's: v1 controllers, an empty
# cgroup2 at /sys/fs/cgroup/unified), as runc does it there: systemd makes
# the scope in the hierarchies it manages, skiff the same path in the
# others.  Runs INSIDE the VM:
#   tests/vm/run --systemd-hybrid bats --tap tests/vm/systemd-hybrid.bats
# vm-systemd-hybrid
# vm-timeout: 900

load ../bats/helpers
load ../bats/cgroups_helpers
load systemd_helpers

setup_file() { vm_setup_file; }

setup() {
	sd_skiff_setup
	[ -d /sys/fs/cgroup/unified ] || skip "not systemd's hybrid layout (tests/vm/run --systemd-hybrid)"
	REL=/system.slice/$UNIT
}

teardown() { sd_skiff_teardown; }

# the hierarchies: every v1 mount, and the unified one
hiers() {
	awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts
}

# no_unit: systemd has no unit $UNIT and no hierarchy has $REL
no_unit() {
	local units h
	units=$(systemctl list-units --all --no-legend | grep -E 'skiff-test|skifftest|skiff-sk' || true)
	if [ -n "$units" ]; then
		echo "units left: $units" >&2
		return 1
	fi
	for h in $(hiers); do
		[ ! -d "$h$REL" ] || { echo "$h$REL left behind" >&2; return 1; }
	done
}

@test "run: a scope systemd makes (v1 properties), the same path in every hierarchy, the init in all; delete removes all" {
	cfg_all "$BUNDLE" "$SLEEPER" "c['linux']['cgroupsPath'] = 'system.slice:skiff-test:$ID'" \
		"c['linux']['resources'].update({'memory': {'limit': 64*$MB}, 'pids': {'limit': 42},
		 'cpu': {'shares': 512, 'quota': 30000, 'period': 60000, 'cpus': '1'}})"
	cg_run_d "$ID"
	assert_eq "$(prop "$UNIT" ActiveState)" active
	assert_eq "$(prop "$UNIT" Delegate)" yes
	assert_eq "$(prop "$UNIT" ControlGroup)" "$REL"
	assert_eq "$(prop "$UNIT" MemoryLimit)" $((64 * MB))
	assert_eq "$(prop "$UNIT" CPUShares)" 512
	assert_eq "$(prop "$UNIT" TasksMax)" 42
	assert_eq "$(prop "$UNIT" CPUQuotaPerSecUSec)" 500ms
	assert_eq "$(prop "$UNIT" DevicePolicy)" strict
	local c=/sys/fs/cgroup
	assert_eq "$(cat $c/memory$REL/memory.limit_in_bytes)" $((64 * MB))
	assert_eq "$(cat $c/pids$REL/pids.max)" 42
	assert_eq "$(cat $c/cpu,cpuacct$REL/cpu.cfs_quota_us)" 30000
	assert_eq "$(cat $c/cpu,cpuacct$REL/cpu.cfs_period_us)" 60000
	assert_eq "$(cat $c/cpu,cpuacct$REL/cpu.shares)" 512
	assert_eq "$(cat $c/cpuset$REL/cpuset.cpus)" 1
	# the init is in the unit's path in every hierarchy, the ones systemd
	# leaves alone (cpuset, freezer, net_cls, ...) included
	pid=$(state_field "$ID" pid)
	run awk -F: -v rel="$REL" '$3 != rel' "/proc/$pid/cgroup"
	[ "$status" -eq 0 ]
	[ -z "$output" ] || { echo "not in $REL: $output" >&2; false; }
	[ "$(wc -l <"/proc/$pid/cgroup")" -ge 10 ]
	run sk ps -f json "$ID"
	[ "$status" -eq 0 ]
	case $output in "[$pid,"* | "[$pid]") ;; *) echo "ps: $output (init $pid)" >&2; false ;; esac
	run sk events --stats "$ID"
	[ "$status" -eq 0 ]
	json_assert "$output" "j['data']['pids']['current'] >= 1" "j['data']['memory']['usage']['limit'] == 64*$MB"
	sk delete --force "$ID"
	no_unit
	assert_nothing_left "$ID"
}

@test "the device rules are systemd's too: re-applying the unit's settings keeps them (no device opened up)" {
	cfg_all "$BUNDLE" "$SLEEPER" "c['linux']['cgroupsPath'] = 'system.slice:skiff-test:$ID'"
	cg_run_d "$ID"
	local d=/sys/fs/cgroup/devices$REL
	grep -qx 'c 1:3 rwm' "$d/devices.list"
	run grep -c '^a ' "$d/devices.list"
	[ "$output" = 0 ]
	before=$(sort "$d/devices.list")
	# systemd writes the devices cgroup from the unit's properties
	systemctl set-property --runtime "$UNIT" DevicePolicy=strict
	after=$(sort "$d/devices.list")
	run grep -c '^a ' <<<"$after"
	[ "$output" = 0 ]
	grep -qx 'c 1:3 rwm' <<<"$after"
	grep -qx 'c 136:\* rwm' <<<"$after"
	# nothing systemd holds is wider than what skiff wrote
	run comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after")
	[ -z "$output" ] || { echo "systemd added: $output" >&2; false; }
	sk delete --force "$ID"
	no_unit
}

@test "update, pause and resume on v1: systemd's properties, the files, the freezer" {
	cfg_all "$BUNDLE" "$COUNTER" "c['linux']['cgroupsPath'] = 'system.slice:skiff-test:$ID'" \
		"c['root']['readonly'] = False" "c['linux']['resources'].update({'memory': {'limit': 64*$MB}})"
	sk run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	wait_counter_above "$BUNDLE" 0
	sk update --memory 128m --pids-limit 30 "$ID"
	assert_eq "$(cat /sys/fs/cgroup/memory$REL/memory.limit_in_bytes)" $((128 * MB))
	assert_eq "$(cat /sys/fs/cgroup/pids$REL/pids.max)" 30
	assert_eq "$(prop "$UNIT" MemoryLimit)" $((128 * MB))
	assert_eq "$(prop "$UNIT" TasksMax)" 30
	sk pause "$ID"
	assert_eq "$(state_field "$ID" status)" paused
	assert_eq "$(cat /sys/fs/cgroup/freezer$REL/freezer.state)" FROZEN
	a=$(counter_value "$BUNDLE")
	sleep 0.5
	assert_eq "$(counter_value "$BUNDLE")" "$a"
	sk resume "$ID"
	assert_eq "$(state_field "$ID" status)" running
	wait_counter_above "$BUNDLE" "$a"
	sk kill "$ID" KILL
	wait_status "$ID" stopped
	sk delete "$ID"
	no_unit
	assert_nothing_left "$ID"
}

@test "a name ending in .slice: a slice unit of its own, the init moved in; delete stops it" {
	UNIT=system-skifftest${ID//-/}.slice
	REL=/system.slice/$UNIT
	cfg_all "$BUNDLE" "$SLEEPER" "c['linux']['cgroupsPath'] = 'system.slice:ignored:$UNIT'" \
		"c['linux']['resources'].update({'memory': {'limit': 64*$MB}})"
	cg_run_d "$ID"
	assert_eq "$(prop "$UNIT" ActiveState)" active
	assert_eq "$(prop "$UNIT" ControlGroup)" "$REL"
	assert_eq "$(cat /sys/fs/cgroup/memory$REL/memory.limit_in_bytes)" $((64 * MB))
	pid=$(state_field "$ID" pid)
	run awk -F: -v rel="$REL" '$3 != rel' "/proc/$pid/cgroup"
	[ -z "$output" ] || { echo "not in $REL: $output" >&2; false; }
	sk delete --force "$ID"
	no_unit
	assert_nothing_left "$ID"
}

@test "a foreground run with the default cgroupsPath (system.slice:skiff:ID) leaves nothing" {
	cfg_sh "$BUNDLE" 'exit 3'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 3 ]
	UNIT=skiff-$ID.scope REL=/system.slice/skiff-$ID.scope no_unit
	assert_nothing_left "$ID"
}

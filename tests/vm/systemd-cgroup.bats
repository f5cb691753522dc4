#!/usr/bin/env bats
# tests/vm/systemd-cgroup.bats - the systemd cgroup driver (--systemd-cgroup,
# cgroupsPath slice:prefix:name) against a real systemd: the guest boots
# with systemd as PID 1 (the line below), cgroup v2.  Runs INSIDE the VM:
#   tests/vm/run --systemd bats --tap tests/vm/systemd-cgroup.bats
# vm-systemd
# vm-timeout: 900

load ../bats/helpers
load ../bats/cgroups_helpers
load systemd_helpers

setup_file() { vm_setup_file; }

setup() {
	sd_skiff_setup
	SCOPE=/sys/fs/cgroup/system.slice/$UNIT
}

teardown() { sd_skiff_teardown; }

# no_scope: systemd has no unit $UNIT and its cgroup is gone
no_scope() {
	local units
	units=$(systemctl list-units --all --no-legend '*.scope')
	if printf '%s\n' "$units" | grep -q skiff-test; then
		echo "scopes left: $units" >&2
		return 1
	fi
	[ ! -d "$SCOPE" ] || { echo "$SCOPE left behind" >&2; return 1; }
}

@test "run: a transient scope in system.slice, Delegate=yes, limits as properties and files, the init in it" {
	cfg_all "$BUNDLE" "$SLEEPER" "c['linux']['cgroupsPath'] = 'system.slice:skiff-test:$ID'" \
		"c['linux']['resources'].update({'memory': {'limit': 64*$MB}, 'pids': {'limit': 42},
		 'cpu': {'shares': 512, 'quota': 30000, 'period': 60000, 'cpus': '1'}})"
	cg_run_d "$ID"
	assert_eq "$(prop "$UNIT" ActiveState)" active
	assert_eq "$(prop "$UNIT" Delegate)" yes
	assert_eq "$(prop "$UNIT" ControlGroup)" "/system.slice/$UNIT"
	assert_eq "$(prop "$UNIT" MemoryMax)" $((64 * MB))
	assert_eq "$(prop "$UNIT" TasksMax)" 42
	assert_eq "$(prop "$UNIT" CPUQuotaPerSecUSec)" 500ms
	assert_eq "$(prop "$UNIT" AllowedCPUs)" 1
	assert_eq "$(cat "$SCOPE/memory.max")" $((64 * MB))
	assert_eq "$(cat "$SCOPE/pids.max")" 42
	assert_eq "$(cat "$SCOPE/cpu.max")" "30000 60000"
	assert_eq "$(cat "$SCOPE/cpu.weight")" 59
	assert_eq "$(cat "$SCOPE/cpuset.cpus")" 1
	pid=$(state_field "$ID" pid)
	assert_eq "$(cat "/proc/$pid/cgroup")" "0::/system.slice/$UNIT"
	run sk ps -f json "$ID"
	[ "$status" -eq 0 ]
	case $output in "[$pid,"* | "[$pid]") ;; *) echo "ps: $output (init $pid)" >&2; false ;; esac
	run sk events --stats "$ID"
	[ "$status" -eq 0 ]
	json_assert "$output" "j['data']['pids']['current'] >= 1" "j['data']['memory']['usage']['limit'] == 64*$MB"
	sk delete --force "$ID"
	no_scope
	assert_nothing_left "$ID"
}

@test "update, pause and resume act on the scope; delete stops it" {
	cfg_all "$BUNDLE" "$COUNTER" "c['linux']['cgroupsPath'] = 'system.slice:skiff-test:$ID'" \
		"c['root']['readonly'] = False" "c['linux']['resources'].update({'memory': {'limit': 64*$MB}})"
	sk run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	wait_counter_above "$BUNDLE" 0
	sk update --memory 128m --pids-limit 30 "$ID"
	assert_eq "$(cat "$SCOPE/memory.max")" $((128 * MB))
	assert_eq "$(cat "$SCOPE/pids.max")" 30
	assert_eq "$(prop "$UNIT" MemoryMax)" $((128 * MB))
	assert_eq "$(prop "$UNIT" TasksMax)" 30
	sk pause "$ID"
	assert_eq "$(state_field "$ID" status)" paused
	assert_eq "$(cat "$SCOPE/cgroup.freeze")" 1
	a=$(counter_value "$BUNDLE")
	sleep 0.5
	assert_eq "$(counter_value "$BUNDLE")" "$a"
	sk resume "$ID"
	assert_eq "$(state_field "$ID" status)" running
	wait_counter_above "$BUNDLE" "$a"
	sk kill "$ID" KILL
	wait_status "$ID" stopped
	sk delete "$ID"
	no_scope
	assert_nothing_left "$ID"
}

@test "a name ending in .slice: a slice unit of its own (a child of the parent, no prefix), the init moved in; delete stops it" {
	UNIT=system-skifftest${ID//-/}.slice
	SCOPE=/sys/fs/cgroup/system.slice/$UNIT
	cfg_all "$BUNDLE" "$SLEEPER" "c['linux']['cgroupsPath'] = 'system.slice:ignored:$UNIT'" \
		"c['linux']['resources'].update({'memory': {'limit': 64*$MB}})"
	cg_run_d "$ID"
	assert_eq "$(prop "$UNIT" ActiveState)" active
	assert_eq "$(prop "$UNIT" ControlGroup)" "/system.slice/$UNIT"
	assert_eq "$(prop "$UNIT" MemoryMax)" $((64 * MB))
	assert_eq "$(cat "$SCOPE/memory.max")" $((64 * MB))
	pid=$(state_field "$ID" pid)
	assert_eq "$(cat "/proc/$pid/cgroup")" "0::/system.slice/$UNIT"
	sk delete --force "$ID"
	run systemctl list-units --all --no-legend "$UNIT"
	[ -z "$output" ] || { echo "left: $output" >&2; false; }
	[ ! -d "$SCOPE" ]
	assert_nothing_left "$ID"
}

@test "the default cgroupsPath is system.slice:skiff:ID; a foreground run leaves nothing" {
	cfg_sh "$BUNDLE" 'cat /proc/self/cgroup; exit 3'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 3 ]
	# the scope's path, or "/" in a cgroup namespace
	case $output in "0::/" | "0::/system.slice/skiff-$ID.scope") ;; *) echo "$output" >&2; false ;; esac
	UNIT=skiff-$ID.scope SCOPE=/sys/fs/cgroup/system.slice/skiff-$ID.scope no_scope
	assert_nothing_left "$ID"
}

# run_hostsys_cgroup [EDIT...]: run a container without a network
# namespace (the host's /sys bound) with a cgroup mount, pids limit 42,
# EDITs (cfg_set) after; lines: pids.max, the slices it sees, the
# filesystems mounted at /sys/fs/cgroup
run_hostsys_cgroup() {
	cfg_sh "$BUNDLE" 'cat /sys/fs/cgroup/pids.max; ls /sys/fs/cgroup | grep -c slice
		grep " /sys/fs/cgroup " /proc/self/mountinfo | sed "s/.* - \([^ ]*\) .*/\1/" | tr "\n" " "; exit 0'
	cfg_set "$BUNDLE" "c['linux']['cgroupsPath'] = 'system.slice:skiff-test:$ID'" \
		"c['linux'].setdefault('resources', {})['pids'] = {'limit': 42}" \
		"c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network']" \
		"c['mounts'].append({'destination': '/sys/fs/cgroup', 'type': 'cgroup', 'source': 'cgroup',
		  'options': ['ro', 'nosuid', 'noexec', 'nodev']})" "$@"
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 42 ]
	[ "${lines[1]}" = 0 ]
}

@test "no network namespace (the host's /sys bound) and a cgroup namespace: the cgroup mount is the scope's own" {
	# containerd's host-network pods: the bound /sys brings the host's
	# cgroup2 at /sys/fs/cgroup, where a fresh mount is refused (EBUSY)
	run_hostsys_cgroup
	# the host's copy detached: only the namespace's own mount there
	[ "${lines[2]}" = "cgroup2 " ]
	no_scope
	assert_nothing_left "$ID"
}

@test "the same in a user namespace: the bound /sys's cgroup2 is locked there, covered by a tmpfs; the mount is the scope's own" {
	# the mapped root must reach the bundle (bats' directories are 0700)
	chmod 0755 "$SHORT"
	mv "$BUNDLE" "$SHORT/bundle"
	BUNDLE=$SHORT/bundle
	run_hostsys_cgroup "c['linux']['namespaces'].append({'type': 'user'})" \
		"c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 200000, 'size': 65536}]" \
		"c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 200000, 'size': 65536}]"
	# the host's copy (locked) under an empty tmpfs, the own mount on top
	[ "${lines[2]}" = "cgroup2 tmpfs cgroup2 " ]
	no_scope
	assert_nothing_left "$ID"
}

@test "a bad slice or cgroupsPath: one line, nothing left" {
	cfg_sh "$BUNDLE" 'exit 0'
	for p in "bad:skiff-test:$ID" "a--b.slice:skiff-test:$ID" "/skiff-test/$ID" "system.slice:skiff-test:$ID.slice"; do
		cfg_set "$BUNDLE" "c['linux']['cgroupsPath'] = '$p'"
		run sk run -b "$BUNDLE" "$ID"
		[ "$status" -eq 1 ]
		assert_single_line_error slice
		assert_nothing_left "$ID"
		no_scope
		[ ! -d /sys/fs/cgroup/a.slice ]
	done
}

@test "systemd not reachable: one line, nothing left" {
	cfg_sh "$BUNDLE" 'exit 0'
	cfg_set "$BUNDLE" "c['linux']['cgroupsPath'] = 'system.slice:skiff-test:$ID'"
	# a private mount namespace where neither socket exists
	run unshare -m sh -c 'mount -t tmpfs none /run/systemd && mount -t tmpfs none /run/dbus 2>/dev/null || mkdir -p /run/dbus
		mount -t tmpfs none /run/dbus; exec "$@"' sh timeout 60 "$SKIFF" --root "$ROOT" --systemd-cgroup run -b "$BUNDLE" "$ID"
	[ "$status" -eq 1 ]
	assert_single_line_error "systemd is not reachable"
	assert_nothing_left "$ID"
	no_scope
}

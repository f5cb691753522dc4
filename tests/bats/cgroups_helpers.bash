# tests/bats/cgroups_helpers.bash - helpers for the cgroup tests (host v1/
# hybrid: tests/bats/cgroups.bats; pure v2 in the VM: tests/vm/cgroups.bats).
# Load after helpers.bash:   load ../bats/helpers; load ../bats/cgroups_helpers
#
# cg_setup (after skiff_setup): every container of the test lives under
# CGPARENT=/skiff-test-<test>-<pid> (linux.cgroupsPath CGPARENT/ID), so a
# test can check that skiff removed both its cgroup and the empty parent.
# cg_teardown (after skiff_teardown) removes whatever a failed test left
# under CGPARENT and fails when there was something.

cg_v2() { [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; }

cg_setup() {
	CGPARENT=/skiff-test-$BATS_TEST_NUMBER-$$
	cg_use_path "$BUNDLE" "$ID"
}

# cg_use_path BUNDLE ID: linux.cgroupsPath = CGPARENT/ID (sed, not python:
# every python start costs a second or more in the TCG VM)
cg_use_path() {
	sed -i "0,/\"linux\": {/s||\"linux\": { \"cgroupsPath\": \"$CGPARENT/$2\",|" "$1/config.json"
	grep -q "\"cgroupsPath\": \"$CGPARENT/$2\"" "$1/config.json"
}

# cg_mounts: every cgroup (v1) / cgroup2 mount point under /sys/fs/cgroup.
cg_mounts() {
	awk '$0 ~ / - cgroup2? / && $5 ~ /^\/sys\/fs\/cgroup/ { print $5 }' /proc/self/mountinfo
}

# cg_mnt CTRL: the v1 mount point of controller CTRL (v2: /sys/fs/cgroup).
cg_mnt() {
	if cg_v2; then
		echo /sys/fs/cgroup
		return
	fi
	awk -v c="$1" '$0 ~ / - cgroup / {
		n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) { print $5; exit } }' \
		/proc/self/mountinfo
}

# cg_file ID CTRL FILE: path of FILE in container ID's cgroup (CGPARENT/ID).
cg_file() {
	echo "$(cg_mnt "$2")$CGPARENT/$1/$3"
}

# cg_read ID CTRL FILE
cg_read() {
	cat "$(cg_file "$@")"
}

# cg_assert_gone PATH: no hierarchy holds the cgroup PATH.
cg_assert_gone() {
	local m bad=0
	for m in $(cg_mounts); do
		if [ -d "$m$1" ]; then
			echo "cgroup $m$1 left behind" >&2
			bad=1
		fi
	done
	return $bad
}

# cg_rm_tree DIR: rmdir DIR's sub-cgroups, then DIR (processes are killed).
cg_rm_tree() {
	local d=$1 sub p
	[ -d "$d" ] || return 0
	for sub in "$d"/*/; do
		[ -d "$sub" ] && cg_rm_tree "${sub%/}"
	done
	for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	for _ in $(seq 1 100); do
		rmdir "$d" 2>/dev/null && return 0
		[ -d "$d" ] || return 0
		sleep 0.05
	done
	echo "cannot remove $d" >&2
	return 1
}

cg_teardown() {
	local m left=0
	[ -n "${CGPARENT:-}" ] || return 0
	for m in $(cg_mounts); do
		if [ -d "$m$CGPARENT" ]; then
			echo "teardown: $m$CGPARENT left behind: $(ls "$m$CGPARENT")" >&2
			# the freezer may hold processes: thaw before killing
			[ -f "$m$CGPARENT/freezer.state" ] && echo THAWED >"$m$CGPARENT/freezer.state" 2>/dev/null
			cg_rm_tree "$m$CGPARENT"
			left=1
		fi
	done
	return $left
}

# cg_bundle NAME ID: another bundle for a second container; prints its path.
cg_bundle() {
	local b=$BATS_TEST_TMPDIR/$1
	make_bundle "$b"
	cg_use_path "$b" "$2"
	echo "$b"
}

# proc_status_field PID FIELD: Cpus_allowed_list etc. of PID.
proc_status_field() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# ledger_ids: the IDs in this test's NUMA ledger.
ledger_ids() {
	[ -f "$ROOT/numa.ledger" ] || return 0
	python3 -c 'import json, sys
for x in json.load(open(sys.argv[1]))["entries"]: print(x["id"])' "$ROOT/numa.ledger"
}

# counter_value BUNDLE: the number the counter container last wrote.
COUNTER='i=0; while :; do i=$((i+1)); echo $i >/counter.tmp; mv /counter.tmp /counter; sleep 0.05; done'
counter_value() {
	cat "$1/rootfs/counter" 2>/dev/null || echo 0
}

counter_above() {
	[ "$(counter_value "$1")" -gt "$2" ]
}

# wait_counter_above BUNDLE N: until the counter > N.
wait_counter_above() {
	wait_until counter_above "$1" "$2" && return 0
	echo "counter stuck at $(counter_value "$1") (want > $2)" >&2
	return 1
}

# wait_events_ready FILE: until `events` printed a line.
wait_events_ready() {
	wait_until grep -q '"type":"stats"' "$1" && return 0
	echo "events printed nothing: $(cat "$1")" >&2
	return 1
}

# json_assert JSON 'python expression on j'...: every expression holds (one
# python start for all of them).
json_assert() {
	python3 -c '
import json, sys
j = json.loads(sys.argv[1])
for e in sys.argv[2:]:
    if not eval(e):
        sys.exit("json_assert failed: %s\n%s" % (e, sys.argv[1][:3000]))
' "$@"
}

# cfg_all BUNDLE SCRIPT [STATEMENT...]: process.args = sh -c SCRIPT MARK and
# the cfg_set statements on c, in one python start.
cfg_all() {
	local b=$1 script=$2
	shift 2
	_cfg_edit "$b/config.json" 4 sh -c "$script" "$MARK" "$@"
}

# cg_run_d ID [BUNDLE]: run -d and wait until running.
cg_run_d() {
	sk run -d -b "${2:-$BUNDLE}" "$1" </dev/null >/dev/null 2>&1 || return 1
	wait_status "$1" running
}

# ---------------------------------------------------------------------------
# Tests that tests/bats/cgroups.bats (v1/hybrid) and tests/vm/cgroups.bats
# (pure v2) share.

MB=1048576

# cg_skiff_setup / cg_skiff_teardown: skiff_setup + cg_setup, and back.
cg_skiff_setup() {
	skiff_setup
	cg_setup
}

cg_skiff_teardown() {
	skiff_teardown
	cg_teardown
}

# cg_run_limited MEMS: run $ID with memory 64M (reservation 32M), pids 42,
# cpu shares 512, quota 30000 per 60000, cpus 1, memory nodes MEMS.
cg_run_limited() {
	cfg_all "$BUNDLE" "$SLEEPER" "c['linux']['resources'].update({
		'memory': {'limit': 64*$MB, 'reservation': 32*$MB},
		'pids': {'limit': 42},
		'cpu': {'shares': 512, 'quota': 30000, 'period': 60000, 'cpus': '1', 'mems': '$1'}})"
	cg_run_d "$ID"
}

# cg_oom_events EVENTS-COMMAND...: run the events command in the background
# into $ev, start $ID (created with too little memory), wait until it stops
# and events ends by itself; events must report the OOM.
cg_oom_events() {
	ev=$BATS_TEST_TMPDIR/events.out
	"$@" >"$ev" 2>&1 </dev/null &
	local evpid=$!
	wait_events_ready "$ev"
	sk start "$ID"
	wait_status "$ID" stopped
	wait "$evpid"
	grep -qx "{\"type\":\"oom\",\"id\":\"$ID\"}" "$ev" || { cat "$ev" >&2; false; }
}

# cg_fork_over_pids_limit: run $ID with pids.max 8 forking 20 sleeps: fork
# must fail inside.
cg_fork_over_pids_limit() {
	cfg_all "$BUNDLE" 'for i in $(seq 20); do sleep 30 & done; echo all-forked' "c['linux']['resources']['pids'] = {'limit': 8}"
	run sk run -b "$BUNDLE" "$ID" </dev/null
	[ "$status" -ne 0 ]
	[[ "$output" != *all-forked* ]]
	[[ "$output" == *"can't fork"* ]] || { echo "$output" >&2; false; }
}

# cg_counter_paused: run $ID counting (see $COUNTER), pause it: state paused.
cg_counter_paused() {
	cfg_all "$BUNDLE" "$COUNTER" "c['root']['readonly'] = False"
	sk run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	wait_counter_above "$BUNDLE" 0
	sk pause "$ID"
	assert_eq "$(state_field "$ID" status)" paused
}

# cg_check_stats: events --stats is one JSON record with cpu, memory and
# pids of a running container with limits.
cg_check_stats() {
	cfg_all "$BUNDLE" "$SLEEPER" "c['linux']['resources'].update({'memory': {'limit': 64*$MB}, 'pids': {'limit': 42}})"
	cg_run_d "$ID"
	run sk events --stats "$ID"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	json_assert "$output" \
		'j["type"] == "stats"' "j['id'] == '$ID'" \
		"j['data']['memory']['usage']['limit'] == 64 * $MB" \
		'j["data"]["memory"]["usage"]["usage"] > 0' \
		'j["data"]["pids"]["limit"] == 42' \
		'j["data"]["pids"]["current"] >= 2' \
		'j["data"]["cpu"]["usage"]["total"] > 0' \
		'"periods" in j["data"]["cpu"]["throttling"]'
}

# cg_check_devices: /dev/null works, a denied block device is refused, an
# allowed one is not; no cgroup is left.
cg_check_devices() {
	local cap="c['process']['capabilities']"
	local script='echo x >/dev/null && echo null-ok; mknod /dev/l0 b 7 0 && echo mknod-ok; head -c 1 /dev/l0; echo rc=$?'
	cfg_all "$BUNDLE" "$script" "[$cap[k].append('CAP_MKNOD') for k in ('bounding', 'effective', 'permitted')]"
	run sk run -b "$BUNDLE" "$ID" </dev/null
	echo "$output"
	[[ "$output" == *null-ok* && "$output" == *mknod-ok* ]]
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" != *rc=0* ]]
	cfg_set "$BUNDLE" "c['linux']['resources']['devices'].append({'allow': True, 'type': 'b', 'major': 7, 'minor': 0, 'access': 'rw'})"
	run sk run -b "$BUNDLE" "$ID-b" </dev/null
	echo "$output"
	[[ "$output" == *mknod-ok* ]]
	[[ "$output" != *"Operation not permitted"* ]]
	cg_assert_gone "$CGPARENT"
}

# cg_numa_two: bundles $b2 and $b3 beside $BUNDLE, each asking for one CPU;
# $ID and $ID-2 run, placed at $p1 and $p2.
cg_numa_two() {
	b2=$(cg_bundle b2 "$ID-2")
	b3=$(cg_bundle b3 "$ID-3")
	for b in "$BUNDLE" "$b2" "$b3"; do
		cfg_all "$b" "$SLEEPER" "c['annotations'] = {'org.skiff.numa.cpus': '1'}"
	done
	sk run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	sk run -d -b "$b2" "$ID-2" </dev/null >/dev/null 2>&1
	p1=$(sk placement "$ID")
	p2=$(sk placement "$ID-2")
}

# cg_numa_refused ID: the refused ID left no state, no cgroup, no ledger entry.
cg_numa_refused() {
	[ ! -e "$ROOT/$1" ]
	cg_assert_gone "$CGPARENT/$1"
	run ledger_ids
	[[ "$output" != *"$1"* ]]
}

# cg_numa_delete_last ID: deleting the last placed container empties the
# ledger and the cgroup parent.
cg_numa_delete_last() {
	sk delete --force "$1"
	run ledger_ids
	assert_eq "$output" ""
	cg_assert_gone "$CGPARENT"
}

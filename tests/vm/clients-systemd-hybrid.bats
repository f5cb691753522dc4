#!/usr/bin/env bats
# tests/vm/clients-systemd-hybrid.bats - Podman (its default systemd cgroup
# manager, the README's containers.conf) and ctr through the runc shim with
# --runc-systemd-cgroup, on a host with systemd's hybrid cgroup layout (as
# this host: v1 controllers, an empty cgroup2 at /sys/fs/cgroup/unified).
# Podman and containerd have storage, state and socket of their own under
# the file's temporary directory (tests/clients/helpers.bash). Runs INSIDE
# the VM:
#   tests/vm/run --systemd-hybrid --timeout 1500 bats --tap tests/vm/clients-systemd-hybrid.bats
# vm-systemd-hybrid
# vm-timeout: 1500
bats_require_minimum_version 1.5.0
load ../clients/helpers
load systemd_helpers

setup_file() {
	[ "${SKIFF_VM:-}" = 1 ] || return 0
	[ -S /run/systemd/private ] && [ -d /sys/fs/cgroup/unified ] || return 0
	local t=$BATS_FILE_TMPDIR
	podman_conf "$t" systemd
	export CONTAINERS_CONF=$t/containers.conf CONTAINERS_STORAGE_CONF=$t/storage.conf
	make_rootfs_tar "$t/img"
	podman import -q "$t/img/rootfs.tar" "$IMG" >/dev/null
	podman save -q --format oci-archive -o "$t/image.tar" "$IMG"
	export CTRD=$t/ctrd
	mkdir -p "$CTRD"
	printf 'version = 2\n[plugins."io.containerd.internal.v1.opt"]\n  path = "%s"\n' "$CTRD/opt" \
		> "$CTRD/config.toml"
	containerd_start || return 1
	c images import --base-name "${IMG%:*}" "$t/image.tar" >/dev/null
}

setup() {
	[ "${SKIFF_VM:-}" = 1 ] || skip "not inside the test VM (use tests/vm/run --systemd-hybrid)"
	[ -S /run/systemd/private ] || skip "systemd is not PID 1 (tests/vm/run --systemd-hybrid)"
	[ -d /sys/fs/cgroup/unified ] || skip "not systemd's hybrid layout (tests/vm/run --systemd-hybrid)"
}

# only what a failed test left: the last test removes it all and checks
teardown_file() {
	[ -n "${CTRD:-}" ] || return 0
	podman rm -f -t 0 -a >/dev/null 2>&1 || true
	podman system reset -f >/dev/null 2>&1 || true
	if [ -f "$CTRD/pid" ]; then
		c tasks kill -s KILL c1 >/dev/null 2>&1
		sleep 1
		c tasks rm -f c1 >/dev/null 2>&1
		c containers rm c1 >/dev/null 2>&1
		kill "$(cat "$CTRD/pid")" 2>/dev/null || true
	fi
}

client_scopes() {
	systemctl list-units --all --no-legend --plain '*.scope' |
		awk '$1 ~ /^(libpod|skiff-test)-/ { print $1 }'
}

# in_everywhere PID REL: PID is in REL in every hierarchy
in_everywhere() {
	local other
	other=$(awk -F: -v rel="$2" '$3 != rel' "/proc/$1/cgroup")
	[ -z "$other" ] || { echo "pid $1 not in $2: $other" >&2; return 1; }
	[ "$(wc -l <"/proc/$1/cgroup")" -ge 10 ]
}

@test "podman (systemd cgroup manager) on hybrid cgroups: containers.conf names skiff" {
	run -0 podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}} {{.Host.CgroupManager}} {{.Host.CgroupsVersion}}'
	[ "$output" = "skiff $SKIFF systemd v1" ]
}

@test "podman run --rm on hybrid cgroups: the exit code relayed, the scope gone after" {
	run pm run --rm --network none "$IMG" sh -c 'echo hello-hybrid; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = hello-hybrid ]
	run -0 poll sh -c '[ -z "$(systemctl list-units --all --no-legend --plain "libpod*.scope")" ]'
}

@test "podman run -d on hybrid cgroups: the libpod scope in every hierarchy, limits; exec, pause, update, stop, rm" {
	run -0 pm run -d --name skiff-test-h --network none --memory 64m --cpus 0.5 \
		--pids-limit 50 "$IMG" sh -c 'trap "exit 0" TERM; while :; do sleep 0.2; done'
	local id pid unit rel c=/sys/fs/cgroup
	id=$(podman inspect -f '{{.Id}}' skiff-test-h)
	pid=$(podman inspect -f '{{.State.Pid}}' skiff-test-h)
	unit=libpod-$id.scope
	rel=/machine.slice/$unit
	in_everywhere "$pid" "$rel"
	[ "$(prop "$unit" ActiveState)" = active ]
	[ "$(prop "$unit" Delegate)" = yes ]
	[ "$(prop "$unit" MemoryLimit)" = 67108864 ]
	[ "$(cat "$c/memory$rel/memory.limit_in_bytes")" = 67108864 ]
	[ "$(cat "$c/cpu,cpuacct$rel/cpu.cfs_quota_us")" = 50000 ]
	[ "$(cat "$c/pids$rel/pids.max")" = 50 ]
	run -0 pm exec skiff-test-h cat /proc/1/cmdline
	[[ "$output" == sh*trap* ]]
	run -0 pm pause skiff-test-h
	[ "$(podman inspect -f '{{.State.Status}}' skiff-test-h)" = paused ]
	[ "$(cat "$c/freezer$rel/freezer.state")" = FROZEN ]
	run -0 pm unpause skiff-test-h
	[ "$(cat "$c/freezer$rel/freezer.state")" = THAWED ]
	run -0 pm update --memory 128m skiff-test-h
	[ "$(cat "$c/memory$rel/memory.limit_in_bytes")" = 134217728 ]
	[ "$(prop "$unit" MemoryLimit)" = 134217728 ]
	run -0 pm stop -t 60 skiff-test-h
	[ "$(podman inspect -f '{{.State.ExitCode}}' skiff-test-h)" = 0 ]
	run -0 pm rm skiff-test-h
	for h in memory freezer cpuset pids; do [ ! -d "$c/$h$rel" ]; done
	run -0 poll sh -c '[ -z "$(systemctl list-units --all --no-legend --plain "libpod*.scope")" ]'
}

@test "ctr run -d through the runc shim with --runc-systemd-cgroup on hybrid cgroups: the scope, task exec, pause/resume, kill, rm" {
	local unit=skiff-test-c1.scope pid rel=/system.slice/skiff-test-c1.scope c=/sys/fs/cgroup
	run -0 c run -d --runc-binary "$SKIFF" --runc-systemd-cgroup --cgroup system.slice:skiff-test:c1 \
		--memory-limit 67108864 "$IMG" c1 sh -c 'trap "exit 0" TERM; while :; do sleep 0.2; done'
	run -0 poll sh -c "ctr --address '$CTRD/sock' -n skiff-test tasks ls | grep -q '^c1 .*RUNNING'"
	pid=$(c tasks ls | awk '$1 == "c1" { print $2 }')
	in_everywhere "$pid" "$rel"
	[ "$(prop "$unit" ActiveState)" = active ]
	[ "$(prop "$unit" MemoryLimit)" = 67108864 ]
	[ "$(cat "$c/memory$rel/memory.limit_in_bytes")" = 67108864 ]
	run c tasks exec --exec-id e1 c1 sh -c 'echo in-ctr; exit 5'
	[ "$status" -eq 5 ]
	[ "$output" = in-ctr ]
	run -0 c tasks pause c1
	[ "$(ctr_task_status c1)" = PAUSED ]
	[ "$(cat "$c/freezer$rel/freezer.state")" = FROZEN ]
	run -0 c tasks resume c1
	[ "$(ctr_task_status c1)" = RUNNING ]
	run -0 c tasks kill -s KILL c1
	run -0 poll sh -c "ctr --address '$CTRD/sock' -n skiff-test tasks ls | grep -q '^c1 .*STOPPED'"
	run -0 c tasks rm c1
	run -0 c containers rm c1
	for h in memory freezer cpuset; do [ ! -d "$c/$h$rel" ]; done
	run -0 poll sh -c "[ -z \"\$(systemctl list-units --all --no-legend --plain $unit)\" ]"
}

@test "hybrid clients: nothing left (scopes, containers, conmon, shims, daemon, mounts, storage)" {
	local t=$BATS_FILE_TMPDIR
	run -0 podman ps -aq
	[ -z "$output" ]
	run -0 c containers ls -q
	[ -z "$output" ]
	run -0 podman rmi "$IMG"
	run -0 podman system reset -f
	run -0 c images rm "$IMG"
	kill "$(cat "$CTRD/pid")"
	poll no_procs_mentioning "$t" || true
	[ -z "$(procs_mentioning "$t")" ]
	rm -f "$CTRD/pid"
	[ -z "$(mounts_under "$t")" ]
	[ -z "$(client_scopes)" ]
	[ -z "$(ls -A /run/containerd/runc/skiff-test 2>/dev/null)" ]
}

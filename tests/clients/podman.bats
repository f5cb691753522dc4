#!/usr/bin/env bats
# Podman as root drives skiff through conmon, with the README's
# containers.conf lines as written (runtime = "skiff", and cgroup_manager =
# "cgroupfs": this host has no systemd). Podman gets storage, tmp_dir, locks
# and network configuration of its own under the file's temporary directory,
# and an image imported from a busybox-static tar (no registry). The last
# test checks that nothing is left: containers, conmon, skiff state, cgroups,
# mounts, storage.
#
bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	[ -x "$SKIFF" ] || {
		echo "skiff binary $SKIFF not found (set SKIFF=)" >&2
		return 1
	}
	command -v podman >/dev/null || {
		echo "podman is not installed (tests/install-deps)" >&2
		return 1
	}
	local t=$BATS_FILE_TMPDIR
	record_parent_cgroups libpod_parent
	ls /run/skiff 2>/dev/null | grep -xE '[0-9a-f]{64}' > "$t/skiff-before" || true
	podman_conf "$t"
	export CONTAINERS_CONF=$t/containers.conf CONTAINERS_STORAGE_CONF=$t/storage.conf
	make_rootfs_tar "$t/img"
	podman import -q "$t/img/rootfs.tar" "$IMG" >/dev/null
}

teardown() {
	podman ps -aq --no-trunc >> "$BATS_FILE_TMPDIR/ids" 2>/dev/null || true
	podman rm -f -t 0 -a >/dev/null 2>&1 || true
}

teardown_file() {
	# only when the last test did not get that far
	podman rm -f -t 0 -a >/dev/null 2>&1 || true
	podman system reset -f >/dev/null 2>&1 || true
	remove_parent_cgroups 2>/dev/null || true
}

pm() {
	timeout 60 podman "$@"
}

# cg_file NAME CONTROLLER FILE: the container's cgroup v1 file, read from the
# host through its init's /proc/PID/cgroup
cg_file() {
	local pid path
	pid=$(podman inspect -f '{{.State.Pid}}' "$1") || return 1
	path=$(awk -F: -v c="$2" '$2 == c { print $3 }' "/proc/$pid/cgroup")
	[ -n "$path" ] || return 1
	cat "/sys/fs/cgroup/$2$path/$3"
}

status_of() {
	podman inspect -f '{{.State.Status}}' "$1"
}

@test "podman: containers.conf names skiff, cgroupfs, own storage" {
	run -0 podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}} {{.Host.CgroupManager}} {{.Store.GraphRoot}}'
	[ "$output" = "skiff $SKIFF cgroupfs $BATS_FILE_TMPDIR/graph" ]
}

@test "podman run --rm: output, and the exit code relayed" {
	run pm run --rm --network none "$IMG" sh -c 'echo hello-podman; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = hello-podman ]
	run -0 pm run --rm --network none "$IMG" true
	run -0 podman ps -aq
	[ -z "$output" ]
}

@test "podman run -d, exec, exec -t, stop, rm" {
	run -0 pm run -d --name skiff-test-d --network none "$IMG" \
		sh -c 'trap "exit 0" TERM; while :; do sleep 0.2; done'
	[ "$(status_of skiff-test-d)" = running ]
	run -0 pm exec skiff-test-d sh -c 'echo in-exec; cat /proc/1/cmdline'
	[[ "$output" == in-exec*trap* ]]
	run pm exec skiff-test-d sh -c 'exit 5'
	[ "$status" -eq 5 ]
	run -0 pm exec -t skiff-test-d tty
	[[ "$output" == /dev/pts/* ]]
	# the init traps TERM: stop ends it at once with status 0
	run -0 pm stop -t 20 skiff-test-d
	[ "$(status_of skiff-test-d)" = exited ]
	[ "$(podman inspect -f '{{.State.ExitCode}}' skiff-test-d)" = 0 ]
	run -0 pm rm skiff-test-d
	run ! podman inspect skiff-test-d
}

@test "podman run -t: the init has a terminal" {
	run -0 pm run --rm -t --network none "$IMG" sh -c 'tty; stty size'
	[[ "$output" == /dev/pts/0* ]]
}

@test "podman run --user" {
	run -0 pm run --rm --network none --user 1000:1001 "$IMG" id
	[[ "$output" == "uid=1000(1000) gid=1001(1001)"* ]]
	run -0 pm run --rm --network none --user nobody "$IMG" id -u
	[ "$output" = 65534 ]
}

@test "podman run --read-only: / is read-only, /tmp writable" {
	run pm run --rm --network none --read-only "$IMG" touch /etc/skiff-x
	[ "$status" -ne 0 ]
	[[ "$output" == *Read-only* ]]
	run -0 pm run --rm --network none --read-only "$IMG" sh -c 'touch /tmp/x && echo tmp-ok'
	[ "$output" = tmp-ok ]
}

@test "podman run --memory --cpus --cpuset-cpus --pids-limit: the cgroup files" {
	run -0 pm run -d --name skiff-test-r --network none --memory 64m --cpus 0.5 \
		--cpuset-cpus 1 --pids-limit 50 "$IMG" sleep 300
	[ "$(cg_file skiff-test-r memory memory.limit_in_bytes)" = 67108864 ]
	[ "$(cg_file skiff-test-r cpu cpu.cfs_quota_us)" = 50000 ]
	[ "$(cg_file skiff-test-r cpu cpu.cfs_period_us)" = 100000 ]
	[ "$(cg_file skiff-test-r cpuset cpuset.cpus)" = 1 ]
	[ "$(cg_file skiff-test-r pids pids.max)" = 50 ]
	run -0 pm exec skiff-test-r grep Cpus_allowed_list /proc/self/status
	[[ "$output" == *$'\t'1 ]]
}

@test "podman pause, unpause" {
	run -0 pm run -d --name skiff-test-p --network none "$IMG" sleep 300
	run -0 pm pause skiff-test-p
	[ "$(status_of skiff-test-p)" = paused ]
	[ "$(cg_file skiff-test-p freezer freezer.state)" = FROZEN ]
	run -0 pm unpause skiff-test-p
	[ "$(status_of skiff-test-p)" = running ]
	[ "$(cg_file skiff-test-p freezer freezer.state)" = THAWED ]
	run -0 pm exec skiff-test-p echo after-unpause
	[ "$output" = after-unpause ]
}

@test "podman update: memory and cpus of a running container" {
	run -0 pm run -d --name skiff-test-u --network none --memory 64m "$IMG" sleep 300
	[ "$(cg_file skiff-test-u memory memory.limit_in_bytes)" = 67108864 ]
	run -0 pm update --memory 128m --cpus 1.5 skiff-test-u
	[ "$(cg_file skiff-test-u memory memory.limit_in_bytes)" = 134217728 ]
	[ "$(cg_file skiff-test-u cpu cpu.cfs_quota_us)" = 150000 ]
	[ "$(status_of skiff-test-u)" = running ]
}

@test "podman kill, wait: the signal reaches the init, the status comes back" {
	run -0 pm run -d --name skiff-test-k --network none "$IMG" \
		sh -c 'trap "exit 7" TERM; while :; do sleep 0.2; done'
	run -0 pm kill -s TERM skiff-test-k
	run -0 pm wait skiff-test-k
	[ "$output" = 7 ]
	run -0 pm run -d --name skiff-test-k9 --network none "$IMG" sleep 300
	run -0 pm kill skiff-test-k9
	run -0 pm wait skiff-test-k9
	[ "$output" = 137 ]
}

@test "podman top" {
	run -0 pm run -d --name skiff-test-t --network none "$IMG" sleep 301
	run -0 pm top skiff-test-t pid args
	[[ "$output" == *"1 "*"sleep 301"* ]]
}

@test "podman logs: stdout and stderr of the init" {
	run -0 pm run -d --name skiff-test-l --network none "$IMG" \
		sh -c 'echo to-stdout; echo to-stderr >&2; exit 4'
	run -0 pm wait skiff-test-l
	[ "$output" = 4 ]
	run -0 pm logs skiff-test-l
	[[ "$output" == *to-stdout* ]]
	[[ "$output" == *to-stderr* ]]
}

@test "podman --network=none: only lo" {
	run -0 pm run --rm --network none "$IMG" ls /sys/class/net
	[ "$output" = lo ]
}

# Podman's default bridge network (netavark): its bridge, veth and firewall
# rules are made in a network namespace of the test's own (unshare -n), the
# test's "host", gone with it; the traffic is between it and the container.
@test "podman default bridge network (netavark): address, route, reachable" {
	run -0 timeout 120 unshare -n sh -ec '
		ip link set lo up
		podman run -d --name skiff-test-n "$1" httpd -f -p 8080 -h /etc >/dev/null
		ip=$(podman inspect -f "{{.NetworkSettings.IPAddress}}" skiff-test-n)
		echo "ip=$ip"
		podman exec skiff-test-n ip route
		podman exec skiff-test-n hostname > "$2"
		i=0
		until wget -qO- "http://$ip:8080/hostname"; do
			i=$((i + 1)); [ $i -lt 50 ] || exit 9; sleep 0.1
		done
		podman rm -f -t 0 skiff-test-n >/dev/null
	' sh "$IMG" "$BATS_TEST_TMPDIR/hostname"
	[[ "$output" == *"ip=10.88."* ]]
	[[ "$output" == *"default via 10.88.0.1 dev eth0"* ]]
	# what httpd served from the container's /etc: its hostname
	[[ "$output" == *"$(cat "$BATS_TEST_TMPDIR/hostname")"* ]]
}

@test "podman: nothing left (containers, conmon, skiff state, cgroups, mounts, storage)" {
	local t=$BATS_FILE_TMPDIR
	run -0 podman ps -aq
	[ -z "$output" ]
	run -0 podman rmi "$IMG"
	run -0 podman system reset -f
	[ ! -e "$t/graph" ] || [ -z "$(ls -A "$t/graph")" ]
	[ -z "$(mounts_under "$t")" ]
	# conmon, its exit command, skiff: anything with the temporary directory
	poll no_procs_mentioning "$t" || true
	[ -z "$(procs_mentioning "$t")" ]
	# skiff state of the Podman containers (64 hex digits) made by this file
	run -0 sh -c "ls /run/skiff 2>/dev/null | grep -xE '[0-9a-f]{64}' | grep -vxF -f '$t/skiff-before' || true"
	[ -z "$output" ]
	# shellcheck disable=SC2046
	[ -z "$(cgroups_named $(sort -u "$t/ids"))" ]
	# libpod_parent (and its conmon cgroup): empty, removed if this file made it
	run -0 remove_parent_cgroups
}

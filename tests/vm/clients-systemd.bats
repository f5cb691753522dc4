#!/usr/bin/env bats
# tests/vm/clients-systemd.bats - the clients where systemd manages cgroups:
# Podman as root with its default cgroup manager (systemd) and the README's
# containers.conf lines, and containerd's CRI with the README's config.toml
# as written (the runc shim with BinaryName = skiff and SystemdCgroup =
# true), and ctr run through that shim with --runc-systemd-cgroup, in the
# guest booted with systemd as PID 1, cgroup v2. Podman and containerd have
# storage, state and socket of their own under the file's temporary
# directory (tests/clients/helpers.bash). Runs INSIDE the VM:
#   tests/vm/run --systemd --timeout 1500 bats --tap tests/vm/clients-systemd.bats
# vm-systemd
# vm-timeout: 1500
bats_require_minimum_version 1.5.0
load ../clients/helpers
load systemd_helpers

PAUSE=localhost/skiff-test-pause:latest
CRI=$BATS_TEST_DIRNAME/../clients/cri
# a kubelet-style pod slice (systemd driver): skifftest.slice is implied
POD_SLICE=skifftest-pod1.slice

setup_file() {
	[ "${SKIFF_VM:-}" = 1 ] || return 0
	[ -S /run/systemd/private ] || return 0
	local t=$BATS_FILE_TMPDIR
	podman_conf "$t" systemd
	export CONTAINERS_CONF=$t/containers.conf CONTAINERS_STORAGE_CONF=$t/storage.conf
	make_rootfs_tar "$t/img"
	podman import -q "$t/img/rootfs.tar" "$IMG" >/dev/null
	podman save -q --format oci-archive -o "$t/image.tar" "$IMG"
	podman import -q --change 'CMD ["/bin/sleep", "1000000"]' "$t/img/rootfs.tar" "$PAUSE" >/dev/null
	podman save -q --format oci-archive -o "$t/pause.tar" "$PAUSE"
	podman rmi "$PAUSE" >/dev/null
	# containerd: the README's config.toml as written, then the test's tables
	export CTRD=$t/ctrd
	mkdir -p "$CTRD"
	{
		readme_block config.toml
		printf '\n[plugins."io.containerd.internal.v1.opt"]\n  path = "%s"\n' "$CTRD/opt"
		printf '\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "%s"\n' "$PAUSE"
	} > "$CTRD/config.toml"
	grep -q '^  SystemdCgroup = true$' "$CTRD/config.toml"
	containerd_start || return 1
	k images import --base-name "${IMG%:*}" "$t/image.tar" >/dev/null
	c images import --base-name "${IMG%:*}" "$t/image.tar" >/dev/null
	k images import --base-name "${PAUSE%:*}" "$t/pause.tar" >/dev/null
}

setup() {
	[ "${SKIFF_VM:-}" = 1 ] || skip "not inside the test VM (use tests/vm/run --systemd)"
	[ -S /run/systemd/private ] || skip "systemd is not PID 1 (tests/vm/run --systemd)"
}

# only what a failed test left: the last test removes it all and checks
teardown_file() {
	[ -n "${CTRD:-}" ] || return 0
	podman rm -f -t 0 -a >/dev/null 2>&1 || true
	podman system reset -f >/dev/null 2>&1 || true
	if [ -f "$CTRD/pid" ]; then
		local id
		for id in $(c containers ls -q 2>/dev/null); do
			c tasks kill -s KILL "$id" >/dev/null 2>&1
			sleep 1
			c tasks rm -f "$id" >/dev/null 2>&1
			c containers rm "$id" >/dev/null 2>&1
		done
		for id in $(k containers ls -q 2>/dev/null); do
			k tasks kill -s KILL "$id" >/dev/null 2>&1
			k tasks rm -f "$id" >/dev/null 2>&1
			k containers rm "$id" >/dev/null 2>&1
		done
		kill "$(cat "$CTRD/pid")" 2>/dev/null || true
	fi
	systemctl stop "$POD_SLICE" skifftest.slice >/dev/null 2>&1 || true
}

k() {
	timeout 300 ctr --address "$CTRD/sock" -n k8s.io "$@"
}

cri() {
	timeout 300 "$CRI" "$CTRD/sock" "$@"
}

# cri_ok ARGS...: cri, which must succeed; on failure its output and the
# end of containerd's log (shown by bats with the failed test)
cri_ok() {
	run cri "$@"
	[ "$status" -eq 0 ] && return 0
	echo "cri $*: status $status: $output"
	tail -15 "$CTRD/log"
	return 1
}

# client_scopes: the scopes the clients and skiff made (libpod-*,
# libpod-conmon-*, cri-containerd-*, skiff-test-* for ctr's)
client_scopes() {
	systemctl list-units --all --no-legend --plain '*.scope' |
		awk '$1 ~ /^(libpod|cri-containerd|skiff-test)-/ { print $1 }'
}

@test "podman (systemd cgroup manager): containers.conf names skiff" {
	run -0 podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}} {{.Host.CgroupManager}} {{.Host.CgroupsVersion}}'
	[ "$output" = "skiff $SKIFF systemd v2" ]
}

@test "podman run --rm: the exit code relayed, the scope gone after" {
	run pm run --rm --network none "$IMG" sh -c 'echo hello-systemd; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = hello-systemd ]
	[ -z "$(client_scopes)" ]
}

@test "podman run -d: libpod scope with the limits as properties and files; exec, pause, update, stop, rm" {
	run -0 pm run -d --name skiff-test-s --network none --memory 64m --cpus 0.5 \
		--pids-limit 50 "$IMG" sh -c 'trap "exit 0" TERM; while :; do sleep 0.2; done'
	local id pid unit cg
	id=$(podman inspect -f '{{.Id}}' skiff-test-s)
	pid=$(podman inspect -f '{{.State.Pid}}' skiff-test-s)
	unit=libpod-$id.scope
	cg=/sys/fs/cgroup/machine.slice/$unit
	[ "$(cat "/proc/$pid/cgroup")" = "0::/machine.slice/$unit" ]
	[ "$(prop "$unit" ActiveState)" = active ]
	[ "$(prop "$unit" Delegate)" = yes ]
	[ "$(prop "$unit" MemoryMax)" = 67108864 ]
	[ "$(cat "$cg/memory.max")" = 67108864 ]
	[ "$(cat "$cg/cpu.max")" = "50000 100000" ]
	[ "$(cat "$cg/pids.max")" = 50 ]
	run -0 pm exec skiff-test-s cat /proc/1/cmdline
	[[ "$output" == sh*trap* ]]
	run -0 pm pause skiff-test-s
	[ "$(podman inspect -f '{{.State.Status}}' skiff-test-s)" = paused ]
	[ "$(cat "$cg/cgroup.freeze")" = 1 ]
	run -0 pm unpause skiff-test-s
	[ "$(cat "$cg/cgroup.freeze")" = 0 ]
	run -0 pm update --memory 128m skiff-test-s
	[ "$(cat "$cg/memory.max")" = 134217728 ]
	[ "$(prop "$unit" MemoryMax)" = 134217728 ]
	run -0 pm stop -t 60 skiff-test-s
	[ "$(podman inspect -f '{{.State.ExitCode}}' skiff-test-s)" = 0 ]
	run -0 pm rm skiff-test-s
	[ ! -d "$cg" ]
	run -0 poll sh -c '[ -z "$(systemctl list-units --all --no-legend --plain "libpod*.scope")" ]'
}

@test "CRI with the README's config.toml (SystemdCgroup = true): the pod's scopes in its slice, exec, update, stop, remove" {
	run -0 cri version
	local pod ctr ctr2 pid unit cg
	pod=$(cri runp skiff-test-pod1 "$POD_SLICE")
	ctr=$(cri create "$pod" skiff-test-pod1 "$POD_SLICE" app "$IMG" \
		--memory 67108864 -- sh -c 'trap "exit 0" TERM; while :; do sleep 0.2; done')
	cri_ok start "$ctr"
	run -0 cri state "$ctr"
	[ "$output" = "CONTAINER_RUNNING 0" ]
	# skiff made it, with --systemd-cgroup: a scope of its own in the pod's slice
	run -0 "$SKIFF" --root /run/containerd/runc/k8s.io state "$ctr"
	[[ "$output" == *'"status": "running"'* ]]
	unit=cri-containerd-$ctr.scope
	cg=/sys/fs/cgroup/skifftest.slice/$POD_SLICE/$unit
	pid=$(k tasks ls | awk -v c="$ctr" '$1 == c { print $2 }')
	[ "$(cat "/proc/$pid/cgroup")" = "0::/skifftest.slice/$POD_SLICE/$unit" ]
	[ "$(prop "$unit" ActiveState)" = active ]
	[ "$(prop "$unit" Slice)" = "$POD_SLICE" ]
	[ "$(prop "$unit" MemoryMax)" = 67108864 ]
	[ "$(cat "$cg/memory.max")" = 67108864 ]
	[ "$(prop "cri-containerd-$pod.scope" ActiveState)" = active ]
	run cri exec "$ctr" sh -c 'echo in-pod; exit 4'
	[ "$status" -eq 4 ]
	[ "$output" = in-pod ]
	cri_ok update "$ctr" --memory 134217728
	[ "$(cat "$cg/memory.max")" = 134217728 ]
	cri_ok stop "$ctr" 60
	run -0 cri state "$ctr"
	[ "$output" = "CONTAINER_EXITED 0" ]
	# a PID 1 that ignores TERM: KILL after the grace period
	ctr2=$(cri create "$pod" skiff-test-pod1 "$POD_SLICE" app2 "$IMG" -- sleep 1000)
	cri_ok start "$ctr2"
	[ "$(prop "cri-containerd-$ctr2.scope" ActiveState)" = active ]
	cri_ok stop "$ctr2" 1
	run -0 cri state "$ctr2"
	[ "$output" = "CONTAINER_EXITED 137" ]
	cri_ok rm "$ctr"
	cri_ok rm "$ctr2"
	cri_ok stopp "$pod"
	cri_ok rmp "$pod"
	[ ! -d "$cg" ]
	run -0 poll sh -c '[ -z "$(systemctl list-units --all --no-legend --plain "cri-containerd*.scope")" ]'
	# the pod's slices are the kubelet's to remove: as it does
	run -0 systemctl stop "$POD_SLICE" skifftest.slice
}

@test "ctr run -d through the runc shim with --runc-systemd-cgroup: the scope, task exec, pause/resume, kill, rm" {
	local unit=skiff-test-c1.scope pid cg
	cg=/sys/fs/cgroup/system.slice/$unit
	run -0 c run -d --runc-binary "$SKIFF" --runc-systemd-cgroup --cgroup system.slice:skiff-test:c1 \
		--memory-limit 67108864 "$IMG" c1 sh -c 'trap "exit 0" TERM; while :; do sleep 0.2; done'
	run -0 poll sh -c "ctr --address '$CTRD/sock' -n skiff-test tasks ls | grep -q '^c1 .*RUNNING'"
	pid=$(c tasks ls | awk '$1 == "c1" { print $2 }')
	[ "$(cat "/proc/$pid/cgroup")" = "0::/system.slice/$unit" ]
	[ "$(prop "$unit" ActiveState)" = active ]
	[ "$(prop "$unit" Delegate)" = yes ]
	[ "$(prop "$unit" MemoryMax)" = 67108864 ]
	[ "$(cat "$cg/memory.max")" = 67108864 ]
	run c tasks exec --exec-id e1 c1 sh -c 'echo in-ctr; exit 5'
	[ "$status" -eq 5 ]
	[ "$output" = in-ctr ]
	run -0 c tasks pause c1
	[ "$(ctr_task_status c1)" = PAUSED ]
	[ "$(cat "$cg/cgroup.freeze")" = 1 ]
	run -0 c tasks resume c1
	[ "$(ctr_task_status c1)" = RUNNING ]
	[ "$(cat "$cg/cgroup.freeze")" = 0 ]
	run -0 c tasks kill -s KILL c1
	run -0 poll sh -c "ctr --address '$CTRD/sock' -n skiff-test tasks ls | grep -q '^c1 .*STOPPED'"
	run -0 c tasks rm c1
	run -0 c containers rm c1
	[ ! -d "$cg" ]
	run -0 poll sh -c "[ -z \"\$(systemctl list-units --all --no-legend --plain $unit)\" ]"
}

@test "systemd clients: nothing left (scopes, containers, conmon, shims, daemon, mounts, storage)" {
	local t=$BATS_FILE_TMPDIR
	run -0 podman ps -aq
	[ -z "$output" ]
	run -0 k containers ls -q
	[ -z "$output" ]
	run -0 c containers ls -q
	[ -z "$output" ]
	run -0 podman rmi "$IMG"
	run -0 podman system reset -f
	run -0 k images rm "$IMG" "$PAUSE"
	run -0 c images rm "$IMG"
	kill "$(cat "$CTRD/pid")"
	poll no_procs_mentioning "$t" || true
	[ -z "$(procs_mentioning "$t")" ]
	rm -f "$CTRD/pid"
	[ -z "$(mounts_under "$t")" ]
	[ -z "$(client_scopes)" ]
	run -0 systemctl list-units --all --no-legend --plain 'skifftest*'
	[ -z "$output" ]
	[ -z "$(ls -A /run/containerd/runc/k8s.io 2>/dev/null)" ]
	[ -z "$(ls -A /run/containerd/runc/skiff-test 2>/dev/null)" ]
}

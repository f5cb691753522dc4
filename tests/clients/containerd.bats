#!/usr/bin/env bats
# containerd drives skiff through its runc v2 shim. The test starts a
# containerd of its own (root, state, socket and config.toml under the
# file's temporary directory; stopped in the last test) whose config.toml
# is the README's block as written (SystemdCgroup = false: this host has no
# systemd), and imports an image that Podman (with storage of its own) made
# from a busybox-static tar and saved (no registry). The containers live in
# the containerd namespace skiff-test. The last test checks that nothing is
# left: tasks, shims, skiff state, cgroups, mounts, the daemon.
#
# Kubernetes' path: tests/clients/cri (a few CRI calls, as the kubelet
# makes them) runs a host-network pod through containerd's CRI plugin, so
# through the runc shim as the README's BinaryName line sets it up. The
# sandbox ("pause") image is the same busybox with CMD sleep. The test's
# own CRI lines: sandbox_image, and restrict_oom_score_adj (the sandbox this
# runs in lacks CAP_SYS_RESOURCE: no negative oom_score_adj for the pause
# container, with any runtime).
bats_require_minimum_version 1.5.0
load helpers

NS=skiff-test
PAUSE=localhost/skiff-test-pause:latest
CRI=$BATS_TEST_DIRNAME/cri

setup_file() {
	[ -x "$SKIFF" ] || {
		echo "skiff binary $SKIFF not found (set SKIFF=)" >&2
		return 1
	}
	local t=$BATS_FILE_TMPDIR c
	for c in containerd ctr podman script; do
		command -v "$c" >/dev/null || {
			echo "$c is not installed (tests/install-deps)" >&2
			return 1
		}
	done
	record_parent_cgroups "$NS" k8s.io skiff-test-kubepods
	[ ! -d "/run/containerd/runc/$NS" ] || touch "$t/runc-root-before"
	[ ! -d /run/containerd/runc/k8s.io ] || touch "$t/k8s-root-before"
	# the image: podman import, podman save (storage of its own, reset after)
	make_rootfs_tar "$t/img"
	podman_conf "$t" || return 1
	(
		export CONTAINERS_CONF=$t/containers.conf CONTAINERS_STORAGE_CONF=$t/storage.conf
		podman import -q "$t/img/rootfs.tar" "$IMG" >/dev/null &&
			podman save -q --format oci-archive -o "$t/image.tar" "$IMG" &&
			podman import -q --change 'CMD ["/bin/sleep", "1000000"]' \
				"$t/img/rootfs.tar" "$PAUSE" >/dev/null &&
			podman save -q --format oci-archive -o "$t/pause.tar" "$PAUSE" &&
			podman system reset -f >/dev/null 2>&1
	) || return 1
	# the README's config.toml, then the test's own tables
	export CTRD=$t/ctrd
	mkdir -p "$CTRD"
	readme_block config.toml > "$CTRD/readme.toml"
	grep -q '^  SystemdCgroup = true$' "$CTRD/readme.toml"
	{
		sed 's/^  SystemdCgroup = true$/  SystemdCgroup = false/' "$CTRD/readme.toml"
		printf '\n[plugins."io.containerd.internal.v1.opt"]\n  path = "%s"\n' "$CTRD/opt"
		printf '\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "%s"\n' "$PAUSE"
		printf '  restrict_oom_score_adj = true\n'
	} > "$CTRD/config.toml"
	containerd_start || return 1
	c images import --base-name "${IMG%:*}" "$t/image.tar" >/dev/null
	k images import --base-name "${IMG%:*}" "$t/image.tar" >/dev/null
	k images import --base-name "${PAUSE%:*}" "$t/pause.tar" >/dev/null
}

teardown_file() {
	# only when the last test did not get that far
	if [ -f "$CTRD/pid" ]; then
		stop_everything 2>/dev/null || true
	fi
	# what a failed test left mounted (the pod's shm, rootfs)
	local m
	for m in $(mounts_under "$BATS_FILE_TMPDIR" | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	remove_parent_cgroups 2>/dev/null || true
	[ -f "$BATS_FILE_TMPDIR/runc-root-before" ] || rmdir "/run/containerd/runc/$NS" 2>/dev/null || true
	[ -f "$BATS_FILE_TMPDIR/k8s-root-before" ] || rmdir /run/containerd/runc/k8s.io 2>/dev/null || true
}

# c ARGS...: ctr on the test's containerd, namespace skiff-test
c() {
	timeout 60 ctr --address "$CTRD/sock" -n "$NS" "$@"
}

# k ARGS...: ctr in CRI's namespace k8s.io
k() {
	timeout 60 ctr --address "$CTRD/sock" -n k8s.io "$@"
}

# cri ARGS...: tests/clients/cri on the test's containerd
cri() {
	timeout 60 "$CRI" "$CTRD/sock" "$@"
}

# stop_everything: every task killed and removed, every container and the
# image removed, then containerd stopped (its shims exit with their tasks)
stop_everything() {
	local id
	for id in $(c containers ls -q); do
		c tasks kill -s KILL "$id" >/dev/null 2>&1
		poll task_gone_or_stopped "$id"
		c tasks rm -f "$id" >/dev/null 2>&1
		c containers rm "$id" >/dev/null 2>&1
	done
	c images rm "$IMG" >/dev/null 2>&1
	for id in $(k containers ls -q); do
		k tasks kill -s KILL "$id" >/dev/null 2>&1
		k tasks rm -f "$id" >/dev/null 2>&1
		k containers rm "$id" >/dev/null 2>&1
	done
	k images rm "$IMG" "$PAUSE" >/dev/null 2>&1
	kill "$(cat "$CTRD/pid")" 2>/dev/null
	poll sh -c "! kill -0 $(cat "$CTRD/pid") 2>/dev/null"
	rm -f "$CTRD/pid"
}

task_status() {
	c tasks ls | awk -v id="$1" '$1 == id { print $3 }'
}

task_gone_or_stopped() {
	local s
	s=$(task_status "$1")
	[ -z "$s" ] || [ "$s" = STOPPED ]
}

task_pid() {
	c tasks ls | awk -v id="$1" '$1 == id { print $2 }'
}

# cg_file ID CONTROLLER FILE: the task's cgroup v1 file, read from the host
cg_file() {
	local pid path
	pid=$(task_pid "$1")
	[ -n "$pid" ] || return 1
	path=$(awk -F: -v c="$2" '$2 == c { print $3 }' "/proc/$pid/cgroup")
	[ -n "$path" ] || return 1
	cat "/sys/fs/cgroup/$2$path/$3"
}

# in_tty CMD...: CMD with a terminal as its stdin/stdout (ctr -t wants one)
in_tty() {
	local q
	q=$(printf '%q ' "$@")
	timeout 60 script -qec "$q" /dev/null < /dev/null
}

# rm_task ID: kill, wait for STOPPED, remove task and container
rm_task() {
	c tasks kill -s KILL "$1" || return 1
	poll task_gone_or_stopped "$1" || return 1
	c tasks rm "$1" && c containers rm "$1"
}

teardown() {
	local id
	for id in $(c containers ls -q 2>/dev/null); do
		echo "$id" >> "$BATS_FILE_TMPDIR/ids"
		rm_task "$id" >/dev/null 2>&1 || c containers rm "$id" >/dev/null 2>&1 || true
	done
}

R() {
	echo --runc-binary "$SKIFF"
}

@test "ctr run --rm --runc-binary skiff: output, and the exit code relayed" {
	# shellcheck disable=SC2046
	run c run --rm $(R) "$IMG" skiff-test-c1 sh -c 'echo hello-containerd; exit 3'
	[ "$status" -eq 3 ]
	[[ "$output" == *hello-containerd* ]]
	run -0 c containers ls -q
	[ -z "$output" ]
}

@test "ctr run -d, task exec, exec -t, pause, resume, kill, rm" {
	# shellcheck disable=SC2046
	run -0 c run -d $(R) "$IMG" skiff-test-c2 sleep 300
	[ "$(task_status skiff-test-c2)" = RUNNING ]
	# ctr attaches to the exec's fifos after starting it and may miss a
	# very short process's output under load: up to 3 tries for the text
	local seen=no i
	for i in 1 2 3; do
		run -0 c tasks exec --exec-id e$i skiff-test-c2 sh -c 'sleep 0.1; echo in-c2'
		if [[ "$output" == *in-c2* ]]; then
			seen=yes
			break
		fi
	done
	[ "$seen" = yes ]
	run c tasks exec --exec-id st skiff-test-c2 sh -c 'exit 5'
	[ "$status" -eq 5 ]
	run -0 in_tty ctr --address "$CTRD/sock" -n "$NS" tasks exec -t --exec-id tt skiff-test-c2 tty
	[[ "$output" == */dev/pts/* ]]
	run -0 c tasks pause skiff-test-c2
	[ "$(task_status skiff-test-c2)" = PAUSED ]
	[ "$(cg_file skiff-test-c2 freezer freezer.state)" = FROZEN ]
	run -0 c tasks resume skiff-test-c2
	[ "$(task_status skiff-test-c2)" = RUNNING ]
	[ "$(cg_file skiff-test-c2 freezer freezer.state)" = THAWED ]
	run -0 c tasks kill -s KILL skiff-test-c2
	run -0 poll task_gone_or_stopped skiff-test-c2
	[ "$(task_status skiff-test-c2)" = STOPPED ]
	run -0 c tasks rm skiff-test-c2
	run -0 c containers rm skiff-test-c2
	[ ! -e "/run/containerd/runc/$NS/skiff-test-c2" ]
}

@test "ctr run -t: the init has a terminal" {
	run -0 in_tty ctr --address "$CTRD/sock" -n "$NS" run --rm -t --runc-binary "$SKIFF" \
		"$IMG" skiff-test-c3 tty
	[[ "$output" == */dev/pts/0* ]]
}

@test "ctr run --memory-limit --cpus: the cgroup files" {
	# shellcheck disable=SC2046
	run -0 c run -d $(R) --memory-limit 67108864 --cpus 0.5 "$IMG" skiff-test-c4 sleep 300
	[ "$(cg_file skiff-test-c4 memory memory.limit_in_bytes)" = 67108864 ]
	[ "$(cg_file skiff-test-c4 cpu cpu.cfs_quota_us)" = 50000 ]
	[ "$(cg_file skiff-test-c4 cpu cpu.cfs_period_us)" = 100000 ]
	run -0 rm_task skiff-test-c4
}

# cgv1 CONTROLLER PATH FILE
cgv1() {
	cat "/sys/fs/cgroup/$1$2/$3"
}

@test "CRI through the README's config.toml (runc shim, BinaryName = skiff): pod, exec, update, stop, remove" {
	run -0 cri version
	[[ "$output" == containerd* ]]
	local parent=/skiff-test-kubepods/pod1 pod ctr ctr2
	pod=$(cri runp skiff-test-pod1 "$parent")
	echo "$pod" >> "$BATS_FILE_TMPDIR/ids"
	ctr=$(cri create "$pod" skiff-test-pod1 "$parent" app "$IMG" \
		--memory 67108864 --cpu-quota 50000 --cpu-period 100000 -- \
		sh -c 'trap "exit 0" TERM; while :; do sleep 0.2; done')
	echo "$ctr" >> "$BATS_FILE_TMPDIR/ids"
	run -0 cri start "$ctr"
	run -0 cri state "$ctr"
	[ "$output" = "CONTAINER_RUNNING 0" ]
	# skiff made both (the pause container and the app): its state, in the
	# shim's --root, reads them
	run -0 "$SKIFF" --root /run/containerd/runc/k8s.io state "$ctr"
	[[ "$output" == *'"status": "running"'* ]]
	run -0 "$SKIFF" --root /run/containerd/runc/k8s.io state "$pod"
	[[ "$output" == *'"status": "running"'* ]]
	# the kubelet's cgroup parent, the resources
	[ "$(cgv1 memory "$parent/$ctr" memory.limit_in_bytes)" = 67108864 ]
	[ "$(cgv1 cpu "$parent/$ctr" cpu.cfs_quota_us)" = 50000 ]
	run cri exec "$ctr" sh -c 'echo in-pod; exit 4'
	[ "$status" -eq 4 ]
	[ "$output" = in-pod ]
	run -0 cri update "$ctr" --memory 134217728
	[ "$(cgv1 memory "$parent/$ctr" memory.limit_in_bytes)" = 134217728 ]
	# TERM ends it (trapped): exit code 0
	run -0 cri stop "$ctr" 20
	run -0 cri state "$ctr"
	[ "$output" = "CONTAINER_EXITED 0" ]
	# a PID 1 that ignores TERM: KILL after the grace period, then the
	# shim's second kill finds it gone (runc's "container not running")
	ctr2=$(cri create "$pod" skiff-test-pod1 "$parent" app2 "$IMG" -- sleep 1000)
	echo "$ctr2" >> "$BATS_FILE_TMPDIR/ids"
	run -0 cri start "$ctr2"
	run -0 cri stop "$ctr2" 1
	run -0 cri state "$ctr2"
	[ "$output" = "CONTAINER_EXITED 137" ]
	run -0 cri rm "$ctr"
	run -0 cri rm "$ctr2"
	run -0 cri stopp "$pod"
	run -0 cri rmp "$pod"
	run -0 k containers ls -q
	[ -z "$output" ]
	[ ! -e "/run/containerd/runc/k8s.io/$ctr" ]
	[ ! -e "/run/containerd/runc/k8s.io/$pod" ]
}

@test "containerd: nothing left (tasks, shims, skiff state, cgroups, mounts, daemon)" {
	local t=$BATS_FILE_TMPDIR
	run -0 c containers ls -q
	[ -z "$output" ]
	run -0 c tasks ls -q
	[ -z "$output" ]
	run -0 stop_everything
	# the daemon, the shims (their command line names the socket), skiff
	poll no_procs_mentioning "$CTRD" || true
	[ -z "$(procs_mentioning "$CTRD")" ]
	[ -z "$(mounts_under "$t")" ]
	# skiff's state (the shim's --root) holds no container of the test
	if [ -d "/run/containerd/runc/$NS" ]; then
		[ -z "$(ls -A "/run/containerd/runc/$NS")" ]
		[ -f "$t/runc-root-before" ] || rmdir "/run/containerd/runc/$NS"
	fi
	if [ -d /run/containerd/runc/k8s.io ]; then
		[ -z "$(ls -A /run/containerd/runc/k8s.io)" ]
		[ -f "$t/k8s-root-before" ] || rmdir /run/containerd/runc/k8s.io
	fi
	# shellcheck disable=SC2046
	[ -z "$(cgroups_named $(sort -u "$t/ids" 2>/dev/null) skiff-test-c)" ]
	# containerd's /skiff-test parent cgroups: removed (made by this file)
	run -0 remove_parent_cgroups
}

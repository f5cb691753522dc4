#!/usr/bin/env bats
# containerd drives skiff through its runc v2 shim. The test starts a
# containerd of its own (root, state, socket and config.toml under the
# file's temporary directory; stopped in the last test) whose config.toml
# is the README's block as written (SystemdCgroup = false: this host has no
# systemd), and imports an image that Podman (with storage of its own) made
# from a busybox-static tar and saved (no registry). The containers live in
# the containerd namespace skiff-test. The last test checks that nothing is
# left: tasks, shims, skiff state, cgroups, mounts, the daemon.
bats_require_minimum_version 1.5.0
load helpers

NS=skiff-test

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
	record_parent_cgroups "$NS"
	[ ! -d "/run/containerd/runc/$NS" ] || touch "$t/runc-root-before"
	# the image: podman import, podman save (storage of its own, reset after)
	make_rootfs_tar "$t/img"
	podman_conf "$t" || return 1
	(
		export CONTAINERS_CONF=$t/containers.conf CONTAINERS_STORAGE_CONF=$t/storage.conf
		podman import -q "$t/img/rootfs.tar" "$IMG" >/dev/null &&
			podman save -q --format oci-archive -o "$t/image.tar" "$IMG" &&
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
	} > "$CTRD/config.toml"
	containerd --config "$CTRD/config.toml" --root "$CTRD/root" --state "$CTRD/state" \
		--address "$CTRD/sock" > "$CTRD/log" 2>&1 &
	echo $! > "$CTRD/pid"
	poll test -S "$CTRD/sock" || {
		echo "containerd did not start:" >&2
		tail -5 "$CTRD/log" >&2
		return 1
	}
	c images import --base-name "${IMG%:*}" "$t/image.tar" >/dev/null
}

teardown_file() {
	# only when the last test did not get that far
	[ -f "$CTRD/pid" ] || return 0
	stop_everything 2>/dev/null || true
}

# c ARGS...: ctr on the test's containerd, namespace skiff-test
c() {
	timeout 60 ctr --address "$CTRD/sock" -n "$NS" "$@"
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
	# shellcheck disable=SC2046
	[ -z "$(cgroups_named $(sort -u "$t/ids" 2>/dev/null) skiff-test-c)" ]
	# containerd's /skiff-test parent cgroups: removed (made by this file)
	run -0 remove_parent_cgroups
}

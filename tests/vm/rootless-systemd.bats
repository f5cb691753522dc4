#!/usr/bin/env bats
# tests/vm/rootless-systemd.bats - rootless skiff with the user's systemd
# (--systemd-cgroup): the guest boots with systemd as PID 1, cgroup v2; a
# test user gets a user manager with a delegated cgroup (as user@UID.service
# gives one: a service running `systemd --user`, Delegate=yes), and skiff,
# run as that user from inside the user manager's subtree (as a login
# session's processes are moved there by Podman), asks the user's systemd
# for the container's scope.  Runs INSIDE the VM:
#   tests/vm/run --systemd bats --tap tests/vm/rootless-systemd.bats
# vm-systemd
# vm-timeout: 900

load ../bats/helpers

setup_file() {
	vm_only
	[ -S /run/systemd/private ] || skip "systemd is not PID 1 (tests/vm/run --systemd)"
	skiff_setup_file
	RL_USER=skiff-test-rl
	useradd -m -s /bin/sh "$RL_USER"
	RL_UID=$(id -u "$RL_USER")
	RL_GID=$(id -g "$RL_USER")
	# subordinate ranges for rootless Podman (the guest's /etc is its own)
	if ! grep -q "^$RL_USER:" /etc/subuid 2>/dev/null || ! grep -q "^$RL_USER:" /etc/subgid 2>/dev/null; then
		usermod --add-subuids 300000-365535 --add-subgids 300000-365535 "$RL_USER"
	fi
	RL_XDG=/run/user/$RL_UID
	mkdir -p -m 700 "$RL_XDG"
	chown "$RL_USER:" "$RL_XDG"
	RL_DIR=$(mktemp -d /tmp/skiff-test-rl.XXXXXX)
	chmod 755 "$RL_DIR"
	cp "$SKIFF" "$RL_DIR/skiff"
	cp -a "$BATS_FILE_TMPDIR/demo/rootfs" "$RL_DIR/rootfs"
	chown -R "$RL_USER:" "$RL_DIR"
	# the user's manager, as user@UID.service runs it (without PAM)
	systemd-run --quiet --unit="user@$RL_UID.service" --slice="user-$RL_UID.slice" \
		--uid="$RL_UID" --gid="$RL_GID" -p Type=notify -p Delegate=yes -p DefaultDependencies=no --setenv=XDG_RUNTIME_DIR="$RL_XDG" \
		/usr/lib/systemd/systemd --user
	RL_MGR=/sys/fs/cgroup$(systemctl show -P ControlGroup "user@$RL_UID.service")
	assert_eq "$RL_MGR" "/sys/fs/cgroup/user.slice/user-$RL_UID.slice/user@$RL_UID.service"
	# a leaf of the user's delegated subtree for skiff's callers
	RL_SHELL=$RL_MGR/skiff-test-shell
	local i
	for i in $(seq 1 200); do
		[ -S "$RL_XDG/systemd/private" ] && break
		sleep 0.1
	done
	[ -S "$RL_XDG/systemd/private" ] || {
		echo "the user's systemd did not start: $(systemctl status "user@$RL_UID.service" 2>&1)" >&2
		return 1
	}
	mkdir "$RL_SHELL"
	export RL_USER RL_UID RL_GID RL_XDG RL_DIR RL_MGR RL_SHELL
}

teardown_file() {
	[ -n "${RL_USER:-}" ] || return 0
	systemctl stop "user@$RL_UID.service" >/dev/null 2>&1 || true
	rmdir "$RL_SHELL" 2>/dev/null || true
	userdel -r "$RL_USER" >/dev/null 2>&1 || true
	rm -rf "$RL_DIR"
}

setup() {
	ID=rl$BATS_TEST_NUMBER-$$
	MARK=skiffmark-rl-$BATS_TEST_NUMBER-$$
	B=$RL_DIR/b$BATS_TEST_NUMBER
	mkdir "$B"
	ln -s ../rootfs "$B/rootfs"
	chown -h "$RL_USER:" "$B"
	(cd "$B" && as_user "$RL_DIR/skiff" spec --rootless)
	SCOPE_NAME=skiff-$ID.scope
}

teardown() {
	local id
	for id in $(ls "$RL_XDG/skiff" 2>/dev/null); do
		as_user timeout 60 "$RL_DIR/skiff" --systemd-cgroup delete --force "$id" >/dev/null 2>&1 || true
	done
	pkill -KILL -f -- "$MARK" 2>/dev/null || true
	rm -rf "$B"
}

# as_user CMD...: CMD as the test user, from the leaf $RL_SHELL of its
# manager's subtree, with its XDG_RUNTIME_DIR.
as_user() {
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$RL_SHELL" \
		setpriv --reuid="$RL_UID" --regid="$RL_GID" --init-groups \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="/home/$RL_USER" \
		XDG_RUNTIME_DIR="$RL_XDG" "$@"
}

rsk() {
	as_user timeout 60 "$RL_DIR/skiff" --systemd-cgroup "$@"
}

# bg CMD...: as `run`, through a file (a detached container keeps no pipe
# of ours open)
bg() {
	local f=$RL_DIR/out$BATS_TEST_NUMBER
	status=0
	"$@" </dev/null >"$f" 2>&1 || status=$?
	output=$(cat "$f")
	rm -f "$f"
}

# the init's cgroup directory
init_cgroup() {
	local pid
	pid=$(rsk state "$ID" | json_get - 'j["pid"]')
	echo "/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")"
}

@test "rootless --systemd-cgroup: the scope is the user's (user.slice in user@UID.service), limits applied, pause/resume, delete removes it" {
	cfg_set "$B" "c['process']['terminal'] = False; c['process']['args'] = ['sh', '-c', 'sleep 1000', '$MARK']
c['linux']['resources'] = {'memory': {'limit': 67108864}, 'pids': {'limit': 50}}"
	bg rsk run -d -b "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	local cg
	cg=$(init_cgroup)
	assert_eq "$cg" "$RL_MGR/user.slice/$SCOPE_NAME"
	assert_eq "$(cat "$cg/memory.max")" 67108864
	assert_eq "$(cat "$cg/pids.max")" 50
	run rsk exec "$ID" sh -c 'exit 6'
	[ "$status" -eq 6 ]
	run rsk pause "$ID"
	[ "$status" -eq 0 ]
	[ "$(rsk state "$ID" | json_get - 'j["status"]')" = paused ]
	assert_eq "$(cat "$cg/cgroup.freeze")" 1
	run rsk resume "$ID"
	[ "$status" -eq 0 ]
	[ "$(rsk state "$ID" | json_get - 'j["status"]')" = running ]
	run rsk delete --force "$ID"
	[ "$status" -eq 0 ]
	[ ! -d "$cg" ]
	[ -z "$(ls -A "$RL_XDG/skiff" | grep -v '^seccomp-cache$' || true)" ]
}

@test "rootless --systemd-cgroup: a foreground run relays the status and leaves no scope" {
	cfg_set "$B" "c['process']['terminal'] = False; c['process']['args'] = ['sh', '-c', 'grep -c . /proc/self/cgroup; exit 3', '$MARK']"
	run rsk run -b "$B" "$ID" </dev/null
	[ "$status" -eq 3 ]
	[ ! -d "$RL_MGR/user.slice/$SCOPE_NAME" ]
	[ -z "$(ls -A "$RL_XDG/skiff" | grep -v '^seccomp-cache$' || true)" ]
}

@test "rootless on cgroup v2 without --systemd-cgroup: no cgroup (none delegated), pause refused in one line" {
	cfg_set "$B" "c['process']['terminal'] = False; c['process']['args'] = ['sh', '-c', 'sleep 1000', '$MARK']"
	bg as_user "$RL_DIR/skiff" --debug run -d -b "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_contains "$output" "rootless, no cgroup"
	run as_user "$RL_DIR/skiff" pause "$ID"
	assert_single_line_error "pause: container $ID has no cgroup" rootless
	run as_user "$RL_DIR/skiff" delete --force "$ID"
	[ "$status" -eq 0 ]
}

@test "rootless --systemd-cgroup without the user's systemd: one line, nothing left" {
	cfg_set "$B" "c['process']['terminal'] = False; c['process']['args'] = ['true']"
	run sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$RL_SHELL" \
		setpriv --reuid="$RL_UID" --regid="$RL_GID" --init-groups \
		env -i PATH=/usr/bin:/bin XDG_RUNTIME_DIR="$RL_DIR/nowhere" \
		"$RL_DIR/skiff" --root "$RL_DIR/state" --systemd-cgroup run -b "$B" "$ID"
	assert_single_line_error "the user's systemd is not reachable"
	[ -z "$(ls -A "$RL_DIR/state" 2>/dev/null | grep -v '^seccomp-cache$' || true)" ]
}

# readme_block NAME: the fenced block after "<!-- tests/clients: NAME -->"
# in README.md, /usr/local/bin/skiff replaced by the binary under test.
readme_block() {
	awk -v tag="<!-- tests/clients: $1 -->" -v skiff="$RL_DIR/skiff" '
		$0 == tag { want = 1; next }
		want && !inside && /^```/ { inside = 1; next }
		inside && /^```/ { found = 1; exit }
		inside { gsub("/usr/local/bin/skiff", skiff); print }
		END { exit found ? 0 : 1 }' "$SKIFF_TOP/README.md"
}

# podman_user: the test user's own Podman: the README's rootless lines as
# written (systemd is PID 1: Podman's default cgroup manager, systemd, so
# skiff gets --systemd-cgroup), the test's isolation (storage, tmp, locks,
# events under $RL_DIR/podman), the user's bus; the image imported once.
podman_user() {
	local t=$RL_DIR/podman conf
	PODMAN_ENV=(CONTAINERS_CONF="$t/containers.conf" CONTAINERS_STORAGE_CONF="$t/storage.conf"
		DBUS_SESSION_BUS_ADDRESS="unix:path=$RL_XDG/bus")
	[ -e "$t/imported" ] && return 0
	conf=$(readme_block "containers.conf rootless") || {
		echo "README has no 'containers.conf rootless' block" >&2
		return 1
	}
	mkdir -p "$t/tmp"
	{
		sed -n '0,/^\[engine\]$/p' <<<"$conf"
		cat <<-EOF2
			tmp_dir = "$t/tmp"
			lock_type = "file"
			events_logger = "file"
		EOF2
		sed '0,/^\[engine\]$/d' <<<"$conf"
	} > "$t/containers.conf"
	cat > "$t/storage.conf" <<-EOF2
		[storage]
		driver = "vfs"
		graphroot = "$t/graph"
		runroot = "$t/run"
	EOF2
	tar -C "$RL_DIR/rootfs" -cf "$t/rootfs.tar" .
	chown -R "$RL_USER:" "$t"
	(cd "$t" && as_user env "${PODMAN_ENV[@]}" podman import rootfs.tar localhost/skiff-test-rl:latest >/dev/null)
	touch "$t/imported"
}

# rpodman ARG...: podman as the test user.
rpodman() {
	(cd "$RL_DIR" && as_user env "${PODMAN_ENV[@]}" timeout 120 podman "$@")
}

# no_user_scopes: the user's systemd has no scope of skiff or Podman's
# containers left, nor their cgroups; no state under the user's root.
no_user_scopes() {
	local left
	left=$(find "$RL_MGR" -name 'libpod-*.scope' -o -name 'skiff-*.scope' 2>/dev/null || true)
	[ -z "$left" ] || { echo "scopes left: $left" >&2; return 1; }
	left=$(ls -A "$RL_XDG/skiff" 2>/dev/null | grep -v '^seccomp-cache$' || true)
	[ -z "$left" ] || { echo "state left: $left" >&2; return 1; }
}

@test "rootless Podman (systemd cgroup manager): run --rm relays the exit code, in a scope of the user's systemd" {
	podman_user
	run rpodman run --rm --network=none localhost/skiff-test-rl:latest sh -c 'cat /proc/self/cgroup; exit 3'
	echo "$output"
	[ "$status" -eq 3 ]
	assert_contains "$output" "0::/"
	run rpodman ps -aq
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	no_user_scopes
}

@test "rootless Podman (systemd cgroup manager): run -d, exec, --memory in the scope's memory.max, stop, rm; nothing left" {
	podman_user
	run rpodman run -d --name "$ID" --network=none --memory 64m localhost/skiff-test-rl:latest sleep 1000
	echo "$output"
	[ "$status" -eq 0 ]
	local pid cg
	pid=$(rpodman inspect -f '{{.State.Pid}}' "$ID")
	cg=/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
	case $cg in "$RL_MGR"/*/libpod-*.scope) ;; *) echo "cgroup $cg not a scope of $RL_MGR" >&2; false ;; esac
	assert_eq "$(cat "$cg/memory.max")" $((64 * 1024 * 1024))
	[ -d "$RL_XDG/skiff/$(rpodman inspect -f '{{.Id}}' "$ID")" ]
	run rpodman exec "$ID" sh -c 'echo in; exit 5'
	[ "$status" -eq 5 ]
	assert_contains "$output" in
	run rpodman stop -t 1 "$ID"
	[ "$status" -eq 0 ]
	run rpodman rm "$ID"
	[ "$status" -eq 0 ]
	[ ! -d "$cg" ]
	run rpodman ps -aq
	[ -z "$output" ]
	no_user_scopes
	# no process of the user but its manager, its bus and Podman's pause
	# process (its user namespace's keeper)
	local i left
	for i in $(seq 1 100); do
		left=$(pgrep -a -u "$RL_UID" | grep -v -e ' podman$' -e 'systemd --user' -e 'dbus-daemon' \
			-e '(sd-pam)' || true)
		[ -z "$left" ] && break
		sleep 0.1
	done
	assert_eq "$left" ""
}

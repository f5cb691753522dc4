#!/usr/bin/env bats
# rootless.bats - skiff run by an unprivileged user: a test user made here
# (with /etc/subuid and /etc/subgid ranges, removed after), state under
# its $XDG_RUNTIME_DIR/skiff, `skiff spec --rootless` bundles, a user
# namespace of its own uid (maps written directly) or of subordinate ranges
# (newuidmap/newgidmap), no cgroup on a v1/hybrid host (as crun), and
# nothing left behind: no state, no process of the user.

bats_require_minimum_version 1.5.0

load helpers

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root to make the test user"
	command -v newuidmap >/dev/null || {
		echo "newuidmap missing (apt-get install uidmap)" >&2
		return 1
	}
	RL_USER=skiff-test-rl$$
	userdel -r "$RL_USER" >/dev/null 2>&1 || true
	useradd -m -s /bin/sh "$RL_USER"
	RL_UID=$(id -u "$RL_USER")
	RL_GID=$(id -g "$RL_USER")
	# a subordinate range of its own (useradd gives one when SUB_UID_* are
	# set; otherwise add one past every range already handed out)
	if ! grep -q "^$RL_USER:" /etc/subuid 2>/dev/null || ! grep -q "^$RL_USER:" /etc/subgid 2>/dev/null; then
		local top
		top=$(cat /etc/subuid /etc/subgid 2>/dev/null | awk -F: 'BEGIN{m=100000} {e=$2+$3; if (e>m) m=e} END{print m}')
		usermod --add-subuids "$top-$((top + 65535))" --add-subgids "$top-$((top + 65535))" "$RL_USER"
	fi
	RL_SUBUID=$(awk -F: -v u="$RL_USER" '$1==u {print $2; exit}' /etc/subuid)
	RL_SUBGID=$(awk -F: -v u="$RL_USER" '$1==u {print $2; exit}' /etc/subgid)
	RL_DIR=$(mktemp -d /tmp/skiff-test-rl.XXXXXX)
	chmod 755 "$RL_DIR"
	# the binary where the user can run it (the checkout may be private)
	cp "$SKIFF" "$RL_DIR/skiff"
	"$SKIFF_TOP/tests/make-demo-bundle" "$RL_DIR/demo" >&2
	rm "$RL_DIR/demo/config.json"
	mkdir -m 700 "$RL_DIR/xdg"
	chown -R "$RL_USER:" "$RL_DIR"
	export RL_USER RL_UID RL_GID RL_SUBUID RL_SUBGID RL_DIR
}

teardown_file() {
	[ -n "${RL_USER:-}" ] || return 0
	local p i err
	# the user's processes (Podman's pause process among them): userdel
	# refuses a user that still has any
	for i in $(seq 1 100); do
		for p in $(pgrep -u "$RL_UID" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
		pgrep -u "$RL_UID" >/dev/null || break
		sleep 0.05
	done
	rm -rf "$RL_DIR"
	err=$(userdel -r "$RL_USER" 2>&1 | grep -v 'mail spool') || true
	sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
	if id "$RL_USER" >/dev/null 2>&1; then
		echo "userdel $RL_USER failed: $err" >&2
		return 1
	fi
}

setup() {
	ID=rl$BATS_TEST_NUMBER-$$-$RANDOM
	MARK=skiffmark-rl-$BATS_TEST_NUMBER-$$-$RANDOM
	B=$RL_DIR/b$BATS_TEST_NUMBER
	XDG=$RL_DIR/xdg
	# a bundle of the user's: `skiff spec --rootless` as that user
	as_user mkdir "$B"
	as_user cp -a "$RL_DIR/demo/rootfs" "$B/rootfs"
	(cd "$B" && as_user "$RL_DIR/skiff" spec --rootless)
}

teardown() {
	local id
	for id in $(ls "$XDG/skiff" 2>/dev/null); do
		as_user timeout 20 "$RL_DIR/skiff" delete --force "$id" >/dev/null 2>&1 || true
	done
	pkill -KILL -f -- "$MARK" 2>/dev/null || true
	rm -rf "$B"
}

# as_user CMD...: CMD as the test user, with its XDG_RUNTIME_DIR.
as_user() {
	setpriv --reuid="$RL_UID" --regid="$RL_GID" --init-groups \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="/home/$RL_USER" \
		XDG_RUNTIME_DIR="$XDG" "$@"
}

# rsk ARG...: skiff as the test user (its default root, $XDG/skiff).
rsk() {
	as_user timeout 20 "$RL_DIR/skiff" "$@"
}

# rsk_bg ARG...: as rsk, for run -d (output through a file: the
# container keeps no pipe of ours open).
rsk_bg() {
	local f=$RL_DIR/out$BATS_TEST_NUMBER
	status=0
	rsk "$@" </dev/null >"$f" 2>&1 || status=$?
	output=$(cat "$f")
	rm -f "$f"
}

# rargs 'script': process.args = sh -c script MARK, no terminal.
rargs() {
	cfg_set "$B" "c['process']['terminal'] = False; c['process']['args'] = ['sh', '-c', '''$1''', '$MARK']"
}

# multi_range: the mapping rootless Podman passes: 0 -> the user, 1..65536
# -> its subordinate range.
multi_range() {
	cfg_set "$B" "c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': $RL_UID, 'size': 1}, {'containerID': 1, 'hostID': $RL_SUBUID, 'size': 65536}]
c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': $RL_GID, 'size': 1}, {'containerID': 1, 'hostID': $RL_SUBGID, 'size': 65536}]"
}

# rl_stopped ID: the container's status is stopped.
rl_stopped() {
	[ "$(rsk state "$1" | json_get - 'j["status"]')" = stopped ]
}

# assert_user_clean: no state left under the user's root, no process of
# the test user (bounded wait: an init killed by delete is reaped by init).
assert_user_clean() {
	local left i
	left=$(ls -A "$XDG/skiff" 2>/dev/null || true)
	if [ -n "$left" ]; then
		echo "state left in $XDG/skiff: $left" >&2
		return 1
	fi
	for i in $(seq 1 100); do
		pgrep -u "$RL_UID" >/dev/null || return 0
		sleep 0.05
	done
	echo "processes of $RL_USER left: $(pgrep -a -u "$RL_UID")" >&2
	return 1
}

@test "rootless: spec --rootless + run as a user relays the exit code; root in the container is the user" {
	rargs 'id -u; cat /proc/self/uid_map; exit 3'
	run rsk run -b "$B" "$ID"
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = 0 ]
	read -r inside outside size <<<"${lines[1]}"
	assert_eq "$inside $outside $size" "0 $RL_UID 1"
	# its state was under $XDG_RUNTIME_DIR/skiff, owned by the user
	[ "$(stat -c %U "$XDG/skiff")" = "$RL_USER" ]
	assert_user_clean
}

@test "rootless: run -d, state, exec (status and tty), kill, delete" {
	rargs 'echo started; exec sleep 1000'
	rsk_bg run -d -b "$B" "$ID"
	[ "$status" -eq 0 ]
	run rsk state "$ID"
	[ "$status" -eq 0 ]
	[ "$(json_get - 'j["status"]' <<<"$output")" = running ]
	[ "$(json_get - 'j["owner"]' <<<"$output")" = "$RL_USER" ]
	run rsk exec "$ID" sh -c 'id -u; echo hi; exit 4'
	[ "$status" -eq 4 ]
	assert_eq "${lines[0]} ${lines[1]}" "0 hi"
	run rsk exec -t "$ID" tty
	[ "$status" -eq 0 ]
	assert_contains "$output" /dev/pts/
	run rsk kill "$ID" KILL
	[ "$status" -eq 0 ]
	run rsk state "$ID"
	[ "$(json_get - 'j["status"]' <<<"$output")" = stopped ]
	run rsk delete "$ID"
	[ "$status" -eq 0 ]
	assert_user_clean
}

@test "rootless: kill TERM ends a container whose init handles it; delete --force a running one" {
	rargs "trap 'exit 7' TERM; while :; do sleep 0.1; done"
	rsk_bg run -d -b "$B" "$ID"
	[ "$status" -eq 0 ]
	run rsk kill "$ID" TERM
	[ "$status" -eq 0 ]
	# a handled TERM: kill returns at once, the init exits soon after
	poll_for 100 0.05 rl_stopped "$ID"
	run rsk delete "$ID"
	[ "$status" -eq 0 ]
	rsk_bg run -d -b "$B" "$ID-2"
	[ "$status" -eq 0 ]
	run rsk delete --force "$ID-2"
	[ "$status" -eq 0 ]
	assert_user_clean
}

@test "rootless: a multi-range mapping (as Podman passes it) goes through newuidmap/newgidmap" {
	multi_range
	cfg_set "$B" "[v.append('CAP_CHOWN') for k, v in c['process']['capabilities'].items() if k != 'inheritable']"
	rargs 'cat /proc/self/uid_map /proc/self/gid_map; touch /dev/shm/f; chown 1000:1000 /dev/shm/f; stat -c "%u:%g" /dev/shm/f'
	run rsk run -b "$B" "$ID"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 5 ]
	read -r a b c <<<"${lines[1]}"
	assert_eq "$a $b $c" "1 $RL_SUBUID 65536"
	read -r a b c <<<"${lines[3]}"
	assert_eq "$a $b $c" "1 $RL_SUBGID 65536"
	assert_eq "${lines[4]}" "1000:1000"
	assert_user_clean
}

@test "rootless: a range the user was not given fails in one line naming the field, nothing left" {
	multi_range
	cfg_set "$B" "c['linux']['uidMappings'][1]['hostID'] = $RL_SUBUID + 1000000"
	rargs 'true'
	run rsk run -b "$B" "$ID"
	assert_single_line_error linux.uidMappings newuidmap
	assert_user_clean
}

@test "rootless: pause without a delegated cgroup is refused in one line; resources ignored on v1" {
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		skip "cgroup v2 host: rootless cgroups come from systemd's user delegation (systemd VM)"
	fi
	cfg_set "$B" "c['linux']['resources'] = {'memory': {'limit': 67108864}, 'pids': {'limit': 100}}"
	rargs "exec sleep 1000"
	rsk_bg --debug run -d -b "$B" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "no cgroup, linux.resources ignored"
	run rsk pause "$ID"
	assert_single_line_error "pause: container $ID has no cgroup" rootless
	run rsk state "$ID"
	[ "$(json_get - 'j["status"]' <<<"$output")" = running ]
	run rsk delete --force "$ID"
	[ "$status" -eq 0 ]
	assert_user_clean
}

@test "rootless: skiff's own networks are refused in one line, nothing left" {
	cfg_set "$B" "c.setdefault('annotations', {})['org.skiff.net.mode'] = 'nat'
c['linux']['namespaces'].append({'type': 'network'})"
	rargs 'true'
	run rsk run -b "$B" "$ID"
	assert_single_line_error org.skiff.net.mode rootless
	assert_user_clean
}

@test "rootless: /dev/pts with gid=5 (not mapped) still mounts; devices are the host's, bound" {
	cfg_set "$B" "[m['options'].append('gid=5') for m in c['mounts'] if m['destination'] == '/dev/pts']"
	rargs 'grep " /dev/pts " /proc/self/mounts; echo x > /dev/null && stat -c %t,%T /dev/null'
	run rsk run -b "$B" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "${lines[0]}" devpts
	assert_eq "${lines[1]}" "1,3"
	assert_user_clean
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

# podman_user: a Podman of the test user's own: the README's rootless
# lines as written, cgroupfs (no systemd here), and the test's isolation
# (storage, tmp, locks, events under $RL_DIR/podman; rlimits this
# sandbox can grant); the busybox image imported once.
podman_user() {
	local t=$RL_DIR/podman conf
	PODMAN_ENV=(CONTAINERS_CONF="$t/containers.conf" CONTAINERS_STORAGE_CONF="$t/storage.conf")
	[ -e "$t/imported" ] && return 0
	conf=$(readme_block "containers.conf rootless") || {
		echo "README has no 'containers.conf rootless' block" >&2
		return 1
	}
	as_user mkdir -p "$t/tmp"
	{
		sed -n '0,/^\[engine\]$/p' <<<"$conf"
		cat <<-EOF2
			cgroup_manager = "cgroupfs"
			tmp_dir = "$t/tmp"
			lock_type = "file"
			events_logger = "file"
		EOF2
		sed '0,/^\[engine\]$/d' <<<"$conf"
		cat <<-EOF2

			[containers]
			default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
		EOF2
	} > "$t/containers.conf"
	cat > "$t/storage.conf" <<-EOF2
		[storage]
		driver = "overlay"
		graphroot = "$t/graph"
		runroot = "$t/run"
	EOF2
	tar -C "$RL_DIR/demo/rootfs" -cf "$t/rootfs.tar" .
	chown -R "$RL_USER:" "$t"
	(cd "$t" && as_user env "${PODMAN_ENV[@]}" podman import rootfs.tar localhost/skiff-test-rl:latest >/dev/null)
	touch "$t/imported"
}

# rpodman ARG...: podman as the test user.
rpodman() {
	(cd "$RL_DIR" && as_user env "${PODMAN_ENV[@]}" timeout 60 podman "$@")
}

@test "rootless Podman: run --rm relays the exit code; the container is in Podman's user namespace" {
	command -v podman >/dev/null || skip "podman not installed"
	podman_user
	run rpodman run --rm --network=none localhost/skiff-test-rl:latest sh -c 'awk "{print \$1, \$2, \$3}" /proc/self/uid_map; exit 3'
	[ "$status" -eq 3 ]
	assert_contains "$output" "0 $RL_UID 1"
	assert_contains "$output" "1 $RL_SUBUID 65536"
	run rpodman ps -aq
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$(ls -A "$XDG/skiff" | grep -v '^seccomp-cache$' || true)" ]
}

@test "rootless Podman: run -d, exec (status, -t), stop, rm; --memory ignored on v1; nothing left" {
	command -v podman >/dev/null || skip "podman not installed"
	podman_user
	run rpodman run -d --name "$ID" --network=none localhost/skiff-test-rl:latest sleep 1000
	[ "$status" -eq 0 ]
	run rpodman exec "$ID" sh -c 'echo in; exit 5'
	[ "$status" -eq 5 ]
	assert_contains "$output" in
	run rpodman exec -t "$ID" tty
	[ "$status" -eq 0 ]
	assert_contains "$output" /dev/pts/
	# skiff's record of it, under the user's runtime dir
	[ -d "$XDG/skiff/$(rpodman inspect -f '{{.Id}}' "$ID")" ]
	run rpodman stop -t 1 "$ID"
	[ "$status" -eq 0 ]
	run rpodman rm "$ID"
	[ "$status" -eq 0 ]
	if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
		run rpodman run --rm --network=none --memory 64m localhost/skiff-test-rl:latest sh -c 'exit 4'
		[ "$status" -eq 4 ]
	fi
	run rpodman ps -aq
	[ -z "$output" ]
	[ -z "$(ls -A "$XDG/skiff" | grep -v '^seccomp-cache$' || true)" ]
	# no process of the user but Podman's own pause process (its user
	# namespace's keeper, ended in teardown_file)
	local i left
	for i in $(seq 1 100); do
		left=$(pgrep -a -u "$RL_UID" | grep -v ' podman$' || true)
		[ -z "$left" ] && break
		sleep 0.05
	done
	assert_eq "$left" ""
}

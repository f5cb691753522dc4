#!/usr/bin/env bats
# namespaces.bats - new namespaces of every type, joining namespaces by
# path, and the namespace errors.

load helpers

setup_file() { skiff_setup_file; }
setup() {
	skiff_setup
	NETNS=skiff-test-$$-$BATS_TEST_NUMBER
	HELPER_PIDS=()
}
teardown() {
	skiff_teardown
	local p
	for p in "${HELPER_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
	done
	ip netns del "$NETNS" 2>/dev/null || true
}

# ns_link NS: our own namespace link, e.g. net:[4026531840]
ns_link() { readlink /proc/self/ns/"$1"; }

# run_in_container 'script': run the script (sh -c) in a fresh container
# and put its output into $output, its status into $status.
run_in_container() {
	cfg_sh "$BUNDLE" "$1"
	run sk run -b "$BUNDLE" "$ID"
}

# drop_ns TYPE: remove TYPE from linux.namespaces.
drop_ns() {
	cfg_set "$BUNDLE" "c['linux']['namespaces']=[n for n in c['linux']['namespaces'] if n['type']!='$1']"
}

# set_ns TYPE [PATH]: add (or replace) TYPE with an optional path.
set_ns() {
	drop_ns "$1"
	if [ -n "${2:-}" ]; then
		cfg_set "$BUNDLE" "c['linux']['namespaces'].append({'type':'$1','path':'$2'})"
	else
		cfg_set "$BUNDLE" "c['linux']['namespaces'].append({'type':'$1'})"
	fi
}

# helper_process UNSHARE-ARGS... : a sleeping process in new namespaces;
# sets HELPER to its pid (the sleep, after unshare).
helper_process() {
	unshare "$@" sh -c "echo \$\$ >$BATS_TEST_TMPDIR/helper.pid; exec sleep 1000" &
	HELPER_PIDS+=("$!")
	wait_file "$BATS_TEST_TMPDIR/helper.pid"
	HELPER=$(cat "$BATS_TEST_TMPDIR/helper.pid")
	HELPER_PIDS+=("$HELPER")
	rm "$BATS_TEST_TMPDIR/helper.pid"
}

# ns types: the config name and the /proc/self/ns name
NS_TYPES="pid:pid network:net ipc:ipc uts:uts mount:mnt cgroup:cgroup"

@test "every namespace of the config is new: its link differs from the host's" {
	local t cfgname procname
	for t in $NS_TYPES; do
		cfgname=${t%%:*} procname=${t#*:}
		run_in_container "readlink /proc/self/ns/$procname"
		[ "$status" -eq 0 ] || { echo "$cfgname: $output" >&2; return 1; }
		[[ "$output" == "$procname:["* ]]
		[ "$output" != "$(ns_link "$procname")" ] || {
			echo "$cfgname namespace is the host's" >&2
			return 1
		}
	done
}

@test "a namespace missing from the config is the host's" {
	local t cfgname procname
	for t in network:net ipc:ipc cgroup:cgroup; do
		cfgname=${t%%:*} procname=${t#*:}
		make_bundle "$BATS_TEST_TMPDIR/b-$cfgname"
		BUNDLE=$BATS_TEST_TMPDIR/b-$cfgname drop_ns "$cfgname"
		BUNDLE=$BATS_TEST_TMPDIR/b-$cfgname run_in_container "readlink /proc/self/ns/$procname"
		[ "$status" -eq 0 ] || { echo "$cfgname: $output" >&2; return 1; }
		assert_eq "$output" "$(ns_link "$procname")"
	done
}

@test "pid namespace: the process is pid 1 and sees only its own processes" {
	run_in_container 'echo $$; ps -o pid,comm | tail -n +2 | wc -l'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" 1
	# sh and ps (and the pipeline's tail and wc)
	[ "${lines[1]}" -le 4 ]
}

@test "no pid namespace: the process has a host pid" {
	drop_ns pid
	cfg_sh "$BUNDLE" 'echo $$ >/dev/shm/pid; '"$SLEEPER"
	sk run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	local pid
	pid=$(state_field "$ID" pid)
	[ "$pid" -gt 1 ]
	assert_eq "$(readlink /proc/"$pid"/ns/pid)" "$(ns_link pid)"
	assert_contains "$(tr '\0' ' ' </proc/"$pid"/cmdline)" "$MARK"
}

@test "network namespace: only lo" {
	run_in_container 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "'
	[ "$status" -eq 0 ]
	assert_eq "$output" lo
}

@test "network namespace: lo is up with 127.0.0.1, as runc and crun leave it" {
	# a server on 127.0.0.1 answers a client in the same container
	run_in_container 'ip -o link show lo; ip -o -4 addr show lo; nc -l -p 7070 >/dev/null & sleep 0.3; echo hi | nc -w 2 127.0.0.1 7070 && echo connected'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"<LOOPBACK,UP"* ]]
	[[ "${lines[1]}" == *"inet 127.0.0.1/8"* ]]
	assert_eq "${lines[2]}" connected
}

@test "uts namespace: hostname and domainname are set" {
	cfg_set "$BUNDLE" 'c["hostname"]="skiff-host-1"' 'c["domainname"]="skiff.example"'
	run_in_container 'cat /proc/sys/kernel/hostname /proc/sys/kernel/domainname; hostname'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" skiff-host-1
	assert_eq "${lines[1]}" skiff.example
	assert_eq "${lines[2]}" skiff-host-1
	# the host's are untouched
	[ "$(hostname)" != skiff-host-1 ]
}

@test "uts namespace: a hostname without a uts namespace is an error" {
	drop_ns uts
	cfg_sh "$BUNDLE" "$SLEEPER"
	run sk run -b "$BUNDLE" "$ID"
	assert_single_line_error hostname uts
	assert_nothing_left "$ID"
}

@test "ipc namespace: SysV objects of the host are not visible" {
	local q
	q=$(ipcmk -Q | grep -o '[0-9]*$')
	HELPER_IPC=$q
	run_in_container 'tail -n +2 /proc/sysvipc/msg | wc -l'
	ipcrm -q "$q"
	[ "$status" -eq 0 ]
	assert_eq "$output" 0
	# and the host does see it (the test can fail)
	q=$(ipcmk -Q | grep -o '[0-9]*$')
	[ "$(tail -n +2 /proc/sysvipc/msg | wc -l)" -ge 1 ]
	ipcrm -q "$q"
}

@test "mount namespace: the container's mounts are not on the host" {
	cfg_sh "$BUNDLE" "$SLEEPER"
	sk run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	local pid
	pid=$(state_field "$ID" pid)
	grep -q " /proc " /proc/"$pid"/mountinfo
	[ "$(grep -cF -- "$BUNDLE" /proc/self/mountinfo)" -eq 0 ]
}

# no_mount_fields: drop what needs a mount namespace of the container's own
no_mount_fields() {
	cfg_set "$BUNDLE" 'c.pop("mounts",None)' 'c["root"].pop("readonly",None)' \
		'c["linux"].pop("maskedPaths",None)' 'c["linux"].pop("readonlyPaths",None)'
}

@test "no mount namespace: the host's mounts, root.path by chroot; exec too; no mount made" {
	drop_ns mount
	no_mount_fields
	rootfs_write "$BUNDLE" marker <<<in-the-rootfs
	# no /dev in the chroot: busybox sh cannot give a background job
	# its /dev/null
	cfg_sh "$BUNDLE" 'exec sleep 1000'
	sk run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	wait_status "$ID" running
	local pid
	pid=$(state_field "$ID" pid)
	assert_eq "$(readlink /proc/"$pid"/ns/mnt)" "$(ns_link mnt)"
	assert_eq "$(readlink /proc/"$pid"/root)" "$(cd "$BUNDLE/rootfs" && pwd -P)"
	run sk exec "$ID" sh -c 'cat /marker; pwd'
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	assert_eq "${lines[0]}" in-the-rootfs
	assert_eq "${lines[1]}" /
	# the host's mount table got nothing
	[ "$(grep -cF -- "$BUNDLE" /proc/self/mountinfo)" -eq 0 ]
	sk delete -f "$ID"
	assert_nothing_left "$ID"
}

@test "no mount namespace: fields that need mounts are refused, each named; nothing left" {
	drop_ns mount
	local f
	for f in mounts linux.maskedPaths linux.readonlyPaths root.readonly linux.rootfsPropagation linux.devices; do
		cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/c.json"
		no_mount_fields
		case $f in
		mounts) cfg_set "$BUNDLE" 'c["mounts"]=[{"destination":"/tmp","type":"tmpfs","source":"tmpfs"}]' ;;
		linux.maskedPaths) cfg_set "$BUNDLE" 'c["linux"]["maskedPaths"]=["/proc/kcore"]' ;;
		linux.readonlyPaths) cfg_set "$BUNDLE" 'c["linux"]["readonlyPaths"]=["/proc/sys"]' ;;
		root.readonly) cfg_set "$BUNDLE" 'c["root"]["readonly"]=True' ;;
		linux.rootfsPropagation) cfg_set "$BUNDLE" 'c["linux"]["rootfsPropagation"]="private"' ;;
		linux.devices) cfg_set "$BUNDLE" 'c["linux"]["devices"]=[{"path":"/dev/skiffnull","type":"c","major":1,"minor":3}]' ;;
		esac
		run sk run -b "$BUNDLE" "$ID"
		assert_single_line_error "$f:" "new mount namespace" "host's mounts are never changed"
		assert_nothing_left "$ID"
		cp "$BATS_TEST_TMPDIR/c.json" "$BUNDLE/config.json"
	done
	[ ! -e "$BUNDLE/rootfs/dev/skiffnull" ]
}

@test "join a mount namespace by path: its mounts, root.path in it; the namespace is not changed" {
	mkdir -p "$BUNDLE/rootfs/mnt"
	# a namespace of its own with a tmpfs the host does not have
	unshare -m --propagation private sh -c "mount -t tmpfs $MARK $BUNDLE/rootfs/mnt &&
		echo joined-marker >$BUNDLE/rootfs/mnt/m && echo \$\$ >$BATS_TEST_TMPDIR/helper.pid &&
		exec sleep 1000" &
	HELPER_PIDS+=("$!")
	wait_file "$BATS_TEST_TMPDIR/helper.pid"
	HELPER=$(cat "$BATS_TEST_TMPDIR/helper.pid")
	HELPER_PIDS+=("$HELPER")
	[ ! -e "$BUNDLE/rootfs/mnt/m" ]
	local mounts
	mounts=$(cat /proc/"$HELPER"/mountinfo)
	set_ns mount "/proc/$HELPER/ns/mnt"
	no_mount_fields
	run_in_container 'cat /mnt/m; readlink /proc/self/ns/mnt 2>/dev/null || echo no-proc; ls /'
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	assert_eq "${lines[0]}" joined-marker
	# root.path, not the namespace's own root
	assert_contains "$output" mnt
	[[ "$output" != *"$(basename "$BATS_TEST_TMPDIR")"* ]]
	assert_eq "$(cat /proc/"$HELPER"/mountinfo)" "$mounts"
	# mounts of the config are refused: the joined namespace is never changed
	cfg_set "$BUNDLE" 'c["mounts"]=[{"destination":"/tmp","type":"tmpfs","source":"tmpfs"}]'
	run sk run -b "$BUNDLE" "$ID"
	assert_single_line_error "mounts:" "joined by path is never changed"
	assert_eq "$(cat /proc/"$HELPER"/mountinfo)" "$mounts"
	assert_nothing_left "$ID"
}

@test "cgroup namespace: the container's cgroup paths are /" {
	run_in_container 'cat /proc/self/cgroup'
	[ "$status" -eq 0 ]
	[ -n "$output" ]
	local l
	for l in "${lines[@]}"; do
		[[ "$l" == *:/ ]] || { echo "cgroup line not at the root: $l" >&2; return 1; }
	done
}

# userns_bundle: move the bundle where the mapped root can reach it (the
# bats temporary directories are 0700).
userns_bundle() {
	chmod 0755 "$SHORT"
	mv "$BUNDLE" "$SHORT/bundle"
	BUNDLE=$SHORT/bundle
}

@test "user namespace: uidMappings/gidMappings are applied" {
	userns_bundle
	set_ns user
	cfg_set "$BUNDLE" \
		'c["linux"]["uidMappings"]=[{"containerID":0,"hostID":200000,"size":65536}]' \
		'c["linux"]["gidMappings"]=[{"containerID":0,"hostID":300000,"size":65536}]'
	run_in_container 'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g'
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	assert_eq "$(echo ${lines[0]})" "0 200000 65536"
	assert_eq "$(echo ${lines[1]})" "0 300000 65536"
	assert_eq "${lines[2]}" 0
	assert_eq "${lines[3]}" 0
}

@test "user namespace: files are owned through the mappings" {
	# a private rootfs copy (no hard links into the shared demo: chown!)
	rm -rf "$BUNDLE/rootfs"
	cp -a "$BATS_FILE_TMPDIR/demo/rootfs" "$BUNDLE/rootfs"
	chown -R 200000:300000 "$BUNDLE/rootfs"
	chown 200007:300008 "$BUNDLE/rootfs/etc/hosts"
	userns_bundle
	set_ns user
	cfg_set "$BUNDLE" 'c["root"]["readonly"]=False' \
		'c["linux"]["uidMappings"]=[{"containerID":0,"hostID":200000,"size":65536}]' \
		'c["linux"]["gidMappings"]=[{"containerID":0,"hostID":300000,"size":65536}]'
	run_in_container 'stat -c "%u:%g" /bin/busybox /etc/hosts; touch /made-inside'
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	assert_eq "${lines[0]}" 0:0
	assert_eq "${lines[1]}" 7:8
	assert_eq "$(stat -c %u:%g "$BUNDLE/rootfs/made-inside")" 200000:300000
}

@test "user namespace: bind sources the container's root cannot reach still mount (run, exec)" {
	userns_bundle
	# sources under a 0700 host-root directory: the mapped root (200000)
	# cannot even look them up; skiff opens them before the user namespace
	local secret=$SHORT/secret
	mkdir -p "$secret/dir/sub"
	echo in-dir >"$secret/dir/sub/f"
	echo a-file >"$secret/file"
	chmod 0700 "$secret"
	mkdir -p "$BUNDLE/rootfs/data" "$BUNDLE/rootfs/data-ro"
	touch "$BUNDLE/rootfs/file"
	set_ns user
	cfg_set "$BUNDLE" \
		'c["linux"]["uidMappings"]=[{"containerID":0,"hostID":200000,"size":65536}]' \
		'c["linux"]["gidMappings"]=[{"containerID":0,"hostID":300000,"size":65536}]' \
		"c['mounts'] += [{'destination': '/data', 'type': 'bind', 'source': '$secret/dir', 'options': ['rbind']},
		  {'destination': '/data-ro', 'type': 'bind', 'source': '$secret/dir', 'options': ['bind', 'ro']},
		  {'destination': '/file', 'type': 'bind', 'source': '$secret/file', 'options': ['bind']}]"
	cfg_sh "$BUNDLE" "cat /data/sub/f /data-ro/sub/f /file; touch /data-ro/x 2>/dev/null || echo ro-ok; $SLEEPER"
	sk run -d -b "$BUNDLE" "$ID" </dev/null >"$SHORT/out" 2>&1 || { cat "$SHORT/out"; return 1; }
	wait_status "$ID" running
	run sk exec --cwd /data/sub "$ID" sh -c 'cat f /file; id -u'
	echo "$output"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" in-dir
	assert_eq "${lines[1]}" a-file
	assert_eq "${lines[2]}" 0
	run cat "$SHORT/out"
	echo "$output"
	assert_eq "${lines[0]}" in-dir
	assert_eq "${lines[1]}" in-dir
	assert_eq "${lines[2]}" a-file
	assert_eq "${lines[3]}" ro-ok
	# what the container's root cannot reach stays so: nothing else of
	# the secret directory is visible
	run sk exec "$ID" ls /data
	assert_eq "$output" sub
}

@test "user namespace: a new user namespace without mappings is an error" {
	set_ns user
	cfg_sh "$BUNDLE" "$SLEEPER"
	run sk run -b "$BUNDLE" "$ID"
	assert_single_line_error uidMappings
	assert_nothing_left "$ID"
}

@test "user namespace: mappings without a user namespace are an error" {
	cfg_set "$BUNDLE" 'c["linux"]["uidMappings"]=[{"containerID":0,"hostID":200000,"size":1}]' \
		'c["linux"]["gidMappings"]=[{"containerID":0,"hostID":200000,"size":1}]'
	cfg_sh "$BUNDLE" "$SLEEPER"
	run sk run -b "$BUNDLE" "$ID"
	assert_single_line_error uidMappings
	assert_nothing_left "$ID"
}

@test "time namespace: a new one without offsets works" {
	[ -e /proc/self/ns/time ] || skip "kernel without time namespaces"
	set_ns time
	run_in_container 'readlink /proc/self/ns/time'
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[[ "$output" == "time:["* ]]
	[ "$output" != "$(ns_link time)" ]
}

@test "time namespace: offsets are a clear error" {
	set_ns time
	cfg_set "$BUNDLE" 'c["linux"]["timeOffsets"]={"monotonic":{"secs":100,"nanosecs":0}}'
	cfg_sh "$BUNDLE" "$SLEEPER"
	run sk run -b "$BUNDLE" "$ID"
	assert_single_line_error timeOffsets
	assert_nothing_left "$ID"
}

@test "join a network namespace by path (ip netns)" {
	ip netns add "$NETNS"
	ip -n "$NETNS" link add skiffbr0 type bridge
	set_ns network "/run/netns/$NETNS"
	run_in_container 'readlink /proc/self/ns/net; cat /proc/net/dev'
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	assert_eq "${lines[0]}" "net:[$(stat -L -c %i "/run/netns/$NETNS")]"
	assert_contains "$output" skiffbr0
	assert_nothing_left "$ID"
	# the namespace survives the container
	ip -n "$NETNS" link show skiffbr0 >/dev/null
}

@test "join uts and ipc namespaces of another process by /proc path" {
	helper_process --uts --ipc
	nsenter -t "$HELPER" --uts hostname joined-uts
	drop_ns uts
	cfg_set "$BUNDLE" 'c.pop("hostname",None)'
	set_ns uts "/proc/$HELPER/ns/uts"
	set_ns ipc "/proc/$HELPER/ns/ipc"
	run_in_container 'hostname; readlink /proc/self/ns/ipc'
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	assert_eq "${lines[0]}" joined-uts
	assert_eq "${lines[1]}" "$(readlink /proc/"$HELPER"/ns/ipc)"
}

@test "join a uts namespace by path: hostname and domainname are set in it (runc)" {
	helper_process --uts
	nsenter -t "$HELPER" --uts hostname before-join
	set_ns uts "/proc/$HELPER/ns/uts"
	cfg_set "$BUNDLE" 'c["hostname"]="skiff-joined"' 'c["domainname"]="joined.example"'
	run_in_container 'hostname; cat /proc/sys/kernel/domainname; readlink /proc/self/ns/uts'
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	assert_eq "${lines[0]}" skiff-joined
	assert_eq "${lines[1]}" joined.example
	assert_eq "${lines[2]}" "$(readlink /proc/"$HELPER"/ns/uts)"
	# set in the joined namespace, which keeps it; the host's is untouched
	assert_eq "$(nsenter -t "$HELPER" --uts hostname)" skiff-joined
	[ "$(hostname)" != skiff-joined ]
}

@test "join the pid namespace of another container" {
	run_sleeping "$ID"
	local pid1
	pid1=$(state_field "$ID" pid)
	make_bundle "$BATS_TEST_TMPDIR/b2"
	BUNDLE=$BATS_TEST_TMPDIR/b2 set_ns pid "/proc/$pid1/ns/pid"
	BUNDLE=$BATS_TEST_TMPDIR/b2 cfg_sh "$BATS_TEST_TMPDIR/b2" 'echo $$; ps -o pid,args'
	run sk run -b "$BATS_TEST_TMPDIR/b2" "$ID-2"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	# not pid 1: the first container's process is
	[ "${lines[0]}" -gt 1 ]
	assert_contains "$output" "$MARK"
	assert_eq "$(state_field "$ID" status)" running
}

@test "join a namespace: a path of the wrong type is an error naming the path" {
	set_ns network "/proc/$$/ns/uts"
	cfg_sh "$BUNDLE" "$SLEEPER"
	run sk run -b "$BUNDLE" "$ID"
	assert_single_line_error "/proc/$$/ns/uts" network
	assert_nothing_left "$ID"
}

@test "join a namespace: a nonexistent path is an error naming the path" {
	set_ns ipc "$BATS_TEST_TMPDIR/no-such-ns"
	cfg_sh "$BUNDLE" "$SLEEPER"
	run sk run -b "$BUNDLE" "$ID"
	assert_single_line_error "$BATS_TEST_TMPDIR/no-such-ns"
	assert_nothing_left "$ID"
}

@test "join a namespace: a regular file is an error naming the path" {
	echo x >"$BATS_TEST_TMPDIR/not-a-ns"
	set_ns uts "$BATS_TEST_TMPDIR/not-a-ns"
	cfg_set "$BUNDLE" 'c.pop("hostname",None)'
	cfg_sh "$BUNDLE" "$SLEEPER"
	run sk run -b "$BUNDLE" "$ID"
	assert_single_line_error "$BATS_TEST_TMPDIR/not-a-ns"
	assert_nothing_left "$ID"
}

@test "a duplicate namespace type is an error" {
	cfg_set "$BUNDLE" 'c["linux"]["namespaces"].append({"type":"ipc"})'
	cfg_sh "$BUNDLE" "$SLEEPER"
	run sk run -b "$BUNDLE" "$ID"
	assert_single_line_error "linux.namespaces" duplicate ipc
	assert_nothing_left "$ID"
}

@test "exec joins every namespace of the container" {
	cfg_set "$BUNDLE" 'c["hostname"]="exec-ns"'
	run_sleeping "$ID"
	local pid t procname
	pid=$(state_field "$ID" pid)
	for t in $NS_TYPES; do
		procname=${t#*:}
		run sk exec "$ID" readlink /proc/self/ns/"$procname"
		[ "$status" -eq 0 ] || { echo "$procname: $output" >&2; return 1; }
		assert_eq "$output" "$(readlink /proc/"$pid"/ns/"$procname")"
	done
}

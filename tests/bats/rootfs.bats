#!/usr/bin/env bats
# rootfs.bats - the container's filesystem through `skiff run`: mounts of
# every type and propagation, /dev, masked and read-only paths, a
# read-only root, sysctls, --no-pivot, and symlinks in the image that
# point out of it.  Expectations follow runc.

load helpers
load rootfs_helpers

setup_file() { skiff_setup_file; }
setup() {
	skiff_setup
	rootfs_tools
	HOST=$BATS_TEST_TMPDIR/host
	mkdir -p "$HOST/dir/sub"
	echo marker > "$HOST/dir/marker"
	echo hostfile > "$HOST/file"
}
teardown() {
	skiff_teardown
	rootfs_teardown
}

@test "rootfs: a missing root.path is a clear error" {
	cfg_set "$BUNDLE" "c['root']['path'] = 'nope'"
	run sk run -b "$BUNDLE" "$ID"
	assert_single_line_error "root.path: $BUNDLE/nope: no such directory"
	assert_nothing_left "$ID"
}

@test "rootfs: an absolute root.path works" {
	cfg_set "$BUNDLE" "c['root']['path'] = '$BUNDLE/rootfs'"
	cfg_sh "$BUNDLE" 'test -x /bin/busybox && echo ok'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" ok
}

@test "rootfs: root.readonly makes / read-only, false leaves it writable" {
	cfg_sh "$BUNDLE" 'mi /; touch /x 2>&1; echo rc=$?'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_mount_opt "$output" / opts ro
	assert_contains "$output" "Read-only file system"
	assert_contains "$output" "rc=1"

	cfg_set "$BUNDLE" "c['root']['readonly'] = False"
	cfg_sh "$BUNDLE" 'mi /; touch /x && echo rc=$?'
	run sk run -b "$BUNDLE" "$ID-rw"
	[ "$status" -eq 0 ]
	assert_mount_opt "$output" / opts rw
	assert_contains "$output" "rc=0"
}

@test "rootfs: the default mounts have their types and options" {
	cfg_sh "$BUNDLE" 'for m in /proc /dev /dev/pts /dev/shm /dev/mqueue /sys /tmp; do mi $m; done; stat -c "shm=%a" /dev/shm'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	[ "$(mi_get "$(mi_line "$output" /proc)" type)" = proc ]
	[ "$(mi_get "$(mi_line "$output" /dev)" type)" = tmpfs ]
	assert_mount_opt "$output" /dev opts nosuid
	assert_mount_opt "$output" /dev super size=65536k
	[ "$(mi_get "$(mi_line "$output" /dev/pts)" type)" = devpts ]
	assert_mount_opt "$output" /dev/pts super ptmxmode=666
	assert_mount_opt "$output" /dev/pts super mode=620
	assert_mount_opt "$output" /dev/pts super gid=5
	assert_mount_opt "$output" /dev/pts opts noexec
	[ "$(mi_get "$(mi_line "$output" /dev/shm)" type)" = tmpfs ]
	assert_mount_opt "$output" /dev/shm opts nodev
	assert_contains "$output" "shm=1777"
	[ "$(mi_get "$(mi_line "$output" /dev/mqueue)" type)" = mqueue ]
	[ "$(mi_get "$(mi_line "$output" /sys)" type)" = sysfs ]
	assert_mount_opt "$output" /sys opts ro
	assert_mount_opt "$output" /tmp opts nodev
}

@test "rootfs: bind with ro, nosuid is read-only; rbind takes submounts along, bind does not" {
	host_mount_tmpfs "$HOST/dir/sub"
	echo inner > "$HOST/dir/sub/inner"
	add_mount "$BUNDLE" "{\"destination\":\"/mnt/ro\",\"type\":\"bind\",\"source\":\"$HOST/dir\",\"options\":[\"rbind\",\"ro\",\"nosuid\"]}"
	add_mount "$BUNDLE" "{\"destination\":\"/mnt/nonrec\",\"type\":\"bind\",\"source\":\"$HOST/dir\",\"options\":[\"bind\"]}"
	add_mount "$BUNDLE" "{\"destination\":\"/mnt/rro\",\"type\":\"bind\",\"source\":\"$HOST/dir\",\"options\":[\"rbind\",\"rro\"]}"
	cfg_sh "$BUNDLE" 'cat /mnt/ro/marker /mnt/ro/sub/inner; mi /mnt/ro; mi /mnt/ro/sub; mi /mnt/rro/sub; mi /mnt/nonrec/sub; ls /mnt/nonrec/sub | wc -l | sed s/^/nonrec=/; touch /mnt/ro/x 2>&1; true'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" marker
	assert_contains "$output" inner
	assert_mount_opt "$output" /mnt/ro opts ro
	assert_mount_opt "$output" /mnt/ro opts nosuid
	assert_mount_opt "$output" /mnt/ro/sub opts rw   # "ro" is not recursive (runc)
	assert_mount_opt "$output" /mnt/rro/sub opts ro  # "rro" is
	assert_contains "$output" "no mount at /mnt/nonrec/sub"
	assert_contains "$output" "nonrec=0"
	assert_contains "$output" "Read-only file system"
	[ ! -e "$HOST/dir/x" ]
}

@test "rootfs: a file bind mount creates its destination; a relative source is relative to the bundle" {
	cp "$HOST/file" "$BUNDLE/relfile"
	add_mount "$BUNDLE" "{\"destination\":\"/etc/new/hostfile\",\"type\":\"bind\",\"source\":\"$HOST/file\",\"options\":[\"bind\",\"ro\"]}"
	add_mount "$BUNDLE" "{\"destination\":\"/rel\",\"source\":\"relfile\",\"options\":[\"bind\"]}"
	cfg_sh "$BUNDLE" 'cat /etc/new/hostfile /rel; test -f /etc/new/hostfile && echo isfile'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c hostfile)" -eq 2 ]
	assert_contains "$output" isfile
}

@test "rootfs: bind propagation options shared, slave, private, unbindable and r* variants" {
	host_mount_tmpfs "$HOST/shared" --make-shared
	local o
	for o in shared slave private unbindable rshared rslave rprivate runbindable; do
		add_mount "$BUNDLE" "{\"destination\":\"/p/$o\",\"type\":\"bind\",\"source\":\"$HOST/shared\",\"options\":[\"rbind\",\"$o\"]}"
	done
	cfg_sh "$BUNDLE" 'for o in shared slave private unbindable rshared rslave rprivate runbindable; do mi /p/$o; done'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_optional "$output" /p/shared shared:
	assert_optional "$output" /p/rshared shared:
	# the host's mount is shared: a slave bind receives its events
	assert_optional "$output" /p/slave master:
	assert_optional "$output" /p/rslave master:
	assert_optional "$output" /p/unbindable unbindable
	assert_optional "$output" /p/runbindable unbindable
	[ "$(mi_get "$(mi_line "$output" /p/private)" optional)" = - ]
	[ "$(mi_get "$(mi_line "$output" /p/rprivate)" optional)" = - ]
}

@test "rootfs: a slave bind sees mounts made later on the host" {
	host_mount_tmpfs "$HOST/shared" --make-shared
	add_mount "$BUNDLE" "{\"destination\":\"/p\",\"type\":\"bind\",\"source\":\"$HOST/shared\",\"options\":[\"rbind\",\"rslave\"]}"
	cfg_sh "$BUNDLE" "i=0; while [ \$i -lt 200 ] && ! [ -e /p/late/here ]; do sleep 0.05; i=\$((i+1)); done; cat /p/late/here"
	sk run -b "$BUNDLE" "$ID" >"$BATS_TEST_TMPDIR/out" 2>&1 &
	local runner=$!
	wait_status "$ID" running
	host_mount_tmpfs "$HOST/shared/late"
	echo late-mount > "$HOST/shared/late/here"
	wait "$runner"
	assert_contains "$(cat "$BATS_TEST_TMPDIR/out")" late-mount
}

@test "rootfs: tmpfs with size and mode; tmpcopyup keeps the directory's contents" {
	mkdir -p "$BUNDLE/rootfs/opt/data/sub"
	echo kept > "$BUNDLE/rootfs/opt/data/sub/file"
	ln -s sub/file "$BUNDLE/rootfs/opt/data/link"
	add_mount "$BUNDLE" '{"destination":"/scratch","type":"tmpfs","source":"tmpfs","options":["size=1m","mode=0700","nosuid"]}'
	add_mount "$BUNDLE" '{"destination":"/opt/data","type":"tmpfs","source":"tmpfs","options":["tmpcopyup"]}'
	cfg_sh "$BUNDLE" 'mi /scratch; stat -c "mode=%a" /scratch; mi /opt/data; cat /opt/data/link; readlink /opt/data/link'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_mount_opt "$output" /scratch super size=1024k
	assert_mount_opt "$output" /scratch opts nosuid
	assert_contains "$output" "mode=700"
	[ "$(mi_get "$(mi_line "$output" /opt/data)" type)" = tmpfs ]
	assert_contains "$output" kept
	assert_contains "$output" sub/file
}

@test "rootfs: proc, sysfs, mqueue, devpts mounted at other places" {
	add_mount "$BUNDLE" '{"destination":"/x/proc","type":"proc","source":"proc"}'
	add_mount "$BUNDLE" '{"destination":"/x/sys","type":"sysfs","source":"sysfs","options":["ro"]}'
	add_mount "$BUNDLE" '{"destination":"/x/mq","type":"mqueue","source":"mqueue"}'
	add_mount "$BUNDLE" '{"destination":"/x/pts","type":"devpts","source":"devpts","options":["newinstance","ptmxmode=0666"]}'
	cfg_sh "$BUNDLE" 'for m in /x/proc /x/sys /x/mq /x/pts; do mi $m; done; test -e /x/proc/self/status && echo procok; test -d /x/sys/class/net/lo && echo lo-only-$(ls /x/sys/class/net | wc -l)'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	[ "$(mi_get "$(mi_line "$output" /x/proc)" type)" = proc ]
	[ "$(mi_get "$(mi_line "$output" /x/sys)" type)" = sysfs ]
	assert_mount_opt "$output" /x/sys opts ro
	[ "$(mi_get "$(mi_line "$output" /x/mq)" type)" = mqueue ]
	[ "$(mi_get "$(mi_line "$output" /x/pts)" type)" = devpts ]
	assert_contains "$output" procok
	# a fresh sysfs of the container's network namespace: only lo
	assert_contains "$output" lo-only-1
}

@test "rootfs: sysfs without a network namespace is the host's /sys bound (runc)" {
	cfg_set "$BUNDLE" "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network']"
	cfg_sh "$BUNDLE" 'mi /sys; ls /sys/class/net | wc -l | sed s/^/n=/'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_mount_opt "$output" /sys opts ro
	[ "$(ls /sys/class/net | wc -l)" -ge 1 ]
	assert_contains "$output" "n=$(ls /sys/class/net | wc -l)"
}

@test "rootfs: a cgroup mount shows the container's hierarchies, read-only" {
	add_mount "$BUNDLE" '{"destination":"/sys/fs/cgroup","type":"cgroup","source":"cgroup","options":["nosuid","noexec","nodev","relatime","ro"]}'
	cfg_sh "$BUNDLE" 'mi /sys/fs/cgroup; for d in /sys/fs/cgroup/*; do mi $d; done; touch /sys/fs/cgroup/x 2>&1; true'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		[ "$(mi_get "$(mi_line "$output" /sys/fs/cgroup)" type)" = cgroup2 ]
	else
		[ "$(mi_get "$(mi_line "$output" /sys/fs/cgroup)" type)" = tmpfs ]
		local c
		for c in $(awk '$9 == "cgroup" && $5 ~ "^/sys/fs/cgroup/" { sub(".*/", "", $5); print $5 }' /proc/self/mountinfo); do
			[ "$(mi_get "$(mi_line "$output" "/sys/fs/cgroup/$c")" type)" = cgroup ]
			assert_mount_opt "$output" "/sys/fs/cgroup/$c" opts ro
		done
	fi
	assert_mount_opt "$output" /sys/fs/cgroup opts ro
	assert_contains "$output" "Read-only file system"
}

@test "rootfs: an unknown mount option is an error naming the mount and option" {
	add_mount "$BUNDLE" '{"destination":"/mnt","type":"tmpfs","source":"tmpfs","options":["sizee=1m"]}'
	local n
	n=$(json_get "$BUNDLE/config.json" 'len(j["mounts"]) - 1')
	run sk run -b "$BUNDLE" "$ID"
	assert_single_line_error "mounts[$n]" "sizee=1m"
	assert_nothing_left "$ID"
}

@test "rootfs: default devices, linux.devices and the /dev symlinks" {
	cfg_set "$BUNDLE" "c['linux']['devices'] = [{'path': '/dev/fuse', 'type': 'c', 'major': 10, 'minor': 229, 'fileMode': 384, 'uid': 1000, 'gid': 1001}, {'path': '/dev/null', 'type': 'c', 'major': 1, 'minor': 3, 'fileMode': 432}, {'path': '/dev/sub/myfifo', 'type': 'p'}]"
	cfg_sh "$BUNDLE" 'for d in null zero full random urandom tty fuse; do stat -c "%n %F %t:%T %a %u:%g" /dev/$d; done; stat -c "%n %F" /dev/sub/myfifo; for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done; head -c 4 /dev/zero | od -An -tx1'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "/dev/null character special file 1:3 660 0:0"
	assert_contains "$output" "/dev/zero character special file 1:5 666 0:0"
	assert_contains "$output" "/dev/full character special file 1:7 666"
	assert_contains "$output" "/dev/random character special file 1:8 666"
	assert_contains "$output" "/dev/urandom character special file 1:9 666"
	assert_contains "$output" "/dev/tty character special file 5:0 666"
	assert_contains "$output" "/dev/fuse character special file a:e5 600 1000:1001"
	assert_contains "$output" "/dev/sub/myfifo fifo"
	assert_contains "$output" "fd -> /proc/self/fd"
	assert_contains "$output" "stdin -> /proc/self/fd/0"
	assert_contains "$output" "stdout -> /proc/self/fd/1"
	assert_contains "$output" "stderr -> /proc/self/fd/2"
	assert_contains "$output" "ptmx -> pts/ptmx"
	assert_contains "$output" "00 00 00 00"
}

@test "rootfs: a device path outside /dev is refused" {
	cfg_set "$BUNDLE" "c['linux']['devices'] = [{'path': '/dev/../etc/evil', 'type': 'c', 'major': 1, 'minor': 3}]"
	run sk run -b "$BUNDLE" "$ID"
	assert_single_line_error "linux.devices[0].path" "not under /dev"
	assert_nothing_left "$ID"
}

@test "rootfs: maskedPaths hide files and directories, missing ones are ignored" {
	echo secret | rootfs_write "$BUNDLE" etc/secret
	mkdir -p "$BUNDLE/rootfs/secretdir" && echo x > "$BUNDLE/rootfs/secretdir/f"
	cfg_set "$BUNDLE" "c['linux']['maskedPaths'] += ['/etc/secret', '/secretdir', '/does/not/exist']"
	cfg_sh "$BUNDLE" 'echo "[$(cat /etc/secret)]"; ls -A /secretdir | wc -l | sed s/^/n=/; mi /secretdir; stat -c "%F %t:%T" /proc/keys; ls -A /sys/firmware | wc -l | sed s/^/fw=/'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "[]"
	assert_contains "$output" "n=0"
	[ "$(mi_get "$(mi_line "$output" /secretdir)" type)" = tmpfs ]
	assert_mount_opt "$output" /secretdir opts ro
	assert_contains "$output" "character special file 1:3"
	assert_contains "$output" "fw=0"
}

@test "rootfs: readonlyPaths are read-only, missing ones are ignored" {
	mkdir -p "$BUNDLE/rootfs/data"
	cfg_set "$BUNDLE" "c['root']['readonly'] = False" "c['linux']['readonlyPaths'] += ['/data', '/nope']"
	cfg_sh "$BUNDLE" 'mi /data; mi /proc/sys; touch /data/x 2>&1; echo 1 > /proc/sys/kernel/shmmax 2>&1; touch /ok && echo rootrw'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_mount_opt "$output" /data opts ro
	assert_mount_opt "$output" /proc/sys opts ro
	[ "$(printf '%s\n' "$output" | grep -c 'Read-only file system')" -eq 2 ]
	assert_contains "$output" rootrw
}

@test "rootfs: nested, symlinked and mount-covering readonlyPaths are all read-only, in a user namespace too" {
	mkdir -p "$BUNDLE/rootfs/n/a" "$BUNDLE/rootfs/m/b" "$BUNDLE/rootfs/data2"
	ln -s /data2 "$BUNDLE/rootfs/lnk"
	cfg_set "$BUNDLE" "c['root']['readonly'] = False" \
		"c['linux']['readonlyPaths'] += ['/n/a', '/n', '/m', '/m/b', '/lnk', '/dev', '/proc/sys']"
	local script='for d in /n/a /n /m /m/b /data2 /dev/shm; do touch $d/x 2>/dev/null && echo "$d rw" || echo "$d ro"; done; mi /dev; mi /dev/pts; mi /data2; touch /ok && echo rootrw'
	cfg_sh "$BUNDLE" "$script"
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	for d in /n/a /n /m /m/b /data2; do assert_contains "$output" "$d ro"; done
	# /dev is read-only, the mounts beneath it are still there (rbind)
	assert_mount_opt "$output" /dev opts ro
	assert_contains "$output" "/dev/pts type=devpts"
	assert_contains "$output" "/dev/shm rw"
	assert_mount_opt "$output" /data2 opts ro
	assert_contains "$output" rootrw

	cfg_set "$BUNDLE" "c['linux']['namespaces'].append({'type': 'user'})" \
		"c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]" \
		"c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]"
	chown -R 100000:100000 "$BUNDLE/rootfs"
	local d=$BUNDLE
	while [ "$d" != / ]; do chmod o+x "$d"; d=$(dirname "$d"); done
	run sk run -b "$BUNDLE" "$ID-user"
	[ "$status" -eq 0 ]
	for d in /n/a /n /m /m/b /data2; do assert_contains "$output" "$d ro"; done
	assert_contains "$output" "/dev/shm rw"
	assert_contains "$output" rootrw
}

@test "rootfs: linux.sysctl is written in the container (before /proc/sys goes read-only)" {
	cfg_set "$BUNDLE" "c['linux']['sysctl'] = {'kernel.shmmax': '123456789', 'net.ipv4.ip_forward': '1', 'kernel.sem': '250 32000 32 128', 'kernel.domainname': 'skiff.test'}"
	cfg_sh "$BUNDLE" 'cat /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/sem /proc/sys/kernel/domainname'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" 123456789
	assert_contains "$output" "250	32000	32	128"
	assert_contains "$output" skiff.test
	[ "$(printf '%s\n' "$output" | sed -n 2p)" = 1 ]
	# the host's value is untouched
	[ "$(cat /proc/sys/kernel/shmmax)" != 123456789 ]
}

@test "rootfs: a sysctl that is not namespaced, or of a namespace the container shares, is refused" {
	cfg_set "$BUNDLE" "c['linux']['sysctl'] = {'vm.swappiness': '10'}"
	run sk run -b "$BUNDLE" "$ID"
	assert_single_line_error "linux.sysctl.vm.swappiness"
	assert_nothing_left "$ID"

	cfg_set "$BUNDLE" "c['linux']['sysctl'] = {'net.ipv4.ip_forward': '1'}" \
		"c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network']"
	run sk run -b "$BUNDLE" "$ID"
	assert_single_line_error "linux.sysctl.net.ipv4.ip_forward" "network namespace"
	assert_nothing_left "$ID"
}

@test "rootfs: --no-pivot moves the rootfs onto / and chroots" {
	cfg_sh "$BUNDLE" 'test -x /bin/busybox && echo inside; mi /proc; ls /dev/null'
	run sk run --no-pivot -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" inside
	[ "$(mi_get "$(mi_line "$output" /proc)" type)" = proc ]
	assert_contains "$output" /dev/null
	assert_nothing_left "$ID"
}

@test "rootfs: --no-pivot leaves no host proc or sysfs behind (no fresh proc/sysfs in a nested user namespace)" {
	# The kernel lets a user namespace mount proc/sysfs only where a whole
	# one is already in the mount namespace: the host's, hidden under the
	# moved rootfs, must be gone (as with pivot_root).  CAP_SETFCAP so that
	# unshare -r may map root.
	cfg_set "$BUNDLE" "[c['process']['capabilities'][k].append('CAP_SETFCAP') for k in ('bounding', 'effective', 'permitted')]"
	cfg_sh "$BUNDLE" 'mkdir -p /tmp/p /tmp/s; unshare -U -r -m -p -f -n sh -c "id -u; mount -t proc proc /tmp/p && echo proc-mounted; mount -t sysfs sysfs /tmp/s && echo sysfs-mounted"; true'
	for how in "" --no-pivot; do
		run sk run $how -b "$BUNDLE" "$ID"
		echo "[$how] $output"
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = 0 ] # the nested namespace works
		[[ "$output" != *proc-mounted* && "$output" != *sysfs-mounted* ]]
		assert_nothing_left "$ID"
	done
}

@test "rootfs: a rootfs whose /proc or /sys is a symlink is refused (one line)" {
	rmdir "$BUNDLE/rootfs/proc"
	mkdir "$BUNDLE/rootfs/altproc"
	ln -s altproc "$BUNDLE/rootfs/proc"
	cfg_sh "$BUNDLE" 'echo ran'
	run sk run -b "$BUNDLE" "$ID"
	assert_single_line_error "mounts[0]" "/proc" "symlink"
	[[ "$output" != *ran* ]]
	assert_nothing_left "$ID"
	rm "$BUNDLE/rootfs/proc"
	mkdir "$BUNDLE/rootfs/proc"
	rmdir "$BUNDLE/rootfs/sys"
	ln -s /altproc "$BUNDLE/rootfs/sys"
	run sk run -b "$BUNDLE" "$ID"
	assert_single_line_error "/sys" "symlink"
	assert_nothing_left "$ID"
	# a file there is refused too
	rm "$BUNDLE/rootfs/sys"
	touch "$BUNDLE/rootfs/sys"
	run sk run -b "$BUNDLE" "$ID"
	assert_single_line_error "/sys" "ordinary directory"
	assert_nothing_left "$ID"
}

@test "rootfs: symlinks in the image never lead mounts out of the rootfs" {
	local tag=skiff-escape-$$-$RANDOM
	ln -s /etc "$BUNDLE/rootfs/hostetc"
	ln -s "/$tag" "$BUNDLE/rootfs/dangling"
	ln -s ../../../../../../../../tmp "$BUNDLE/rootfs/up"
	add_mount "$BUNDLE" "{\"destination\":\"/hostetc/$tag\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}"
	add_mount "$BUNDLE" "{\"destination\":\"/dangling/sub\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}"
	add_mount "$BUNDLE" "{\"destination\":\"/up/$tag\",\"type\":\"bind\",\"source\":\"$HOST/file\",\"options\":[\"bind\"]}"
	add_mount "$BUNDLE" "{\"destination\":\"/../../$tag-dotdot\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}"
	cfg_sh "$BUNDLE" "mi /etc/$tag; mi /$tag/sub; mi /tmp/$tag; mi /$tag-dotdot"
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	[ "$(mi_get "$(mi_line "$output" "/etc/$tag")" type)" = tmpfs ]
	[ "$(mi_get "$(mi_line "$output" "/$tag/sub")" type)" = tmpfs ]
	mi_line "$output" "/tmp/$tag" | grep -q type=
	[ "$(mi_get "$(mi_line "$output" "/$tag-dotdot")" type)" = tmpfs ]
	# created inside the rootfs, nothing on the host
	[ -d "$BUNDLE/rootfs/etc/$tag" ]
	[ -d "$BUNDLE/rootfs/$tag/sub" ]
	[ ! -e "/etc/$tag" ]
	[ ! -e "/$tag" ]
	[ ! -e "/tmp/$tag" ]
	[ ! -e "/$tag-dotdot" ]
	[ ! -e "/../../$tag-dotdot" ]
	assert_nothing_left "$ID"
}

@test "rootfs: in a user namespace devices are the host's nodes bound (no mknod)" {
	cfg_set "$BUNDLE" "c['linux']['namespaces'].append({'type': 'user'})" \
		"c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]" \
		"c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]" \
		"c['linux']['devices'] = [{'path': '/dev/loop-control', 'type': 'c', 'major': 10, 'minor': 237}]"
	chown -R 100000:100000 "$BUNDLE/rootfs"
	# the container's root (host uid 100000) must reach the bundle, as with runc
	local d=$BUNDLE
	while [ "$d" != / ]; do chmod o+x "$d"; d=$(dirname "$d"); done
	cfg_sh "$BUNDLE" 'stat -c "%n %F %t:%T" /dev/null /dev/zero /dev/loop-control; mi /dev/null; mi /dev/loop-control'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "/dev/null character special file 1:3"
	assert_contains "$output" "/dev/zero character special file 1:5"
	assert_contains "$output" "/dev/loop-control character special file a:ed"
	mi_line "$output" /dev/null | grep -q type=devtmpfs
	mi_line "$output" /dev/loop-control | grep -q type=devtmpfs
}

@test "rootfs: options that do not apply to a bind mount are ignored (runc)" {
	add_mount "$BUNDLE" "{\"destination\":\"/mnt\",\"type\":\"bind\",\"source\":\"$HOST/dir\",\"options\":[\"rbind\",\"mode=755\",\"size=10m\",\"tmpcopyup\"]}"
	cfg_sh "$BUNDLE" 'cat /mnt/marker'
	run sk run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	assert_eq "$output" marker
}

@test "rootfs: a read-only /dev, and a read-only root without a /dev mount, with a terminal" {
	cfg_set "$BUNDLE" 'c["mounts"]=[m if m["destination"]!="/dev" else dict(m, options=m["options"]+["ro"]) for m in c["mounts"]]' 'c["process"]["terminal"]=True'
	cfg_sh "$BUNDLE" 'mi /dev; test -c /dev/console && test -c /dev/null && echo nodes-ok; tty'
	run_in_pty "$SKIFF" --root "$ROOT" run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	assert_mount_opt "$output" /dev opts ro
	assert_contains "$output" nodes-ok
	make_bundle "$BUNDLE.2"
	rootfs_tools
	cfg_set "$BUNDLE.2" 'c["mounts"]=[m for m in c["mounts"] if m["destination"]!="/dev"]' 'c["process"]["terminal"]=True' 'c["root"]["readonly"]=True'
	cfg_args "$BUNDLE.2" tty
	run_in_pty "$SKIFF" --root "$ROOT" run -b "$BUNDLE.2" "$ID-2"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
}

@test "rootfs: rootfsPropagation private/slave with a rootfs that is a shared mount point" {
	local p
	mount --bind "$BUNDLE/rootfs" "$BUNDLE/rootfs"
	mount --make-shared "$BUNDLE/rootfs"
	for p in private slave; do
		cfg_set "$BUNDLE" "c['linux']['rootfsPropagation']='$p'"
		cfg_sh "$BUNDLE" "$SLEEPER"
		run_bg_safe run -d -b "$BUNDLE" "$ID-$p"
		[ "$status" -eq 0 ] || { echo "$p: $output" >&2; umount -l "$BUNDLE/rootfs"; return 1; }
		# nothing of the container's mounts reaches the host
		if grep -qF "$BUNDLE/rootfs/proc" /proc/self/mountinfo; then
			echo "$p: container mounts leaked to the host" >&2
			sk delete -f "$ID-$p"; umount -l "$BUNDLE/rootfs"; return 1
		fi
		sk delete -f "$ID-$p"
	done
	umount "$BUNDLE/rootfs"
}

# tests/clients/helpers.bash - shared by the client suite (podman.bats,
# containerd.bats): the README's configuration blocks, the busybox image,
# and the leak checks.
#
# No registry: the image is Debian's busybox-static (tests/make-demo-bundle)
# as a tar. The configuration the suite gives Podman and containerd is the
# README's blocks as written (readme_block), with /usr/local/bin/skiff
# replaced by the binary under test.

SKIFF=${SKIFF:-$BATS_TEST_DIRNAME/../../build/skiff}
CLIENTS_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
IMG=localhost/skiff-test-busybox:latest

# readme_block NAME: the fenced block after "<!-- tests/clients: NAME -->"
# in README.md, the skiff path replaced by $SKIFF. Fails when not found.
readme_block() {
	awk -v tag="<!-- tests/clients: $1 -->" -v skiff="$SKIFF" '
		$0 == tag { want = 1; next }
		want && !inside && /^```/ { inside = 1; next }
		inside && /^```/ { found = 1; exit }
		inside { gsub("/usr/local/bin/skiff", skiff); print }
		END { exit found ? 0 : 1 }' "$CLIENTS_TOP/README.md"
}

# podman_conf DIR: DIR/containers.conf and DIR/storage.conf for a Podman
# of the test's own: the README's lines as written, then, after [engine],
# the test's isolation (tmp_dir, file locks, events file, so that nothing
# is shared with the host's Podman, whose `system reset` would remove
# /run/libpod), and storage, networks under DIR.
# The sandbox this runs in lacks CAP_SYS_RESOURCE, so Podman's default
# rlimits (nofile/nproc 1048576) cannot be raised by any runtime:
# default_ulimits below them.
# With a second argument "systemd" (a host where systemd is PID 1) the
# README's cgroupfs line is left out: Podman's default is then systemd.
podman_conf() {
	local t=$1
	readme_block containers.conf > "$t/readme.conf" || return 1
	: > "$t/readme-cgroupfs.conf"
	if [ "${2:-}" != systemd ]; then
		readme_block "containers.conf cgroupfs" > "$t/readme-cgroupfs.conf" || return 1
	fi
	# the README's lines, then the test's own (isolation) after [engine]
	{
		sed -n '0,/^\[engine\]$/p' "$t/readme.conf"
		cat "$t/readme-cgroupfs.conf"
		cat <<-EOF
			tmp_dir = "$t/tmp"
			lock_type = "file"
			events_logger = "file"
		EOF
		sed '0,/^\[engine\]$/d' "$t/readme.conf"
		cat <<-EOF

			[containers]
			default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
			log_driver = "k8s-file"

			[network]
			network_backend = "netavark"
			network_config_dir = "$t/networks"
		EOF
	} > "$t/containers.conf"
	cat > "$t/storage.conf" <<-EOF
		[storage]
		driver = "overlay"
		graphroot = "$t/graph"
		runroot = "$t/run"
	EOF
}

# make_rootfs_tar DIR: DIR/rootfs (busybox-static) and DIR/rootfs.tar.
make_rootfs_tar() {
	"$CLIENTS_TOP/tests/make-demo-bundle" "$1" >/dev/null &&
		tar -C "$1/rootfs" -cf "$1/rootfs.tar" .
}

# The clients' own parent cgroups (Podman's /libpod_parent with its conmon
# child, containerd's /NAMESPACE) outlive their containers, as with runc;
# the ones a file made are removed by remove_parent_cgroups.
#   record_parent_cgroups NAME...  (in setup_file)
#   remove_parent_cgroups          (in the file's last test)
parent_cgroups_present() {
	local d n
	for n in "$@"; do
		for d in /sys/fs/cgroup/*/"$n" /sys/fs/cgroup/"$n"; do
			[ -d "$d" ] && echo "$d"
		done
	done
	return 0
}

# The hybrid host's cgroup2 root: the clients may enable controllers there
# (seen: +hugetlb); remove_parent_cgroups puts it back as it was.
UNIFIED=/sys/fs/cgroup/unified

record_parent_cgroups() {
	echo "$*" > "$BATS_FILE_TMPDIR/parent-names"
	parent_cgroups_present "$@" > "$BATS_FILE_TMPDIR/cgroups-before"
	[ ! -f "$UNIFIED/cgroup.subtree_control" ] ||
		cat "$UNIFIED/cgroup.subtree_control" > "$BATS_FILE_TMPDIR/subtree-before"
}

# remove_parent_cgroups: rmdir (never rm -r) the parents this file made;
# prints what could not be removed and fails then.
remove_parent_cgroups() {
	local d c i left=0
	# shellcheck disable=SC2046
	for d in $(parent_cgroups_present $(cat "$BATS_FILE_TMPDIR/parent-names")); do
		grep -qxF "$d" "$BATS_FILE_TMPDIR/cgroups-before" && continue
		# conmon and the shims may take a moment to leave them
		for i in $(seq 50); do
			find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
			[ -d "$d" ] || break
			sleep 0.1
		done
		if [ -d "$d" ]; then
			echo "left: cgroup $d" >&2
			left=1
		fi
	done
	if [ -f "$BATS_FILE_TMPDIR/subtree-before" ]; then
		for c in $(cat "$UNIFIED/cgroup.subtree_control"); do
			grep -qw -- "$c" "$BATS_FILE_TMPDIR/subtree-before" ||
				echo "-$c" > "$UNIFIED/cgroup.subtree_control" ||
				echo "cannot disable $c in $UNIFIED" >&2
		done
	fi
	return "$left"
}

# cgroups_named ID...: every cgroup directory, in any hierarchy, whose name
# contains one of the IDs (what a container left behind).
cgroups_named() {
	local id
	for id in "$@"; do
		find /sys/fs/cgroup -mindepth 2 -type d -name "*$id*" 2>/dev/null
	done
	return 0
}

# procs_mentioning TEXT: "PID CMDLINE" of every process whose command line
# contains TEXT (conmon, shims, skiff, sleeping inits).
procs_mentioning() {
	local p cmd
	for p in /proc/[0-9]*; do
		cmd=$(tr '\0' ' ' 2>/dev/null < "$p/cmdline") || continue
		[[ "$cmd" == *"$1"* ]] && echo "${p#/proc/} $cmd"
	done
	return 0
}

no_procs_mentioning() {
	[ -z "$(procs_mentioning "$1")" ]
}

# mounts_under DIR: mount points at or below DIR.
mounts_under() {
	findmnt -rn -o TARGET | awk -v d="$1" 'index($0, d) == 1'
}

# skiff_states ID...: skiff state directories left for these IDs.
skiff_states() {
	local id
	for id in "$@"; do
		[ -e "/run/skiff/$id" ] && echo "/run/skiff/$id"
	done
	return 0
}

# containerd_start: containerd with $CTRD/config.toml, its root, state and
# socket under $CTRD, its pid in $CTRD/pid; on failure the end of its log.
containerd_start() {
	# 3>&-: bats waits for whatever holds its fd 3 (containerd, its shims)
	containerd --config "$CTRD/config.toml" --root "$CTRD/root" --state "$CTRD/state" \
		--address "$CTRD/sock" > "$CTRD/log" 2>&1 3>&- &
	echo $! > "$CTRD/pid"
	poll test -S "$CTRD/sock" || poll test -S "$CTRD/sock" || {
		echo "containerd did not start:" >&2
		tail -5 "$CTRD/log" >&2
		return 1
	}
}

# poll CMD...: up to 10 s for CMD to succeed.
poll() {
	local i
	for i in $(seq 100); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

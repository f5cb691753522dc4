# tests/vm/criu-helpers.bash - what the criu files of tests/vm share
# (criu.bats, criu-restore.bats, criu-net.bats): the VM guard, the image
# directory, a longer-bounded skiff, and a container that counts in
# memory.  Load it after ../bats/helpers.

# criu_setup_file / criu_setup: skip outside the VM; IMG is the test's
# image directory.
criu_setup_file() {
	[ "${SKIFF_VM:-}" = 1 ] || skip "not inside the test VM (use tests/vm/run)"
	skiff_setup_file
}

criu_setup() {
	[ "${SKIFF_VM:-}" = 1 ] || skip "not inside the test VM (use tests/vm/run)"
	skiff_setup
	IMG=$BATS_TEST_TMPDIR/ck
}

# sk with a longer bound: criu under TCG takes seconds
skc() {
	timeout 400 "$SKIFF" --root "$ROOT" "$@"
}

# A container that counts in memory: the shell's $i, written out each tick
# to /count in its rootfs (so the host sees it); its stdio is the
# container's own /dev/null (criu cannot dump a file of the host's mounts).
counter_bundle() {
	cfg_set "$BUNDLE" "c['root']['readonly'] = False"
	cfg_sh "$BUNDLE" 'exec </dev/null >/dev/null 2>&1; i=0; while :; do i=$((i+1)); echo $i >/count.tmp; mv /count.tmp /count; sleep 0.2; done'
}

count() {
	cat "$BUNDLE/rootfs/count" 2>/dev/null || echo 0
}

count_above() {
	[ "$(count)" -gt "$1" ]
}

# wait_count_above N: until the counter is past N
wait_count_above() {
	wait_until count_above "$1" && return 0
	echo "counter stuck at $(count), not above $1" >&2
	return 1
}

# run_counter ID [N]: run it detached, wait until it has counted past N
# (default 20).
run_counter() {
	counter_bundle
	skc run -d -b "$BUNDLE" "$1" </dev/null >/dev/null 2>&1
	wait_status "$1" running
	wait_count_above "${2:-20}"
}

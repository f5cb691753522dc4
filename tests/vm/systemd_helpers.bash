# tests/vm/systemd_helpers.bash - what the VM files run with systemd as
# PID 1 share (tests/vm/run --systemd or --systemd-hybrid).

# prop UNIT PROPERTY: systemd's value of it
prop() {
	systemctl show -P "$2" "$1"
}

# ---- skiff's own files (after ../bats/helpers)

# sd_skiff_setup: skiff_setup once systemd is there; UNIT is the scope of
# the cgroupsPath system.slice:skiff-test:$ID
sd_skiff_setup() {
	vm_only
	[ -S /run/systemd/private ] || skip "systemd is not PID 1 (tests/vm/run --systemd)"
	skiff_setup
	UNIT=skiff-test-$ID.scope
}

sd_skiff_teardown() {
	skiff_teardown
	systemctl stop "$UNIT" >/dev/null 2>&1 || true
	systemctl reset-failed "$UNIT" >/dev/null 2>&1 || true
}

# every skiff call of these files uses the systemd driver
sk() {
	timeout 60 "$SKIFF" --root "$ROOT" --systemd-cgroup "$@"
}

# ---- the clients' files (after ../clients/helpers)

pm() {
	timeout 300 podman "$@"
}

# c ARGS...: ctr in a namespace of the test's own
c() {
	timeout 300 ctr --address "$CTRD/sock" -n skiff-test "$@"
}

# ctr_task_status ID: RUNNING, PAUSED, STOPPED ("" when no task)
ctr_task_status() {
	c tasks ls | awk -v id="$1" '$1 == id { print $3 }'
}

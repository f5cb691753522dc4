#!/usr/bin/env bats
# tests/vm/criu.bats - checkpoint and restore with criu where criu works
# (Debian's 6.1 kernel in the VM; on the build host criu 3.17 fails on
# Linux 6.18: tests/bats/checkpoint.bats).  Runs INSIDE the VM, in one boot:
#   tests/vm/run --timeout 600 bats --tap tests/vm/criu.bats
# vm-timeout: 1500

bats_require_minimum_version 1.5.0
load ../bats/helpers
load criu-helpers

setup_file() { criu_setup_file; }
setup() { criu_setup; }
teardown() { skiff_teardown; }

@test "criu works in the VM: checkpoint --help exits 0" {
	# the first answer runs `criu check` (seconds under TCG, more on a
	# loaded host): skc's bound, not sk's 20 s
	run --separate-stderr skc checkpoint --help
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "NAME:"
	assert_eq "$stderr" ""
	grep -qx ok <(sed -n 2p "$ROOT/criu.check")
}

@test "checkpoint, the container is gone, restore: it keeps counting from where it was" {
	run_counter "$ID"
	skc checkpoint --image-path "$IMG" "$ID"
	[ -s "$IMG/inventory.img" ]
	# as runc: the dump ended the container and removed it
	run sk state "$ID"
	assert_single_line_error "does not exist"
	[ -z "$(skiff_cgroups_of "$ID")" ]
	at=$(count)
	sleep 1
	assert_eq "$(count)" "$at"
	skc restore -d -b "$BUNDLE" --image-path "$IMG" --pid-file "$BATS_TEST_TMPDIR/pid" "$ID"
	assert_eq "$(state_field "$ID" status)" running
	pid=$(state_field "$ID" pid)
	assert_eq "$(cat "$BATS_TEST_TMPDIR/pid")" "$pid"
	kill -0 "$pid"
	# the restored init is the counter (pid 1 in its namespace)
	grep -q "^NSpid:.*[[:space:]]1$" "/proc/$pid/status"
	# it keeps counting from the checkpoint, not from 1
	first=$(count)
	[ "$first" -ge "$at" ] || { echo "restarted: $first after $at" >&2; return 1; }
	wait_count_above "$at"
	# in the container's cgroup
	cg=$(cut -d: -f3 "/proc/$pid/cgroup")
	[[ "$cg" == */skiff/$ID || "$cg" == */skiff/$ID/* ]] || { echo "cgroup $cg" >&2; return 1; }
	# and delete works after
	sk delete --force "$ID"
	assert_nothing_left "$ID"
}

@test "checkpoint --leave-running: the source keeps running; its images restore once the source is deleted" {
	run_counter "$ID"
	pid=$(state_field "$ID" pid)
	skc checkpoint --leave-running --image-path "$IMG" "$ID"
	assert_eq "$(state_field "$ID" status)" running
	assert_eq "$(state_field "$ID" pid)" "$pid"
	at=$(count)
	wait_count_above "$at"
	sk delete --force "$ID"
	assert_nothing_left "$ID"
	# the same images again, after the source is gone
	skc restore -d -b "$BUNDLE" --image-path "$IMG" "$ID"
	assert_eq "$(state_field "$ID" status)" running
	at=$(count)
	wait_count_above "$at"
	sk delete --force "$ID"
	assert_nothing_left "$ID"
}

@test "pre-dump then dump with --parent-path: restores and keeps counting" {
	run_counter "$ID"
	skc checkpoint --pre-dump --image-path "$IMG/pre" "$ID"
	assert_eq "$(state_field "$ID" status)" running
	[ -s "$IMG/pre/pre-dump.log" ]
	at=$(count)
	wait_count_above "$at"
	skc checkpoint --parent-path ../pre --image-path "$IMG/final" "$ID"
	[ -L "$IMG/final/parent" ]
	at=$(count)
	skc restore -d -b "$BUNDLE" --image-path "$IMG/final" "$ID"
	assert_eq "$(state_field "$ID" status)" running
	first=$(count)
	[ "$first" -ge "$at" ] || { echo "restarted: $first after $at" >&2; return 1; }
	wait_count_above "$at"
	sk delete --force "$ID"
	assert_nothing_left "$ID"
}

@test "a bind mount of the config is restored from its source" {
	mkdir -p "$BATS_TEST_TMPDIR/data"
	cfg_set "$BUNDLE" "c['mounts'].append({'destination': '/data', 'type': 'bind', 'source': '$BATS_TEST_TMPDIR/data', 'options': ['rbind', 'rw']})"
	cfg_sh "$BUNDLE" 'exec </dev/null >/dev/null 2>&1; i=0; while :; do i=$((i+1)); echo $i >/data/count; sleep 0.2; done'
	sk run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	wait_status "$ID" running
	wait_file "$BATS_TEST_TMPDIR/data/count"
	skc checkpoint --image-path "$IMG" "$ID"
	at=$(cat "$BATS_TEST_TMPDIR/data/count")
	skc restore -d -b "$BUNDLE" --image-path "$IMG" "$ID"
	wait_until eval '[ "$(cat "$BATS_TEST_TMPDIR/data/count")" -gt "$at" ]'
	sk delete --force "$ID"
	assert_nothing_left "$ID"
}

# mounts PID: the container's mounts as "MOUNTPOINT PER-MOUNT-OPTIONS -
# FSTYPE SOURCE SUPER-OPTIONS", ids and devices left out, sorted
mounts() {
	sed -E 's/^[0-9]+ [0-9]+ [0-9]+:[0-9]+ [^ ]+ ([^ ]+ [^ ]+)( .*)? - /\1 - /' "/proc/$1/mountinfo" | sort
}

# dev_nodes: the container's /dev (its own tmpfs alone): name, type and
# mode, owner, device numbers or link target
dev_nodes() {
	sk exec "$ID" find /dev -xdev -exec stat -c '%n %f %u:%g %t:%T %N' {} + | sort
}

@test "tmpfs mounts holding only nodes and a network namespace with only lo are made afresh at restore: the same mounts and options, lo up" {
	run_counter "$ID"
	pid=$(state_field "$ID" pid)
	before=$(mounts "$pid")
	devs=$(dev_nodes)
	[[ "$devs" == *"/dev/null 21b6 0:0 1:3 "* ]]
	skc checkpoint --image-path "$IMG" "$ID"
	# criu saved none (no tar of them, no ip or iptables run); /dev holds
	# only nodes (and mount points), recorded and made again
	json_get "$IMG/skiff-fresh.json" "j['netns'] + ' ' + ' '.join(sorted(t['dest'] for t in j['tmpfs']))" >"$BATS_TEST_TMPDIR/fresh"
	assert_eq "$(cat "$BATS_TEST_TMPDIR/fresh")" "up /dev /dev/shm /proc/acpi /sys/firmware /tmp"
	assert_eq "$(ls "$IMG" | grep -c '^tmpfs-dev')" 0
	run ! grep -q "Running ip addr save" "$IMG/dump.log"
	at=$(count)
	skc restore -d -b "$BUNDLE" --image-path "$IMG" "$ID"
	pid=$(state_field "$ID" pid)
	assert_eq "$(mounts "$pid")" "$before"
	assert_eq "$(dev_nodes)" "$devs"
	run ! grep -q "Running ip addr restore" "$IMG/restore.log"
	# the restore's staging directory is gone
	[ ! -e "$IMG/skiff-fresh" ]
	run sk exec "$ID" ip -o -4 addr show lo
	[ "$status" -eq 0 ]
	[[ "$output" == *"inet 127.0.0.1/8"* ]]
	wait_count_above "$at"
	sk delete --force "$ID"
	assert_nothing_left "$ID"
}

@test "a tmpfs with a file and a namespace the container changed (CAP_NET_ADMIN) are criu's to save, and come back" {
	cfg_set "$BUNDLE" "c['root']['readonly'] = False" \
		"[c['process']['capabilities'][k].append('CAP_NET_ADMIN') for k in ('bounding', 'effective', 'permitted')]"
	cfg_sh "$BUNDLE" 'exec </dev/null >/dev/null 2>&1; ip addr add 10.9.9.9/32 dev lo; echo kept >/tmp/keep; i=0; while :; do i=$((i+1)); echo $i >/count.tmp; mv /count.tmp /count; sleep 0.2; done'
	skc run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	wait_status "$ID" running
	wait_count_above 5
	skc checkpoint --image-path "$IMG" "$ID"
	json_get "$IMG/skiff-fresh.json" "str(j.get('netns')) + ' ' + ' '.join(sorted(t['dest'] for t in j['tmpfs']))" >"$BATS_TEST_TMPDIR/fresh"
	assert_eq "$(cat "$BATS_TEST_TMPDIR/fresh")" "None /dev /dev/shm /proc/acpi /sys/firmware"
	grep -q "Running ip addr save" "$IMG/dump.log"
	skc restore -d -b "$BUNDLE" --image-path "$IMG" "$ID"
	run sk exec "$ID" cat /tmp/keep
	assert_eq "$output" kept
	run sk exec "$ID" ip -o -4 addr show lo
	[[ "$output" == *"inet 10.9.9.9/32"* ]]
	sk delete --force "$ID"
	assert_nothing_left "$ID"
}

@test "a criu failure names criu's first error line and its log" {
	run_counter "$ID"
	# a restore from images that do not exist
	mkdir -p "$IMG/empty"
	run skc restore -d -b "$BUNDLE" --image-path "$IMG/empty" other-$ID
	assert_single_line_error "criu restore failed: Error ("
	assert_contains "$output" "(log: $IMG/empty/restore.log)"
	# nothing made (the counter's marker is the source's: no process check)
	[ ! -e "$ROOT/other-$ID" ]
	[ -z "$(skiff_cgroups_of "other-$ID")" ]
	# the source is untouched
	assert_eq "$(state_field "$ID" status)" running
	# a restore onto an ID in use is refused before criu runs
	run skc restore -d -b "$BUNDLE" --image-path "$IMG/empty" "$ID"
	assert_single_line_error "$ID"
	assert_eq "$(state_field "$ID" status)" running
	sk delete --force "$ID"
	assert_nothing_left "$ID"
}

#!/usr/bin/env bats
# tests/vm/criu-lazy.bats - lazy migration with criu where criu works:
# `checkpoint --lazy-pages --page-server --status-fd` serves the memory
# pages from the source, a `criu lazy-pages` daemon fetches them for
# `restore --lazy-pages` on demand, and the dump ends once it has them all
# (on the build host criu 3.17 fails on Linux 6.18: tests/bats/checkpoint.bats
# has the flags' errors).  Runs INSIDE the VM, in one boot:
#   tests/vm/run --timeout 1500 -- bats --tap tests/vm/criu-lazy.bats
# vm-timeout: 1500

bats_require_minimum_version 1.5.0
load ../bats/helpers
load criu-helpers

setup_file() { criu_setup_file; }
setup() {
	criu_setup
	CK_PID= LP_PID=
}
teardown() {
	local p
	for p in $CK_PID $LP_PID; do
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	skiff_teardown
}

# sock_there PATH: within 120 s, PATH is a socket
sock_there() {
	poll_for 600 0.2 test -S "$1" && return 0
	echo "no socket $1" >&2
	return 1
}

@test "checkpoint --lazy-pages --status-fd, criu lazy-pages, restore --lazy-pages: it keeps counting; the dump ends after, nothing left" {
	run criu check --feature uffd-noncoop
	[ "$status" -eq 0 ] || { echo "criu: no lazy pages here: $output" >&2; return 1; }
	local port=27277 w=$BATS_TEST_TMPDIR/w fifo=$BATS_TEST_TMPDIR/ready
	local rid=lz$BATS_TEST_NUMBER-$$-$RANDOM
	mkdir -p "$w/lazy"
	mkfifo "$fifo"
	run_counter "$ID"
	# the checkpoint's fd 3 is the fifo: criu writes its ready byte there
	skc checkpoint --lazy-pages --page-server "127.0.0.1:$port" --status-fd 3 \
		--image-path "$IMG" --work-path "$w/dump" "$ID" \
		3>"$fifo" >"$BATS_TEST_TMPDIR/ck.out" 2>&1 </dev/null &
	CK_PID=$!
	run bash -c "timeout 400 dd if='$fifo' bs=1 count=1 2>/dev/null | wc -c"
	if [ "$output" != 1 ]; then
		echo "no ready byte: $(cat "$BATS_TEST_TMPDIR/ck.out")" >&2
		grep -m3 Error "$w/dump/dump.log" >&2 || true
		return 1
	fi
	# criu dumped everything but the pages, and serves them now
	[ -s "$IMG/inventory.img" ]
	[ -s "$IMG/skiff-config.json" ]
	run ! grep -q "Error (" "$w/dump/dump.log"
	# the source is frozen, not gone, while the pages are served
	kill -0 "$CK_PID"
	at=$(count)
	sleep 1
	assert_eq "$(count)" "$at"
	criu lazy-pages --page-server --address 127.0.0.1 --port "$port" \
		--images-dir "$IMG" --work-dir "$w/lazy" -o "$w/lazy/lazy-pages.log" -v4 \
		3>&- >"$BATS_TEST_TMPDIR/lp.out" 2>&1 </dev/null &
	LP_PID=$!
	sock_there "$w/lazy/lazy-pages.socket"
	# another ID: the source is destroyed only once the pages are over
	skc restore -d -b "$BUNDLE" --lazy-pages --image-path "$IMG" --work-path "$w/lazy" \
		--pid-file "$BATS_TEST_TMPDIR/pid" "$rid"
	assert_eq "$(state_field "$rid" status)" running
	pid=$(state_field "$rid" pid)
	assert_eq "$(cat "$BATS_TEST_TMPDIR/pid")" "$pid"
	grep -q "^NSpid:.*[[:space:]]1$" "/proc/$pid/status"
	# it keeps counting from the checkpoint, not from 1
	first=$(count)
	[ "$first" -ge "$at" ] || { echo "restarted: $first after $at" >&2; return 1; }
	wait_count_above "$((at + 3))"
	# every page fetched: criu's dump and the daemon end, status 0, and
	# the checkpoint removed the source as a plain one does
	rc=0
	wait "$CK_PID" || rc=$?
	CK_PID=
	[ "$rc" -eq 0 ] || { echo "checkpoint: status $rc: $(cat "$BATS_TEST_TMPDIR/ck.out")" >&2; return 1; }
	rc=0
	wait "$LP_PID" || rc=$?
	LP_PID=
	[ "$rc" -eq 0 ] || { echo "criu lazy-pages: status $rc: $(cat "$BATS_TEST_TMPDIR/lp.out")" >&2; return 1; }
	run sk state "$ID"
	assert_single_line_error "does not exist"
	# (not assert_nothing_left: the restored container runs the same
	# $MARK'd command)
	[ ! -e "$ROOT/$ID" ]
	[ -z "$(skiff_cgroups_of "$ID")" ]
	run ! pgrep -af -- "$ID"
	# the restored one still counts with every page in, and deletes
	at=$(count)
	wait_count_above "$at"
	[ -s "$IMG/skiff-images.json" ]
	sk delete --force "$rid"
	assert_nothing_left "$rid"
	assert_nothing_left "$ID"
}

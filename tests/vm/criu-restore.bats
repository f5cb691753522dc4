#!/usr/bin/env bats
# tests/vm/criu-restore.bats - what restore checks and gives back beyond
# criu.bats: the images' manifest (a corrupted or truncated image is
# refused before anything is made), the config match, a terminal
# container, TCP connections, joined namespaces.  Runs INSIDE the VM:
#   tests/vm/run --timeout 1500 -- bats --tap tests/vm/criu-restore.bats
# vm-timeout: 1500

bats_require_minimum_version 1.5.0
load ../bats/helpers
load criu-helpers

setup_file() { criu_setup_file; }

setup() {
	criu_setup
	BG_PIDS=
}

teardown() {
	# the helpers this file starts in the background (bats waits for them)
	local p
	for p in ${BG_PIDS:-}; do
		kill "$p" 2>/dev/null || true
	done
	skiff_teardown
}

# restore_refused ID MESSAGE: restore fails with one line naming MESSAGE
# and nothing is made: no state, no cgroup, `list` empty.
restore_refused() {
	run skc restore -d -b "$BUNDLE" --image-path "$IMG" "$1"
	assert_single_line_error "$2"
	[ ! -e "$ROOT/$1" ]
	[ -z "$(skiff_cgroups_of "$1")" ]
	assert_eq "$(sk list -q)" ""
}

@test "images and config checked: a corrupted, truncated or missing image, or another config, is refused before anything is made; whole images restore" {
	run_counter "$ID" 5
	skc checkpoint --image-path "$IMG" "$ID"
	[ -s "$IMG/skiff-images.json" ]
	grep -q '"name":"pages-1.img"' "$IMG/skiff-images.json"
	cp "$IMG/pages-1.img" "$BATS_TEST_TMPDIR/pages.orig"
	cp "$IMG/inventory.img" "$BATS_TEST_TMPDIR/inventory.orig"
	# one byte flipped in the middle of the memory pages, same size
	python3 - "$IMG/pages-1.img" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(0, 2)
    n = f.tell()
    f.seek(n // 2)
    b = f.read(1)
    f.seek(n // 2)
    f.write(bytes([b[0] ^ 0x5a]))
PY
	restore_refused "$ID" "restore: image pages-1.img is corrupted (checksum mismatch)"
	cp "$BATS_TEST_TMPDIR/pages.orig" "$IMG/pages-1.img"
	# a truncated file
	truncate -s -1 "$IMG/inventory.img"
	restore_refused "$ID" "restore: image inventory.img is truncated ("
	# a missing one
	rm "$IMG/inventory.img"
	restore_refused "$ID" "restore: image inventory.img is missing"
	cp "$BATS_TEST_TMPDIR/inventory.orig" "$IMG/inventory.img"
	# a bundle whose config is not the checkpointed one's
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/config.orig"
	cfg_set "$BUNDLE" "c['process']['args'][-1] += ' #other'"
	restore_refused "$ID" "restore: the bundle's process.args differs from the checkpointed config's"
	cp "$BATS_TEST_TMPDIR/config.orig" "$BUNDLE/config.json"
	cfg_set "$BUNDLE" "c['process']['cwd'] = '/tmp'"
	restore_refused "$ID" "restore: the bundle's process.cwd differs from the checkpointed config's"
	cp "$BATS_TEST_TMPDIR/config.orig" "$BUNDLE/config.json"
	# whole again: restores and counts on
	at=$(count)
	skc restore -d -b "$BUNDLE" --image-path "$IMG" "$ID"
	assert_eq "$(state_field "$ID" status)" running
	wait_count_above "$at"
	sk delete --force "$ID"
	assert_nothing_left "$ID"
}

@test "a terminal container: checkpointed, restored onto a new pty sent to --console-socket, echoes input after restore" {
	s1=$BATS_TEST_TMPDIR/c1.sock s2=$BATS_TEST_TMPDIR/c2.sock
	run_tty_echo "$ID" "$s1" "$BATS_TEST_TMPDIR/out1"
	h1=$HOLDTTY_PID
	skc checkpoint --image-path "$IMG" "$ID"
	grep -q '"tty":"tty\[' "$IMG/skiff-config.json"
	touch "$s1.stop"
	wait "$h1"
	# a terminal container needs the socket
	run skc restore -d -b "$BUNDLE" --image-path "$IMG" "$ID"
	assert_single_line_error "--console-socket is required"
	start_holdtty "$s2" "$BATS_TEST_TMPDIR/out2"
	h2=$HOLDTTY_PID
	skc restore -d --console-socket "$s2" -b "$BUNDLE" --image-path "$IMG" "$ID"
	assert_eq "$(state_field "$ID" status)" running
	type_line "$s2" 1 after
	wait_long grep -q "got:after" "$BATS_TEST_TMPDIR/out2"
	# the restored shell reads from the new pty only
	run ! grep -q "got:after" "$BATS_TEST_TMPDIR/out1"
	touch "$s2.stop"
	wait "$h2"
	sk delete --force "$ID"
	assert_nothing_left "$ID"
}

# A network namespace /run/netns/NS joined to the guest's by a veth pair:
# 10.213.N.1 on the guest's side, 10.213.N.2 in NS.
make_netns() {
	NS=$1 NET=10.213.$2
	ip netns add "$NS"
	ip link add "vh$2" type veth peer name "vc$2"
	ip link set "vc$2" netns "$NS"
	ip addr add "$NET.1/24" dev "vh$2"
	ip link set "vh$2" up
	ip -n "$NS" addr add "$NET.2/24" dev "vc$2"
	ip -n "$NS" link set "vc$2" up
	ip -n "$NS" link set lo up
}

# link_gone IF: no link IF here (a namespace's end goes asynchronously)
link_gone() {
	if ip link show "$1" >/dev/null 2>&1; then
		return 1
	fi
}

# A TCP server in the guest's namespace on ADDR:PORT: one connection at a
# time, each line it reads logged to LOG and answered "echo:LINE".
start_echo_server() {
	cat >"$BATS_TEST_TMPDIR/echo.py" <<'PY'
import socket, sys
addr, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(1)
open(log + ".ready", "w").write("ready\n")
s.settimeout(900)
c, _ = s.accept()
c.settimeout(900)
buf = b""
with open(log, "ab") as f:
    while True:
        d = c.recv(4096)
        if not d:
            break
        buf += d
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            f.write(line + b"\n")
            f.flush()
            c.sendall(b"echo:" + line + b"\n")
PY
	python3 "$BATS_TEST_TMPDIR/echo.py" "$@" </dev/null >/dev/null 2>&1 3>&- &
	ECHO_PID=$!
	BG_PIDS+=" $ECHO_PID"
	wait_file "$3.ready"
}

# what a failed TCP restore looks like (on stderr)
tcp_diag() {
	{
		echo "sent=$sent got=$got server log: $(tail -2 "$log" | tr '\n' ' ') reply: $(tail -2 "$BUNDLE/rootfs/reply" | tr '\n' ' ')"
		kill -0 "$ECHO_PID" 2>/dev/null && echo "server alive" || echo "server gone"
		echo "-- nft in $NS:"; ip netns exec "$NS" nft list ruleset
		echo "-- nft here:"; nft list ruleset
		echo "-- ss here:"; ss -tn
		echo "-- ss in $NS:"; ip netns exec "$NS" ss -tn
		echo "-- dump.log:"; grep -iE "lock|nft|netns|tcp|error|warn" "$IMG/dump.log" | tail -25
		echo "-- restore.log:"; grep -iE "lock|nft|netns|tcp|error|warn" "$IMG/restore.log" | tail -25
	} >&2
}

# last N of FILE's "PREFIXn" lines (0 when none)
last_of() {
	local n
	n=$(grep -o "^$2[0-9]*" "$1" 2>/dev/null | tail -1)
	n=${n#"$2"}
	echo "${n:-0}"
}

more_than() {
	[ "$(last_of "$1" "$2")" -gt "$3" ]
}

@test "a joined network namespace: restored into it; an established TCP connection carries data both ways after --tcp-established; no criu nft table left" {
	make_netns "skr$$" 7
	log=$BATS_TEST_TMPDIR/server.log
	start_echo_server "$NET.1" 7001 "$log"
	cfg_set "$BUNDLE" "c['root']['readonly'] = False"
	cfg_set "$BUNDLE" "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network'] + [{'type': 'network', 'path': '/run/netns/$NS'}]"
	cfg_sh "$BUNDLE" "exec </dev/null >/dev/null 2>&1; i=0; while :; do i=\$((i+1)); echo c\$i; sleep 0.3; done | nc $NET.1 7001 >/reply"
	skc run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	wait_status "$ID" running
	wait_long more_than "$BUNDLE/rootfs/reply" echo:c 3
	skc checkpoint --tcp-established --image-path "$IMG" "$ID"
	grep -q "netns is external" "$IMG/dump.log"
	sent=$(last_of "$log" c)
	got=$(last_of "$BUNDLE/rootfs/reply" echo:c)
	# the connection is held (criu's lock), nothing flows while it is down
	skc restore -d --tcp-established -b "$BUNDLE" --image-path "$IMG" "$ID"
	assert_eq "$(state_field "$ID" status)" running
	pid=$(state_field "$ID" pid)
	# in the joined namespace, not a new one
	assert_eq "$(readlink "/proc/$pid/ns/net")" "$(ip netns exec "$NS" readlink /proc/self/ns/net)"
	# data both ways on the same connection: the server logs lines sent
	# after the checkpoint, the container gets their echoes
	wait_long more_than "$log" c "$sent" || { tcp_diag; return 1; }
	wait_long more_than "$BUNDLE/rootfs/reply" echo:c "$got" || { tcp_diag; return 1; }
	kill -0 "$ECHO_PID"
	# criu's lock is gone: no table of criu's in the namespace or here
	run ip netns exec "$NS" nft list tables
	[[ "$output" != *CRIU* ]] || { echo "left: $output" >&2; return 1; }
	run nft list tables
	[[ "$output" != *CRIU* ]] || { echo "left: $output" >&2; return 1; }
	sk delete --force "$ID"
	assert_nothing_left "$ID"
	kill "$ECHO_PID" 2>/dev/null || true
	ip netns del "$NS"
}

@test "--tcp-established into a fresh network namespace made at the joined path: the connection carries on" {
	make_netns "skf$$" 8
	log=$BATS_TEST_TMPDIR/server.log
	start_echo_server "$NET.1" 7002 "$log"
	cfg_set "$BUNDLE" "c['root']['readonly'] = False"
	cfg_set "$BUNDLE" "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network'] + [{'type': 'network', 'path': '/run/netns/$NS'}]"
	cfg_sh "$BUNDLE" "exec </dev/null >/dev/null 2>&1; i=0; while :; do i=\$((i+1)); echo c\$i; sleep 0.3; done | nc $NET.1 7002 >/reply"
	skc run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	wait_status "$ID" running
	wait_long more_than "$BUNDLE/rootfs/reply" echo:c 3
	skc checkpoint --tcp-established --image-path "$IMG" "$ID"
	sent=$(last_of "$log" c)
	got=$(last_of "$BUNDLE/rootfs/reply" echo:c)
	# criu's lock is in the namespace (its inode number may come back for
	# the next one: the lock tells them apart)
	run ip netns exec "$NS" nft list tables
	assert_contains "$output" "CRIU-"
	# the namespace goes (its veth with it) and a new one is made there
	ip netns del "$NS"
	wait_long link_gone vh8
	make_netns "$NS" 8
	run ip netns exec "$NS" nft list tables
	[[ "$output" != *CRIU* ]] || { echo "not a fresh namespace: $output" >&2; return 1; }
	skc restore -d --tcp-established -b "$BUNDLE" --image-path "$IMG" "$ID"
	pid=$(state_field "$ID" pid)
	assert_eq "$(readlink "/proc/$pid/ns/net")" "$(ip netns exec "$NS" readlink /proc/self/ns/net)"
	wait_long more_than "$log" c "$sent" || { tcp_diag; return 1; }
	wait_long more_than "$BUNDLE/rootfs/reply" echo:c "$got" || { tcp_diag; return 1; }
	run ip netns exec "$NS" nft list tables
	[[ "$output" != *CRIU* ]] || { echo "left: $output" >&2; return 1; }
	sk delete --force "$ID"
	assert_nothing_left "$ID"
	ip netns del "$NS"
}

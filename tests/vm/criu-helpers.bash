# tests/vm/criu-helpers.bash - what the criu files of tests/vm share
# (criu.bats, criu-restore.bats, criu-net.bats, migrate.bats): the VM
# guard, the image directory, a longer-bounded skiff, a container that
# counts in memory, and a console-socket receiver for terminal
# containers.  Load it after ../bats/helpers.

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

# holdtty SOCKET OUT: a console-socket receiver that keeps the pty master
# until SOCKET.stop appears (or 900 s): copies the master's output to OUT
# and writes each file SOCKET.in.N (N = 1, 2, ...) to the master once.
start_holdtty() {
	cat >"$BATS_TEST_TMPDIR/holdtty.py" <<'PY'
import os, select, socket, sys, time
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(1)
open(path + ".ready", "w").write("%d\n" % os.getpid())
s.settimeout(900)
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 4096, 4)
master, n, deadline = fds[0], 1, time.time() + 900
with open(out, "wb") as f:
    while time.time() < deadline and not os.path.exists(path + ".stop"):
        if os.path.exists("%s.in.%d" % (path, n)):
            os.write(master, open("%s.in.%d" % (path, n), "rb").read())
            n += 1
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                d = os.read(master, 4096)
            except OSError:
                break
            f.write(d)
            f.flush()
PY
	python3 "$BATS_TEST_TMPDIR/holdtty.py" "$1" "$2" </dev/null >/dev/null 2>&1 3>&- &
	HOLDTTY_PID=$!
	BG_PIDS+=" $HOLDTTY_PID"
	wait_file "$1.ready"
}

# type SOCKET N TEXT: have the receiver write TEXT (a line) as input N
type_line() {
	printf '%s\n' "$3" >"$1.in.$2.tmp"
	mv "$1.in.$2.tmp" "$1.in.$2"
}

# wait_long CMD...: as wait_until, for up to 60 s (TCG, TCP timers)
wait_long() {
	poll_for 300 0.2 "$@"
}

# run_tty_echo ID SOCKET OUT: a terminal container (a shell answering each
# line with "got:LINE") run detached with its pty's master held by a
# receiver on SOCKET (HOLDTTY_PID) copying it to OUT; returns once a first
# line typed has come back.
run_tty_echo() {
	cfg_set "$BUNDLE" "c['process']['terminal'] = True"
	cfg_sh "$BUNDLE" 'while read -r l; do echo "got:$l"; done'
	start_holdtty "$2" "$3"
	skc run -d --console-socket "$2" -b "$BUNDLE" "$1" </dev/null >/dev/null 2>&1
	wait_status "$1" running
	type_line "$2" 1 before
	wait_long grep -q "got:before" "$3"
}

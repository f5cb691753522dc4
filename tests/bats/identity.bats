#!/usr/bin/env bats
# identity.bats - a pid of the state is signalled, waited for or joined
# only once its identity is proven (pidfd opened, then the start time
# checked, then everything through that pidfd): kill, kill --all,
# delete --force and exec never reach a process that is not the
# container's, even one whose pid and start time the state names.

bats_require_minimum_version 1.5.0

load helpers

setup_file() { skiff_setup_file; }
setup() { skiff_setup; }
teardown() {
	[ -n "${VICTIM:-}" ] && kill -KILL "$VICTIM" 2>/dev/null
	skiff_teardown
}

# start_victim: a host process with two threads (marker in its args);
# VICTIM is its pid, TID the id of its second thread.
start_victim() {
	python3 -c '
import threading, time
threading.Thread(target=time.sleep, args=(1000,), daemon=True).start()
time.sleep(1000)
' "$MARK" &
	VICTIM=$!
	wait_until eval '[ "$(ls /proc/$VICTIM/task | wc -l)" -ge 2 ]'
	TID=$(ls /proc/"$VICTIM"/task | grep -vx "$VICTIM" | head -1)
	[ -n "$TID" ]
}

# forge_state ID PID START: rewrite the container's state.json.
forge_state() {
	python3 - "$ROOT/$1/state.json" "$2" "$3" <<'EOF'
import json, sys
p, pid, start = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(p) as f:
    s = json.load(f)
s["pid"], s["start_time"] = pid, start
with open(p, "w") as f:
    json.dump(s, f)
EOF
}

# start_time PID: field 22 of /proc/PID/stat.
start_time() {
	sed 's/.*) //' /proc/"$1"/stat | awk '{print $20}'
}

# stopped_container ID: a container whose process has exited.
stopped_container() {
	cfg_args "$BUNDLE" true
	sk create -b "$BUNDLE" "$1" </dev/null >/dev/null 2>&1
	sk start "$1"
	wait_status "$1" stopped
}

victim_alive() {
	sleep 0.2
	if ! kill -0 "$VICTIM" 2>/dev/null; then
		echo "the unrelated process $VICTIM was signalled" >&2
		return 1
	fi
}

@test "kill: a pid of the state that names a thread of another process (start time matching) is never signalled" {
	stopped_container "$ID"
	start_victim
	forge_state "$ID" "$TID" "$(start_time "$TID")"
	run sk kill "$ID" KILL
	assert_single_line_error "$ID"
	victim_alive
	run sk kill --all "$ID" KILL
	assert_single_line_error "$ID"
	victim_alive
}

@test "delete --force: a forged pid is neither signalled nor waited for" {
	stopped_container "$ID"
	start_victim
	forge_state "$ID" "$TID" "$(start_time "$TID")"
	run sk delete --force "$ID"
	[ "$status" -eq 0 ]
	victim_alive
	[ ! -e "$ROOT/$ID" ]
}

@test "exec never joins the namespaces of a process that is not the container's init" {
	stopped_container "$ID"
	start_victim
	forge_state "$ID" "$TID" "$(start_time "$TID")"
	run sk exec "$ID" sh -c 'echo joined; readlink /proc/self/ns/mnt'
	assert_single_line_error "$ID"
	victim_alive
}

@test "kill: a live unrelated process with another start time is not signalled" {
	stopped_container "$ID"
	start_victim
	forge_state "$ID" "$VICTIM" 12345
	run sk kill "$ID" KILL
	assert_single_line_error "$ID" "not running"
	run sk kill --all "$ID" KILL
	assert_single_line_error "$ID" "not running"
	run sk delete --force "$ID"
	[ "$status" -eq 0 ]
	victim_alive
}

@test "kill and kill --all still reach the container" {
	run_sleeping "$ID"
	sk kill "$ID" TERM
	wait_status "$ID" stopped
	delete_ok=$(sk delete "$ID" && echo yes)
	assert_eq "$delete_ok" yes
	run_sleeping "$ID-2"
	sk exec -d "$ID-2" sh -c "sleep 1000; echo $MARK-x"
	sk kill --all "$ID-2" KILL
	wait_status "$ID-2" stopped
	assert_nothing_left "$ID-2" || sk delete "$ID-2"
}

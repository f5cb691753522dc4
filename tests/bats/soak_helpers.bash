# tests/bats/soak_helpers.bash - the crash soak: SIGKILL skiff commands at
# random moments, then `delete -f`, then tests/leak-audit.  Used by
# tests/bats/soak.bats (the host: v1/hybrid cgroups) and tests/vm/soak.bats
# (pure cgroup v2).  Load after helpers.bash.
#
# Every skiff runs inside a private network namespace ($NETNS, made by
# soak_setup) that plays the host: the bridge, veths and the nft table of
# the containers' nat network live (and are audited) there only.

SOAK_AUDIT=$SKIFF_TOP/tests/leak-audit

soak_setup() {
	skiff_setup
	NETNS=sks-$BATS_ROOT_PID-$BATS_TEST_NUMBER
	ip netns add "$NETNS"
	ip -n "$NETNS" link set lo up
	SOAK_IDS=()
}

soak_teardown() {
	local id
	for id in "${SOAK_IDS[@]}"; do
		skn delete --force "$id" >/dev/null 2>&1 || true
		pkill -KILL -f -- "$id" 2>/dev/null || true
	done
	skiff_teardown
	ip netns pids "$NETNS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
	ip netns del "$NETNS" 2>/dev/null || true
}

# skn ARGS...: skiff with this test's --root, in the test's "host" namespace.
skn() { nsenter --net="/var/run/netns/$NETNS" timeout 60 "$SKIFF" --root "$ROOT" "$@"; }

# soak_bundle: $BUNDLE with cgroup limits, a NUMA placement, a nat network
# with a port forward, and a sleeping process (one python run).
soak_bundle() {
	cfg_set "$BUNDLE" "c['process']['args'] = ['sh', '-c', 'trap \"exit 143\" TERM; sleep 1000 & wait', '$MARK']" \
		"c['process']['terminal'] = False" \
		"c['linux'].setdefault('resources', {}).update({'memory': {'limit': 64 << 20}, 'pids': {'limit': 64}, 'cpu': {'shares': 512}})" \
		"c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network'] + [{'type': 'network'}]" \
		"c.setdefault('annotations', {}).update({'org.skiff.numa.cpus': '1', 'org.skiff.net.mode': 'nat', 'org.skiff.net.network': 'sksoak0', 'org.skiff.net.subnet': '10.77.0.0/24', 'org.skiff.net.ports': '18080:80/tcp'})"
}

# soak_sleep: 0 to 30 ms.
soak_sleep() {
	local d
	printf -v d '0.%03d' $((RANDOM % 31))
	sleep "$d"
}

# soak_kill ARGS...: skiff ARGS in the background (exec'd by nsenter, so
# $! is skiff itself), SIGKILLed after 0-30 ms; returns when it is gone.
soak_kill() {
	nsenter --net="/var/run/netns/$NETNS" "$SKIFF" --root "$ROOT" "$@" </dev/null >/dev/null 2>&1 &
	local pid=$!
	soak_sleep
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# soak_delete ID: `delete -f ID` must succeed, or (when the kill came before
# the ID was claimed) say that the container does not exist.
soak_delete() {
	local out rc=0
	out=$(skn delete -f "$1" 2>&1) || rc=$?
	if [ $rc -ne 0 ] && [[ "$out" != *"does not exist"* ]]; then
		echo "delete -f $1: status $rc: $out" >&2
		return 1
	fi
	if [ $rc -eq 0 ] && [ -n "$out" ]; then
		echo "delete -f $1 printed: $out" >&2
		return 1
	fi
}

# soak_audit ID: nothing of ID is left.
soak_audit() {
	"$SOAK_AUDIT" --root "$ROOT" --id "$1" --netns "$NETNS" --marker "$MARK" --path "$BUNDLE"
}

# soak_round N: one random SIGKILL of create, start, exec or delete of a new
# container, then delete -f and the audit.  Prints leaks; fails on them.
soak_round() {
	local id=$ID-$1 what=$((RANDOM % 4))
	SOAK_IDS+=("$id")
	case $what in
	0) soak_kill create -b "$BUNDLE" "$id" ;;
	*)
		skn create -b "$BUNDLE" "$id" </dev/null >"$BATS_TEST_TMPDIR/create.out" 2>&1 || {
			echo "round $1: create $id failed: $(cat "$BATS_TEST_TMPDIR/create.out")" >&2
			return 1
		}
		case $what in
		1) soak_kill start "$id" ;;
		2) skn start "$id" && soak_kill exec "$id" sh -c "sleep 1000" "$MARK" ;;
		3) skn start "$id" && soak_kill delete -f "$id" ;;
		esac
		;;
	esac
	soak_delete "$id" || return 1
	soak_audit "$id" || { echo "round $1 (kill of $(echo create start exec delete | cut -d' ' -f$((what + 1)))): leaks above" >&2; return 1; }
}

# soak_run SECONDS MAX_ROUNDS: rounds until either bound; every round must
# leave nothing.  Also reports how many rounds ran.
soak_run() {
	local end=$((SECONDS + $1)) n=0 bad=0
	while [ $SECONDS -lt $end ] && [ $n -lt "$2" ]; do
		n=$((n + 1))
		soak_round "$n" || bad=$((bad + 1))
	done
	echo "# $n rounds, $bad with leaks or errors" >&3
	[ $bad -eq 0 ] && [ $n -gt 0 ]
}

# soak_kill_create_rounds N: N times, a create SIGKILLed at a random moment;
# a later create of the same ID works (or finds the finished one), delete -f
# and the leak audit find nothing.
soak_kill_create_rounds() {
	local i id
	for i in $(seq 1 "$1"); do
		id=$ID-r$i
		SOAK_IDS+=("$id")
		soak_kill create -b "$BUNDLE" "$id"
		if ! skn create -b "$BUNDLE" "$id" </dev/null >"$BATS_TEST_TMPDIR/c.out" 2>&1; then
			# fine only when the killed create had finished (state.json saved)
			local created=no
			grep -q "already exists" "$BATS_TEST_TMPDIR/c.out" &&
				skn state "$id" | grep -q '"status": "created"' && created=yes
			if [ "$created" != yes ]; then
				echo "create $id after a killed create: $(cat "$BATS_TEST_TMPDIR/c.out")" >&2
				return 1
			fi
		fi
		skn delete -f "$id"
		soak_audit "$id"
	done
}

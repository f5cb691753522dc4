#!/bin/bash
# tests/bench/migrate.sh [SIZES] - live migration downtime against memory
# size: `skiff migrate` (pre-copy, 3 rounds; and stop-and-copy, --rounds
# 0) against runc 1.1 driven by hand (`runc checkpoint --pre-dump
# --page-server` rounds into a `criu page-server` on the target, then the
# final `runc checkpoint --page-server --parent-path`, the other images
# copied, `runc restore` on the target's root; and the same without the
# pre-dumps).  Runs where criu works (inside tests/vm/run):
#   tests/vm/run --timeout 2400 tests/bench/migrate.sh "16 64 256"
# (MIGBENCH_MODES="skiff-pre skiff-stop runc-pre runc-stop" picks modes,
# passed into the VM with SKIFF_VM_ENV=MIGBENCH_MODES).
# Two "hosts" as in tests/vm/migrate.bats: the target in a network
# namespace joined by a veth (10.77.0.1 <-> 10.77.0.2), each with its own
# --root.  The workload is tests/vm/memhog.c: MIB of memory with an 8 MiB
# hot part rewritten continuously.  Downtime: from the moment the final
# dump starts (the container stops running) until it runs on the target.
# One run per cell (criu under emulation takes seconds per dump).
set -u -o pipefail
sizes=${1:-16 64 256}
# MIGBENCH_MODES: a subset of the modes, in this order
modes=${MIGBENCH_MODES:-skiff-pre skiff-stop runc-pre runc-stop}
hot=8
rounds=3
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
SKIFF=${SKIFF:-$top/${BUILD:-build}/skiff}
RUNC=$(command -v runc || true)
[ -x "$SKIFF" ] || { echo "migrate bench: $SKIFF not built" >&2; exit 1; }
[ -n "$RUNC" ] || { echo "migrate bench: runc is not installed" >&2; exit 1; }
NS=skmigbench
work=$(mktemp -d /tmp/skiff-migbench.XXXXXX)
id=
tpid=
. "$top/tests/vm/twohosts.bash"
# delete_everywhere: the cell's container, on both sides, for both runtimes
delete_everywhere() {
	local r
	for r in "$work/skiff-src" "$work/skiff-dst"; do
		timeout 60 "$SKIFF" --root "$r" delete --force "$id" >/dev/null 2>&1
	done
	for r in "$work/runc-src" "$work/runc-dst"; do
		timeout 60 "$RUNC" --root "$r" delete --force "$id" >/dev/null 2>&1
	done
}
cleanup() {
	[ -n "$tpid" ] && kill -KILL "$tpid" 2>/dev/null
	pkill_ps
	[ -n "$id" ] && delete_everywhere
	two_hosts_down "$NS" mbs0
	rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

# the page servers this script started (by pid, in the namespace)
ps_pids=()
pkill_ps() {
	local p
	for p in "${ps_pids[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	ps_pids=()
}

cc -static -O2 -o "$work/memhog" "$top/tests/vm/memhog.c" || exit 1
"$top/tests/make-demo-bundle" "$work/bundle" >/dev/null || exit 1
cp "$work/memhog" "$work/bundle/rootfs/memhog"
mkdir -p "$work/bundle2"

two_hosts_up "$NS" mbs0 mbt0 10.77.1 || { echo "migrate bench: no veth" >&2; exit 1; }
# criu's probe once per boot (skiff caches it per root)
"$SKIFF" --root "$work/probe" checkpoint --help >/dev/null 2>&1

# bundle MIB SRC_CGROUP DST_CGROUP: the source's config runs memhog; the
# target's (bundle2) names the same rootfs by absolute path, its own cgroup
bundle() {
	python3 - "$work/bundle/config.json" "$work/bundle2/config.json" "$1" "$hot" "$2" "$3" \
		"$work/bundle/rootfs" <<'PY'
import json, sys
src, dst, mib, hot, cg1, cg2, rootfs = sys.argv[1:]
c = json.load(open(src))
# stdio: the container's own /dev/null (criu cannot dump the host's)
c["process"]["args"] = ["sh", "-c", "exec </dev/null >/dev/null 2>&1; exec /memhog %s %s" % (mib, hot)]
c["process"]["terminal"] = False
c["root"]["readonly"] = False
c["ociVersion"] = "1.0.2"
c.setdefault("linux", {})["cgroupsPath"] = cg1
json.dump(c, open(src, "w"), indent=1)
c["root"]["path"] = rootfs
c["linux"]["cgroupsPath"] = cg2
json.dump(c, open(dst, "w"), indent=1)
PY
}

# wait_verified: memhog has checked all of its memory once (a pass after
# generation $1)
wait_verified() {
	local n=3000 v
	while [ "$n" -gt 0 ]; do
		v=$(cat "$work/bundle/rootfs/verify" 2>/dev/null)
		case $v in
		BAD*) echo "memory check failed: $v"; return 1 ;;
		"OK "*) [ "${v#OK }" -gt "$1" ] && return 0 ;;
		esac
		sleep 0.2
		n=$((n - 1))
	done
	echo "memhog did not verify its memory in time"
	return 1
}
gen() { cat "$work/bundle/rootfs/gen" 2>/dev/null || echo 0; }

# listening PID PORT: PID's network namespace has a listener on PORT
listening() {
	grep -q ":$(printf '%04X' "$2") 00000000:0000 0A" "/proc/$1/net/tcp" 2>/dev/null
}
wait_listen() { # PID PORT
	local n=600
	while [ "$n" -gt 0 ]; do
		kill -0 "$1" 2>/dev/null || return 1
		listening "$1" "$2" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# start: a fresh source running memhog of MIB in runtime RT
start() { # RT MIB
	rm -f "$work/bundle/rootfs/gen" "$work/bundle/rootfs/verify"
	bundle "$2" "/skiff-bench-src/$id" "/skiff-bench-dst/$id"
	local rt=$SKIFF
	[ "$1" = runc ] && rt=$RUNC
	mkdir -p "$work/$1-src" "$work/$1-dst"
	if [ "$1" = skiff ]; then
		cp "$work/probe/criu.check" "$work/skiff-src/" 2>/dev/null
		cp "$work/probe/criu.check" "$work/skiff-dst/" 2>/dev/null
	fi
	(cd "$work/bundle" && timeout 120 "$rt" --root "$work/$1-src" run -d "$id" \
		</dev/null >/dev/null 2>"$work/err") || { echo "run failed: $(tail -1 "$work/err")"; return 1; }
	wait_verified 0
}

# after a migration: the target's copy runs and its memory checks out
check_target() {
	local g
	g=$(gen)
	wait_verified "$g" || return 1
	[ "$(gen)" -gt "$g" ] || { echo "the restored copy does not run"; return 1; }
}

# row SIZE MODE DOWNTIME FROZEN TOTAL BYTES...
row() {
	local size=$1 mode=$2 d=$3 f=$4 t=$5 b
	shift 5
	b=$(for x in "$@"; do printf '%s ' "$(mib "$x")"; done)
	b=${b% }
	printf '%5s MiB  %-34s %9s s %9s s %9s s   %s\n' "$size" "$mode" "$d" "$f" "$t" "$b"
}

port=7100
skiff_one() { # MIB ROUNDS
	local out
	port=$((port + 10))
	start skiff "$1" || return 1
	nsenter --net=/run/netns/"$NS" "$SKIFF" --root "$work/skiff-dst" migrate --receive \
		--listen 10.77.1.2:$port --bundle "$work/bundle2" --timeout 900 \
		</dev/null >"$work/target.out" 2>&1 &
	tpid=$!
	wait_listen "$tpid" "$port" || { echo "target: $(cat "$work/target.out")"; return 1; }
	out=$(timeout 1500 "$SKIFF" --root "$work/skiff-src" migrate --timeout 900 --rounds "$2" \
		--format json "$id" tcp://10.77.1.2:$port 2>"$work/err") ||
		{ echo "migrate failed: $(tail -1 "$work/err"); target: $(tail -1 "$work/target.out")"; return 1; }
	wait "$tpid" || { echo "target failed: $(tail -1 "$work/target.out")"; return 1; }
	tpid=
	check_target || return 1
	"$SKIFF" --root "$work/skiff-dst" delete --force "$id" >/dev/null 2>&1
	python3 - "$1" "$2" "$out" <<'PY'
import json, sys
mib, n, j = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
mode = "skiff pre-copy (%d rounds)" % n if n else "skiff stop-and-copy"
print("%5s MiB  %-34s %9.3f s %9.3f s %9.3f s   %s" % (mib, mode, j["downtimeSeconds"],
      j["frozenDumpSeconds"], j["totalSeconds"], " ".join("%.1f" % (b / 1048576) for b in j["bytes"])))
PY
}

# page_server DIR [PREV]: criu page-server in the target's namespace into
# DIR, listening on $port (one dump, then it exits)
page_server() {
	port=$((port + 1))
	mkdir -p "$1"
	ip netns exec "$NS" criu page-server --images-dir "$1" --work-dir "$1" \
		--log-file "$1/page-server.log" -v4 --address 10.77.1.2 --port "$port" \
		${2:+--prev-images-dir "$2"} </dev/null >/dev/null 2>&1 &
	local p=$!
	ps_pids+=("$p")
	wait_listen "$p" "$port" || { echo "criu page-server did not start: $(tail -1 "$1/page-server.log")"; return 1; }
}

# ps_done PID: the page server ends once its dump is done (at most 300 s)
ps_done() {
	local n=3000
	while kill -0 "$1" 2>/dev/null && [ "$n" -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	[ "$n" -gt 0 ] || { echo "criu page-server did not end after the dump"; return 1; }
	wait "$1"
}

# pages DIR: the bytes of page images the page server wrote there
pages() {
	local s=0 f
	for f in "$1"/pages-*.img; do
		[ -e "$f" ] && s=$((s + $(stat -c %s "$f")))
	done
	echo "$s"
}

runc_one() { # MIB ROUNDS
	local S=$work/runc-img T=$work/runc-tgt n t0 t1 t2 parent bytes=() fr
	rm -rf "$S" "$T"
	mkdir -p "$S" "$T"
	port=$((port + 10))
	start runc "$1" || return 1
	t0=$(now)
	parent=
	for n in $(seq "$2"); do
		page_server "$T/$n" ${parent:+"../$parent"} || return 1
		timeout 1500 "$RUNC" --root "$work/runc-src" checkpoint --pre-dump \
			--image-path "$S/$n" ${parent:+--parent-path "../$parent"} \
			--page-server 10.77.1.2:$port "$id" >/dev/null 2>"$work/err" ||
			{ echo "runc pre-dump $n failed: $(tail -1 "$work/err")"; return 1; }
		ps_done "${ps_pids[-1]}" || return 1
		bytes+=("$(pages "$T/$n")")
		parent=$n
	done
	n=final
	page_server "$T/$n" ${parent:+"../$parent"} || return 1
	# downtime starts here: runc freezes the container and criu dumps it
	t1=$(now)
	timeout 1500 "$RUNC" --root "$work/runc-src" checkpoint --image-path "$S/$n" \
		${parent:+--parent-path "../$parent"} --page-server 10.77.1.2:$port "$id" \
		>/dev/null 2>"$work/err" ||
		{ echo "runc checkpoint failed: $(tail -1 "$work/err")"; return 1; }
	fr=$(now)
	ps_done "${ps_pids[-1]}" || return 1
	bytes+=("$(pages "$T/$n")")
	# the other images to the target (the page server wrote the pages)
	cp -an "$S/$n/." "$T/$n/"
	timeout 1500 "$RUNC" --root "$work/runc-dst" restore -d --image-path "$T/$n" \
		--bundle "$work/bundle2" "$id" </dev/null >/dev/null 2>"$work/err" ||
		{ echo "runc restore failed: $(tail -1 "$work/err")"; return 1; }
	t2=$(now)
	ps_pids=()
	check_target || return 1
	"$RUNC" --root "$work/runc-dst" delete --force "$id" >/dev/null 2>&1
	local mode="runc stop-and-copy by hand"
	[ "$2" -gt 0 ] && mode="runc pre-copy ($2 rounds) by hand"
	row "$1" "$mode" "$(secs "$t1" "$t2")" "$(secs "$t1" "$fr")" "$(secs "$t0" "$t2")" "${bytes[@]}"
	rm -rf "$S" "$T"
}

echo "live migration over a veth, $hot MiB hot, skiff and runc ($("$RUNC" --version | head -1)), $(criu --version | head -1)"
echo "one run per cell (criu under emulation is slow): indicative figures"
echo "downtime: final dump start -> running on the target; frozen: the final dump itself (runc: its checkpoint command)"
printf '%9s  %-34s %11s %11s %11s   %s\n' size mode downtime "frozen/dump" total "MiB per round (final last)"
k=0
for size in $sizes; do
	for mode in $modes; do
		k=$((k + 1))
		id=migbench-$$-$k
		case $mode in
		skiff-pre) skiff_one "$size" "$rounds" ;;
		skiff-stop) skiff_one "$size" 0 ;;
		runc-pre) runc_one "$size" "$rounds" ;;
		runc-stop) runc_one "$size" 0 ;;
		esac >"$work/line" 2>&1
		rc=$?
		if [ "$rc" -eq 0 ]; then
			cat "$work/line"
		else
			printf '%5s MiB  %-34s did not complete: %s\n' "$size" "$mode" "$(tail -1 "$work/line")"
		fi
		[ -n "$tpid" ] && kill -KILL "$tpid" 2>/dev/null
		tpid=
		pkill_ps
		delete_everywhere
		rm -rf "$work/runc-img" "$work/runc-tgt"
		rmdir "/sys/fs/cgroup/skiff-bench-src/$id" "/sys/fs/cgroup/skiff-bench-dst/$id" 2>/dev/null
	done
done
rmdir /sys/fs/cgroup/skiff-bench-src /sys/fs/cgroup/skiff-bench-dst 2>/dev/null
exit 0

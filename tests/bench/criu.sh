#!/bin/bash
# tests/bench/criu.sh [ROUNDS] - checkpoint and restore time of a small
# container (a busybox loop) for skiff and runc side by side, in the same
# guest, interleaved ABBA (skiff runc runc skiff per round).  Runs where
# criu works (inside tests/vm/run):
#   tests/vm/run --timeout 1500 tests/bench/criu.sh 2
# Prints the mean and best of each, and the ratio skiff/runc of the means.
set -u -o pipefail
n=${1:-2}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
SKIFF=${SKIFF:-$top/${BUILD:-build}/skiff}
RUNC=$(command -v runc || true)
[ -x "$SKIFF" ] || { echo "criu bench: $SKIFF not built" >&2; exit 1; }
[ -n "$RUNC" ] || { echo "criu bench: runc is not installed" >&2; exit 1; }
work=$(mktemp -d /tmp/skiff-criubench.XXXXXX)
trap 'for r in skiff runc; do rt "$r" delete --force "$id" >/dev/null 2>&1; done; rm -rf "$work"' EXIT
"$top/tests/make-demo-bundle" "$work/bundle" >/dev/null
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
# stdio: the container's own /dev/null (criu cannot dump the host's)
c["process"]["args"] = ["sh", "-c", "exec </dev/null >/dev/null 2>&1; while :; do sleep 1; done"]
c["process"]["terminal"] = False
c["ociVersion"] = "1.0.2"
json.dump(c, open(p, "w"), indent=1)
PY
id=criubench-$$

rt() { # NAME ARGS...: the runtime NAME with its own state root
	local name=$1
	shift
	case $name in
	skiff) timeout 600 "$SKIFF" --root "$work/skiff-root" "$@" ;;
	runc) timeout 600 "$RUNC" --root "$work/runc-root" "$@" ;;
	esac
}
now() { date +%s%N; }

declare -A ck rs ckbest rsbest cnt
one() { # NAME: run, checkpoint (timed), restore (timed), delete
	local name=$1 img=$work/img-$1 t0 t1 t2 c r
	rm -rf "$img"
	(cd "$work/bundle" && rt "$name" run -d "$id" </dev/null >/dev/null 2>"$work/err") ||
		{ echo "$name: run failed: $(tail -1 "$work/err")"; return 1; }
	sleep 1
	t0=$(now)
	rt "$name" checkpoint --image-path "$img" "$id" >/dev/null 2>"$work/err" ||
		{ echo "$name: checkpoint failed: $(tail -1 "$work/err")"; return 1; }
	t1=$(now)
	rt "$name" restore -d --bundle "$work/bundle" --image-path "$img" "$id" \
		</dev/null >/dev/null 2>"$work/err" ||
		{ echo "$name: restore failed: $(tail -1 "$work/err")"; return 1; }
	t2=$(now)
	rt "$name" delete --force "$id" >/dev/null 2>&1
	c=$(((t1 - t0) / 1000000))
	r=$(((t2 - t1) / 1000000))
	ck[$name]=$((${ck[$name]:-0} + c))
	rs[$name]=$((${rs[$name]:-0} + r))
	cnt[$name]=$((${cnt[$name]:-0} + 1))
	[ -n "${ckbest[$name]:-}" ] && [ "${ckbest[$name]}" -le "$c" ] || ckbest[$name]=$c
	[ -n "${rsbest[$name]:-}" ] && [ "${rsbest[$name]}" -le "$r" ] || rsbest[$name]=$r
}

echo "checkpoint and restore of a busybox loop, skiff and runc ($("$RUNC" --version | head -1)), $(criu --version | head -1), $n ABBA rounds"
# a first pass of each, untimed: criu's check cache, page cache
for r in skiff runc; do
	one "$r" || exit 1
	unset "ck[$r]" "rs[$r]" "ckbest[$r]" "rsbest[$r]" "cnt[$r]"
done
for _ in $(seq "$n"); do
	for r in skiff runc runc skiff; do
		one "$r" || exit 1
	done
done
for r in skiff runc; do
	m=${cnt[$r]}
	printf '%-6s checkpoint mean %6d ms best %6d ms   restore mean %6d ms best %6d ms   both %6d ms  (%d runs)\n' \
		"$r" $((ck[$r] / m)) "${ckbest[$r]}" $((rs[$r] / m)) "${rsbest[$r]}" \
		$(((ck[$r] + rs[$r]) / m)) "$m"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "skiff/runc: checkpoint $(ratio "${ck[skiff]}" "${ck[runc]}")x, restore $(ratio "${rs[skiff]}" "${rs[runc]}")x, checkpoint+restore $(ratio $((ck[skiff] + rs[skiff])) $((ck[runc] + rs[runc])))x"

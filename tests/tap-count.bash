# tests/tap-count.bash - count one TAP stream (a bats file or a unit test
# program); sourced by tests/run-all and tests/vm/check.
#
#   pass=0 fail=0 skip=0
#   tap_count NAME FILE RC    # FILE: the program's TAP output, RC: its exit status
#   tap_summary               # "N passed, N failed, N skipped" (CI parses it)
#
# "ok N ... # skip ..." (any case) is a skip, not a pass; "not ok" a failure.
# The stream also counts as one failure when it did not run every test it
# planned ("1..N" missing, or fewer results: the program died or stopped
# early; more results and no failed one), or when the program exited
# non-zero with no failed test.
# Failed results, their "# " diagnostics and the synthesized failures are
# printed (at most 40 lines of diagnostics per stream).

tap_count() {
	local name=$1 file=$2 rc=$3 p s f planned got
	p=$(grep -cE '^ok ' "$file" || true)
	s=$(grep -ciE '^ok .*#[[:space:]]*skip([[:space:]]|\(|$)' "$file" || true)
	f=$(grep -cE '^not ok ' "$file" || true)
	p=$((p - s))
	pass=$((pass + p)) skip=$((skip + s)) fail=$((fail + f))
	if [ "$f" -gt 0 ]; then grep -E '^not ok |^# ' "$file" | head -40; fi
	planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*$/\1/p' "$file" | head -1)
	got=$((p + s + f))
	if [ -z "$planned" ]; then
		echo "not ok - $name: no TAP plan (1..N): it died before the end (exit status $rc)"
		tail -5 "$file" | sed 's/^/# /'
		fail=$((fail + 1))
	elif [ "$got" -lt "$planned" ] || { [ "$got" -gt "$planned" ] && [ "$f" -eq 0 ]; }; then
		echo "not ok - $name: planned $planned tests, ran $got (exit status $rc)"
		tail -5 "$file" | sed 's/^/# /'
		fail=$((fail + 1))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name: exited $rc with no failed test"
		tail -5 "$file" | sed 's/^/# /'
		fail=$((fail + 1))
	fi
	return 0
}

tap_summary() {
	echo "$pass passed, $fail failed, $skip skipped"
}

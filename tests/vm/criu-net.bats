#!/usr/bin/env bats
# tests/vm/criu-net.bats - checkpoint and restore of containers on skiff's
# own networks (org.skiff.net.*), where criu works.  As in net.bats, every
# skiff command runs in a private network namespace ($NETNS, one per test)
# that plays the host.  Runs INSIDE the VM:
#   tests/vm/run --timeout 1500 -- bats --tap tests/vm/criu-net.bats
# vm-timeout: 1500

bats_require_minimum_version 1.5.0
load ../bats/helpers
load criu-helpers

setup_file() { criu_setup_file; }

setup() {
	criu_setup
	NETNS=skc-$BATS_ROOT_PID-$BATS_TEST_NUMBER
	ip netns add "$NETNS"
	ip -n "$NETNS" link set lo up
	mkdir -p "$BUNDLE/rootfs/www"
	echo "it works" | rootfs_write "$BUNDLE" www/index.html
	cfg_set "$BUNDLE" "c['root']['readonly'] = False"
	# stdio: the container's own /dev/null (criu cannot dump the host's)
	cfg_sh "$BUNDLE" 'exec </dev/null >/dev/null 2>&1; exec httpd -f -p 80 -h /www'
}

teardown() {
	local id
	if [ -d "${ROOT:-}" ]; then
		for id in $(ls "$ROOT" | grep -v -e '^networks$' -e '^criu.check$'); do
			skn delete --force "$id" >/dev/null 2>&1 || true
		done
	fi
	for n in $(skn network ls 2>/dev/null | awk 'NR > 1 {print $1}'); do
		skn network rm "$n" >/dev/null 2>&1 || true
	done
	skiff_teardown
	ip netns pids "$NETNS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
	ip netns del "$NETNS" 2>/dev/null || true
}

in_ns() { nsenter --net="/var/run/netns/$NETNS" timeout 20 "$@"; }
# skn ARGS...: skiff in the test's "host" namespace (criu is slow: long bound)
skn() { nsenter --net="/var/run/netns/$NETNS" timeout 400 "$SKIFF" --root "$ROOT" "$@"; }

net_annotations() {
	local b=$1 kv stmts=()
	shift
	for kv in "$@"; do
		stmts+=("c.setdefault('annotations', {})['org.skiff.net.${kv%%=*}'] = '${kv#*=}'")
	done
	cfg_set "$b" "${stmts[@]}"
}

# http_get IP PORT: GET / from the "host" namespace (bash /dev/tcp).
http_get() {
	in_ns bash -c "exec 3<>/dev/tcp/$1/$2 && printf 'GET / HTTP/1.0\r\n\r\n' >&3 && timeout 5 cat <&3" 2>/dev/null
}
answers() { http_get "$1" "$2" | grep -q "it works"; }
wait_answers() {
	wait_until answers "$1" "$2" && return 0
	echo "nothing answers on $1:$2" >&2
	return 1
}

addr_of() {
	skn state "$1" | json_get - 'j["annotations"]["org.skiff.net.address"]' | cut -d/ -f1
}

# no_net_leftovers ID: no veth, nft rule or chain, lease of container ID.
no_net_leftovers() {
	if in_ns ip -o link | grep -q ': sk[0-9a-f]\{11\}[@:]'; then
		echo "veth left behind: $(in_ns ip -o link)" >&2
		return 1
	fi
	if in_ns nft list ruleset | grep -q -e "skiff:$1\"" -e 'chain c-'; then
		echo "nft rules left behind: $(in_ns nft list ruleset)" >&2
		return 1
	fi
	if grep -rqs -e "^lease $1 " -e "\"id\":\"$1\"" "$ROOT/networks"; then
		echo "lease left behind: $(cat "$ROOT"/networks/*/network)" >&2
		return 1
	fi
}

@test "criu-net: nat + port forward: checkpoint releases the network, restore gives the address and the forward back" {
	net_annotations "$BUNDLE" mode=nat network=skn0 subnet=10.93.0.0/24 ports=18080:80/tcp
	skn run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null
	wait_status "$ID" running
	addr=$(addr_of "$ID")
	[ "$addr" = 10.93.0.2 ]
	wait_answers 127.0.0.1 18080
	skn checkpoint --image-path "$IMG" "$ID"
	[ -s "$IMG/inventory.img" ]
	# the container is gone, and so are its veth, nft rules and lease
	run skn state "$ID"
	assert_single_line_error "does not exist"
	no_net_leftovers "$ID"
	run ! answers 127.0.0.1 18080
	skn restore -d -b "$BUNDLE" --image-path "$IMG" "$ID"
	assert_eq "$(state_field "$ID" status)" running
	# the same address again (it was free), and the forward answers
	assert_eq "$(addr_of "$ID")" "$addr"
	wait_answers 127.0.0.1 18080
	answers "$addr" 80
	# the restored init is httpd itself
	pid=$(state_field "$ID" pid)
	grep -q "^NSpid:.*[[:space:]]1$" "/proc/$pid/status"
	skn delete --force "$ID"
	no_net_leftovers "$ID"
	assert_nothing_left "$ID"
}

@test "criu-net: restore onto a taken address gets another one, and the forward still answers" {
	net_annotations "$BUNDLE" mode=nat network=skn0 subnet=10.93.0.0/24 ports=18080:80/tcp
	skn run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null
	wait_status "$ID" running
	wait_answers 127.0.0.1 18080
	skn checkpoint --image-path "$IMG" "$ID"
	# another container takes the address meanwhile
	make_bundle "$BATS_TEST_TMPDIR/b2"
	net_annotations "$BATS_TEST_TMPDIR/b2" mode=nat network=skn0 subnet=10.93.0.0/24
	cfg_sh "$BATS_TEST_TMPDIR/b2" 'exec sleep 1000'
	skn run -d -b "$BATS_TEST_TMPDIR/b2" "$ID-2" </dev/null >/dev/null
	assert_eq "$(addr_of "$ID-2")" 10.93.0.2
	skn restore -d -b "$BUNDLE" --image-path "$IMG" "$ID"
	assert_eq "$(addr_of "$ID")" 10.93.0.3
	wait_answers 127.0.0.1 18080
	skn delete --force "$ID"
	skn delete --force "$ID-2"
	no_net_leftovers "$ID"
	no_net_leftovers "$ID-2"
}

@test "criu-net: a failed restore leaves no veth, nft rule or lease" {
	net_annotations "$BUNDLE" mode=nat network=skn0 subnet=10.93.0.0/24 ports=18080:80/tcp
	skn run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null
	wait_status "$ID" running
	skn checkpoint --image-path "$IMG" "$ID"
	# criu fails after skiff made the network: a missing image, and no
	# manifest (which would refuse it before anything is made)
	rm "$IMG/inventory.img" "$IMG/skiff-images.json"
	run skn restore -d -b "$BUNDLE" --image-path "$IMG" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "criu restore failed"
	run skn state "$ID"
	assert_single_line_error "does not exist"
	no_net_leftovers "$ID"
	assert_nothing_left "$ID"
}

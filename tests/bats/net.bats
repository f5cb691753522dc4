#!/usr/bin/env bats
# net.bats - built-in networking (org.skiff.net.*) through real containers.
#
# Every skiff command runs inside a private network namespace ($NETNS, made
# with `ip netns add`) that plays the host: bridges, veths and nft rules are
# made there and vanish with it, so this file never touches the machine's
# own network.  Needs root, iproute2 and nftables.

load helpers

NETNS=skiff-test-net-$$

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	command -v ip >/dev/null && command -v nft >/dev/null || skip "needs iproute2 and nftables"
	skiff_setup_file
	ip netns add "$NETNS"
	ip netns exec "$NETNS" ip link set lo up
}

teardown_file() {
	ip netns del "$NETNS" 2>/dev/null || true
}

setup() {
	skiff_setup
	# a web root for busybox httpd
	mkdir -p "$BUNDLE/rootfs/www"
	echo "it works" | rootfs_write "$BUNDLE" www/index.html
}

teardown() {
	local id
	if [ -d "${ROOT:-}" ]; then
		for id in $(ls "$ROOT" | grep -v '^networks$'); do
			skn delete --force "$id" >/dev/null 2>&1 || true
		done
	fi
	skiff_teardown
	# networks made by this test
	for n in $(skn network ls 2>/dev/null | awk 'NR > 1 {print $1}'); do
		skn network rm "$n" >/dev/null 2>&1 || true
	done
}

# in_ns CMD...: CMD in the test's "host" namespace.
in_ns() { timeout 20 ip netns exec "$NETNS" "$@"; }
# skn ARGS...: skiff with this test's --root, in the test's "host" namespace.
skn() { timeout 20 ip netns exec "$NETNS" "$SKIFF" --root "$ROOT" "$@"; }

# net_annotations BUNDLE KEY=VALUE...: set org.skiff.net.KEY annotations.
net_annotations() {
	local b=$1 kv stmts=()
	shift
	for kv in "$@"; do
		stmts+=("c.setdefault('annotations', {})['org.skiff.net.${kv%%=*}'] = '${kv#*=}'")
	done
	cfg_set "$b" "${stmts[@]}"
}

# run_web ID [BUNDLE]: run -d a container serving $BUNDLE/rootfs/www on port 80.
run_web() {
	local id=$1 b=${2:-$BUNDLE}
	cfg_args "$b" sh -c "httpd -f -p 80 -h /www" "$MARK"
	skn run -d -b "$b" "$id" </dev/null >/dev/null
}

# run_sleeper ID [BUNDLE]
run_sleeper() {
	local id=$1 b=${2:-$BUNDLE}
	cfg_sh "$b" "$SLEEPER"
	skn run -d -b "$b" "$id" </dev/null >/dev/null
}

# http_get IP PORT: GET / from the "host" namespace (bash /dev/tcp, no curl).
http_get() {
	in_ns bash -c "exec 3<>/dev/tcp/$1/$2 && printf 'GET / HTTP/1.0\r\n\r\n' >&3 && timeout 5 cat <&3"
}

# addr_of ID: the org.skiff.net.address annotation of `skiff state`, no prefix.
addr_of() {
	skn state "$1" | json_get - 'j["annotations"]["org.skiff.net.address"]' | cut -d/ -f1
}

# no_net_leftovers ID: no veth, no nft chain, no lease of container ID.
no_net_leftovers() {
	local id=$1
	if in_ns ip -o link | grep -q ': sk[0-9a-f]\{11\}[@:]'; then
		echo "veth left behind:" >&2
		in_ns ip -o link >&2
		return 1
	fi
	if in_ns nft list ruleset | grep -q "skiff:$id\""; then
		echo "nft rules left behind" >&2
		in_ns nft list ruleset >&2
		return 1
	fi
	if grep -rqs "^lease $id " "$ROOT/networks"; then
		echo "lease left behind" >&2
		return 1
	fi
}

@test "net: none (default) is loopback only" {
	run_sleeper "$ID"
	run skn exec "$ID" cat /proc/net/dev
	[ "$status" -eq 0 ]
	assert_contains "$output" "lo:"
	[[ "$output" != *eth0* ]]
	skn delete --force "$ID"
}

@test "net: nat with a port forward, reachable from the host and via localhost" {
	net_annotations "$BUNDLE" mode=nat ports=18080:80/tcp dns=192.0.2.53
	run_web "$ID"
	addr=$(addr_of "$ID")
	[[ "$addr" == 10.89.0.* ]]
	run http_get "$addr" 80
	assert_contains "$output" "it works"
	run http_get 127.0.0.1 18080
	assert_contains "$output" "it works"
	run http_get 10.89.0.1 18080
	assert_contains "$output" "it works"
	# resolv.conf and hosts come from bind mounts, not the image
	run skn exec "$ID" cat /etc/resolv.conf
	assert_contains "$output" "nameserver 192.0.2.53"
	run skn exec "$ID" cat /etc/hosts
	assert_contains "$output" "$addr"
	[ ! -s "$BUNDLE/rootfs/etc/resolv.conf" ] || ! grep -q 192.0.2.53 "$BUNDLE/rootfs/etc/resolv.conf"
	# masquerade rule and forwarding
	run in_ns nft list table ip skiff
	assert_contains "$output" "masquerade"
	[ "$(in_ns cat /proc/sys/net/ipv4/ip_forward)" = 1 ]
	skn delete --force "$ID"
	no_net_leftovers "$ID"
}

@test "net: routed: the host reaches the container's own address, default route via the gateway" {
	net_annotations "$BUNDLE" mode=routed network=skr0 subnet=10.91.0.0/24
	run_web "$ID"
	[ "$(addr_of "$ID")" = 10.91.0.2 ]
	run http_get 10.91.0.2 80
	assert_contains "$output" "it works"
	run skn exec "$ID" cat /proc/net/route
	# default route (00000000) via 10.91.0.1 (0100 5B0A little-endian)
	assert_contains "$output" "00000000	01005B0A"
	run in_ns nft list table ip skiff
	[[ "$output" != *masquerade* ]]
	skn delete "$ID" --force
	no_net_leftovers "$ID"
}

@test "net: isolated: containers reach each other, the host reaches none" {
	net_annotations "$BUNDLE" mode=isolated network=ski0 subnet=10.92.0.0/24
	B2=$BATS_TEST_TMPDIR/bundle2
	make_bundle "$B2"
	mkdir -p "$B2/rootfs/www"
	echo "second" | rootfs_write "$B2" www/index.html
	cp "$BUNDLE/config.json" "$B2/config.json"
	run_web "$ID"
	run_web "$ID-b" "$B2"
	a2=$(addr_of "$ID-b")
	run skn exec "$ID" wget -qO- "http://$a2/"
	assert_contains "$output" "second"
	run in_ns ip -o addr show dev ski0
	[ -z "$output" ]
	run http_get "$a2" 80
	[[ "$output" != *second* ]]
	run skn exec "$ID" cat /proc/net/route
	[[ "$output" != *"00000000	"* ]] || ! echo "$output" | awk '$2 == "00000000"' | grep -q .
	skn delete --force "$ID"
	skn delete --force "$ID-b"
	no_net_leftovers "$ID"
	no_net_leftovers "$ID-b"
}

@test "net: bridged: static address on an existing bridge" {
	in_ns ip link add skbr0 type bridge
	in_ns ip addr add 192.168.210.1/24 dev skbr0
	in_ns ip link set skbr0 up
	net_annotations "$BUNDLE" mode=bridged bridge=skbr0 ip=192.168.210.20/24 gateway=192.168.210.1
	run_web "$ID"
	[ "$(addr_of "$ID")" = 192.168.210.20 ]
	run http_get 192.168.210.20 80
	assert_contains "$output" "it works"
	skn delete --force "$ID"
	no_net_leftovers "$ID"
	skn network rm skbr0
	in_ns ip link show skbr0 >/dev/null # the operator's bridge stays
}

@test "net: bad annotations fail before anything exists" {
	net_annotations "$BUNDLE" mode=nat ports=99999:80
	run skn create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "org.skiff.net.ports"
	assert_nothing_left "$ID"
	no_net_leftovers "$ID"

	net_annotations "$BUNDLE" mode=bridged bridge=nosuchbr0 ip=192.168.1.5/24 ports=
	cfg_set "$BUNDLE" "del c['annotations']['org.skiff.net.ports']"
	run skn create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "nosuchbr0"
	assert_nothing_left "$ID"
}

@test "net: a static address in use fails create and leaves nothing" {
	net_annotations "$BUNDLE" mode=nat network=sks0 subnet=10.93.0.0/24 ip=10.93.0.50
	run_sleeper "$ID"
	run skn create -b "$BUNDLE" "$ID-2"
	[ "$status" -ne 0 ]
	assert_contains "$output" "10.93.0.50"
	assert_contains "$output" "$ID"
	[ ! -e "$ROOT/$ID-2" ]
	no_net_leftovers "$ID-2"
	skn delete --force "$ID"
	no_net_leftovers "$ID"
}

@test "net: the netns given by path is left alone" {
	in_ns sleep 1000 &
	holder=$!
	sleep 0.2
	cfg_set "$BUNDLE" "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network'] + [{'type': 'network', 'path': '/proc/$holder/ns/net'}]"
	net_annotations "$BUNDLE" mode=nat
	run_sleeper "$ID"
	run skn state "$ID"
	[[ "$output" != *org.skiff.net.address* ]]
	! in_ns ip -o link | grep -q ': sk[0-9a-f]\{11\}[@:]'
	skn delete --force "$ID"
	kill "$holder"
	wait "$holder" 2>/dev/null || true
}

@test "net: 20 concurrent creates get 20 distinct addresses, all released on delete" {
	net_annotations "$BUNDLE" mode=nat network=skc0 subnet=10.94.0.0/24
	cfg_sh "$BUNDLE" "$SLEEPER"
	for i in $(seq 1 20); do
		skn create -b "$BUNDLE" "$ID-$i" </dev/null >/dev/null 2>&1 &
	done
	wait
	run skn network inspect skc0
	[ "$status" -eq 0 ]
	n=$(echo "$output" | json_get - 'len(j["leases"])')
	[ "$n" = 20 ]
	d=$(echo "$output" | json_get - 'len(set(l["ip"] for l in j["leases"]))')
	[ "$d" = 20 ]
	for i in $(seq 1 20); do skn delete --force "$ID-$i" & done
	wait
	run skn network inspect skc0
	[ "$(echo "$output" | json_get - 'len(j["leases"])')" = 0 ]
	for i in $(seq 1 20); do no_net_leftovers "$ID-$i"; done
}

@test "net: network ls / inspect / rm (refused while in use)" {
	net_annotations "$BUNDLE" mode=routed network=skl0 subnet=10.95.0.0/24
	run_sleeper "$ID"
	run skn network ls
	[ "$status" -eq 0 ]
	assert_contains "$output" "NAME"
	assert_contains "$output" "skl0"
	assert_contains "$output" "10.95.0.0/24"
	run skn network inspect skl0
	[ "$(echo "$output" | json_get - 'j["mode"]')" = routed ]
	[ "$(echo "$output" | json_get - 'j["gateway"]')" = 10.95.0.1 ]
	[ "$(echo "$output" | json_get - 'j["leases"][0]["id"]')" = "$ID" ]
	run skn network rm skl0
	[ "$status" -ne 0 ]
	assert_contains "$output" "in use"
	skn delete --force "$ID"
	skn network rm skl0
	! in_ns ip link show skl0 2>/dev/null
	run skn network inspect skl0
	[ "$status" -ne 0 ]
}

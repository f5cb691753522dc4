#!/usr/bin/env bats
# net.bats - built-in networking (org.skiff.net.*) through real containers.
#
# Every skiff command runs inside a private network namespace ($NETNS, one
# per test, made with `ip netns add`) that plays the host: bridges, veths,
# nft rules and ip_forward change there and vanish with it.  "Outside hosts"
# are further namespaces linked to that host by a veth pair (10.250.0.0/24)
# or plugged into an operator's bridge; no packet leaves these namespaces.
# Needs root, iproute2, nftables and python3.

bats_require_minimum_version 1.5.0
load helpers

# the outside network between the "host" and the outside namespaces
HOST_OUT=10.250.0.1
OUT_ADDR=10.250.0.2

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	command -v ip >/dev/null && command -v nft >/dev/null || skip "needs iproute2 and nftables"
	skiff_setup_file
	# what the machine's own network looks like, to compare at the end
	ip -o link | grep -c ': sk[0-9a-f]\{11\}[@:]' >"$BATS_FILE_TMPDIR/host-veths" || true
	nft list tables 2>/dev/null | grep -c 'table ip skiff$' >"$BATS_FILE_TMPDIR/host-table" || true
	cat /proc/sys/net/ipv4/ip_forward >"$BATS_FILE_TMPDIR/host-forward"
}

setup() {
	skiff_setup
	NETNS=skt-$BATS_ROOT_PID-$BATS_TEST_NUMBER
	OUTS=()
	ip netns add "$NETNS"
	ip -n "$NETNS" link set lo up
	# a web root for busybox httpd
	mkdir -p "$BUNDLE/rootfs/www"
	echo "it works" | rootfs_write "$BUNDLE" www/index.html
}

teardown() {
	local id ns
	if [ -d "${ROOT:-}" ]; then
		for id in $(ls "$ROOT" | grep -v '^networks$'); do
			skn delete --force "$id" >/dev/null 2>&1 || true
		done
	fi
	for n in $(skn network ls 2>/dev/null | awk 'NR > 1 {print $1}'); do
		skn network rm "$n" >/dev/null 2>&1 || true
	done
	skiff_teardown
	for ns in "$NETNS" "${OUTS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
}

# ns_exec NS CMD...: CMD in namespace NS.  nsenter, not `ip netns exec`:
# that one also remounts /sys, which hides the cgroup hierarchies.
ns_exec() {
	local ns=$1
	shift
	nsenter --net="/var/run/netns/$ns" "$@"
}
# in_ns CMD...: CMD in the test's "host" namespace.
in_ns() { ns_exec "$NETNS" timeout 20 "$@"; }
# skn ARGS...: skiff with this test's --root, in the test's "host" namespace.
skn() { ns_exec "$NETNS" timeout 60 "$SKIFF" --root "$ROOT" "$@"; }

# peer_ns NAME IF: a namespace NAME (deleted by teardown) with lo up and
# eth0, the peer of the host's veth IF.
peer_ns() {
	ip netns add "$1"
	OUTS+=("$1")
	ip -n "$1" link set lo up
	ip -n "$NETNS" link add "$2" type veth peer name eth0 netns "$1"
}

# outside_ns NAME: a namespace linked to the host by a veth pair, host side
# $HOST_OUT, its side $OUT_ADDR; NAME is deleted by teardown.
outside_ns() {
	peer_ns "$1" vout0
	ip -n "$NETNS" addr add "$HOST_OUT/24" dev vout0
	ip -n "$NETNS" link set vout0 up
	ip -n "$1" addr add "$OUT_ADDR/24" dev eth0
	ip -n "$1" link set eth0 up
}

# lan_ns NAME BRIDGE ADDR/PREFIX: a namespace plugged into BRIDGE of the host.
lan_ns() {
	peer_ns "$1" vlan0
	ip -n "$NETNS" link set vlan0 master "$2" up
	ip -n "$1" addr add "$3" dev eth0
	ip -n "$1" link set eth0 up
}

# serve_peer NS PORT: in NS, a TCP server answering "hello <client address>"
# to every client (it stops after 60 s, or when its namespace goes).
serve_peer() {
	local ready=$BATS_TEST_TMPDIR/serve-$1-$2
	(ns_exec "$1" timeout 60 python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(8)
s.settimeout(60)
open(sys.argv[2], "w").write("ready")
while True:
    c, a = s.accept()
    c.sendall(("hello %s\n" % a[0]).encode())
    c.close()
' "$2" "$ready" </dev/null >/dev/null 2>&1 &)
	wait_file "$ready"
}

# net_annotations BUNDLE KEY=VALUE...: set org.skiff.net.KEY annotations.
net_annotations() {
	local b=$1 kv stmts=()
	shift
	for kv in "$@"; do
		stmts+=("c.setdefault('annotations', {})['org.skiff.net.${kv%%=*}'] = '${kv#*=}'")
	done
	cfg_set "$b" "${stmts[@]}"
}

# with_net_raw BUNDLE: the process may ping (CAP_NET_RAW).
with_net_raw() {
	cfg_set "$1" "[c['process']['capabilities'][k].append('CAP_NET_RAW') for k in c['process']['capabilities']]"
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

# http_get_in NS IP PORT: GET / from namespace NS (bash /dev/tcp, no curl).
http_get_in() {
	ns_exec "$1" timeout 10 bash -c "exec 3<>/dev/tcp/$2/$3 && printf 'GET / HTTP/1.0\r\n\r\n' >&3 && timeout 5 cat <&3"
}
# http_get IP PORT: from the "host" namespace.
http_get() { http_get_in "$NETNS" "$@"; }

# addr_of ID: the org.skiff.net.address annotation of `skiff state`, no prefix.
addr_of() {
	skn state "$1" | json_get - 'j["annotations"]["org.skiff.net.address"]' | cut -d/ -f1
}

# no_net_leftovers ID: no veth, no nft rule or chain, no lease of container ID.
no_net_leftovers() {
	local id=$1
	if in_ns ip -o link | grep -q ': sk[0-9a-f]\{11\}[@:]'; then
		echo "veth left behind:" >&2
		in_ns ip -o link >&2
		return 1
	fi
	if in_ns nft list ruleset | grep -q -e "skiff:$id\"" -e 'chain c-'; then
		echo "nft rules left behind" >&2
		in_ns nft list ruleset >&2
		return 1
	fi
	if grep -rqs "^lease $id " "$ROOT/networks"; then
		echo "lease left behind" >&2
		return 1
	fi
}

# nothing_of_skiff: no skiff link, table or lease in the "host" at all.
nothing_of_skiff() {
	local links
	links=$(in_ns ip -o link | grep -v ': lo:' | grep -v -e ': vout0@' -e ': vlan0@' || true)
	if [ -n "$links" ]; then
		echo "links left: $links" >&2
		return 1
	fi
	if in_ns nft list ruleset | grep -q skiff; then
		echo "nft left:" >&2
		in_ns nft list ruleset >&2
		return 1
	fi
	if grep -rqsE '^lease |"leases":\[\{' "$ROOT/networks"; then
		echo "leases left: $(cat "$ROOT"/networks/*/network)" >&2
		return 1
	fi
}

# no_cgroup ID: no cgroup of container ID (v1 memory hierarchy or v2).
# delete_all ID NETWORK: delete --force ID, remove NETWORK: nothing of
# either is left.
delete_all() {
	skn delete --force "$1"
	no_net_leftovers "$1"
	skn network rm "$2"
	nothing_of_skiff
}

# outside_routed SUBNET: the outside host ($NETNS-o, answering on port
# 7000) with a route to SUBNET through this host.
outside_routed() {
	outside_ns "$NETNS-o"
	ip -n "$NETNS-o" route add "$1" via "$HOST_OUT"
	serve_peer "$NETNS-o" 7000
}

no_cgroup() {
	local d
	for d in /sys/fs/cgroup/memory/skiff /sys/fs/cgroup/skiff /sys/fs/cgroup/unified/skiff; do
		if [ -e "$d/$1" ]; then
			echo "cgroup $d/$1 left behind" >&2
			return 1
		fi
	done
}

@test "net: none (default) is loopback only" {
	run_sleeper "$ID"
	run skn exec "$ID" cat /proc/net/dev
	[ "$status" -eq 0 ]
	assert_contains "$output" "lo:"
	[[ "$output" != *eth0* ]]
	skn delete --force "$ID"
}

@test "net: nat: out through masquerade, in through a host port forward, hairpin" {
	outside_ns "$NETNS-o"
	serve_peer "$NETNS-o" 7000
	net_annotations "$BUNDLE" mode=nat ports=18080:80/tcp dns=192.0.2.53
	run_web "$ID"
	addr=$(addr_of "$ID")
	[[ "$addr" == 10.89.0.* ]]
	# the container reaches the outside; the outside sees the host's address
	run skn exec "$ID" nc -w 5 "$OUT_ADDR" 7000
	assert_eq "$output" "hello $HOST_OUT"
	# an outside client reaches the container through the host's port
	run http_get_in "$NETNS-o" "$HOST_OUT" 18080
	assert_contains "$output" "it works"
	# the outside has no route to the container's own address
	run http_get_in "$NETNS-o" "$addr" 80
	[[ "$output" != *"it works"* ]]
	# the host itself: directly, via localhost, via its own addresses (hairpin)
	run http_get "$addr" 80
	assert_contains "$output" "it works"
	run http_get 127.0.0.1 18080
	assert_contains "$output" "it works"
	run http_get 10.89.0.1 18080
	assert_contains "$output" "it works"
	run http_get "$HOST_OUT" 18080
	assert_contains "$output" "it works"
	# resolv.conf and hosts come from bind mounts, not the image
	run skn exec "$ID" cat /etc/resolv.conf
	assert_contains "$output" "nameserver 192.0.2.53"
	run skn exec "$ID" cat /etc/hosts
	assert_contains "$output" "$addr"
	run ! grep -q 192.0.2.53 "$BUNDLE/rootfs/etc/resolv.conf"
	run in_ns nft list table ip skiff
	assert_contains "$output" "masquerade"
	[ "$(in_ns cat /proc/sys/net/ipv4/ip_forward)" = 1 ]
	# delete --force of the running container tears its network down
	delete_all "$ID" skiff0
}

@test "net: routed: an outside host with a route reaches the container's own address" {
	outside_routed 10.91.0.0/24
	net_annotations "$BUNDLE" mode=routed network=skr0 subnet=10.91.0.0/24
	run_web "$ID"
	[ "$(addr_of "$ID")" = 10.91.0.2 ]
	run http_get_in "$NETNS-o" 10.91.0.2 80
	assert_contains "$output" "it works"
	# no masquerade: the outside sees the container's own address
	run skn exec "$ID" nc -w 5 "$OUT_ADDR" 7000
	assert_eq "$output" "hello 10.91.0.2"
	run http_get 10.91.0.2 80
	assert_contains "$output" "it works"
	run skn exec "$ID" cat /proc/net/route
	# default route (00000000) via 10.91.0.1 (0100 5B0A little-endian)
	assert_contains "$output" "00000000	01005B0A"
	run in_ns nft list table ip skiff
	[[ "$output" != *masquerade* ]]
	delete_all "$ID" skr0
}

@test "net: isolated: containers ping each other, reach neither the host nor the outside" {
	outside_routed 10.92.0.0/24
	net_annotations "$BUNDLE" mode=isolated network=ski0 subnet=10.92.0.0/24
	with_net_raw "$BUNDLE"
	B2=$BATS_TEST_TMPDIR/bundle2
	make_bundle "$B2"
	mkdir -p "$B2/rootfs/www"
	echo "second" | rootfs_write "$B2" www/index.html
	cp "$BUNDLE/config.json" "$B2/config.json"
	run_web "$ID"
	run_web "$ID-b" "$B2"
	a1=$(addr_of "$ID")
	a2=$(addr_of "$ID-b")
	[ "$a1" != "$a2" ]
	run skn exec "$ID" ping -c 1 -W 3 "$a2"
	[ "$status" -eq 0 ]
	run skn exec "$ID-b" ping -c 1 -W 3 "$a1"
	[ "$status" -eq 0 ]
	run skn exec "$ID" wget -qO- "http://$a2/"
	assert_contains "$output" "second"
	# the host has no address on the bridge and reaches no container
	run in_ns ip -o addr show dev ski0
	[ -z "$output" ]
	run http_get "$a2" 80
	[[ "$output" != *second* ]]
	# neither reaches the host nor the outside (no default route, nft drops)
	run skn exec "$ID" cat /proc/net/route
	[ "$status" -eq 0 ]
	[ -z "$(echo "$output" | awk '$2 == "00000000"')" ]
	run skn exec "$ID" ping -c 1 -W 2 "$HOST_OUT"
	[ "$status" -ne 0 ]
	run skn exec "$ID" nc -w 3 "$OUT_ADDR" 7000
	[[ "$output" != *hello* ]]
	# the outside, even with a route through the host, reaches no container
	run http_get_in "$NETNS-o" "$a1" 80
	[[ "$output" != *"it works"* ]]
	skn delete --force "$ID"
	skn delete --force "$ID-b"
	no_net_leftovers "$ID"
	no_net_leftovers "$ID-b"
	skn network rm ski0
	nothing_of_skiff
}

@test "net: bridged: a static address on an operator's bridge talks to a host on it" {
	in_ns ip link add skbr0 type bridge
	in_ns ip addr add 192.168.210.1/24 dev skbr0
	in_ns ip link set skbr0 up
	lan_ns "$NETNS-l" skbr0 192.168.210.30/24
	serve_peer "$NETNS-l" 7000
	net_annotations "$BUNDLE" mode=bridged bridge=skbr0 ip=192.168.210.20/24 gateway=192.168.210.1
	run_web "$ID"
	[ "$(addr_of "$ID")" = 192.168.210.20 ]
	run skn exec "$ID" nc -w 5 192.168.210.30 7000
	assert_eq "$output" "hello 192.168.210.20"
	run http_get_in "$NETNS-l" 192.168.210.20 80
	assert_contains "$output" "it works"
	run http_get 192.168.210.20 80
	assert_contains "$output" "it works"
	run skn exec "$ID" cat /proc/net/route
	assert_contains "$output" "00000000	01D2A8C0" # default via 192.168.210.1
	skn delete --force "$ID"
	no_net_leftovers "$ID"
	skn network rm skbr0
	in_ns ip link show skbr0 >/dev/null # the operator's bridge stays
}

# bad_create WORD KEY=VALUE...: create with these annotations fails naming
# WORD, and leaves no state, process, mount, veth, lease, nft rule or cgroup.
bad_create() {
	local word=$1
	shift
	make_bundle "$BATS_TEST_TMPDIR/bad"
	cfg_sh "$BATS_TEST_TMPDIR/bad" "$SLEEPER"
	net_annotations "$BATS_TEST_TMPDIR/bad" "$@"
	run skn create -b "$BATS_TEST_TMPDIR/bad" "$ID"
	[ "$status" -ne 0 ] || { echo "create with $* succeeded" >&2; return 1; }
	assert_contains "$output" "$word"
	[ "$(printf '%s\n' "$output" | grep -c .)" -eq 1 ] || { echo "not one line: $output" >&2; return 1; }
	assert_nothing_left "$ID" "$BATS_TEST_TMPDIR/bad"
	no_net_leftovers "$ID"
	nothing_of_skiff
	no_cgroup "$ID"
	rm -rf "$BATS_TEST_TMPDIR/bad"
}

@test "net: bad input fails create with a clear error and leaves nothing" {
	bad_create "org.skiff.net.subnet" mode=nat network=skb0 subnet=10.96.0.0/33
	bad_create "org.skiff.net.subnet" mode=nat network=skb0 subnet=10.96.0/24
	bad_create "org.skiff.net.ip" mode=nat network=skb0 subnet=10.96.0.0/24 ip=10.97.0.5
	bad_create "org.skiff.net.ports" mode=nat ports=99999:80
	bad_create "org.skiff.net.ports" mode=nat ports=8080:0
	bad_create "org.skiff.net.mode" mode=bogus
	bad_create "nosuchbr0" mode=bridged bridge=nosuchbr0 ip=192.168.1.5/24
	bad_create "org.skiff.net.bridge" mode=bridged ip=192.168.1.5/24
}

@test "net: a static address in use fails create and leaves nothing" {
	net_annotations "$BUNDLE" mode=nat network=sks0 subnet=10.93.0.0/24 ip=10.93.0.50
	run_sleeper "$ID"
	run skn create -b "$BUNDLE" "$ID-2"
	[ "$status" -ne 0 ]
	assert_contains "$output" "10.93.0.50"
	assert_contains "$output" "$ID"
	[ ! -e "$ROOT/$ID-2" ]
	no_cgroup "$ID-2"
	run ! grep -rqs "^lease $ID-2 " "$ROOT/networks"
	skn delete --force "$ID"
	no_net_leftovers "$ID"
}

@test "net: a create that fails after the network is up tears it down" {
	hook=$(host_script failhook 'exit 1')
	net_annotations "$BUNDLE" mode=nat network=skh0 subnet=10.97.0.0/24 ports=18081:80
	add_hook "$BUNDLE" createRuntime "{\"path\": \"$hook\"}"
	cfg_sh "$BUNDLE" "$SLEEPER"
	run skn create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "createRuntime"
	assert_nothing_left "$ID"
	no_net_leftovers "$ID"
	no_cgroup "$ID"
	run skn network inspect skh0
	[ "$(echo "$output" | json_get - 'len(j["leases"])')" = 0 ]
	skn network rm skh0
	nothing_of_skiff
}

@test "net: the netns given by path is left alone" {
	# the container joins the "host" namespace itself, by path
	cfg_set "$BUNDLE" "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network'] + [{'type': 'network', 'path': '/var/run/netns/$NETNS'}]"
	net_annotations "$BUNDLE" mode=nat
	run_sleeper "$ID"
	run skn state "$ID"
	[[ "$output" != *org.skiff.net.address* ]]
	nothing_of_skiff
	skn delete --force "$ID"
}

@test "net: 20 concurrent creates get 20 distinct addresses, nothing left after delete and rm" {
	net_annotations "$BUNDLE" mode=nat network=skc0 subnet=10.94.0.0/24 ports=18090:80
	cfg_sh "$BUNDLE" "$SLEEPER"
	# one container with a port forward, 20 without (host ports are exclusive)
	skn create -b "$BUNDLE" "$ID-0" </dev/null >/dev/null 2>&1
	cfg_set "$BUNDLE" "del c['annotations']['org.skiff.net.ports']"
	for i in $(seq 1 20); do
		skn create -b "$BUNDLE" "$ID-$i" </dev/null >"$BATS_TEST_TMPDIR/create-$i.log" 2>&1 &
	done
	wait
	for i in $(seq 1 20); do
		[ -d "$ROOT/$ID-$i" ] || { cat "$BATS_TEST_TMPDIR/create-$i.log" >&2; false; }
	done
	run skn network inspect skc0
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | json_get - 'len(j["leases"])')" = 21 ]
	[ "$(echo "$output" | json_get - 'len(set(l["ip"] for l in j["leases"]))')" = 21 ]
	[ "$(in_ns ip -o link | grep -c ': sk[0-9a-f]\{11\}@')" = 21 ]
	for i in $(seq 0 20); do skn delete --force "$ID-$i" & done
	wait
	for i in $(seq 0 20); do [ ! -e "$ROOT/$ID-$i" ]; done
	run skn network inspect skc0
	[ "$(echo "$output" | json_get - 'len(j["leases"])')" = 0 ]
	for i in $(seq 0 20); do no_net_leftovers "$ID-$i"; done
	run in_ns ip -o link
	[ "$status" -eq 0 ]
	run ! grep -q ': sk[0-9a-f]\{11\}' <<<"$output"
	run in_ns nft list ruleset
	[ "$status" -eq 0 ]
	run ! grep -q -e 'chain c-' -e 'skiff:' <<<"$output"
	run ! grep -rqs '^lease ' "$ROOT/networks"
	skn network rm skc0
	run in_ns ip -o link
	[[ "$output" != *skc0* ]]
	run in_ns nft list ruleset
	[[ "$output" != *skiff* ]]
	nothing_of_skiff
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
	run ! in_ns ip link show skl0
	run skn network inspect skl0
	[ "$status" -ne 0 ]
	nothing_of_skiff
}

@test "net: the machine's own network is untouched" {
	run ip -o link
	[ "$(echo "$output" | grep -c ': sk[0-9a-f]\{11\}[@:]' || true)" = "$(cat "$BATS_FILE_TMPDIR/host-veths")" ]
	[ "$(nft list tables 2>/dev/null | grep -c 'table ip skiff$' || true)" = "$(cat "$BATS_FILE_TMPDIR/host-table")" ]
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$(cat "$BATS_FILE_TMPDIR/host-forward")" ]
	# every test's namespaces are gone (this test's own is still there)
	[ -z "$(ip netns list | awk '{print $1}' | grep "^skt-$BATS_ROOT_PID-" | grep -v "^$NETNS$")" ]
}

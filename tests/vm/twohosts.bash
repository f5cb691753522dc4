# tests/vm/twohosts.bash - two "hosts" inside the test VM for migration
# (tests/vm/migrate.bats, tests/bench/migrate.sh): a network namespace
# joined to the VM's by a veth pair.

# two_hosts_up NS HOSTIF PEERIF NET: namespace NS, veth HOSTIF (NET.1/24,
# here) <-> PEERIF (NET.2/24, in NS, with lo up); fails unless NET.2
# answers a ping.
two_hosts_up() {
	local ns=$1 hif=$2 pif=$3 net=$4
	ip netns add "$ns" &&
		ip link add "$hif" type veth peer name "$pif" &&
		ip link set "$pif" netns "$ns" &&
		ip addr add "$net.1/24" dev "$hif" &&
		ip link set "$hif" up &&
		ip netns exec "$ns" ip addr add "$net.2/24" dev "$pif" &&
		ip netns exec "$ns" ip link set "$pif" up &&
		ip netns exec "$ns" ip link set lo up &&
		ping -c1 -W5 "$net.2" >/dev/null
}

# two_hosts_down NS HOSTIF: remove them (what is missing is fine)
two_hosts_down() {
	ip link del "$2" 2>/dev/null
	ip netns del "$1" 2>/dev/null
	return 0
}

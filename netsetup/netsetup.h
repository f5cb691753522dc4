/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * netsetup.h - the one header of netsetup/: skiff's built-in container
 * networking (isolated, routed, nat and bridged networks over a Linux
 * bridge, veth pairs, IPAM and nftables rules).
 *
 * Networking is opt-in per bundle with annotations and only applies when
 * the container gets a NEW network namespace:
 *
 *   org.skiff.net.mode     none (default) | isolated | routed | nat | bridged
 *   org.skiff.net.network  network name (default "skiff0"; bridged: the bridge)
 *   org.skiff.net.subnet   CIDR (default 10.89.0.0/24 for "skiff0")
 *   org.skiff.net.ip       static address ("10.89.0.7" or "10.89.0.7/24")
 *   org.skiff.net.gateway  bridged only: the physical network's router
 *   org.skiff.net.ports    nat only: "8080:80/tcp,5353:53/udp,9000-9002:9000-9002"
 *   org.skiff.net.bridge   bridged only: existing bridge to join (required)
 *   org.skiff.net.dns      comma-separated nameservers for /etc/resolv.conf
 *
 * Lifecycle, as the runtime calls it:
 *
 *   sk_net_prepare()   parse + validate, before any process exists
 *   sk_net_reserve()   lease an address, write resolv.conf/hosts into the
 *                      state dir; sk_net_mounts() then lists the binds
 *   ... clone the container init (new netns) ...
 *   sk_net_setup()     bridge, veth, addresses, routes, nftables rules
 *   sk_net_serialize() saved in the container state; sk_net_load() at delete
 *   sk_net_teardown()  idempotent: no veth, nft chain or lease left
 *
 * State: <state_root>/networks/<name>/network (one text file per network,
 * leases included), changed under flock(<state_root>/networks/.lock).
 */
#ifndef SKIFF_NETSETUP_H
#define SKIFF_NETSETUP_H

#include "../oci/oci.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* ----------------------------------------------------------- public API */

struct sk_net; /* opaque */

/* Parse and validate the org.skiff.net.* annotations of @cfg for container
 * @id (mode, subnet, ip inside subnet, ports, bridge exists and is a bridge
 * for bridged, dns addresses, compatibility with an existing network of the
 * same name).  Touches nothing.  *out is NULL (and 0 returned) when the
 * mode is none or when the network namespace is joined by path (someone
 * else owns the network).  @log must outlive the returned object. */
__must_check int sk_net_prepare(const struct sk_log *log, const char *state_root, const char *id,
				const struct oci_config *cfg, struct sk_net **out, struct sk_err *e);

/* Take the lease (creating the network record on first use, reclaiming
 * stale leases) and write resolv.conf / hosts into @state_dir, which must
 * be <state_root>/<id> and exist.  Before the container init is created.
 * On failure nothing is left (the lease is released). */
__must_check int sk_net_reserve(struct sk_net *n, const char *state_dir, struct sk_err *e);

/* Bind mounts to add to the container's mounts (destination /etc/hosts,
 * and /etc/resolv.conf when there is something to put in it), sources in
 * the state dir.  Valid after sk_net_reserve(); owned by @n. */
const struct oci_mount *sk_net_mounts(const struct sk_net *n, size_t *count);

/* After the container init exists (netns /proc/<init_pid>/ns/net): bridge
 * (created on first use), veth pair (host end sk<hash>, container end eth0
 * created directly in the container netns), addresses, default route
 * (routed, nat, bridged with gateway), forwarding sysctls, nftables
 * chains.  On failure, the links and rules it made are undone (the lease
 * stays until sk_net_teardown()).  @state_dir may be NULL when reserve got
 * it. */
__must_check int sk_net_setup(struct sk_net *n, pid_t init_pid, const char *state_dir,
			      struct sk_err *e);

/* Bring lo up in the caller's network namespace (a new one: as runc and
 * crun do). */
__must_check int sk_net_loopback_up(struct sk_err *e);
/* Does the network namespace @nsfd hold nothing but its loopback: lo
 * alone, down without an address (SK_NET_PLAIN_LO_DOWN) or up with at
 * most its two loopback addresses (SK_NET_PLAIN_LO_UP)? */
enum sk_net_plain { SK_NET_PLAIN_NO, SK_NET_PLAIN_LO_DOWN, SK_NET_PLAIN_LO_UP };
__must_check int sk_net_ns_plain(int nsfd, enum sk_net_plain *out, struct sk_err *e);

/* The same for a network namespace given as a descriptor (restore: a
 * fresh namespace that criu then restores the container into). */
__must_check int sk_net_setup_ns(struct sk_net *n, int nsfd, struct sk_err *e);

/* Before sk_net_reserve(): lease @address ("10.89.0.2" or "10.89.0.2/24",
 * a checkpointed container's) when it is free, else allocate as usual.
 * Ignored when the config asks for a static address. */
__must_check int sk_net_prefer_address(struct sk_net *n, const char *address, struct sk_err *e);

/* A self-contained text (key=value lines) to keep in the container state. */
char *sk_net_serialize(const struct sk_net *n);
/* Rebuild from sk_net_serialize() output (for teardown at delete, and
 * checkpoint: sk_net_mounts() then lists the binds the container has). */
__must_check int sk_net_load(const struct sk_log *log, const char *state_root,
			     const char *serialized, struct sk_net **out, struct sk_err *e);

/* Remove the container's nft chains, host veth and lease.  Idempotent: safe
 * twice, after a partial setup or after a reserve alone.  Every step is
 * tried; the first error is reported.  The bridge is kept. */
__must_check int sk_net_teardown(struct sk_net *n, struct sk_err *e);

/* "10.89.0.2/24" (for the org.skiff.net.address state annotation); NULL
 * before sk_net_reserve(). */
const char *sk_net_address(const struct sk_net *n);
void sk_net_free(struct sk_net *n);
static inline void sk_net_freep(struct sk_net **n)
{
	if (*n)
		sk_net_free(*n);
}
#define _cleanup_net_ _cleanup_(sk_net_freep)

/* `skiff network ls | inspect NAME | rm NAME`; argv[0] is the subcommand.
 * Output on stdout. */
__must_check int sk_net_cli(const struct sk_log *log, const char *root, int argc, char **argv,
			    struct sk_err *e);

#endif

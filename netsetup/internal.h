/* SPDX-License-Identifier: GPL-2.0-or-later */
/* internal.h - what the files of netsetup/ share with each other (and unit
 * tests); other folders include only netsetup.h. */
#ifndef SKIFF_NETSETUP_INTERNAL_H
#define SKIFF_NETSETUP_INTERNAL_H

#include "netsetup.h"

/* ----------------------------------------------------------- public API */

/* ------------------------------------------------- internals (unit tests)
 * Pure logic exposed for tests/unit/test_netcfg.c and test_ipam.c. */

enum sk_net_mode {
	SK_NET_NONE,
	SK_NET_ISOLATED,
	SK_NET_ROUTED,
	SK_NET_NAT,
	SK_NET_BRIDGED,
};
const char *sk_net_mode_name(enum sk_net_mode m);
int sk_net_mode_parse(const char *s, enum sk_net_mode *out);

#define SK_NET_DEFAULT_NAME "skiff0"
#define SK_NET_DEFAULT_SUBNET "10.89.0.0/24"
#define SK_IFNAMSIZ 16 /* IFNAMSIZ, NUL included */

/* IPv4 addresses are kept in host byte order. */
struct sk_cidr {
	uint32_t addr;
	unsigned prefix; /* 0..32 */
};
/* "a.b.c.d/n" (strict dotted quad, n 0..32).  @need_prefix false also
 * accepts a bare address (prefix 32). */
int sk_cidr_parse(const char *s, bool need_prefix, struct sk_cidr *out);
int sk_ip4_parse(const char *s, uint32_t *out);
/* Text of @a into @buf (at least 16 bytes). */
char *sk_ip4_str(uint32_t a, char *buf);
uint32_t sk_cidr_mask(unsigned prefix);
static inline uint32_t sk_cidr_network(const struct sk_cidr *c)
{
	return c->addr & sk_cidr_mask(c->prefix);
}
static inline uint32_t sk_cidr_broadcast(const struct sk_cidr *c)
{
	return sk_cidr_network(c) | ~sk_cidr_mask(c->prefix);
}
static inline bool sk_cidr_contains(const struct sk_cidr *c, uint32_t a)
{
	return (a & sk_cidr_mask(c->prefix)) == sk_cidr_network(c);
}
bool sk_cidr_overlap(const struct sk_cidr *a, const struct sk_cidr *b);

enum sk_proto { SK_PROTO_TCP, SK_PROTO_UDP };
struct sk_port {
	uint16_t host, container;
	enum sk_proto proto;
};
#define SK_NET_MAX_PORTS 1024
/* "8080:80/tcp,5353:53/udp,80,9000-9009:8000-8009/udp" (ranges expanded;
 * a bare "80" means 80:80; protocol default tcp).  Duplicate host
 * port+protocol is an error. */
__must_check int sk_ports_parse(const char *s, struct sk_port **out, size_t *n, struct sk_err *e);
/* Canonical text "8080:80/tcp,..." (malloc'ed; "" when n == 0). */
char *sk_ports_str(const struct sk_port *p, size_t n);

/* Names: network/bridge names [A-Za-z0-9_.-], 1..15 chars, not "." / "..";
 * container IDs [A-Za-z0-9_.+-], 1..1024 chars. */
bool sk_net_name_valid(const char *name);
bool sk_net_id_valid(const char *id);
/* Host veth name "sk" + 11 hex chars of a hash of @id; @buf >= 16 bytes. */
char *sk_net_ifname(const char *id, char *buf);
/* The 11 hex chars alone (nft chain prefix); @buf >= 12 bytes. */
char *sk_net_hash(const char *id, char *buf);

/* The annotations, parsed and checked syntactically (no system access). */
struct sk_netcfg {
	enum sk_net_mode mode;
	char network[SK_IFNAMSIZ];
	bool has_subnet;       /* given (subnet, or ip with a prefix) */
	struct sk_cidr subnet; /* normalized network address */
	uint32_t ip;	       /* 0: allocate */
	uint32_t gateway;      /* bridged: optional router; 0: none */
	char bridge[SK_IFNAMSIZ];
	struct sk_port *ports;
	size_t n_ports;
	char **dns; /* NULL-terminated, may be NULL */
};
__must_check int sk_netcfg_parse(const struct oci_kv *ann, size_t n_ann, struct sk_netcfg *out,
				 struct sk_err *e);
void sk_netcfg_clear(struct sk_netcfg *c);

/* -------------------------------------------------------------- IPAM */

struct sk_lease {
	char *id;
	uint32_t ip;
	char *ports; /* canonical sk_ports_str() text, "" when none */
};

struct sk_ipam_net {
	char name[SK_IFNAMSIZ];
	enum sk_net_mode mode;
	struct sk_cidr subnet;
	uint32_t gateway; /* 0: none (isolated; bridged without router) */
	char bridge[SK_IFNAMSIZ];
	bool owned; /* skiff created the bridge: rm deletes it */
	struct sk_lease *leases;
	size_t n_leases;
};

/* Take the store lock (mkdir -p <root>/networks; flock LOCK_EX). */
__must_check int sk_ipam_lock(const char *root, int *fd, struct sk_err *e);
/* -ENOENT (with message) when the network has no record. */
__must_check int sk_ipam_load(const char *root, const char *name, struct sk_ipam_net **out,
			      struct sk_err *e);
__must_check int sk_ipam_save(const char *root, const struct sk_ipam_net *n, struct sk_err *e);
/* Delete the network's record directory. */
__must_check int sk_ipam_remove(const char *root, const char *name, struct sk_err *e);
/* Names of all networks with a record (sorted). */
__must_check int sk_ipam_list(const char *root, char ***names, struct sk_err *e);
/* Parse / format the record text. */
__must_check int sk_ipam_parse(const char *text, struct sk_ipam_net **out, struct sk_err *e);
char *sk_ipam_format(const struct sk_ipam_net *n);
struct sk_ipam_net *sk_ipam_new(const char *name, enum sk_net_mode mode, const struct sk_cidr *subnet,
				uint32_t gateway, const char *bridge, bool owned);
/* Lease an address to @id (any lease @id already held is replaced).
 * @want 0: the lowest free address; else that address (error when outside
 * the subnet, the network/broadcast/gateway address, or leased). */
__must_check int sk_ipam_alloc(struct sk_ipam_net *n, const char *id, uint32_t want,
			       const char *ports, uint32_t *got, struct sk_err *e);
/* Drop @id's lease; false when it had none. */
bool sk_ipam_release(struct sk_ipam_net *n, const char *id);
const struct sk_lease *sk_ipam_find(const struct sk_ipam_net *n, const char *id);
/* Drop leases whose container state dir <state_root>/<id> is gone; their
 * IDs are appended to *ids (may be NULL).  Returns how many. */
size_t sk_ipam_reclaim(struct sk_ipam_net *n, const char *state_root, char ***ids);
void sk_ipam_free(struct sk_ipam_net *n);
static inline void sk_ipam_freep(struct sk_ipam_net **n)
{
	if (*n)
		sk_ipam_free(*n);
}
#define _cleanup_ipam_ _cleanup_(sk_ipam_freep)

/* ------------------------------------------------------------ netlink */

struct sk_nl; /* an rtnetlink socket of the caller's netns */
struct sk_nl_link {
	int ifindex;
	int master; /* ifindex of the bridge it is enslaved to, or 0 */
	bool up;
	unsigned mtu;
	char kind[32]; /* "bridge", "veth", "" for physical */
};
/* Every receive waits at most SK_NL_TIMEOUT_S seconds (SO_RCVTIMEO): the
 * kernel answers an rtnetlink request while it is sent, so no answer means
 * a lost one, reported as -ETIMEDOUT, never a hang. */
#define SK_NL_TIMEOUT_S 5
__must_check int sk_nl_open(struct sk_nl **out, struct sk_err *e);
void sk_nl_close(struct sk_nl *nl);
static inline void sk_nl_closep(struct sk_nl **nl)
{
	if (*nl)
		sk_nl_close(*nl);
}
#define _cleanup_nl_ _cleanup_(sk_nl_closep)
/* Fill @e with "@fmt: strerror(-r)", or "@fmt: netlink: no answer from the
 * kernel for RTM_xxx in 5 s" when @r is the -ETIMEDOUT of a lost answer on
 * @nl.  Returns @r as -errno. */
__must_check int sk_nl_err(const struct sk_nl *nl, struct sk_err *e, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* -ENODEV when there is no such link (no message set). */
int sk_nl_link_get(struct sk_nl *nl, const char *name, struct sk_nl_link *l);
__must_check int sk_nl_bridge_add(struct sk_nl *nl, const char *name, struct sk_err *e);
/* veth @name with peer @peer created directly in netns @peer_netns_fd
 * (-1: the same netns); @mtu 0: the default. */
__must_check int sk_nl_veth_add(struct sk_nl *nl, const char *name, const char *peer,
				int peer_netns_fd, unsigned mtu, struct sk_err *e);
__must_check int sk_nl_link_set(struct sk_nl *nl, int ifindex, bool up, int master, struct sk_err *e);
/* No IPv6 link-local address on the link (best effort, -errno). */
int sk_nl_link_no_ipv6(struct sk_nl *nl, int ifindex);
/* Missing is fine. */
__must_check int sk_nl_link_del(struct sk_nl *nl, const char *name, struct sk_err *e);
/* Already there is fine. */
__must_check int sk_nl_addr_add(struct sk_nl *nl, int ifindex, uint32_t addr, unsigned prefix,
				struct sk_err *e);
/* IPv4 addresses on the link (a dump; asked again when it races with a
 * change). */
int sk_nl_addr_count(struct sk_nl *nl, int ifindex, size_t *count);
/* Links and addresses (every family) of the namespace. */
int sk_nl_census(struct sk_nl *nl, size_t *links, size_t *addrs);
__must_check int sk_nl_route_default(struct sk_nl *nl, int ifindex, uint32_t gw, struct sk_err *e);

/* ----------------------------------------------------------- nftables */

#define SK_NFT_TABLE "skiff"

struct sk_nft_rules {
	const char *id;
	const char *hash; /* sk_net_hash(id) */
	enum sk_net_mode mode;
	const char *bridge;
	struct sk_cidr subnet;
	uint32_t ip;
	const struct sk_port *ports;
	size_t n_ports;
};
/* The container's chains as one nft script (replacing leftovers of the
 * same hash); NULL when the mode needs no rules (bridged). */
char *sk_nft_container_script(const struct sk_nft_rules *r);
char *sk_nft_delete_script(const char *hash);
/* Run @script as one transaction (`nft -f -`, nft_cli.c); on failure the
 * first line of nft's error. */
__must_check int sk_nft_run(const char *script, struct sk_err *e);
bool sk_nft_table_exists(void);
/* Delete the container's chains; nothing there is fine. */
__must_check int sk_nft_container_delete(const char *hash, struct sk_err *e);
/* Delete table ip skiff; missing is fine. */
__must_check int sk_nft_table_delete(struct sk_err *e);

/* -------------------------------------------------------------- files */

/* resolv.conf text: @dns when given, else the host's text (@host, may be
 * NULL) without loopback nameservers; NULL when no nameserver is left. */
char *sk_net_resolv_text(char *const *dns, const char *host);
char *sk_net_hosts_text(const char *name, uint32_t ip);

/* ------------------------------------------------------- struct sk_net
 * Shared by the files of netsetup/; other folders see it opaque. */
struct sk_net {
	const struct sk_log *log;
	char *state_root;
	char *id;
	char *hostname;	 /* name in /etc/hosts (hostname or ID) */
	char *state_dir; /* set by sk_net_reserve() */
	struct sk_netcfg cfg;
	char hash[12];
	char ifname[SK_IFNAMSIZ];
	/* resolved by sk_net_reserve() */
	bool reserved;
	struct sk_cidr subnet;
	uint32_t ip, gateway;
	uint32_t prefer; /* sk_net_prefer_address(); 0: none */
	char bridge[SK_IFNAMSIZ];
	char address[24];
	struct oci_mount mounts[2];
	size_t n_mounts;
};
/* reserve.c: release @n's lease (lock, load, drop, save). */
__must_check int sk_net_release_lease(struct sk_net *n, struct sk_err *e);
/* reserve.c: the binds of the files in @n's state dir, after a load. */
void sk_net_load_mounts(struct sk_net *n);
/* setup.c: remove nft chains and host veth of container @id. */
__must_check int sk_net_unplug(const char *id, struct sk_err *e);

const char *sk_net_mode_str(const struct sk_net *n);

#endif

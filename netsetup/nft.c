/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft.c - skiff's nftables rules: table "ip skiff", with one set of base
 * chains per container named c-<hash>-<kind>, so a container's rules go
 * away by deleting its chains (no handles to track, no jump rules).
 *
 *   dnat  nat prerouting dstnat   port forwards (nat)
 *   out   nat output -100         port forwards from the host itself
 *   snat  nat postrouting srcnat  masquerade out; hairpin masquerade
 *   raw   filter prerouting raw   drop container packets to 127/8
 *                                 (the bridge has route_localnet for hairpin)
 *   fwd   filter forward          accept (routed, nat) / drop (isolated)
 *   in    filter input            isolated: the host takes nothing from it
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "internal.h"

#include <errno.h>
#include <string.h>

static const char *const chain_kinds[] = { "dnat", "out", "snat", "raw", "fwd", "in" };

/* "delete if present": add (no-op when it exists) then delete, in the same
 * transaction as what follows. */
static void drop_chains(struct sk_strbuf *s, const char *hash)
{
	for (size_t i = 0; i < sizeof(chain_kinds) / sizeof(chain_kinds[0]); i++)
		sk_strbuf_addf(s,
			       "add chain ip " SK_NFT_TABLE
			       " c-%s-%s\ndelete chain ip " SK_NFT_TABLE " c-%s-%s\n",
			       hash, chain_kinds[i], hash, chain_kinds[i]);
}

char *sk_nft_delete_script(const char *hash)
{
	struct sk_strbuf s = { 0 };

	sk_strbuf_add(&s, "add table ip " SK_NFT_TABLE "\n");
	drop_chains(&s, hash);
	return sk_strbuf_steal(&s);
}

char *sk_nft_container_script(const struct sk_nft_rules *r)
{
	struct sk_strbuf s = { 0 };
	char c[16], net[16];
	const char *h = r->hash, *b = r->bridge;
	const char *T = SK_NFT_TABLE;

	if (r->mode != SK_NET_ISOLATED && r->mode != SK_NET_ROUTED && r->mode != SK_NET_NAT)
		return NULL;
	sk_ip4_str(r->ip, c);
	sk_ip4_str(sk_cidr_network(&r->subnet), net);
	sk_strbuf_addf(&s, "add table ip %s\n", T);
	drop_chains(&s, h);
	sk_strbuf_addf(&s, "add chain ip %s c-%s-fwd { type filter hook forward priority filter; }\n",
		       T, h);
	if (r->mode == SK_NET_ISOLATED) {
		sk_strbuf_addf(&s,
			       "add chain ip %s c-%s-in { type filter hook input priority filter; }\n",
			       T, h);
		sk_strbuf_addf(&s,
			       "add rule ip %s c-%s-fwd iifname \"%s\" oifname != \"%s\" drop comment \"skiff:%s\"\n",
			       T, h, b, b, r->id);
		sk_strbuf_addf(&s,
			       "add rule ip %s c-%s-fwd oifname \"%s\" iifname != \"%s\" drop comment \"skiff:%s\"\n",
			       T, h, b, b, r->id);
		sk_strbuf_addf(&s,
			       "add rule ip %s c-%s-in iifname \"%s\" drop comment \"skiff:%s\"\n",
			       T, h, b, r->id);
		return sk_strbuf_steal(&s);
	}
	sk_strbuf_addf(&s,
		       "add rule ip %s c-%s-fwd oifname \"%s\" ip daddr %s accept comment \"skiff:%s\"\n",
		       T, h, b, c, r->id);
	sk_strbuf_addf(&s,
		       "add rule ip %s c-%s-fwd iifname \"%s\" ip saddr %s accept comment \"skiff:%s\"\n",
		       T, h, b, c, r->id);
	if (r->mode != SK_NET_NAT)
		return sk_strbuf_steal(&s);
	sk_strbuf_addf(&s,
		       "add chain ip %s c-%s-snat { type nat hook postrouting priority srcnat; }\n",
		       T, h);
	sk_strbuf_addf(&s,
		       "add rule ip %s c-%s-snat ip saddr %s oifname != \"%s\" masquerade comment \"skiff:%s\"\n",
		       T, h, c, b, r->id);
	if (r->n_ports == 0)
		return sk_strbuf_steal(&s);
	sk_strbuf_addf(&s,
		       "add rule ip %s c-%s-snat oifname \"%s\" ip saddr 127.0.0.0/8 ip daddr %s masquerade "
		       "comment \"skiff:%s\"\n",
		       T, h, b, c, r->id);
	sk_strbuf_addf(&s,
		       "add rule ip %s c-%s-snat oifname \"%s\" ip saddr %s/%u ip daddr %s ct status dnat "
		       "masquerade comment \"skiff:%s\"\n",
		       T, h, b, net, r->subnet.prefix, c, r->id);
	sk_strbuf_addf(&s, "add chain ip %s c-%s-raw { type filter hook prerouting priority raw; }\n",
		       T, h);
	sk_strbuf_addf(&s,
		       "add rule ip %s c-%s-raw iifname \"%s\" ip daddr 127.0.0.0/8 drop comment \"skiff:%s\"\n",
		       T, h, b, r->id);
	sk_strbuf_addf(&s,
		       "add chain ip %s c-%s-dnat { type nat hook prerouting priority dstnat; }\n",
		       T, h);
	sk_strbuf_addf(&s, "add chain ip %s c-%s-out { type nat hook output priority -100; }\n", T,
		       h);
	for (size_t i = 0; i < r->n_ports; i++) {
		const char *p = r->ports[i].proto == SK_PROTO_UDP ? "udp" : "tcp";
		for (int k = 0; k < 2; k++)
			sk_strbuf_addf(&s,
				       "add rule ip %s c-%s-%s fib daddr type local %s dport %u dnat to %s:%u "
				       "comment \"skiff:%s\"\n",
				       T, h, k ? "out" : "dnat", p, r->ports[i].host, c,
				       r->ports[i].container, r->id);
	}
	return sk_strbuf_steal(&s);
}

bool sk_nft_table_exists(void)
{
	struct sk_err e;
	return sk_nft_run("list table ip " SK_NFT_TABLE "\n", &e) == 0;
}

int sk_nft_container_delete(const char *hash, struct sk_err *e)
{
	_cleanup_free_ char *s = NULL;
	if (!sk_nft_table_exists())
		return 0;
	s = sk_nft_delete_script(hash);
	return sk_nft_run(s, e);
}

int sk_nft_table_delete(struct sk_err *e)
{
	if (!sk_nft_table_exists())
		return 0;
	return sk_nft_run("add table ip " SK_NFT_TABLE "\ndelete table ip " SK_NFT_TABLE "\n", e);
}

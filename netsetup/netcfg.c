/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netcfg.c - parse and check the org.skiff.net.* annotations (no system access). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#define ANN_PREFIX "org.skiff.net."

static const char *const known_keys[] = {
	"mode",	 "network", "subnet", "ip",	 "gateway",
	"ports", "bridge",  "dns",    "address", /* written by skiff into the state; ignored on input */
};

static const char *ann_get(const struct oci_kv *ann, size_t n, const char *key)
{
	const char *r = NULL;
	for (size_t i = 0; i < n; i++)
		if (ann[i].key && !strcmp(ann[i].key, key))
			r = ann[i].value; /* last one wins, as a JSON object would */
	return r;
}

void sk_netcfg_clear(struct sk_netcfg *c)
{
	free(c->ports);
	sk_strv_free(c->dns);
	memset(c, 0, sizeof(*c));
}

static int parse_dns(const char *s, char ***out, struct sk_err *e)
{
	_cleanup_free_ char *copy = sk_xstrdup(s);
	_cleanup_(sk_strv_buf_freep) struct sk_strv_buf v = { 0 };
	char *save = NULL, *tok;
	unsigned char buf[16];

	if (!*s || strstr(s, ",,") || s[0] == ',' || s[strlen(s) - 1] == ',')
		return sk_err_set(e, EINVAL, "org.skiff.net.dns: \"%s\": empty entry", s);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		for (char *end = tok + strlen(tok); end > tok && end[-1] == ' ';)
			*--end = '\0';
		if (inet_pton(AF_INET, tok, buf) != 1 && inet_pton(AF_INET6, tok, buf) != 1)
			return sk_err_set(e, EINVAL,
					  "org.skiff.net.dns: \"%s\" is not an IPv4 or IPv6 address",
					  tok);
		sk_strv_buf_add(&v, tok);
	}
	if (v.n > 3)
		return sk_err_set(e, EINVAL,
				  "org.skiff.net.dns: at most 3 nameservers (resolv.conf limit)");
	*out = sk_steal_ptr(&v.v);
	return 0;
}

static int parse_subnet(const char *s, struct sk_cidr *c, struct sk_err *e)
{
	char buf[16];
	if (sk_cidr_parse(s, true, c) < 0)
		return sk_err_set(e, EINVAL,
				  "org.skiff.net.subnet: \"%s\" is not an IPv4 CIDR (a.b.c.d/n)", s);
	if (c->prefix < 8 || c->prefix > 30)
		return sk_err_set(e, EINVAL,
				  "org.skiff.net.subnet: \"%s\": prefix must be /8 to /30", s);
	if (c->addr != sk_cidr_network(c))
		return sk_err_set(e, EINVAL,
				  "org.skiff.net.subnet: \"%s\": host bits set (did you mean %s/%u?)",
				  s, sk_ip4_str(sk_cidr_network(c), buf), c->prefix);
	return 0;
}

int sk_netcfg_parse(const struct oci_kv *ann, size_t n_ann, struct sk_netcfg *out, struct sk_err *e)
{
	struct sk_netcfg c = { 0 };
	const char *mode, *network, *subnet, *ip, *gw, *ports, *bridge, *dns;
	char b1[16], b2[16];
	int r;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n_ann; i++) {
		const char *k = ann[i].key;
		bool ok = false;
		if (!k || strncmp(k, ANN_PREFIX, strlen(ANN_PREFIX)))
			continue;
		for (size_t j = 0; j < sizeof(known_keys) / sizeof(known_keys[0]); j++)
			ok |= !strcmp(k + strlen(ANN_PREFIX), known_keys[j]);
		if (!ok)
			return sk_err_set(e, EINVAL,
					  "annotation %s: unknown (known: mode, network, subnet, ip, "
					  "gateway, ports, bridge, dns)",
					  k);
	}
	mode = ann_get(ann, n_ann, ANN_PREFIX "mode");
	network = ann_get(ann, n_ann, ANN_PREFIX "network");
	subnet = ann_get(ann, n_ann, ANN_PREFIX "subnet");
	ip = ann_get(ann, n_ann, ANN_PREFIX "ip");
	gw = ann_get(ann, n_ann, ANN_PREFIX "gateway");
	ports = ann_get(ann, n_ann, ANN_PREFIX "ports");
	bridge = ann_get(ann, n_ann, ANN_PREFIX "bridge");
	dns = ann_get(ann, n_ann, ANN_PREFIX "dns");

	if (mode && sk_net_mode_parse(mode, &c.mode) < 0)
		return sk_err_set(e, EINVAL,
				  "org.skiff.net.mode: \"%s\" is not none, isolated, routed, nat or bridged",
				  mode);
	if (c.mode == SK_NET_NONE) {
		const char *set = network  ? "network"
				  : subnet ? "subnet"
				  : ip	   ? "ip"
				  : gw	   ? "gateway"
				  : ports  ? "ports"
				  : bridge ? "bridge"
				  : dns	   ? "dns"
					   : NULL;
		if (set)
			return sk_err_set(e, EINVAL,
					  "org.skiff.net.%s is set but org.skiff.net.mode is none "
					  "(set it to isolated, routed, nat or bridged)",
					  set);
		*out = c;
		return 0;
	}

	if (ports && c.mode != SK_NET_NAT) {
		r = sk_err_set(e, EINVAL, "org.skiff.net.ports: port forwards need mode nat, not %s",
			       sk_net_mode_name(c.mode));
		goto fail;
	}
	if (bridge && c.mode != SK_NET_BRIDGED) {
		r = sk_err_set(e, EINVAL,
			       "org.skiff.net.bridge: only for mode bridged (mode %s makes its own bridge)",
			       sk_net_mode_name(c.mode));
		goto fail;
	}
	if (gw && c.mode != SK_NET_BRIDGED) {
		r = sk_err_set(e, EINVAL,
			       "org.skiff.net.gateway: only for mode bridged (the gateway of mode %s "
			       "is the host)",
			       sk_net_mode_name(c.mode));
		goto fail;
	}

	if (c.mode == SK_NET_BRIDGED) {
		if (!bridge) {
			r = sk_err_set(e, EINVAL,
				       "org.skiff.net.bridge: required with mode bridged (the name of "
				       "an existing bridge)");
			goto fail;
		}
		if (!sk_net_name_valid(bridge)) {
			r = sk_err_set(e, EINVAL,
				       "org.skiff.net.bridge: \"%s\" is not a valid interface name",
				       bridge);
			goto fail;
		}
		snprintf(c.bridge, sizeof(c.bridge), "%s", bridge);
		if (!ip) {
			r = sk_err_set(e, EINVAL,
				       "org.skiff.net.ip: required with mode bridged (a static address "
				       "such as 192.168.1.50/24)");
			goto fail;
		}
	}

	if (network && !sk_net_name_valid(network)) {
		r = sk_err_set(e, EINVAL,
			       "org.skiff.net.network: \"%s\": 1 to 15 characters of A-Z a-z 0-9 _ . -",
			       network);
		goto fail;
	}
	snprintf(c.network, sizeof(c.network), "%s",
		 network		    ? network
		 : c.mode == SK_NET_BRIDGED ? c.bridge
					    : SK_NET_DEFAULT_NAME);

	if (subnet) {
		r = parse_subnet(subnet, &c.subnet, e);
		if (r < 0)
			goto fail;
		c.has_subnet = true;
	}

	if (ip) {
		struct sk_cidr a;
		if (sk_cidr_parse(ip, false, &a) < 0) {
			r = sk_err_set(e, EINVAL,
				       "org.skiff.net.ip: \"%s\" is not an IPv4 address (a.b.c.d or a.b.c.d/n)",
				       ip);
			goto fail;
		}
		if (strchr(ip, '/')) {
			struct sk_cidr net = { sk_cidr_network(&a), a.prefix };
			if (a.prefix < 8 || a.prefix > 30) {
				r = sk_err_set(e, EINVAL,
					       "org.skiff.net.ip: \"%s\": prefix must be /8 to /30",
					       ip);
				goto fail;
			}
			if (c.has_subnet &&
			    (net.addr != c.subnet.addr || net.prefix != c.subnet.prefix)) {
				r = sk_err_set(e, EINVAL,
					       "org.skiff.net.ip: \"%s\" is not in subnet %s/%u",
					       ip, sk_ip4_str(c.subnet.addr, b1), c.subnet.prefix);
				goto fail;
			}
			if (!subnet) {
				c.subnet = net;
				c.has_subnet = true;
			}
		}
		c.ip = a.addr;
		if (c.has_subnet && !sk_cidr_contains(&c.subnet, c.ip)) {
			r = sk_err_set(e, EINVAL, "org.skiff.net.ip: %s is outside subnet %s/%u",
				       sk_ip4_str(c.ip, b1), sk_ip4_str(c.subnet.addr, b2),
				       c.subnet.prefix);
			goto fail;
		}
		if (c.has_subnet &&
		    (c.ip == sk_cidr_network(&c.subnet) || c.ip == sk_cidr_broadcast(&c.subnet))) {
			r = sk_err_set(e, EINVAL,
				       "org.skiff.net.ip: %s is the network or broadcast address of %s/%u",
				       sk_ip4_str(c.ip, b1), sk_ip4_str(c.subnet.addr, b2),
				       c.subnet.prefix);
			goto fail;
		}
	}
	if (c.mode == SK_NET_BRIDGED && !c.has_subnet) {
		r = sk_err_set(e, EINVAL,
			       "org.skiff.net.ip: \"%s\" needs a prefix length (a.b.c.d/n) or "
			       "org.skiff.net.subnet with mode bridged",
			       ip);
		goto fail;
	}

	if (gw) {
		if (sk_ip4_parse(gw, &c.gateway) < 0) {
			r = sk_err_set(e, EINVAL,
				       "org.skiff.net.gateway: \"%s\" is not an IPv4 address", gw);
			goto fail;
		}
		if (!sk_cidr_contains(&c.subnet, c.gateway) || c.gateway == c.ip ||
		    c.gateway == sk_cidr_network(&c.subnet) ||
		    c.gateway == sk_cidr_broadcast(&c.subnet)) {
			r = sk_err_set(e, EINVAL,
				       "org.skiff.net.gateway: %s must be a host address of %s/%u other "
				       "than the container's",
				       gw, sk_ip4_str(c.subnet.addr, b1), c.subnet.prefix);
			goto fail;
		}
	}

	if (ports) {
		r = sk_ports_parse(ports, &c.ports, &c.n_ports, e);
		if (r < 0)
			goto fail;
	}
	if (dns) {
		r = parse_dns(dns, &c.dns, e);
		if (r < 0)
			goto fail;
	}
	*out = c;
	return 0;
fail:
	sk_netcfg_clear(&c);
	return r;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netaddr.c - IPv4 address / CIDR text, network names and interface names. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

uint32_t sk_cidr_mask(unsigned prefix)
{
	if (prefix == 0)
		return 0;
	if (prefix >= 32)
		return 0xffffffffu;
	return 0xffffffffu << (32 - prefix);
}

int sk_ip4_parse(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (!s || !*s || strlen(s) > 15)
		return -EINVAL;
	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*out = ntohl(a.s_addr);
	return 0;
}

char *sk_ip4_str(uint32_t a, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", (a >> 24) & 0xff, (a >> 16) & 0xff, (a >> 8) & 0xff,
		 a & 0xff);
	return buf;
}

int sk_cidr_parse(const char *s, bool need_prefix, struct sk_cidr *out)
{
	char ip[16];
	const char *slash;
	uint64_t p = 32;
	size_t len;

	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	if (!slash && need_prefix)
		return -EINVAL;
	len = slash ? (size_t)(slash - s) : strlen(s);
	if (len == 0 || len >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, len);
	ip[len] = '\0';
	if (slash) {
		const char *d = slash + 1;
		if (!*d || strlen(d) > 2 || d[0] == '+' || (d[0] == '0' && d[1]))
			return -EINVAL;
		if (sk_parse_u64(d, &p) < 0 || p > 32)
			return -EINVAL;
	}
	if (sk_ip4_parse(ip, &out->addr) < 0)
		return -EINVAL;
	out->prefix = (unsigned)p;
	return 0;
}

bool sk_cidr_overlap(const struct sk_cidr *a, const struct sk_cidr *b)
{
	unsigned p = a->prefix < b->prefix ? a->prefix : b->prefix;
	uint32_t m = sk_cidr_mask(p);
	return (a->addr & m) == (b->addr & m);
}

static bool name_chars_ok(const char *s, const char *extra)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			continue;
		if (!strchr(extra, c))
			return false;
	}
	return true;
}

bool sk_net_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n >= SK_IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	return name_chars_ok(name, "_.-");
}

bool sk_net_id_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n > 1024 || !strcmp(id, ".") || !strcmp(id, ".."))
		return false;
	return name_chars_ok(id, "_.+-");
}

/* FNV-1a, 64 bit: stable across versions, it names kernel objects. */
static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

char *sk_net_hash(const char *id, char *buf)
{
	char full[17];
	snprintf(full, sizeof(full), "%016llx", (unsigned long long)fnv1a(id));
	memcpy(buf, full, 11);
	buf[11] = '\0';
	return buf;
}

char *sk_net_ifname(const char *id, char *buf)
{
	char h[12];
	snprintf(buf, SK_IFNAMSIZ, "sk%s", sk_net_hash(id, h));
	return buf;
}

static const char *const mode_names[] = {
	[SK_NET_NONE] = "none", [SK_NET_ISOLATED] = "isolated", [SK_NET_ROUTED] = "routed",
	[SK_NET_NAT] = "nat",	[SK_NET_BRIDGED] = "bridged",
};

const char *sk_net_mode_name(enum sk_net_mode m)
{
	if ((size_t)m >= sizeof(mode_names) / sizeof(mode_names[0]))
		return "?";
	return mode_names[m];
}

int sk_net_mode_parse(const char *s, enum sk_net_mode *out)
{
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (s && !strcmp(s, mode_names[i])) {
			*out = (enum sk_net_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ports.c - org.skiff.net.ports: "HOST[-HOST2]:CONT[-CONT2][/tcp|udp]" lists. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "internal.h"

#include <errno.h>
#include <string.h>

/* "N" or "N-M" with 1 <= N <= M <= 65535. */
static int parse_range(const char *s, unsigned *lo, unsigned *hi)
{
	_cleanup_free_ char *t = sk_xstrdup(s);
	char *dash = strchr(t, '-');
	uint64_t a, b;

	if (dash)
		*dash = '\0';
	if (sk_parse_u64(t, &a) < 0 || a < 1 || a > 65535)
		return -EINVAL;
	b = a;
	if (dash && (sk_parse_u64(dash + 1, &b) < 0 || b < a || b > 65535))
		return -EINVAL;
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	return 0;
}

static char *trim(char *s)
{
	char *end;
	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

static int parse_one(char *item, struct sk_port **v, size_t *n, struct sk_err *e)
{
	char *slash = strchr(item, '/'), *colon;
	enum sk_proto proto = SK_PROTO_TCP;
	unsigned hlo, hhi, clo, chi;
	const char *orig = item;

	if (slash) {
		*slash = '\0';
		if (!strcmp(slash + 1, "tcp"))
			proto = SK_PROTO_TCP;
		else if (!strcmp(slash + 1, "udp"))
			proto = SK_PROTO_UDP;
		else
			return sk_err_set(e, EINVAL,
					  "org.skiff.net.ports: \"%s/%s\": protocol must be tcp or udp",
					  orig, slash + 1);
	}
	colon = strchr(item, ':');
	if (colon) {
		*colon = '\0';
		if (parse_range(item, &hlo, &hhi) < 0 || parse_range(colon + 1, &clo, &chi) < 0)
			goto bad;
		*colon = ':';
	} else {
		if (parse_range(item, &hlo, &hhi) < 0)
			goto bad;
		clo = hlo;
		chi = hhi;
	}
	if (hhi - hlo != chi - clo)
		return sk_err_set(e, EINVAL,
				  "org.skiff.net.ports: \"%s\": host and container ranges differ in length",
				  orig);
	if (*n + (hhi - hlo + 1) > SK_NET_MAX_PORTS)
		return sk_err_set(e, E2BIG, "org.skiff.net.ports: more than %d forwarded ports",
				  SK_NET_MAX_PORTS);
	for (unsigned i = 0; i <= hhi - hlo; i++) {
		for (size_t j = 0; j < *n; j++)
			if ((*v)[j].host == hlo + i && (*v)[j].proto == proto)
				return sk_err_set(e, EINVAL,
						  "org.skiff.net.ports: host port %u/%s given twice",
						  hlo + i, proto == SK_PROTO_TCP ? "tcp" : "udp");
		*v = sk_xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[*n] = (struct sk_port){ .host = (uint16_t)(hlo + i),
					     .container = (uint16_t)(clo + i),
					     .proto = proto };
		(*n)++;
	}
	return 0;
bad:
	if (colon)
		*colon = ':';
	return sk_err_set(e, EINVAL,
			  "org.skiff.net.ports: \"%s\": expected HOSTPORT:CONTAINERPORT[/tcp|udp] "
			  "with ports 1-65535",
			  orig);
}

int sk_ports_parse(const char *s, struct sk_port **out, size_t *n, struct sk_err *e)
{
	_cleanup_free_ char *copy = sk_xstrdup(s ? s : "");
	_cleanup_free_ struct sk_port *v = NULL;
	size_t cnt = 0;
	char *save = NULL, *tok;
	int r;

	if (strstr(copy, ",,") || copy[0] == ',' || (*copy && copy[strlen(copy) - 1] == ','))
		return sk_err_set(e, EINVAL, "org.skiff.net.ports: \"%s\": empty entry", s);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *item = trim(tok);
		if (!*item)
			return sk_err_set(e, EINVAL, "org.skiff.net.ports: \"%s\": empty entry", s);
		r = parse_one(item, &v, &cnt, e);
		if (r < 0)
			return r;
	}
	*out = sk_steal_ptr(&v);
	*n = cnt;
	return 0;
}

char *sk_ports_str(const struct sk_port *p, size_t n)
{
	struct sk_strbuf s = { 0 };

	for (size_t i = 0; i < n; i++)
		sk_strbuf_addf(&s, "%s%u:%u/%s", i ? "," : "", p[i].host, p[i].container,
			       p[i].proto == SK_PROTO_TCP ? "tcp" : "udp");
	return sk_strbuf_steal(&s);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* numa_cpuset.c - CPU list text ("0-3,8") <-> bitmask. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

unsigned sk_cpuset_count(const struct sk_cpuset *s)
{
	unsigned n = 0;
	for (size_t i = 0; i < sizeof(s->b) / sizeof(s->b[0]); i++)
		n += (unsigned)__builtin_popcountll(s->b[i]);
	return n;
}

static int parse_num(const char **p, unsigned long *v)
{
	char *end;

	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	*v = strtoul(*p, &end, 10);
	if (errno)
		return -errno;
	*p = end;
	return 0;
}

int sk_cpuset_parse(const char *list, struct sk_cpuset *out)
{
	const char *p = list;

	memset(out, 0, sizeof(*out));
	while (*p == ' ' || *p == '\t')
		p++;
	while (*p && *p != '\n') {
		unsigned long a, b;
		int r = parse_num(&p, &a);
		if (r < 0)
			return r;
		b = a;
		if (*p == '-') {
			p++;
			r = parse_num(&p, &b);
			if (r < 0)
				return r;
		}
		if (b < a)
			return -EINVAL;
		if (b >= SK_NUMA_MAX_CPUS)
			return -ERANGE;
		for (unsigned long c = a; c <= b; c++)
			sk_cpuset_set(out, (unsigned)c);
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return -EINVAL;
	}
	return 0;
}

char *sk_cpuset_format(const struct sk_cpuset *s)
{
	size_t cap = 64, n = 0;
	char *out = sk_xmalloc(cap);

	out[0] = '\0';
	for (unsigned c = 0; c < SK_NUMA_MAX_CPUS; c++) {
		unsigned d = c;
		char tmp[32];
		int l;

		if (!sk_cpuset_has(s, c))
			continue;
		while (d + 1 < SK_NUMA_MAX_CPUS && sk_cpuset_has(s, d + 1))
			d++;
		if (d == c)
			l = snprintf(tmp, sizeof(tmp), "%s%u", n ? "," : "", c);
		else
			l = snprintf(tmp, sizeof(tmp), "%s%u-%u", n ? "," : "", c, d);
		if (n + (size_t)l + 1 > cap) {
			cap = (n + (size_t)l + 1) * 2;
			out = sk_xrealloc(out, cap);
		}
		memcpy(out + n, tmp, (size_t)l + 1);
		n += (size_t)l;
		c = d;
	}
	return out;
}

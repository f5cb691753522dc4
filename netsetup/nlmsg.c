/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nlmsg.c - netlink message building and attribute walking
 * (see netlink(7) and rtnetlink(7): every part is NLMSG_ALIGNTO-aligned,
 * an attribute's nla_len counts its header but not its padding).
 */
#include "nlmsg.h"

#include <errno.h>
#include <string.h>

struct nlmsghdr *sk_nlmsg_put_header(void *buf)
{
	struct nlmsghdr *nlh = buf;
	memset(nlh, 0, NLMSG_HDRLEN);
	nlh->nlmsg_len = NLMSG_HDRLEN;
	return nlh;
}

void *sk_nlmsg_tail(const struct nlmsghdr *nlh)
{
	return (char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len);
}

void *sk_nlmsg_payload(const struct nlmsghdr *nlh)
{
	return (char *)nlh + NLMSG_HDRLEN;
}

void *sk_nlmsg_put_extra(struct nlmsghdr *nlh, size_t size)
{
	void *p = sk_nlmsg_tail(nlh);
	size = NLMSG_ALIGN(size);
	memset(p, 0, size);
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + size;
	return p;
}

void sk_nla_put(struct nlmsghdr *nlh, uint16_t type, size_t len, const void *data)
{
	struct nlattr *a = sk_nlmsg_tail(nlh);
	size_t total = NLA_HDRLEN + len;

	a->nla_type = type;
	a->nla_len = (uint16_t)total;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	memset((char *)a + total, 0, NLA_ALIGN(total) - total);
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + NLA_ALIGN(total);
}

void sk_nla_put_u8(struct nlmsghdr *nlh, uint16_t type, uint8_t v)
{
	sk_nla_put(nlh, type, sizeof(v), &v);
}

void sk_nla_put_u32(struct nlmsghdr *nlh, uint16_t type, uint32_t v)
{
	sk_nla_put(nlh, type, sizeof(v), &v);
}

void sk_nla_put_strz(struct nlmsghdr *nlh, uint16_t type, const char *s)
{
	sk_nla_put(nlh, type, strlen(s) + 1, s);
}

struct nlattr *sk_nla_nest_start(struct nlmsghdr *nlh, uint16_t type)
{
	struct nlattr *nest = sk_nlmsg_tail(nlh);
	sk_nla_put(nlh, type | NLA_F_NESTED, 0, NULL);
	return nest;
}

void sk_nla_nest_end(struct nlmsghdr *nlh, struct nlattr *nest)
{
	nest->nla_len = (uint16_t)((char *)sk_nlmsg_tail(nlh) - (char *)nest);
}

uint16_t sk_nla_type(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

size_t sk_nla_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

const void *sk_nla_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

int sk_nla_u32(const struct nlattr *a, uint32_t *v)
{
	if (sk_nla_len(a) != sizeof(*v))
		return -EINVAL;
	memcpy(v, sk_nla_data(a), sizeof(*v));
	return 0;
}

int sk_nla_str(const struct nlattr *a, const char **s)
{
	size_t n = sk_nla_len(a);
	if (!n || memchr(sk_nla_data(a), 0, n) == NULL)
		return -EINVAL;
	*s = sk_nla_data(a);
	return 0;
}

static void walk(const char *p, size_t left, sk_nla_cb cb, void *data)
{
	while (left >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		size_t step;
		if (a->nla_len < NLA_HDRLEN || a->nla_len > left)
			return; /* truncated: stop, as the kernel's nla_for_each_attr does */
		cb(a, data);
		step = NLA_ALIGN(a->nla_len);
		if (step >= left)
			return;
		p += step;
		left -= step;
	}
}

void sk_nla_each(const struct nlmsghdr *nlh, size_t offset, sk_nla_cb cb, void *data)
{
	size_t start = NLMSG_HDRLEN + NLMSG_ALIGN(offset);
	if (nlh->nlmsg_len > start)
		walk((const char *)nlh + start, nlh->nlmsg_len - start, cb, data);
}

void sk_nla_each_nested(const struct nlattr *nest, sk_nla_cb cb, void *data)
{
	walk(sk_nla_data(nest), sk_nla_len(nest), cb, data);
}

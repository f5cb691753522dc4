/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nlmsg.h - netlink messages built and read in a caller's buffer: a header,
 * a family header, attributes (nested too); and the attributes of a reply
 * walked with a callback.  Only nl.c uses it.
 */
#ifndef SKIFF_NETSETUP_NLMSG_H
#define SKIFF_NETSETUP_NLMSG_H

#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>

/* Big enough for every request skiff sends (as libmnl sizes its own). */
#define SK_NLMSG_BUF 8192

/* A zeroed header of NLMSG_HDRLEN at @buf. */
struct nlmsghdr *sk_nlmsg_put_header(void *buf);
/* @size zeroed bytes (aligned) at the end of the message: a family header. */
void *sk_nlmsg_put_extra(struct nlmsghdr *nlh, size_t size);
/* The end of the message, where the next header or attribute goes. */
void *sk_nlmsg_tail(const struct nlmsghdr *nlh);
void *sk_nlmsg_payload(const struct nlmsghdr *nlh);

void sk_nla_put(struct nlmsghdr *nlh, uint16_t type, size_t len, const void *data);
void sk_nla_put_u8(struct nlmsghdr *nlh, uint16_t type, uint8_t v);
void sk_nla_put_u32(struct nlmsghdr *nlh, uint16_t type, uint32_t v);
void sk_nla_put_strz(struct nlmsghdr *nlh, uint16_t type, const char *s);
struct nlattr *sk_nla_nest_start(struct nlmsghdr *nlh, uint16_t type);
void sk_nla_nest_end(struct nlmsghdr *nlh, struct nlattr *nest);

/* Call @cb on each well-formed attribute of @nlh after a family header of
 * @offset bytes, or of the nested attribute @nest. */
typedef void (*sk_nla_cb)(const struct nlattr *a, void *data);
void sk_nla_each(const struct nlmsghdr *nlh, size_t offset, sk_nla_cb cb, void *data);
void sk_nla_each_nested(const struct nlattr *nest, sk_nla_cb cb, void *data);

uint16_t sk_nla_type(const struct nlattr *a);
size_t sk_nla_len(const struct nlattr *a); /* of the payload */
const void *sk_nla_data(const struct nlattr *a);
/* 0 with the value, -EINVAL when the payload has the wrong size / no NUL. */
int sk_nla_u32(const struct nlattr *a, uint32_t *v);
int sk_nla_str(const struct nlattr *a, const char **s);

#endif

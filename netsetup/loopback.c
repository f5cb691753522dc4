/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loopback.c - the loopback of a network namespace the container got new:
 * up, as runc and crun leave it; and whether a namespace holds nothing
 * but that loopback (checkpoint: then skiff makes it again at restore,
 * where criu would save and restore it with seven runs of ip and
 * iptables).
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

int sk_net_loopback_up(struct sk_err *e)
{
	_cleanup_nl_ struct sk_nl *nl = NULL;
	struct sk_nl_link lo;
	int r = sk_nl_open(&nl, e);

	if (r < 0)
		return r;
	r = sk_nl_link_get(nl, "lo", &lo);
	if (r < 0)
		return sk_nl_err(nl, e, r, "lo in the new network namespace");
	return lo.up ? 0 : sk_nl_link_set(nl, lo.ifindex, true, 0, e);
}

/* In the namespace already. */
static int census(enum sk_net_plain *out, struct sk_err *e)
{
	_cleanup_nl_ struct sk_nl *nl = NULL;
	struct sk_nl_link lo;
	size_t links, addrs;
	int r = sk_nl_open(&nl, e);

	if (r < 0)
		return r;
	r = sk_nl_census(nl, &links, &addrs);
	if (r < 0)
		return sk_nl_err(nl, e, r, "list the links and addresses");
	r = sk_nl_link_get(nl, "lo", &lo);
	if (r < 0)
		return sk_nl_err(nl, e, r, "lo");
	/* lo alone: down and bare, or up with 127.0.0.1/8 and ::1 */
	if (links != 1)
		*out = SK_NET_PLAIN_NO;
	else if (!lo.up)
		*out = addrs == 0 ? SK_NET_PLAIN_LO_DOWN : SK_NET_PLAIN_NO;
	else
		*out = addrs <= 2 ? SK_NET_PLAIN_LO_UP : SK_NET_PLAIN_NO;
	return 0;
}

int sk_net_ns_plain(int nsfd, enum sk_net_plain *out, struct sk_err *e)
{
	_cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int r;

	if (self < 0)
		return sk_err_sys(e, errno, "open /proc/self/ns/net");
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return sk_err_sys(e, errno, "enter the container's network namespace");
	r = census(out, e);
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* skiff cannot go on in the wrong namespace */
	return r;
}

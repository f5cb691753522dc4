/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nl.c - rtnetlink: bridges, veth pairs, addresses, routes. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "internal.h"
#include "nlmsg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <string.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct sk_nl {
	int fd;
	unsigned portid;
	unsigned seq;
	const char *no_answer; /* request type of the last receive that timed out */
};

void sk_nl_close(struct sk_nl *nl)
{
	if (!nl)
		return;
	if (nl->fd >= 0)
		close(nl->fd);
	free(nl);
}

int sk_nl_open(struct sk_nl **out, struct sk_err *e)
{
	struct sk_nl *nl = sk_xcalloc(1, sizeof(*nl));
	struct timeval tv = { .tv_sec = SK_NL_TIMEOUT_S };

	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t salen = sizeof(sa);

	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd < 0) {
		int err = errno;
		free(nl);
		return sk_err_sys(e, err, "open rtnetlink socket");
	}
	/* every receive is bounded: a missing answer is an error, not a hang;
	 * the kernel picks the port id at bind */
	if (setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(nl->fd, (struct sockaddr *)&sa, &salen) < 0) {
		int err = errno;
		sk_nl_close(nl);
		return sk_err_sys(e, err, "set up rtnetlink socket");
	}
	nl->portid = sa.nl_pid;
	nl->seq = (unsigned)time(NULL);
	*out = nl;
	return 0;
}

static const char *type_name(uint16_t t)
{
	switch (t) {
	case RTM_NEWLINK:
		return "RTM_NEWLINK";
	case RTM_DELLINK:
		return "RTM_DELLINK";
	case RTM_GETLINK:
		return "RTM_GETLINK";
	case RTM_NEWADDR:
		return "RTM_NEWADDR";
	case RTM_GETADDR:
		return "RTM_GETADDR";
	case RTM_NEWROUTE:
		return "RTM_NEWROUTE";
	default:
		return "an rtnetlink request";
	}
}

int sk_nl_err(const struct sk_nl *nl, struct sk_err *e, int r, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (r == -ETIMEDOUT && nl && nl->no_answer)
		return sk_err_set(e, ETIMEDOUT,
				  "%s: netlink: no answer from the kernel for %s in %d s", what,
				  nl->no_answer, SK_NL_TIMEOUT_S);
	return sk_err_sys(e, r, "%s", what);
}

/* One received datagram: run @cb on the messages answering @seq.  Returns
 * 1 when the answer is complete (ACK, error or NLMSG_DONE; *err is then 0
 * or -errno), 0 when more is to come.  Messages of other sequence numbers
 * (late answers to an earlier request of this socket) are skipped. */
/* NLMSG_OK / NLMSG_NEXT without their int/unsigned comparisons. */
static bool msg_ok(const struct nlmsghdr *h, size_t left)
{
	return left >= NLMSG_HDRLEN && h->nlmsg_len >= NLMSG_HDRLEN && h->nlmsg_len <= left;
}

static const struct nlmsghdr *msg_next(const struct nlmsghdr *h, size_t *left)
{
	size_t step = NLMSG_ALIGN(h->nlmsg_len);
	*left = step < *left ? *left - step : 0;
	return (const struct nlmsghdr *)((const char *)h + step);
}

typedef void (*reply_cb)(const struct nlmsghdr *nlh, void *data);

static int digest(const struct sk_nl *nl, const void *buf, size_t len, unsigned seq, reply_cb cb,
		  void *data, bool *intr, int *err)
{
	size_t left = len;

	for (const struct nlmsghdr *h = buf; msg_ok(h, left); h = msg_next(h, &left)) {
		if (h->nlmsg_seq != seq || (h->nlmsg_pid && h->nlmsg_pid != nl->portid))
			continue;
		if (h->nlmsg_flags & NLM_F_DUMP_INTR)
			*intr = true;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *me = NLMSG_DATA(h);
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*me)))
				*err = -EBADMSG;
			else
				*err = me->error > 0 ? -me->error : me->error;
			return 1;
		}
		if (h->nlmsg_type == NLMSG_DONE) {
			/* a dump may end with an error code */
			const int *code = NLMSG_DATA(h);
			*err = h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) && *code < 0 ? *code : 0;
			return 1;
		}
		if (h->nlmsg_type >= NLMSG_MIN_TYPE && cb)
			cb(h, data);
	}
	return 0;
}

/* Send @nlh and run @cb on every reply until the ACK / DONE, waiting at
 * most SK_NL_TIMEOUT_S for each datagram.  Returns 0 or -errno (the
 * kernel's; -ETIMEDOUT with nl->no_answer set when no answer came). */
static int talk_once(struct sk_nl *nl, struct nlmsghdr *nlh, reply_cb cb, void *data, bool *intr)
{
	static const struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char buf[16384]; /* > NLMSG_GOODSIZE: a dump datagram fits */
	unsigned seq = ++nl->seq;
	/* an ACK ends every request but dumps (they end with NLMSG_DONE) */
	bool dump = (nlh->nlmsg_type & 3) == 2 /* RTM_GET* */ &&
		    (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	int err = 0;

	nlh->nlmsg_seq = seq;
	if (!dump) /* NLM_F_EXCL shares its bit with NLM_F_MATCH */
		nlh->nlmsg_flags |= NLM_F_ACK;
	nl->no_answer = NULL;
	if (sendto(nl->fd, nlh, nlh->nlmsg_len, 0, (const struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(nl->fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				nl->no_answer = type_name(nlh->nlmsg_type);
				return -ETIMEDOUT;
			}
			return -errno;
		}
		if (digest(nl, buf, (size_t)n, seq, cb, data, intr, &err))
			return err;
	}
}

/* -EAGAIN when a dump raced with a change (NLM_F_DUMP_INTR): the caller
 * asks again. */
static int talk(struct sk_nl *nl, struct nlmsghdr *nlh, reply_cb cb, void *data)
{
	bool intr = false;
	int r = talk_once(nl, nlh, cb, data, &intr);
	return r == 0 && intr ? -EAGAIN : r;
}

static struct nlmsghdr *msg(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = sk_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

/* ------------------------------------------------------------------ links */

struct link_cb {
	struct sk_nl_link *l;
};

static void link_kind(const struct nlattr *a, void *data)
{
	struct sk_nl_link *l = data;
	const char *kind;
	if (sk_nla_type(a) == IFLA_INFO_KIND && sk_nla_str(a, &kind) == 0)
		snprintf(l->kind, sizeof(l->kind), "%s", kind);
}

static void link_attr(const struct nlattr *a, void *data)
{
	struct sk_nl_link *l = data;
	uint32_t v;
	switch (sk_nla_type(a)) {
	case IFLA_MASTER:
		if (sk_nla_u32(a, &v) == 0)
			l->master = (int)v;
		break;
	case IFLA_MTU:
		if (sk_nla_u32(a, &v) == 0)
			l->mtu = v;
		break;
	case IFLA_LINKINFO:
		sk_nla_each_nested(a, link_kind, l);
		break;
	}
}

static void link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sk_nl_link *l = data;
	const struct ifinfomsg *ifi = NLMSG_DATA(nlh);
	if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return;
	l->ifindex = ifi->ifi_index;
	l->up = !!(ifi->ifi_flags & IFF_UP);
	sk_nla_each(nlh, sizeof(*ifi), link_attr, l);
}

int sk_nl_link_get(struct sk_nl *nl, const char *name, struct sk_nl_link *l)
{
	char buf[SK_NLMSG_BUF];
	struct nlmsghdr *nlh = msg(buf, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = sk_nlmsg_put_extra(nlh, sizeof(*ifi));
	int r;

	memset(l, 0, sizeof(*l));
	ifi->ifi_family = AF_UNSPEC;
	sk_nla_put_strz(nlh, IFLA_IFNAME, name);
	sk_nla_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = talk(nl, nlh, link_cb, l);
	if (r < 0)
		return r;
	return l->ifindex > 0 ? 0 : -ENODEV;
}

int sk_nl_bridge_add(struct sk_nl *nl, const char *name, struct sk_err *e)
{
	char buf[SK_NLMSG_BUF];
	struct nlmsghdr *nlh = msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = sk_nlmsg_put_extra(nlh, sizeof(*ifi));
	struct nlattr *info;
	int r;

	ifi->ifi_family = AF_UNSPEC;
	sk_nla_put_strz(nlh, IFLA_IFNAME, name);
	info = sk_nla_nest_start(nlh, IFLA_LINKINFO);
	sk_nla_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	sk_nla_nest_end(nlh, info);
	r = talk(nl, nlh, NULL, NULL);
	if (r < 0)
		return sk_nl_err(nl, e, r, "create bridge %s", name);
	return 0;
}

int sk_nl_veth_add(struct sk_nl *nl, const char *name, const char *peer, int peer_netns_fd,
		   unsigned mtu, struct sk_err *e)
{
	char buf[SK_NLMSG_BUF];
	struct nlmsghdr *nlh = msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = sk_nlmsg_put_extra(nlh, sizeof(*ifi)), *pifi;
	struct nlattr *info, *data, *peer_nest;
	int r;

	ifi->ifi_family = AF_UNSPEC;
	sk_nla_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		sk_nla_put_u32(nlh, IFLA_MTU, mtu);
	info = sk_nla_nest_start(nlh, IFLA_LINKINFO);
	sk_nla_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = sk_nla_nest_start(nlh, IFLA_INFO_DATA);
	peer_nest = sk_nla_nest_start(nlh, VETH_INFO_PEER);
	pifi = sk_nlmsg_put_extra(nlh, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	sk_nla_put_strz(nlh, IFLA_IFNAME, peer);
	if (mtu)
		sk_nla_put_u32(nlh, IFLA_MTU, mtu);
	if (peer_netns_fd >= 0)
		sk_nla_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
	sk_nla_nest_end(nlh, peer_nest);
	sk_nla_nest_end(nlh, data);
	sk_nla_nest_end(nlh, info);
	r = talk(nl, nlh, NULL, NULL);
	if (r < 0)
		return sk_nl_err(nl, e, r, "create veth pair %s/%s", name, peer);
	return 0;
}

int sk_nl_link_set(struct sk_nl *nl, int ifindex, bool up, int master, struct sk_err *e)
{
	char buf[SK_NLMSG_BUF];
	struct nlmsghdr *nlh = msg(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = sk_nlmsg_put_extra(nlh, sizeof(*ifi));
	int r;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	if (master > 0)
		sk_nla_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	r = talk(nl, nlh, NULL, NULL);
	if (r < 0)
		return sk_nl_err(nl, e, r, "configure link #%d (%s%s)", ifindex, up ? "up" : "",
				 master > 0 ? " master" : "");
	return 0;
}

int sk_nl_link_no_ipv6(struct sk_nl *nl, int ifindex)
{
	char buf[SK_NLMSG_BUF];
	struct nlmsghdr *nlh = msg(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = sk_nlmsg_put_extra(nlh, sizeof(*ifi));
	struct nlattr *spec, *in6;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	spec = sk_nla_nest_start(nlh, IFLA_AF_SPEC);
	in6 = sk_nla_nest_start(nlh, AF_INET6);
	sk_nla_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	sk_nla_nest_end(nlh, in6);
	sk_nla_nest_end(nlh, spec);
	return talk(nl, nlh, NULL, NULL);
}

int sk_nl_link_del(struct sk_nl *nl, const char *name, struct sk_err *e)
{
	char buf[SK_NLMSG_BUF];
	struct nlmsghdr *nlh = msg(buf, RTM_DELLINK, 0);
	struct ifinfomsg *ifi = sk_nlmsg_put_extra(nlh, sizeof(*ifi));
	int r;

	ifi->ifi_family = AF_UNSPEC;
	sk_nla_put_strz(nlh, IFLA_IFNAME, name);
	r = talk(nl, nlh, NULL, NULL);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return sk_nl_err(nl, e, r, "delete link %s", name);
	return 0;
}

/* -------------------------------------------------------------- addresses */

int sk_nl_addr_add(struct sk_nl *nl, int ifindex, uint32_t addr, unsigned prefix, struct sk_err *e)
{
	char buf[SK_NLMSG_BUF], t[16];
	struct nlmsghdr *nlh = msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = sk_nlmsg_put_extra(nlh, sizeof(*ifa));
	struct sk_cidr c = { addr, prefix };
	int r;

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)ifindex;
	sk_nla_put_u32(nlh, IFA_LOCAL, htonl(addr));
	sk_nla_put_u32(nlh, IFA_ADDRESS, htonl(addr));
	if (prefix < 31)
		sk_nla_put_u32(nlh, IFA_BROADCAST, htonl(sk_cidr_broadcast(&c)));
	r = talk(nl, nlh, NULL, NULL);
	if (r == -EEXIST)
		return 0;
	if (r < 0)
		return sk_nl_err(nl, e, r, "add address %s/%u to link #%d", sk_ip4_str(addr, t),
				 prefix, ifindex);
	return 0;
}

struct addr_count {
	int ifindex;
	size_t n;
};

static void addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_count *c = data;
	const struct ifaddrmsg *ifa = NLMSG_DATA(nlh);
	if (nlh->nlmsg_type == RTM_NEWADDR && nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(*ifa)) &&
	    ifa->ifa_family == AF_INET && (int)ifa->ifa_index == c->ifindex)
		c->n++;
}

int sk_nl_addr_count(struct sk_nl *nl, int ifindex, size_t *count)
{
	char buf[SK_NLMSG_BUF];
	struct addr_count c = { ifindex, 0 };
	int r = -EAGAIN;

	/* a dump interrupted by a concurrent change is not consistent: again */
	for (int i = 0; i < 4 && r == -EAGAIN; i++) {
		struct nlmsghdr *nlh = msg(buf, RTM_GETADDR, NLM_F_DUMP);
		struct ifaddrmsg *ifa = sk_nlmsg_put_extra(nlh, sizeof(*ifa));
		ifa->ifa_family = AF_INET;
		c.n = 0;
		r = talk(nl, nlh, addr_cb, &c);
	}
	if (r < 0)
		return r;
	*count = c.n;
	return 0;
}

struct census {
	size_t links, addrs;
};

static void census_cb(const struct nlmsghdr *nlh, void *data)
{
	struct census *c = data;
	if (nlh->nlmsg_type == RTM_NEWLINK)
		c->links++;
	else if (nlh->nlmsg_type == RTM_NEWADDR)
		c->addrs++;
}

int sk_nl_census(struct sk_nl *nl, size_t *links, size_t *addrs)
{
	char buf[SK_NLMSG_BUF];
	struct census c;
	int r = -EAGAIN;

	for (int i = 0; i < 4 && r == -EAGAIN; i++) {
		struct nlmsghdr *nlh = msg(buf, RTM_GETLINK, NLM_F_DUMP);
		struct ifinfomsg *ifi = sk_nlmsg_put_extra(nlh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		sk_nla_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
		c = (struct census){ 0 };
		r = talk(nl, nlh, census_cb, &c);
		if (r < 0)
			continue;
		nlh = msg(buf, RTM_GETADDR, NLM_F_DUMP);
		struct ifaddrmsg *ifa = sk_nlmsg_put_extra(nlh, sizeof(*ifa));
		ifa->ifa_family = AF_UNSPEC;
		r = talk(nl, nlh, census_cb, &c);
	}
	if (r < 0)
		return r;
	*links = c.links;
	*addrs = c.addrs;
	return 0;
}

/* ----------------------------------------------------------------- routes */

int sk_nl_route_default(struct sk_nl *nl, int ifindex, uint32_t gw, struct sk_err *e)
{
	char buf[SK_NLMSG_BUF], t[16];
	struct nlmsghdr *nlh = msg(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rtm = sk_nlmsg_put_extra(nlh, sizeof(*rtm));
	int r;

	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	sk_nla_put_u32(nlh, RTA_GATEWAY, htonl(gw));
	sk_nla_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	r = talk(nl, nlh, NULL, NULL);
	if (r == -EEXIST)
		return 0;
	if (r < 0)
		return sk_nl_err(nl, e, r, "add default route via %s", sk_ip4_str(gw, t));
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vhost_user.c - the frontend side of the vhost-user protocol (QEMU's
 * docs/interop/vhost-user.rst): messages of a 12-byte header (request,
 * flags, payload size) and a payload, file descriptors alongside in
 * SCM_RIGHTS, over a unix stream socket.  The encoders and the reply
 * parser are pure (unit-tested); sk_vhu_send and sk_vhu_get_u64 do the
 * socket I/O.
 */
#include "internal.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

size_t sk_vhu_encode(uint8_t *buf, uint32_t req, uint32_t flags, const void *payload, uint32_t len)
{
	struct sk_vhu_hdr h = { .req = req, .flags = SK_VHU_VERSION | flags, .size = len };

	if (len > SK_VHU_MSG_MAX - sizeof(h))
		return 0;
	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), payload, len);
	return sizeof(h) + len;
}

size_t sk_vhu_u64(uint8_t *buf, uint32_t req, uint64_t v)
{
	return sk_vhu_encode(buf, req, 0, &v, sizeof(v));
}

size_t sk_vhu_state(uint8_t *buf, uint32_t req, uint32_t index, uint32_t num)
{
	uint32_t s[2] = { index, num };

	return sk_vhu_encode(buf, req, 0, s, sizeof(s));
}

size_t sk_vhu_vring_addr(uint8_t *buf, uint32_t index, uint64_t desc, uint64_t used, uint64_t avail)
{
	struct {
		uint32_t index, flags;
		uint64_t desc, used, avail, log;
	} a = { .index = index, .desc = desc, .used = used, .avail = avail };

	return sk_vhu_encode(buf, SK_VHU_SET_VRING_ADDR, 0, &a, sizeof(a));
}

size_t sk_vhu_mem_table(uint8_t *buf, const struct sk_vhu_region *r, unsigned n)
{
	uint8_t p[8 + SK_VHU_MAX_REGIONS * sizeof(*r)];
	uint32_t cnt = n;

	if (n == 0 || n > SK_VHU_MAX_REGIONS)
		return 0;
	memset(p, 0, 8);
	memcpy(p, &cnt, 4);
	memcpy(p + 8, r, n * sizeof(*r));
	return sk_vhu_encode(buf, SK_VHU_SET_MEM_TABLE, 0, p, 8 + n * sizeof(*r));
}

int sk_vhu_parse_u64(const uint8_t *buf, size_t len, uint32_t req, uint64_t *v)
{
	struct sk_vhu_hdr h;

	if (len < sizeof(h))
		return -EPROTO;
	memcpy(&h, buf, sizeof(h));
	if (h.req != req || (h.flags & 3) != SK_VHU_VERSION || !(h.flags & SK_VHU_REPLY) ||
	    h.size != 8 || len != sizeof(h) + 8)
		return -EPROTO;
	memcpy(v, buf + sizeof(h), 8);
	return 0;
}

/* ------------------------------------------------------------- socket I/O */

int sk_vhu_send(int sock, const uint8_t *msg, size_t len, const int *fds, unsigned nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * SK_VHU_MAX_REGIONS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	ssize_t n;

	if (len == 0 || nfds > SK_VHU_MAX_REGIONS)
		return -EINVAL;
	if (nfds) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EPIPE;
}

/* Read exactly @len bytes within @ms milliseconds. */
static int read_full(int sock, uint8_t *buf, size_t len, int ms)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = poll(&p, 1, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			return -ETIMEDOUT;
		if (n < 0)
			return -errno;
		n = recv(sock, buf + got, len - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		got += n;
	}
	return 0;
}

int sk_vhu_get_u64(int sock, uint32_t req, uint64_t *v)
{
	uint8_t msg[SK_VHU_MSG_MAX];
	size_t len = sk_vhu_encode(msg, req, 0, NULL, 0);
	int r = sk_vhu_send(sock, msg, len, NULL, 0);

	if (r < 0)
		return r;
	r = read_full(sock, msg, sizeof(struct sk_vhu_hdr) + 8, 10000);
	if (r < 0)
		return r;
	return sk_vhu_parse_u64(msg, sizeof(struct sk_vhu_hdr) + 8, req, v);
}

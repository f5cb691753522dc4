/* SPDX-License-Identifier: GPL-2.0-or-later */
/* channel.c - messages between skiff and the container's init (SOCK_SEQPACKET). */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/* A message is one record (header, then up to CHUNK bytes of payload)
 * followed by as many records of raw payload as @len needs: a SEQPACKET
 * record must fit the socket's send buffer (about 208 KiB), a state JSON
 * with 10,000 annotations does not. */
#define CHUNK (64 * 1024)
/* a bound on what a corrupt header could make us allocate */
#define MSG_MAX (1UL << 30)

struct msg_hdr {
	uint32_t type;
	int32_t code;
	uint64_t len; /* of the whole payload */
};

static int send_record(int sock, struct msghdr *m)
{
	while (sendmsg(sock, m, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

int sk_msg_send(int sock, enum sk_msg_type t, int code, const void *data, size_t len, int fd)
{
	const char *p = data;
	size_t first;
	struct msg_hdr h = { .type = (uint32_t)t, .code = code, .len = data ? len : 0 };
	struct iovec iov[2];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
	int r;

	if (h.len > MSG_MAX)
		return -EMSGSIZE;
	first = h.len < CHUNK ? h.len : CHUNK;
	iov[0] = (struct iovec){ &h, sizeof(h) };
	iov[1] = (struct iovec){ (void *)p, first };
	if (fd >= 0) {
		struct cmsghdr *c;
		memset(&u, 0, sizeof(u));
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	r = send_record(sock, &m);
	for (size_t off = first; r == 0 && off < h.len; off += CHUNK) {
		struct iovec v = { (void *)(p + off), h.len - off < CHUNK ? h.len - off : CHUNK };
		struct msghdr mm = { .msg_iov = &v, .msg_iovlen = 1 };
		r = send_record(sock, &mm);
	}
	return r;
}

int sk_msg_recv(int sock, int *code, char **data, size_t *len, int *fd)
{
	struct msg_hdr h;
	_cleanup_free_ char *buf = sk_xmalloc(CHUNK + 1);
	struct iovec iov[2] = { { &h, sizeof(h) }, { buf, CHUNK } };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = { .msg_iov = iov,
			    .msg_iovlen = 2,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	size_t got;
	ssize_t n;

	if (fd)
		*fd = -1;
	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int f;
			memcpy(&f, CMSG_DATA(c), sizeof(int));
			if (fd && *fd < 0)
				*fd = f;
			else
				close(f);
		}
	}
	if ((size_t)n < sizeof(h) || (m.msg_flags & MSG_TRUNC))
		return -EPROTO;
	got = (size_t)n - sizeof(h);
	if (h.len > MSG_MAX || got > h.len || (got < h.len && got != CHUNK))
		return -EPROTO;
	if (h.len > got)
		buf = sk_xrealloc(buf, h.len + 1);
	while (got < h.len) {
		size_t want = h.len - got < CHUNK ? h.len - got : CHUNK;
		n = recv(sock, buf + got, want, MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if ((size_t)n != want)
			return n == 0 ? -EPIPE : -EPROTO;
		got += want;
	}
	buf[got] = '\0';
	if (code)
		*code = h.code;
	if (len)
		*len = got;
	if (data)
		*data = sk_steal_ptr(&buf);
	return (int)h.type;
}

void sk_child_fail(int sock, const struct sk_err *e)
{
	sk_msg_send(sock, SK_MSG_ERROR, e->code ? e->code : EINVAL, e->msg, strlen(e->msg), -1);
	_exit(1);
}

int sk_msg_seccomp_listener(int fd, void *opaque, struct sk_err *e)
{
	int sock = *(const int *)opaque, code = 0, t;
	_cleanup_free_ char *data = NULL;

	t = sk_msg_send(sock, SK_MSG_SECCOMP, 0, NULL, 0, fd);
	if (t < 0)
		return sk_err_sys(e, -t, "seccomp: send the listener fd to skiff");
	t = sk_msg_recv(sock, &code, &data, NULL, NULL);
	if (t == SK_MSG_SECCOMP_DONE)
		return 0;
	if (t < 0)
		return sk_err_sys(e, -t, "seccomp: sync");
	return sk_err_set(e, EPROTO, "seccomp: skiff did not hand the listener fd on");
}

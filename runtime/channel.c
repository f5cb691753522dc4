/* SPDX-License-Identifier: GPL-2.0-or-later */
/* channel.c - messages between skiff and the container's init (SOCK_SEQPACKET). */
#define _GNU_SOURCE
#include "container.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

struct msg_hdr {
	uint32_t type;
	int32_t code;
};

int sk_msg_send(int sock, enum sk_msg_type t, int code, const void *data, size_t len, int fd)
{
	struct msg_hdr h = { .type = (uint32_t)t, .code = code };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)data, data ? len : 0 } };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };

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
	while (sendmsg(sock, &m, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

int sk_msg_recv(int sock, int *code, char **data, size_t *len, int *fd)
{
	struct msg_hdr h;
	size_t cap = 256 * 1024;
	_cleanup_free_ char *buf = sk_xmalloc(cap + 1);
	struct iovec iov[2] = { { &h, sizeof(h) }, { buf, cap } };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
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
	if ((size_t)n < sizeof(h))
		return -EPROTO;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int f;
			memcpy(&f, CMSG_DATA(c), sizeof(int));
			if (fd)
				*fd = f;
			else
				close(f);
		}
	}
	n -= (ssize_t)sizeof(h);
	buf[n] = '\0';
	if (code)
		*code = h.code;
	if (len)
		*len = (size_t)n;
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

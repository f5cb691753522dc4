/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp_notify.c - linux.seccomp.listenerPath: hand the seccomp notify
 * fd of a container process to the seccomp agent (runtime-spec 1.2).
 *
 * One connection per process (create/run and exec): an AF_UNIX
 * SOCK_STREAM connect to listenerPath, one sendmsg carrying the fd
 * (SCM_RIGHTS) and the "container process state" JSON
 * {ociVersion, fds: ["seccompFd"], pid, metadata, state}, then close.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <yajl/yajl_gen.h>

char *sk_seccomp_process_state(const char *metadata, pid_t pid, const char *state_json)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;
	char *meta = NULL, *out;

	/* the metadata as one JSON string (escaped by yajl) */
	if (metadata) {
		yajl_gen_string(g, (const unsigned char *)metadata, strlen(metadata));
		yajl_gen_get_buf(g, &buf, &len);
		meta = sk_xasprintf("%.*s", (int)len, (const char *)buf);
	}
	yajl_gen_free(g);
	out = sk_xasprintf("{\"ociVersion\":\"%s\",\"fds\":[\"seccompFd\"],\"pid\":%ld%s%s,"
			   "\"state\":%s}",
			   SKIFF_OCI_VERSION, (long)pid, meta ? ",\"metadata\":" : "",
			   meta ? meta : "", state_json);
	free(meta);
	return out;
}

int sk_seccomp_send_listener(const char *path, int fd, const char *json, struct sk_err *e)
{
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { (void *)json, strlen(json) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t n;

	if (s < 0)
		return sk_err_sys(e, errno, "linux.seccomp.listenerPath: socket");
	if (strlen(path) >= sizeof(addr.sun_path))
		return sk_err_set(e, ENAMETOOLONG, "linux.seccomp.listenerPath %s: path too long",
				  path);
	strcpy(addr.sun_path, path);
	if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return sk_err_sys(e, errno, "linux.seccomp.listenerPath %s: connect", path);
	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	do
		n = sendmsg(s, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return sk_err_sys(e, errno, "linux.seccomp.listenerPath %s: send", path);
	/* the fd went with the first byte; the rest of the state follows */
	for (size_t off = (size_t)n; off < iov.iov_len;) {
		n = send(s, json + off, iov.iov_len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return sk_err_sys(e, n < 0 ? errno : EIO,
					  "linux.seccomp.listenerPath %s: send", path);
		off += (size_t)n;
	}
	return 0;
}

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
	size_t len = strlen(json);
	ssize_t n;

	if (s < 0)
		return sk_err_sys(e, errno, "linux.seccomp.listenerPath: socket");
	n = sk_unix_connect(s, path);
	if (n == -ENAMETOOLONG)
		return sk_err_set(e, ENAMETOOLONG, "linux.seccomp.listenerPath %s: path too long",
				  path);
	if (n < 0)
		return sk_err_sys(e, (int)n, "linux.seccomp.listenerPath %s: connect", path);
	n = sk_send_fd(s, fd, json, len);
	if (n < 0)
		return sk_err_sys(e, (int)n, "linux.seccomp.listenerPath %s: send", path);
	/* the fd went with the first byte; the rest of the state follows */
	for (size_t off = (size_t)n; off < len;) {
		n = send(s, json + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return sk_err_sys(e, n < 0 ? errno : EIO,
					  "linux.seccomp.listenerPath %s: send", path);
		off += (size_t)n;
	}
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wire.c - the framed protocol `skiff migrate` speaks between the source
 * and the target, over one TCP connection.
 *
 * A frame is a 12-byte header -- "SKMG", the type and the payload's
 * length, both 32-bit big-endian -- then the payload (at most
 * SK_WIRE_MAX_PAYLOAD bytes).  Every connect, accept, read and write
 * waits in poll(2) against one deadline (the connection's timeout from
 * the moment the call starts), and also returns when the connection's
 * cancel fd (a signalfd) becomes readable: nothing waits forever.
 *
 * An image file travels in one FILE frame: name length (16 bits), the
 * name, the file's size (64 bits), its XXH64 checksum, then the
 * bytes.  The receiver checks both before it writes anything.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static const char magic[4] = { 'S', 'K', 'M', 'G' };

static const char *const type_names[] = {
	[SK_WIRE_HELLO] = "HELLO",     [SK_WIRE_OK] = "OK",	  [SK_WIRE_ERROR] = "ERROR",
	[SK_WIRE_ROUND] = "ROUND",     [SK_WIRE_READY] = "READY", [SK_WIRE_DUMPED] = "DUMPED",
	[SK_WIRE_BYTES] = "BYTES",     [SK_WIRE_FILE] = "FILE",	  [SK_WIRE_END] = "END",
	[SK_WIRE_RUNNING] = "RUNNING", [SK_WIRE_ABORT] = "ABORT", [SK_WIRE_RESTORED] = "RESTORED",
	[SK_WIRE_COMMIT] = "COMMIT",
};

const char *sk_wire_type_name(uint32_t type)
{
	if (type < sizeof(type_names) / sizeof(type_names[0]) && type_names[type])
		return type_names[type];
	return "unknown";
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

void sk_wire_header(uint8_t hdr[SK_WIRE_HDR], uint32_t type, uint32_t len)
{
	memcpy(hdr, magic, 4);
	put32(hdr + 4, type);
	put32(hdr + 8, len);
}

int sk_wire_parse_header(const uint8_t hdr[SK_WIRE_HDR], uint32_t *type, uint32_t *len,
			 struct sk_err *e)
{
	if (memcmp(hdr, magic, 4))
		return sk_err_set(e, EPROTO, "migrate: not a skiff migrate peer (bad frame magic)");
	*type = get32(hdr + 4);
	*len = get32(hdr + 8);
	if (*type == 0 || *type >= SK_WIRE__MAX)
		return sk_err_set(e, EPROTO, "migrate: unknown message type %u", *type);
	if (*len > SK_WIRE_MAX_PAYLOAD)
		return sk_err_set(e, EPROTO, "migrate: %s message of %u bytes is over the limit",
				  sk_wire_type_name(*type), *len);
	return 0;
}

uint64_t sk_wire_sum(const void *data, size_t len)
{
	return sk_xxh64(data, len, 0);
}

/* ------------------------------------------------------------- addresses */

int sk_wire_parse_addr(const char *s, struct sk_wire_addr *a, struct sk_err *e)
{
	const char *in = s, *colon;
	char host[64];
	size_t n;
	uint64_t port;

	memset(a, 0, sizeof(*a));
	if (!strncmp(s, "tcp://", 6))
		s += 6;
	if (*s == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':')
			return sk_err_set(e, EINVAL, "address %s: expected [IPv6]:PORT", in);
		n = (size_t)(end - s - 1);
		s++;
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)
			return sk_err_set(e, EINVAL, "address %s: expected HOST:PORT", in);
		n = (size_t)(colon - s);
	}
	if (n == 0 || n >= sizeof(host))
		return sk_err_set(e, EINVAL, "address %s: no host", in);
	memcpy(host, s, n);
	host[n] = '\0';
	if (sk_parse_u64(colon + 1, &port) < 0 || port == 0 || port > 65535)
		return sk_err_set(e, EINVAL, "address %s: port must be 1 to 65535", in);
	a->port = (uint16_t)port;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a->ss;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(a->port);
		a->len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(a->port);
		a->len = sizeof(*v6);
	} else {
		return sk_err_set(e, EINVAL, "address %s: %s is not a numeric IPv4 or IPv6 address",
				  in, host);
	}
	snprintf(a->host, sizeof(a->host), "%s", host);
	return 0;
}

/* ---------------------------------------------------------------- I/O */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until @fd has @events, the deadline passes (-ETIMEDOUT) or the
 * cancel fd fires (-EINTR). */
static int wait_fd(const struct sk_wire *w, int fd, short events, int64_t deadline,
		   const char *what, struct sk_err *e)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = events },
				       { .fd = w->cancel_fd, .events = POLLIN } };
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return sk_err_set(e, ETIMEDOUT, "migrate: timed out after %d s %s",
					  w->timeout_ms / 1000, what);
		int r = poll(p, w->cancel_fd >= 0 ? 2 : 1, (int)(left > 60000 ? 60000 : left));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sk_err_sys(e, errno, "migrate: poll");
		if (r > 0 && w->cancel_fd >= 0 && p[1].revents)
			return sk_err_set(e, EINTR, "migrate: interrupted by a signal %s", what);
		if (r > 0 && p[0].revents)
			return 0;
	}
}

int sk_wire_listen(const struct sk_wire_addr *a, int *out, struct sk_err *e)
{
	_cleanup_close_ int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return sk_err_sys(e, errno, "migrate: socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0)
		return sk_err_sys(e, errno, "migrate: listen on %s:%u", a->host, a->port);
	if (listen(fd, 1) < 0)
		return sk_err_sys(e, errno, "migrate: listen on %s:%u", a->host, a->port);
	*out = sk_steal_fd(&fd);
	return 0;
}

int sk_wire_accept(struct sk_wire *w, int lfd, struct sk_err *e)
{
	int r = wait_fd(w, lfd, POLLIN, now_ms() + w->timeout_ms, "waiting for the source", e);

	if (r < 0)
		return r;
	w->fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (w->fd < 0)
		return sk_err_sys(e, errno, "migrate: accept");
	return 0;
}

int sk_wire_connect(struct sk_wire *w, const struct sk_wire_addr *a, struct sk_err *e)
{
	_cleanup_close_ int fd =
		socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int err = 0;
	socklen_t len = sizeof(err);

	if (fd < 0)
		return sk_err_sys(e, errno, "migrate: socket");
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) < 0 && errno != EINPROGRESS)
		return sk_err_sys(e, errno, "migrate: connect to %s:%u", a->host, a->port);
	int r = wait_fd(w, fd, POLLOUT, now_ms() + w->timeout_ms, "connecting to the target", e);
	if (r < 0)
		return r;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
		return sk_err_sys(e, err ? err : errno, "migrate: connect to %s:%u", a->host,
				  a->port);
	w->fd = sk_steal_fd(&fd);
	return 0;
}

static int io_all(struct sk_wire *w, void *buf, size_t len, bool out, int64_t deadline,
		  struct sk_err *e)
{
	uint8_t *p = buf;

	while (len > 0) {
		int r = wait_fd(w, w->fd, out ? POLLOUT : POLLIN, deadline,
				out ? "sending to the peer" : "waiting for the peer", e);
		if (r < 0)
			return r;
		ssize_t n = out ? send(w->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT)
				: recv(w->fd, p, len, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return sk_err_sys(e, errno, "migrate: connection lost");
		if (n == 0)
			return sk_err_set(e, ECONNRESET, "migrate: connection closed by the peer");
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int sk_wire_send(struct sk_wire *w, uint32_t type, const void *data, size_t len, struct sk_err *e)
{
	uint8_t hdr[SK_WIRE_HDR];
	int64_t deadline = now_ms() + w->timeout_ms;

	if (len > SK_WIRE_MAX_PAYLOAD)
		return sk_err_set(e, EFBIG, "migrate: %s message of %zu bytes is over the limit",
				  sk_wire_type_name(type), len);
	sk_wire_header(hdr, type, (uint32_t)len);
	int r = io_all(w, hdr, sizeof(hdr), true, deadline, e);
	if (r == 0 && len)
		r = io_all(w, (void *)data, len, true, deadline, e);
	return r;
}

int sk_wire_send_str(struct sk_wire *w, uint32_t type, const char *s, struct sk_err *e)
{
	return sk_wire_send(w, type, s, strlen(s), e);
}

int sk_wire_recv(struct sk_wire *w, struct sk_wire_msg *m, struct sk_err *e)
{
	uint8_t hdr[SK_WIRE_HDR];
	int64_t deadline = now_ms() + w->timeout_ms;
	int r = io_all(w, hdr, sizeof(hdr), false, deadline, e);

	memset(m, 0, sizeof(*m));
	if (r == 0)
		r = sk_wire_parse_header(hdr, &m->type, &m->len, e);
	if (r < 0)
		return r;
	m->data = sk_xmalloc((size_t)m->len + 1);
	r = io_all(w, m->data, m->len, false, deadline, e);
	if (r < 0) {
		free(m->data);
		m->data = NULL;
		return r;
	}
	m->data[m->len] = '\0';
	return 0;
}

int sk_wire_expect(struct sk_wire *w, uint32_t type, struct sk_wire_msg *m, struct sk_err *e)
{
	int r = sk_wire_recv(w, m, e);

	if (r < 0)
		return r;
	if (m->type == type)
		return 0;
	if (m->type == SK_WIRE_ERROR)
		r = sk_err_set(e, EREMOTEIO, "%s", m->data);
	else
		r = sk_err_set(e, EPROTO, "migrate: expected %s from the peer, got %s",
			       sk_wire_type_name(type), sk_wire_type_name(m->type));
	free(m->data);
	m->data = NULL;
	return r;
}

void sk_wire_close_after_error(struct sk_wire *w)
{
	int64_t deadline = now_ms() + w->timeout_ms;
	char buf[65536];
	struct sk_err ign;

	/* the peer may still be sending: closing with unread data would
	 * reset the connection and lose the ERROR just sent */
	shutdown(w->fd, SHUT_WR);
	while (wait_fd(w, w->fd, POLLIN, deadline, "", &ign) == 0) {
		ssize_t n = recv(w->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			break;
	}
	close(w->fd);
	w->fd = -1;
}

/* ---------------------------------------------------------------- files */

#define FILE_FIXED (2 + 8 + 8)

char *sk_wire_file_pack(const char *name, const void *data, uint64_t size, size_t *len)
{
	size_t nl = strlen(name);
	uint8_t *p = sk_xmalloc(FILE_FIXED + nl + size);

	p[0] = (uint8_t)(nl >> 8);
	p[1] = (uint8_t)nl;
	memcpy(p + 2, name, nl);
	put64(p + 2 + nl, size);
	put64(p + 2 + nl + 8, sk_wire_sum(data, size));
	memcpy(p + FILE_FIXED + nl, data, size);
	*len = FILE_FIXED + nl + size;
	return (char *)p;
}

int sk_wire_file_unpack(const char *payload, size_t len, struct sk_wire_file *f, struct sk_err *e)
{
	const uint8_t *p = (const uint8_t *)payload;
	size_t nl;

	memset(f, 0, sizeof(*f));
	if (len < 2 || (nl = (size_t)p[0] << 8 | p[1]) == 0 || len < FILE_FIXED + nl)
		return sk_err_set(e, EPROTO, "migrate: a malformed image file message");
	if (nl >= sizeof(f->name) || memchr(p + 2, '/', nl) || memchr(p + 2, '\0', nl) ||
	    (nl <= 2 && !memcmp(p + 2, "..", nl)))
		return sk_err_set(e, EPROTO, "migrate: an image file with a bad name");
	memcpy(f->name, p + 2, nl);
	f->name[nl] = '\0';
	f->size = get64(p + 2 + nl);
	f->sum = get64(p + 2 + nl + 8);
	f->data = payload + FILE_FIXED + nl;
	size_t got = len - FILE_FIXED - nl;
	if (got != f->size)
		return sk_err_set(e, EIO, "migrate: image %s is truncated: %zu of %llu bytes",
				  f->name, got, (unsigned long long)f->size);
	if (sk_wire_sum(f->data, got) != f->sum)
		return sk_err_set(e, EIO,
				  "migrate: image %s is corrupted: its checksum does not match (%zu bytes)",
				  f->name, got);
	return 0;
}

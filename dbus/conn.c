/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conn.c - one D-Bus connection over a unix socket: SASL EXTERNAL, Hello
 * on a message bus, method calls and their replies, signals kept for
 * whoever waits for them.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#define MAX_KEPT 4096

struct sk_dbus {
	int fd;
	uint32_t serial;
	uint8_t *rx;
	size_t rn, rcap;
	struct sk_dbus_msg **kept; /* signals not asked for yet, oldest first */
	size_t nkept;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Read more bytes into the receive buffer, by @deadline (ms). */
static int fill(struct sk_dbus *c, long long deadline, struct sk_err *e)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	ssize_t n;
	int r;

	do {
		long long left = deadline - now_ms();
		if (left < 0)
			left = 0;
		r = poll(&p, 1, (int)left);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return sk_err_sys(e, errno, "D-Bus: poll");
	if (r == 0)
		return sk_err_set(e, ETIMEDOUT, "D-Bus: no answer in time");
	if (c->rcap - c->rn < 4096) {
		c->rcap = c->rcap * 2 + 8192;
		c->rx = sk_xrealloc(c->rx, c->rcap);
	}
	do
		n = read(c->fd, c->rx + c->rn, c->rcap - c->rn);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return sk_err_sys(e, errno, "D-Bus: read");
	if (n == 0)
		return sk_err_set(e, ECONNRESET, "D-Bus: the peer closed the connection");
	c->rn += (size_t)n;
	return 0;
}

static int recv_msg(struct sk_dbus *c, long long deadline, struct sk_dbus_msg **out, struct sk_err *e)
{
	for (;;) {
		long want = sk_dbus_msg_size(c->rx, c->rn);
		if (want < 0)
			return sk_err_set(e, EBADMSG, "D-Bus: malformed message header");
		if (want > 0 && c->rn >= (size_t)want) {
			uint8_t *buf = sk_xmalloc((size_t)want);
			memcpy(buf, c->rx, (size_t)want);
			memmove(c->rx, c->rx + want, c->rn - (size_t)want);
			c->rn -= (size_t)want;
			if (sk_dbus_msg_parse(buf, (size_t)want, out) < 0) {
				free(buf);
				return sk_err_set(e, EBADMSG, "D-Bus: malformed message");
			}
			return 0;
		}
		int r = fill(c, deadline, e);
		if (r < 0)
			return r;
	}
}

static void keep(struct sk_dbus *c, struct sk_dbus_msg *m)
{
	if (c->nkept == MAX_KEPT) {
		sk_dbus_msg_free(c->kept[0]);
		memmove(c->kept, c->kept + 1, (c->nkept - 1) * sizeof(*c->kept));
		c->nkept--;
	}
	c->kept = sk_xrealloc(c->kept, (c->nkept + 1) * sizeof(*c->kept));
	c->kept[c->nkept++] = m;
}

/* Wait until the peer has read BEGIN.  systemd's private socket (sd-bus
 * as a server, systemd 252) reads whatever is there with the BEGIN line
 * and leaves bytes after it unprocessed until more arrive: a call written
 * right after BEGIN then waited forever about one time in two.  On a unix
 * socket, SIOCOUTQ counts what the peer has not read yet. */
static int begin_read(struct sk_dbus *c, long long deadline)
{
	int left = 1;

	while (ioctl(c->fd, SIOCOUTQ, &left) == 0 && left > 0 && now_ms() < deadline)
		poll(NULL, 0, 1);
	return 0;
}

/* The uid the peer sees for us: in a user namespace (rootless Podman
 * runs its runtime as root in one) our euid as its parent namespace has
 * it, from /proc/self/uid_map; the peer (the user's systemd, the user's
 * bus) checks the claim against the socket's credentials. */
static unsigned long peer_uid(void)
{
	_cleanup_free_ char *map = NULL;
	struct sk_err ign;
	unsigned long uid = geteuid(), in, out, n;
	const char *p;

	if (sk_read_file_at(AT_FDCWD, "/proc/self/uid_map", &map, NULL, &ign) < 0)
		return uid;
	for (p = map; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (sscanf(p, "%lu %lu %lu", &in, &out, &n) == 3 && uid >= in && uid - in < n)
			return out + (uid - in);
	return uid;
}

/* The AUTH exchange: one line out, "OK <guid>" back, BEGIN. */
static int auth(struct sk_dbus *c, long long deadline, struct sk_err *e)
{
	_cleanup_strbuf_ struct sk_strbuf line = { 0 };
	char uid[24], *nl;
	int r;

	snprintf(uid, sizeof(uid), "%lu", peer_uid());
	sk_strbuf_add(&line, "AUTH EXTERNAL ");
	for (char *p = uid; *p; p++)
		sk_strbuf_addf(&line, "%02x", (unsigned char)*p);
	sk_strbuf_add(&line, "\r\n");
	if (sk_write_all(c->fd, "", 1) < 0 || sk_write_all(c->fd, line.s, line.len) < 0)
		return sk_err_sys(e, errno, "D-Bus: write");
	while (!(c->rn && (nl = memchr(c->rx, '\n', c->rn)))) {
		if (c->rn > 512)
			return sk_err_set(e, EPROTO, "D-Bus: bad answer to AUTH");
		r = fill(c, deadline, e);
		if (r < 0)
			return r;
	}
	if (c->rn < 3 || memcmp(c->rx, "OK ", 3))
		return sk_err_set(e, EACCES, "D-Bus: authentication refused (\"%.*s\")",
				  (int)strcspn((char *)c->rx, "\r\n"), (char *)c->rx);
	c->rn -= (size_t)(nl + 1 - (char *)c->rx);
	memmove(c->rx, nl + 1, c->rn);
	if (sk_write_all(c->fd, "BEGIN\r\n", 7) < 0)
		return sk_err_sys(e, errno, "D-Bus: write");
	return begin_read(c, deadline);
}

int sk_dbus_open(const char *path, bool hello, struct sk_dbus **out, struct sk_err *e)
{
	struct sk_dbus *c = sk_xcalloc(1, sizeof(*c));
	int r;

	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		r = sk_err_sys(e, errno, "D-Bus: socket");
		goto fail;
	}
	r = sk_unix_connect(c->fd, path);
	if (r < 0) {
		r = sk_err_sys(e, -r, "%s", path);
		goto fail;
	}
	r = auth(c, now_ms() + 10000, e);
	if (r == 0 && hello)
		r = sk_dbus_call(c, "org.freedesktop.DBus", "/org/freedesktop/DBus",
				 "org.freedesktop.DBus", "Hello", NULL, NULL, 10000, NULL, e);
	if (r < 0) {
		sk_err_prefix(e, "%s", path);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	sk_dbus_close(c);
	return r;
}

void sk_dbus_close(struct sk_dbus *c)
{
	if (c->fd >= 0)
		close(c->fd);
	for (size_t i = 0; i < c->nkept; i++)
		sk_dbus_msg_free(c->kept[i]);
	free(c->kept);
	free(c->rx);
	free(c);
}

static int error_reply(const struct sk_dbus_msg *m, struct sk_err *e)
{
	struct sk_dbus_r r = m->body;
	const char *text = NULL;
	size_t l = strlen(m->error);
	int code = l >= 10 && !strcmp(m->error + l - 10, "NoSuchUnit") ? ENOENT : EIO;

	if (m->sig[0] == 's' && sk_dbus_get_str(&r, &text) == 0 && *text)
		return sk_err_set(e, code, "%s (%s)", text, m->error);
	return sk_err_set(e, code, "%s", m->error);
}

int sk_dbus_call(struct sk_dbus *c, const char *dest, const char *path, const char *iface,
		 const char *member, const char *sig, const struct sk_dbus_w *body, int timeout_ms,
		 struct sk_dbus_msg **reply, struct sk_err *e)
{
	long long deadline = now_ms() + timeout_ms;
	_cleanup_free_ uint8_t *buf = NULL;
	uint32_t serial = ++c->serial;
	size_t len;
	int r;

	if (reply)
		*reply = NULL;
	sk_dbus_build_call(serial, dest, path, iface, member, sig, body, &buf, &len);
	if (sk_write_all(c->fd, buf, len) < 0)
		return sk_err_sys(e, errno, "D-Bus: write");
	for (;;) {
		struct sk_dbus_msg *m = NULL;
		r = recv_msg(c, deadline, &m, e);
		if (r < 0)
			return sk_err_prefix(e, "%s", member);
		if (m->type == SK_DBUS_SIGNAL) {
			keep(c, m);
			continue;
		}
		if ((m->type != SK_DBUS_RETURN && m->type != SK_DBUS_ERROR) ||
		    m->reply_serial != serial) {
			sk_dbus_msg_free(m);
			continue;
		}
		if (m->type == SK_DBUS_ERROR) {
			r = error_reply(m, e);
			sk_dbus_msg_free(m);
			return r;
		}
		if (reply)
			*reply = m;
		else
			sk_dbus_msg_free(m);
		return 0;
	}
}

static bool is(const struct sk_dbus_msg *m, const char *iface, const char *member)
{
	return m->iface && !strcmp(m->iface, iface) && !strcmp(m->member, member);
}

int sk_dbus_next_signal(struct sk_dbus *c, const char *iface, const char *member, int timeout_ms,
			struct sk_dbus_msg **out, struct sk_err *e)
{
	long long deadline = now_ms() + timeout_ms;

	for (size_t i = 0; i < c->nkept; i++) {
		if (is(c->kept[i], iface, member)) {
			*out = c->kept[i];
			memmove(c->kept + i, c->kept + i + 1, (c->nkept - i - 1) * sizeof(*c->kept));
			c->nkept--;
			return 0;
		}
	}
	for (;;) {
		struct sk_dbus_msg *m = NULL;
		int r = recv_msg(c, deadline, &m, e);
		if (r < 0)
			return r;
		if (m->type == SK_DBUS_SIGNAL && is(m, iface, member)) {
			*out = m;
			return 0;
		}
		sk_dbus_msg_free(m);
	}
}

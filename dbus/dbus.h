/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dbus.h - a minimal D-Bus client, enough to ask systemd for a transient
 * scope: SASL EXTERNAL, Hello, method calls with the few signatures
 * skiff needs, replies, errors and signals.  No libdbus, no sd-bus: skiff
 * is a static binary (README: "The systemd cgroup driver").
 *
 * marshal.c is pure (unit-tested): a body writer, a reader, and the
 * message header's build and parse.  conn.c speaks to a socket.
 * Alignment is relative to the start of the body, which the header pads
 * to 8 bytes, so it is the same as relative to the message.
 */
#ifndef SKIFF_DBUS_H
#define SKIFF_DBUS_H

#include "../base/base.h"

enum sk_dbus_type {
	SK_DBUS_CALL = 1,
	SK_DBUS_RETURN = 2,
	SK_DBUS_ERROR = 3,
	SK_DBUS_SIGNAL = 4,
};

/* ------------------------------------------------------------ writer */

#define SK_DBUS_MAX_DEPTH 16

struct sk_dbus_w {
	uint8_t *b;
	size_t n, cap;
	size_t open[SK_DBUS_MAX_DEPTH];	 /* arrays: offset of the length word */
	size_t start[SK_DBUS_MAX_DEPTH]; /* arrays: offset of the first element */
	int depth;
};

static inline void sk_dbus_w_free(struct sk_dbus_w *w)
{
	free(w->b);
	*w = (struct sk_dbus_w){ 0 };
}
#define _cleanup_dbus_w_ _cleanup_(sk_dbus_w_free)

void sk_dbus_put_byte(struct sk_dbus_w *w, uint8_t v);
void sk_dbus_put_bool(struct sk_dbus_w *w, bool v);
void sk_dbus_put_u32(struct sk_dbus_w *w, uint32_t v);
void sk_dbus_put_u64(struct sk_dbus_w *w, uint64_t v);
void sk_dbus_put_str(struct sk_dbus_w *w, const char *s); /* s and o */
/* An array whose elements align to @align (1, 4, 8; structs 8). */
void sk_dbus_open_array(struct sk_dbus_w *w, size_t align);
void sk_dbus_close_array(struct sk_dbus_w *w);
/* A struct: aligns to 8 (it has no end marker). */
void sk_dbus_open_struct(struct sk_dbus_w *w);
/* One (sv) of an a(sv) property list: struct, name, variant of @sig. */
void sk_dbus_prop(struct sk_dbus_w *w, const char *name, const char *sig);

/* ------------------------------------------------------------ reader */

struct sk_dbus_r {
	const uint8_t *b;
	size_t n, pos;
	bool swap; /* the message's byte order is not ours */
};

/* Each returns 0, or -EBADMSG past the end or on a malformed value.
 * Strings point into the message (they are NUL-terminated there).
 * (More in internal.h.) */
int sk_dbus_get_u32(struct sk_dbus_r *r, uint32_t *v);
int sk_dbus_get_str(struct sk_dbus_r *r, const char **s); /* s, o */

/* ----------------------------------------------------------- message */

struct sk_dbus_msg {
	uint8_t *buf; /* the whole message */
	size_t len;
	uint8_t type, flags;
	uint32_t serial, reply_serial;
	const char *path, *iface, *member, *error, *dest, *sender, *sig; /* into buf */
	struct sk_dbus_r body; /* a reader at the body's start */
};

static inline void sk_dbus_msg_free(struct sk_dbus_msg *m)
{
	free(m->buf);
	free(m);
}
static inline void sk_dbus_msg_freep(struct sk_dbus_msg **m)
{
	if (*m)
		sk_dbus_msg_free(*m);
}
#define _cleanup_dbus_msg_ _cleanup_(sk_dbus_msg_freep)

/* -------------------------------------------------------- connection */

struct sk_dbus;

/* Connect to the bus (or peer) at the unix socket @path and authenticate
 * (EXTERNAL, our euid); @hello: a message bus, say Hello first (systemd's
 * private socket is a peer: no Hello). */
__must_check int sk_dbus_open(const char *path, bool hello, struct sk_dbus **out, struct sk_err *e);
void sk_dbus_close(struct sk_dbus *c);
static inline void sk_dbus_closep(struct sk_dbus **c)
{
	if (*c)
		sk_dbus_close(*c);
}
#define _cleanup_dbus_ _cleanup_(sk_dbus_closep)

/* Call and wait (@timeout_ms) for the reply: *reply the return message
 * (may be NULL when not wanted).  An error reply is one line in @e,
 * "NAME: text", and -EIO (-ENOENT for ...NoSuchUnit). Signals that
 * arrive meanwhile are kept for sk_dbus_next_signal. */
__must_check int sk_dbus_call(struct sk_dbus *c, const char *dest, const char *path,
			      const char *iface, const char *member, const char *sig,
			      const struct sk_dbus_w *body, int timeout_ms,
			      struct sk_dbus_msg **reply, struct sk_err *e);
/* The next signal @iface.@member (kept ones first), waiting up to
 * @timeout_ms; -ETIMEDOUT when none came. */
__must_check int sk_dbus_next_signal(struct sk_dbus *c, const char *iface, const char *member,
				     int timeout_ms, struct sk_dbus_msg **out, struct sk_err *e);

#endif

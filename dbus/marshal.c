/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * marshal.c - D-Bus wire format (the specification's "Message Protocol"):
 * a body writer in our byte order, a reader of either byte order, and the
 * message header.  Pure: no I/O.
 */
#include "internal.h"

#include <errno.h>
#include <string.h>

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define OUR_ORDER 'l'
#else
#define OUR_ORDER 'B'
#endif

/* the specification's limits: 128 MiB a message, 64 MiB an array */
#define MAX_MSG (128u << 20)
#define MAX_ARRAY (64u << 20)
#define MAX_NEST 32

enum { F_PATH = 1, F_IFACE, F_MEMBER, F_ERROR, F_REPLY, F_DEST, F_SENDER, F_SIG };

/* ------------------------------------------------------------ writer */

static void grow(struct sk_dbus_w *w, size_t more)
{
	if (w->n + more <= w->cap)
		return;
	w->cap = (w->n + more) * 2 + 64;
	w->b = sk_xrealloc(w->b, w->cap);
}

static void pad(struct sk_dbus_w *w, size_t align)
{
	size_t k = (align - w->n % align) % align;

	if (k == 0)
		return; /* w->b may still be NULL: no memset(NULL, 0, 0) */
	grow(w, k);
	memset(w->b + w->n, 0, k);
	w->n += k;
}

static void put(struct sk_dbus_w *w, size_t align, const void *p, size_t len)
{
	pad(w, align);
	if (len == 0)
		return;
	grow(w, len);
	memcpy(w->b + w->n, p, len);
	w->n += len;
}

void sk_dbus_put_byte(struct sk_dbus_w *w, uint8_t v)
{
	put(w, 1, &v, 1);
}

void sk_dbus_put_u32(struct sk_dbus_w *w, uint32_t v)
{
	put(w, 4, &v, 4);
}

void sk_dbus_put_bool(struct sk_dbus_w *w, bool v)
{
	sk_dbus_put_u32(w, v ? 1 : 0);
}

void sk_dbus_put_u64(struct sk_dbus_w *w, uint64_t v)
{
	put(w, 8, &v, 8);
}

void sk_dbus_put_str(struct sk_dbus_w *w, const char *s)
{
	size_t l = strlen(s);

	sk_dbus_put_u32(w, (uint32_t)l);
	put(w, 1, s, l + 1);
}

void sk_dbus_put_sig(struct sk_dbus_w *w, const char *s)
{
	size_t l = strlen(s);

	sk_dbus_put_byte(w, (uint8_t)l);
	put(w, 1, s, l + 1);
}

void sk_dbus_open_array(struct sk_dbus_w *w, size_t align)
{
	if (w->depth >= SK_DBUS_MAX_DEPTH)
		abort(); /* a bug in the caller: no message nests this deep */
	pad(w, 4);
	w->open[w->depth] = w->n;
	sk_dbus_put_u32(w, 0);
	pad(w, align);
	w->start[w->depth++] = w->n;
}

void sk_dbus_close_array(struct sk_dbus_w *w)
{
	uint32_t len;

	if (w->depth <= 0)
		abort();
	w->depth--;
	len = (uint32_t)(w->n - w->start[w->depth]);
	memcpy(w->b + w->open[w->depth], &len, 4);
}

void sk_dbus_open_struct(struct sk_dbus_w *w)
{
	pad(w, 8);
}

void sk_dbus_open_variant(struct sk_dbus_w *w, const char *sig)
{
	sk_dbus_put_sig(w, sig);
}

void sk_dbus_prop(struct sk_dbus_w *w, const char *name, const char *sig)
{
	sk_dbus_open_struct(w);
	sk_dbus_put_str(w, name);
	sk_dbus_open_variant(w, sig);
}

/* ------------------------------------------------------------ reader */

static int ralign(struct sk_dbus_r *r, size_t a)
{
	size_t p = (r->pos + a - 1) / a * a;

	if (p > r->n)
		return -EBADMSG;
	for (size_t i = r->pos; i < p; i++)
		if (r->b[i])
			return -EBADMSG; /* padding must be zero */
	r->pos = p;
	return 0;
}

static int rget(struct sk_dbus_r *r, size_t a, void *out, size_t len)
{
	uint8_t *o = out;

	if (ralign(r, a) < 0 || r->n - r->pos < len)
		return -EBADMSG;
	for (size_t i = 0; i < len; i++)
		o[i] = r->b[r->pos + (r->swap ? len - 1 - i : i)];
	r->pos += len;
	return 0;
}

int sk_dbus_get_byte(struct sk_dbus_r *r, uint8_t *v)
{
	return rget(r, 1, v, 1);
}

int sk_dbus_get_u32(struct sk_dbus_r *r, uint32_t *v)
{
	return rget(r, 4, v, 4);
}

int sk_dbus_get_u64(struct sk_dbus_r *r, uint64_t *v)
{
	return rget(r, 8, v, 8);
}

static int get_text(struct sk_dbus_r *r, size_t len, const char **s)
{
	if (r->n - r->pos < len + 1 || r->b[r->pos + len] || memchr(r->b + r->pos, 0, len))
		return -EBADMSG;
	*s = (const char *)r->b + r->pos;
	r->pos += len + 1;
	return 0;
}

int sk_dbus_get_str(struct sk_dbus_r *r, const char **s)
{
	uint32_t len;

	if (sk_dbus_get_u32(r, &len) < 0)
		return -EBADMSG;
	return get_text(r, len, s);
}

int sk_dbus_get_sig(struct sk_dbus_r *r, const char **s)
{
	uint8_t len;

	if (sk_dbus_get_byte(r, &len) < 0)
		return -EBADMSG;
	return get_text(r, len, s);
}

static size_t align_of(char c)
{
	switch (c) {
	case 'y':
	case 'g':
	case 'v':
		return 1;
	case 'n':
	case 'q':
		return 2;
	case 'x':
	case 't':
	case 'd':
	case '(':
	case '{':
		return 8;
	default:
		return 4; /* b i u h s o a */
	}
}

/* Past the single complete type at @s; NULL when malformed. */
static const char *type_end(const char *s, int nest)
{
	if (nest > MAX_NEST)
		return NULL;
	switch (*s) {
	case 'a':
		return type_end(s + 1, nest + 1);
	case '(':
	case '{': {
		char close = *s == '(' ? ')' : '}';
		s++;
		while (s && *s && *s != close)
			s = type_end(s, nest + 1);
		return s && *s == close ? s + 1 : NULL;
	}
	case '\0':
	case ')':
	case '}':
		return NULL;
	default:
		return strchr("ybnqiuxtdhsogv", *s) ? s + 1 : NULL;
	}
}

static int skip(struct sk_dbus_r *r, const char **sig, int nest)
{
	const char *s = *sig, *end = type_end(s, nest);
	const char *str;
	uint8_t tmp[8];
	uint32_t len;

	if (!end)
		return -EBADMSG;
	switch (*s) {
	case 'y':
		if (rget(r, 1, tmp, 1) < 0)
			return -EBADMSG;
		break;
	case 'n':
	case 'q':
		if (rget(r, 2, tmp, 2) < 0)
			return -EBADMSG;
		break;
	case 'b':
	case 'i':
	case 'u':
	case 'h':
		if (rget(r, 4, tmp, 4) < 0)
			return -EBADMSG;
		break;
	case 'x':
	case 't':
	case 'd':
		if (rget(r, 8, tmp, 8) < 0)
			return -EBADMSG;
		break;
	case 's':
	case 'o':
		if (sk_dbus_get_str(r, &str) < 0)
			return -EBADMSG;
		break;
	case 'g':
		if (sk_dbus_get_sig(r, &str) < 0)
			return -EBADMSG;
		break;
	case 'v': {
		const char *vs;
		if (sk_dbus_get_sig(r, &str) < 0 || nest > MAX_NEST)
			return -EBADMSG;
		vs = str;
		if (skip(r, &vs, nest + 1) < 0 || *vs)
			return -EBADMSG;
		break;
	}
	case 'a':
		if (sk_dbus_get_u32(r, &len) < 0 || len > MAX_ARRAY ||
		    ralign(r, align_of(s[1])) < 0 || r->n - r->pos < len)
			return -EBADMSG;
		r->pos += len; /* the elements are not looked at */
		break;
	default: /* ( { */
		if (ralign(r, 8) < 0)
			return -EBADMSG;
		for (const char *e = s + 1; e < end - 1;)
			if (skip(r, &e, nest + 1) < 0)
				return -EBADMSG;
		break;
	}
	*sig = end;
	return 0;
}

int sk_dbus_skip(struct sk_dbus_r *r, const char **sig)
{
	return skip(r, sig, 0);
}

/* ----------------------------------------------------------- message */

static void field(struct sk_dbus_w *w, uint8_t code, const char *sig, const char *v)
{
	sk_dbus_open_struct(w);
	sk_dbus_put_byte(w, code);
	sk_dbus_open_variant(w, sig);
	if (*sig == 'g')
		sk_dbus_put_sig(w, v);
	else
		sk_dbus_put_str(w, v);
}

void sk_dbus_build_call(uint32_t serial, const char *dest, const char *path, const char *iface,
			const char *member, const char *sig, const struct sk_dbus_w *body,
			uint8_t **out, size_t *len)
{
	struct sk_dbus_w w = { 0 };
	size_t blen = body ? body->n : 0;

	sk_dbus_put_byte(&w, OUR_ORDER);
	sk_dbus_put_byte(&w, SK_DBUS_CALL);
	sk_dbus_put_byte(&w, 0);
	sk_dbus_put_byte(&w, 1);
	sk_dbus_put_u32(&w, (uint32_t)blen);
	sk_dbus_put_u32(&w, serial);
	sk_dbus_open_array(&w, 8);
	field(&w, F_PATH, "o", path);
	if (iface)
		field(&w, F_IFACE, "s", iface);
	field(&w, F_MEMBER, "s", member);
	if (dest)
		field(&w, F_DEST, "s", dest);
	if (sig && *sig)
		field(&w, F_SIG, "g", sig);
	sk_dbus_close_array(&w);
	pad(&w, 8);
	if (blen)
		put(&w, 1, body->b, blen);
	*out = w.b;
	*len = w.n;
}

static uint32_t u32_at(const uint8_t *b, bool swap)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return swap ? __builtin_bswap32(v) : v;
}

long sk_dbus_msg_size(const uint8_t *b, size_t n)
{
	uint64_t total;
	bool swap;

	if (n < 16)
		return 0;
	if ((b[0] != 'l' && b[0] != 'B') || b[3] != 1)
		return -EBADMSG;
	swap = b[0] != OUR_ORDER;
	total = (16 + (uint64_t)u32_at(b + 12, swap) + 7) / 8 * 8 + u32_at(b + 4, swap);
	return total > MAX_MSG ? -EBADMSG : (long)total;
}

static int header_field(struct sk_dbus_r *r, struct sk_dbus_msg *m)
{
	const char *sig, **str = NULL;
	uint8_t code;

	if (ralign(r, 8) < 0 || sk_dbus_get_byte(r, &code) < 0 || sk_dbus_get_sig(r, &sig) < 0)
		return -EBADMSG;
	switch (code) {
	case F_PATH:
		str = &m->path;
		break;
	case F_IFACE:
		str = &m->iface;
		break;
	case F_MEMBER:
		str = &m->member;
		break;
	case F_ERROR:
		str = &m->error;
		break;
	case F_DEST:
		str = &m->dest;
		break;
	case F_SENDER:
		str = &m->sender;
		break;
	case F_SIG:
		if (strcmp(sig, "g"))
			return -EBADMSG;
		return sk_dbus_get_sig(r, &m->sig);
	case F_REPLY:
		if (strcmp(sig, "u"))
			return -EBADMSG;
		return sk_dbus_get_u32(r, &m->reply_serial);
	default:
		break;
	}
	if (str) {
		if (strcmp(sig, "s") && strcmp(sig, "o"))
			return -EBADMSG;
		return sk_dbus_get_str(r, str);
	}
	if (sk_dbus_skip(r, &sig) < 0 || *sig)
		return -EBADMSG;
	return 0;
}

int sk_dbus_msg_parse(uint8_t *buf, size_t len, struct sk_dbus_msg **out)
{
	struct sk_dbus_msg *m = sk_xcalloc(1, sizeof(*m));
	struct sk_dbus_r r = { .b = buf, .n = len };
	long want = sk_dbus_msg_size(buf, len);
	uint32_t flen, blen;
	size_t end;

	m->buf = buf;
	m->len = len;
	m->sig = "";
	if (want <= 0 || (size_t)want != len)
		goto bad;
	r.swap = buf[0] != OUR_ORDER;
	m->type = buf[1];
	m->flags = buf[2];
	r.pos = 4;
	if (sk_dbus_get_u32(&r, &blen) < 0 || sk_dbus_get_u32(&r, &m->serial) < 0 ||
	    sk_dbus_get_u32(&r, &flen) < 0)
		goto bad;
	end = 16 + flen;
	r.n = end;
	r.pos = 16;
	while (r.pos < end)
		if (header_field(&r, m) < 0)
			goto bad;
	r.n = len;
	if (ralign(&r, 8) < 0 || len - r.pos != blen)
		goto bad;
	if (m->type < SK_DBUS_CALL || m->type > SK_DBUS_SIGNAL ||
	    ((m->type == SK_DBUS_CALL || m->type == SK_DBUS_SIGNAL) && (!m->path || !m->member)) ||
	    (m->type == SK_DBUS_ERROR && !m->error) ||
	    ((m->type == SK_DBUS_RETURN || m->type == SK_DBUS_ERROR) && !m->reply_serial))
		goto bad;
	m->body = (struct sk_dbus_r){ .b = buf + r.pos, .n = blen, .swap = r.swap };
	/* the body must be what its signature says, whole */
	r = m->body;
	for (const char *sig = m->sig; *sig;)
		if (sk_dbus_skip(&r, &sig) < 0)
			goto bad;
	if (r.pos != r.n)
		goto bad;
	*out = m;
	return 0;
bad:
	m->buf = NULL; /* the caller still owns it */
	free(m);
	return -EBADMSG;
}

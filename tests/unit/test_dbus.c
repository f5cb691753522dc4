/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_dbus.c - the D-Bus wire format of dbus/marshal.c: alignment and
 * padding, arrays, variants, the header, both byte orders, and what a
 * malformed message gets.
 */
#include "../../dbus/internal.h"
#include "unit.h"

#include <errno.h>

static bool bytes_are(const struct sk_dbus_w *w, const char *want, size_t n)
{
	return w->n == n && !memcmp(w->b, want, n);
}

TEST(dbus_basic_types_are_aligned_and_padded)
{
	_cleanup_dbus_w_ struct sk_dbus_w w = { 0 };

	sk_dbus_put_byte(&w, 7);
	sk_dbus_put_str(&w, "ab"); /* pads to 4 */
	sk_dbus_put_u64(&w, 1);	   /* 11 bytes so far: pads to 16 */
	sk_dbus_put_sig(&w, "t");
	sk_dbus_put_bool(&w, true);
	CHECK(bytes_are(&w,
			"\x07\0\0\0"
			"\x02\0\0\0ab\0"
			"\0\0\0\0\0"
			"\x01\0\0\0\0\0\0\0"
			"\x01t\0"
			"\0"
			"\x01\0\0\0",
			32));
}

TEST(dbus_arrays_hold_their_length_and_pad_to_the_element)
{
	_cleanup_dbus_w_ struct sk_dbus_w w = { 0 };
	struct sk_dbus_r r;
	uint32_t len;

	sk_dbus_open_array(&w, 8); /* empty a(sv): the length, then padding to 8 */
	sk_dbus_close_array(&w);
	CHECK(bytes_are(&w, "\0\0\0\0\0\0\0\0", 8));

	sk_dbus_open_array(&w, 1); /* ay */
	sk_dbus_put_byte(&w, 0x0f);
	sk_dbus_put_byte(&w, 0x01);
	sk_dbus_close_array(&w);
	CHECK(bytes_are(&w, "\0\0\0\0\0\0\0\0\x02\0\0\0\x0f\x01", 14));

	/* a(sv) of one property {"MemoryMax": <t 1048576>} */
	sk_dbus_w_free(&w);
	sk_dbus_open_array(&w, 8);
	sk_dbus_prop(&w, "MemoryMax", "t");
	sk_dbus_put_u64(&w, 1048576);
	sk_dbus_close_array(&w);
	/* 4 length + 4 pad + (4+9+1 name, 1+1+1 sig "t", pad to 24, 8) */
	CHECK_INT(w.n, 40);
	r = (struct sk_dbus_r){ .b = w.b, .n = w.n };
	CHECK_INT(sk_dbus_get_u32(&r, &len), 0);
	CHECK_INT(len, 32);
	{
		const char *sig = "a(sv)";
		r.pos = 0;
		CHECK_INT(sk_dbus_skip(&r, &sig), 0);
		CHECK_INT(r.pos, 40);
		CHECK_STR(sig, "");
	}
}

TEST(dbus_call_round_trip)
{
	_cleanup_dbus_w_ struct sk_dbus_w w = { 0 };
	_cleanup_dbus_msg_ struct sk_dbus_msg *m = NULL;
	const char *s, *sig;
	uint8_t *buf;
	size_t len;
	uint64_t t;

	sk_dbus_put_str(&w, "skiff-test-a.scope");
	sk_dbus_put_str(&w, "fail");
	sk_dbus_open_array(&w, 8);
	sk_dbus_prop(&w, "Delegate", "b");
	sk_dbus_put_bool(&w, true);
	sk_dbus_prop(&w, "PIDs", "au");
	sk_dbus_open_array(&w, 4);
	sk_dbus_put_u32(&w, 1234);
	sk_dbus_close_array(&w);
	sk_dbus_prop(&w, "MemoryMax", "t");
	sk_dbus_put_u64(&w, 1 << 20);
	sk_dbus_close_array(&w);
	sk_dbus_open_array(&w, 8); /* a(sa(sv)): none */
	sk_dbus_close_array(&w);

	sk_dbus_build_call(42, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
			   "org.freedesktop.systemd1.Manager", "StartTransientUnit",
			   "ssa(sv)a(sa(sv))", &w, &buf, &len);
	CHECK_INT(buf[0], 'l');
	CHECK_INT(buf[1], SK_DBUS_CALL);
	CHECK_INT(buf[3], 1);
	CHECK_INT(sk_dbus_msg_size(buf, 15), 0);
	CHECK_INT(sk_dbus_msg_size(buf, len), (long)len);
	CHECK_INT(len % 8, w.n % 8);
	CHECK_INT(sk_dbus_msg_parse(buf, len, &m), 0);
	if (!m)
		return;
	CHECK_INT(m->serial, 42);
	CHECK_STR(m->path, "/org/freedesktop/systemd1");
	CHECK_STR(m->iface, "org.freedesktop.systemd1.Manager");
	CHECK_STR(m->member, "StartTransientUnit");
	CHECK_STR(m->dest, "org.freedesktop.systemd1");
	CHECK_STR(m->sig, "ssa(sv)a(sa(sv))");
	CHECK_INT(m->body.n, w.n);
	CHECK_INT(sk_dbus_get_str(&m->body, &s), 0);
	CHECK_STR(s, "skiff-test-a.scope");
	CHECK_INT(sk_dbus_get_str(&m->body, &s), 0);
	CHECK_STR(s, "fail");
	/* walk the property list by hand: Delegate, PIDs, MemoryMax */
	{
		uint32_t alen, v;
		uint8_t b;
		CHECK_INT(sk_dbus_get_u32(&m->body, &alen), 0);
		m->body.pos = (m->body.pos + 7) / 8 * 8; /* a struct */
		CHECK_INT(sk_dbus_get_str(&m->body, &s), 0);
		CHECK_STR(s, "Delegate");
		CHECK_INT(sk_dbus_get_sig(&m->body, &s), 0);
		CHECK_STR(s, "b");
		CHECK_INT(sk_dbus_get_u32(&m->body, &v), 0);
		CHECK_INT(v, 1);
		m->body.pos = (m->body.pos + 7) / 8 * 8;
		CHECK_INT(sk_dbus_get_str(&m->body, &s), 0);
		CHECK_STR(s, "PIDs");
		sig = "v";
		CHECK_INT(sk_dbus_skip(&m->body, &sig), 0);
		m->body.pos = (m->body.pos + 7) / 8 * 8;
		CHECK_INT(sk_dbus_get_str(&m->body, &s), 0);
		CHECK_STR(s, "MemoryMax");
		CHECK_INT(sk_dbus_get_byte(&m->body, &b), 0);
		m->body.pos += b + 1;
		CHECK_INT(sk_dbus_get_u64(&m->body, &t), 0);
		CHECK_INT(t, 1 << 20);
	}
	sig = "a(sa(sv))";
	CHECK_INT(sk_dbus_skip(&m->body, &sig), 0);
	CHECK_INT(m->body.pos, m->body.n);
}

/* A big-endian method return with body "o", and an error, as another
 * machine's systemd would send them. */
static const char be_return[] = "B\x02\x01\x01"
				"\0\0\0\x0c" /* body length */
				"\0\0\0\x09" /* serial */
				"\0\0\0\x0f" /* fields: 15 bytes */
				"\x05\x01u\0"
				"\0\0\0\x2a" /* REPLY_SERIAL 42 */
				"\x08\x01g\0"
				"\x01o\0" /* SIGNATURE "o" */
				"\0"	  /* pad to 32 */
				"\0\0\0\x07/job/17\0";

TEST(dbus_parses_big_endian_replies)
{
	_cleanup_dbus_msg_ struct sk_dbus_msg *m = NULL;
	uint8_t *buf = sk_xmalloc(sizeof(be_return) - 1);
	const char *s;

	memcpy(buf, be_return, sizeof(be_return) - 1);
	CHECK_INT(sk_dbus_msg_size(buf, sizeof(be_return) - 1), 44);
	CHECK_INT(sk_dbus_msg_parse(buf, sizeof(be_return) - 1, &m), 0);
	if (!m) {
		free(buf);
		return;
	}
	CHECK_INT(m->type, SK_DBUS_RETURN);
	CHECK_INT(m->serial, 9);
	CHECK_INT(m->reply_serial, 42);
	CHECK_STR(m->sig, "o");
	CHECK_INT(sk_dbus_get_str(&m->body, &s), 0);
	CHECK_STR(s, "/job/17");
}

static int parse_copy(const char *b, size_t n)
{
	struct sk_dbus_msg *m = NULL;
	uint8_t *buf = sk_xmalloc(n);
	int r;

	memcpy(buf, b, n);
	r = sk_dbus_msg_parse(buf, n, &m);
	if (m)
		sk_dbus_msg_free(m);
	else
		free(buf);
	return r;
}

TEST(dbus_refuses_malformed_messages)
{
	char b[sizeof(be_return)];
	size_t n = sizeof(be_return) - 1;

	memcpy(b, be_return, sizeof(b));
	CHECK_INT(parse_copy(b, n), 0);
	CHECK_INT(parse_copy(b, n - 1), -EBADMSG); /* truncated */
	b[31] = 1;				   /* non-zero padding */
	CHECK_INT(parse_copy(b, n), -EBADMSG);
	memcpy(b, be_return, sizeof(b));
	b[n - 1] = 'x'; /* string without its NUL */
	CHECK_INT(parse_copy(b, n), -EBADMSG);
	memcpy(b, be_return, sizeof(b));
	b[35] = 0x30; /* string longer than the body */
	CHECK_INT(parse_copy(b, n), -EBADMSG);
	memcpy(b, be_return, sizeof(b));
	b[0] = 'X'; /* not D-Bus */
	CHECK_INT(sk_dbus_msg_size((uint8_t *)b, n), -EBADMSG);
	memcpy(b, be_return, sizeof(b));
	b[16] = 0x09;			       /* unknown field code with a valid value: skipped */
	CHECK_INT(parse_copy(b, n), -EBADMSG); /* ... but then no REPLY_SERIAL */
	memcpy(b, be_return, sizeof(b));
	b[1] = SK_DBUS_ERROR; /* an error without its name */
	CHECK_INT(parse_copy(b, n), -EBADMSG);
}

TEST(dbus_skip_handles_nesting)
{
	_cleanup_dbus_w_ struct sk_dbus_w w = { 0 };
	struct sk_dbus_r r;
	const char *sig = "a{sv}";

	sk_dbus_open_array(&w, 8);
	sk_dbus_open_struct(&w);
	sk_dbus_put_str(&w, "k");
	sk_dbus_open_variant(&w, "(tas)");
	sk_dbus_open_struct(&w);
	sk_dbus_put_u64(&w, 5);
	sk_dbus_open_array(&w, 4);
	sk_dbus_put_str(&w, "x");
	sk_dbus_close_array(&w);
	sk_dbus_close_array(&w);
	sk_dbus_put_byte(&w, 9);
	r = (struct sk_dbus_r){ .b = w.b, .n = w.n };
	CHECK_INT(sk_dbus_skip(&r, &sig), 0);
	CHECK_STR(sig, "");
	sig = "y";
	CHECK_INT(sk_dbus_skip(&r, &sig), 0);
	CHECK_INT(r.pos, w.n);
	/* a variant whose signature is two types, or unbalanced: refused */
	sk_dbus_w_free(&w);
	sk_dbus_open_variant(&w, "uu");
	sk_dbus_put_u32(&w, 1);
	sk_dbus_put_u32(&w, 2);
	r = (struct sk_dbus_r){ .b = w.b, .n = w.n };
	sig = "v";
	CHECK_INT(sk_dbus_skip(&r, &sig), -EBADMSG);
	r.pos = 0;
	sig = "(u";
	CHECK_INT(sk_dbus_skip(&r, &sig), -EBADMSG);
}

int main(void)
{
	RUN(dbus_basic_types_are_aligned_and_padded);
	RUN(dbus_arrays_hold_their_length_and_pad_to_the_element);
	RUN(dbus_call_round_trip);
	RUN(dbus_parses_big_endian_replies);
	RUN(dbus_refuses_malformed_messages);
	RUN(dbus_skip_handles_nesting);
	return unit_done();
}

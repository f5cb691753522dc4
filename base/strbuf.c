/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * strbuf.c - a string built by appending: the capacity doubles, so n
 * appends cost O(total length), not O(n * length) as re-printing the
 * whole string each time does.
 */
#include "base.h"

#include <string.h>

/* Room for @add more bytes and the NUL. */
static void reserve(struct sk_strbuf *b, size_t add)
{
	size_t need = b->len + add + 1;

	if (need <= b->cap)
		return;
	if (!b->cap)
		b->cap = 64;
	while (b->cap < need)
		b->cap *= 2;
	b->s = sk_xrealloc(b->s, b->cap);
}

static void addn(struct sk_strbuf *b, const char *s, size_t n)
{
	reserve(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void sk_strbuf_add(struct sk_strbuf *b, const char *s)
{
	addn(b, s, strlen(s));
}

static void __attribute__((format(printf, 2, 0)))
vaddf(struct sk_strbuf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	reserve(b, 0);
	n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		abort();
	if ((size_t)n >= b->cap - b->len) {
		reserve(b, (size_t)n);
		vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void sk_strbuf_addf(struct sk_strbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vaddf(b, fmt, ap);
	va_end(ap);
}

char *sk_strbuf_steal(struct sk_strbuf *b)
{
	char *s = b->s ? b->s : sk_xstrdup("");

	*b = (struct sk_strbuf){ 0 };
	return s;
}

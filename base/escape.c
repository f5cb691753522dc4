/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * escape.c - the one escaping of text that skiff prints: an error or log
 * message holds whatever the caller gave (config strings, paths, argv),
 * raw; it is escaped once, where it is written out (sk_log).
 *
 * Go's rules, so that skiff's output reads like runc's: control
 * characters as \n \t ... \xNN, C1 controls and U+2028/U+2029 as \uNNNN,
 * a byte that is not part of valid UTF-8 as \xNN (strconv.Quote; in JSON
 * U+FFFD, as encoding/json), valid UTF-8 text as it is.
 *
 * Plain C with no other part of skiff: the microVM guest's init
 * (microvm/guest/init.c) links it too.
 */
#include "base.h"

#include <string.h>

/* The length of the valid UTF-8 sequence at @p (1-4) and its code point,
 * or 0 when @p does not start one (stray continuation byte, overlong
 * form, surrogate, above U+10FFFF, cut short: the NUL ends it too). */
static size_t utf8_seq(const unsigned char *p, uint32_t *cp)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;
	uint32_t v;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		v = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		v = p[0] & 0x0f;
		if (p[0] == 0xe0)
			lo = 0xa0; /* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		v = p[0] & 0x07;
		if (p[0] == 0xf0)
			lo = 0x90; /* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if (p[i] < lo || p[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
		v = (v << 6) | (p[i] & 0x3f);
	}
	*cp = v;
	return n;
}

/* The escape of a C0 control character or DEL, as Go writes it. */
static void esc_control(char *buf, unsigned char c, enum sk_esc mode)
{
	static const char go[] = "abtnvfr";   /* \a 0x07 .. \r 0x0d */
	static const char json[] = "btn\0fr"; /* \b 0x08 .. \r 0x0d */

	if (mode == SK_ESC_JSON) {
		if (c >= 0x08 && c <= 0x0d && json[c - 0x08])
			snprintf(buf, 8, "\\%c", json[c - 0x08]);
		else
			snprintf(buf, 8, "\\u%04x", c);
	} else if (c >= 0x07 && c <= 0x0d) {
		snprintf(buf, 8, "\\%c", go[c - 0x07]);
	} else {
		snprintf(buf, 8, "\\x%02x", c);
	}
}

size_t sk_escape(char *out, size_t size, const char *s, enum sk_esc mode)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	if (!size)
		return 0;
	while (*p) {
		char buf[8];
		const char *piece = buf;
		size_t len, used;
		uint32_t cp;

		used = utf8_seq(p, &cp);
		if (!used) {
			/* a byte that is not UTF-8 */
			if (mode == SK_ESC_JSON)
				piece = "\\ufffd";
			else
				snprintf(buf, sizeof(buf), "\\x%02x", *p);
			used = 1;
		} else if (cp < 0x20 || cp == 0x7f) {
			esc_control(buf, (unsigned char)cp, mode);
		} else if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029) {
			snprintf(buf, sizeof(buf), "\\u%04x", (unsigned)cp);
		} else if ((cp == '"' || cp == '\\') && mode != SK_ESC_PLAIN) {
			buf[0] = '\\';
			buf[1] = (char)cp;
			buf[2] = '\0';
		} else {
			piece = NULL; /* the bytes as they are */
		}
		len = piece ? strlen(piece) : used;
		if (o + len >= size)
			break; /* cut before a whole character, never inside one */
		memcpy(out + o, piece ? piece : (const char *)p, len);
		o += len;
		p += used;
	}
	out[o] = '\0';
	return o;
}

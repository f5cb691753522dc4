/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_strbuf.c - sk_strbuf: appends, printf-style appends, growth, steal. */
#include "unit.h"
#include "../../base/base.h"

#include <stdlib.h>

TEST(strbuf_empty_steals_empty_string)
{
	struct sk_strbuf b = { 0 };
	char *s = sk_strbuf_steal(&b);

	CHECK_STR(s, "");
	CHECK(b.s == NULL && b.len == 0 && b.cap == 0);
	free(s);
}

TEST(strbuf_appends_and_formats)
{
	_cleanup_strbuf_ struct sk_strbuf b = { 0 };

	sk_strbuf_add(&b, "a");
	sk_strbuf_add(&b, "bc");
	sk_strbuf_addf(&b, "-%d-%s-", 42, "x");
	sk_strbuf_add(&b, "");
	CHECK_STR(b.s, "abc-42-x-");
	CHECK_INT(b.len, strlen("abc-42-x-"));
	/* "%c" of a NUL: counted in len, the string still ends there */
	sk_strbuf_addf(&b, "%cz", 0);
	CHECK_INT(b.len, strlen("abc-42-x-") + 2);
	CHECK_INT(b.s[b.len - 1], 'z');
	CHECK_INT(b.s[b.len], 0);
}

TEST(strbuf_long_formats_grow)
{
	_cleanup_strbuf_ struct sk_strbuf b = { 0 };
	char big[5000];

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sk_strbuf_add(&b, "<");
	sk_strbuf_addf(&b, "%s|%s", big, big);
	CHECK_INT(b.len, 1 + 2 * (sizeof(big) - 1) + 1);
	CHECK(b.cap > b.len);
	CHECK_INT(b.s[0], '<');
	CHECK_INT(b.s[sizeof(big)], '|');
	CHECK_INT(b.s[b.len - 1], 'q');
}

TEST(strbuf_grows_geometrically)
{
	struct sk_strbuf b = { 0 };
	size_t reallocs = 0, cap = 0;
	char *s;

	for (int i = 0; i < 100000; i++) {
		sk_strbuf_addf(&b, "%d,", i % 10);
		if (b.cap != cap) {
			reallocs++;
			cap = b.cap;
		}
	}
	CHECK_INT(b.len, 200000);
	CHECK(reallocs < 20);
	s = sk_strbuf_steal(&b);
	CHECK(!strncmp(s, "0,1,2,", 6));
	CHECK(b.s == NULL);
	free(s);
	sk_strbuf_free(&b); /* on an empty one: nothing */
}

int main(void)
{
	RUN(strbuf_empty_steals_empty_string);
	RUN(strbuf_appends_and_formats);
	RUN(strbuf_long_formats_grow);
	RUN(strbuf_grows_geometrically);
	return unit_done();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_escape.c - runtime/escape.c (one line, control characters and
 * bytes that are not UTF-8 escaped, valid UTF-8 kept; text, quoted and
 * JSON shapes) and sk_log's lines built on it (escaped once).
 */
#include "unit.h"
#include "runtime.h"

#include <fcntl.h>
#include <unistd.h>

static const char *esc(const char *s, enum sk_esc mode)
{
	static char buf[512];

	sk_escape(buf, sizeof(buf), s, mode);
	return buf;
}

TEST(plain_escapes_controls_and_keeps_utf8)
{
	CHECK_STR(esc("CAP_NET_BIND_SERVICE\n", SK_ESC_PLAIN), "CAP_NET_BIND_SERVICE\\n");
	CHECK_STR(esc("a\tb\rc\x1b[31md\x7f", SK_ESC_PLAIN), "a\\tb\\rc\\x1b[31md\\x7f");
	CHECK_STR(esc("\a\b\v\f\x01", SK_ESC_PLAIN), "\\a\\b\\v\\f\\x01");
	/* quotes and backslashes are text here */
	CHECK_STR(esc("say \"hi\" C:\\x", SK_ESC_PLAIN), "say \"hi\" C:\\x");
	/* UTF-8: é, €, 😀 kept */
	CHECK_STR(esc("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", SK_ESC_PLAIN),
		  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* C1 controls (U+009B: CSI) and the line/paragraph separators */
	CHECK_STR(esc("a\xc2\x9b" "b\xe2\x80\xa8" "c\xe2\x80\xa9", SK_ESC_PLAIN),
		  "a\\u009bb\\u2028c\\u2029");
}

TEST(plain_escapes_bytes_that_are_not_utf8)
{
	CHECK_STR(esc("a\xff" "b", SK_ESC_PLAIN), "a\\xffb");
	CHECK_STR(esc("\x80", SK_ESC_PLAIN), "\\x80");                 /* stray continuation */
	CHECK_STR(esc("\xc3", SK_ESC_PLAIN), "\\xc3");                 /* cut short */
	CHECK_STR(esc("\xc3(", SK_ESC_PLAIN), "\\xc3(");
	CHECK_STR(esc("\xc0\xaf", SK_ESC_PLAIN), "\\xc0\\xaf");        /* overlong '/' */
	CHECK_STR(esc("\xe0\x80\xaf", SK_ESC_PLAIN), "\\xe0\\x80\\xaf");
	CHECK_STR(esc("\xed\xa0\x80", SK_ESC_PLAIN), "\\xed\\xa0\\x80"); /* surrogate */
	CHECK_STR(esc("\xf4\x90\x80\x80", SK_ESC_PLAIN), "\\xf4\\x90\\x80\\x80");
	CHECK_STR(esc("\xe2\x82", SK_ESC_PLAIN), "\\xe2\\x82");
}

TEST(quoted_is_gos_percent_q)
{
	CHECK_STR(esc("unknown \"x\"\n\\", SK_ESC_QUOTED), "unknown \\\"x\\\"\\n\\\\");
	CHECK_STR(esc("\xff\t\xc3\xa9", SK_ESC_QUOTED), "\\xff\\t\xc3\xa9");
}

TEST(json_is_valid_utf8_json)
{
	CHECK_STR(esc("a\"b\\c\nd\te\x01\x7f", SK_ESC_JSON), "a\\\"b\\\\c\\nd\\te\\u0001\\u007f");
	CHECK_STR(esc("\b\f\r\v", SK_ESC_JSON), "\\b\\f\\r\\u000b");
	CHECK_STR(esc("x\xffy\xc3", SK_ESC_JSON), "x\\ufffdy\\ufffd");
	CHECK_STR(esc("\xc3\xa9\xc2\x9b", SK_ESC_JSON), "\xc3\xa9\\u009b");
}

TEST(cut_before_a_whole_character_or_escape)
{
	char buf[8];

	CHECK_INT(sk_escape(buf, sizeof(buf), "abcde\nf", SK_ESC_PLAIN), 7);
	CHECK_STR(buf, "abcde\\n");
	CHECK_INT(sk_escape(buf, sizeof(buf), "abcdef\nx", SK_ESC_PLAIN), 6);
	CHECK_STR(buf, "abcdef");      /* not "abcdef\" */
	CHECK_INT(sk_escape(buf, sizeof(buf), "abcde\xc3\xa9xyz", SK_ESC_PLAIN), 7);
	CHECK_STR(buf, "abcde\xc3\xa9");
	CHECK_INT(sk_escape(buf, sizeof(buf), "abcdef\xc3\xa9", SK_ESC_PLAIN), 6);
	CHECK_STR(buf, "abcdef");      /* not half of é */
	CHECK_INT(sk_escape(buf, 1, "abc", SK_ESC_PLAIN), 0);
	CHECK_STR(buf, "");
}

/* Every output is printable UTF-8 on one line: escaping it again
 * (PLAIN leaves backslashes alone) changes nothing.  All byte pairs. */
TEST(output_is_one_printable_utf8_line)
{
	char in[4], out[64], again[256];
	int bad = 0;

	for (int a = 1; a < 256; a++) {
		for (int b = 1; b < 256; b++) {
			in[0] = (char)a;
			in[1] = (char)b;
			in[2] = (char)0xa9;   /* completes some 3-byte forms */
			in[3] = '\0';
			for (int m = SK_ESC_PLAIN; m <= SK_ESC_JSON; m++) {
				sk_escape(out, sizeof(out), in, (enum sk_esc)m);
				sk_escape(again, sizeof(again), out, SK_ESC_PLAIN);
				if (strcmp(out, again) && bad++ < 5)
					printf("# %02x %02x mode %d: %s\n", a, b, m, out);
			}
		}
	}
	CHECK_INT(bad, 0);
}

/* What sk_log wrote for @msg with @json (--log file), into @buf. */
static const char *logged(char *buf, size_t size, bool json, const char *msg)
{
	struct sk_log log = { .fd = -1, .json = json };
	int p[2];
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return "pipe";
	log.fd = p[1];
	sk_log(&log, SK_LOG_ERROR, "bad %s", msg);
	close(p[1]);
	n = read(p[0], buf, size - 1);
	close(p[0]);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

TEST(log_lines_escape_once)
{
	char tb[1024], jb[1024];
	const char *t = logged(tb, sizeof(tb), false, "\"CAP_X\n\xff\"");
	const char *j = logged(jb, sizeof(jb), true, "\"CAP_X\n\xff\"");

	CHECK_CONTAINS(t, " level=error msg=\"bad \\\"CAP_X\\n\\xff\\\"\"\n");
	CHECK_CONTAINS(j, "{\"level\":\"error\",\"msg\":\"bad \\\"CAP_X\\n\\ufffd\\\"\",\"time\":");
	/* one line each */
	CHECK(strchr(t, '\n') == t + strlen(t) - 1);
	CHECK(strchr(j, '\n') == j + strlen(j) - 1);
}

int main(void)
{
	RUN(plain_escapes_controls_and_keeps_utf8);
	RUN(plain_escapes_bytes_that_are_not_utf8);
	RUN(quoted_is_gos_percent_q);
	RUN(json_is_valid_utf8_json);
	RUN(cut_before_a_whole_character_or_escape);
	RUN(output_is_one_printable_utf8_line);
	RUN(log_lines_escape_once);
	return unit_done();
}

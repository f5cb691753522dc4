/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_escape.c - base/escape.c (one line, control characters and
 * bytes that are not UTF-8 escaped, valid UTF-8 kept; text, quoted and
 * JSON shapes), sk_log's lines built on it (escaped once), and
 * sk_getopt's one-line errors naming the option as given.
 */
#include "unit.h"
#include "../../cli/internal.h"

#include <errno.h>
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
	CHECK_STR(esc("a\xc2\x9b"
		      "b\xe2\x80\xa8"
		      "c\xe2\x80\xa9",
		      SK_ESC_PLAIN),
		  "a\\u009bb\\u2028c\\u2029");
}

TEST(plain_escapes_bytes_that_are_not_utf8)
{
	CHECK_STR(esc("a\xff"
		      "b",
		      SK_ESC_PLAIN),
		  "a\\xffb");
	CHECK_STR(esc("\x80", SK_ESC_PLAIN), "\\x80"); /* stray continuation */
	CHECK_STR(esc("\xc3", SK_ESC_PLAIN), "\\xc3"); /* cut short */
	CHECK_STR(esc("\xc3(", SK_ESC_PLAIN), "\\xc3(");
	CHECK_STR(esc("\xc0\xaf", SK_ESC_PLAIN), "\\xc0\\xaf"); /* overlong '/' */
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
	CHECK_STR(buf, "abcdef"); /* not "abcdef\" */
	CHECK_INT(sk_escape(buf, sizeof(buf), "abcde\xc3\xa9xyz", SK_ESC_PLAIN), 7);
	CHECK_STR(buf, "abcde\xc3\xa9");
	CHECK_INT(sk_escape(buf, sizeof(buf), "abcdef\xc3\xa9", SK_ESC_PLAIN), 6);
	CHECK_STR(buf, "abcdef"); /* not half of é */
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
			in[2] = (char)0xa9; /* completes some 3-byte forms */
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

/* sk_getopt on @args (NULL-terminated, args[0] the command) until an
 * error or the end; the message, or "" */
static const char *opt_err(const char *cmd, const char *shortopts, char **args)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "force", no_argument, NULL, 'f' },
		{ "console-socket", required_argument, NULL, 0x100 },
		{ "cwd", required_argument, NULL, 0x101 },
		{ "cpu-share", required_argument, NULL, 0x102 },
		{ "cpu-shares", required_argument, NULL, 0x102 },
		{ NULL, 0, NULL, 0 },
	};
	static struct sk_err e;
	int argc = 0, c;

	while (args[argc])
		argc++;
	memset(&e, 0, sizeof(e));
	optind = 0;
	while ((c = sk_getopt(cmd, argc, args, shortopts, opts, &e)) != -1)
		if (c == '?')
			break;
	return e.msg;
}

#define ARGS(...) ((char *[]){ "x", __VA_ARGS__, NULL })

TEST(getopt_names_the_bad_option)
{
	CHECK_STR(opt_err("create", "+b:fh", ARGS("--bogus", "id")),
		  "create: flag provided but not defined: --bogus (see skiff create --help)");
	CHECK_STR(opt_err("create", "+b:fh", ARGS("--bogus=1", "id")),
		  "create: flag provided but not defined: --bogus (see skiff create --help)");
	CHECK_STR(opt_err(NULL, "+b:fh", ARGS("--foo", "list")),
		  "flag provided but not defined: --foo (see skiff --help)");
	/* short ones: alone, at the end of a group, inside a group */
	CHECK_STR(opt_err("kill", "+b:fh", ARGS("-z", "id")),
		  "kill: flag provided but not defined: -z (see skiff kill --help)");
	CHECK_STR(opt_err("kill", "+b:fh", ARGS("-fz", "id")),
		  "kill: flag provided but not defined: -z (see skiff kill --help)");
	CHECK_STR(opt_err("kill", "+b:fh", ARGS("--force", "-zf", "id")),
		  "kill: flag provided but not defined: -z (see skiff kill --help)");
	/* missing arguments, long and short */
	CHECK_STR(opt_err("create", "+b:fh", ARGS("--bundle")),
		  "create: flag needs an argument: --bundle (see skiff create --help)");
	CHECK_STR(opt_err("create", "+b:fh", ARGS("-f", "-b")),
		  "create: flag needs an argument: -b (see skiff create --help)");
	CHECK_STR(opt_err("create", "+b:fh", ARGS("-fb")),
		  "create: flag needs an argument: -b (see skiff create --help)");
	CHECK_STR(opt_err("exec", "+b:fh", ARGS("--cwd")),
		  "exec: flag needs an argument: --cwd (see skiff exec --help)");
	CHECK_STR(opt_err("delete", "+b:fh", ARGS("--force=yes", "id")),
		  "delete: flag does not take an argument: --force (see skiff delete --help)");
	CHECK_STR(opt_err("exec", "+b:fh", ARGS("--c", "id")),
		  "exec: flag is ambiguous: --c (see skiff exec --help)");
	/* aliases of one option are not ambiguous; good options no error */
	CHECK_STR(opt_err("update", "b:fh", ARGS("--cpu-sha", "5", "id", "-f")), "");
	/* without "+", options after arguments count too */
	CHECK_STR(opt_err("update", "b:fh", ARGS("id", "--bogus")),
		  "update: flag provided but not defined: --bogus (see skiff update --help)");
	CHECK_STR(opt_err("update", "b:fh", ARGS("id", "-zf")),
		  "update: flag provided but not defined: -z (see skiff update --help)");
	/* the message is raw; sk_log escapes it */
	CHECK_STR(opt_err("create", "+b:fh", ARGS("--a\nb")),
		  "create: flag provided but not defined: --a\nb (see skiff create --help)");
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
	RUN(getopt_names_the_bad_option);
	return unit_done();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_record.c - oci/record.c: the one record format (writer, reader,
 * field tables, byte strings, atomic save).
 */
#include "unit.h"
#include "../../oci/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/stat.h>

struct thing {
	char *name;
	int32_t pid;
	uint32_t uid;
	uint64_t big;
	bool on;
};

#define T(kind, key, m) SK_REC_FIELD(struct thing, kind, key, m)
SK_REC_TABLE(thing_fields, T(STR, "name", name), T(I32, "pid", pid), T(U32, "uid", uid),
	     T(U64, "big", big), T(BOOL, "on", on));
#undef T

static char *write_thing(const struct thing *t)
{
	struct sk_rec *w = sk_rec_new();

	sk_rec_put_fields(w, thing_fields, t);
	sk_rec_open(w, "list", '[');
	sk_rec_str(w, NULL, "a");
	sk_rec_str(w, NULL, NULL);
	sk_rec_close(w, ']');
	sk_rec_kv(w, "kv", (struct oci_kv[]){ { (char *)"k\n", (char *)"v\xff" } }, 1);
	return sk_rec_finish(w);
}

static int read_thing(const char *text, struct thing *t, unsigned *version, struct sk_err *e)
{
	struct yajl_val_s *root = NULL;
	int r = sk_rec_parse(text, &root, version, e);

	if (r == 0)
		r = sk_rec_get_fields(root, thing_fields, t, e);
	sk_rec_free(root);
	return r;
}

TEST(record_roundtrip)
{
	struct thing t = { .name = (char *)"x",
			   .pid = -5,
			   .uid = 4000000000u,
			   .big = 18446744073709551615ull,
			   .on = true };
	struct thing u = { 0 };
	struct yajl_val_s *root = NULL;
	const struct yajl_val_s *list;
	struct oci_kv *kv = NULL;
	size_t n = 0;
	unsigned version = 99;
	struct sk_err e = { 0 };
	char *text = write_thing(&t), *s = NULL;

	CHECK_STR(text, "{\"version\":1,\"name\":\"x\",\"pid\":-5,\"uid\":4000000000,"
			"\"big\":18446744073709551615,\"on\":true,\"list\":[\"a\",null],"
			"\"kv\":{\"k\\n\":\"v\xee\xbf\xbf\"}}");
	CHECK(sk_rec_is_json(text));
	CHECK_INT(read_thing(text, &u, &version, &e), 0);
	CHECK_INT(version, 1);
	CHECK_STR(u.name, "x");
	CHECK_INT(u.pid, -5);
	CHECK_INT(u.uid, 4000000000u);
	CHECK(u.big == 18446744073709551615ull);
	CHECK(u.on);
	sk_rec_free_fields(thing_fields, &u);
	CHECK(u.name == NULL);

	CHECK_INT(sk_rec_parse(text, &root, &version, &e), 0);
	list = sk_rec_get(root, "list");
	CHECK_INT(sk_rec_len(list), 2);
	CHECK_INT(sk_rec_str_of(sk_rec_at(list, 0, NULL), "list", &s, &e), 0);
	CHECK_STR(s, "a");
	free(s);
	CHECK_INT(sk_rec_str_of(sk_rec_at(list, 1, NULL), "list", &s, &e), 0);
	CHECK(s == NULL);
	CHECK_INT(sk_rec_get_kv(root, "kv", &kv, &n, &e), 0);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(kv[0].key, "k\n");
		CHECK_STR(kv[0].value, "v\xff");
		free(kv[0].key);
		free(kv[0].value);
	}
	free(kv);
	CHECK(sk_rec_get(root, "absent") == NULL);
	CHECK_INT(sk_rec_get_str(root, "absent", &s, &e), 0);
	CHECK(s == NULL);
	sk_rec_free(root);
	free(text);
}

TEST(record_odd_strings)
{
	static const char *const odd[] = {
		"line\nbreak\r\ttab",
		"\"quoted\" \\back\\slash",
		"\x01\x1f\x7f",
		"\xff\xfe not utf-8 \x80",
		"\xc3(",
		"\xe2\x82",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9f",
		"\xee\xbe\x80\xee\xbf\xbf (the escape range itself)",
		"\xed\xa0\x80 surrogate",
		"\xc0\xaf overlong",
		"\xf4\x90\x80\x80 too high",
		"",
		"/",
	};

	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		struct thing t = { .name = (char *)odd[i] }, u = { 0 };
		struct sk_err e = { 0 };
		unsigned version;
		char *text = write_thing(&t);
		CHECK(!strchr(text, '\n'));
		CHECK_INT(read_thing(text, &u, &version, &e), 0);
		if (!u.name || strcmp(u.name, odd[i]))
			printf("# string %zu does not survive: %s\n", i, text);
		CHECK(u.name && !strcmp(u.name, odd[i]));
		free(u.name);
		free(text);
	}
	/* UTF-8 text is written as itself */
	{
		char *x = sk_rec_encode("caf\xc3\xa9");
		CHECK_STR(x, "caf\xc3\xa9");
		free(x);
	}
}

TEST(record_corrupt)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "", "corrupt record: empty" },
		/* cut short (a crash while an older skiff wrote it in place) */
		{ "{\"version\":1,\"name\":\"ab", "corrupt record: invalid JSON" },
		{ "{\"version\":1,\"name\":\"ab\"", "corrupt record: invalid JSON" },
		{ "[1]", "corrupt record: not a JSON object" },
		{ "{\"version\":\"1\"}", "corrupt record: bad version" },
		{ "{\"version\":1,\"pid\":\"7\"}", "corrupt record: pid: not an integer in range" },
		{ "{\"version\":1,\"pid\":4294967296}", "corrupt record: pid: not an integer" },
		{ "{\"version\":1,\"uid\":-1}", "corrupt record: uid: not an integer in range" },
		{ "{\"version\":1,\"big\":-1}", "corrupt record: big: not an unsigned integer" },
		{ "{\"version\":1,\"on\":1}", "corrupt record: on: not a boolean" },
		{ "{\"version\":1,\"name\":[]}", "corrupt record: name: not a string" },
		/* a NUL cannot be in a C string: refused, not cut */
		{ "{\"version\":1,\"name\":\"a\\u0000b\"}", "corrupt record: invalid JSON" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct thing u = { 0 };
		struct sk_err e = { 0 };
		unsigned version;
		CHECK_INT(read_thing(bad[i].text, &u, &version, &e), -EINVAL);
		CHECK_CONTAINS(e.msg, bad[i].msg);
		sk_rec_free_fields(thing_fields, &u);
	}
	CHECK(!sk_rec_is_json("name x\nmode nat\n"));
	CHECK(sk_rec_is_json(" \n{"));
}

TEST(record_versions)
{
	struct thing u = { 0 };
	struct sk_err e = { 0 };
	unsigned version = 99;

	/* no version: written by an older skiff, read all the same */
	CHECK_INT(read_thing("{\"name\":\"old\",\"pid\":3}", &u, &version, &e), 0);
	CHECK_INT(version, 0);
	CHECK_STR(u.name, "old");
	CHECK_INT(u.pid, 3);
	sk_rec_free_fields(thing_fields, &u);
	/* a newer one: known members read, unknown ones ignored */
	CHECK_INT(read_thing("{\"version\":2,\"name\":\"new\",\"future\":{\"x\":[1]}}", &u,
			     &version, &e),
		  0);
	CHECK_INT(version, 2);
	CHECK_STR(u.name, "new");
	sk_rec_free_fields(thing_fields, &u);
}

TEST(record_save_atomic)
{
	char tmpl[] = "/tmp/skiff-test-record-XXXXXX";
	char *dir = mkdtemp(tmpl), *text = NULL, *p;
	struct thing t = { .name = (char *)"saved" }, u = { 0 };
	struct sk_err e = { 0 };
	struct stat sb;
	unsigned version;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct sk_rec *w = sk_rec_new();

	sk_rec_put_fields(w, thing_fields, &t);
	CHECK_INT(sk_rec_save(w, dfd, "rec", &e), 0);
	/* the temporary file is gone: renamed over the record */
	CHECK(fstatat(dfd, ".rec.tmp", &sb, 0) < 0);
	CHECK_INT(sk_read_file_at(dfd, "rec", &text, NULL, &e), 0);
	CHECK_INT(fstatat(dfd, "rec", &sb, 0), 0);
	CHECK_INT(sb.st_mode & 0777, 0600);
	CHECK_INT(read_thing(text, &u, &version, &e), 0);
	CHECK_STR(u.name, "saved");
	sk_rec_free_fields(thing_fields, &u);
	free(text);
	/* a directory in the way: an error naming the file, nothing left */
	p = sk_xasprintf("%s/.blocked.tmp", dir);
	mkdir(p, 0700);
	w = sk_rec_new();
	CHECK(sk_rec_save(w, dfd, "blocked", &e) < 0);
	CHECK_CONTAINS(e.msg, ".blocked.tmp");
	CHECK(fstatat(dfd, "blocked", &sb, 0) < 0);
	free(p);
	close(dfd);
	sk_rm_rf(dir);
}

int main(void)
{
	RUN(record_roundtrip);
	RUN(record_odd_strings);
	RUN(record_corrupt);
	RUN(record_versions);
	RUN(record_save_atomic);
	return unit_done();
}

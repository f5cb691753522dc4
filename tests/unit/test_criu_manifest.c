/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_criu_manifest.c - the images' manifest: its text round-trips,
 * corrupt ones are refused with a line naming what is wrong, and
 * write/check on a directory catch a missing, truncated or changed file
 * and accept a directory without a manifest. */
#include "../../criu/internal.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

TEST(manifest_round_trip)
{
	struct criu_manifest_entry in[] = {
		{ .name = "inventory.img", .size = 42, .hash = "0123456789abcdef" },
		{ .name = "pages-1.img", .size = 1ULL << 40, .hash = "ffffffffffffffff" },
	};
	_cleanup_free_ char *text = criu_manifest_text(in, 2);
	struct criu_manifest_entry *v;
	struct sk_err e;
	size_t n;

	CHECK_CONTAINS(text, "\"hash\":\"xxh64\"");
	CHECK_INT(criu_manifest_parse(text, &v, &n, &e), 0);
	CHECK_INT(n, 2);
	CHECK_STR(v[0].name, "inventory.img");
	CHECK_INT(v[0].size, 42);
	CHECK_STR(v[1].hash, "ffffffffffffffff");
	CHECK(v[1].size == 1ULL << 40);
	criu_manifest_free(v, n);
}

static void refused(const char *text, const char *msg)
{
	struct criu_manifest_entry *v = NULL;
	struct sk_err e = { 0 };
	size_t n = 9;

	CHECK(criu_manifest_parse(text, &v, &n, &e) < 0);
	CHECK(v == NULL && n == 0);
	CHECK_CONTAINS(e.msg, msg);
}

TEST(manifest_corrupt_refused)
{
	refused("", "corrupt record");
	refused("[1]", "not a JSON object");
	refused("{\"version\":1,\"hash\":\"sha1\",\"files\":[]}", "hash sha1 is not xxh64");
	refused("{\"version\":1,\"hash\":\"xxh64\",\"files\":[]}", "lists no files");
	refused("{\"version\":1,\"hash\":\"xxh64\",\"files\":[{\"name\":\"../x\",\"size\":1,"
		"\"xxh64\":\"0123456789abcdef\"}]}",
		"bad name ../x");
	refused("{\"version\":1,\"hash\":\"xxh64\",\"files\":[{\"name\":\"a.img\",\"size\":1,"
		"\"xxh64\":\"0123\"}]}",
		"file a.img: bad checksum");
	refused("{\"version\":1,\"hash\":\"xxh64\",\"files\":[{\"name\":\"a.img\",\"size\":-1,"
		"\"xxh64\":\"0123456789abcdef\"}]}",
		"size");
}

static void put(const char *dir, const char *name, const char *data)
{
	_cleanup_free_ char *p = sk_xasprintf("%s/%s", dir, name);
	struct sk_err e;

	CHECK_INT(sk_write_file_at(AT_FDCWD, p, data, strlen(data), O_CREAT | O_TRUNC, 0600, &e), 0);
}

TEST(manifest_write_and_check)
{
	char dir[] = "/tmp/skiff-manifest-XXXXXX";
	_cleanup_free_ char *text = NULL, *p = NULL;
	struct sk_err e = { 0 };
	size_t len;

	CHECK(mkdtemp(dir) != NULL);
	/* no manifest: accepted (runc's images) */
	CHECK_INT(sk_criu_manifest_check(dir, &e), 0);
	CHECK_INT(sk_criu_manifest_write(dir, &e), -ENOENT);
	put(dir, "inventory.img", "inv");
	put(dir, "pages-1.img", "0123456789abcdef0123456789abcdef0123456789");
	put(dir, "dump.log", "a log");
	CHECK_INT(sk_criu_manifest_write(dir, &e), 0);
	p = sk_xasprintf("%s/%s", dir, SK_CRIU_MANIFEST_FILE);
	CHECK_INT(sk_read_file_at(AT_FDCWD, p, &text, &len, &e), 0);
	CHECK_CONTAINS(text, "\"name\":\"inventory.img\",\"size\":3");
	CHECK(strstr(text, "dump.log") == NULL);
	CHECK_INT(sk_criu_manifest_check(dir, &e), 0);
	/* a log written later is not an image */
	put(dir, "restore.log", "x");
	CHECK_INT(sk_criu_manifest_check(dir, &e), 0);
	/* one byte changed, same size */
	put(dir, "pages-1.img", "0123456789abcdef0123456789abcdef0123456788");
	CHECK_INT(sk_criu_manifest_check(dir, &e), -EIO);
	CHECK_STR(e.msg, "image pages-1.img is corrupted (checksum mismatch)");
	/* truncated */
	put(dir, "pages-1.img", "0123");
	CHECK_INT(sk_criu_manifest_check(dir, &e), -EIO);
	CHECK_STR(e.msg, "image pages-1.img is truncated (4 bytes, 42 expected)");
	/* missing */
	_cleanup_free_ char *inv = sk_xasprintf("%s/inventory.img", dir);
	CHECK_INT(unlink(inv), 0);
	CHECK_INT(sk_criu_manifest_check(dir, &e), -ENOENT);
	CHECK_CONTAINS(e.msg, "image inventory.img is missing");
	/* a corrupt manifest is named */
	put(dir, SK_CRIU_MANIFEST_FILE, "{");
	CHECK(sk_criu_manifest_check(dir, &e) < 0);
	CHECK_CONTAINS(e.msg, "corrupt skiff-images.json");
	sk_rm_rf(dir);
}

int main(void)
{
	RUN(manifest_round_trip);
	RUN(manifest_corrupt_refused);
	RUN(manifest_write_and_check);
	return unit_done();
}

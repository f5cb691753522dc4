/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_criu_config.c - criu/confmatch.c: the config a checkpoint saves is
 * compared with the bundle's at restore; the first differing field is
 * named, fields the file lacks are not compared, the terminal key comes
 * back. */
#include "../../criu/internal.h"
#include "unit.h"

#include <errno.h>
#include <string.h>

#define HEAD "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
#define PROC(args, extra)                                                         \
	"\"process\":{\"cwd\":\"/\",\"args\":[" args "],\"env\":[\"A=1\"]," extra \
	"\"user\":{\"uid\":0,\"gid\":0}}"
#define NS(path) ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"" path "}]}"

static struct oci_config *cfg(const char *json)
{
	struct oci_config *c = NULL;
	struct sk_err e = { 0 };

	if (oci_config_parse(json, strlen(json), &c, &e) < 0)
		printf("# %s\n", e.msg);
	return c;
}

/* The error comparing @saved_cfg's record with @now's ("" when equal). */
static const char *compare(const char *saved_json, const char *now_json, const char *tty)
{
	static struct sk_err e;
	_cleanup_config_ struct oci_config *a = cfg(saved_json), *b = cfg(now_json);
	_cleanup_free_ char *text = NULL, *key = NULL;

	if (!a || !b)
		return "(parse)";
	text = criu_config_text(a, tty);
	e.msg[0] = '\0';
	if (criu_config_compare(text, b, &key, &e) == 0) {
		if (tty && (!key || strcmp(key, tty)))
			return "(tty key lost)";
		return "";
	}
	return e.msg;
}

TEST(config_same_matches_and_gives_the_tty_key)
{
	const char *c = HEAD PROC("\"sh\"", "") NS("") "}";

	CHECK_STR(compare(c, c, NULL), "");
	CHECK_STR(compare(c, c, "tty[8800000:16]"), "");
}

TEST(config_first_difference_named)
{
	const char *c = HEAD PROC("\"sh\",\"-c\",\"x\"", "") NS("") "}";

	CHECK_STR(compare(c, HEAD PROC("\"sh\",\"-c x\"", "") NS("") "}", NULL),
		  "the bundle's process.args differs from the checkpointed config's");
	CHECK_STR(compare(c, HEAD PROC("\"sh\",\"-c\",\"x\"", "\"terminal\":true,") NS("") "}", NULL),
		  "the bundle's process.terminal differs from the checkpointed config's");
	CHECK_STR(compare(c, HEAD PROC("\"sh\",\"-c\",\"x\"", "") NS(",\"path\":\"/run/netns/a\"") "}",
			  NULL),
		  "the bundle's linux.namespaces differs from the checkpointed config's");
}

#define BIND(dest) "{\"destination\":\"" dest "\",\"type\":\"bind\",\"source\":\"/s\"}"
#define WITH_MOUNTS(m) HEAD PROC("\"sh\"", "") ",\"mounts\":[" m "]" NS("") "}"

TEST(config_binds_are_a_subset_root_and_sources_free)
{
	const char *c = WITH_MOUNTS(BIND("/a") "," BIND("/b"));

	/* another root path, other sources, more mounts: criu needs none */
	CHECK_STR(compare(c,
			  "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"/elsewhere\"},\"mounts\":["
			  "{\"destination\":\"/b\",\"type\":\"bind\",\"source\":\"/t\"},"
			  "{\"destination\":\"/d\",\"type\":\"tmpfs\"}," BIND("/c") "," BIND(
				  "/a") "]," PROC("\"sh\"", "") NS("") "}",
			  NULL),
		  "");
	/* a bind mount the images hold as external, missing */
	CHECK_STR(compare(c, WITH_MOUNTS(BIND("/a")), NULL),
		  "the bundle has no bind mount on /b (the checkpoint's has)");
	CHECK_STR(compare(c, WITH_MOUNTS(BIND("/a") ",{\"destination\":\"/b\",\"type\":\"tmpfs\"}"),
			  NULL),
		  "the bundle has no bind mount on /b (the checkpoint's has)");
	/* a prefix of a destination is not the destination */
	CHECK_STR(compare(WITH_MOUNTS(BIND("/a")), WITH_MOUNTS(BIND("/ab")), NULL),
		  "the bundle has no bind mount on /a (the checkpoint's has)");
}

TEST(config_missing_fields_not_compared)
{
	_cleanup_config_ struct oci_config *b = cfg(HEAD PROC("\"sh\"", "") "}");
	struct sk_err e = { 0 };
	char *key = (char *)1;

	/* an older skiff's file: only the fields it has */
	CHECK_INT(criu_config_compare("{\"version\":1,\"config\":{\"process.cwd\":\"1:/;\"}}", b,
				      &key, &e),
		  0);
	CHECK(key == NULL);
	CHECK_INT(criu_config_compare("{\"version\":1,\"config\":{\"process.cwd\":\"2:/x;\"}}", b,
				      &key, &e),
		  -EINVAL);
	CHECK_STR(e.msg, "the bundle's process.cwd differs from the checkpointed config's");
	CHECK(criu_config_compare("[", b, &key, &e) < 0);
	CHECK_CONTAINS(e.msg, "corrupt record");
}

TEST(config_saves_the_lock_table)
{
	_cleanup_config_ struct oci_config *c = cfg(HEAD PROC("\"sh\"", "") "}");
	char dir[] = "/tmp/skiff-confmatch-XXXXXX";
	_cleanup_free_ char *lock = NULL, *none = NULL;
	struct sk_err e = { 0 };

	CHECK(mkdtemp(dir) != NULL);
	none = criu_config_lock(dir);
	CHECK(none == NULL);
	CHECK_INT(criu_config_save(dir, c, NULL, "CRIU-42", &e), 0);
	lock = criu_config_lock(dir);
	CHECK_STR(lock, "CRIU-42");
	sk_rm_rf(dir);
}

int main(void)
{
	RUN(config_same_matches_and_gives_the_tty_key);
	RUN(config_first_difference_named);
	RUN(config_binds_are_a_subset_root_and_sources_free);
	RUN(config_missing_fields_not_compared);
	RUN(config_saves_the_lock_table);
	return unit_done();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config_fixture.h - what the config.json parser tests share: the includes,
 * a minimal document head and parse helpers that count as failed checks.
 */
#ifndef SKIFF_CONFIG_FIXTURE_H
#define SKIFF_CONFIG_FIXTURE_H
#include "internal.h"
#include "../../oci/internal.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <yajl/yajl_tree.h>

#define MIN_HEAD "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"}"

static inline struct oci_config *parse_ok(const char *json)
{
	struct oci_config *c = NULL;
	struct sk_err e = { 0 };
	int r = oci_config_parse(json, strlen(json), &c, &e);

	if (r < 0)
		printf("# unexpected error: %s\n", e.msg);
	CHECK_INT(r, 0);
	return c;
}

/* Parse, expect failure; return the message in @e. */
static inline void parse_bad(const char *json, struct sk_err *e)
{
	struct oci_config *c = (struct oci_config *)1;
	int r = oci_config_parse(json, strlen(json), &c, e);

	CHECK_INT(r, -EINVAL);
	CHECK_INT(e->code, EINVAL);
	CHECK(c == NULL);
	CHECK(strchr(e->msg, '\n') == NULL);
	CHECK(strncmp(e->msg, "config.json: ", 13) == 0);
}

/* @json must fail with @needle in the message. */
static inline void bad_doc(const char *json, const char *needle)
{
	struct sk_err e = { 0 };

	parse_bad(json, &e);
	CHECK_CONTAINS(e.msg, needle);
}

/* MIN_HEAD + @tail + "}" must fail with @needle in the message. */
static inline void bad_with(const char *tail, const char *needle)
{
	struct sk_err e = { 0 };
	char *json = sk_xasprintf(MIN_HEAD "%s}", tail);

	parse_bad(json, &e);
	CHECK_CONTAINS(e.msg, needle);
	free(json);
}
#endif

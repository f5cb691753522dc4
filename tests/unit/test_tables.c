/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_tables.c - what is parsed and what is advertised come from the same
 * tables: `update`'s flags land where the config parser puts the same
 * linux.resources field, and every name `skiff features` lists is one the
 * config parser accepts (and every name the parser's tables accept is
 * listed).  Mount options: tests/unit/test_optmap.c.
 */
#include "../../cli/internal.h"
#include "../../oci/internal.h"
#include "unit.h"

#include <errno.h>

#include <yajl/yajl_tree.h>

#define MIN_HEAD "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"}"

/* Parse MIN_HEAD + @tail; the error message (empty when it parsed) in @msg. */
static int parse(const char *tail, struct oci_config **c, char msg[256])
{
	_cleanup_free_ char *json = sk_xasprintf(MIN_HEAD ",%s}", tail);
	struct sk_err e = { 0 };
	int r = oci_config_parse(json, strlen(json), c, &e);

	snprintf(msg, 256, "%.200s", r < 0 ? e.msg : "");
	return r;
}

static bool parses(const char *fmt, const char *name)
{
	_cleanup_free_ char *tail = sk_xasprintf(fmt, name);
	struct oci_config *c = NULL;
	char msg[256];
	int r = parse(tail, &c, msg);

	if (r < 0)
		printf("# %s: %s\n", name, msg);
	oci_config_free(c);
	return r == 0;
}

TEST(update_flags_are_parser_fields)
{
	for (size_t i = 0; i < SK_N_UPDATE_FLAGS; i++) {
		const struct sk_update_flag *f = &sk_update_flags[i];
		size_t off = 0;
		const struct cj_field *row;

		CHECK(f->name);
		CHECK(!f->field == (f->kind == SK_UF_IGNORED || f->kind == SK_UF_REFUSED));
		if (!f->name || !f->field)
			continue;
		row = cj_table_find(&cj_resources_table, f->field, &off);
		CHECK(row != NULL);
		if (!row)
			continue;
		CHECK_INT(off, f->off);
		switch (f->kind) {
		case SK_UF_U64:
			CHECK_INT(row->kind, CJ_U64);
			break;
		case SK_UF_I64:
		case SK_UF_BYTES:
			CHECK_INT(row->kind, CJ_I64);
			break;
		case SK_UF_STR:
			CHECK_INT(row->kind, CJ_STR);
			break;
		case SK_UF_IGNORED:
		case SK_UF_REFUSED:
			break;
		}
	}
}

/* --flag 7 sets what {"a":{"b":7}} sets in a --resources file. */
static void flag_like_file(const struct sk_update_flag *f)
{
	const char *dot = strchr(f->field, '.');
	bool str = f->kind == SK_UF_STR;
	_cleanup_free_ char *json = sk_xasprintf("{\"%.*s\":{\"%s\":%s}}", (int)(dot - f->field),
						 f->field, dot + 1, str ? "\"7\"" : "7");
	_cleanup_config_ struct oci_config *c = NULL;
	struct oci_resources flags = { 0 }, res = { 0 };
	struct sk_err e = { 0 };
	bool devices;
	size_t sz = str			   ? sizeof(char *)
		    : f->kind == SK_UF_U64 ? sizeof(struct oci_opt_u64)
					   : sizeof(struct oci_opt_i64);

	CHECK_INT(sk_update_flag_parse(f, "7", &flags, &e), 0);
	sk_update_flags_apply(&flags, &res);
	CHECK_INT(oci_update_resources_parse(json, strlen(json), &c, &devices, &e), 0);
	if (!c)
		return;
	if (str)
		CHECK_STR(*(char **)((char *)&res + f->off),
			  *(char **)((char *)&c->lnx.resources + f->off));
	else
		CHECK(!memcmp((char *)&res + f->off, (char *)&c->lnx.resources + f->off, sz));
}

TEST(update_flags_set_what_the_file_sets)
{
	for (size_t i = 0; i < SK_N_UPDATE_FLAGS; i++)
		if (sk_update_flags[i].field)
			flag_like_file(&sk_update_flags[i]);
}

TEST(update_flag_messages)
{
	struct oci_resources flags = { 0 };
	struct sk_err e = { 0 };

	CHECK_INT(sk_update_flag_parse(&sk_update_flags[0], "x", &flags, &e), -EINVAL);
	CHECK_STR(e.msg, "update: --cpu-share: \"x\" is not a non-negative integer");
	for (size_t i = 0; i < SK_N_UPDATE_FLAGS; i++) {
		if (strcmp(sk_update_flags[i].name, "memory"))
			continue;
		CHECK_INT(sk_update_flag_parse(&sk_update_flags[i], "1x", &flags, &e), -EINVAL);
		CHECK_STR(e.msg,
			  "update: --memory: invalid size \"1x\" (bytes, or with k/m/g suffix)");
		CHECK_INT(sk_update_flag_parse(&sk_update_flags[i], "2G", &flags, &e), 0);
		CHECK_INT(flags.memory.limit.v, 2LL << 30);
	}
	for (size_t i = 0; i < SK_N_UPDATE_FLAGS; i++) {
		if (strcmp(sk_update_flags[i].name, "mem-bw-schema"))
			continue;
		CHECK_INT(sk_update_flag_parse(&sk_update_flags[i], "x", &flags, &e), -ENOTSUP);
		CHECK_STR(e.msg,
			  "update: --l3-cache-schema/--mem-bw-schema: Intel RDT is not supported");
	}
}

static yajl_val features(void)
{
	_cleanup_free_ char *s = oci_features_json();
	char err[256];
	yajl_val t = yajl_tree_parse(s, err, sizeof(err));

	CHECK(t != NULL);
	return t;
}

static yajl_val get(yajl_val t, const char *a, const char *b, const char *c)
{
	const char *path[] = { a, b, c, NULL };
	yajl_val v = yajl_tree_get(t, path, yajl_t_array);

	CHECK(v != NULL);
	return v;
}

/* @a (a JSON array of strings) holds exactly the non-NULL @names[0..n). */
static void same_names(yajl_val a, const char *const *names, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (!names[i])
			continue;
		CHECK(a && k < a->u.array.len);
		if (a && k < a->u.array.len)
			CHECK_STR(YAJL_GET_STRING(a->u.array.values[k]), names[i]);
		k++;
	}
	CHECK(a && a->u.array.len == k);
}

static size_t nullterm_len(const char *const *v)
{
	size_t n = 0;

	while (v[n])
		n++;
	return n;
}

#define EACH(a, s)          \
	for (size_t _i = 0; \
	     _i < (a)->u.array.len && ((s) = YAJL_GET_STRING((a)->u.array.values[_i])); _i++)

TEST(features_hooks_are_parsed)
{
	yajl_val t = features(), a = t ? get(t, "hooks", NULL, NULL) : NULL;
	const char *s;

	if (!a)
		return;
	same_names(a, cj_hook_names, OCI_HOOK__MAX);
	EACH(a, s)
	{
		_cleanup_free_ char *tail = sk_xasprintf("\"hooks\":{\"%s\":[{\"path\":\"/h\"}]}", s);
		struct oci_config *c = NULL;
		char msg[256];
		int k;

		CHECK_INT(parse(tail, &c, msg), 0);
		for (k = 0; k < OCI_HOOK__MAX && strcmp(cj_hook_names[k], s); k++)
			;
		CHECK(c && k < OCI_HOOK__MAX && c->hooks[k].n == 1);
		oci_config_free(c);
	}
	yajl_tree_free(t);
}

TEST(features_seccomp_names_are_parsed)
{
	yajl_val t = features(), a;
	const char *s;
	size_t off = 0;
	const struct cj_field *act = cj_table_find(&cj_seccomp_table, "defaultAction", &off),
			      *op = cj_table_find(&cj_seccomp_table, "syscalls.args.op", &off);

	CHECK(act && op);
	if (!t || !act || !op)
		return;
	a = get(t, "linux", "seccomp", "actions");
	same_names(a, act->names, act->n_names);
	EACH(a, s)
	CHECK(parses("\"linux\":{\"seccomp\":{\"defaultAction\":\"%s\",\"listenerPath\":\"/l\"}}", s));
	a = get(t, "linux", "seccomp", "operators");
	same_names(a, op->names, op->n_names);
	EACH(a, s)
	CHECK(parses("\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		     "\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\","
		     "\"args\":[{\"index\":0,\"value\":1,\"op\":\"%s\"}]}]}}",
		     s));
	a = get(t, "linux", "seccomp", "archs");
	same_names(a, cj_seccomp_archs, nullterm_len(cj_seccomp_archs));
	EACH(a, s)
	CHECK(parses("\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		     "\"architectures\":[\"%s\"]}}",
		     s));
	a = get(t, "linux", "seccomp", "supportedFlags");
	same_names(a, cj_seccomp_flags, nullterm_len(cj_seccomp_flags));
	a = get(t, "linux", "seccomp", "knownFlags");
	CHECK_INT(a->u.array.len,
		  nullterm_len(cj_seccomp_flags) + nullterm_len(cj_seccomp_flags_other));
	EACH(a, s)
	CHECK(parses("\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		     "\"flags\":[\"%s\"]}}",
		     s));
	CHECK(!parses("\"linux\":{\"seccomp\":{\"defaultAction\":\"%s\"}}", "SCMP_ACT_BOGUS"));
	yajl_tree_free(t);
}

TEST(features_namespaces_and_caps_are_parsed)
{
	yajl_val t = features(), a;
	const char *s;

	if (!t)
		return;
	a = get(t, "linux", "namespaces", NULL);
	CHECK_INT(a->u.array.len, OCI_NS__MAX);
	EACH(a, s)
	CHECK(parses("\"linux\":{\"namespaces\":[{\"type\":\"%s\"}]}", s));
	a = get(t, "linux", "capabilities", NULL);
	CHECK_INT(a->u.array.len, oci_cap_last() + 1);
	EACH(a, s)
	CHECK(parses("\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"],\"user\":{\"uid\":0,\"gid\":0},"
		     "\"capabilities\":{\"bounding\":[\"%s\"]}}",
		     s));
	yajl_tree_free(t);
}

int main(void)
{
	RUN(update_flags_are_parser_fields);
	RUN(update_flags_set_what_the_file_sets);
	RUN(update_flag_messages);
	RUN(features_hooks_are_parsed);
	RUN(features_seccomp_names_are_parsed);
	RUN(features_namespaces_and_caps_are_parsed);
	return unit_done();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_config_json.c - config.json as JSON: types, numbers, syntax, the tree. */
#include "config_fixture.h"

TEST(wrong_type_paths)
{
	bad_with(",\"process\":{\"cwd\":\"/\",\"args\":[\"a\",1]}",
		 "config.json: process.args[1]: expected string");
	bad_with(",\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1G\"}}}",
		 "config.json: linux.resources.memory.limit: expected integer");
	bad_with(",\"linux\":{\"resources\":{\"memory\":{\"limit\":1.5}}}",
		 "linux.resources.memory.limit: expected integer");
	bad_with(",\"process\":{\"cwd\":\"/\",\"user\":{\"uid\":-1}}",
		 "process.user.uid: expected non-negative integer below 2^32");
	bad_with(",\"process\":{\"cwd\":\"/\",\"user\":{\"uid\":4294967296}}",
		 "process.user.uid: expected non-negative integer below 2^32");
	bad_with(",\"process\":{\"cwd\":\"/\",\"user\":{\"gid\":\"0\"}}",
		 "process.user.gid: expected non-negative integer below 2^32");
	bad_with(",\"process\":{\"cwd\":\"/\",\"terminal\":\"yes\"}",
		 "process.terminal: expected boolean");
	bad_with(",\"mounts\":{}", "config.json: mounts: expected array");
	bad_with(",\"mounts\":[{\"destination\":\"/x\",\"options\":\"ro\"}]",
		 "mounts[0].options: expected array");
	bad_with(",\"hostname\":5", "config.json: hostname: expected string");
	bad_with(",\"annotations\":{\"a\":1}", "annotations.a: expected string");
	bad_with(",\"linux\":{\"sysctl\":[]}", "linux.sysctl: expected object");
	bad_with(",\"linux\":[]", "config.json: linux: expected object");
	bad_with(",\"process\":3", "config.json: process: expected object");
	bad_with(",\"linux\":{\"resources\":{\"cpu\":{\"shares\":-2}}}",
		 "linux.resources.cpu.shares: expected non-negative integer");
	bad_with(",\"linux\":{\"resources\":{\"cpu\":{\"cpus\":0}}}",
		 "linux.resources.cpu.cpus: expected string");
	bad_with(",\"linux\":{\"resources\":{\"blockIO\":{\"throttleReadBpsDevice\":"
		 "[{\"major\":8,\"minor\":0,\"rate\":-1}]}}}",
		 "linux.resources.blockIO.throttleReadBpsDevice[0].rate: expected non-negative");
	bad_with(",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		 "\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":"
		 "[{\"index\":0,\"value\":\"x\",\"op\":\"SCMP_CMP_EQ\"}]}]}}",
		 "linux.seccomp.syscalls[0].args[0].value: expected non-negative integer");
	bad_with(",\"root\":{\"path\":\"r\",\"readonly\":1}", "root.readonly: expected boolean");
}

TEST(huge_numbers)
{
	bad_with(",\"linux\":{\"resources\":{\"memory\":{\"limit\":99999999999999999999}}}",
		 "linux.resources.memory.limit: integer out of 64-bit range");
	bad_with(",\"process\":{\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_CPU\","
		 "\"soft\":1,\"hard\":18446744073709551616}]}",
		 "process.rlimits[0].hard: expected non-negative integer below 2^64");
	bad_with(",\"linux\":{\"resources\":{\"pids\":{\"limit\":"
		 "-99999999999999999999999999999999999999999}}}",
		 "linux.resources.pids.limit: integer out of 64-bit range");
	bad_with(",\"linux\":{\"resources\":{\"pids\":{\"limit\":1e3}}}",
		 "linux.resources.pids.limit: expected integer");
	bad_with(",\"linux\":{\"resources\":{\"memory\":{\"limit\":-2}}}",
		 "linux.resources.memory.limit: expected integer >= -1");
}

TEST(extreme_int64_values)
{
	struct oci_config *c =
		parse_ok(MIN_HEAD ",\"linux\":{\"resources\":{\"cpu\":{"
				  "\"quota\":-9223372036854775808,\"idle\":9223372036854775807,"
				  "\"period\":18446744073709551615}}}}");
	if (!c)
		return;
	CHECK(c->lnx.resources.cpu.quota.v == INT64_MIN);
	CHECK(c->lnx.resources.cpu.idle.v == INT64_MAX);
	CHECK(c->lnx.resources.cpu.period.v == UINT64_MAX);
	oci_config_free(c);
}

TEST(malformed_json)
{
	static const char *const bad[] = {
		"",	      "{",   "{\"ociVersion\":}", "[1,2",
		"{\"a\":1}}", "nul", "{'a':1}",		  "{\"ociVersion\":\"1\" \"root\":{}}",
		"\"\\x\"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		bad_doc(bad[i], "config.json: invalid JSON: ");
}

TEST(malformed_json_embedded_nul)
{
	static const char json[] = MIN_HEAD "}\0garbage";
	struct oci_config *c = NULL;
	struct sk_err e = { 0 };

	CHECK_INT(oci_config_parse(json, sizeof(json) - 1, &c, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "invalid JSON: NUL byte");
	/* but the length is honoured: no NUL needed at the end */
	CHECK_INT(oci_config_parse(json, strlen(json), &c, &e), 0);
	oci_config_free(c);
}

TEST(nul_in_string)
{
	bad_doc(MIN_HEAD ",\"hostname\":\"a\\u0000b\"}",
		"invalid JSON: string contains a NUL character");
	bad_doc(MIN_HEAD ",\"annotations\":{\"k\\u0000\":\"v\"}}",
		"invalid JSON: string contains a NUL character");
}

TEST(tree_layout)
{
	static const char json[] = "{\"a\":[1,-2.5,\"s\",true,false,null,{}],\n"
				   " \"b\":{\"k\":\"v\",\"k\":\"w\"}, \"n\":12345678901234567890}";
	const char *pa[] = { "a", NULL }, *pb[] = { "b", NULL }, *pn[] = { "n", NULL };
	struct sk_err e = { 0 };
	yajl_val t = NULL, a, b, n;

	CHECK_INT(cj_parse_tree(json, strlen(json), &t, &e), 0);
	if (!t)
		return;
	a = yajl_tree_get(t, pa, yajl_t_array);
	b = yajl_tree_get(t, pb, yajl_t_object);
	n = yajl_tree_get(t, pn, yajl_t_number);
	CHECK(a && a->u.array.len == 7);
	if (a && a->u.array.len == 7) {
		CHECK(YAJL_IS_INTEGER(a->u.array.values[0]));
		CHECK_INT(YAJL_GET_INTEGER(a->u.array.values[0]), 1);
		CHECK(YAJL_IS_DOUBLE(a->u.array.values[1]));
		CHECK(!YAJL_IS_INTEGER(a->u.array.values[1]));
		CHECK_STR(a->u.array.values[1]->u.number.r, "-2.5");
		CHECK_STR(YAJL_GET_STRING(a->u.array.values[2]), "s");
		CHECK(YAJL_IS_TRUE(a->u.array.values[3]));
		CHECK(YAJL_IS_FALSE(a->u.array.values[4]));
		CHECK(YAJL_IS_NULL(a->u.array.values[5]));
		CHECK(YAJL_IS_OBJECT(a->u.array.values[6]));
		CHECK_INT(a->u.array.values[6]->u.object.len, 0);
	}
	/* duplicate keys are all kept, in order (cj_get takes the last) */
	CHECK(b && b->u.object.len == 2);
	CHECK_STR(YAJL_GET_STRING(cj_get(b, "k")), "w");
	/* beyond long long: the text is kept, not the integer */
	CHECK(n && !YAJL_IS_INTEGER(n));
	CHECK_STR(n ? n->u.number.r : NULL, "12345678901234567890");
	yajl_tree_free(t);
}

/* 150,000 elements: arrays grow geometrically (yajl_tree_parse grew them
 * by one, minutes under ASan). */
TEST(tree_large_array)
{
	size_t n = 150000, len = 0;
	char *json = sk_xmalloc(n * 16 + 16);
	struct sk_err e = { 0 };
	yajl_val t = NULL;

	json[len++] = '[';
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(json + len, "%s\"E%zu\"", i ? "," : "", i);
	json[len++] = ']';
	CHECK_INT(cj_parse_tree(json, len, &t, &e), 0);
	CHECK(YAJL_IS_ARRAY(t) && t->u.array.len == n);
	if (YAJL_IS_ARRAY(t) && t->u.array.len == n)
		CHECK_STR(YAJL_GET_STRING(t->u.array.values[n - 1]), "E149999");
	yajl_tree_free(t);
	free(json);
}

/* Syntax errors name the line and column as well as the byte; a partial
 * tree is freed (ASan's leak check). */
TEST(tree_error_position)
{
	static const char json[] = "{\"a\": [1, 2,\n  {\"b\": tru}]}";
	static const char nul[] = "[[1,{\"x\":\"a\\u0000\"}]]";
	struct sk_err e = { 0 };
	yajl_val t = (yajl_val)1;

	CHECK_INT(cj_parse_tree(json, strlen(json), &t, &e), -EINVAL);
	CHECK(t == NULL);
	CHECK_CONTAINS(e.msg, "invalid JSON: ");
	CHECK_CONTAINS(e.msg, "line 2 column ");
	CHECK(strchr(e.msg, '\n') == NULL);
	CHECK_INT(cj_parse_tree(nul, strlen(nul), &t, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "string contains a NUL character");
	CHECK_CONTAINS(e.msg, "line 1 column ");
}

TEST(deep_nesting)
{
	size_t depth = 100000;
	char *json = sk_xmalloc(2 * depth + 64);
	struct sk_err e = { 0 };
	struct oci_config *c = NULL;
	size_t n = 0;

	n += (size_t)sprintf(json, "{\"ociVersion\":\"1\",\"x\":");
	for (size_t i = 0; i < depth; i++)
		json[n++] = '[';
	for (size_t i = 0; i < depth; i++)
		json[n++] = ']';
	json[n++] = '}';
	json[n] = '\0';
	CHECK_INT(oci_config_parse(json, n, &c, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "nesting deeper than");
	free(json);

	/* moderately deep unknown fields are fine */
	c = parse_ok(MIN_HEAD ",\"x\":[[[[[[[[[[{\"a\":[[[]]]}]]]]]]]]]]}");
	oci_config_free(c);
}

TEST(not_an_object)
{
	bad_doc("[]", "expected a JSON object");
	bad_doc("42", "expected a JSON object");
}

int main(void)
{
	RUN(wrong_type_paths);
	RUN(huge_numbers);
	RUN(extreme_int64_values);
	RUN(malformed_json);
	RUN(malformed_json_embedded_nul);
	RUN(nul_in_string);
	RUN(tree_layout);
	RUN(tree_large_array);
	RUN(tree_error_position);
	RUN(deep_nesting);
	RUN(not_an_object);
	return unit_done();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config_gen.c - small yajl_gen helpers for `skiff spec` and `skiff features`. */
#include "internal.h"

#include <string.h>

yajl_gen cj_gen_new(void)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	if (!g) {
		static const char msg[] = "skiff: out of memory\n";
		(void)!write(2, msg, sizeof(msg) - 1);
		abort();
	}
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_config(g, yajl_gen_indent_string, "\t");
	return g;
}

void cj_gen_str(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

void cj_gen_kstr(yajl_gen g, const char *key, const char *val)
{
	cj_gen_str(g, key);
	cj_gen_str(g, val);
}

void cj_gen_kbool(yajl_gen g, const char *key, bool val)
{
	cj_gen_str(g, key);
	yajl_gen_bool(g, val);
}

void cj_gen_kint(yajl_gen g, const char *key, long long val)
{
	cj_gen_str(g, key);
	yajl_gen_integer(g, val);
}

void cj_gen_kstrv(yajl_gen g, const char *key, const char *const *v)
{
	if (key)
		cj_gen_str(g, key);
	yajl_gen_array_open(g);
	for (; v && *v; v++)
		cj_gen_str(g, *v);
	yajl_gen_array_close(g);
}

char *cj_gen_finish(yajl_gen g)
{
	const unsigned char *buf = NULL;
	size_t len = 0;
	char *out;

	yajl_gen_get_buf(g, &buf, &len);
	out = sk_xmalloc(len + 2);
	memcpy(out, buf, len);
	if (len == 0 || out[len - 1] != '\n')
		out[len++] = '\n';
	out[len] = '\0';
	yajl_gen_free(g);
	return out;
}

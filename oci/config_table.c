/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config_table.c - the engine that parses a JSON object by its field table. */
#include "internal.h"

#include <errno.h>
#include <string.h>

static void *at(void *base, size_t off)
{
	return (char *)base + off;
}

/* The count or set flag of @f, NULL when it has none. */
static void *aux(void *base, const struct cj_field *f)
{
	return f->aux ? at(base, f->aux - 1) : NULL;
}

static int name_index(const struct cj_field *f, const char *s)
{
	if (f->lookup)
		return f->lookup(s);
	return cj_lookup(s, f->names, f->n_names);
}

static int str_field(yajl_val v, const char *path, const struct cj_field *f, void *base,
		     struct sk_err *e)
{
	char **s = at(base, f->off);
	int r = cj_str(v, path, f->name, s, e);

	if (r < 0 || !*s || !cj_get(v, f->name))
		return r;
	if ((f->check & CJ_NONEMPTY) && !(*s)[0])
		return cj_fail(e, path, f->name, "must not be empty");
	if ((f->check & CJ_ABSOLUTE) && (*s)[0] != '/')
		return cj_fail(e, path, f->name, "\"%s\" is not an absolute path", *s);
	if (f->names && name_index(f, *s) < 0)
		return cj_fail(e, path, f->name, "unknown %s \"%s\"", f->what, *s);
	return 0;
}

static int enum_field(yajl_val v, const char *path, const struct cj_field *f, void *base,
		      struct sk_err *e)
{
	_cleanup_free_ char *s = NULL;
	int r = cj_str(v, path, f->name, &s, e);

	if (r < 0 || !s)
		return r;
	r = name_index(f, s);
	if (r < 0)
		return cj_fail(e, path, f->name, "unknown %s \"%s\"", f->what, s);
	*(int *)at(base, f->off) = r;
	return 0;
}

static void put_int(void *dst, size_t width, uint64_t x)
{
	if (width == 8) {
		memcpy(dst, &x, 8);
	} else if (width == 4) {
		uint32_t y = (uint32_t)x;
		memcpy(dst, &y, 4);
	} else {
		uint16_t y = (uint16_t)x;
		memcpy(dst, &y, 2);
	}
}

static int int_field(yajl_val v, const char *path, const struct cj_field *f, void *base,
		     struct sk_err *e)
{
	struct oci_opt_i64 i = { 0 };
	struct oci_opt_u64 u = { 0 };
	int r;

	if (f->kind == CJ_INT) {
		r = cj_i64(v, path, f->name, f->min, (int64_t)f->max, &i, e);
		if (r == 0)
			put_int(at(base, f->off), f->width, (uint64_t)i.v);
		return r;
	}
	r = cj_u64(v, path, f->name, f->max, &u, e);
	if (r < 0 || !u.set)
		return r;
	put_int(at(base, f->off), f->width, u.v);
	if (f->aux)
		*(bool *)aux(base, f) = true;
	return 0;
}

static int strv_field(yajl_val v, const char *path, const struct cj_field *f, void *base,
		      struct sk_err *e)
{
	char p[CJ_PATH_MAX], ip[CJ_PATH_MAX];
	char ***out = at(base, f->off);
	int r = cj_strv(v, path, f->name, out, aux(base, f), e);

	if (r < 0 || !f->names || !*out)
		return r;
	cj_join(p, path, f->name);
	for (size_t i = 0; (*out)[i]; i++) {
		if (name_index(f, (*out)[i]) < 0) {
			cj_index(ip, p, i);
			return cj_fail(e, ip, NULL, "unknown %s \"%s\"", f->what, (*out)[i]);
		}
	}
	return 0;
}

static int flags_field(yajl_val v, const char *path, const struct cj_field *f, void *base,
		       struct sk_err *e)
{
	char p[CJ_PATH_MAX], ip[CJ_PATH_MAX];
	uint64_t *mask = at(base, f->off);
	yajl_val a = NULL;
	int r = cj_array(v, path, f->name, &a, e);

	if (r < 0 || !a)
		return r;
	cj_join(p, path, f->name);
	for (size_t i = 0; i < a->u.array.len; i++) {
		yajl_val n = a->u.array.values[i];
		int bit;

		cj_index(ip, p, i);
		if (!YAJL_IS_STRING(n))
			return cj_fail(e, ip, NULL, "expected string");
		bit = name_index(f, n->u.string);
		if (bit < 0)
			return cj_fail(e, ip, NULL, "unknown %s \"%s\"", f->what, n->u.string);
		*mask |= UINT64_C(1) << bit;
	}
	return 0;
}

static int object_field(yajl_val v, const char *path, const struct cj_field *f, void *base,
			struct sk_err *e)
{
	char p[CJ_PATH_MAX];
	yajl_val o = NULL;
	int r = cj_object(v, path, f->name, &o, e);

	if (r < 0 || !o)
		return r;
	cj_join(p, path, f->name);
	r = cj_fields(o, p, f->sub, at(base, f->off), e);
	if (r == 0 && f->aux)
		*(bool *)aux(base, f) = true;
	return r;
}

static int array_field(yajl_val v, const char *path, const struct cj_field *f, void *base,
		       struct sk_err *e)
{
	char p[CJ_PATH_MAX], ip[CJ_PATH_MAX];
	void **out = at(base, f->off);
	size_t *n = aux(base, f);
	yajl_val a = NULL;
	int r = cj_array_vec(v, path, f->name, f->width, &a, out, n, p, e);

	for (size_t i = 0; r == 0 && a && i < *n; i++) {
		cj_index(ip, p, i);
		r = cj_fields(a->u.array.values[i], ip, f->sub, at(*out, i * f->width), e);
	}
	return r;
}

static int one_field(yajl_val v, const char *path, const struct cj_field *f, void *base,
		     struct sk_err *e)
{
	switch (f->kind) {
	case CJ_STR:
		return str_field(v, path, f, base, e);
	case CJ_ENUM:
		return enum_field(v, path, f, base, e);
	case CJ_BOOL:
		return cj_bool(v, path, f->name, at(base, f->off), e);
	case CJ_I64:
		return cj_i64(v, path, f->name, f->min, (int64_t)f->max, at(base, f->off), e);
	case CJ_U64:
		return cj_u64(v, path, f->name, f->max, at(base, f->off), e);
	case CJ_INT:
	case CJ_UINT:
		return int_field(v, path, f, base, e);
	case CJ_STRV:
		return strv_field(v, path, f, base, e);
	case CJ_FLAGS:
		return flags_field(v, path, f, base, e);
	case CJ_MAP:
		return cj_map(v, path, f->name, at(base, f->off), aux(base, f), e);
	case CJ_IDMAPS:
		return cj_idmaps(v, path, f->name, at(base, f->off), aux(base, f), e);
	case CJ_OBJECT:
		return object_field(v, path, f, base, e);
	case CJ_ARRAY:
		return array_field(v, path, f, base, e);
	case CJ_CUSTOM:
		return f->fn(v, path, f, base, e);
	}
	return -EINVAL;
}

int cj_fields(yajl_val v, const char *path, const struct cj_table *t, void *base, struct sk_err *e)
{
	bool first_done = false;
	int r = cj_is_object(v, path, e);

	for (size_t i = 0; r == 0 && i < t->n; i++) {
		const struct cj_field *f = &t->rows[i];

		if (f->need == CJ_REQUIRED_FIRST && !first_done) {
			first_done = true;
			for (size_t j = i; j < t->n; j++)
				if (t->rows[j].need == CJ_REQUIRED_FIRST &&
				    !cj_get(v, t->rows[j].name))
					return cj_fail(e, path, t->rows[j].name,
						       "missing required field");
		}
		if (f->need == CJ_REQUIRED && !cj_get(v, f->name))
			return cj_fail(e, path, f->name, "missing required field");
		r = one_field(v, path, f, base, e);
	}
	if (r == 0 && t->done)
		r = t->done(v, path, base, e);
	return r;
}

const struct cj_field *cj_table_find(const struct cj_table *t, const char *path, size_t *off)
{
	const char *dot = strchr(path, '.');
	size_t len = dot ? (size_t)(dot - path) : strlen(path);

	for (size_t i = 0; i < t->n; i++) {
		const struct cj_field *f = &t->rows[i];

		if (strlen(f->name) != len || strncmp(f->name, path, len))
			continue;
		if (!dot) {
			*off += f->off;
			return f;
		}
		/* below an array, offsets are from an element */
		*off = f->kind == CJ_OBJECT ? *off + f->off : 0;
		return f->sub ? cj_table_find(f->sub, dot + 1, off) : NULL;
	}
	return NULL;
}

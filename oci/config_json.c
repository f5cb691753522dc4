/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config_json.c - typed, path-naming accessors over a yajl tree. */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

/* Paths are for messages only: silently truncated when too long. */
void cj_join(char buf[CJ_PATH_MAX], const char *path, const char *key)
{
	int n;

	if (!path || !*path)
		n = snprintf(buf, CJ_PATH_MAX, "%s", key);
	else
		n = snprintf(buf, CJ_PATH_MAX, "%s.%s", path, key);
	if (n < 0)
		buf[0] = '\0';
}

void cj_index(char buf[CJ_PATH_MAX], const char *path, size_t i)
{
	if (snprintf(buf, CJ_PATH_MAX, "%s[%zu]", path, i) < 0)
		buf[0] = '\0';
}

int cj_fail(struct sk_err *e, const char *path, const char *key, const char *fmt, ...)
{
	char where[CJ_PATH_MAX], what[512];
	va_list ap;

	if (key)
		cj_join(where, path, key);
	else
		snprintf(where, sizeof(where), "%s", path ? path : "");
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!where[0])
		return sk_err_set(e, EINVAL, "%s", what);
	return sk_err_set(e, EINVAL, "%s: %s", where, what);
}

/* ------------------------------------------------------------- access */

yajl_val cj_get(yajl_val obj, const char *key)
{
	yajl_val r = NULL;

	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (obj->u.object.keys[i] && !strcmp(obj->u.object.keys[i], key))
			r = obj->u.object.values[i];
	if (YAJL_IS_NULL(r))
		return NULL;
	return r;
}

int cj_need(yajl_val obj, const char *path, const char *key, yajl_val *out, struct sk_err *e)
{
	*out = cj_get(obj, key);
	if (!*out)
		return cj_fail(e, path, key, "missing required field");
	return 0;
}

int cj_is_object(yajl_val v, const char *path, struct sk_err *e)
{
	if (!YAJL_IS_OBJECT(v))
		return cj_fail(e, path, NULL, "expected object");
	return 0;
}

/* Member @key of @obj of JSON type @t into *@out (untouched when absent);
 * "expected <what>" when it has another type. */
static int typed(yajl_val obj, const char *path, const char *key, yajl_type t, const char *what,
		 yajl_val *out, struct sk_err *e)
{
	yajl_val v = cj_get(obj, key);
	if (!v)
		return 0;
	if (v->type != t)
		return cj_fail(e, path, key, "expected %s", what);
	*out = v;
	return 0;
}

int cj_object(yajl_val obj, const char *path, const char *key, yajl_val *out, struct sk_err *e)
{
	return typed(obj, path, key, yajl_t_object, "object", out, e);
}

int cj_array(yajl_val obj, const char *path, const char *key, yajl_val *out, struct sk_err *e)
{
	return typed(obj, path, key, yajl_t_array, "array", out, e);
}

int cj_str(yajl_val obj, const char *path, const char *key, char **out, struct sk_err *e)
{
	yajl_val v = NULL;
	int r = typed(obj, path, key, yajl_t_string, "string", &v, e);

	if (r < 0 || !v)
		return r;
	free(*out);
	*out = sk_xstrdup(v->u.string);
	return 0;
}

int cj_letter(yajl_val obj, const char *path, const char *key, const char *letters,
	      const char *want, char *out, struct sk_err *e)
{
	_cleanup_free_ char *s = NULL;
	int r = cj_str(obj, path, key, &s, e);

	if (r < 0 || !s)
		return r;
	if (strlen(s) != 1 || !strchr(letters, s[0]))
		return cj_fail(e, path, key, "unknown device type \"%s\" (want %s)", s, want);
	*out = s[0];
	return 0;
}

int cj_array_vec(yajl_val obj, const char *path, const char *key, size_t width, yajl_val *a,
		 void **out, size_t *n, char ap[CJ_PATH_MAX], struct sk_err *e)
{
	int r = cj_array(obj, path, key, a, e);

	if (r < 0 || !*a)
		return r;
	*n = (*a)->u.array.len;
	*out = sk_xcalloc(*n ? *n : 1, width);
	cj_join(ap, path, key);
	return 0;
}

int cj_bool(yajl_val obj, const char *path, const char *key, bool *out, struct sk_err *e)
{
	yajl_val v = cj_get(obj, key);
	if (!v)
		return 0;
	if (YAJL_IS_TRUE(v))
		*out = true;
	else if (YAJL_IS_FALSE(v))
		*out = false;
	else
		return cj_fail(e, path, key, "expected boolean");
	return 0;
}

/*
 * Read an integer from the number's text (yajl keeps it): an optional
 * '-' and digits, nothing else (1.0 and 1e3 are not integers).
 * Returns 0, -EINVAL (not an integer) or -ERANGE (magnitude >= 2^64).
 */
static int num_parse(yajl_val v, bool *neg, uint64_t *mag)
{
	const char *s;
	uint64_t m = 0;

	if (!YAJL_IS_NUMBER(v) || !v->u.number.r)
		return -EINVAL;
	s = v->u.number.r;
	*neg = *s == '-';
	if (*neg)
		s++;
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d;
		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = (unsigned)(*s - '0');
		if (m > (UINT64_MAX - d) / 10)
			return -ERANGE;
		m = m * 10 + d;
	}
	if (m == 0)
		*neg = false;
	*mag = m;
	return 0;
}

int cj_val_i64(yajl_val v, const char *path, int64_t min, int64_t max, int64_t *out, struct sk_err *e)
{
	bool neg;
	uint64_t m;
	int64_t x;
	int r = num_parse(v, &neg, &m);

	if (r == -EINVAL)
		return cj_fail(e, path, NULL, "expected integer");
	if (r < 0 || (!neg && m > (uint64_t)INT64_MAX) || (neg && m > (uint64_t)INT64_MAX + 1))
		return cj_fail(e, path, NULL, "integer out of 64-bit range");
	if (neg)
		x = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
	else
		x = (int64_t)m;
	if (x < min || x > max)
		goto range;
	*out = x;
	return 0;
range:
	if (max == INT64_MAX)
		return cj_fail(e, path, NULL, "expected integer >= %" PRId64, min);
	return cj_fail(e, path, NULL, "expected integer in %" PRId64 "..%" PRId64, min, max);
}

int cj_val_u64(yajl_val v, const char *path, uint64_t max, uint64_t *out, struct sk_err *e)
{
	bool neg;
	uint64_t m;
	int r = num_parse(v, &neg, &m);

	if (r == 0 && !neg && m <= max) {
		*out = m;
		return 0;
	}
	if (max == UINT64_MAX)
		return cj_fail(e, path, NULL, "expected non-negative integer%s",
			       r == -ERANGE && !neg ? " below 2^64" : "");
	if (max == UINT32_MAX)
		return cj_fail(e, path, NULL, "expected non-negative integer below 2^32");
	return cj_fail(e, path, NULL, "expected integer in 0..%" PRIu64, max);
}

/* Member @key as an integer into *@v (int64_t when @sign, else uint64_t);
 * *@set when given. */
static int opt_int(yajl_val obj, const char *path, const char *key, bool sign, int64_t min,
		   uint64_t max, void *v, bool *set, struct sk_err *e)
{
	char p[CJ_PATH_MAX];
	yajl_val n = cj_get(obj, key);
	int r;

	if (!n)
		return 0;
	cj_join(p, path, key);
	r = sign ? cj_val_i64(n, p, min, (int64_t)max, v, e) : cj_val_u64(n, p, max, v, e);
	if (r == 0)
		*set = true;
	return r;
}

int cj_i64(yajl_val obj, const char *path, const char *key, int64_t min, int64_t max,
	   struct oci_opt_i64 *out, struct sk_err *e)
{
	return opt_int(obj, path, key, true, min, (uint64_t)max, &out->v, &out->set, e);
}

int cj_u64(yajl_val obj, const char *path, const char *key, uint64_t max, struct oci_opt_u64 *out,
	   struct sk_err *e)
{
	return opt_int(obj, path, key, false, 0, max, &out->v, &out->set, e);
}

int cj_u32(yajl_val obj, const char *path, const char *key, uint32_t *out, bool *set,
	   struct sk_err *e)
{
	struct oci_opt_u64 o = { 0 };
	int r = cj_u64(obj, path, key, UINT32_MAX, &o, e);

	if (r < 0)
		return r;
	if (o.set) {
		*out = (uint32_t)o.v;
		if (set)
			*set = true;
	}
	return 0;
}

int cj_strv(yajl_val obj, const char *path, const char *key, char ***out, size_t *n, struct sk_err *e)
{
	char p[CJ_PATH_MAX], ip[CJ_PATH_MAX];
	yajl_val a = NULL;
	size_t len;
	int r;

	r = cj_array(obj, path, key, &a, e);
	if (r < 0 || !a)
		return r;
	sk_strv_free(*out);
	len = a->u.array.len;
	*out = sk_xcalloc(len + 1, sizeof(char *));
	if (n)
		*n = 0;
	cj_join(p, path, key);
	for (size_t i = 0; i < len; i++) {
		yajl_val s = a->u.array.values[i];
		if (!YAJL_IS_STRING(s)) {
			cj_index(ip, p, i);
			return cj_fail(e, ip, NULL, "expected string");
		}
		(*out)[i] = sk_xstrdup(s->u.string);
		if (n)
			*n = i + 1;
	}
	return 0;
}

void cj_kv_free(struct oci_kv *kv, size_t n)
{
	for (size_t i = 0; kv && i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

struct key_pos {
	const char *key;
	size_t pos;
};

static int key_pos_cmp(const void *a, const void *b)
{
	const struct key_pos *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : sk_cmp_size(x->pos, y->pos);
}

/*
 * Duplicate keys keep the first key's place and the last key's value.
 * Sorting (key, position) pairs finds them in O(n log n): a hostile
 * config with many keys must not cost O(n^2).
 */
int cj_map(yajl_val obj, const char *path, const char *key, struct oci_kv **out, size_t *n,
	   struct sk_err *e)
{
	char p[CJ_PATH_MAX];
	_cleanup_free_ struct key_pos *kp = NULL;
	_cleanup_free_ size_t *src = NULL;
	yajl_val o = NULL;
	size_t len, nk = 0;
	int r;

	r = cj_object(obj, path, key, &o, e);
	if (r < 0 || !o)
		return r;
	cj_join(p, path, key);
	len = o->u.object.len;
	for (size_t i = 0; i < len; i++)
		if (o->u.object.keys[i] && !YAJL_IS_STRING(o->u.object.values[i]))
			return cj_fail(e, p, o->u.object.keys[i], "expected string");

	kp = sk_xcalloc(len ? len : 1, sizeof(*kp));
	src = sk_xcalloc(len ? len : 1, sizeof(*src));
	for (size_t i = 0; i < len; i++) {
		src[i] = SIZE_MAX; /* not emitted */
		if (o->u.object.keys[i])
			kp[nk++] = (struct key_pos){ o->u.object.keys[i], i };
	}
	qsort(kp, nk, sizeof(*kp), key_pos_cmp);
	for (size_t i = 0; i < nk;) {
		size_t j = i;
		while (j + 1 < nk && !strcmp(kp[j + 1].key, kp[i].key))
			j++;
		src[kp[i].pos] = kp[j].pos; /* first place, last value */
		i = j + 1;
	}

	cj_kv_free(*out, *n);
	*out = sk_xcalloc(len ? len : 1, sizeof(struct oci_kv));
	*n = 0;
	for (size_t i = 0; i < len; i++) {
		if (src[i] == SIZE_MAX)
			continue;
		(*out)[*n].key = sk_xstrdup(o->u.object.keys[i]);
		(*out)[*n].value = sk_xstrdup(o->u.object.values[src[i]]->u.string);
		(*n)++;
	}
	return 0;
}

static int idmap_one(yajl_val v, const char *path, struct oci_idmap *m, struct sk_err *e)
{
	static const char *const keys[] = { "containerID", "hostID", "size" };
	uint32_t *dst[] = { &m->container_id, &m->host_id, &m->size };
	yajl_val x;
	int r;

	r = cj_is_object(v, path, e);
	if (r < 0)
		return r;
	for (size_t k = 0; k < 3; k++) {
		r = cj_need(v, path, keys[k], &x, e);
		if (r < 0)
			return r;
		r = cj_u32(v, path, keys[k], dst[k], NULL, e);
		if (r < 0)
			return r;
	}
	if (m->size == 0)
		return cj_fail(e, path, "size", "must be at least 1");
	if ((uint64_t)m->container_id + m->size > (uint64_t)UINT32_MAX + 1)
		return cj_fail(e, path, NULL, "containerID + size exceeds 2^32");
	if ((uint64_t)m->host_id + m->size > (uint64_t)UINT32_MAX + 1)
		return cj_fail(e, path, NULL, "hostID + size exceeds 2^32");
	return 0;
}

int cj_idmaps(yajl_val obj, const char *path, const char *key, struct oci_idmap **out, size_t *n,
	      struct sk_err *e)
{
	char p[CJ_PATH_MAX], ip[CJ_PATH_MAX];
	yajl_val a = NULL;
	int r;

	r = cj_array(obj, path, key, &a, e);
	if (r < 0 || !a)
		return r;
	free(*out);
	*n = a->u.array.len;
	*out = sk_xcalloc(*n ? *n : 1, sizeof(struct oci_idmap));
	cj_join(p, path, key);
	for (size_t i = 0; i < *n; i++) {
		cj_index(ip, p, i);
		r = idmap_one(a->u.array.values[i], ip, &(*out)[i], e);
		if (r < 0)
			return r;
	}
	return 0;
}

int cj_lookup(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (names[i] && !strcmp(s, names[i]))
			return (int)i;
	return -1;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * record.c - the one format of what skiff keeps on disk: a JSON object
 * {"version": 1, ...} written with yajl_gen and read with the tree parser
 * of config_tree.c (see oci.h, "records").
 *
 * Strings are bytes, JSON strings are UTF-8: a byte that is not part of a
 * valid UTF-8 character is written as the character U+EF00 + byte (in
 * U+EF80..U+EFFF, private use), and so is each byte of a character that
 * is itself in that range; the reader turns every such character back
 * into its byte.  Any byte string survives; UTF-8 text reads as itself.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <yajl/yajl_gen.h>

/* -------------------------------------------------------------- bytes */

#define ESC_BASE 0xEF00u

/* Length of the valid UTF-8 character at @s (at most @n bytes), 0 when
 * it is not one; *cp its code point. */
static size_t utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0)
		len = 2, c = s[0] & 0x1F, min = 0x80;
	else if ((s[0] & 0xF0) == 0xE0)
		len = 3, c = s[0] & 0x0F, min = 0x800;
	else if ((s[0] & 0xF8) == 0xF0)
		len = 4, c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

static void put_cp(struct sk_strbuf *b, uint32_t cp)
{
	char u[3] = { (char)(0xE0 | cp >> 12), (char)(0x80 | ((cp >> 6) & 0x3F)),
		      (char)(0x80 | (cp & 0x3F)) };
	sk_strbuf_addf(b, "%.3s", u);
}

char *sk_rec_encode(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);
	struct sk_strbuf b = { 0 };

	sk_strbuf_add(&b, "");
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = utf8_char(s + i, n - i, &cp);
		if (l && !(cp >= ESC_BASE + 0x80 && cp <= ESC_BASE + 0xFF)) {
			sk_strbuf_addf(&b, "%.*s", (int)l, (const char *)s + i);
			i += l;
			continue;
		}
		/* a stray byte, or each byte of a character of the escape range */
		l = l ? l : 1;
		for (size_t k = 0; k < l; k++)
			put_cp(&b, ESC_BASE + s[i + k]);
		i += l;
	}
	return sk_strbuf_steal(&b);
}

char *sk_rec_decode(const char *str)
{
	char *r = sk_xstrdup(str), *o = r;
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		/* U+EF80..U+EFFF: EE BE 80..BF, EE BF 80..BF */
		if (s[0] == 0xEE && (s[1] == 0xBE || s[1] == 0xBF) && (s[2] & 0xC0) == 0x80) {
			*o++ = (char)(((s[1] & 0x3F) << 6 | (s[2] & 0x3F)) & 0xFF);
			s += 3;
		} else {
			*o++ = (char)*s++;
		}
	}
	*o = '\0';
	return r;
}

/* ------------------------------------------------------------- writer */

struct sk_rec {
	yajl_gen g;
};

static void gen_str(yajl_gen g, const char *s)
{
	_cleanup_free_ char *x = sk_rec_encode(s);
	yajl_gen_string(g, (const unsigned char *)x, strlen(x));
}

struct sk_rec *sk_rec_new(void)
{
	struct sk_rec *w = sk_xcalloc(1, sizeof(*w));

	w->g = yajl_gen_alloc(NULL);
	if (!w->g)
		abort();
	yajl_gen_map_open(w->g);
	sk_rec_int(w, "version", SK_REC_VERSION);
	return w;
}

static void key(struct sk_rec *w, const char *k)
{
	if (k)
		gen_str(w->g, k);
}

void sk_rec_str(struct sk_rec *w, const char *k, const char *s)
{
	key(w, k);
	if (s)
		gen_str(w->g, s);
	else
		yajl_gen_null(w->g);
}

void sk_rec_int(struct sk_rec *w, const char *k, long long v)
{
	key(w, k);
	yajl_gen_integer(w->g, v);
}

static void sk_rec_u64(struct sk_rec *w, const char *k, uint64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)v);

	key(w, k);
	yajl_gen_number(w->g, num, (size_t)n);
}

void sk_rec_bool(struct sk_rec *w, const char *k, bool v)
{
	key(w, k);
	yajl_gen_bool(w->g, v);
}

void sk_rec_open(struct sk_rec *w, const char *k, char kind)
{
	key(w, k);
	if (kind == '[')
		yajl_gen_array_open(w->g);
	else
		yajl_gen_map_open(w->g);
}

void sk_rec_close(struct sk_rec *w, char kind)
{
	if (kind == ']' || kind == '[')
		yajl_gen_array_close(w->g);
	else
		yajl_gen_map_close(w->g);
}

void sk_rec_kv(struct sk_rec *w, const char *k, const struct oci_kv *v, size_t n)
{
	sk_rec_open(w, k, '{');
	for (size_t i = 0; i < n; i++)
		sk_rec_str(w, v[i].key, v[i].value);
	sk_rec_close(w, '}');
}

char *sk_rec_finish(struct sk_rec *w)
{
	const unsigned char *buf;
	size_t len;
	char *r;

	yajl_gen_map_close(w->g);
	yajl_gen_get_buf(w->g, &buf, &len);
	r = sk_xmalloc(len + 1);
	memcpy(r, buf, len);
	r[len] = '\0';
	yajl_gen_free(w->g);
	free(w);
	return r;
}

int sk_rec_save(struct sk_rec *w, int dirfd, const char *name, struct sk_err *e)
{
	_cleanup_free_ char *text = sk_rec_finish(w);

	return sk_write_file_atomic(dirfd, name, text, strlen(text), e);
}

/* ------------------------------------------------------------- reader */

bool sk_rec_is_json(const char *text)
{
	text += strspn(text, " \t\r\n");
	return *text == '{';
}

int sk_rec_parse(const char *text, struct yajl_val_s **out, unsigned *version, struct sk_err *e)
{
	yajl_val root = NULL, v;
	int r;

	if (!text || !*text)
		return sk_err_set(e, EINVAL, "corrupt record: empty");
	r = cj_parse_tree(text, strlen(text), &root, e);
	if (r < 0)
		return sk_err_prefix(e, "corrupt record");
	if (!YAJL_IS_OBJECT(root)) {
		yajl_tree_free(root);
		return sk_err_set(e, EINVAL, "corrupt record: not a JSON object");
	}
	v = cj_get(root, "version");
	*version = 0; /* none: an older skiff's */
	if (v && (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0)) {
		yajl_tree_free(root);
		return sk_err_set(e, EINVAL, "corrupt record: bad version");
	}
	if (v)
		*version = (unsigned)YAJL_GET_INTEGER(v);
	*out = root;
	return 0;
}

void sk_rec_free(struct yajl_val_s *root)
{
	yajl_tree_free(root);
}

const struct yajl_val_s *sk_rec_get(const struct yajl_val_s *obj, const char *k)
{
	return obj && YAJL_IS_OBJECT(obj) ? cj_get((yajl_val)obj, k) : NULL;
}

size_t sk_rec_len(const struct yajl_val_s *v)
{
	if (v && YAJL_IS_ARRAY(v))
		return v->u.array.len;
	return v && YAJL_IS_OBJECT(v) ? v->u.object.len : 0;
}

const struct yajl_val_s *sk_rec_at(const struct yajl_val_s *v, size_t i, const char **k)
{
	if (YAJL_IS_OBJECT(v)) {
		if (k)
			*k = v->u.object.keys[i];
		return v->u.object.values[i];
	}
	return v->u.array.values[i];
}

int sk_rec_str_of(const struct yajl_val_s *v, const char *what, char **out, struct sk_err *e)
{
	*out = NULL;
	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_STRING(v))
		return sk_err_set(e, EINVAL, "corrupt record: %s: not a string", what);
	*out = sk_rec_decode(YAJL_GET_STRING(v));
	return 0;
}

int sk_rec_get_str(const struct yajl_val_s *obj, const char *k, char **out, struct sk_err *e)
{
	return sk_rec_str_of(sk_rec_get(obj, k), k, out, e);
}

int sk_rec_get_int(const struct yajl_val_s *obj, const char *k, long long min, long long max,
		   long long *out, struct sk_err *e)
{
	const struct yajl_val_s *v = sk_rec_get(obj, k);

	if (!v)
		return 0;
	if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < min || YAJL_GET_INTEGER(v) > max)
		return sk_err_set(e, EINVAL, "corrupt record: %s: not an integer in range", k);
	*out = YAJL_GET_INTEGER(v);
	return 0;
}

static int sk_rec_get_u64(const struct yajl_val_s *obj, const char *k, uint64_t *out,
			  struct sk_err *e)
{
	const struct yajl_val_s *v = sk_rec_get(obj, k);

	if (!v)
		return 0;
	if (!YAJL_IS_NUMBER(v) || sk_parse_u64(YAJL_GET_NUMBER(v), out) < 0)
		return sk_err_set(e, EINVAL, "corrupt record: %s: not an unsigned integer", k);
	return 0;
}

int sk_rec_get_bool(const struct yajl_val_s *obj, const char *k, bool *out, struct sk_err *e)
{
	const struct yajl_val_s *v = sk_rec_get(obj, k);

	if (!v)
		return 0;
	if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
		return sk_err_set(e, EINVAL, "corrupt record: %s: not a boolean", k);
	*out = YAJL_IS_TRUE(v);
	return 0;
}

int sk_rec_get_kv(const struct yajl_val_s *obj, const char *k, struct oci_kv **v, size_t *n,
		  struct sk_err *e)
{
	const struct yajl_val_s *m = sk_rec_get(obj, k);
	size_t len = sk_rec_len(m);

	if (m && !YAJL_IS_OBJECT(m))
		return sk_err_set(e, EINVAL, "corrupt record: %s: not an object", k);
	for (size_t i = 0; i < len; i++) {
		const char *key = NULL;
		const struct yajl_val_s *val = sk_rec_at(m, i, &key);
		char *s;
		int r = sk_rec_str_of(val, k, &s, e);
		if (r < 0)
			return r;
		if (!s)
			continue;
		*v = sk_xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[*n] = (struct oci_kv){ .key = sk_rec_decode(key), .value = s };
		(*n)++;
	}
	return 0;
}

/* ------------------------------------------------------ field tables */

#define AT(obj, f, type) ((type *)((char *)(obj) + (f)->off))

void sk_rec_put_fields(struct sk_rec *w, const struct sk_rec_field *f, const void *obj)
{
	for (; f->key; f++) {
		switch (f->type) {
		case SK_REC_STR:
			sk_rec_str(w, f->key, *AT(obj, f, char *const));
			break;
		case SK_REC_I32:
			sk_rec_int(w, f->key, *AT(obj, f, const int32_t));
			break;
		case SK_REC_U32:
			sk_rec_int(w, f->key, *AT(obj, f, const uint32_t));
			break;
		case SK_REC_U64:
			sk_rec_u64(w, f->key, *AT(obj, f, const uint64_t));
			break;
		case SK_REC_BOOL:
			sk_rec_bool(w, f->key, *AT(obj, f, const bool));
			break;
		}
	}
}

int sk_rec_get_fields(const struct yajl_val_s *obj, const struct sk_rec_field *f, void *out,
		      struct sk_err *e)
{
	for (; f->key; f++) {
		long long v = 0;
		int r = 0;

		switch (f->type) {
		case SK_REC_STR:
			free(*AT(out, f, char *));
			r = sk_rec_get_str(obj, f->key, AT(out, f, char *), e);
			break;
		case SK_REC_I32:
			r = sk_rec_get_int(obj, f->key, INT32_MIN, INT32_MAX, &v, e);
			if (r == 0 && sk_rec_get(obj, f->key))
				*AT(out, f, int32_t) = (int32_t)v;
			break;
		case SK_REC_U32:
			r = sk_rec_get_int(obj, f->key, 0, UINT32_MAX, &v, e);
			if (r == 0 && sk_rec_get(obj, f->key))
				*AT(out, f, uint32_t) = (uint32_t)v;
			break;
		case SK_REC_U64:
			r = sk_rec_get_u64(obj, f->key, AT(out, f, uint64_t), e);
			break;
		case SK_REC_BOOL:
			r = sk_rec_get_bool(obj, f->key, AT(out, f, bool), e);
			break;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

void sk_rec_free_fields(const struct sk_rec_field *f, void *obj)
{
	for (; f->key; f++)
		if (f->type == SK_REC_STR) {
			free(*AT(obj, f, char *));
			*AT(obj, f, char *) = NULL;
		}
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config_tree.c - JSON text to a yajl_val tree, built by our own callbacks
 * over yajl's streaming parser.
 *
 * The tree has yajl_tree_parse's layout, allocated with malloc as
 * yajl_tree_free expects (values, strings, number texts, keys and the
 * keys/values vectors each one block), so yajl_tree_free and YAJL_IS_*
 * work on it.  Unlike yajl_tree_parse, arrays and objects grow
 * geometrically (yajl's tree parser reallocs them one element at a time:
 * 150,000 env entries took minutes under ASan) and one pass does the
 * syntax, the depth and the NUL checks.
 */
#include "internal.h"

#include <errno.h>
#include <string.h>

#include <yajl/yajl_parse.h>

struct frame {
	yajl_val v; /* an open array or object */
	size_t cap; /* room in its vectors */
	char *key;  /* object: the key waiting for its value */
};

struct builder {
	yajl_val root;
	unsigned depth;	 /* open containers; may pass CJ_MAX_DEPTH by one */
	const char *why; /* set when a callback cancels the parse */
	struct frame stack[CJ_MAX_DEPTH + 1];
};

static void grow(struct frame *f, size_t len, bool object)
{
	if (len < f->cap)
		return;
	f->cap = f->cap ? f->cap * 2 : 8;
	if (object) {
		f->v->u.object.keys =
			sk_xrealloc(f->v->u.object.keys, f->cap * sizeof(*f->v->u.object.keys));
		f->v->u.object.values =
			sk_xrealloc(f->v->u.object.values, f->cap * sizeof(*f->v->u.object.values));
	} else {
		f->v->u.array.values =
			sk_xrealloc(f->v->u.array.values, f->cap * sizeof(*f->v->u.array.values));
	}
}

/* Hang @v under the open container (or make it the root). */
static void attach(struct builder *b, yajl_val v)
{
	struct frame *f;

	if (!b->depth) {
		b->root = v;
		return;
	}
	f = &b->stack[b->depth - 1];
	if (YAJL_IS_OBJECT(f->v)) {
		size_t n = f->v->u.object.len;
		grow(f, n, true);
		f->v->u.object.keys[n] = f->key;
		f->v->u.object.values[n] = v;
		f->v->u.object.len = n + 1;
		f->key = NULL;
	} else {
		size_t n = f->v->u.array.len;
		grow(f, n, false);
		f->v->u.array.values[n] = v;
		f->v->u.array.len = n + 1;
	}
}

static yajl_val new_val(struct builder *b, yajl_type t)
{
	yajl_val v = sk_xcalloc(1, sizeof(*v));

	v->type = t;
	attach(b, v);
	return v;
}

/* yajl_tree keeps C strings: refuse "\u0000" rather than truncate silently. */
static char *dup_text(struct builder *b, const unsigned char *s, size_t l)
{
	char *t;

	if (l && memchr(s, '\0', l)) {
		b->why = "string contains a NUL character (\\u0000)";
		return NULL;
	}
	t = sk_xmalloc(l + 1);
	memcpy(t, s, l);
	t[l] = '\0';
	return t;
}

static int on_open(void *ctx, yajl_type t)
{
	struct builder *b = ctx;
	yajl_val v;

	if (b->depth >= CJ_MAX_DEPTH) {
		b->depth++; /* tells the caller why */
		b->why = "nesting too deep";
		return 0;
	}
	v = new_val(b, t);
	b->stack[b->depth++] = (struct frame){ .v = v };
	return 1;
}

static int on_close(void *ctx)
{
	struct builder *b = ctx;

	b->depth--;
	return 1;
}

static int on_start_map(void *ctx)
{
	return on_open(ctx, yajl_t_object);
}

static int on_start_array(void *ctx)
{
	return on_open(ctx, yajl_t_array);
}

static int on_key(void *ctx, const unsigned char *s, size_t l)
{
	struct builder *b = ctx;
	struct frame *f = &b->stack[b->depth - 1];

	free(f->key);
	f->key = dup_text(b, s, l);
	return f->key != NULL;
}

static int on_string(void *ctx, const unsigned char *s, size_t l)
{
	struct builder *b = ctx;
	char *t = dup_text(b, s, l);

	if (!t)
		return 0;
	new_val(b, yajl_t_string)->u.string = t;
	return 1;
}

/* The text is kept (cj_val_i64 reads it); i and d as yajl_tree fills them. */
static int on_number(void *ctx, const char *s, size_t l)
{
	struct builder *b = ctx;
	yajl_val v = new_val(b, yajl_t_number);
	char *end;

	v->u.number.r = dup_text(b, (const unsigned char *)s, l);
	errno = 0;
	v->u.number.i = strtoll(v->u.number.r, &end, 10);
	if (!errno && !*end)
		v->u.number.flags |= YAJL_NUMBER_INT_VALID;
	errno = 0;
	v->u.number.d = strtod(v->u.number.r, &end);
	if (!errno && !*end)
		v->u.number.flags |= YAJL_NUMBER_DOUBLE_VALID;
	return 1;
}

static int on_bool(void *ctx, int val)
{
	new_val(ctx, val ? yajl_t_true : yajl_t_false);
	return 1;
}

static int on_null(void *ctx)
{
	new_val(ctx, yajl_t_null);
	return 1;
}

/* Collapse yajl's multi-line message into one printable line. */
static void one_line(char *dst, size_t dstsz, const char *src)
{
	size_t n = 0;
	bool space = false;

	for (; *src && n + 1 < dstsz; src++) {
		unsigned char ch = (unsigned char)*src;
		if (ch == '\n' || ch == '\r' || ch == '\t' || ch == ' ') {
			space = n > 0;
			continue;
		}
		if (space && n + 2 < dstsz)
			dst[n++] = ' ';
		space = false;
		dst[n++] = (ch < 0x20 || ch >= 0x7f) ? '?' : (char)ch;
	}
	dst[n] = '\0';
}

/* "near byte N, line L column C" of @json for a message. */
static void where(char *dst, size_t dstsz, const char *json, size_t len, size_t at)
{
	size_t line = 1, col = 1;

	if (at > len)
		at = len;
	for (size_t i = 0; i < at; i++, col++)
		if (json[i] == '\n') {
			line++;
			col = 0;
		}
	snprintf(dst, dstsz, "near byte %zu, line %zu column %zu", at, line, col);
}

static void builder_free(struct builder *b)
{
	for (unsigned i = 0; i < b->depth && i < CJ_MAX_DEPTH; i++)
		free(b->stack[i].key);
	yajl_tree_free(b->root);
}

int cj_parse_tree(const char *json, size_t len, yajl_val *out, struct sk_err *e)
{
	static const yajl_callbacks cb = {
		.yajl_null = on_null,
		.yajl_boolean = on_bool,
		.yajl_number = on_number,
		.yajl_string = on_string,
		.yajl_start_map = on_start_map,
		.yajl_map_key = on_key,
		.yajl_end_map = on_close,
		.yajl_start_array = on_start_array,
		.yajl_end_array = on_close,
	};
	_cleanup_free_ struct builder *b = NULL;
	char line[256], at[96];
	yajl_handle h;
	yajl_status st;
	size_t n;

	*out = NULL;
	if (!json)
		return sk_err_set(e, EINVAL, "invalid JSON: no input");
	if (len > CJ_MAX_LEN)
		return sk_err_set(e, EINVAL, "invalid JSON: larger than %u bytes", CJ_MAX_LEN);
	if (memchr(json, '\0', len))
		return sk_err_set(e, EINVAL, "invalid JSON: NUL byte in input");

	b = sk_xcalloc(1, sizeof(*b));
	h = yajl_alloc(&cb, NULL, b);
	if (!h)
		return sk_err_set(e, ENOMEM, "invalid JSON: out of memory");
	yajl_config(h, yajl_allow_comments, 1);
	st = yajl_parse(h, (const unsigned char *)json, len);
	n = yajl_get_bytes_consumed(h);
	if (st == yajl_status_ok) {
		st = yajl_complete_parse(h);
		n = len;
	}
	if (st == yajl_status_ok) {
		yajl_free(h);
		*out = b->root;
		return 0;
	}
	where(at, sizeof(at), json, len, n);
	if (st == yajl_status_client_canceled) {
		yajl_free(h);
		if (b->depth > CJ_MAX_DEPTH) {
			builder_free(b);
			return sk_err_set(e, EINVAL, "invalid JSON: nesting deeper than %d",
					  CJ_MAX_DEPTH);
		}
		builder_free(b);
		return sk_err_set(e, EINVAL, "invalid JSON: %s (%s)", b->why ? b->why : "rejected",
				  at);
	}
	{
		unsigned char *m = yajl_get_error(h, 0, (const unsigned char *)json, len);
		one_line(line, sizeof(line), m ? (const char *)m : "parse error");
		if (m)
			yajl_free_error(h, m);
	}
	yajl_free(h);
	builder_free(b);
	return sk_err_set(e, EINVAL, "invalid JSON: %s (%s)", line, at);
}

int cj_parse_with(const char *json, size_t len,
		  int (*fn)(yajl_val tree, void *arg, struct sk_err *e), void *arg, struct sk_err *e)
{
	yajl_val tree = NULL;
	int r = cj_parse_tree(json, len, &tree, e);

	if (r < 0)
		return r;
	r = fn(tree, arg, e);
	yajl_tree_free(tree);
	return r;
}

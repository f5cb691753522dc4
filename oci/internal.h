/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * internal.h - shared by the config_*.c files of oci/ only.
 *
 * JSON access helpers over the yajl tree.  Every helper that reads a field
 * takes the path of the containing object ("process.user") and the key
 * ("uid"); on failure it fills @e with "process.user.uid: <what is wrong>"
 * and returns -EINVAL.  A field that is absent or JSON null is treated as
 * not set (as Go's encoding/json does for runc).
 */
#ifndef SKIFF_OCI_INTERNAL_H
#define SKIFF_OCI_INTERNAL_H

#include "oci.h"

#include <yajl/yajl_tree.h>

#define CJ_PATH_MAX 256
/* Deepest JSON nesting accepted; the OCI schema needs fewer than 10. */
#define CJ_MAX_DEPTH 128
/* Largest config text accepted. */
#define CJ_MAX_LEN (64u << 20)

/* "path.key" (or "key" when @path is empty), truncated to CJ_PATH_MAX. */
void cj_join(char buf[CJ_PATH_MAX], const char *path, const char *key);
/* "path[i]". */
void cj_index(char buf[CJ_PATH_MAX], const char *path, size_t i);
/* Set @e to "path.key: <fmt>" (key may be NULL) and return -EINVAL. */
__must_check int cj_fail(struct sk_err *e, const char *path, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Parse @json (@len bytes, NUL not required) into a tree (config_tree.c);
 * free it with yajl_tree_free.  Errors:
 * "invalid JSON: <one line>" / "nesting deeper than N". */
__must_check int cj_parse_tree(const char *json, size_t len, yajl_val *out, struct sk_err *e);

/* Parse @json and call @fn on the tree (freed afterwards); @fn's result. */
__must_check int cj_parse_with(const char *json, size_t len,
			       int (*fn)(yajl_val tree, void *arg, struct sk_err *e), void *arg,
			       struct sk_err *e);

/* Member @key of object @obj; NULL when absent or null.  The last of
 * duplicate keys wins. */
yajl_val cj_get(yajl_val obj, const char *key);
/* Like cj_get but an error "missing required field" when absent. */
__must_check int cj_need(yajl_val obj, const char *path, const char *key, yajl_val *out,
			 struct sk_err *e);
/* @v (at @path) must be an object. */
__must_check int cj_is_object(yajl_val v, const char *path, struct sk_err *e);

/* Optional typed members: when absent, outputs are left untouched. */
__must_check int cj_object(yajl_val obj, const char *path, const char *key, yajl_val *out,
			   struct sk_err *e);
__must_check int cj_array(yajl_val obj, const char *path, const char *key, yajl_val *out,
			  struct sk_err *e);
__must_check int cj_str(yajl_val obj, const char *path, const char *key, char **out,
			struct sk_err *e);
__must_check int cj_bool(yajl_val obj, const char *path, const char *key, bool *out,
			 struct sk_err *e);
/* Integers in [min, max]. */
__must_check int cj_i64(yajl_val obj, const char *path, const char *key, int64_t min, int64_t max,
			struct oci_opt_i64 *out, struct sk_err *e);
__must_check int cj_u64(yajl_val obj, const char *path, const char *key, uint64_t max,
			struct oci_opt_u64 *out, struct sk_err *e);
__must_check int cj_u32(yajl_val obj, const char *path, const char *key, uint32_t *out, bool *set,
			struct sk_err *e);
/* A one-letter string out of @letters into *@out (untouched when absent):
 * "unknown device type \"x\" (want <want>)". */
__must_check int cj_letter(yajl_val obj, const char *path, const char *key, const char *letters,
			   const char *want, char *out, struct sk_err *e);
/* Array member: *@a (NULL when absent), *@out a zeroed vector of its
 * length *@n (room for one at least) of @width bytes each, @ap its path. */
__must_check int cj_array_vec(yajl_val obj, const char *path, const char *key, size_t width,
			      yajl_val *a, void **out, size_t *n, char ap[CJ_PATH_MAX],
			      struct sk_err *e);
/* Value-level integer checks (@path names the value itself). */
__must_check int cj_val_i64(yajl_val v, const char *path, int64_t min, int64_t max, int64_t *out,
			    struct sk_err *e);
__must_check int cj_val_u64(yajl_val v, const char *path, uint64_t max, uint64_t *out,
			    struct sk_err *e);
/* Array of strings -> NULL-terminated vector (replaces *out). */
__must_check int cj_strv(yajl_val obj, const char *path, const char *key, char ***out, size_t *n,
			 struct sk_err *e);
/* Object of string -> string, insertion order; duplicate keys: last value wins. */
__must_check int cj_map(yajl_val obj, const char *path, const char *key, struct oci_kv **out,
			size_t *n, struct sk_err *e);
/* Array of {containerID, hostID, size}. */
__must_check int cj_idmaps(yajl_val obj, const char *path, const char *key, struct oci_idmap **out,
			   size_t *n, struct sk_err *e);

/* Index of @s in @names (n entries), -1 when absent. */
int cj_lookup(const char *s, const char *const *names, size_t n);
#define CJ_LOOKUP(s, tbl) cj_lookup((s), (tbl), sizeof(tbl) / sizeof((tbl)[0]))

void cj_kv_free(struct oci_kv *kv, size_t n);

/* Name tables (also used by features.c). */
extern const char *const cj_seccomp_actions[9];	   /* by enum oci_seccomp_action */
extern const char *const cj_seccomp_ops[7];	   /* by enum oci_seccomp_op */
extern const char *const cj_seccomp_archs[];	   /* NULL-terminated */
extern const char *const cj_seccomp_flags[];	   /* NULL-terminated */
extern const char *const cj_seccomp_flags_other[]; /* known, not applied; NULL-terminated */
extern const char *const cj_mount_options[];	   /* NULL-terminated */
extern const char *const cj_hook_names[OCI_HOOK__MAX];

/* JSON writing helpers over yajl_gen (config_gen.c). */
#include <yajl/yajl_gen.h>
/* A beautified (tab-indented) generator; aborts on out-of-memory. */
yajl_gen cj_gen_new(void);
void cj_gen_str(yajl_gen g, const char *s);
void cj_gen_kstr(yajl_gen g, const char *key, const char *val);
void cj_gen_kbool(yajl_gen g, const char *key, bool val);
void cj_gen_kint(yajl_gen g, const char *key, long long val);
/* key: [ v... ] for a NULL-terminated vector (key NULL: just the array). */
void cj_gen_kstrv(yajl_gen g, const char *key, const char *const *v);
/* Free @g and return its text as a malloc'd string ending in "\n". */
char *cj_gen_finish(yajl_gen g);

/* ---------------------------------------------------------- field tables
 *
 * One table per JSON object drives its parser (config_table.c).  A row
 * names a member, its kind and where it lands: @off is the offset of the
 * C field from the base pointer the table is applied to (for CJ_OBJECT:
 * the nested table's base is this base + @off).  Rows are read in order;
 * errors name the member's full path ("linux.resources.memory.limit:
 * expected integer >= -1").
 */
enum cj_kind {
	CJ_STR,	   /* char *; optional check against @names, CJ_NONEMPTY, CJ_ABSOLUTE */
	CJ_ENUM,   /* string looked up in @names -> int (the index) */
	CJ_BOOL,   /* bool */
	CJ_I64,	   /* struct oci_opt_i64 in [@min, @max] */
	CJ_U64,	   /* struct oci_opt_u64 <= @max */
	CJ_INT,	   /* plain signed integer of @width bytes in [@min, @max]; absent: 0 */
	CJ_UINT,   /* plain unsigned of @width bytes <= @max; @aux: a bool set when given */
	CJ_STRV,   /* char ** (NULL-terminated), @aux: size_t count; @names check */
	CJ_FLAGS,  /* array of names -> uint64_t bit mask (by @names or @lookup) */
	CJ_MAP,	   /* struct oci_kv *, @aux: size_t count */
	CJ_IDMAPS, /* struct oci_idmap *, @aux: size_t count */
	CJ_OBJECT, /* nested object parsed by @sub; @aux: a bool set when given */
	CJ_ARRAY,  /* array of objects of @width bytes each parsed by @sub; @aux: count */
	CJ_CUSTOM, /* @fn reads the member itself */
};

enum cj_need {
	CJ_OPTIONAL,
	CJ_REQUIRED,	   /* checked when the row is reached */
	CJ_REQUIRED_FIRST, /* all such rows checked before the first of them is read */
};

/* CJ_STR checks. */
#define CJ_NONEMPTY 1u /* "must not be empty" */
#define CJ_ABSOLUTE 2u /* "\"%s\" is not an absolute path" */

struct cj_table;
struct cj_field {
	const char *name;
	enum cj_kind kind;
	size_t off;
	size_t aux; /* CJ_AUX(): offset + 1 of a count or set flag; 0: none */
	enum cj_need need;
	unsigned check; /* CJ_NONEMPTY | CJ_ABSOLUTE */
	size_t width;	/* CJ_INT, CJ_UINT: field size; CJ_ARRAY: element size */
	int64_t min;
	uint64_t max;
	const char *const *names; /* CJ_ENUM, CJ_STR, CJ_STRV, CJ_FLAGS */
	size_t n_names;
	int (*lookup)(const char *name); /* CJ_FLAGS instead of @names */
	const char *what;		 /* "unknown <what> \"%s\"" */
	const struct cj_table *sub;
	/* CJ_CUSTOM: @obj is the containing object, @path its path. */
	int (*fn)(yajl_val obj, const char *path, const struct cj_field *f, void *base,
		  struct sk_err *e);
};

struct cj_table {
	const struct cj_field *rows;
	size_t n;
	/* After the rows (cross-field checks); may be NULL. */
	int (*done)(yajl_val v, const char *path, void *base, struct sk_err *e);
};

#define CJ_AUX(T, m) (offsetof(T, m) + 1)
#define CJ_NAMES(tbl) .names = (tbl), .n_names = sizeof(tbl) / sizeof((tbl)[0])
#define CJ_ROW(nm, k, T, m, ...)                                                \
	{                                                                       \
		.name = (nm), .kind = (k), .off = offsetof(T, m), ##__VA_ARGS__ \
	}
#define CJ_TABLE(rows_, done_)                                                            \
	{                                                                                 \
		.rows = (rows_), .n = sizeof(rows_) / sizeof((rows_)[0]), .done = (done_) \
	}
/* Signed/unsigned plain integers: the width from the field. */
#define CJ_INT_ROW(nm, T, m, lo, hi, ...)                                                \
	CJ_ROW(nm, CJ_INT, T, m, .width = sizeof(((T *)0)->m), .min = (lo), .max = (hi), \
	       ##__VA_ARGS__)
#define CJ_UINT_ROW(nm, T, m, hi, ...) \
	CJ_ROW(nm, CJ_UINT, T, m, .width = sizeof(((T *)0)->m), .max = (hi), ##__VA_ARGS__)

/* Parse object @v (at @path) into @base by @t: "expected object" when @v is
 * not an object. */
__must_check int cj_fields(yajl_val v, const char *path, const struct cj_table *t, void *base,
			   struct sk_err *e);
/* The row of member @path of @t ("cpu.shares", "syscalls.args.op": through
 * the rows' @sub tables), or NULL.  *@off: the member's offset from @t's
 * base (through objects; below an array, from the element). */
const struct cj_field *cj_table_find(const struct cj_table *t, const char *path, size_t *off);
/* The tables (features.c and the tests walk them). */
extern const struct cj_table cj_config_table, cj_process_table, cj_linux_table, cj_resources_table,
	cj_seccomp_table;

/* Sub-parsers; each fills its part of @c and leaves partial results for
 * the caller's free on error. */
__must_check int cfg_process_parse(yajl_val v, const char *path, struct oci_process *p,
				   struct sk_err *e);
void cfg_process_clear(struct oci_process *p);
__must_check int cfg_linux_parse(yajl_val v, const char *path, struct oci_linux *l, struct sk_err *e);
void cfg_linux_clear(struct oci_linux *l);
__must_check int cfg_resources_parse(yajl_val v, const char *path, struct oci_resources *r,
				     struct sk_err *e);
void cfg_resources_clear(struct oci_resources *r);
__must_check int cfg_seccomp_parse(yajl_val v, const char *path, struct oci_seccomp *s,
				   struct sk_err *e);
void cfg_seccomp_clear(struct oci_seccomp *s);

/* ---------------------------------------- moved from oci.h */

/* Read and parse BUNDLE/config.json. */
__must_check int oci_config_load(const char *bundle, struct oci_config **out, struct sk_err *e);
const char *oci_cap_name(int cap);

/* record.c: a byte string as the UTF-8 a record holds (see record.c), and
 * back (both malloc'd); the integer members of the writer and getters. */
char *sk_rec_encode(const char *s);
char *sk_rec_decode(const char *s);
void sk_rec_int(struct sk_rec *w, const char *key, long long v);
__must_check int sk_rec_get_int(const struct yajl_val_s *obj, const char *key, long long min,
				long long max, long long *out, struct sk_err *e);

#endif

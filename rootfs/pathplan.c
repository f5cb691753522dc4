/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pathplan.c - what rootfs_finalize needs to know about linux.readonlyPaths
 * and linux.maskedPaths before it mounts them, found in O(n log n):
 *
 *   - an entry naming the same place as an earlier one is skipped (another
 *     mount stacked on the same point adds nothing, and stacked mounts make
 *     every later mount operation on that point slower: quadratic);
 *   - optionally, whether a mount lies beneath each path (rec).  Not used
 *     by finalize today: the kernel walks every child mount of the root
 *     mount on any bind (copy_tree for a recursive one,
 *     has_locked_children for a plain one), so N distinct read-only paths
 *     stay O(N^2) inside the kernel whatever skiff does (runc and crun
 *     alike).
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

struct ent {
	const char *s;
	size_t idx;
};

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is there a string in sorted @v that starts with @p followed by '/'? */
static bool has_below(char *const *v, size_t n, const char *p)
{
	size_t lo = 0, hi = n, len = strlen(p);

	if (len == 1 && p[0] == '/')   /* "/": anything else is below */
		return n > 1 || (n == 1 && strcmp(v[0], "/"));
	/* lower bound of p + "/": strcmp-ordered, so the first candidate */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(v[mid], p, len);
		if (c == 0)
			c = (unsigned char)v[mid][len] - (unsigned char)'/';
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && !strncmp(v[lo], p, len) && v[lo][len] == '/';
}

void rootfs_plan_compute(char *const *canon, size_t n, char *const *mnts, size_t nm,
			 bool *skip, bool *rec)
{
	_cleanup_free_ struct ent *ents = sk_xcalloc(n ? n : 1, sizeof(*ents));
	_cleanup_free_ char **all = sk_xcalloc(n + nm + 1, sizeof(char *));
	size_t ne = 0, na = 0;

	for (size_t i = 0; i < n; i++) {
		skip[i] = false;
		if (rec)
			rec[i] = true;
		if (canon[i]) {
			ents[ne++] = (struct ent){ canon[i], i };
			all[na++] = canon[i];
		}
	}
	qsort(ents, ne, sizeof(*ents), ent_cmp);
	for (size_t k = 1; k < ne; k++)
		if (!strcmp(ents[k].s, ents[k - 1].s))
			skip[ents[k].idx] = true;
	if (!rec || !mnts)
		return;   /* mounts unknown: every bind stays recursive */
	for (size_t k = 0; k < nm; k++)
		all[na++] = mnts[k];
	qsort(all, na, sizeof(char *), str_cmp);
	for (size_t i = 0; i < n; i++)
		if (canon[i])
			rec[i] = has_below(all, na, canon[i]);
}

void rootfs_path_plan_free(struct rootfs_path_plan *p)
{
	for (size_t i = 0; p->canon && i < p->n; i++)
		free(p->canon[i]);
	free(p->canon);
	free(p->skip);
	free(p->rec);
	*p = (struct rootfs_path_plan){ 0 };
}

void rootfs_path_plan(char *const *paths, size_t n, bool want_rec, struct rootfs_path_plan *p)
{
	struct rootfs_mi *mi = NULL;
	size_t nmi = 0;
	_cleanup_free_ char **mnts = NULL;
	struct sk_err e;

	p->n = n;
	p->canon = sk_xcalloc(n ? n : 1, sizeof(char *));
	p->skip = sk_xcalloc(n ? n : 1, sizeof(bool));
	p->rec = want_rec ? sk_xcalloc(n ? n : 1, sizeof(bool)) : NULL;
	/* after the pivot: resolved inside the container's root.  An entry
	 * that does not resolve keeps NULL: it is mounted as given (and a
	 * missing one skipped, as before). */
	for (size_t i = 0; i < n; i++)
		p->canon[i] = paths[i] ? realpath(paths[i], NULL) : NULL;
	if (want_rec && rootfs_mountinfo_read(&mi, &nmi, &e) == 0) {
		mnts = sk_xcalloc(nmi + 1, sizeof(char *));
		for (size_t k = 0; k < nmi; k++)
			mnts[k] = mi[k].mountpoint;
	}
	rootfs_plan_compute(p->canon, n, mnts, nmi, p->skip, p->rec);
	rootfs_mountinfo_free(mi, nmi);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pathplan.c - what rootfs_finalize needs to know about linux.readonlyPaths
 * and linux.maskedPaths before it mounts them, found in O(n log n):
 *
 *   - an entry naming the same place as an earlier one is skipped (another
 *     mount stacked on the same point adds nothing, and stacked mounts make
 *     every later mount operation on that point slower: quadratic);
 *   - optionally, whether a mount lies beneath each path when its turn
 *     comes (below): one of the mounts already there, or an earlier
 *     entry's.  A read-only path with nothing beneath it can be bound from
 *     a childless clone of its mount (readonly.c).
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

struct ent {
	const char *s;
	size_t idx;
};

/* strcmp, except that '/' sorts before every other byte: a path's
 * descendants then directly follow it ("/a", "/a/b", "/a-b"). */
static int path_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned int x = (unsigned char)*a, y = (unsigned char)*b;
		x = x == '/' ? 1 : (x && x < '/') ? x + 1 : x;
		y = y == '/' ? 1 : (y && y < '/') ? y + 1 : y;
		if (x != y || !x)
			return (int)x - (int)y;
	}
}

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = path_cmp(x->s, y->s);

	return c ? c : sk_cmp_size(x->idx, y->idx);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is @p strictly below @dir? */
static bool is_below(const char *p, const char *dir)
{
	size_t len = strlen(dir);

	if (len == 1 && dir[0] == '/')
		return p[0] == '/' && p[1];
	return !strncmp(p, dir, len) && p[len] == '/';
}

/* Is there a string in strcmp-sorted @v that starts with @p followed by '/'? */
static bool has_below(char *const *v, size_t n, const char *p)
{
	size_t lo = 0, hi = n, len = strlen(p);

	if (len == 1 && p[0] == '/') /* "/": anything else is below */
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

/* For each entry of path-sorted, duplicate-free @u: is an entry with a
 * lower index below it?  One pass with a stack of ancestors, each
 * folding the lowest index beneath it into its parent when popped. */
static void earlier_below(const struct ent *u, size_t nu, bool *below)
{
	_cleanup_free_ size_t *st = sk_xcalloc(nu ? nu : 1, sizeof(size_t));
	_cleanup_free_ size_t *min = sk_xcalloc(nu ? nu : 1, sizeof(size_t));
	size_t top = 0;

	for (size_t p = 0; p <= nu; p++) {
		while (top > 0 && (p == nu || !is_below(u[p].s, u[st[top - 1]].s))) {
			size_t q = st[--top], m = min[q] < u[q].idx ? min[q] : u[q].idx;
			if (min[q] < u[q].idx)
				below[u[q].idx] = true;
			if (top > 0 && m < min[st[top - 1]])
				min[st[top - 1]] = m;
		}
		if (p < nu) {
			min[p] = SIZE_MAX;
			st[top++] = p;
		}
	}
}

void rootfs_plan_compute(char *const *canon, size_t n, char *const *mnts, size_t nm, bool *skip,
			 bool *below)
{
	_cleanup_free_ struct ent *ents = sk_xcalloc(n ? n : 1, sizeof(*ents));
	_cleanup_free_ char **all = NULL;
	size_t ne = 0, nu = 0;

	for (size_t i = 0; i < n; i++) {
		skip[i] = false;
		if (below)
			below[i] = !canon[i] || !mnts;
		if (canon[i])
			ents[ne++] = (struct ent){ canon[i], i };
	}
	qsort(ents, ne, sizeof(*ents), ent_cmp);
	/* the first of equal paths has the lowest index: keep it */
	for (size_t k = 0; k < ne; k++) {
		if (nu > 0 && !strcmp(ents[k].s, ents[nu - 1].s))
			skip[ents[k].idx] = true;
		else
			ents[nu++] = ents[k];
	}
	if (!below || !mnts)
		return; /* mounts unknown: a mount may lie beneath any path */
	earlier_below(ents, nu, below);
	all = sk_xcalloc(nm ? nm : 1, sizeof(char *));
	memcpy(all, mnts, nm * sizeof(char *));
	qsort(all, nm, sizeof(char *), str_cmp);
	for (size_t k = 0; k < nu; k++)
		if (has_below(all, nm, ents[k].s))
			below[ents[k].idx] = true;
}

void rootfs_path_plan_free(struct rootfs_path_plan *p)
{
	for (size_t i = 0; p->canon && i < p->n; i++)
		free(p->canon[i]);
	free(p->canon);
	free(p->skip);
	free(p->below);
	rootfs_mountinfo_free(p->mi, p->nmi);
	*p = (struct rootfs_path_plan){ 0 };
}

void rootfs_path_plan(char *const *paths, size_t n, bool want_below, struct rootfs_path_plan *p)
{
	_cleanup_free_ char **mnts = NULL;
	struct sk_err e;

	*p = (struct rootfs_path_plan){ 0 };
	p->n = n;
	p->canon = sk_xcalloc(n ? n : 1, sizeof(char *));
	p->skip = sk_xcalloc(n ? n : 1, sizeof(bool));
	p->below = want_below ? sk_xcalloc(n ? n : 1, sizeof(bool)) : NULL;
	/* after the pivot: resolved inside the container's root.  An entry
	 * that does not resolve keeps NULL: it is mounted as given (and a
	 * missing one skipped, as before). */
	for (size_t i = 0; i < n; i++)
		p->canon[i] = paths[i] ? realpath(paths[i], NULL) : NULL;
	if (want_below && rootfs_mountinfo_read(&p->mi, &p->nmi, &e) == 0) {
		mnts = sk_xcalloc(p->nmi + 1, sizeof(char *));
		for (size_t k = 0; k < p->nmi; k++)
			mnts[k] = p->mi[k].mountpoint;
	}
	rootfs_plan_compute(p->canon, n, mnts, p->nmi, p->skip, p->below);
}

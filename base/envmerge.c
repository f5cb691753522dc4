/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * envmerge.c - `skiff exec -e KEY=VALUE` over the process's env, in
 * O((n + k) log(n + k)) for n entries and k overrides (one sort) rather
 * than a scan of the env per override.
 *
 * The result is what applying the overrides one by one gives: an
 * override replaces, in place, the first entry of the env with its key
 * ("KEY=..."); a key the env lacks is appended where its first override
 * comes, with its last override's value.
 */
#include "base.h"

#include <stdlib.h>
#include <string.h>

struct ent {
	const char *s;
	size_t klen, pos; /* pos: the env's index, or n + the override's */
};

static size_t key_len(const char *s)
{
	const char *eq = strchr(s, '=');
	return eq ? (size_t)(eq - s) : strlen(s);
}

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	size_t m = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->s, y->s, m);

	if (!c)
		c = (x->klen > y->klen) - (x->klen < y->klen);
	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

void sk_env_override(char ***env, size_t *n, char *const *over, size_t k)
{
	size_t ne = 0, nout = *n;
	_cleanup_free_ struct ent *ents = sk_xcalloc(*n + k + 1, sizeof(*ents));
	/* per override: the value appended at its place, or NULL */
	_cleanup_free_ const char **app = sk_xcalloc(k + 1, sizeof(char *));
	/* per env entry: its new value, or NULL (set after the pass: the
	 * sorted entries point into the env) */
	_cleanup_free_ const char **repl = sk_xcalloc(*n + 1, sizeof(char *));
	/* the overrides appended, by key group */
	_cleanup_free_ size_t *queue = sk_xcalloc(k + 1, sizeof(size_t));
	size_t nq = 0;

	if (!k)
		return;
	for (size_t i = 0; i < *n; i++)
		/* an entry without '=' never matches a key */
		if (strchr((*env)[i], '='))
			ents[ne++] = (struct ent){ (*env)[i], key_len((*env)[i]), i };
	for (size_t j = 0; j < k; j++)
		ents[ne++] = (struct ent){ over[j], key_len(over[j]), *n + j };
	qsort(ents, ne, sizeof(*ents), ent_cmp);
	/* Each key's group, in position order: its env entries, then its
	 * overrides.  An override replaces the first entry of the key that
	 * still has its '=' (an override without one leaves none there),
	 * env entries first, then the ones appended; with none left, it is
	 * appended. */
	for (size_t a = 0, b; a < ne; a = b) {
		size_t nbase = 0, live = 0, q0 = nq;

		for (b = a; b < ne && ents[b].klen == ents[a].klen &&
			    !memcmp(ents[b].s, ents[a].s, ents[a].klen);
		     b++) {
			const char *o = ents[b].s;
			if (ents[b].pos < *n) {
				nbase++;
				continue;
			}
			if (live < nbase + (nq - q0)) {
				if (live < nbase) {
					repl[ents[a + live].pos] = o;
				} else {
					app[queue[q0 + live - nbase]] = o;
				}
			} else {
				queue[nq++] = ents[b].pos - *n;
				app[ents[b].pos - *n] = o;
				nout++;
			}
			if (!strchr(o, '='))
				live++;
		}
	}
	for (size_t i = 0; i < *n; i++)
		if (repl[i]) {
			free((*env)[i]);
			(*env)[i] = sk_xstrdup(repl[i]);
		}
	*env = sk_xrealloc(*env, (nout + 1) * sizeof(char *));
	for (size_t j = 0; j < k; j++)
		if (app[j])
			(*env)[(*n)++] = sk_xstrdup(app[j]);
	(*env)[*n] = NULL;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_strv.c - string vectors: sk_strv_buf (appends), sk_env_override
 * (`exec -e`) against the one-by-one rule it replaces.
 */
#include "unit.h"
#include "runtime.h"

#include <stdlib.h>

TEST(strv_buf_appends)
{
	struct sk_strv_buf b = { 0 };
	const size_t n = 100000;
	bool ok = true;

	CHECK(b.v == NULL);
	for (size_t i = 0; i < n; i++) {
		char s[32];
		snprintf(s, sizeof(s), "s%zu", i);
		sk_strv_buf_add(&b, s);
	}
	CHECK_INT(b.n, n);
	CHECK_INT(sk_strv_len(b.v), n);
	for (size_t i = 0; i < n; i++) {
		char s[32];
		snprintf(s, sizeof(s), "s%zu", i);
		ok &= !strcmp(b.v[i], s);
	}
	CHECK(ok);
	sk_strv_free(b.v);

	/* appending to a vector made elsewhere (exact size) */
	char **v = sk_strv_dup((char *[]){ "a", "b", NULL });
	b = sk_strv_buf_of(v);
	sk_strv_buf_add(&b, "c");
	sk_strv_buf_add(&b, "d");
	CHECK_INT(sk_strv_len(b.v), 4);
	CHECK_STR(b.v[0], "a");
	CHECK_STR(b.v[3], "d");
	sk_strv_free(b.v);
	b = sk_strv_buf_of(NULL);
	CHECK(b.v == NULL && b.n == 0);
}

/* The rule sk_env_override implements, one override at a time. */
static void naive(char ***env, size_t *n, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);

	for (size_t i = 0; i < *n; i++)
		if (!strncmp((*env)[i], kv, klen) && (*env)[i][klen] == '=') {
			free((*env)[i]);
			(*env)[i] = sk_xstrdup(kv);
			return;
		}
	*env = realloc(*env, (*n + 2) * sizeof(char *));
	(*env)[(*n)++] = sk_xstrdup(kv);
	(*env)[*n] = NULL;
}

static void check_same(char *const *base, size_t nb, char *const *over, size_t k)
{
	char **a = sk_strv_dup(base), **b = sk_strv_dup(base);
	size_t na = nb, nn = nb;
	bool same;

	sk_env_override(&a, &na, over, k);
	for (size_t j = 0; j < k; j++)
		naive(&b, &nn, over[j]);
	same = na == nn && sk_strv_len(a) == na;
	for (size_t i = 0; same && i < na; i++)
		same = !strcmp(a[i], b[i]);
	CHECK(same);
	if (!same) {
		for (size_t i = 0; i < nb; i++)
			printf("# base %s\n", base[i]);
		for (size_t j = 0; j < k; j++)
			printf("# over %s\n", over[j]);
	}
	if (!same)
		for (size_t i = 0; i < na || i < nn; i++)
			printf("# %zu: %s | %s\n", i, i < na ? a[i] : "-", i < nn ? b[i] : "-");
	sk_strv_free(a);
	sk_strv_free(b);
}

TEST(env_override_cases)
{
	char *base[] = { "PATH=/bin", "A=1", "B=2", "A=dup", "NOEQ", "AB=3", NULL };
	char *over1[] = { "A=x", "C=1", "B=y", "C=2", "D=", "A=z", "AB", "NOEQ=v", "E=1" };

	check_same(base, 6, over1, 9);
	check_same(base, 6, over1, 0);
	check_same((char *[]){ NULL }, 0, over1, 9);

	char **a = sk_strv_dup(base);
	size_t n = 6;
	sk_env_override(&a, &n, over1, 9);
	/* A replaced in place by its last value, the second A untouched */
	CHECK_STR(a[1], "A=z");
	CHECK_STR(a[3], "A=dup");
	CHECK_STR(a[2], "B=y");
	/* new keys appended where they first came, with their last value */
	CHECK_STR(a[n - 4], "C=2");
	CHECK_STR(a[n - 3], "D=");
	sk_strv_free(a);
}

TEST(env_override_random)
{
	/* keys from a small alphabet, so that they collide */
	srand(7);
	for (int round = 0; round < 300; round++) {
		size_t nb = (size_t)(rand() % 12), k = (size_t)(rand() % 12);
		char **base = calloc(nb + 1, sizeof(char *)), **over = calloc(k + 1, sizeof(char *));
		for (size_t i = 0; i < nb + k; i++) {
			char s[16];
			int r = rand() % 10;
			if (r == 0)
				snprintf(s, sizeof(s), "%c", 'A' + rand() % 4);
			else
				snprintf(s, sizeof(s), "%c%s=%d", 'A' + rand() % 4,
					 r == 1 ? "A" : "", rand() % 5);
			if (i < nb)
				base[i] = sk_xstrdup(s);
			else
				over[i - nb] = sk_xstrdup(s);
		}
		check_same(base, nb, over, k);
		sk_strv_free(base);
		sk_strv_free(over);
	}
}

int main(void)
{
	RUN(strv_buf_appends);
	RUN(env_override_cases);
	RUN(env_override_random);
	return unit_done();
}

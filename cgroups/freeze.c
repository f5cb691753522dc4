/* SPDX-License-Identifier: GPL-2.0-or-later */
/* freeze.c - freeze/thaw (pause/resume), frozen state, pids of a cgroup. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>

static int read_in(const char *dir, const char *file, char **out, struct sk_err *e)
{
	_cleanup_free_ char *p = sk_xasprintf("%s/%s", dir, file);
	return sk_read_file_at(AT_FDCWD, p, out, NULL, e);
}

static int write_in(const char *dir, const char *file, const char *v, struct sk_err *e)
{
	_cleanup_free_ char *p = sk_xasprintf("%s/%s", dir, file);
	return sk_write_file_at(AT_FDCWD, p, v, strlen(v), 0, 0, e);
}

static void nap(int iter)
{
	struct timespec ts = { 0, (iter < 100 ? 1 : 10) * 1000000L };
	nanosleep(&ts, NULL);
}

/* "frozen 1" in cgroup.events */
static int v2_events_frozen(const char *dir)
{
	_cleanup_free_ char *txt = NULL;
	struct sk_err ign;
	const char *p;
	int r = read_in(dir, "cgroup.events", &txt, &ign);

	if (r < 0)
		return r;
	p = strstr(txt, "frozen ");
	return p && (p == txt || p[-1] == '\n') && p[7] == '1';
}

const char *sk_cgroup_freezer_dir(const struct sk_cgroup *cg)
{
	return sk_cgroup_dir(cg, sk_cgroup_get_mode(cg) == SK_CG_V2 ? "" : "freezer");
}

int sk_cgroup_freeze(struct sk_cgroup *cg, bool freeze, struct sk_err *e)
{
	int r;

	if (sk_cgroup_get_mode(cg) == SK_CG_V2) {
		const char *dir = sk_cgroup_dir(cg, "");
		r = write_in(dir, "cgroup.freeze", freeze ? "1" : "0", e);
		if (r < 0)
			return r;
		for (int i = 0; i < 1100; i++) {
			int f = v2_events_frozen(dir);
			if (f < 0)
				return sk_err_sys(e, f, "read %s/cgroup.events", dir);
			if (f == (freeze ? 1 : 0))
				return 0;
			nap(i);
		}
		return sk_err_set(e, ETIMEDOUT, "%s: cgroup did not become %s", dir,
				  freeze ? "frozen" : "thawed");
	} else {
		const char *dir = sk_cgroup_dir(cg, "freezer");
		const char *want = freeze ? "FROZEN" : "THAWED";
		if (!dir)
			return sk_err_set(e, ENOTSUP, "freezer cgroup not mounted: cannot %s",
					  freeze ? "pause" : "resume");
		for (int i = 0; i < 1100; i++) {
			_cleanup_free_ char *st = NULL;
			if (i % 50 == 0) { /* rewrite: FREEZING can get stuck */
				r = write_in(dir, "freezer.state", want, e);
				if (r < 0)
					return r;
			}
			r = read_in(dir, "freezer.state", &st, e);
			if (r < 0)
				return r;
			if (!strncmp(st, want, strlen(want)))
				return 0;
			nap(i);
		}
		if (freeze) {
			struct sk_err ign;
			write_in(dir, "freezer.state", "THAWED", &ign);
		}
		return sk_err_set(e, ETIMEDOUT, "%s: freezer did not reach %s", dir, want);
	}
}

int sk_cgroup_is_frozen(const struct sk_cgroup *cg)
{
	_cleanup_free_ char *st = NULL;
	struct sk_err ign;
	int r;

	if (sk_cgroup_get_mode(cg) == SK_CG_V2) {
		r = read_in(sk_cgroup_dir(cg, ""), "cgroup.freeze", &st, &ign);
		if (r < 0)
			return r;
		return st[0] == '1';
	}
	if (!sk_cgroup_dir(cg, "freezer"))
		return 0;
	r = read_in(sk_cgroup_dir(cg, "freezer"), "freezer.state", &st, &ign);
	if (r < 0)
		return r;
	return !strncmp(st, "FROZEN", 6) || !strncmp(st, "FREEZING", 8);
}

int sk_cgroup_frozen_effective(const struct sk_cgroup *cg)
{
	/* v2: cgroup.freeze is the cgroup's own wish; cgroup.events says
	 * whether it is frozen, by itself or by a parent.  v1: freezer.state
	 * already shows a parent's freeze. */
	if (sk_cgroup_get_mode(cg) == SK_CG_V2) {
		int r = v2_events_frozen(sk_cgroup_dir(cg, ""));
		return r == 1 ? 1 : sk_cgroup_is_frozen(cg);
	}
	return sk_cgroup_is_frozen(cg);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return x < y ? -1 : x > y;
}

static int collect(const char *dir, pid_t **pids, size_t *n, bool top, struct sk_err *e)
{
	_cleanup_free_ char *txt = NULL;
	DIR *d;
	struct dirent *de;
	char *save = NULL, *tok;
	int r = read_in(dir, "cgroup.procs", &txt, e);

	if (r < 0)
		return (r == -ENOENT && !top) ? 0 : r;
	for (tok = strtok_r(txt, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
		int64_t v;
		if (sk_parse_i64(tok, &v) < 0 || v <= 0)
			continue;
		*pids = sk_xrealloc(*pids, (*n + 1) * sizeof(**pids));
		(*pids)[(*n)++] = (pid_t)v;
	}
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = sk_xasprintf("%s/%s", dir, de->d_name);
		r = collect(sub, pids, n, false, e);
		if (r < 0) {
			closedir(d);
			return r;
		}
	}
	closedir(d);
	return 0;
}

int sk_cgroup_pids(const struct sk_cgroup *cg, pid_t **pids, size_t *n, struct sk_err *e)
{
	static const char *const pref[] = { "pids",    "freezer", "memory", "cpu",
					    "devices", "cpuset",  "blkio",  "name=systemd" };
	const char *dir = NULL;
	_cleanup_free_ pid_t *v = NULL;
	size_t k = 0, o = 0;
	int r;

	if (sk_cgroup_get_mode(cg) == SK_CG_V2)
		dir = sk_cgroup_dir(cg, "");
	for (size_t i = 0; !dir && i < sizeof(pref) / sizeof(pref[0]); i++)
		dir = sk_cgroup_dir(cg, pref[i]);
	if (!dir)
		return sk_err_set(e, ENOENT, "no cgroup directory to list pids from");
	r = collect(dir, &v, &k, true, e);
	if (r < 0)
		return r;
	if (k) {
		qsort(v, k, sizeof(*v), cmp_pid);
		for (size_t i = 0; i < k; i++)
			if (!o || v[o - 1] != v[i])
				v[o++] = v[i];
	}
	*pids = sk_steal_ptr(&v);
	*n = o;
	return 0;
}

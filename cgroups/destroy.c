/* SPDX-License-Identifier: GPL-2.0-or-later */
/* destroy.c - kill what is left in a container's cgroup and remove it
 * (and skiff's parents once empty). */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>

/* ---------------------------------------------------------- destroy */

/* rmdir @dir after its sub-cgroups (depth first); ENOENT is fine.  A
 * cgroup usually has none: listing its many files is only done when the
 * plain rmdir finds it busy. */
static int rmdir_tree(const char *dir)
{
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (rmdir(dir) == 0 || errno == ENOENT)
		return 0;
	if (errno != EBUSY && errno != ENOTEMPTY)
		return -errno;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = sk_xasprintf("%s/%s", dir, de->d_name);
		if (rmdir_tree(sub) < 0 && !r)
			r = -errno;
	}
	closedir(d);
	if (rmdir(dir) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* SIGKILL the pids of @before that are still members: each through a
 * pidfd opened before a second read of the cgroup's list that still has
 * it, so a pid that left and was reused outside is never signalled. */
static void kill_members(struct sk_cgroup *cg, const pid_t *before, size_t n)
{
	_cleanup_free_ int *fds = sk_xcalloc(n ? n : 1, sizeof(int));
	_cleanup_free_ pid_t *after = NULL;
	struct sk_err ign;
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		fds[i] = (int)syscall(SYS_pidfd_open, before[i], 0);
	if (sk_cgroup_pids(cg, &after, &m, &ign) == 0) {
		qsort(after, m, sizeof(pid_t), cmp_pid);
		for (size_t i = 0; i < n; i++)
			if (fds[i] >= 0 && bsearch(&before[i], after, m, sizeof(pid_t), cmp_pid))
				syscall(SYS_pidfd_send_signal, fds[i], SIGKILL, NULL, 0);
	}
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static int kill_all(struct sk_cgroup *cg, struct sk_err *e)
{
	for (int iter = 0; iter < 1000; iter++) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		int r = sk_cgroup_pids(cg, &pids, &n, e);

		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
		if (!n)
			return 0;
		if (iter == 0 && cg->mode == SK_CG_V2 && cg_file_exists(cg->v2dir, "cgroup.kill")) {
			struct sk_err ign;
			sk_ignore(cg_write_str(cg->v2dir, "cgroup.kill", "1", &ign));
		}
		kill_members(cg, pids, n);
		if (iter == 0 && sk_cgroup_is_frozen(cg) == 1) {
			struct sk_err ign;
			sk_ignore(sk_cgroup_freeze(cg, false, &ign));
		}
		sleep_ms(iter < 100 ? 1 : 10);
	}
	return sk_err_set(e, EBUSY, "container %s: processes left in cgroup %s after SIGKILL",
			  cg->id, cg->path);
}

/* Remove the now empty parents of @dir that skiff names ("/skiff" by
 * default, "skiff*" in general), deepest first, up to @depth levels (the
 * components of the cgroup path above the container).  A parent still in
 * use (EBUSY/ENOTEMPTY, another container) stays. */
static void rmdir_skiff_parents(const char *dir, size_t depth)
{
	_cleanup_free_ char *p = sk_xstrdup(dir);

	while (depth-- > 0) {
		char *slash = strrchr(p, '/');
		const char *base;
		if (!slash || slash == p)
			return;
		*slash = '\0';
		base = strrchr(p, '/');
		base = base ? base + 1 : p;
		if (strncmp(base, "skiff", 5) || rmdir(p) < 0)
			return;
	}
}

/* How many components of the cgroup path lie above the container's own. */
static size_t path_parents(const char *path)
{
	size_t n = 0;
	for (const char *s = path ? path : ""; *s; s++)
		if (*s == '/' && s[1] && s[1] != '/')
			n++;
	return n ? n - 1 : 0;
}

int sk_cgroup_destroy(struct sk_cgroup *cg, bool kill, struct sk_err *e)
{
	int r = 0;

	if (kill) {
		r = kill_all(cg, e);
		if (r < 0)
			return r;
	}
	if (cg->clone_fd >= 0) {
		close(cg->clone_fd);
		cg->clone_fd = -1;
	}
	if (cg->unit) {
		/* systemd removes the scope's cgroup; a systemd that cannot be
		 * reached leaves it to the rmdir below (and says so) */
		struct sk_err se;
		if (cg_sd_stop(cg->log, cg->user, cg->unit, &se) < 0)
			sk_warn(cg->log, "%s", se.msg);
	}
	for (size_t i = 0; i <= cg->nh; i++) {
		const char *dir = i < cg->nh ? cg->h[i].dir : cg->v2dir;
		int rr = 0;
		if (!dir)
			continue;
		for (int t = 0; t < 200; t++) { /* exiting tasks linger briefly */
			rr = rmdir_tree(dir);
			if (rr != -EBUSY)
				break;
			sleep_ms(5);
		}
		if (rr < 0 && !r)
			r = sk_err_sys(e, -rr, "container %s: rmdir %s", cg->id, dir);
		/* a unit's slices are systemd's, but on v1 not in the
		 * hierarchies systemd leaves alone */
		if (rr == 0 && (!cg->unit || (i < cg->nh && !cg_sd_owns_hier(cg->h[i].ctrls))))
			rmdir_skiff_parents(dir, path_parents(cg->path));
	}
	if (cg->ledger) {
		int rr = sk_numa_ledger_release(cg->state_root, cg->id, r < 0 ? NULL : e);
		if (rr < 0 && !r)
			r = rr;
		if (rr == 0)
			cg->ledger = false;
	}
	return r;
}

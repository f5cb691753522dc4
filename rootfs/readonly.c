/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * readonly.c - linux.readonlyPaths: each place bound onto itself
 * (recursively) and remounted read-only, after the pivot.
 *
 * Any bind makes the kernel walk every child of the source's mount
 * (copy_tree for a recursive bind, has_locked_children for a plain one),
 * and each read-only path adds a child to the mount it lies on: N paths
 * on one mount cost O(N^2) in the kernel (10,000 took 1.5 s here, runc
 * 2.8 s).  When nothing is mounted beneath a path, its recursive bind is
 * the same mount as that place taken from a childless clone of its mount:
 * one open_tree(OPEN_TREE_CLONE) per mount, then open_tree + move_mount
 * from that clone per path, O(1) each.  Cloning from a detached mount
 * needs Linux 6.15; older kernels, and any path the clone cannot serve,
 * get the recursive bind.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif
#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif

/* at most this many clones open at once (an fd each) */
#define MAX_CLONES 64

struct id_ix {
	int id;
	size_t k;
};

struct clones {
	const struct rootfs_mi *mi;
	struct id_ix *ids; /* sorted by id */
	int *fd;	   /* per mi entry: its clone, -1 none yet, -2 unusable */
	size_t n, n_open;
	bool off; /* the kernel cannot clone from a detached mount */
};

static int id_cmp(const void *a, const void *b)
{
	const struct id_ix *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

static void clones_init(struct clones *cl, const struct rootfs_mi *mi, size_t n)
{
	*cl = (struct clones){ .mi = mi, .n = n, .off = n == 0 };
	cl->ids = sk_xcalloc(n ? n : 1, sizeof(*cl->ids));
	cl->fd = sk_xcalloc(n ? n : 1, sizeof(int));
	for (size_t k = 0; k < n; k++) {
		cl->ids[k] = (struct id_ix){ mi[k].id, k };
		cl->fd[k] = -1;
	}
	qsort(cl->ids, n, sizeof(*cl->ids), id_cmp);
}

static void clones_close(struct clones *cl)
{
	for (size_t k = 0; k < cl->n; k++)
		if (cl->fd[k] >= 0) {
			close(cl->fd[k]);
			cl->fd[k] = -1;
		}
	cl->n_open = 0;
}

static void clones_free(struct clones *cl)
{
	clones_close(cl);
	free(cl->ids);
	free(cl->fd);
}

/* The mountinfo entry of mount @id, or -1. */
static ssize_t find_mount(const struct clones *cl, int id)
{
	struct id_ix key = { id, 0 }, *hit;

	hit = bsearch(&key, cl->ids, cl->n, sizeof(*cl->ids), id_cmp);
	return hit ? (ssize_t)hit->k : -1;
}

/* A childless clone of mount @k (mountinfo entry), or -1. */
static int clone_of(struct clones *cl, size_t k)
{
	_cleanup_close_ int m = -1;
	struct statx sx;
	int fd;

	if (cl->fd[k] != -1)
		return cl->fd[k];
	if (cl->n_open >= MAX_CLONES)
		clones_close(cl);
	cl->fd[k] = -2;
	m = open(cl->mi[k].mountpoint, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	/* the path must lead to the root of that very mount */
	if (m < 0 || statx(m, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) < 0 ||
	    !(sx.stx_mask & STATX_MNT_ID) || sx.stx_mnt_id != (uint64_t)cl->mi[k].id ||
	    !(sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
	    !(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return -1;
	/* not recursive: refused (EINVAL) when it would reveal what a
	 * locked mount covers; then this mount's paths take the bind */
	fd = sk_open_tree(m, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (fd < 0) {
		if (errno == ENOSYS)
			cl->off = true;
		return -1;
	}
	cl->n_open++;
	return cl->fd[k] = fd;
}

/* Mount at @canon (a realpath with nothing mounted beneath it) the same
 * place from a clone of its mount.  0, or -1 to take the bind instead
 * (nothing mounted). */
static int bind_from_clone(struct clones *cl, const char *canon)
{
	_cleanup_close_ int tree = -1;
	const char *mp, *rel;
	struct statx sx;
	ssize_t k;
	size_t len;
	int fd;

	if (cl->off ||
	    statx(AT_FDCWD, canon, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MNT_ID, &sx) < 0 ||
	    !(sx.stx_mask & STATX_MNT_ID))
		return -1;
	k = find_mount(cl, (int)sx.stx_mnt_id);
	if (k < 0)
		return -1; /* a mount made since mountinfo was read */
	mp = cl->mi[k].mountpoint;
	len = strlen(mp);
	if (len == 1 && mp[0] == '/')
		rel = canon + 1;
	else if (!strncmp(canon, mp, len) && (canon[len] == '/' || canon[len] == '\0'))
		rel = canon[len] ? canon + len + 1 : "";
	else
		return -1;
	fd = clone_of(cl, (size_t)k);
	if (fd < 0)
		return -1;
	tree = sk_open_tree(fd, rel,
			    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_NO_AUTOMOUNT |
				    AT_SYMLINK_NOFOLLOW | (*rel ? 0 : AT_EMPTY_PATH));
	if (tree < 0) {
		/* before Linux 6.15, a detached mount cannot be cloned */
		if (errno == EINVAL || errno == ENOSYS || errno == EPERM)
			cl->off = true;
		return -1;
	}
	if (sk_move_mount(tree, "", AT_FDCWD, canon, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return -1;
	return 0;
}

static int bind_path(const char *path, size_t i, struct sk_err *e)
{
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
		if (errno == ENOENT)
			return 1;
		return sk_err_sys(e, errno, "linux.readonlyPaths[%zu]: bind %s", i, path);
	}
	return 0;
}

int rootfs_readonly_paths(char *const *paths, size_t n, struct sk_err *e)
{
	struct rootfs_path_plan plan;
	struct clones cl;
	int r = 0;

	if (!n)
		return 0;
	rootfs_path_plan(paths, n, true, &plan);
	clones_init(&cl, plan.mi, plan.nmi);
	for (size_t i = 0; r == 0 && i < n; i++) {
		const char *at = paths[i];

		if (plan.skip[i])
			continue;
		if (!plan.below[i] && bind_from_clone(&cl, plan.canon[i]) == 0) {
			at = plan.canon[i];
		} else {
			r = bind_path(paths[i], i, e);
			if (r > 0) { /* a missing path is skipped */
				r = 0;
				continue;
			}
			if (r < 0)
				break;
		}
		if (rootfs_remount_bind(at, MS_RDONLY, e) < 0)
			r = sk_err_prefix(e, "linux.readonlyPaths[%zu]", i);
	}
	clones_free(&cl);
	rootfs_path_plan_free(&plan);
	return r;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * claim.c - create's claim of a container ID: ROOT/.ID.claim made and
 * locked, then renamed to ROOT/ID (never over an existing one), so the
 * directory is never seen unlocked while create runs and delete -f cannot
 * remove it under us.  What a killed create left there is reclaimed first.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

/* flock(LOCK_EX) that waits at most about a second: a create killed a
 * moment ago may still have its init alive for an instant (cloned with
 * the locked directory open, dying of PDEATHSIG); a create that is
 * really running holds it longer.  0, or -EWOULDBLOCK / -errno. */
int sk_lock_briefly(int fd)
{
	const struct timespec pause = { .tv_nsec = 10 * 1000 * 1000 };

	for (int i = 0; i < 100; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK)
			return -errno;
		nanosleep(&pause, NULL);
	}
	return -EWOULDBLOCK;
}

/* What a create killed before it finished left in ROOT/ID (locked by us):
 * undo it from the intent record, as delete -f would. */
static int reclaim_remains(struct sk_ctx *ctx, const char *id, struct sk_err *e)
{
	struct sk_state *st = NULL;
	int r;

	r = sk_state_load(ctx, id, false, &st, e);
	if (r < 0)
		return r;
	sk_debug(&ctx->log, "container %s: removing what a killed create left", id);
	r = sk_container_destroy(ctx, st, e);
	sk_state_free(st);
	return r;
}

/* The ID exists: someone's container, a create or delete under way, or
 * the remains of a killed create (unlocked, no state.json): reclaimed. */
static int claim_taken(struct sk_ctx *ctx, const char *id, const char *path, struct sk_err *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat sb;
	int r;

	if (fd < 0)
		return errno == ENOENT ? -EAGAIN : sk_err_sys(e, errno, "open %s", path);
	if (fstatat(fd, "state.json", &sb, 0) == 0)
		return sk_err_set(e, EEXIST, "container with id %s already exists", id);
	r = sk_lock_briefly(fd);
	if (r < 0) {
		if (r != -EWOULDBLOCK)
			return sk_err_sys(e, -r, "lock %s", path);
		if (fstatat(fd, "state.json", &sb, 0) < 0)
			return sk_err_set(e, EBUSY, "container %s is being created", id);
		return sk_err_set(e, EEXIST, "container with id %s already exists", id);
	}
	if (fstatat(fd, "state.json", &sb, 0) == 0)
		return sk_err_set(e, EEXIST, "container with id %s already exists", id);
	if (fstat(fd, &sb) < 0 || sb.st_nlink == 0)
		return -EAGAIN; /* removed meanwhile */
	r = reclaim_remains(ctx, id, e);
	return r < 0 ? sk_err_prefix(e, "container %s: removing what a killed create left", id)
		     : -EAGAIN;
}

int sk_claim_id(struct sk_ctx *ctx, const char *id, char **state_dir, int *dirfd, struct sk_err *e)
{
	_cleanup_free_ char *tmp = sk_xasprintf("%s/.%s.claim", ctx->root, id);
	int r = sk_mkdir_p(ctx->root, 0700, e);

	if (r < 0)
		return r;
	*state_dir = sk_xasprintf("%s/%s", ctx->root, id);
	for (int tries = 0; tries < 100; tries++) {
		_cleanup_close_ int fd = -1;

		if (access(*state_dir, F_OK) == 0) {
			r = claim_taken(ctx, id, *state_dir, e);
			if (r == -EAGAIN)
				continue;
			return r;
		}
		if (mkdir(tmp, 0700) < 0) {
			if (errno != EEXIST)
				return sk_err_sys(e, errno, "mkdir %s", tmp);
			/* another create claiming, or one killed while it did */
			fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd >= 0 && sk_lock_briefly(fd) < 0)
				return sk_err_set(e, EBUSY, "container %s is being created", id);
			rmdir(tmp);
			continue;
		}
		fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
			/* someone removed it as a leftover: again */
			continue;
		}
		if (syscall(SYS_renameat2, AT_FDCWD, tmp, AT_FDCWD, *state_dir, RENAME_NOREPLACE) <
		    0) {
			int err = errno;
			if (err != ENOENT) /* else it is not ours any more */
				rmdir(tmp);
			if (err == EEXIST || err == ENOENT)
				continue;
			return sk_err_sys(e, err, "rename %s to %s", tmp, *state_dir);
		}
		*dirfd = sk_steal_fd(&fd);
		return 0;
	}
	return sk_err_set(e, EBUSY, "container %s: could not claim the ID (busy)", id);
}

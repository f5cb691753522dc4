/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * migrate_dir.c - the work directories of `migrate` (ROOT/.migrate.X for
 * the target, ROOT/.migrate-src.X for the source): made fresh and held
 * locked (flock) while their migrate lives, so that one killed with
 * SIGKILL leaves a directory nobody holds, which the next migrate of
 * either side on that root removes before it makes its own.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

/* Remove every unlocked PREFIX* directory of @root. */
static void remove_stale(const char *root, const char *prefix)
{
	DIR *d = opendir(root);
	struct dirent *de;
	size_t n = strlen(prefix);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, n))
			continue;
		int fd = openat(dirfd(d), de->d_name,
				O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			_cleanup_free_ char *p = sk_xasprintf("%s/%s", root, de->d_name);
			sk_rm_rf(p);
		}
		close(fd);
	}
	closedir(d);
}

int sk_migrate_workdir(const char *root, const char *prefix, char **path, int *lockfd,
		       struct sk_err *e)
{
	_cleanup_free_ char *p = sk_xasprintf("%s/%sXXXXXX", root, prefix);
	int fd;

	*path = NULL;
	*lockfd = -1;
	remove_stale(root, prefix);
	if (!mkdtemp(p))
		return sk_err_sys(e, errno, "migrate: %s", p);
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		int r = sk_err_sys(e, errno, "migrate: lock %s", p);
		if (fd >= 0)
			close(fd);
		sk_rm_rf(p);
		return r;
	}
	*path = sk_steal_ptr(&p);
	*lockfd = fd;
	return 0;
}

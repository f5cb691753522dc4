/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fds.c - which file descriptors reach the container's process.
 *
 * skiff starts with whatever its caller left open.  Only stdio and the
 * preserved fds (--preserve-fds) are meant for the container; everything
 * else (the caller's other fds, skiff's state directory, namespace fds)
 * is closed in the container's init and in `exec`'s child before any path
 * of the container is resolved (CVE-2024-21626: a process.cwd of
 * /proc/self/fd/N naming a host directory).  Close-on-exec is not enough
 * for that: the fds are still open while skiff itself resolves the cwd,
 * the executable and /dev/ptmx inside the container.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* The highest fd to try when close_range(2) is missing (kernels < 5.9). */
static unsigned int fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < 1U << 20)
		return rl.rlim_cur > 65536 ? (unsigned int)rl.rlim_cur : 65536;
	return 1U << 20;
}

/* Close, or mark close-on-exec (@flags = CLOSE_RANGE_CLOEXEC), [lo, hi]. */
static int range(unsigned int lo, unsigned int hi, unsigned int flags)
{
	unsigned int max;

	if (lo > hi)
		return 0;
	if (syscall(SYS_close_range, lo, hi, flags) == 0)
		return 0;
	if (errno != ENOSYS && errno != EINVAL)
		return -errno;
	max = fd_limit();
	for (unsigned int fd = lo; fd <= hi && fd < max; fd++) {
		if (flags & CLOSE_RANGE_CLOEXEC)
			fcntl((int)fd, F_SETFD, FD_CLOEXEC);
		else
			close((int)fd);
	}
	return 0;
}

int sk_fds_cloexec_from(int first)
{
	return range((unsigned int)first, ~0U, CLOSE_RANGE_CLOEXEC);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int sk_fds_close_except(int first, const int *keep, size_t n, struct sk_err *e)
{
	int sorted[16];
	size_t m = 0;
	unsigned int lo = (unsigned int)first;
	int r;

	if (n > sizeof(sorted) / sizeof(sorted[0]))
		return sk_err_set(e, EINVAL, "internal: too many fds to keep");
	for (size_t i = 0; i < n; i++) {
		struct stat sb;

		if (keep[i] < first)
			continue;
		/* what stays open until the exec must never be usable as a
		 * working directory or a path prefix */
		if (fstat(keep[i], &sb) < 0)
			return sk_err_sys(e, errno, "internal: fd %d to keep", keep[i]);
		if (S_ISDIR(sb.st_mode))
			return sk_err_set(e, EISDIR, "internal: fd %d to keep is a directory",
					  keep[i]);
		sorted[m++] = keep[i];
	}
	qsort(sorted, m, sizeof(int), cmp_int);
	for (size_t i = 0; i < m; i++) {
		if ((unsigned int)sorted[i] < lo)
			continue; /* a duplicate */
		r = range(lo, (unsigned int)sorted[i] - 1, 0);
		if (r < 0)
			return sk_err_sys(e, -r, "close the fds not meant for the container");
		lo = (unsigned int)sorted[i] + 1;
	}
	r = range(lo, ~0U, 0);
	if (r < 0)
		return sk_err_sys(e, -r, "close the fds not meant for the container");
	return 0;
}

int sk_fds_reserve(int first, int last, int *log_fd, int **holes, size_t *n_holes, struct sk_err *e)
{
	*holes = NULL;
	*n_holes = 0;
	if (*log_fd >= 0 && *log_fd < last) {
		int nfd = fcntl(*log_fd, F_DUPFD_CLOEXEC, last);
		if (nfd < 0)
			return sk_err_sys(e, errno, "--log: dup");
		close(*log_fd);
		*log_fd = nfd;
	}
	for (int fd = first; fd < last; fd++) {
		int p;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		p = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (p < 0)
			return sk_err_sys(e, errno, "open /dev/null");
		if (p != fd) {
			int r = dup3(p, fd, O_CLOEXEC);
			close(p);
			if (r < 0)
				return sk_err_sys(e, errno, "dup");
		}
		*holes = sk_xrealloc(*holes, (*n_holes + 1) * sizeof(int));
		(*holes)[(*n_holes)++] = fd;
	}
	return 0;
}

void sk_fds_close_list(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

int sk_fds_keep_for_exec(int first, int last, struct sk_err *e)
{
	for (int fd = first; fd < last; fd++) {
		if (fcntl(fd, F_SETFD, 0) < 0 && errno != EBADF)
			return sk_err_sys(e, errno, "--preserve-fds: fd %d", fd);
	}
	return 0;
}

int sk_fd_move_above(int *fd, int min_fd, struct sk_err *e)
{
	int nfd;

	if (*fd < 0 || *fd >= min_fd)
		return 0;
	nfd = fcntl(*fd, F_DUPFD_CLOEXEC, min_fd);
	if (nfd < 0)
		return sk_err_sys(e, errno, "dup");
	close(*fd);
	*fd = nfd;
	return 0;
}

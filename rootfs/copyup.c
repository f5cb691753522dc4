/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * copyup.c - "tmpcopyup": the directory's original contents (still
 * reachable through an fd opened before the tmpfs covered it) copied into
 * the fresh tmpfs with their modes, owners and times.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

static int copy_data(int in, int out)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		int r;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		r = sk_write_all(out, buf, (size_t)n);
		if (r < 0)
			return r;
	}
}

static int copy_entry(int src, int dst, const char *name, const struct stat *st, int depth,
		      struct sk_err *e);

static int copy_dir(int src, int dst, int depth, struct sk_err *e)
{
	DIR *d;
	struct dirent *de;
	int fd, r = 0;

	if (depth > 256)
		return sk_err_set(e, ELOOP, "directory tree too deep");
	fd = fcntl(src, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return sk_err_sys(e, errno, "dup");
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return sk_err_sys(e, errno, "opendir");
	}
	while ((de = readdir(d))) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(src, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = sk_err_sys(e, errno, "stat %s", de->d_name);
			break;
		}
		r = copy_entry(src, dst, de->d_name, &st, depth, e);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

static int copy_entry(int src, int dst, const char *name, const struct stat *st, int depth,
		      struct sk_err *e)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	mode_t perm = st->st_mode & 07777;

	if (S_ISDIR(st->st_mode)) {
		_cleanup_close_ int s = -1, d = -1;
		int r;
		if (mkdirat(dst, name, 0700) < 0 && errno != EEXIST)
			return sk_err_sys(e, errno, "mkdir %s", name);
		s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return sk_err_sys(e, errno, "open %s", name);
		r = copy_dir(s, d, depth + 1, e);
		if (r < 0)
			return sk_err_prefix(e, "%s", name);
		if (fchown(d, st->st_uid, st->st_gid) < 0 || fchmod(d, perm) < 0)
			return sk_err_sys(e, errno, "chown/chmod %s", name);
		futimens(d, ts);
		return 0;
	}
	if (S_ISREG(st->st_mode)) {
		_cleanup_close_ int s = -1, d = -1;
		int r;
		s = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0)
			return sk_err_sys(e, errno, "open %s", name);
		d = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (d < 0)
			return sk_err_sys(e, errno, "create %s", name);
		r = copy_data(s, d);
		if (r < 0)
			return sk_err_sys(e, r, "copy %s", name);
		if (fchown(d, st->st_uid, st->st_gid) < 0 || fchmod(d, perm) < 0)
			return sk_err_sys(e, errno, "chown/chmod %s", name);
		futimens(d, ts);
		return 0;
	}
	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
		if (n < 0)
			return sk_err_sys(e, errno, "readlink %s", name);
		target[n] = '\0';
		if (symlinkat(target, dst, name) < 0)
			return sk_err_sys(e, errno, "symlink %s", name);
		if (fchownat(dst, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
			return sk_err_sys(e, errno, "chown %s", name);
		utimensat(dst, name, ts, AT_SYMLINK_NOFOLLOW);
		return 0;
	}
	/* devices, fifos, sockets */
	if (mknodat(dst, name, st->st_mode, st->st_rdev) < 0)
		return sk_err_sys(e, errno, "mknod %s", name);
	if (fchownat(dst, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fchmodat(dst, name, perm, 0) < 0)
		return sk_err_sys(e, errno, "chown/chmod %s", name);
	utimensat(dst, name, ts, AT_SYMLINK_NOFOLLOW);
	return 0;
}

int rootfs_copy_tree(int srcfd, int dstfd, struct sk_err *e)
{
	return copy_dir(srcfd, dstfd, 0, e);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * path.c - resolving and creating paths inside the rootfs without ever
 * leaving it: openat2(RESOLVE_IN_ROOT), with a userspace walk (symlinks
 * re-rooted at the rootfs, ".." stopping at it) for old kernels and for
 * finding what is missing when creating mount destinations.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_SYMLINKS 40

char *rootfs_clean_path(const char *path)
{
	size_t len = strlen(path ? path : "");
	char *out = sk_xmalloc(len + 2);
	size_t o = 0;
	const char *p = path ? path : "";

	out[o++] = '/';
	while (*p) {
		const char *s;
		size_t n;

		while (*p == '/')
			p++;
		s = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - s);
		if (n == 0 || (n == 1 && s[0] == '.'))
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			/* drop the last component, never the leading "/" */
			while (o > 1 && out[o - 1] != '/')
				o--;
			if (o > 1)
				o--;
			continue;
		}
		if (o > 1)
			out[o++] = '/';
		memcpy(out + o, s, n);
		o += n;
	}
	out[o] = '\0';
	return out;
}

/* Walk @path below @rootfd, one component at a time, following symlinks
 * with the rootfs as "/".  On success either the whole path resolved
 * (*rest = NULL, *out = O_PATH fd of the object), or, when @rest is given,
 * a component is missing (*out = deepest existing directory, *rest = what
 * is left, malloc'd). */
static int walk_in_root(int rootfd, const char *path, bool follow_last, int *out, char **rest)
{
	_cleanup_free_ char *todo = sk_xstrdup(path);
	_cleanup_free_ int *stack = NULL;
	size_t depth = 0, cap = 16;
	int links = 0, r = 0;
	char *p = todo;

	stack = sk_xmalloc(cap * sizeof(int));
	stack[0] = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (stack[0] < 0)
		return -errno;

	for (;;) {
		char *comp, *next;
		int fd;
		struct stat st;
		bool last;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		comp = p;
		next = strchr(p, '/');
		if (next) {
			*next++ = '\0';
			while (*next == '/')
				next++;
		} else {
			next = p + strlen(p);
		}
		p = next;
		last = (*p == '\0');

		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			if (depth > 0)
				close(stack[depth--]);
			continue;
		}
		fd = openat(stack[depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			r = -errno;
			if (r == -ENOENT && rest) {
				*rest = *p ? sk_xasprintf("%s/%s", comp, p) : sk_xstrdup(comp);
				*out = stack[depth];
				stack[depth] = -1;
				r = 0;
			}
			goto done;
		}
		if (fstat(fd, &st) < 0) {
			r = -errno;
			close(fd);
			goto done;
		}
		if (S_ISLNK(st.st_mode) && (!last || follow_last)) {
			char target[PATH_MAX];
			ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
			char *nt;

			close(fd);
			if (n < 0) {
				r = -errno;
				goto done;
			}
			target[n] = '\0';
			if (++links > MAX_SYMLINKS) {
				r = -ELOOP;
				goto done;
			}
			if (target[0] == '/') {
				while (depth > 0)
					close(stack[depth--]);
			}
			nt = sk_xasprintf("%s/%s", target, p);
			free(todo);
			todo = nt;
			p = todo;
			continue;
		}
		if (!last && !S_ISDIR(st.st_mode)) {
			close(fd);
			r = -ENOTDIR;
			goto done;
		}
		if (depth + 1 >= cap) {
			cap *= 2;
			stack = sk_xrealloc(stack, cap * sizeof(int));
		}
		stack[++depth] = fd;
	}
	if (rest)
		*rest = NULL;
	*out = stack[depth];
	stack[depth] = -1;
done:
	for (size_t i = 0; i <= depth; i++)
		if (stack[i] >= 0)
			close(stack[i]);
	return r;
}

int rootfs_open_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	if (!path || !*path)
		path = ".";
	fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	if (fd >= 0)
		return fd;
	if (errno != ENOSYS)
		return -errno;
	return rootfs_open_in_root_walk(rootfd, path, flags, mode);
}

int rootfs_open_in_root_walk(int rootfd, const char *path, int flags, mode_t mode)
{
	int fd, pfd, r;
	char buf[64];

	if (!path || !*path)
		path = ".";
	if (flags & O_CREAT) {
		_cleanup_free_ char *clean = rootfs_clean_path(path);
		_cleanup_free_ char *dir = NULL;
		_cleanup_close_ int dfd = -1;
		char *slash = strrchr(clean, '/');

		dir = strndup(clean, (size_t)(slash - clean) + 1);
		if (!dir)
			return -ENOMEM;
		r = walk_in_root(rootfd, dir, true, &dfd, NULL);
		if (r < 0)
			return r;
		/* the last component: follow a symlink only through the walk */
		fd = openat(dfd, slash + 1, (flags & ~O_CREAT) | O_NOFOLLOW | O_CLOEXEC | O_PATH);
		if (fd >= 0) {
			close(fd);
			goto existing;
		}
		fd = openat(dfd, slash + 1, flags | O_NOFOLLOW | O_CLOEXEC, mode);
		return fd < 0 ? -errno : fd;
	}
existing:
	r = walk_in_root(rootfd, path, !(flags & O_NOFOLLOW), &pfd, NULL);
	if (r < 0)
		return r;
	if (flags & O_PATH)
		return pfd;
	fd = open(sk_fdpath(buf, sizeof(buf), pfd), (flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC);
	r = fd < 0 ? -errno : fd;
	close(pfd);
	return r;
}

/* mkdir -p the components of @rest below @dfd (consumed).  Returns the
 * O_PATH fd of the last one. */
static int mkdirs_at(int dfd, const char *rest, mode_t mode, const char *full, struct sk_err *e)
{
	_cleanup_free_ char *clean = rootfs_clean_path(rest);
	_cleanup_close_ int cur = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	char *p = clean + 1, *comp;

	if (cur < 0)
		return sk_err_sys(e, errno, "dup");
	while (*p) {
		int nfd;
		comp = p;
		p = strchrnul(p, '/');
		if (*p)
			*p++ = '\0';
		if (mkdirat(cur, comp, mode) < 0 && errno != EEXIST)
			return sk_err_sys(e, errno, "mkdir %s (component %s) in the rootfs", full,
					  comp);
		nfd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			return sk_err_sys(e, errno, "open %s (component %s) in the rootfs", full,
					  comp);
		close(cur);
		cur = nfd;
	}
	return sk_steal_fd(&cur);
}

/* Open @path in the root with @flags into *@fd; when it does not exist,
 * walk as far as it does: *@dfd the deepest directory, *@rest what is
 * missing below it (NULL when @path appeared meanwhile). */
static int open_or_walk(int rootfd, const char *path, int flags, int *fd, int *dfd, char **rest,
			struct sk_err *e)
{
	int r;

	*fd = rootfs_open_in_root(rootfd, path, flags, 0);
	if (*fd >= 0)
		return 0;
	if (*fd != -ENOENT)
		return sk_err_sys(e, *fd, "open %s in the rootfs", path);
	r = walk_in_root(rootfd, path, true, dfd, rest);
	if (r < 0)
		return sk_err_sys(e, r, "resolve %s in the rootfs", path);
	return 0;
}

int rootfs_mkdir_in_root(int rootfd, const char *path, mode_t mode, struct sk_err *e)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *rest = NULL;
	int fd, r = open_or_walk(rootfd, path, O_PATH | O_DIRECTORY, &fd, &dfd, &rest, e);

	if (r < 0 || fd >= 0)
		return r < 0 ? r : fd;
	if (!rest) /* appeared meanwhile */
		return sk_err_set(e, ENOTDIR, "%s in the rootfs: not a directory", path);
	return mkdirs_at(dfd, rest, mode, path, e);
}

int rootfs_touch_in_root(int rootfd, const char *path, mode_t mode, struct sk_err *e)
{
	_cleanup_close_ int dfd = -1, pdir = -1;
	_cleanup_free_ char *rest = NULL, *clean = NULL;
	char *slash;
	int fd, r = open_or_walk(rootfd, path, O_PATH, &fd, &dfd, &rest, e);

	if (r < 0 || fd >= 0)
		return r < 0 ? r : fd;
	if (!rest)
		return rootfs_open_in_root(rootfd, path, O_PATH, 0);
	clean = rootfs_clean_path(rest);
	if (!strcmp(clean, "/"))
		return sk_err_set(e, EINVAL, "%s in the rootfs: cannot create a file there", path);
	slash = strrchr(clean, '/');
	*slash = '\0';
	pdir = mkdirs_at(dfd, *clean ? clean : "/", 0755, path, e);
	if (pdir < 0)
		return pdir;
	fd = openat(pdir, slash + 1, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0 && errno != EEXIST)
		return sk_err_sys(e, errno, "create %s in the rootfs", path);
	if (fd >= 0)
		close(fd);
	fd = openat(pdir, slash + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sk_err_sys(e, errno, "open %s in the rootfs", path);
	return fd;
}

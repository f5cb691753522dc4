/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cpio.c - a cpio "newc" writer for the guest initramfs, and the rootfs
 * walk that feeds it (also the cache key of the archive).
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

void sk_cpio_init(struct sk_cpio *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->ino = 1;
}

static void put(struct sk_cpio *c, const void *p, size_t n)
{
	if (c->err || !n)
		return;
	if (c->fd >= 0) {
		int r = sk_write_all(c->fd, p, n);
		if (r < 0)
			c->err = r;
	} else {
		if (c->len + n > c->cap) {
			c->cap = (c->len + n) * 2 + 4096;
			c->buf = sk_xrealloc(c->buf, c->cap);
		}
		memcpy(c->buf + c->len, p, n);
		c->len += n;
	}
	c->off += n;
}

static void pad4(struct sk_cpio *c)
{
	static const char zeros[4];
	put(c, zeros, (4 - (c->off & 3)) & 3);
}

static void header(struct sk_cpio *c, const char *name, uint32_t mode, uint32_t uid, uint32_t gid,
		   uint32_t nlink, uint64_t mtime, uint64_t size, uint32_t rmaj, uint32_t rmin)
{
	char h[111];
	size_t nl = strlen(name) + 1;
	snprintf(h, sizeof(h), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 c->ino++, mode, uid, gid, nlink, (uint32_t)mtime, (uint32_t)size, 0u, 0u, rmaj,
		 rmin, (uint32_t)nl, 0u);
	put(c, h, 110);
	put(c, name, nl);
	pad4(c);
}

int sk_cpio_add(struct sk_cpio *c, const char *name, uint32_t mode, uint32_t uid, uint32_t gid,
		uint32_t rmaj, uint32_t rmin, uint64_t mtime, const void *data, size_t len)
{
	if (len > UINT32_MAX)
		return -EFBIG;
	header(c, name, mode, uid, gid, S_ISDIR(mode) ? 2 : 1, mtime, len, rmaj, rmin);
	put(c, data, len);
	pad4(c);
	return c->err;
}

int sk_cpio_finish(struct sk_cpio *c)
{
	header(c, "TRAILER!!!", 0, 0, 0, 1, 0, 0, 0, 0);
	return c->err;
}

/* ----------------------------------------------------------- tree walk */

static void hash_bytes(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		*h ^= b[i];
		*h *= 0x100000001b3ULL;
	}
}

static int copy_file(struct sk_cpio *c, int dirfd, const char *name, const char *path,
		     const struct stat *st, struct sk_err *e)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return sk_err_sys(e, errno, "microvm: initramfs: open %s", path);
	if ((uint64_t)st->st_size > UINT32_MAX)
		return sk_err_set(e, EFBIG, "microvm: initramfs: %s is larger than 4 GiB", path);
	header(c, path, st->st_mode, st->st_uid, st->st_gid, 1, st->st_mtime, st->st_size, 0, 0);
	char buf[65536];
	uint64_t left = st->st_size;
	while (left) {
		ssize_t n = read(fd, buf, left < sizeof(buf) ? left : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sk_err_sys(e, errno, "microvm: initramfs: read %s", path);
		if (n == 0) /* file shrank: pad with zeros to keep the archive sound */
			memset(buf, 0, (size_t)(n = left < sizeof(buf) ? left : sizeof(buf)));
		put(c, buf, n);
		left -= n;
	}
	pad4(c);
	if (c->err)
		return sk_err_sys(e, -c->err, "microvm: initramfs: write");
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(struct sk_cpio *c, int dirfd, const char *prefix, uint64_t *hash, int depth,
		struct sk_err *e)
{
	if (depth > 128)
		return sk_err_set(e, ELOOP, "microvm: initramfs: %s: too deep", prefix);
	int dfd = dup(dirfd);
	if (dfd < 0)
		return sk_err_sys(e, errno, "microvm: initramfs: dup");
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return sk_err_sys(e, errno, "microvm: initramfs: opendir %s", prefix);
	}
	rewinddir(d);
	/* Sort names so the archive and the hash are stable. */
	struct sk_strv_buf nb = { 0 };
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sk_strv_buf_add(&nb, de->d_name);
	}
	char **names = nb.v;
	size_t n = nb.n;
	closedir(d);
	if (n)
		qsort(names, n, sizeof(char *), cmp_names);
	int r = 0;
	for (size_t i = 0; i < n && !r; i++) {
		const char *name = names[i];
		_cleanup_free_ char *path =
			*prefix ? sk_xasprintf("%s/%s", prefix, name) : sk_xstrdup(name);
		struct stat st;
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = sk_err_sys(e, errno, "microvm: initramfs: stat %s", path);
			break;
		}
		char link[4096];
		ssize_t ll = 0;
		if (S_ISLNK(st.st_mode)) {
			ll = readlinkat(dirfd, name, link, sizeof(link) - 1);
			if (ll < 0) {
				r = sk_err_sys(e, errno, "microvm: initramfs: readlink %s", path);
				break;
			}
		}
		if (hash) {
			uint64_t meta[9] = { st.st_mode, st.st_uid,	    st.st_gid,
					     st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
					     st.st_ino,	 st.st_rdev,	    st.st_ctim.tv_nsec };
			hash_bytes(hash, path, strlen(path) + 1);
			hash_bytes(hash, meta, sizeof(meta));
			hash_bytes(hash, link, ll);
		}
		if (S_ISDIR(st.st_mode)) {
			if (c)
				sk_cpio_add(c, path, st.st_mode, st.st_uid, st.st_gid, 0, 0,
					    st.st_mtime, NULL, 0);
			_cleanup_close_ int sub =
				openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				r = sk_err_sys(e, errno, "microvm: initramfs: open %s", path);
				break;
			}
			r = walk(c, sub, path, hash, depth + 1, e);
		} else if (!c) {
			continue;
		} else if (S_ISREG(st.st_mode)) {
			r = copy_file(c, dirfd, name, path, &st, e);
		} else if (S_ISLNK(st.st_mode)) {
			sk_cpio_add(c, path, st.st_mode, st.st_uid, st.st_gid, 0, 0, st.st_mtime,
				    link, ll);
		} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
			sk_cpio_add(c, path, st.st_mode, st.st_uid, st.st_gid, major(st.st_rdev),
				    minor(st.st_rdev), st.st_mtime, NULL, 0);
		} /* sockets are skipped */
		if (!r && c && c->err)
			r = sk_err_sys(e, -c->err, "microvm: initramfs: write");
	}
	sk_strv_free(names);
	return r;
}

int sk_cpio_add_tree(struct sk_cpio *c, int dirfd, uint64_t *hash, struct sk_err *e)
{
	if (hash)
		*hash = 0xcbf29ce484222325ULL;
	return walk(c, dirfd, "", hash, 0, e);
}

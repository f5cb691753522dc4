/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util.c - allocation, string vectors and whole-file helpers. */
#define _GNU_SOURCE
#include "base.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

static void __attribute__((noreturn)) oom(void)
{
	static const char msg[] = "skiff: out of memory\n";
	(void)!write(2, msg, sizeof(msg) - 1);
	abort();
}

void *sk_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *sk_xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);
	if (!p)
		oom();
	return p;
}

void *sk_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *sk_xstrdup(const char *s)
{
	char *r;
	if (!s)
		return NULL;
	r = strdup(s);
	if (!r)
		oom();
	return r;
}

char *sk_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *r;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&r, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	return r;
}

void sk_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t sk_strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

char **sk_strv_dup(char *const *v)
{
	size_t n = sk_strv_len(v);
	char **r = sk_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		r[i] = sk_xstrdup(v[i]);
	return r;
}

void sk_strv_buf_add(struct sk_strv_buf *b, const char *s)
{
	if (b->n + 2 > b->cap) {
		b->cap = b->cap ? 2 * b->cap : 8;
		b->v = sk_xrealloc(b->v, b->cap * sizeof(char *));
	}
	b->v[b->n++] = sk_xstrdup(s);
	b->v[b->n] = NULL;
}

int sk_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int sk_read_file_at(int dirfd, const char *path, char **out, size_t *len, struct sk_err *e)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t cap = 4096, n = 0;

	if (fd < 0)
		return sk_err_sys(e, errno, "open %s", path);
	buf = sk_xmalloc(cap);
	for (;;) {
		ssize_t r;
		if (n + 1 >= cap) {
			cap *= 2;
			buf = sk_xrealloc(buf, cap);
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return sk_err_sys(e, errno, "read %s", path);
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	*out = sk_steal_ptr(&buf);
	return 0;
}

int sk_write_file_at(int dirfd, const char *path, const void *data, size_t len, int flags,
		     mode_t mode, struct sk_err *e)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | flags, mode);
	int r;

	if (fd < 0)
		return sk_err_sys(e, errno, "open %s", path);
	r = sk_write_all(fd, data, len);
	if (r < 0)
		return sk_err_sys(e, -r, "write %s", path);
	return 0;
}

int sk_write_file_atomic(int dirfd, const char *name, const void *data, size_t len, struct sk_err *e)
{
	_cleanup_free_ char *tmp = sk_xasprintf(".%s.tmp", name);
	_cleanup_close_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int r;

	if (fd < 0)
		return sk_err_sys(e, errno, "open %s", tmp);
	r = sk_write_all(fd, data, len);
	if (r < 0) {
		unlinkat(dirfd, tmp, 0);
		return sk_err_sys(e, -r, "write %s", tmp);
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		r = errno;
		unlinkat(dirfd, tmp, 0);
		return sk_err_sys(e, r, "rename %s", name);
	}
	return 0;
}

/* A whole decimal number: strtoull or strtoll (@sign) into *@u or *@i. */
static int parse_num(const char *s, bool sign, uint64_t *u, int64_t *i)
{
	char *end;

	if (!s || !*s || (!sign && (*s == '-' || *s == '+')))
		return -EINVAL;
	errno = 0;
	if (sign)
		*i = strtoll(s, &end, 10);
	else
		*u = strtoull(s, &end, 10);
	if (errno)
		return -errno;
	return *end ? -EINVAL : 0;
}

int sk_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v;
	int r = parse_num(s, false, &v, NULL);

	if (r == 0)
		*out = v;
	return r;
}

int sk_parse_i64(const char *s, int64_t *out)
{
	int64_t v;
	int r = parse_num(s, true, NULL, &v);

	if (r == 0)
		*out = v;
	return r;
}

int sk_mkdir_p(const char *path, mode_t mode, struct sk_err *e)
{
	_cleanup_free_ char *p = sk_xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return sk_err_sys(e, errno, "mkdir %s", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return sk_err_sys(e, errno, "mkdir %s", p);
	return 0;
}

static int rm_rf_at(int parent, const char *name)
{
	int fd;
	DIR *d;
	struct dirent *de;

	if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -errno;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		rm_rf_at(dirfd(d), de->d_name);
	}
	closedir(d);
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int sk_rm_rf(const char *path)
{
	return rm_rf_at(AT_FDCWD, path);
}

char *sk_now_rfc3339(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return sk_xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

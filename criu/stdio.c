/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stdio.c - the container's stdio pipes across checkpoint and restore.
 *
 * A client such as conmon gives the container pipes for its stdio.  The
 * other ends stay with the client, so at restore the restored init must
 * get the pipes the client gives the restore command, not the dumped
 * ones: at dump, what the init's fds 0-2 are ("pipe:[INODE]") is kept in
 * the image directory (skiff-stdio, one line each, as runc keeps
 * descriptors.json); at restore, each of skiff's own fds 0-2 that stands
 * for such a pipe is handed to criu with --inherit-fd fd[N]:pipe:[INODE].
 * A file of a mount outside the container (conmon's /dev/null for stdin)
 * is declared external at dump (--external file[MNT:INO]) and given back
 * the same way.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define STDIO_FILE "skiff-stdio"

/* The mount id of @pid's fd @fd (its fdinfo), or -1. */
static int fd_mnt_id(pid_t pid, int fd)
{
	_cleanup_free_ char *p = sk_xasprintf("/proc/%d/fdinfo/%d", (int)pid, fd);
	_cleanup_free_ char *text = NULL;
	struct sk_err ignore;
	const char *m;

	if (sk_read_file_at(AT_FDCWD, p, &text, NULL, &ignore) < 0)
		return -1;
	m = strstr(text, "mnt_id:");
	return m ? atoi(m + 7) : -1;
}

/* Is mount @id one of @pid's mount namespace? */
static bool in_mounts(pid_t pid, int id)
{
	_cleanup_free_ char *p = sk_xasprintf("/proc/%d/mountinfo", (int)pid);
	_cleanup_free_ char *text = NULL;
	struct sk_err ignore;

	if (sk_read_file_at(AT_FDCWD, p, &text, NULL, &ignore) < 0)
		return true; /* criu says what is wrong */
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (atoi(l) == id)
			return true;
	return false;
}

/* What the init's fd @fd is, as the key restore looks for: "pipe:[INO]",
 * "file[MNT:INO]" (hex, criu's name of an external file) for a file of a
 * mount outside the container (conmon's /dev/null), else its path. */
static char *stdio_key(pid_t pid, int fd, bool *external)
{
	char link[64], target[PATH_MAX];
	struct stat sb;
	ssize_t n;
	int mnt;

	*external = false;
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return sk_xstrdup(""); /* closed */
	target[n] = '\0';
	target[strcspn(target, "\n")] = '\0';
	if (target[0] != '/' || stat(link, &sb) < 0)
		return sk_xstrdup(target);
	/* a terminal is criu's tty, not a file (driver.c) */
	if (S_ISCHR(sb.st_mode) && (major(sb.st_rdev) == 4 || major(sb.st_rdev) == 5 ||
				    (major(sb.st_rdev) >= 136 && major(sb.st_rdev) <= 143)))
		return sk_xstrdup(target);
	mnt = fd_mnt_id(pid, fd);
	if (mnt < 0 || in_mounts(pid, mnt))
		return sk_xstrdup(target);
	*external = true;
	return sk_xasprintf("file[%x:%llx]", (unsigned)mnt, (unsigned long long)sb.st_ino);
}

int criu_stdio_save(const char *image_path, pid_t pid, char ***ext, struct sk_err *e)
{
	struct sk_strv_buf b = { 0 };
	struct sk_strbuf text = { 0 };
	_cleanup_close_ int dfd = -1;
	int r;

	*ext = NULL;
	for (int i = 0; i < 3; i++) {
		bool external;
		_cleanup_free_ char *k = stdio_key(pid, i, &external);
		/* the same file twice (stdout and stderr) is declared once */
		bool seen = false;
		for (size_t j = 0; j < b.n; j++)
			seen = seen || !strcmp(b.v[j], k);
		if (external && !seen)
			sk_strv_buf_add(&b, k);
		sk_strbuf_addf(&text, "%s\n", k);
	}
	dfd = open(image_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = sk_err_sys(e, errno, "open %s", image_path);
	} else {
		r = sk_write_file_at(dfd, STDIO_FILE, text.s, text.len, O_CREAT | O_TRUNC, 0600, e);
	}
	free(text.s);
	if (r < 0) {
		sk_strv_free(b.v);
		return r;
	}
	*ext = b.v;
	return 0;
}

void criu_stdio_inherit(const char *image_path, struct criu_stdio *s)
{
	_cleanup_free_ char *p = sk_xasprintf("%s/" STDIO_FILE, image_path);
	_cleanup_free_ char *text = NULL;
	struct sk_err ignore;
	char *line, *end;

	s->n = 0;
	/* none: images of an older skiff, or of another runtime */
	if (sk_read_file_at(AT_FDCWD, p, &text, NULL, &ignore) < 0)
		return;
	line = text;
	for (int i = 0; i < 3 && line && *line; i++, line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		if (end)
			*end = '\0';
		if (strncmp(line, "pipe:[", 6) != 0 && strncmp(line, "file[", 5) != 0)
			continue;
		/* above stdio: criu's own 0-2 are /dev/null and its output */
		int fd = fcntl(i, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			continue; /* skiff has no such fd: criu says so */
		s->fd[s->n] = fd;
		s->key[s->n] = sk_xstrdup(line);
		s->n++;
	}
}

void criu_stdio_free(struct criu_stdio *s)
{
	for (size_t i = 0; i < s->n; i++) {
		close(s->fd[i]);
		free(s->key[i]);
	}
	s->n = 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mountinfo.c - /proc/self/mountinfo parsed into its fields. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

/* Undo the kernel's octal escapes ("\040" for a space). */
static char *unescape(const char *s)
{
	char *out = sk_xmalloc(strlen(s) + 1), *o = out;
	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

void rootfs_mountinfo_free(struct rootfs_mi *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].root);
		free(v[i].mountpoint);
		free(v[i].optional);
		free(v[i].fstype);
		free(v[i].source);
		free(v[i].super_opts);
	}
	free(v);
}

int rootfs_mountinfo_read(struct rootfs_mi **out, size_t *n_out, struct sk_err *e)
{
	_cleanup_free_ char *buf = NULL;
	struct rootfs_mi *v = NULL;
	size_t n = 0, cap = 0;
	char *save = NULL, *line;
	int r;

	r = sk_read_file_at(AT_FDCWD, "/proc/self/mountinfo", &buf, NULL, e);
	if (r < 0)
		return r;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* id parent maj:min root mountpoint opts [optional...] - type source superopts */
		char *f[6] = { 0 }, *sep, *p = line, *optional;
		int i;

		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		for (i = 0; i < 6 && p; i++) {
			f[i] = strsep(&p, " ");
		}
		if (i < 6 || !f[5])
			continue;
		optional = p ? p : "";
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			v = sk_xrealloc(v, cap * sizeof(*v));
		}
		v[n].id = atoi(f[0]);
		v[n].root = unescape(f[3]);
		v[n].mountpoint = unescape(f[4]);
		v[n].optional = sk_xstrdup(optional);
		p = sep + 3;
		v[n].fstype = sk_xstrdup(strsep(&p, " "));
		v[n].source = unescape(p ? strsep(&p, " ") : "");
		v[n].super_opts = sk_xstrdup(p ? p : "");
		n++;
	}
	*out = v;
	*n_out = n;
	return 0;
}

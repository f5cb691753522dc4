/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * passwd.c - a uid's login name from /etc/passwd, for the OWNER column of
 * `list` and the "owner" of `state`, as runc reads it.  skiff is static,
 * and glibc's getpwuid() would dlopen NSS modules of the host's libc.
 */
#define _GNU_SOURCE
#include "base.h"

#include <fcntl.h>
#include <string.h>

char *sk_user_name(uid_t uid)
{
	_cleanup_free_ char *buf = NULL;
	char *line, *save = NULL;

	if (sk_read_file_at(AT_FDCWD, "/etc/passwd", &buf, NULL, NULL) < 0)
		return NULL;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* name:password:uid:gid:gecos:home:shell */
		char *colon = strchr(line, ':'), *field, *end;
		unsigned long u;

		if (!colon || colon == line || !(field = strchr(colon + 1, ':')))
			continue;
		u = strtoul(field + 1, &end, 10);
		if (end == field + 1 || *end != ':' || u != (unsigned long)uid)
			continue;
		return strndup(line, (size_t)(colon - line));
	}
	return NULL;
}

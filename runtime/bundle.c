/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bundle.c - a bundle's config.json, as create and restore read it. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>

int sk_bundle_load(const char *bundle, char **abs, char **text, size_t *len,
		   struct oci_config **cfg, struct sk_err *e)
{
	char buf[PATH_MAX];
	int r;

	if (!realpath(bundle ? bundle : ".", buf))
		return sk_err_sys(e, errno, "bundle %s", bundle ? bundle : ".");
	*abs = sk_xstrdup(buf);
	_cleanup_free_ char *path = sk_xasprintf("%s/config.json", *abs);
	r = sk_read_file_at(AT_FDCWD, path, text, len, e);
	if (r < 0)
		return r;
	r = oci_config_parse(*text, *len, cfg, e);
	if (r < 0)
		return sk_err_prefix(e, "%s", *abs);
	return 0;
}

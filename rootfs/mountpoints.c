/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mountpoints.c - the bind mounts' targets in the rootfs before a restore.
 *
 * At create the init makes a missing bind target (a directory for a
 * directory source, else an empty file).  criu's restore mounts onto the
 * rootfs as it finds it, so a rootfs that lacks them -- Podman imports a
 * checkpoint into a fresh copy of the image, without the /etc/hosts or
 * /run/.containerenv the first create made -- gets them here first.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

static int make_one(int rootfd, const struct oci_mount *m, struct sk_err *e)
{
	struct stat sb;
	int fd;

	if (!oci_mount_is_bind(m) || !m->source || !m->destination)
		return 0;
	if (stat(m->source, &sb) == 0 && S_ISDIR(sb.st_mode))
		fd = rootfs_mkdir_in_root(rootfd, m->destination, 0755, e);
	else
		fd = rootfs_touch_in_root(rootfd, m->destination, 0644, e);
	if (fd < 0)
		return sk_err_prefix(e, "mount point %s", m->destination);
	close(fd);
	return 0;
}

int rootfs_make_bind_targets(const struct oci_config *cfg, const struct oci_mount *extra,
			     size_t n_extra, const char *rootfs, struct sk_err *e)
{
	_cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (rootfd < 0)
		return sk_err_sys(e, errno, "open %s", rootfs);
	for (size_t i = 0; r == 0 && cfg && i < cfg->n_mounts; i++)
		r = make_one(rootfd, &cfg->mounts[i], e);
	for (size_t i = 0; r == 0 && i < n_extra; i++)
		r = make_one(rootfd, &extra[i], e);
	return r;
}

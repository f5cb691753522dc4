/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * prepare.c - rootfs_prepare: the mount tree made non-shared, the rootfs
 * made a mount point of its own, every mount done inside it, /dev filled.
 * Runs in the container's init, in its new mount namespace, before the
 * createContainer hooks (which still see the host's paths).
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (!strcmp(dir, "/"))
		return true;
	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n]);
}

/* pivot_root refuses a new root whose parent mount is shared, and a
 * shared parent would carry the rootfs bind and every mount made in it
 * back to the host: make the mount the bind goes onto private when it is
 * shared (as runc).  That is the mount holding the rootfs directory, or
 * the rootfs itself when it is already a mount point. */
static int parent_mount_private(const char *rootfs, struct sk_err *e)
{
	struct rootfs_mi *mi = NULL;
	size_t n = 0, best = (size_t)-1, best_len = 0;
	int r;

	r = rootfs_mountinfo_read(&mi, &n, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(mi[i].mountpoint);
		/* the last one listed wins among equal mount points (on top) */
		if (path_under(rootfs, mi[i].mountpoint) && len >= best_len) {
			best = i;
			best_len = len;
		}
	}
	if (best != (size_t)-1 && strstr(mi[best].optional, "shared:") &&
	    mount(NULL, mi[best].mountpoint, NULL, MS_PRIVATE, NULL) < 0)
		r = sk_err_sys(e, errno, "make %s private", mi[best].mountpoint);
	rootfs_mountinfo_free(mi, n);
	return r;
}

int rootfs_prepare(const struct rootfs_ctx *c, struct sk_err *e)
{
	const struct oci_config *cfg = c->cfg;
	unsigned long prop = MS_SLAVE | MS_REC;
	_cleanup_close_ int rootfd = -1;
	int r;

	if (cfg->lnx.rootfs_propagation &&
	    rootfs_propagation_from_name(cfg->lnx.rootfs_propagation, &prop) < 0)
		return sk_err_set(e, EINVAL, "linux.rootfsPropagation: unknown value \"%s\"",
				  cfg->lnx.rootfs_propagation);
	/* Shared propagation is set on the new root only after pivot_root
	 * (rootfs_finalize): made here it would defeat pivot_root. */
	if (prop & MS_SHARED)
		prop = MS_SLAVE | MS_REC;
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return sk_err_sys(e, errno, "linux.rootfsPropagation: set propagation of /");
	r = parent_mount_private(c->rootfs, e);
	if (r < 0)
		return sk_err_prefix(e, "root.path");
	if (mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return sk_err_sys(e, errno, "root.path: bind %s on itself", c->rootfs);
	/* opened after the bind: the fd must be on the new mount */
	rootfd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return sk_err_sys(e, errno, "root.path: open %s", c->rootfs);

	for (size_t i = 0; i < cfg->n_mounts; i++) {
		char what[32];
		snprintf(what, sizeof(what), "mounts[%zu]", i);
		r = rootfs_do_mount(c, rootfd, &cfg->mounts[i], c->src_fds ? c->src_fds[i] : -1,
				    what, e);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < c->n_extra; i++) {
		char what[300];
		snprintf(what, sizeof(what), "mount of %.256s", c->extra[i].destination);
		r = rootfs_do_mount(c, rootfd, &c->extra[i],
				    c->src_fds ? c->src_fds[cfg->n_mounts + i] : -1, what, e);
		if (r < 0)
			return r;
	}
	if (rootfs_needs_dev_setup(c)) {
		r = rootfs_setup_dev(c, rootfd, e);
		if (r < 0)
			return sk_err_prefix(e, "/dev");
	}
	return 0;
}

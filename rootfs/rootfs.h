/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rootfs.h - the container's filesystem view: mounts, /dev, pivot_root,
 * masked and read-only paths, sysctls.  The only header of rootfs/.
 *
 * Call order in the container's init (a child already in its new mount
 * namespace, before privileges are dropped):
 *   rootfs_validate()   in the parent, before any process exists
 *   rootfs_prepare()    mounts into the rootfs (host paths still visible)
 *   ... createContainer hooks run here ...
 *   rootfs_finalize()   pivot_root / chroot, sysctls, masks, read-only paths
 *   rootfs_apply_sysctl()
 *   rootfs_setup_console() when process.terminal
 *   rootfs_finalize_readonly()  read-only /dev and root, root propagation
 *                       (after the console and the /dev nodes exist, as runc)
 * Every path inside the rootfs is resolved with openat2(RESOLVE_IN_ROOT),
 * so symlinks in the image never lead out of it.
 */
#ifndef SKIFF_ROOTFS_H
#define SKIFF_ROOTFS_H

#include "../oci/oci.h"

struct rootfs_ctx {
	const struct oci_config *cfg;
	const char *bundle; /* absolute bundle directory */
	const char *rootfs; /* absolute, symlink-free rootfs path */
	bool no_pivot;	    /* --no-pivot: MS_MOVE + chroot */
	bool new_userns;    /* devices are bind-mounted, not mknod'ed */
	bool new_netns;	    /* sysfs may be mounted fresh only with a new netns */
	bool new_cgroupns;
	const struct oci_mount *extra; /* mounts skiff adds (resolv.conf, hosts) */
	size_t n_extra;
	/* Per bind mount (cfg->mounts, then extra; NULL: none): a detached
	 * copy of its source (open_tree) made by the runtime before the user
	 * namespace, so sources its root cannot reach still mount; -1: by
	 * path. */
	const int *src_fds;
	const struct sk_log *log;
};

/* Before anything exists: rootfs exists and is a directory (*rootfs_out =
 * absolute realpath), every mount destination is absolute, mount options
 * are known, device paths are under /dev, sysctl keys are namespaced and
 * allowed for the namespaces in use.  Errors name the field. */
__must_check int rootfs_validate(const struct oci_config *cfg, const char *bundle,
				 char **rootfs_out, struct sk_err *e);

/* In the runtime, before the container's user namespace exists: a
 * detached copy (open_tree OPEN_TREE_CLONE, recursive for rbind) of the
 * source of every bind mount of @cfg->mounts then @extra, each fd at or
 * above @min_fd, close-on-exec; -1 where the source cannot be opened
 * (the init then reports it) or the kernel has no open_tree.
 * *fds has n_mounts + n_extra entries (malloc'd). */
__must_check int rootfs_open_bind_sources(const struct oci_config *cfg, const char *bundle,
					  const struct oci_mount *extra, size_t n_extra, int min_fd,
					  int **fds, struct sk_err *e);

/* A container without a new mount namespace (none in the config, or one
 * joined by path) gets no mount at all: nothing may change the host's
 * (or the joined namespace's) mount table.  Fields that need mounts are
 * refused, each naming itself. */
__must_check int rootfs_validate_no_mount_ns(const struct oci_config *cfg, bool joined,
					     struct sk_err *e);
/* Such a container's root: chroot to @rootfs (as runc and crun do
 * without a mount namespace); the cwd becomes its "/". */
__must_check int rootfs_chroot(const char *rootfs, struct sk_err *e);

__must_check int rootfs_prepare(const struct rootfs_ctx *c, struct sk_err *e);
__must_check int rootfs_finalize(const struct rootfs_ctx *c, struct sk_err *e);
__must_check int rootfs_finalize_readonly(const struct rootfs_ctx *c, struct sk_err *e);
__must_check int rootfs_apply_sysctl(const struct oci_config *cfg, struct sk_err *e);

/* After rootfs_finalize, with the pty slave open as @slave_fd: bind it
 * over /dev/console. */
__must_check int rootfs_setup_console(int slave_fd, struct sk_err *e);

/* Before a restore: the targets of the bind mounts of @cfg and @extra in
 * @rootfs, made when missing (a directory for a directory source, else an
 * empty file), as create's init makes them. */
__must_check int rootfs_make_bind_targets(const struct oci_config *cfg, const struct oci_mount *extra,
					  size_t n_extra, const char *rootfs, struct sk_err *e);

/* openat2(dirfd, path, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS) with a
 * fallback for kernels without openat2. */
int rootfs_open_in_root(int rootfd, const char *path, int flags, mode_t mode);

/* ------------------------------------------------------------------
 * Lower level, pure logic (exposed for tests/unit/test_rootfs.c).
 */

#endif

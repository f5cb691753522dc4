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
	const char *bundle;     /* absolute bundle directory */
	const char *rootfs;     /* absolute, symlink-free rootfs path */
	bool no_pivot;          /* --no-pivot: MS_MOVE + chroot */
	bool new_userns;        /* devices are bind-mounted, not mknod'ed */
	bool new_netns;         /* sysfs may be mounted fresh only with a new netns */
	bool new_cgroupns;
	const struct oci_mount *extra;  /* mounts skiff adds (resolv.conf, hosts) */
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
int rootfs_validate(const struct oci_config *cfg, const char *bundle, char **rootfs_out,
		    struct sk_err *e);

/* In the runtime, before the container's user namespace exists: a
 * detached copy (open_tree OPEN_TREE_CLONE, recursive for rbind) of the
 * source of every bind mount of @cfg->mounts then @extra, each fd at or
 * above @min_fd, close-on-exec; -1 where the source cannot be opened
 * (the init then reports it) or the kernel has no open_tree.
 * *fds has n_mounts + n_extra entries (malloc'd). */
int rootfs_open_bind_sources(const struct oci_config *cfg, const char *bundle,
			     const struct oci_mount *extra, size_t n_extra, int min_fd, int **fds,
			     struct sk_err *e);

/* A container without a new mount namespace (none in the config, or one
 * joined by path) gets no mount at all: nothing may change the host's
 * (or the joined namespace's) mount table.  Fields that need mounts are
 * refused, each naming itself. */
int rootfs_validate_no_mount_ns(const struct oci_config *cfg, bool joined, struct sk_err *e);
/* Such a container's root: chroot to @rootfs (as runc and crun do
 * without a mount namespace); the cwd becomes its "/". */
int rootfs_chroot(const char *rootfs, struct sk_err *e);

int rootfs_prepare(const struct rootfs_ctx *c, struct sk_err *e);
int rootfs_finalize(const struct rootfs_ctx *c, struct sk_err *e);
int rootfs_finalize_readonly(const struct rootfs_ctx *c, struct sk_err *e);
int rootfs_apply_sysctl(const struct oci_config *cfg, struct sk_err *e);

/* After rootfs_finalize, with the pty slave open as @slave_fd: bind it
 * over /dev/console. */
int rootfs_setup_console(int slave_fd, struct sk_err *e);

/* openat2(dirfd, path, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS) with a
 * fallback for kernels without openat2. */
int rootfs_open_in_root(int rootfd, const char *path, int flags, mode_t mode);

/* ------------------------------------------------------------------
 * Lower level, pure logic (exposed for tests/unit/test_rootfs.c).
 */

/* What a mount entry is, from its type and its bind/rbind options. */
enum rootfs_mount_kind {
	ROOTFS_MNT_BIND,
	ROOTFS_MNT_TMPFS,
	ROOTFS_MNT_PROC,
	ROOTFS_MNT_SYSFS,
	ROOTFS_MNT_MQUEUE,
	ROOTFS_MNT_DEVPTS,
	ROOTFS_MNT_CGROUP,   /* "cgroup": v1 hierarchies or cgroup2, as the host has */
	ROOTFS_MNT_OTHER,    /* any other type, handed to mount(2) as is */
};

#define ROOTFS_MAX_PROPAGATION 8

/* The options of one mount, parsed. */
struct rootfs_mount_opts {
	enum rootfs_mount_kind kind;
	unsigned long flags;      /* MS_* for mount(2): no MS_BIND/MS_REC/propagation */
	unsigned long clr_flags;  /* MS_* explicitly cleared ("rw", "suid", ...) */
	bool rbind;               /* recursive bind (kind == ROOTFS_MNT_BIND) */
	unsigned long propagation[ROOTFS_MAX_PROPAGATION]; /* MS_SHARED[|MS_REC]..., in order */
	size_t n_propagation;
	uint64_t rec_attr_set;    /* MOUNT_ATTR_* set with AT_RECURSIVE ("rro", "rnosuid") */
	uint64_t rec_attr_clr;    /* MOUNT_ATTR_* cleared with AT_RECURSIVE ("rrw", ...) */
	bool tmpcopyup;           /* copy the directory's contents into the tmpfs */
	char *data;               /* filesystem options, comma separated; NULL when none */
};

/* Parse m->options (each element may itself be "a,b").  @what names the
 * mount in errors ("mounts[3]").  Unknown option: error naming it. */
int rootfs_parse_mount_opts(const struct oci_mount *m, const char *what,
			    struct rootfs_mount_opts *o, struct sk_err *e);
void rootfs_mount_opts_free(struct rootfs_mount_opts *o);

/* Lexically clean @path as an absolute path below "/": duplicate slashes
 * and "." go, ".." never climbs above "/".  "../../etc" -> "/etc".
 * Returns malloc'd string. */
char *rootfs_clean_path(const char *path);

/* Checks done by rootfs_validate, one field each. */
int rootfs_validate_mount(const struct oci_mount *m, const char *what, struct sk_err *e);
int rootfs_validate_device(const struct oci_device *d, size_t idx, struct sk_err *e);
int rootfs_validate_sysctl(const struct oci_config *cfg, struct sk_err *e);

/* The userspace fallback of rootfs_open_in_root (kernels without
 * openat2): a walk one component at a time, symlinks re-rooted at
 * @rootfd, ".." stopping there. */
int rootfs_open_in_root_walk(int rootfd, const char *path, int flags, mode_t mode);

/* mkdir -p @path inside @rootfd (symlinks resolved inside the root);
 * returns an O_PATH fd of the directory or -errno (with @e filled). */
int rootfs_mkdir_in_root(int rootfd, const char *path, mode_t mode, struct sk_err *e);
/* Make sure @path exists inside @rootfd: an existing object is kept, a
 * missing one is created as an empty regular file (parents mkdir -p).
 * Returns an O_PATH fd of it or -errno. */
int rootfs_touch_in_root(int rootfd, const char *path, mode_t mode, struct sk_err *e);

#endif

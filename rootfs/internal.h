/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * internal.h - (internal to rootfs/) helpers shared by the files of this
 * folder: raw syscalls of the new mount API, mountinfo parsing, the
 * per-mount steps.  Other folders include rootfs.h only.
 */
#ifndef SKIFF_ROOTFS_INTERNAL_H
#define SKIFF_ROOTFS_INTERNAL_H

#include "rootfs.h"

#include <sys/mount.h>
#include <sys/syscall.h>

/* What a mount entry is, from its type and its bind/rbind options. */
enum rootfs_mount_kind {
	ROOTFS_MNT_BIND,
	ROOTFS_MNT_TMPFS,
	ROOTFS_MNT_PROC,
	ROOTFS_MNT_SYSFS,
	ROOTFS_MNT_MQUEUE,
	ROOTFS_MNT_DEVPTS,
	ROOTFS_MNT_CGROUP, /* "cgroup": v1 hierarchies or cgroup2, as the host has */
	ROOTFS_MNT_OTHER,  /* any other type, handed to mount(2) as is */
};
#define ROOTFS_MAX_PROPAGATION 8
/* The options of one mount, parsed. */
struct rootfs_mount_opts {
	enum rootfs_mount_kind kind;
	unsigned long flags;	 /* MS_* for mount(2): no MS_BIND/MS_REC/propagation */
	unsigned long clr_flags; /* MS_* explicitly cleared ("rw", "suid", ...) */
	bool rbind;		 /* recursive bind (kind == ROOTFS_MNT_BIND) */
	unsigned long propagation[ROOTFS_MAX_PROPAGATION]; /* MS_SHARED[|MS_REC]..., in order */
	size_t n_propagation;
	uint64_t rec_attr_set; /* MOUNT_ATTR_* set with AT_RECURSIVE ("rro", "rnosuid") */
	uint64_t rec_attr_clr; /* MOUNT_ATTR_* cleared with AT_RECURSIVE ("rrw", ...) */
	bool tmpcopyup;	       /* copy the directory's contents into the tmpfs */
	char *data;	       /* filesystem options, comma separated; NULL when none */
};
/* Parse m->options (each element may itself be "a,b").  @what names the
 * mount in errors ("mounts[3]").  Unknown option: error naming it. */
__must_check int rootfs_parse_mount_opts(const struct oci_mount *m, const char *what,
					 struct rootfs_mount_opts *o, struct sk_err *e);
void rootfs_mount_opts_free(struct rootfs_mount_opts *o);
/* Lexically clean @path as an absolute path below "/": duplicate slashes
 * and "." go, ".." never climbs above "/".  "../../etc" -> "/etc".
 * Returns malloc'd string. */
char *rootfs_clean_path(const char *path);
/* Checks done by rootfs_validate, one field each. */
__must_check int rootfs_validate_mount(const struct oci_mount *m, const char *what, struct sk_err *e);
__must_check int rootfs_validate_device(const struct oci_device *d, size_t idx, struct sk_err *e);
__must_check int rootfs_validate_sysctl(const struct oci_config *cfg, struct sk_err *e);
/* The userspace fallback of rootfs_open_in_root (kernels without
 * openat2): a walk one component at a time, symlinks re-rooted at
 * @rootfd, ".." stopping there. */
int rootfs_open_in_root_walk(int rootfd, const char *path, int flags, mode_t mode);
/* mkdir -p @path inside @rootfd (symlinks resolved inside the root);
 * returns an O_PATH fd of the directory or -errno (with @e filled). */
__must_check int rootfs_mkdir_in_root(int rootfd, const char *path, mode_t mode, struct sk_err *e);
/* Make sure @path exists inside @rootfd: an existing object is kept, a
 * missing one is created as an empty regular file (parents mkdir -p).
 * Returns an O_PATH fd of it or -errno. */
__must_check int rootfs_touch_in_root(int rootfd, const char *path, mode_t mode, struct sk_err *e);

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

/* struct mount_attr of the kernel, under our own name so that it never
 * clashes with the C library's or <linux/mount.h>'s. */
struct sk_mount_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};

#define SK_MOUNT_ATTR_RDONLY 0x00000001
#define SK_MOUNT_ATTR_NOSUID 0x00000002
#define SK_MOUNT_ATTR_NODEV 0x00000004
#define SK_MOUNT_ATTR_NOEXEC 0x00000008
#define SK_MOUNT_ATTR__ATIME 0x00000070
#define SK_MOUNT_ATTR_RELATIME 0x00000000
#define SK_MOUNT_ATTR_NOATIME 0x00000010
#define SK_MOUNT_ATTR_STRICTATIME 0x00000020
#define SK_MOUNT_ATTR_NODIRATIME 0x00000080
#define SK_MOUNT_ATTR_NOSYMFOLLOW 0x00200000

static inline int sk_open_tree(int dfd, const char *path, unsigned int flags)
{
	return (int)syscall(SYS_open_tree, dfd, path, flags);
}
static inline int sk_move_mount(int from_dfd, const char *from, int to_dfd, const char *to,
				unsigned int flags)
{
	return (int)syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}
static inline int sk_mount_setattr(int dfd, const char *path, unsigned int flags,
				   struct sk_mount_attr *a)
{
	return (int)syscall(SYS_mount_setattr, dfd, path, flags, a, sizeof(*a));
}

/* "/proc/self/fd/N" into @buf (at least 32 bytes). */
static inline const char *sk_fdpath(char *buf, size_t n, int fd)
{
	snprintf(buf, n, "/proc/self/fd/%d", fd);
	return buf;
}

/* One line of /proc/self/mountinfo. */
struct rootfs_mi {
	int id;		  /* the mount ID (statx's stx_mnt_id) */
	char *root;	  /* root of the mount inside its filesystem */
	char *mountpoint; /* unescaped */
	char *optional;	  /* "shared:1 master:2", may be "" */
	char *fstype;
	char *source;
	char *super_opts;
};
/* Parse the whole file; *out is an array of *n entries. */
__must_check int rootfs_mountinfo_read(struct rootfs_mi **out, size_t *n, struct sk_err *e);
void rootfs_mountinfo_free(struct rootfs_mi *v, size_t n);

/* readonlyPaths / maskedPaths before they are mounted (pathplan.c). */
struct rootfs_path_plan {
	char **canon; /* realpath of each entry inside the root, or NULL */
	bool *skip;   /* an earlier entry names the same place */
	bool *below;  /* a mount lies beneath it when its turn comes (or NULL) */
	size_t n;
	struct rootfs_mi *mi; /* the mounts below was computed from */
	size_t nmi;
};
/* Resolve @paths (after the pivot); @want_below: also fill below and mi
 * from /proc/self/mountinfo (below all true when it cannot be read). */
void rootfs_path_plan(char *const *paths, size_t n, bool want_below, struct rootfs_path_plan *p);
void rootfs_path_plan_free(struct rootfs_path_plan *p);
/* The pure part: skip[i] when canon[i] equals an earlier non-NULL canon;
 * below[i] (if @below) when a string of @mnts, or canon[j] of an earlier
 * entry j that is not skipped, starts with canon[i] + "/"; true for a NULL
 * canon[i] and for all when @mnts is NULL (unknown). */
void rootfs_plan_compute(char *const *canon, size_t n, char *const *mnts, size_t nm, bool *skip,
			 bool *below);

/* linux.readonlyPaths after the pivot (readonly.c): each bound onto
 * itself read-only, in order; a missing one is skipped. */
__must_check int rootfs_readonly_paths(char *const *paths, size_t n, struct sk_err *e);

/* Option names (optmap.c).  A generic VFS option: its MS_* flag, and
 * whether it clears it ("rw", "exec", ...); -ENOENT for any other name. */
int rootfs_vfs_option(const char *opt, unsigned long *flag, bool *invert);
/* An option only mount(8) uses (x-*, nofail, defaults, comment=...). */
bool rootfs_userspace_option(const char *opt);
/* The next option of a comma-separated string (double quotes protect
 * commas): its name and value (NULL without '='); *optstr moves past it.
 * 0, 1 at the end, -EINVAL for an unterminated quote. */
int rootfs_optstr_next(const char **optstr, const char **name, size_t *nsz, const char **value,
		       size_t *vsz);

/* "rslave" -> MS_SLAVE|MS_REC; -EINVAL when unknown (mountopt.c). */
int rootfs_propagation_from_name(const char *name, unsigned long *flags);

/* Per-mount work (mount.c). @rootfd: O_PATH fd of the rootfs bind mount. */
__must_check int rootfs_do_mount(const struct rootfs_ctx *c, int rootfd, const struct oci_mount *m,
				 int srcfd, const char *what, struct sk_err *e);
/* Remount the mount whose root is @path (a path or /proc/self/fd/N) with
 * MS_BIND|MS_REMOUNT|@flags, keeping the locked nosuid/nodev/noexec. */
__must_check int rootfs_remount_bind(const char *path, unsigned long flags, struct sk_err *e);
/* Bind @hostpath (rbind when @rec) onto @p (the opened destination @dest,
 * as /proc/self/fd/N), then remount it with @flags when any. */
__must_check int rootfs_bind_remount(int rootfd, const char *p, const char *hostpath,
				     const char *dest, bool rec, unsigned long flags,
				     const char *what, struct sk_err *e);

/* cgroup mounts (cgroupmnt.c). @dstfd: O_PATH of the destination dir. */
__must_check int rootfs_mount_cgroup(const struct rootfs_ctx *c, int rootfd, const char *dest,
				     const struct rootfs_mount_opts *o, const char *what,
				     struct sk_err *e);

/* Copy the tree below @srcfd into @dstfd (tmpcopyup). */
__must_check int rootfs_copy_tree(int srcfd, int dstfd, struct sk_err *e);

/* /dev (dev.c). */
bool rootfs_needs_dev_setup(const struct rootfs_ctx *c);
__must_check int rootfs_setup_dev(const struct rootfs_ctx *c, int rootfd, struct sk_err *e);

/* sysctl (sysctl.c): write the values, skipping equal ones. */
__must_check int rootfs_write_sysctls(const struct oci_config *cfg, int procsysfd, struct sk_err *e);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * finalize.c - rootfs_finalize: into the rootfs (pivot_root, or MS_MOVE +
 * chroot with --no-pivot), sysctls, readonlyPaths, maskedPaths; then,
 * once the console exists, rootfs_finalize_readonly: a read-only /dev and
 * root, then the root's propagation.  After the pivot
 * every path is resolved inside the container's root, so no symlink can
 * lead out of it.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

static int do_pivot(const char *rootfs, struct sk_err *e)
{
	_cleanup_close_ int oldroot = -1, newroot = -1;

	oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (oldroot < 0)
		return sk_err_sys(e, errno, "open /");
	newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (newroot < 0)
		return sk_err_sys(e, errno, "open %s", rootfs);
	if (fchdir(newroot) < 0)
		return sk_err_sys(e, errno, "chdir %s", rootfs);
	/* new root and put_old the same directory: the old root ends up
	 * stacked on top of "/", to be detached at once (no temp dir). */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return sk_err_sys(e, errno, "pivot_root %s", rootfs);
	if (fchdir(oldroot) < 0)
		return sk_err_sys(e, errno, "chdir to the old root");
	/* so that the unmount below never propagates to the host */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return sk_err_sys(e, errno, "make the old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return sk_err_sys(e, errno, "detach the old root");
	if (chdir("/") < 0)
		return sk_err_sys(e, errno, "chdir /");
	return 0;
}

/* Is @path @dir or below it? */
static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/' || n == 1);
}

/* --no-pivot leaves every mount of the host in the container's mount
 * namespace, under the moved rootfs.  A whole proc or sysfs among them is
 * what lets the kernel allow a fresh, unmasked proc or sysfs mount in the
 * container's user namespace: detach them all (or cover them with an
 * empty tmpfs when that is refused), as runc does. */
static int drop_host_proc_sys(const char *rootfs, struct sk_err *e)
{
	struct rootfs_mi *v = NULL;
	size_t n = 0;
	int r;

	r = rootfs_mountinfo_read(&v, &n, e);
	if (r < 0)
		return sk_err_prefix(e, "--no-pivot: mounts");
	for (size_t i = n; i-- > 0 && r == 0;) {
		const char *mp = v[i].mountpoint;

		if (strcmp(v[i].root, "/") ||
		    (strcmp(v[i].fstype, "proc") && strcmp(v[i].fstype, "sysfs")) ||
		    path_under(mp, rootfs))
			continue;
		/* the unmount must not propagate to the host */
		if (mount(NULL, mp, NULL, MS_SLAVE | MS_REC, NULL) < 0) {
			if (errno == ENOENT || errno == EINVAL)
				continue; /* gone with a mount above it */
			r = sk_err_sys(e, errno, "--no-pivot: make %s rslave", mp);
			break;
		}
		if (umount2(mp, MNT_DETACH) == 0)
			continue;
		if ((errno == EINVAL || errno == EPERM) &&
		    mount("tmpfs", mp, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=4k,mode=0") == 0)
			continue;
		r = sk_err_sys(e, errno, "--no-pivot: hide the host's %s %s", v[i].fstype, mp);
	}
	rootfs_mountinfo_free(v, n);
	return r;
}

/* chroot to the working directory (@rootfs) and go to its /. */
static int chroot_here(const char *rootfs, struct sk_err *e)
{
	if (chroot(".") < 0)
		return sk_err_sys(e, errno, "chroot %s", rootfs);
	if (chdir("/") < 0)
		return sk_err_sys(e, errno, "chdir /");
	return 0;
}

static int do_move_root(const char *rootfs, struct sk_err *e)
{
	int r = drop_host_proc_sys(rootfs, e);

	if (r < 0)
		return r;
	if (chdir(rootfs) < 0)
		return sk_err_sys(e, errno, "chdir %s", rootfs);
	if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		return sk_err_sys(e, errno, "move %s to /", rootfs);
	return chroot_here(rootfs, e);
}

int rootfs_chroot(const char *rootfs, struct sk_err *e)
{
	_cleanup_close_ int fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return sk_err_sys(e, errno, "root.path: open %s", rootfs);
	if (fchdir(fd) < 0)
		return sk_err_sys(e, errno, "root.path: chdir %s", rootfs);
	if (chroot_here(rootfs, e) < 0)
		return sk_err_prefix(e, "root.path");
	return 0;
}

static int mask_path(const char *path, size_t i, struct sk_err *e)
{
	if (mount("/dev/null", path, NULL, MS_BIND, NULL) == 0)
		return 0;
	if (errno == ENOENT)
		return 0;
	if (errno == ENOTDIR) {
		/* a directory: an empty read-only tmpfs over it */
		if (mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL) == 0)
			return 0;
	}
	return sk_err_sys(e, errno, "linux.maskedPaths[%zu]: mask %s", i, path);
}

/* readonlyPaths (readonly.c), then maskedPaths: each place once
 * (pathplan.c).  A duplicate stacked N times made every later mount on
 * that point walk the stack: 10,000 copies of /proc/sys took 6.3 s, now
 * one mount. */
static int mount_paths(const struct oci_config *cfg, struct sk_err *e)
{
	struct rootfs_path_plan mk = { 0 };
	int r;

	r = rootfs_readonly_paths(cfg->lnx.readonly_paths, cfg->lnx.n_readonly_paths, e);
	if (r < 0)
		return r;
	if (cfg->lnx.n_masked_paths) {
		rootfs_path_plan(cfg->lnx.masked_paths, cfg->lnx.n_masked_paths, false, &mk);
		for (size_t i = 0; r == 0 && i < mk.n; i++)
			if (!mk.skip[i])
				r = mask_path(cfg->lnx.masked_paths[i], i, e);
		rootfs_path_plan_free(&mk);
	}
	return r;
}

/* runc fills a read-only /dev first and makes it read-only at the end. */
static bool dev_readonly(const struct rootfs_ctx *c, unsigned long *flags)
{
	for (size_t k = 0; k < 2; k++) {
		const struct oci_mount *v = k ? c->extra : c->cfg->mounts;
		size_t n = k ? c->n_extra : c->cfg->n_mounts;
		for (size_t i = 0; i < n; i++) {
			_cleanup_free_ char *d = rootfs_clean_path(v[i].destination);
			struct rootfs_mount_opts o;
			bool ro;
			if (strcmp(d, "/dev") || rootfs_parse_mount_opts(&v[i], "", &o, NULL) < 0)
				continue;
			ro = o.kind != ROOTFS_MNT_BIND && (o.flags & MS_RDONLY);
			*flags = o.flags;
			rootfs_mount_opts_free(&o);
			if (ro)
				return true;
		}
	}
	return false;
}

int rootfs_finalize(const struct rootfs_ctx *c, struct sk_err *e)
{
	const struct oci_config *cfg = c->cfg;
	int r;

	r = c->no_pivot ? do_move_root(c->rootfs, e) : do_pivot(c->rootfs, e);
	if (r < 0)
		return sk_err_prefix(e, "root.path");

	/* before readonlyPaths: /proc/sys is usually one of them */
	if (cfg->lnx.n_sysctl) {
		r = rootfs_apply_sysctl(cfg, e);
		if (r < 0)
			return r;
	}
	return mount_paths(cfg, e);
}

int rootfs_finalize_readonly(const struct rootfs_ctx *c, struct sk_err *e)
{
	const struct oci_config *cfg = c->cfg;
	unsigned long flags = 0;

	if (dev_readonly(c, &flags) && rootfs_remount_bind("/dev", flags, e) < 0)
		return sk_err_prefix(e, "read-only /dev");
	if (cfg->root_readonly && rootfs_remount_bind("/", MS_RDONLY, e) < 0)
		return sk_err_prefix(e, "root.readonly");
	if (cfg->lnx.rootfs_propagation) {
		unsigned long prop;
		if (rootfs_propagation_from_name(cfg->lnx.rootfs_propagation, &prop) == 0 &&
		    !(prop & MS_PRIVATE) && mount(NULL, "/", NULL, prop, NULL) < 0)
			return sk_err_sys(e, errno, "linux.rootfsPropagation: %s on /",
					  cfg->lnx.rootfs_propagation);
	}
	return 0;
}

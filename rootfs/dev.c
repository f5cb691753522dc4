/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dev.c - the container's /dev: default device nodes (null, zero, full,
 * random, urandom, tty) unless linux.devices overrides them, the
 * linux.devices nodes (mknod, or a bind of the host's node in a user
 * namespace where mknod is refused), /dev/ptmx -> pts/ptmx, the standard
 * symlinks and, later, /dev/console.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static const struct oci_device default_devices[] = {
	{ .path = "/dev/null", .type = 'c', .major = 1, .minor = 3 },
	{ .path = "/dev/zero", .type = 'c', .major = 1, .minor = 5 },
	{ .path = "/dev/full", .type = 'c', .major = 1, .minor = 7 },
	{ .path = "/dev/random", .type = 'c', .major = 1, .minor = 8 },
	{ .path = "/dev/urandom", .type = 'c', .major = 1, .minor = 9 },
	{ .path = "/dev/tty", .type = 'c', .major = 5, .minor = 0 },
};

static const char *const dev_symlinks[][2] = {
	{ "/proc/self/fd", "fd" },
	{ "/proc/self/fd/0", "stdin" },
	{ "/proc/self/fd/1", "stdout" },
	{ "/proc/self/fd/2", "stderr" },
};

static bool is_dev_bind(const struct oci_mount *m)
{
	_cleanup_free_ char *d = rootfs_clean_path(m->destination);
	struct rootfs_mount_opts o;
	bool r;

	if (strcmp(d, "/dev"))
		return false;
	if (rootfs_parse_mount_opts(m, "mount", &o, NULL) < 0)
		return false;
	r = o.kind == ROOTFS_MNT_BIND;
	rootfs_mount_opts_free(&o);
	return r;
}

bool rootfs_needs_dev_setup(const struct rootfs_ctx *c)
{
	for (size_t i = 0; i < c->cfg->n_mounts; i++)
		if (is_dev_bind(&c->cfg->mounts[i]))
			return false;
	for (size_t i = 0; i < c->n_extra; i++)
		if (is_dev_bind(&c->extra[i]))
			return false;
	return true;
}

static int create_device(const struct rootfs_ctx *c, int rootfd, const struct oci_device *d,
			 struct sk_err *e)
{
	_cleanup_free_ char *path = rootfs_clean_path(d->path);
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int dfd = -1;
	char *slash = strrchr(path, '/');
	const char *name = slash + 1;
	mode_t perm = d->has_file_mode ? (d->file_mode & 07777) : 0666;
	mode_t type;

	switch (d->type) {
	case 'b':
		type = S_IFBLK;
		break;
	case 'p':
		type = S_IFIFO;
		break;
	default:
		type = S_IFCHR;
		break;
	}
	if (c->new_userns) {
		/* mknod is refused in a user namespace: bind the host's node */
		_cleanup_close_ int fd = rootfs_touch_in_root(rootfd, path, 0000, e);
		char p[64];
		if (fd < 0)
			return fd;
		if (mount(d->path, sk_fdpath(p, sizeof(p), fd), NULL, MS_BIND, NULL) < 0)
			return sk_err_sys(e, errno, "bind host device %s", d->path);
		return 0;
	}
	dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return sk_err_set(e, ENOMEM, "out of memory");
	dfd = rootfs_mkdir_in_root(rootfd, *dir ? dir : "/", 0755, e);
	if (dfd < 0)
		return dfd;
	if (mknodat(dfd, name, type | perm, makedev(d->major, d->minor)) < 0) {
		if (errno == EEXIST)
			return 0; /* as runc: an existing node is kept */
		return sk_err_sys(e, errno, "mknod %s", path);
	}
	/* mknod is subject to the umask; the fd-less *at calls below never
	 * follow a symlink (mknodat just created a node, not a link). */
	if (fchownat(dfd, name, d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0,
		     AT_SYMLINK_NOFOLLOW) < 0)
		return sk_err_sys(e, errno, "chown %s", path);
	{
		_cleanup_close_ int nfd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		char p[64];
		if (nfd < 0 || chmod(sk_fdpath(p, sizeof(p), nfd), perm) < 0)
			return sk_err_sys(e, errno, "chmod %s", path);
	}
	return 0;
}

static bool overridden(const struct oci_config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->lnx.n_devices; i++) {
		_cleanup_free_ char *p = rootfs_clean_path(cfg->lnx.devices[i].path);
		if (!strcmp(p, path))
			return true;
	}
	return false;
}

int rootfs_setup_dev(const struct rootfs_ctx *c, int rootfd, struct sk_err *e)
{
	_cleanup_close_ int devfd = -1;
	struct stat st;
	int r;

	for (size_t i = 0; i < sizeof(default_devices) / sizeof(default_devices[0]); i++) {
		if (overridden(c->cfg, default_devices[i].path))
			continue;
		r = create_device(c, rootfd, &default_devices[i], e);
		if (r < 0)
			return sk_err_prefix(e, "default device %s", default_devices[i].path);
	}
	for (size_t i = 0; i < c->cfg->lnx.n_devices; i++) {
		r = create_device(c, rootfd, &c->cfg->lnx.devices[i], e);
		if (r < 0)
			return sk_err_prefix(e, "linux.devices[%zu]", i);
	}

	devfd = rootfs_mkdir_in_root(rootfd, "/dev", 0755, e);
	if (devfd < 0)
		return devfd;
	/* /dev/ptmx -> pts/ptmx: the devpts instance of the container */
	if (unlinkat(devfd, "ptmx", 0) < 0 && errno != ENOENT)
		return sk_err_sys(e, errno, "remove /dev/ptmx");
	if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
		return sk_err_sys(e, errno, "symlink /dev/ptmx");
	for (size_t i = 0; i < sizeof(dev_symlinks) / sizeof(dev_symlinks[0]); i++)
		if (symlinkat(dev_symlinks[i][0], devfd, dev_symlinks[i][1]) < 0 && errno != EEXIST)
			return sk_err_sys(e, errno, "symlink /dev/%s", dev_symlinks[i][1]);
	if (stat("/proc/kcore", &st) == 0 && symlinkat("/proc/kcore", devfd, "core") < 0 &&
	    errno != EEXIST)
		return sk_err_sys(e, errno, "symlink /dev/core");
	return 0;
}

int rootfs_setup_console(int slave_fd, struct sk_err *e)
{
	_cleanup_close_ int fd = -1, tree = -1;
	char link[64], pts[PATH_MAX];
	ssize_t n;

	fd = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EEXIST && errno != ENXIO && errno != ENODEV)
		return sk_err_sys(e, errno, "create /dev/console");
	/* the new mount API binds the fd itself, no path involved */
	tree = sk_open_tree(slave_fd, "", OPEN_TREE_CLONE | O_CLOEXEC | AT_EMPTY_PATH);
	if (tree >= 0 &&
	    sk_move_mount(tree, "", AT_FDCWD, "/dev/console", MOVE_MOUNT_F_EMPTY_PATH) == 0)
		return 0;
	/* older kernels, or a pty from another mount namespace: its path */
	n = readlink(sk_fdpath(link, sizeof(link), slave_fd), pts, sizeof(pts) - 1);
	if (n < 0)
		return sk_err_sys(e, errno, "console: readlink %s", link);
	pts[n] = '\0';
	if (mount(pts, "/dev/console", NULL, MS_BIND, NULL) < 0)
		return sk_err_sys(e, errno, "bind %s on /dev/console", pts);
	return 0;
}

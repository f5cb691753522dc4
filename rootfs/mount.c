/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mount.c - one entry of "mounts" done inside the rootfs: the destination
 * is created and opened inside the rootfs (openat2 RESOLVE_IN_ROOT) and
 * the mount goes onto that fd through /proc/self/fd/N, so that no
 * symlink of the image can redirect it to the host.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#define ATIME_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME | MS_NODIRATIME)

int rootfs_remount_bind(const char *path, unsigned long flags, struct sk_err *e)
{
	struct statvfs sv;

	/* A remount replaces all per-mount flags; the ones inherited from a
	 * more privileged mount namespace are locked and must be kept. */
	if (statvfs(path, &sv) == 0) {
		flags |= sv.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC);
		if (!(flags & ATIME_FLAGS))
			flags |= sv.f_flag & (ST_NOATIME | ST_NODIRATIME | ST_RELATIME);
	}
	if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0)
		return sk_err_sys(e, errno, "remount %s", path);
	return 0;
}

/* Set the propagation types and recursive attributes on the mount whose
 * root is @fd. */
static int finish_mount(int fd, const struct rootfs_mount_opts *o, const char *what,
			const char *dest, struct sk_err *e)
{
	char p[64];

	sk_fdpath(p, sizeof(p), fd);
	for (size_t i = 0; i < o->n_propagation; i++)
		if (mount(NULL, p, NULL, o->propagation[i], NULL) < 0)
			return sk_err_sys(e, errno, "%s: set propagation of %s", what, dest);
	if (o->rec_attr_set || o->rec_attr_clr) {
		struct sk_mount_attr a = { .attr_set = o->rec_attr_set, .attr_clr = o->rec_attr_clr };
		if (sk_mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a) < 0)
			return sk_err_sys(e, errno, "%s: recursive mount attributes on %s", what,
					  dest);
	}
	return 0;
}

static char *bind_source(const struct rootfs_ctx *c, const char *src)
{
	if (src[0] == '/' || !c->bundle)
		return sk_xstrdup(src);
	return sk_xasprintf("%s/%s", c->bundle, src);
}

static int mount_bind(const struct rootfs_ctx *c, int rootfd, const struct oci_mount *m, int srcfd,
		      const char *dest, const struct rootfs_mount_opts *o, const char *what,
		      struct sk_err *e)
{
	_cleanup_free_ char *src = bind_source(c, m->source);
	_cleanup_close_ int dfd = -1, nfd = -1;
	struct stat st;
	char p[64];

	if ((srcfd >= 0 ? fstat(srcfd, &st) : stat(src, &st)) < 0)
		return sk_err_sys(e, errno, "%s: source %s", what, src);
	if (S_ISDIR(st.st_mode))
		dfd = rootfs_mkdir_in_root(rootfd, dest, 0755, e);
	else
		dfd = rootfs_touch_in_root(rootfd, dest, 0644, e);
	if (dfd < 0)
		return sk_err_prefix(e, "%s", what);
	if (srcfd >= 0) {
		/* the runtime's copy of the source: no path lookup here */
		if (sk_move_mount(srcfd, "", dfd, "",
				  MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return sk_err_sys(e, errno, "%s: bind %s on %s", what, src, dest);
	} else if (mount(src, sk_fdpath(p, sizeof(p), dfd), NULL, MS_BIND | (o->rbind ? MS_REC : 0),
			 NULL) < 0) {
		return sk_err_sys(e, errno, "%s: bind %s on %s", what, src, dest);
	}
	nfd = rootfs_open_in_root(rootfd, dest, O_PATH, 0);
	if (nfd < 0)
		return sk_err_sys(e, nfd, "%s: reopen %s", what, dest);
	sk_fdpath(p, sizeof(p), nfd);
	if (o->flags) {
		int r = rootfs_remount_bind(p, o->flags, e);
		if (r < 0)
			return sk_err_prefix(e, "%s: %s", what, dest);
	}
	return finish_mount(nfd, o, what, dest, e);
}

int rootfs_bind_remount(int rootfd, const char *p, const char *hostpath, const char *dest, bool rec,
			unsigned long flags, const char *what, struct sk_err *e)
{
	_cleanup_close_ int nfd = -1;
	char np[64];

	if (mount(hostpath, p, NULL, MS_BIND | (rec ? MS_REC : 0), NULL) < 0)
		return sk_err_sys(e, errno, "%s: bind %s on %s", what, hostpath, dest);
	if (!flags)
		return 0;
	nfd = rootfs_open_in_root(rootfd, dest, O_PATH, 0);
	if (nfd < 0)
		return sk_err_sys(e, nfd, "%s: reopen %s", what, dest);
	if (rootfs_remount_bind(sk_fdpath(np, sizeof(np), nfd), flags, e) < 0)
		return sk_err_prefix(e, "%s: %s", what, dest);
	return 0;
}

/* Bind @hostpath (rbind when @rec) onto @dest, remounting with the flags. */
static int bind_host(int rootfd, const char *hostpath, const char *dest, bool rec,
		     unsigned long flags, const char *what, struct sk_err *e)
{
	_cleanup_close_ int dfd = rootfs_mkdir_in_root(rootfd, dest, 0755, e);
	char p[64];

	if (dfd < 0)
		return sk_err_prefix(e, "%s", what);
	return rootfs_bind_remount(rootfd, sk_fdpath(p, sizeof(p), dfd), hostpath, dest, rec, flags,
				   what, e);
}

/* Mount data less its gid=N option (malloc'd). */
static char *without_gid(const char *data)
{
	char *out = sk_xstrdup(data), *w = out;

	for (const char *r = data; *r;) {
		size_t n = strcspn(r, ",");
		if (strncmp(r, "gid=", 4)) {
			if (w != out)
				*w++ = ',';
			memcpy(w, r, n);
			w += n;
		}
		r += n + (r[n] == ',');
	}
	*w = '\0';
	return out;
}

static int mount_fs(const struct rootfs_ctx *c, int rootfd, const struct oci_mount *m,
		    const char *dest, const struct rootfs_mount_opts *o, const char *what,
		    struct sk_err *e)
{
	_cleanup_close_ int dfd = -1, nfd = -1, olddir = -1;
	const char *type = m->type;
	const char *src = m->source && *m->source ? m->source : type;
	unsigned long flags = o->flags;
	char p[64];
	int r;

	if (o->kind == ROOTFS_MNT_PROC || o->kind == ROOTFS_MNT_SYSFS) {
		/* as runc: proc and sysfs only on an ordinary directory (never
		 * through a symlink of the image, nor over a file) */
		_cleanup_close_ int lfd = rootfs_open_in_root(rootfd, dest, O_PATH | O_NOFOLLOW, 0);
		struct stat st;
		if (lfd >= 0 && fstat(lfd, &st) == 0 && !S_ISDIR(st.st_mode))
			return sk_err_set(e, ENOTDIR,
					  "%s: %s must be mounted on an ordinary directory (%s in the rootfs is %s)",
					  what, type, dest,
					  S_ISLNK(st.st_mode) ? "a symlink" : "not a directory");
	}
	dfd = rootfs_mkdir_in_root(rootfd, dest, 0755, e);
	if (dfd < 0)
		return sk_err_prefix(e, "%s", what);
	sk_fdpath(p, sizeof(p), dfd);

	if (o->kind == ROOTFS_MNT_SYSFS && !c->new_netns)
		goto bind_sys;
	if (o->kind == ROOTFS_MNT_TMPFS && o->tmpcopyup) {
		/* the fd keeps the covered directory readable after the mount */
		olddir = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (olddir < 0)
			return sk_err_sys(e, errno, "%s: open %s for tmpcopyup", what, dest);
		flags &= ~(unsigned long)MS_RDONLY;
	}
	if (mount(src, p, type, flags, o->data) < 0) {
		r = errno;
		if (o->kind == ROOTFS_MNT_DEVPTS && r == EINVAL && c->new_userns && o->data &&
		    strstr(o->data, "gid=")) {
			/* gid=5 with no gid 5 in the user namespace (rootless,
			 * one mapped id): as crun, devpts without it */
			_cleanup_free_ char *data = without_gid(o->data);
			sk_debug(c->log, "%s: devpts refused gid= (not mapped): mounted without it",
				 what);
			if (mount(src, p, type, flags, data) == 0)
				goto reopen;
		}
		if (o->kind == ROOTFS_MNT_SYSFS && (r == EPERM || r == EBUSY))
			goto bind_sys;
		if (o->kind == ROOTFS_MNT_MQUEUE && (r == EPERM || r == EBUSY)) {
			/* no ipc namespace of our own: runc binds the host's */
			r = bind_host(rootfd, "/dev/mqueue", dest, false, o->flags, what, e);
			if (r < 0)
				return r;
			goto reopen;
		}
		return sk_err_sys(e, r, "%s: mount %s (type %s, options \"%s\") on %s", what, src,
				  type, o->data ? o->data : "", dest);
	}
	if (olddir >= 0) {
		_cleanup_close_ int newdir =
			rootfs_open_in_root(rootfd, dest, O_RDONLY | O_DIRECTORY, 0);
		if (newdir < 0)
			return sk_err_sys(e, newdir, "%s: reopen %s", what, dest);
		r = rootfs_copy_tree(olddir, newdir, e);
		if (r < 0)
			return sk_err_prefix(e, "%s: tmpcopyup %s", what, dest);
		if (o->flags & MS_RDONLY) {
			char np[64];
			nfd = rootfs_open_in_root(rootfd, dest, O_PATH, 0);
			if (nfd < 0)
				return sk_err_sys(e, nfd, "%s: reopen %s", what, dest);
			if (mount(NULL, sk_fdpath(np, sizeof(np), nfd), NULL, MS_REMOUNT | o->flags,
				  o->data) < 0)
				return sk_err_sys(e, errno, "%s: remount %s read-only", what, dest);
		}
	}
	goto reopen;

bind_sys:
	/* without a network namespace of its own, a fresh sysfs would show
	 * the host's network devices (and is refused in a user namespace):
	 * runc binds the host's /sys instead. */
	r = bind_host(rootfd, "/sys", dest, true, o->flags, what, e);
	if (r < 0)
		return r;
reopen:
	if (nfd < 0)
		nfd = rootfs_open_in_root(rootfd, dest, O_PATH, 0);
	if (nfd < 0)
		return sk_err_sys(e, nfd, "%s: reopen %s", what, dest);
	return finish_mount(nfd, o, what, dest, e);
}

int rootfs_open_bind_sources(const struct oci_config *cfg, const char *bundle,
			     const struct oci_mount *extra, size_t n_extra, int min_fd, int **fds,
			     struct sk_err *e)
{
	size_t n = cfg->n_mounts + n_extra;
	int *v = sk_xcalloc(n ? n : 1, sizeof(*v));
	struct rootfs_ctx c = { .bundle = bundle };
	struct rlimit rl;
	/* an fd each, but never all of them: the init needs its own
	 * (thousands of bind mounts under RLIMIT_NOFILE 1024); past the
	 * limit, the init mounts the source by its path */
	long limit = LONG_MAX;
	bool full = false;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)LONG_MAX)
		limit = (long)rl.rlim_cur - 128;

	for (size_t i = 0; i < n; i++)
		v[i] = -1;
	for (size_t i = 0; i < n; i++) {
		const struct oci_mount *m =
			i < cfg->n_mounts ? &cfg->mounts[i] : &extra[i - cfg->n_mounts];
		struct rootfs_mount_opts o;
		_cleanup_free_ char *src = NULL;
		int fd;

		if (rootfs_parse_mount_opts(m, "", &o, NULL) < 0)
			continue; /* the init reports it */
		if (o.kind == ROOTFS_MNT_BIND && m->source && !full) {
			src = bind_source(&c, m->source);
			fd = sk_open_tree(AT_FDCWD, src,
					  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
						  (o.rbind ? AT_RECURSIVE : 0));
			if (fd >= 0 && fd < min_fd) {
				int nfd = fcntl(fd, F_DUPFD_CLOEXEC, min_fd);
				close(fd);
				fd = nfd;
			}
			if (fd >= limit || (fd < 0 && errno == EMFILE)) {
				if (fd >= 0)
					close(fd);
				fd = -1;
				full = true;
			}
			v[i] = fd;
		}
		rootfs_mount_opts_free(&o);
	}
	*fds = v;
	(void)e;
	return 0;
}

int rootfs_do_mount(const struct rootfs_ctx *c, int rootfd, const struct oci_mount *m, int srcfd,
		    const char *what, struct sk_err *e)
{
	_cleanup_free_ char *dest = NULL;
	struct rootfs_mount_opts o;
	int r;

	r = rootfs_parse_mount_opts(m, what, &o, e);
	if (r < 0)
		return r;
	dest = rootfs_clean_path(m->destination);
	/* a read-only /dev is filled first, made read-only by rootfs_finalize */
	if (o.kind != ROOTFS_MNT_BIND && !strcmp(dest, "/dev"))
		o.flags &= ~(unsigned long)MS_RDONLY;
	switch (o.kind) {
	case ROOTFS_MNT_BIND:
		r = mount_bind(c, rootfd, m, srcfd, dest, &o, what, e);
		break;
	case ROOTFS_MNT_CGROUP:
		r = rootfs_mount_cgroup(c, rootfd, dest, &o, what, e);
		if (r == 0) {
			_cleanup_close_ int nfd = rootfs_open_in_root(rootfd, dest, O_PATH, 0);
			if (nfd < 0)
				r = sk_err_sys(e, nfd, "%s: reopen %s", what, dest);
			else
				r = finish_mount(nfd, &o, what, dest, e);
		}
		break;
	default:
		r = mount_fs(c, rootfd, m, dest, &o, what, e);
		break;
	}
	rootfs_mount_opts_free(&o);
	return r;
}

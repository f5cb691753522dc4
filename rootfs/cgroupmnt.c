/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroupmnt.c - a "cgroup" mount entry, as runc does it:
 *   pure cgroup v2 host: a cgroup2 mount (the container's own subtree
 *     when it has a cgroup namespace, also over the host's cgroup2 a
 *     bound /sys brought; a bind of its cgroup when a fresh mount is
 *     refused without one);
 *   v1 / hybrid host: a tmpfs with one directory per hierarchy of the
 *     host, each a fresh mount of that hierarchy with a new cgroup
 *     namespace, otherwise a bind of the container's cgroup directory
 *     (found in /proc/self/cgroup: the init is already in its cgroups).
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* "rw,nosuid,cpu,cpuacct" -> "cpu,cpuacct" (the hierarchy's own options). */
static char *hierarchy_opts(const char *super)
{
	_cleanup_free_ char *copy = sk_xstrdup(super);
	char *save = NULL, *out = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *n;
		if (!strcmp(t, "rw") || !strcmp(t, "ro"))
			continue;
		n = out ? sk_xasprintf("%s,%s", out, t) : sk_xstrdup(t);
		free(out);
		out = n;
	}
	return out ? out : sk_xstrdup("");
}

/* Is every comma-separated word of @a in @b and vice versa? */
static bool same_set(const char *a, const char *b)
{
	for (int pass = 0; pass < 2; pass++) {
		_cleanup_free_ char *copy = sk_xstrdup(pass ? b : a);
		const char *other = pass ? a : b;
		char *save = NULL;
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			size_t n = strlen(t);
			const char *p = other;
			bool found = false;
			while ((p = strstr(p, t))) {
				if ((p == other || p[-1] == ',') && (p[n] == ',' || !p[n])) {
					found = true;
					break;
				}
				p += n;
			}
			if (!found)
				return false;
		}
	}
	return true;
}

/* The container's cgroup path in the hierarchy whose controllers are
 * @ctrls ("" for cgroup2), from /proc/self/cgroup. */
static char *own_cgroup(const char *proc_cgroup, const char *ctrls, bool v2)
{
	_cleanup_free_ char *copy = sk_xstrdup(proc_cgroup);
	char *save = NULL;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2;
		if (!c1 || !(c2 = strchr(c1 + 1, ':')))
			continue;
		*c2 = '\0';
		if (v2 ? (c1[1] == '\0' && !strncmp(l, "0:", 2)) : same_set(c1 + 1, ctrls))
			return sk_xstrdup(c2 + 1);
	}
	return NULL;
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n]);
}

/* EBUSY from a fresh cgroup2 mount on @dest (@dfd): @dest is the root of a
 * cgroup2 mount already, the host's, brought by the recursive bind of /sys
 * a container without a network namespace of its own gets (containerd's
 * host-network pods). The kernel refuses the same filesystem on its own
 * root: that copy is detached (the container's mount namespace only) and
 * the cgroup namespace's own mount made where it was; a copy that cannot
 * be detached (locked in a user namespace) is covered by an empty tmpfs
 * first. */
static int mount_v2_over_host(int rootfd, int dfd, const char *dest, unsigned long flags,
			      const char *what, struct sk_err *e)
{
	_cleanup_close_ int nfd = -1;
	char p[64];

	if (umount2(sk_fdpath(p, sizeof(p), dfd), MNT_DETACH) < 0 &&
	    mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=0") < 0)
		return sk_err_sys(e, errno, "%s: mount cgroup2 on %s: cover the host's cgroup2 there",
				  what, dest);
	nfd = rootfs_open_in_root(rootfd, dest, O_PATH | O_DIRECTORY, 0);
	if (nfd < 0)
		return sk_err_sys(e, nfd, "%s: reopen %s", what, dest);
	if (mount("cgroup2", sk_fdpath(p, sizeof(p), nfd), "cgroup2", flags, NULL) < 0)
		return sk_err_sys(e, errno, "%s: mount cgroup2 on %s", what, dest);
	return 0;
}

static int mount_v2(const struct rootfs_ctx *c, int rootfd, const char *dest, unsigned long flags,
		    const char *what, struct sk_err *e)
{
	_cleanup_close_ int dfd = rootfs_mkdir_in_root(rootfd, dest, 0755, e);
	_cleanup_free_ char *pc = NULL, *own = NULL, *host = NULL;
	char p[64];

	if (dfd < 0)
		return sk_err_prefix(e, "%s", what);
	if (mount("cgroup2", sk_fdpath(p, sizeof(p), dfd), "cgroup2", flags, NULL) == 0)
		return 0;
	if (c->new_cgroupns && errno == EBUSY)
		return mount_v2_over_host(rootfd, dfd, dest, flags, what, e);
	if (c->new_cgroupns || (errno != EPERM && errno != EBUSY))
		return sk_err_sys(e, errno, "%s: mount cgroup2 on %s", what, dest);
	if (sk_read_file_at(AT_FDCWD, "/proc/self/cgroup", &pc, NULL, e) < 0)
		return sk_err_prefix(e, "%s", what);
	own = own_cgroup(pc, "", true);
	host = sk_xasprintf("/sys/fs/cgroup%s", own ? own : "");
	return rootfs_bind_remount(rootfd, p, host, dest, true, flags, what, e);
}

static int mount_hierarchy(const struct rootfs_ctx *c, int rootfd, const struct rootfs_mi *mi,
			   const char *pc, const char *sub, unsigned long flags, const char *what,
			   struct sk_err *e)
{
	bool v2 = !strcmp(mi->fstype, "cgroup2");
	_cleanup_free_ char *opts = hierarchy_opts(mi->super_opts);
	_cleanup_close_ int dfd = rootfs_mkdir_in_root(rootfd, sub, 0755, e);
	_cleanup_free_ char *own = NULL, *host = NULL;
	char p[64];

	if (dfd < 0)
		return sk_err_prefix(e, "%s", what);
	sk_fdpath(p, sizeof(p), dfd);
	if (c->new_cgroupns) {
		if (mount(mi->fstype, p, mi->fstype, flags, *opts ? opts : NULL) < 0)
			return sk_err_sys(e, errno, "%s: mount %s -o %s on %s", what, mi->fstype,
					  opts, sub);
		return 0;
	}
	own = own_cgroup(pc, opts, v2);
	if (own && !strcmp(mi->root, "/"))
		host = sk_xasprintf("%s%s", mi->mountpoint, strcmp(own, "/") ? own : "");
	else if (own && under(own, mi->root))
		host = sk_xasprintf("%s%s", mi->mountpoint, own + strlen(mi->root));
	else
		host = sk_xstrdup(mi->mountpoint);
	return rootfs_bind_remount(rootfd, p, host, sub, true, flags, what, e);
}

int rootfs_mount_cgroup(const struct rootfs_ctx *c, int rootfd, const char *dest,
			const struct rootfs_mount_opts *o, const char *what, struct sk_err *e)
{
	struct rootfs_mi *mi = NULL;
	size_t n = 0;
	_cleanup_free_ char *pc = NULL;
	_cleanup_close_ int dfd = -1;
	_cleanup_(sk_strv_buf_freep) struct sk_strv_buf done = { 0 };
	struct statfs sf;
	char p[64];
	int r = 0;

	if (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
		return mount_v2(c, rootfd, dest, o->flags, what, e);

	dfd = rootfs_mkdir_in_root(rootfd, dest, 0755, e);
	if (dfd < 0)
		return sk_err_prefix(e, "%s", what);
	if (mount("tmpfs", sk_fdpath(p, sizeof(p), dfd), "tmpfs",
		  (o->flags & ~(unsigned long)MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=755") < 0)
		return sk_err_sys(e, errno, "%s: mount tmpfs on %s", what, dest);
	r = sk_read_file_at(AT_FDCWD, "/proc/self/cgroup", &pc, NULL, e);
	if (r < 0)
		return sk_err_prefix(e, "%s", what);
	r = rootfs_mountinfo_read(&mi, &n, e);
	if (r < 0)
		return sk_err_prefix(e, "%s", what);

	for (size_t i = 0; i < n && r == 0; i++) {
		const char *name;
		_cleanup_free_ char *sub = NULL;
		bool seen = false;

		if (strcmp(mi[i].fstype, "cgroup") && strcmp(mi[i].fstype, "cgroup2"))
			continue;
		/* the host's hierarchies only, not what we mounted in the rootfs */
		if (c->rootfs && under(mi[i].mountpoint, c->rootfs))
			continue;
		name = strrchr(mi[i].mountpoint, '/');
		name = name ? name + 1 : mi[i].mountpoint;
		if (!*name)
			continue;
		for (size_t k = 0; k < done.n; k++)
			seen |= !strcmp(done.v[k], name);
		if (seen)
			continue;
		sk_strv_buf_add(&done, name);
		sub = sk_xasprintf("%s/%s", dest, name);
		r = mount_hierarchy(c, rootfd, &mi[i], pc, sub, o->flags, what, e);
		if (r == 0 && strchr(name, ',')) {
			/* co-mounted "cpu,cpuacct": "cpu" and "cpuacct" link to it */
			_cleanup_free_ char *names = sk_xstrdup(name);
			char *save = NULL;
			_cleanup_close_ int tfd =
				rootfs_open_in_root(rootfd, dest, O_PATH | O_DIRECTORY, 0);
			for (char *t = strtok_r(names, ",", &save); t && tfd >= 0;
			     t = strtok_r(NULL, ",", &save)) {
				const char *ctrl = strncmp(t, "name=", 5) ? t : t + 5;
				if (symlinkat(name, tfd, ctrl) < 0 && errno != EEXIST) {
					r = sk_err_sys(e, errno, "%s: symlink %s/%s", what, dest,
						       ctrl);
					break;
				}
			}
		}
	}
	rootfs_mountinfo_free(mi, n);
	if (r < 0)
		return r;
	if (o->flags & MS_RDONLY) {
		_cleanup_close_ int nfd = rootfs_open_in_root(rootfd, dest, O_PATH, 0);
		if (nfd < 0)
			return sk_err_sys(e, nfd, "%s: reopen %s", what, dest);
		if (rootfs_remount_bind(sk_fdpath(p, sizeof(p), nfd), o->flags, e) < 0)
			return sk_err_prefix(e, "%s", what);
	}
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mountopt.c - a mount entry's options parsed into mount(2) flags,
 * propagation changes, recursive attributes and filesystem data.
 *
 * Generic VFS options ("ro", "nosuid", "noatime", ...) are recognised with
 * the table of optmap.c (libmount's Linux map); skiff's own ones (bind, rbind,
 * propagation, r* recursive attributes, tmpcopyup) with the tables below;
 * userspace-only options (x-*, nofail, defaults) are ignored; everything
 * else is filesystem data, checked against what the well-known filesystem
 * types accept so that a typo is an error naming the mount and option.
 * Options that do not apply to the type are ignored as runc ignores them:
 * data on a bind mount, tmpcopyup on anything but tmpfs.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <string.h>

#define PROPAGATION_FLAGS (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

int rootfs_propagation_from_name(const char *name, unsigned long *flags)
{
	unsigned long f;
	bool invert;

	if (!name || rootfs_vfs_option(name, &f, &invert) < 0 || !(f & PROPAGATION_FLAGS))
		return -EINVAL;
	*flags = f;
	return 0;
}

/* Recursive attributes applied with mount_setattr(AT_RECURSIVE). */
static const struct {
	const char *name;
	bool clear;
	uint64_t attr;
} rec_attr_opts[] = {
	{ "rro", false, SK_MOUNT_ATTR_RDONLY },
	{ "rrw", true, SK_MOUNT_ATTR_RDONLY },
	{ "rnosuid", false, SK_MOUNT_ATTR_NOSUID },
	{ "rsuid", true, SK_MOUNT_ATTR_NOSUID },
	{ "rnodev", false, SK_MOUNT_ATTR_NODEV },
	{ "rdev", true, SK_MOUNT_ATTR_NODEV },
	{ "rnoexec", false, SK_MOUNT_ATTR_NOEXEC },
	{ "rexec", true, SK_MOUNT_ATTR_NOEXEC },
	{ "rnodiratime", false, SK_MOUNT_ATTR_NODIRATIME },
	{ "rdiratime", true, SK_MOUNT_ATTR_NODIRATIME },
	{ "rnosymfollow", false, SK_MOUNT_ATTR_NOSYMFOLLOW },
	{ "rsymfollow", true, SK_MOUNT_ATTR_NOSYMFOLLOW },
	/* the atime mode: clear is the whole __ATIME field, set the mode */
	{ "rrelatime", false, SK_MOUNT_ATTR_RELATIME },
	{ "rnoatime", false, SK_MOUNT_ATTR_NOATIME },
	{ "rstrictatime", false, SK_MOUNT_ATTR_STRICTATIME },
	{ "ratime", true, SK_MOUNT_ATTR_NOATIME },
	{ "rnorelatime", true, SK_MOUNT_ATTR__ATIME },
	{ "rnostrictatime", true, SK_MOUNT_ATTR__ATIME },
};

/* Filesystem options (the part before "=") the well-known types accept. */
static const char *const tmpfs_data[] = {
	"size",
	"nr_blocks",
	"nr_inodes",
	"mode",
	"uid",
	"gid",
	"huge",
	"mpol",
	"inode32",
	"inode64",
	"noswap",
	"quota",
	"usrquota",
	"grpquota",
	"usrquota_block_hardlimit",
	"usrquota_inode_hardlimit",
	"grpquota_block_hardlimit",
	"grpquota_inode_hardlimit",
	"casefold",
	"strict_encoding",
	NULL,
};
static const char *const devpts_data[] = {
	"uid", "gid", "mode", "ptmxmode", "newinstance", "max", NULL,
};
static const char *const proc_data[] = { "hidepid", "gid", "subset", NULL };
static const char *const none_data[] = { NULL };
/* LSM options any filesystem may be given. */
static const char *const lsm_data[] = {
	"context", "fscontext", "defcontext", "rootcontext", "seclabel", NULL,
};

static bool in_list(const char *const *list, const char *name, size_t n)
{
	for (; *list; list++)
		if (strlen(*list) == n && !strncmp(*list, name, n))
			return true;
	return false;
}

/* The types with a kind of their own, in the enum's order from TMPFS. */
static const char *const kind_types[] = { "tmpfs", "proc", "sysfs", "mqueue", "devpts", "cgroup" };

static enum rootfs_mount_kind kind_of(const char *type)
{
	if (!type || !*type || !strcmp(type, "bind") || !strcmp(type, "none"))
		return ROOTFS_MNT_BIND; /* only when bind/rbind is given, see below */
	for (size_t i = 0; i < sizeof(kind_types) / sizeof(kind_types[0]); i++)
		if (!strcmp(type, kind_types[i]))
			return (enum rootfs_mount_kind)(ROOTFS_MNT_TMPFS + i);
	return ROOTFS_MNT_OTHER;
}

/* Which data options a kind accepts; NULL: anything. */
static const char *const *data_list(enum rootfs_mount_kind k)
{
	switch (k) {
	case ROOTFS_MNT_TMPFS:
		return tmpfs_data;
	case ROOTFS_MNT_DEVPTS:
		return devpts_data;
	case ROOTFS_MNT_PROC:
		return proc_data;
	case ROOTFS_MNT_BIND:
	case ROOTFS_MNT_SYSFS:
	case ROOTFS_MNT_MQUEUE:
		return none_data;
	case ROOTFS_MNT_CGROUP:
	case ROOTFS_MNT_OTHER:
		break;
	}
	return NULL;
}

void rootfs_mount_opts_free(struct rootfs_mount_opts *o)
{
	if (!o)
		return;
	free(o->data);
	o->data = NULL;
}

static void append_data(char **data, const char *opt)
{
	char *n = *data ? sk_xasprintf("%s,%s", *data, opt) : sk_xstrdup(opt);
	free(*data);
	*data = n;
}

/* One option (no comma). */
static int parse_one(const char *opt, bool *bind, bool *rbind, struct rootfs_mount_opts *o,
		     char **fsopts, const char *what, struct sk_err *e)
{
	unsigned long flag;
	bool invert;
	size_t i;

	if (!strcmp(opt, "bind")) {
		*bind = true;
		return 0;
	}
	if (!strcmp(opt, "rbind")) {
		*bind = *rbind = true;
		return 0;
	}
	if (!strcmp(opt, "tmpcopyup")) {
		o->tmpcopyup = true;
		return 0;
	}
	if (!strcmp(opt, "notmpcopyup")) {
		o->tmpcopyup = false;
		return 0;
	}
	if (!strcmp(opt, "idmap") || !strcmp(opt, "ridmap") || !strncmp(opt, "idmap=", 6) ||
	    !strncmp(opt, "ridmap=", 7))
		return sk_err_set(e, ENOTSUP,
				  "%s: option \"%s\": idmapped mounts are not supported", what, opt);
	if (rootfs_propagation_from_name(opt, &flag) == 0) {
		if (o->n_propagation >= ROOTFS_MAX_PROPAGATION)
			return sk_err_set(e, E2BIG, "%s: too many propagation options", what);
		o->propagation[o->n_propagation++] = flag;
		return 0;
	}
	for (i = 0; i < sizeof(rec_attr_opts) / sizeof(rec_attr_opts[0]); i++) {
		uint64_t a = rec_attr_opts[i].attr;
		if (strcmp(opt, rec_attr_opts[i].name))
			continue;
		if (rec_attr_opts[i].clear) {
			o->rec_attr_clr |= a;
			o->rec_attr_set &= ~a;
		} else if (!strcmp(opt, "rrelatime") || !strcmp(opt, "rnoatime") ||
			   !strcmp(opt, "rstrictatime")) {
			o->rec_attr_clr |= SK_MOUNT_ATTR__ATIME;
			o->rec_attr_set = (o->rec_attr_set & ~(uint64_t)SK_MOUNT_ATTR__ATIME) | a;
		} else {
			o->rec_attr_set |= a;
			o->rec_attr_clr &= ~a;
		}
		return 0;
	}

	if (rootfs_vfs_option(opt, &flag, &invert) == 0) {
		/* propagation and bind are handled above; "remount"/"move" make no
		 * sense in a mount entry. */
		if (flag & (MS_REMOUNT | MS_BIND | MS_REC | PROPAGATION_FLAGS))
			return sk_err_set(e, EINVAL, "%s: option \"%s\" is not allowed here", what,
					  opt);
		if (invert) {
			o->flags &= ~flag;
			o->clr_flags |= flag;
		} else {
			o->flags |= flag;
			o->clr_flags &= ~flag;
		}
		return 0;
	}
	if (!*opt || rootfs_userspace_option(opt))
		return 0; /* x-*, nofail, defaults, ...: for userspace tools only */
	append_data(fsopts, opt);
	return 0;
}

/* Check the filesystem options once the kind is known. */
static int check_data(const char *data, enum rootfs_mount_kind k, const char *type,
		      const char *what, struct sk_err *e)
{
	const char *const *list = data_list(k);
	const char *optstr = data, *name, *value;
	size_t nsz, vsz;

	if (!data || !list)
		return 0;
	while (rootfs_optstr_next(&optstr, &name, &nsz, &value, &vsz) == 0) {
		if (in_list(list, name, nsz) || in_list(lsm_data, name, nsz))
			continue;
		return sk_err_set(e, EINVAL, "%s: unknown option \"%.*s\" for %s", what,
				  (int)(nsz + (value ? vsz + 1 : 0)), name, type);
	}
	return 0;
}

int rootfs_parse_mount_opts(const struct oci_mount *m, const char *what,
			    struct rootfs_mount_opts *o, struct sk_err *e)
{
	bool bind = false, rbind = false;
	_cleanup_free_ char *fsopts = NULL;
	int r;

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; m->options && m->options[i]; i++) {
		const char *optstr = m->options[i], *name, *value;
		size_t nsz, vsz;

		if (!strchr(optstr, ',')) {
			r = parse_one(optstr, &bind, &rbind, o, &fsopts, what, e);
			if (r < 0)
				goto fail;
			continue;
		}
		while ((r = rootfs_optstr_next(&optstr, &name, &nsz, &value, &vsz)) == 0) {
			size_t len = nsz + (value ? vsz + 1 : 0);
			_cleanup_free_ char *one = strndup(name, len);
			if (!one)
				return sk_err_set(e, ENOMEM, "%s: out of memory", what);
			r = parse_one(one, &bind, &rbind, o, &fsopts, what, e);
			if (r < 0)
				goto fail;
		}
		if (r < 0) {
			r = sk_err_set(e, EINVAL, "%s: option \"%s\" has an unterminated quote",
				       what, m->options[i]);
			goto fail;
		}
	}

	o->kind = kind_of(m->type);
	if (bind) {
		o->kind = ROOTFS_MNT_BIND;
		o->rbind = rbind;
	} else if (o->kind == ROOTFS_MNT_BIND) {
		/* no type and no bind option: runc treats "bind" type as a bind
		 * mount; an empty type without bind options is an error. */
		if (!m->type || !*m->type || !strcmp(m->type, "none")) {
			r = sk_err_set(e, EINVAL, "%s: no type and no \"bind\"/\"rbind\" option",
				       what);
			goto fail;
		}
	}
	/* Options that do not apply to the mount's type are ignored, as runc
	 * does: tmpcopyup on anything but tmpfs, and filesystem data on a
	 * bind mount (mount(2) ignores data with MS_BIND: "mode=755" on a
	 * bind is harmless, not an error). */
	if (o->kind != ROOTFS_MNT_TMPFS)
		o->tmpcopyup = false;
	if (o->kind == ROOTFS_MNT_BIND)
		return 0;
	r = check_data(fsopts, o->kind, m->type, what, e);
	if (r < 0)
		goto fail;
	if (o->kind != ROOTFS_MNT_CGROUP)
		o->data = sk_steal_ptr(&fsopts);
	return 0;
fail:
	rootfs_mount_opts_free(o);
	return r;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * optmap.c - the names of mount options: the generic VFS ones that become
 * mount(2) flags, the userspace-only ones that mount(8) keeps to itself,
 * and the splitting of a comma-separated option string.
 *
 * The names and meanings are those of util-linux libmount's built-in Linux
 * and userspace maps; tests/unit/test_optmap.c checks every entry of
 * libmount's own maps against this table, so the two cannot drift apart.
 * skiff carries the table instead of linking libmount because loading
 * libmount (with libblkid, libselinux and libpcre2) costs every skiff
 * invocation more than the whole option parsing it would do, and Debian
 * ships no static libmount.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

static const struct {
	const char *name;
	unsigned long flag;
	bool invert; /* the option clears the flag */
} vfs_opts[] = {
	{ "ro", MS_RDONLY, false },
	{ "rw", MS_RDONLY, true },
	{ "exec", MS_NOEXEC, true },
	{ "noexec", MS_NOEXEC, false },
	{ "suid", MS_NOSUID, true },
	{ "nosuid", MS_NOSUID, false },
	{ "dev", MS_NODEV, true },
	{ "nodev", MS_NODEV, false },
	{ "sync", MS_SYNCHRONOUS, false },
	{ "async", MS_SYNCHRONOUS, true },
	{ "dirsync", MS_DIRSYNC, false },
	{ "remount", MS_REMOUNT, false },
	{ "bind", MS_BIND, false },
	{ "rbind", MS_BIND | MS_REC, false },
	{ "silent", MS_SILENT, false },
	{ "loud", MS_SILENT, true },
	{ "mand", MS_MANDLOCK, false },
	{ "nomand", MS_MANDLOCK, true },
	{ "atime", MS_NOATIME, true },
	{ "noatime", MS_NOATIME, false },
	{ "iversion", MS_I_VERSION, false },
	{ "noiversion", MS_I_VERSION, true },
	{ "diratime", MS_NODIRATIME, true },
	{ "nodiratime", MS_NODIRATIME, false },
	{ "relatime", MS_RELATIME, false },
	{ "norelatime", MS_RELATIME, true },
	{ "strictatime", MS_STRICTATIME, false },
	{ "nostrictatime", MS_STRICTATIME, true },
	{ "lazytime", MS_LAZYTIME, false },
	{ "nolazytime", MS_LAZYTIME, true },
	{ "unbindable", MS_UNBINDABLE, false },
	{ "runbindable", MS_UNBINDABLE | MS_REC, false },
	{ "private", MS_PRIVATE, false },
	{ "rprivate", MS_PRIVATE | MS_REC, false },
	{ "slave", MS_SLAVE, false },
	{ "rslave", MS_SLAVE | MS_REC, false },
	{ "shared", MS_SHARED, false },
	{ "rshared", MS_SHARED | MS_REC, false },
	{ "symfollow", MS_NOSYMFOLLOW, true },
	{ "nosymfollow", MS_NOSYMFOLLOW, false },
};

int rootfs_vfs_option(const char *opt, unsigned long *flag, bool *invert)
{
	for (size_t i = 0; i < sizeof(vfs_opts) / sizeof(vfs_opts[0]); i++)
		if (!strcmp(opt, vfs_opts[i].name)) {
			*flag = vfs_opts[i].flag;
			*invert = vfs_opts[i].invert;
			return 0;
		}
	return -ENOENT;
}

/* How a userspace option's name is matched. */
enum match { EXACT, OPT_VALUE, PREFIX };

static const struct {
	const char *name;
	enum match how; /* OPT_VALUE: "name" or "name=..." */
} user_opts[] = {
	{ "defaults", OPT_VALUE },
	{ "auto", EXACT },
	{ "noauto", EXACT },
	{ "user", OPT_VALUE },
	{ "nouser", EXACT },
	{ "users", EXACT },
	{ "nousers", EXACT },
	{ "owner", EXACT },
	{ "noowner", EXACT },
	{ "group", EXACT },
	{ "nogroup", EXACT },
	{ "_netdev", EXACT },
	{ "comment", OPT_VALUE },
	{ "x-", PREFIX },
	{ "X-", PREFIX },
	{ "loop", OPT_VALUE },
	{ "offset", OPT_VALUE },
	{ "sizelimit", OPT_VALUE },
	{ "encryption", OPT_VALUE },
	{ "nofail", EXACT },
	{ "uhelper", OPT_VALUE },
	{ "helper", OPT_VALUE },
	{ "verity.hashdevice", OPT_VALUE },
	{ "verity.roothash", OPT_VALUE },
	{ "verity.hashoffset", OPT_VALUE },
	{ "verity.roothashfile", OPT_VALUE },
	{ "verity.fecdevice", OPT_VALUE },
	{ "verity.fecoffset", OPT_VALUE },
	{ "verity.fecroots", OPT_VALUE },
	{ "verity.roothashsig", OPT_VALUE },
	{ "verity.oncorruption", OPT_VALUE },
};

bool rootfs_userspace_option(const char *opt)
{
	for (size_t i = 0; i < sizeof(user_opts) / sizeof(user_opts[0]); i++) {
		const char *n = user_opts[i].name;
		size_t len = strlen(n);

		if (strncmp(opt, n, len))
			continue;
		switch (user_opts[i].how) {
		case EXACT:
			if (!opt[len])
				return true;
			break;
		case OPT_VALUE:
			if (!opt[len] || opt[len] == '=')
				return true;
			break;
		case PREFIX:
			return true;
		}
	}
	return false;
}

int rootfs_optstr_next(const char **optstr, const char **name, size_t *nsz, const char **value,
		       size_t *vsz)
{
	const char *p = *optstr, *start, *eq = NULL;
	bool quoted = false;

	while (*p == ',')
		p++;
	if (!*p) {
		*optstr = p;
		return 1;
	}
	start = p;
	for (; *p && (quoted || *p != ','); p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '=' && !eq && !quoted && p != start)
			eq = p;
	}
	if (quoted)
		return -EINVAL; /* an unterminated quote */
	*name = start;
	*nsz = (eq ? eq : p) - start;
	*value = eq ? eq + 1 : NULL;
	*vsz = eq ? (size_t)(p - eq - 1) : 0;
	*optstr = p;
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* userns.c - uid/gid maps of a new user namespace. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

static int write_map(pid_t pid, const char *file, const struct oci_idmap *m, size_t n,
		     const char *field, struct sk_err *e)
{
	char path[64], buf[4096];
	size_t off = 0;
	int r;

	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + off, sizeof(buf) - off, "%u %u %u\n", m[i].container_id,
				 m[i].host_id, m[i].size);
		if (w < 0 || (size_t)w >= sizeof(buf) - off)
			return sk_err_set(e, E2BIG, "%s: too many mappings", field);
		off += (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	r = sk_write_file_at(AT_FDCWD, path, buf, off, 0, 0, e);
	if (r < 0)
		return sk_err_prefix(e, "%s", field);
	return 0;
}

int ns_write_id_maps(pid_t pid, const struct oci_config *cfg, bool deny_setgroups, struct sk_err *e)
{
	const struct oci_linux *l = &cfg->lnx;
	int r;

	/* The kernel's rule: an unprivileged writer must deny setgroups
	 * before it may write gid_map. */
	if (deny_setgroups) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
		r = sk_write_file_at(AT_FDCWD, path, "deny", 4, 0, 0, e);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	r = write_map(pid, "uid_map", l->uid_mappings, l->n_uid_mappings, "linux.uidMappings", e);
	if (r < 0)
		return r;
	return write_map(pid, "gid_map", l->gid_mappings, l->n_gid_mappings, "linux.gidMappings", e);
}

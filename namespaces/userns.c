/* SPDX-License-Identifier: GPL-2.0-or-later */
/* userns.c - uid/gid maps of a new user namespace. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/* A map an unprivileged writer may write itself: its own id, alone. */
static bool own_id_only(const struct oci_idmap *m, size_t n, unsigned id)
{
	return n == 1 && m[0].size == 1 && m[0].host_id == id;
}

int ns_write_id_maps(pid_t pid, const struct oci_config *cfg, bool unprivileged, struct sk_err *e)
{
	const struct oci_linux *l = &cfg->lnx;
	bool uid_self = !unprivileged || own_id_only(l->uid_mappings, l->n_uid_mappings, geteuid());
	bool gid_self = !unprivileged || own_id_only(l->gid_mappings, l->n_gid_mappings, getegid());
	int r;

	/* The kernel's rule: an unprivileged writer must deny setgroups
	 * before it may write gid_map (newgidmap decides that itself). */
	if (unprivileged && gid_self) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
		r = sk_write_file_at(AT_FDCWD, path, "deny", 4, 0, 0, e);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	if (uid_self)
		r = write_map(pid, "uid_map", l->uid_mappings, l->n_uid_mappings,
			      "linux.uidMappings", e);
	else
		r = ns_newidmap("newuidmap", pid, l->uid_mappings, l->n_uid_mappings, e);
	if (r < 0)
		return uid_self ? r : sk_err_prefix(e, "linux.uidMappings");
	if (gid_self)
		return write_map(pid, "gid_map", l->gid_mappings, l->n_gid_mappings,
				 "linux.gidMappings", e);
	r = ns_newidmap("newgidmap", pid, l->gid_mappings, l->n_gid_mappings, e);
	return r < 0 ? sk_err_prefix(e, "linux.gidMappings") : 0;
}

bool ns_rootless(void)
{
	_cleanup_free_ char *map = NULL;
	struct sk_err ignore = { 0 };
	unsigned long a, b, c;

	if (geteuid() != 0)
		return true;
	if (sk_read_file_at(AT_FDCWD, "/proc/self/uid_map", &map, NULL, &ignore) < 0)
		return false; /* no /proc/self/uid_map: no user namespaces */
	return sscanf(map, "%lu %lu %lu", &a, &b, &c) != 3 || a != 0 || b != 0 ||
	       c != 4294967295UL || strchr(map, '\n') != strrchr(map, '\n');
}

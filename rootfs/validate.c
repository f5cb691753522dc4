/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * validate.c - rootfs checks done in the parent, before any process
 * exists: root.path, mounts, devices, sysctls, masked/readonly paths.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

int rootfs_validate_mount(const struct oci_mount *m, const char *what, struct sk_err *e)
{
	struct rootfs_mount_opts o;
	int r;

	if (!m->destination || !*m->destination)
		return sk_err_set(e, EINVAL, "%s.destination: missing", what);
	if (m->destination[0] != '/')
		return sk_err_set(e, EINVAL, "%s.destination: \"%s\" is not an absolute path", what,
				  m->destination);
	r = rootfs_parse_mount_opts(m, what, &o, e);
	if (r < 0)
		return r;
	if (o.kind == ROOTFS_MNT_BIND && (!m->source || !*m->source))
		r = sk_err_set(e, EINVAL, "%s.source: a bind mount needs a source", what);
	if (r == 0 && (m->n_uid_mappings || m->n_gid_mappings))
		r = sk_err_set(e, ENOTSUP,
			       "%s: uidMappings/gidMappings (idmapped mounts) are "
			       "not supported",
			       what);
	rootfs_mount_opts_free(&o);
	return r;
}

int rootfs_validate_device(const struct oci_device *d, size_t idx, struct sk_err *e)
{
	_cleanup_free_ char *clean = NULL;

	if (!d->path || d->path[0] != '/')
		return sk_err_set(e, EINVAL,
				  "linux.devices[%zu].path: \"%s\" is not an absolute path", idx,
				  d->path ? d->path : "");
	clean = rootfs_clean_path(d->path);
	if (strncmp(clean, "/dev/", 5) || !clean[5])
		return sk_err_set(e, EINVAL, "linux.devices[%zu].path: \"%s\" is not under /dev",
				  idx, d->path);
	switch (d->type) {
	case 'c':
	case 'b':
	case 'u':
		if (d->major < 0 || d->minor < 0 || d->major > 0xfff || d->minor > 0xfffff)
			return sk_err_set(e, EINVAL,
					  "linux.devices[%zu]: %s: invalid major/minor %lld:%lld",
					  idx, d->path, (long long)d->major, (long long)d->minor);
		break;
	case 'p':
		break;
	default:
		return sk_err_set(e, EINVAL, "linux.devices[%zu].type: %s: invalid type '%c'", idx,
				  d->path, d->type ? d->type : '?');
	}
	if (d->has_file_mode && (d->file_mode & ~07777u))
		return sk_err_set(e, EINVAL,
				  "linux.devices[%zu].fileMode: %s: %#o has file type bits", idx,
				  d->path, d->file_mode);
	return 0;
}

int rootfs_validate_no_mount_ns(const struct oci_config *cfg, bool joined, struct sk_err *e)
{
	const struct oci_linux *l = &cfg->lnx;
	const char *field = NULL;

	if (cfg->n_mounts)
		field = "mounts";
	else if (l->n_masked_paths)
		field = "linux.maskedPaths";
	else if (l->n_readonly_paths)
		field = "linux.readonlyPaths";
	else if (cfg->root_readonly)
		field = "root.readonly";
	else if (l->rootfs_propagation)
		field = "linux.rootfsPropagation";
	else if (l->n_devices)
		field = "linux.devices";
	if (!field)
		return 0;
	return sk_err_set(e, EINVAL, "%s: needs a new mount namespace (%s)", field,
			  joined ? "the one joined by path is never changed"
				 : "there is none; the host's mounts are never changed");
}

static int validate_paths(char **paths, size_t n, const char *field, struct sk_err *e)
{
	for (size_t i = 0; i < n && paths && paths[i]; i++)
		if (paths[i][0] != '/')
			return sk_err_set(e, EINVAL, "linux.%s[%zu]: \"%s\" is not an absolute path",
					  field, i, paths[i]);
	return 0;
}

int rootfs_validate(const struct oci_config *cfg, const char *bundle, char **rootfs_out,
		    struct sk_err *e)
{
	_cleanup_free_ char *path = NULL;
	char *real;
	struct stat st;
	int r;

	if (!cfg->root_path || !*cfg->root_path)
		return sk_err_set(e, EINVAL, "root.path: missing");
	if (cfg->root_path[0] == '/' || !bundle)
		path = sk_xstrdup(cfg->root_path);
	else
		path = sk_xasprintf("%s/%s", bundle, cfg->root_path);
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return sk_err_set(e, ENOENT, "root.path: %s: no such directory", path);
		return sk_err_sys(e, errno, "root.path: %s", path);
	}
	if (!S_ISDIR(st.st_mode))
		return sk_err_set(e, ENOTDIR, "root.path: %s: not a directory", path);

	for (size_t i = 0; i < cfg->n_mounts; i++) {
		char what[32];
		snprintf(what, sizeof(what), "mounts[%zu]", i);
		r = rootfs_validate_mount(&cfg->mounts[i], what, e);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < cfg->lnx.n_devices; i++) {
		r = rootfs_validate_device(&cfg->lnx.devices[i], i, e);
		if (r < 0)
			return r;
	}
	r = validate_paths(cfg->lnx.masked_paths, cfg->lnx.n_masked_paths, "maskedPaths", e);
	if (r < 0)
		return r;
	r = validate_paths(cfg->lnx.readonly_paths, cfg->lnx.n_readonly_paths, "readonlyPaths", e);
	if (r < 0)
		return r;
	r = rootfs_validate_sysctl(cfg, e);
	if (r < 0)
		return r;

	real = realpath(path, NULL);
	if (!real)
		return sk_err_sys(e, errno, "root.path: realpath %s", path);
	if (rootfs_out)
		*rootfs_out = real;
	else
		free(real);
	return 0;
}

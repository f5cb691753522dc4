/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config_linux.c - the "linux" object of config.json (resources and seccomp aside). */
#include "internal.h"

#include <errno.h>
#include <string.h>

static const char *const propagations[] = {
	"shared", "slave", "private", "unbindable",
	"rshared", "rslave", "rprivate", "runbindable",
};

static const char *const mpol_modes[] = {
	"MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_PREFERRED",
	"MPOL_PREFERRED_MANY", "MPOL_LOCAL", "MPOL_WEIGHTED_INTERLEAVE",
};

static const char *const mpol_flags[] = {
	"MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES",
};

static const char *const personality_domains[] = { "LINUX", "LINUX32" };

void cfg_linux_clear(struct oci_linux *l)
{
	for (int i = 0; i < OCI_NS__MAX; i++)
		free(l->namespaces[i].path);
	free(l->uid_mappings);
	free(l->gid_mappings);
	for (size_t i = 0; l->devices && i < l->n_devices; i++)
		free(l->devices[i].path);
	free(l->devices);
	free(l->cgroups_path);
	cfg_resources_clear(&l->resources);
	cj_kv_free(l->sysctl, l->n_sysctl);
	cfg_seccomp_clear(&l->seccomp);
	free(l->rootfs_propagation);
	sk_strv_free(l->masked_paths);
	sk_strv_free(l->readonly_paths);
	free(l->mount_label);
	free(l->memory_policy.mode);
	free(l->memory_policy.nodes);
	sk_strv_free(l->memory_policy.flags);
	free(l->personality.domain);
	memset(l, 0, sizeof(*l));
}

static int parse_namespaces(yajl_val v, const char *path, struct oci_linux *l,
			    struct sk_err *e)
{
	char ap[CJ_PATH_MAX], ip[CJ_PATH_MAX];
	yajl_val a = NULL, t;
	int r;

	r = cj_array(v, path, "namespaces", &a, e);
	if (r < 0 || !a)
		return r;
	cj_join(ap, path, "namespaces");
	for (size_t i = 0; i < a->u.array.len; i++) {
		yajl_val o = a->u.array.values[i];
		_cleanup_free_ char *type = NULL;
		char *nspath = NULL;
		int k;

		cj_index(ip, ap, i);
		r = cj_is_object(o, ip, e);
		if (r < 0)
			return r;
		r = cj_need(o, ip, "type", &t, e);
		if (r < 0)
			return r;
		r = cj_str(o, ip, "type", &type, e);
		if (r < 0)
			return r;
		for (k = 0; k < OCI_NS__MAX; k++)
			if (!strcmp(type, oci_ns_name(k)))
				break;
		if (k == OCI_NS__MAX)
			return cj_fail(e, ip, "type", "unknown namespace type \"%s\"", type);
		if (l->namespaces[k].present)
			return cj_fail(e, ip, "type", "duplicate namespace type \"%s\"", type);
		l->namespaces[k].present = true;
		r = cj_str(o, ip, "path", &nspath, e);
		l->namespaces[k].path = nspath;
		if (r < 0)
			return r;
		if (nspath && nspath[0] != '/')
			return cj_fail(e, ip, "path", "\"%s\" is not an absolute path", nspath);
	}
	return 0;
}

static int parse_time_offset(yajl_val to, const char *path, const char *key, bool *set,
			     int64_t *secs, uint32_t *nsecs, struct sk_err *e)
{
	char p[CJ_PATH_MAX];
	struct oci_opt_i64 s = { 0 };
	struct oci_opt_u64 ns = { 0 };
	yajl_val o = NULL;
	int r;

	r = cj_object(to, path, key, &o, e);
	if (r < 0 || !o)
		return r;
	cj_join(p, path, key);
	r = cj_i64(o, p, "secs", INT64_MIN, INT64_MAX, &s, e);
	if (r < 0)
		return r;
	r = cj_u64(o, p, "nanosecs", 999999999, &ns, e);
	if (r < 0)
		return r;
	*set = true;
	*secs = s.v;
	*nsecs = (uint32_t)ns.v;
	return 0;
}

static int parse_time_offsets(yajl_val v, const char *path, struct oci_linux *l,
			      struct sk_err *e)
{
	char p[CJ_PATH_MAX];
	yajl_val to = NULL;
	int r;

	r = cj_object(v, path, "timeOffsets", &to, e);
	if (r < 0 || !to)
		return r;
	cj_join(p, path, "timeOffsets");
	r = parse_time_offset(to, p, "monotonic", &l->time_offsets.set_monotonic,
			      &l->time_offsets.monotonic_secs,
			      &l->time_offsets.monotonic_nanosecs, e);
	if (r < 0)
		return r;
	return parse_time_offset(to, p, "boottime", &l->time_offsets.set_boottime,
				 &l->time_offsets.boottime_secs,
				 &l->time_offsets.boottime_nanosecs, e);
}

static int parse_device(yajl_val o, const char *path, struct oci_device *d, struct sk_err *e)
{
	_cleanup_free_ char *type = NULL;
	struct oci_opt_i64 maj = { 0 }, min = { 0 };
	yajl_val x;
	int r;

	r = cj_is_object(o, path, e);
	if (r < 0)
		return r;
	r = cj_need(o, path, "path", &x, e);
	if (r < 0)
		return r;
	r = cj_str(o, path, "path", &d->path, e);
	if (r < 0)
		return r;
	if (!d->path[0])
		return cj_fail(e, path, "path", "must not be empty");
	r = cj_need(o, path, "type", &x, e);
	if (r < 0)
		return r;
	r = cj_str(o, path, "type", &type, e);
	if (r < 0)
		return r;
	if (strlen(type) != 1 || !strchr("cbup", type[0]))
		return cj_fail(e, path, "type", "unknown device type \"%s\" (want c, b, u or p)",
			       type);
	d->type = type[0];
	r = cj_i64(o, path, "major", 0, INT64_MAX, &maj, e);
	if (r < 0)
		return r;
	r = cj_i64(o, path, "minor", 0, INT64_MAX, &min, e);
	if (r < 0)
		return r;
	if (d->type != 'p' && !maj.set)
		return cj_fail(e, path, "major", "missing required field for type %c", d->type);
	if (d->type != 'p' && !min.set)
		return cj_fail(e, path, "minor", "missing required field for type %c", d->type);
	d->major = maj.v;
	d->minor = min.v;
	r = cj_u32(o, path, "fileMode", &d->file_mode, &d->has_file_mode, e);
	if (r < 0)
		return r;
	r = cj_u32(o, path, "uid", &d->uid, &d->has_uid, e);
	if (r < 0)
		return r;
	return cj_u32(o, path, "gid", &d->gid, &d->has_gid, e);
}

static int parse_devices(yajl_val v, const char *path, struct oci_linux *l, struct sk_err *e)
{
	char ap[CJ_PATH_MAX], ip[CJ_PATH_MAX];
	yajl_val a = NULL;
	int r;

	r = cj_array(v, path, "devices", &a, e);
	if (r < 0 || !a)
		return r;
	cj_join(ap, path, "devices");
	l->n_devices = a->u.array.len;
	l->devices = sk_xcalloc(l->n_devices ? l->n_devices : 1, sizeof(*l->devices));
	for (size_t i = 0; i < l->n_devices; i++) {
		cj_index(ip, ap, i);
		r = parse_device(a->u.array.values[i], ip, &l->devices[i], e);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_mempolicy(yajl_val v, const char *path, struct oci_linux *l,
			   struct sk_err *e)
{
	char p[CJ_PATH_MAX], fp[CJ_PATH_MAX];
	yajl_val o = NULL, x;
	int r;

	r = cj_object(v, path, "memoryPolicy", &o, e);
	if (r < 0 || !o)
		return r;
	cj_join(p, path, "memoryPolicy");
	r = cj_need(o, p, "mode", &x, e);
	if (r < 0)
		return r;
	r = cj_str(o, p, "mode", &l->memory_policy.mode, e);
	if (r < 0)
		return r;
	if (CJ_LOOKUP(l->memory_policy.mode, mpol_modes) < 0)
		return cj_fail(e, p, "mode", "unknown memory policy mode \"%s\"",
			       l->memory_policy.mode);
	r = cj_str(o, p, "nodes", &l->memory_policy.nodes, e);
	if (r < 0)
		return r;
	r = cj_strv(o, p, "flags", &l->memory_policy.flags, &l->memory_policy.n_flags, e);
	if (r < 0)
		return r;
	cj_join(fp, p, "flags");
	for (size_t i = 0; i < l->memory_policy.n_flags; i++) {
		if (CJ_LOOKUP(l->memory_policy.flags[i], mpol_flags) < 0) {
			char ip[CJ_PATH_MAX];
			cj_index(ip, fp, i);
			return cj_fail(e, ip, NULL, "unknown memory policy flag \"%s\"",
				       l->memory_policy.flags[i]);
		}
	}
	l->memory_policy.set = true;
	return 0;
}

static int parse_personality(yajl_val v, const char *path, struct oci_linux *l,
			     struct sk_err *e)
{
	char p[CJ_PATH_MAX];
	_cleanup_strv_ char **flags = NULL;
	yajl_val o = NULL, x;
	int r;

	r = cj_object(v, path, "personality", &o, e);
	if (r < 0 || !o)
		return r;
	cj_join(p, path, "personality");
	r = cj_need(o, p, "domain", &x, e);
	if (r < 0)
		return r;
	r = cj_str(o, p, "domain", &l->personality.domain, e);
	if (r < 0)
		return r;
	if (CJ_LOOKUP(l->personality.domain, personality_domains) < 0)
		return cj_fail(e, p, "domain", "unknown personality domain \"%s\"",
			       l->personality.domain);
	/* flags: the spec defines none yet; type-checked, not kept. */
	r = cj_strv(o, p, "flags", &flags, NULL, e);
	if (r < 0)
		return r;
	l->personality.set = true;
	return 0;
}

int cfg_linux_parse(yajl_val v, const char *path, struct oci_linux *l, struct sk_err *e)
{
	yajl_val o;
	int r;

	r = cj_is_object(v, path, e);
	if (r < 0)
		return r;
	r = parse_namespaces(v, path, l, e);
	if (r < 0)
		return r;
	r = cj_idmaps(v, path, "uidMappings", &l->uid_mappings, &l->n_uid_mappings, e);
	if (r < 0)
		return r;
	r = cj_idmaps(v, path, "gidMappings", &l->gid_mappings, &l->n_gid_mappings, e);
	if (r < 0)
		return r;
	r = parse_time_offsets(v, path, l, e);
	if (r < 0)
		return r;
	r = parse_devices(v, path, l, e);
	if (r < 0)
		return r;
	r = cj_str(v, path, "cgroupsPath", &l->cgroups_path, e);
	if (r < 0)
		return r;
	o = NULL;
	r = cj_object(v, path, "resources", &o, e);
	if (r < 0)
		return r;
	if (o) {
		char p[CJ_PATH_MAX];
		cj_join(p, path, "resources");
		r = cfg_resources_parse(o, p, &l->resources, e);
		if (r < 0)
			return r;
	}
	r = cj_map(v, path, "sysctl", &l->sysctl, &l->n_sysctl, e);
	if (r < 0)
		return r;
	o = NULL;
	r = cj_object(v, path, "seccomp", &o, e);
	if (r < 0)
		return r;
	if (o) {
		char p[CJ_PATH_MAX];
		cj_join(p, path, "seccomp");
		r = cfg_seccomp_parse(o, p, &l->seccomp, e);
		if (r < 0)
			return r;
	}
	r = cj_str(v, path, "rootfsPropagation", &l->rootfs_propagation, e);
	if (r < 0)
		return r;
	if (l->rootfs_propagation && CJ_LOOKUP(l->rootfs_propagation, propagations) < 0)
		return cj_fail(e, path, "rootfsPropagation", "unknown propagation \"%s\"",
			       l->rootfs_propagation);
	r = cj_strv(v, path, "maskedPaths", &l->masked_paths, &l->n_masked_paths, e);
	if (r < 0)
		return r;
	r = cj_strv(v, path, "readonlyPaths", &l->readonly_paths, &l->n_readonly_paths, e);
	if (r < 0)
		return r;
	r = cj_str(v, path, "mountLabel", &l->mount_label, e);
	if (r < 0)
		return r;
	r = parse_mempolicy(v, path, l, e);
	if (r < 0)
		return r;
	return parse_personality(v, path, l, e);
}

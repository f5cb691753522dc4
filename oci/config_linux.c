/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config_linux.c - the "linux" object of config.json (resources and seccomp aside). */
#include "internal.h"

#include <errno.h>
#include <string.h>

static const char *const propagations[] = {
	"shared", "slave", "private", "unbindable", "rshared", "rslave", "rprivate", "runbindable",
};

static const char *const mpol_modes[] = {
	"MPOL_DEFAULT",	       "MPOL_BIND",  "MPOL_INTERLEAVE",		 "MPOL_PREFERRED",
	"MPOL_PREFERRED_MANY", "MPOL_LOCAL", "MPOL_WEIGHTED_INTERLEAVE",
};

static const char *const mpol_flags[] = {
	"MPOL_F_NUMA_BALANCING",
	"MPOL_F_RELATIVE_NODES",
	"MPOL_F_STATIC_NODES",
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

static int parse_namespaces(yajl_val v, const char *path, const struct cj_field *f, void *base,
			    struct sk_err *e)
{
	struct oci_linux *l = base;
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

static int device_type(yajl_val o, const char *path, const struct cj_field *f, void *base,
		       struct sk_err *e)
{
	return cj_letter(o, path, f->name, "cbup", "c, b, u or p",
			 &((struct oci_device *)base)->type, e);
}

/* minor, then both numbers are required but for type p. */
static int device_minor(yajl_val o, const char *path, const struct cj_field *f, void *base,
			struct sk_err *e)
{
	struct oci_device *d = base;
	struct oci_opt_i64 min = { 0 };
	int r = cj_i64(o, path, f->name, 0, INT64_MAX, &min, e);

	if (r < 0)
		return r;
	if (d->type != 'p' && !cj_get(o, "major"))
		return cj_fail(e, path, "major", "missing required field for type %c", d->type);
	if (d->type != 'p' && !min.set)
		return cj_fail(e, path, "minor", "missing required field for type %c", d->type);
	d->minor = min.v;
	return 0;
}

#define DEV(nm, k, m, ...) CJ_ROW(nm, k, struct oci_device, m, ##__VA_ARGS__)
#define DEV_U32(nm, m) \
	CJ_UINT_ROW(nm, struct oci_device, m, UINT32_MAX, .aux = CJ_AUX(struct oci_device, has_##m))
static const struct cj_field device_rows[] = {
	DEV("path", CJ_STR, path, .need = CJ_REQUIRED, .check = CJ_NONEMPTY),
	DEV("type", CJ_CUSTOM, type, .need = CJ_REQUIRED, .fn = device_type),
	CJ_INT_ROW("major", struct oci_device, major, 0, INT64_MAX),
	DEV("minor", CJ_CUSTOM, minor, .fn = device_minor),
	DEV_U32("fileMode", file_mode),
	DEV_U32("uid", uid),
	DEV_U32("gid", gid),
};

/* flags: the spec defines none yet; type-checked, not kept. */
static int personality_flags(yajl_val o, const char *path, const struct cj_field *f, void *base,
			     struct sk_err *e)
{
	_cleanup_strv_ char **flags = NULL;

	return cj_strv(o, path, f->name, &flags, NULL, e);
}

#define L(nm, k, m, ...) CJ_ROW(nm, k, struct oci_linux, m, ##__VA_ARGS__)
#define SUB(nm, t, ...)                                                     \
	{                                                                   \
		.name = (nm), .kind = CJ_OBJECT, .sub = &(t), ##__VA_ARGS__ \
	}
#define TIME_ROWS(which)                                                                       \
	CJ_INT_ROW("secs", struct oci_linux, time_offsets.which##_secs, INT64_MIN, INT64_MAX), \
		CJ_UINT_ROW("nanosecs", struct oci_linux, time_offsets.which##_nanosecs, 999999999)

static const struct cj_field monotonic_rows[] = { TIME_ROWS(monotonic) };
static const struct cj_field boottime_rows[] = { TIME_ROWS(boottime) };
static const struct cj_table monotonic_table = CJ_TABLE(monotonic_rows, NULL),
			     boottime_table = CJ_TABLE(boottime_rows, NULL);

static const struct cj_field time_rows[] = {
	SUB("monotonic", monotonic_table, .aux = CJ_AUX(struct oci_linux, time_offsets.set_monotonic)),
	SUB("boottime", boottime_table, .aux = CJ_AUX(struct oci_linux, time_offsets.set_boottime)),
};

static const struct cj_field mempolicy_rows[] = {
	L("mode", CJ_STR, memory_policy.mode, .need = CJ_REQUIRED, CJ_NAMES(mpol_modes),
	  .what = "memory policy mode"),
	L("nodes", CJ_STR, memory_policy.nodes),
	L("flags", CJ_STRV, memory_policy.flags,
	  .aux = CJ_AUX(struct oci_linux, memory_policy.n_flags), CJ_NAMES(mpol_flags),
	  .what = "memory policy flag"),
};

static const struct cj_field personality_rows[] = {
	L("domain", CJ_STR, personality.domain, .need = CJ_REQUIRED, CJ_NAMES(personality_domains),
	  .what = "personality domain"),
	L("flags", CJ_CUSTOM, personality, .fn = personality_flags),
};

static const struct cj_table device_table = CJ_TABLE(device_rows, NULL),
			     time_table = CJ_TABLE(time_rows, NULL),
			     mempolicy_table = CJ_TABLE(mempolicy_rows, NULL),
			     personality_table = CJ_TABLE(personality_rows, NULL);

static const struct cj_field linux_rows[] = {
	L("namespaces", CJ_CUSTOM, namespaces, .fn = parse_namespaces),
	L("uidMappings", CJ_IDMAPS, uid_mappings, .aux = CJ_AUX(struct oci_linux, n_uid_mappings)),
	L("gidMappings", CJ_IDMAPS, gid_mappings, .aux = CJ_AUX(struct oci_linux, n_gid_mappings)),
	SUB("timeOffsets", time_table),
	L("devices", CJ_ARRAY, devices, .aux = CJ_AUX(struct oci_linux, n_devices),
	  .width = sizeof(struct oci_device), .sub = &device_table),
	L("cgroupsPath", CJ_STR, cgroups_path),
	L("resources", CJ_OBJECT, resources, .sub = &cj_resources_table),
	L("sysctl", CJ_MAP, sysctl, .aux = CJ_AUX(struct oci_linux, n_sysctl)),
	L("seccomp", CJ_OBJECT, seccomp, .sub = &cj_seccomp_table),
	L("rootfsPropagation", CJ_STR, rootfs_propagation, CJ_NAMES(propagations),
	  .what = "propagation"),
	L("maskedPaths", CJ_STRV, masked_paths, .aux = CJ_AUX(struct oci_linux, n_masked_paths)),
	L("readonlyPaths", CJ_STRV, readonly_paths, .aux = CJ_AUX(struct oci_linux, n_readonly_paths)),
	L("mountLabel", CJ_STR, mount_label),
	SUB("memoryPolicy", mempolicy_table, .aux = CJ_AUX(struct oci_linux, memory_policy.set)),
	SUB("personality", personality_table, .aux = CJ_AUX(struct oci_linux, personality.set)),
};

const struct cj_table cj_linux_table = CJ_TABLE(linux_rows, NULL);

int cfg_linux_parse(yajl_val v, const char *path, struct oci_linux *l, struct sk_err *e)
{
	return cj_fields(v, path, &cj_linux_table, l, e);
}

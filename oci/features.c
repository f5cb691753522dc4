/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * features.c - the runtime-spec features.md document for `skiff features`.
 * What the config parser checks by a table is listed from that table (the
 * hooks, seccomp actions and operators from its field tables; archs, flags,
 * namespaces and capabilities from the name tables it looks names up in),
 * so that what is parsed and what is advertised cannot drift;
 * tests/unit/test_tables.c checks it.
 */
#include "internal.h"

/* Mount options the rootfs code understands (VFS flags and propagation from rootfs/optmap.c,
 * recursive "r*" variants and tmpcopyup). */
const char *const cj_mount_options[] = {
	"async",
	"atime",
	"bind",
	"defaults",
	"dev",
	"diratime",
	"dirsync",
	"exec",
	"iversion",
	"lazytime",
	"loud",
	"mand",
	"noatime",
	"nodev",
	"nodiratime",
	"noexec",
	"noiversion",
	"nolazytime",
	"nomand",
	"norelatime",
	"nostrictatime",
	"nosuid",
	"nosymfollow",
	"private",
	"ratime",
	"rbind",
	"rdev",
	"rdiratime",
	"relatime",
	"remount",
	"rexec",
	"rnoatime",
	"rnodev",
	"rnodiratime",
	"rnoexec",
	"rnorelatime",
	"rnostrictatime",
	"rnosuid",
	"rnosymfollow",
	"ro",
	"rprivate",
	"rrelatime",
	"rro",
	"rrw",
	"rshared",
	"rslave",
	"rstrictatime",
	"rsuid",
	"rsymfollow",
	"runbindable",
	"rw",
	"shared",
	"silent",
	"slave",
	"strictatime",
	"suid",
	"symfollow",
	"sync",
	"tmpcopyup",
	"unbindable",
	NULL,
};

static void gen_enabled(yajl_gen g, const char *key, bool on)
{
	cj_gen_str(g, key);
	yajl_gen_map_open(g);
	cj_gen_kbool(g, "enabled", on);
	yajl_gen_map_close(g);
}

/* The names a parser row accepts (@path in @t). */
static void gen_row_names(yajl_gen g, const char *key, const struct cj_table *t, const char *path)
{
	size_t off = 0;
	const struct cj_field *f = cj_table_find(t, path, &off);

	cj_gen_str(g, key);
	yajl_gen_array_open(g);
	for (size_t i = 0; f && i < f->n_names; i++)
		if (f->names[i])
			cj_gen_str(g, f->names[i]);
	yajl_gen_array_close(g);
}

/* The members of a parser object (@path in @t). */
static void gen_row_members(yajl_gen g, const char *key, const struct cj_table *t, const char *path)
{
	size_t off = 0;
	const struct cj_field *f = cj_table_find(t, path, &off);

	cj_gen_str(g, key);
	yajl_gen_array_open(g);
	for (size_t i = 0; f && f->sub && i < f->sub->n; i++)
		cj_gen_str(g, f->sub->rows[i].name);
	yajl_gen_array_close(g);
}

static void gen_linux(yajl_gen g)
{
	cj_gen_str(g, "linux");
	yajl_gen_map_open(g);

	cj_gen_str(g, "namespaces");
	yajl_gen_array_open(g);
	for (int i = 0; i < OCI_NS__MAX; i++)
		cj_gen_str(g, oci_ns_name(i));
	yajl_gen_array_close(g);

	cj_gen_str(g, "capabilities");
	yajl_gen_array_open(g);
	for (int i = 0; i <= oci_cap_last(); i++)
		cj_gen_str(g, oci_cap_name(i));
	yajl_gen_array_close(g);

	cj_gen_str(g, "cgroup");
	yajl_gen_map_open(g);
	cj_gen_kbool(g, "v1", true);
	cj_gen_kbool(g, "v2", true);
	cj_gen_kbool(g, "systemd", true);
	cj_gen_kbool(g, "systemdUser", false);
	yajl_gen_map_close(g);

	cj_gen_str(g, "seccomp");
	yajl_gen_map_open(g);
	cj_gen_kbool(g, "enabled", true);
	gen_row_names(g, "actions", &cj_seccomp_table, "defaultAction");
	gen_row_names(g, "operators", &cj_seccomp_table, "syscalls.args.op");
	cj_gen_kstrv(g, "archs", cj_seccomp_archs);
	cj_gen_str(g, "knownFlags");
	yajl_gen_array_open(g);
	for (const char *const *f = cj_seccomp_flags; *f; f++)
		cj_gen_str(g, *f);
	for (const char *const *f = cj_seccomp_flags_other; *f; f++)
		cj_gen_str(g, *f);
	yajl_gen_array_close(g);
	cj_gen_kstrv(g, "supportedFlags", cj_seccomp_flags);
	yajl_gen_map_close(g);

	gen_enabled(g, "apparmor", false);
	gen_enabled(g, "selinux", false);
	gen_enabled(g, "intelRdt", false);
	yajl_gen_map_close(g);
}

char *oci_features_json(void)
{
	yajl_gen g = cj_gen_new();

	yajl_gen_map_open(g);
	cj_gen_kstr(g, "ociVersionMin", "1.0.0");
	cj_gen_kstr(g, "ociVersionMax", SKIFF_OCI_VERSION);
	gen_row_members(g, "hooks", &cj_config_table, "hooks");
	cj_gen_kstrv(g, "mountOptions", cj_mount_options);
	gen_linux(g);
	cj_gen_str(g, "annotations");
	yajl_gen_map_open(g);
	cj_gen_kstr(g, "org.skiff.version", SKIFF_VERSION);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	return cj_gen_finish(g);
}

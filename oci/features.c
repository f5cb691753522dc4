/* SPDX-License-Identifier: GPL-2.0-or-later */
/* features.c - the runtime-spec features.md document for `skiff features`. */
#include "internal.h"

/* Mount options the rootfs code understands (VFS flags and propagation from rootfs/optmap.c,
 * recursive "r*" variants and tmpcopyup). */
const char *const cj_mount_options[] = {
	"async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec",
	"iversion", "lazytime", "loud", "mand", "noatime", "nodev", "nodiratime", "noexec",
	"noiversion", "nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid",
	"nosymfollow", "private", "ratime", "rbind", "rdev", "rdiratime", "relatime", "remount",
	"rexec", "rnoatime", "rnodev", "rnodiratime", "rnoexec", "rnorelatime",
	"rnostrictatime", "rnosuid", "rnosymfollow", "ro", "rprivate", "rrelatime", "rro",
	"rrw", "rshared", "rslave", "rstrictatime", "rsuid", "rsymfollow", "runbindable", "rw",
	"shared", "silent", "slave", "strictatime", "suid", "symfollow", "sync", "tmpcopyup",
	"unbindable", NULL,
};

static const char *const known_seccomp_flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL,
};

static void gen_enabled(yajl_gen g, const char *key, bool on)
{
	cj_gen_str(g, key);
	yajl_gen_map_open(g);
	cj_gen_kbool(g, "enabled", on);
	yajl_gen_map_close(g);
}

static void gen_table(yajl_gen g, const char *key, const char *const *tbl, size_t n)
{
	cj_gen_str(g, key);
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++)
		if (tbl[i])
			cj_gen_str(g, tbl[i]);
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
	cj_gen_kbool(g, "systemd", false);
	cj_gen_kbool(g, "systemdUser", false);
	yajl_gen_map_close(g);

	cj_gen_str(g, "seccomp");
	yajl_gen_map_open(g);
	cj_gen_kbool(g, "enabled", true);
	gen_table(g, "actions", cj_seccomp_actions,
		  sizeof(cj_seccomp_actions) / sizeof(cj_seccomp_actions[0]));
	gen_table(g, "operators", cj_seccomp_ops,
		  sizeof(cj_seccomp_ops) / sizeof(cj_seccomp_ops[0]));
	cj_gen_kstrv(g, "archs", cj_seccomp_archs);
	cj_gen_kstrv(g, "knownFlags", known_seccomp_flags);
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
	gen_table(g, "hooks", cj_hook_names, OCI_HOOK__MAX);
	cj_gen_kstrv(g, "mountOptions", cj_mount_options);
	gen_linux(g);
	cj_gen_str(g, "annotations");
	yajl_gen_map_open(g);
	cj_gen_kstr(g, "org.skiff.version", SKIFF_VERSION);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	return cj_gen_finish(g);
}

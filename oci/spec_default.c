/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * spec_default.c - the config.json `skiff spec` writes: runc 1.1's
 * `runc spec` defaults (hostname "skiff"; a cgroup namespace only on a
 * cgroup v2 host, as runc), and with --rootless runc's
 * rootless changes: a user namespace mapping the current user, no network
 * namespace, /sys bound from the host, no uid=/gid= mount options and no
 * cgroup resources.
 */
#include "internal.h"

#include <string.h>

static const char *const default_caps[] = {
	"CAP_AUDIT_WRITE",
	"CAP_KILL",
	"CAP_NET_BIND_SERVICE",
	NULL,
};

static const char *const default_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"TERM=xterm",
	NULL,
};

static const char *const masked_paths[] = {
	"/proc/acpi",
	"/proc/asound",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/sys/firmware",
	"/proc/scsi",
	NULL,
};

static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

struct default_mount {
	const char *dest, *type, *source;
	const char *const options[8];
};

static const struct default_mount default_mounts[] = {
	{ "/proc", "proc", "proc", { NULL } },
	{ "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k" } },
	{ "/dev/pts",
	  "devpts",
	  "devpts",
	  { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" } },
	{ "/dev/shm", "tmpfs", "shm", { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" } },
	{ "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev" } },
	{ "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro" } },
	{ "/sys/fs/cgroup", "cgroup", "cgroup", { "nosuid", "noexec", "nodev", "relatime", "ro" } },
};

static const char *const rootful_ns[] = { "pid", "network", "ipc", "uts", "mount", NULL };
static const char *const rootless_ns[] = { "pid", "ipc", "uts", "mount", NULL };

static void gen_process(yajl_gen g)
{
	static const char *const args[] = { "sh", NULL };
	static const char *const sets[] = { "bounding", "effective", "permitted" };

	cj_gen_str(g, "process");
	yajl_gen_map_open(g);
	cj_gen_kbool(g, "terminal", true);
	cj_gen_str(g, "user");
	yajl_gen_map_open(g);
	cj_gen_kint(g, "uid", 0);
	cj_gen_kint(g, "gid", 0);
	yajl_gen_map_close(g);
	cj_gen_kstrv(g, "args", args);
	cj_gen_kstrv(g, "env", default_env);
	cj_gen_kstr(g, "cwd", "/");
	cj_gen_str(g, "capabilities");
	yajl_gen_map_open(g);
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		cj_gen_kstrv(g, sets[i], default_caps);
	yajl_gen_map_close(g);
	cj_gen_str(g, "rlimits");
	yajl_gen_array_open(g);
	yajl_gen_map_open(g);
	cj_gen_kstr(g, "type", "RLIMIT_NOFILE");
	cj_gen_kint(g, "hard", 1024);
	cj_gen_kint(g, "soft", 1024);
	yajl_gen_map_close(g);
	yajl_gen_array_close(g);
	cj_gen_kbool(g, "noNewPrivileges", true);
	yajl_gen_map_close(g);
}

static void gen_mounts(yajl_gen g, bool rootless)
{
	static const char *const sys_rbind[] = { "rbind", "nosuid", "noexec", "nodev", "ro", NULL };

	cj_gen_str(g, "mounts");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < sizeof(default_mounts) / sizeof(default_mounts[0]); i++) {
		const struct default_mount *m = &default_mounts[i];

		yajl_gen_map_open(g);
		cj_gen_kstr(g, "destination", m->dest);
		if (rootless && !strcmp(m->dest, "/sys")) {
			cj_gen_kstr(g, "type", "none");
			cj_gen_kstr(g, "source", "/sys");
			cj_gen_kstrv(g, "options", sys_rbind);
			yajl_gen_map_close(g);
			continue;
		}
		cj_gen_kstr(g, "type", m->type);
		cj_gen_kstr(g, "source", m->source);
		if (m->options[0]) {
			cj_gen_str(g, "options");
			yajl_gen_array_open(g);
			for (size_t j = 0; m->options[j]; j++) {
				if (rootless && (!strncmp(m->options[j], "uid=", 4) ||
						 !strncmp(m->options[j], "gid=", 4)))
					continue;
				cj_gen_str(g, m->options[j]);
			}
			yajl_gen_array_close(g);
		}
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static void gen_idmap(yajl_gen g, const char *key, unsigned id)
{
	cj_gen_str(g, key);
	yajl_gen_array_open(g);
	yajl_gen_map_open(g);
	cj_gen_kint(g, "containerID", 0);
	cj_gen_kint(g, "hostID", id);
	cj_gen_kint(g, "size", 1);
	yajl_gen_map_close(g);
	yajl_gen_array_close(g);
}

static void gen_linux(yajl_gen g, bool rootless, bool cgroupns)
{
	const char *const *ns = rootless ? rootless_ns : rootful_ns;

	cj_gen_str(g, "linux");
	yajl_gen_map_open(g);
	if (rootless) {
		gen_idmap(g, "uidMappings", (unsigned)geteuid());
		gen_idmap(g, "gidMappings", (unsigned)getegid());
	} else {
		cj_gen_str(g, "resources");
		yajl_gen_map_open(g);
		cj_gen_str(g, "devices");
		yajl_gen_array_open(g);
		yajl_gen_map_open(g);
		cj_gen_kbool(g, "allow", false);
		cj_gen_kstr(g, "access", "rwm");
		yajl_gen_map_close(g);
		yajl_gen_array_close(g);
		yajl_gen_map_close(g);
	}
	cj_gen_str(g, "namespaces");
	yajl_gen_array_open(g);
	for (; *ns; ns++) {
		yajl_gen_map_open(g);
		cj_gen_kstr(g, "type", *ns);
		yajl_gen_map_close(g);
	}
	/* runc's order: cgroup after mount, user last (ToRootless) */
	for (int i = 0; i < 2; i++) {
		const char *t = i ? "user" : "cgroup";
		if (i ? !rootless : !cgroupns)
			continue;
		yajl_gen_map_open(g);
		cj_gen_kstr(g, "type", t);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	cj_gen_kstrv(g, "maskedPaths", masked_paths);
	cj_gen_kstrv(g, "readonlyPaths", readonly_paths);
	yajl_gen_map_close(g);
}

char *oci_spec_default(bool rootless, bool cgroupns)
{
	yajl_gen g = cj_gen_new();

	yajl_gen_map_open(g);
	cj_gen_kstr(g, "ociVersion", SKIFF_OCI_VERSION);
	gen_process(g);
	cj_gen_str(g, "root");
	yajl_gen_map_open(g);
	cj_gen_kstr(g, "path", "rootfs");
	cj_gen_kbool(g, "readonly", true);
	yajl_gen_map_close(g);
	cj_gen_kstr(g, "hostname", "skiff");
	gen_mounts(g, rootless);
	gen_linux(g, rootless, cgroupns);
	yajl_gen_map_close(g);
	return cj_gen_finish(g);
}

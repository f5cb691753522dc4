/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroups.h - the one header of cgroups/ that other folders include.
 *
 * Three layers:
 *   1. the container cgroup driver (sk_cgroup_*): create, enter, update,
 *      freeze, stats, OOM events, destroy; v2, hybrid and v1 hosts;
 *   2. the pure mapping layer (cg_map_v1/cg_map_v2): struct oci_resources
 *      -> a list of (controller, file, value) writes, unit-tested alone;
 *   3. NUMA-aware CPU placement (sk_numa_*): a pure placer over a topology
 *      struct, a sysfs reader (configurable root) and a ledger of CPUs
 *      already handed out to live skiff containers.
 *
 * All functions return 0 or -errno and fill @e on failure.
 */
#ifndef SKIFF_CGROUPS_H
#define SKIFF_CGROUPS_H

#include "../oci/oci.h"

/* ============================================================ driver */

enum sk_cg_mode {
	SK_CG_V1 = 1,	  /* only v1 hierarchies (no cgroup2 mount used) */
	SK_CG_HYBRID = 2, /* tmpfs /sys/fs/cgroup with v1 controllers + unified */
	SK_CG_V2 = 3,	  /* statfs("/sys/fs/cgroup") == CGROUP2_SUPER_MAGIC */
};

struct sk_cgroup; /* opaque handle */

struct sk_cgroup_req {
	const struct sk_log *log;
	const char *state_root; /* e.g. /run/skiff: holds numa.ledger */
	const char *id;		/* container ID */
	const struct oci_config *cfg;
	const char *sysfs_root; /* NULL = "/sys" (topology for placement) */
	/* When set, called with what sk_cgroup_load() + sk_cgroup_destroy()
	 * need to remove the cgroup (every hierarchy's directory, the NUMA
	 * ledger entry) BEFORE any of it is made; its failure fails create. */
	int (*intent)(void *arg, const char *serialized, struct sk_err *e);
	void *intent_arg;
	/* --systemd-cgroup (v2 only): the cgroup is a transient scope systemd
	 * makes with @pid in it (cgroupsPath "slice:prefix:name") */
	bool systemd;
	pid_t pid;
	/* rootless (not root, or root only in a user namespace): the user's
	 * systemd, and no device program (loading one needs CAP_SYS_ADMIN of
	 * the host; as crun and runc) */
	bool rootless;
};

/* Detect the host's cgroup layout (looks at /sys/fs/cgroup). */
__must_check int sk_cgroup_mode(enum sk_cg_mode *mode, struct sk_err *e);

/* NUMA placement (when the annotations ask for it) + mkdir down
 * linux.cgroupsPath (default /skiff/<id>) in every hierarchy + enable v2
 * controllers + apply linux.resources (devices included).  On failure
 * nothing is left behind (directories created, ledger entry).
 * An already existing cgroup is reused (podman/systemd may precreate). */
__must_check int sk_cgroup_create(const struct sk_cgroup_req *req, struct sk_cgroup **out,
				  struct sk_err *e);
/* v2 only: an O_DIRECTORY|O_CLOEXEC fd of the container's cgroup for
 * clone3(CLONE_INTO_CGROUP); owned by the handle; -1 on v1/hybrid. */
int sk_cgroup_clone_fd(const struct sk_cgroup *cg);
/* Move @pid into the container's cgroup in every hierarchy. */
__must_check int sk_cgroup_enter(const struct sk_cgroup *cg, pid_t pid, struct sk_err *e);
/* The same, into the existing sub-cgroups @subs names (exec --cgroup,
 * see cg_sub_path); @subs NULL is sk_cgroup_enter().  A controller no
 * hierarchy has, or a missing sub-cgroup, is an error. */
__must_check int sk_cgroup_enter_sub(const struct sk_cgroup *cg, pid_t pid, char *const *subs,
				     struct sk_err *e);
/* Record the container's init pid in the NUMA ledger (so the entry turns
 * stale once that process is gone).  A no-op without placement. */
__must_check int sk_cgroup_set_init_pid(struct sk_cgroup *cg, pid_t pid, struct sk_err *e);
/* One line (no newline, no tab) to keep in the container state; malloc'd. */
char *sk_cgroup_serialize(const struct sk_cgroup *cg);
/* Rebuild a handle from sk_cgroup_serialize() output. */
__must_check int sk_cgroup_load(const struct sk_log *log, const char *state_root, const char *id,
				const char *serialized, struct sk_cgroup **out, struct sk_err *e);
/* The directory whose freezer pause/resume use: cgroup2's own, or the v1
 * freezer hierarchy's (criu's --freeze-cgroup). */
const char *sk_cgroup_freezer_dir(const struct sk_cgroup *cg);
/* The cgroup path inside the hierarchies, e.g. "/skiff/abc". */
const char *sk_cgroup_path(const struct sk_cgroup *cg);
/* "nodes=0 cpus=2-3" when skiff placed the CPUs, else NULL. */
const char *sk_cgroup_placement(const struct sk_cgroup *cg);
/* Kill the processes first when @kill (SIGKILL every pid, thaw, wait until
 * empty), rmdir the cgroup (and sub-cgroups) everywhere, release the ledger
 * entry.  Missing directories are fine.  Does not free @cg. */
__must_check int sk_cgroup_destroy(struct sk_cgroup *cg, bool kill, struct sk_err *e);
/* Freeze / thaw and wait until the kernel says it is done. */
__must_check int sk_cgroup_freeze(struct sk_cgroup *cg, bool freeze, struct sk_err *e);
/* 1 frozen, 0 not, -errno (e.g. -ENOENT when the cgroup is gone). */
int sk_cgroup_is_frozen(const struct sk_cgroup *cg);
/* Every pid in the cgroup and its sub-cgroups (sorted, unique). */
__must_check int sk_cgroup_pids(const struct sk_cgroup *cg, pid_t **pids, size_t *n,
				struct sk_err *e);
/* Apply @r live; only the fields that are set are written. */
__must_check int sk_cgroup_update(struct sk_cgroup *cg, const struct oci_resources *r,
				  struct sk_err *e);
/* runc's `events --stats` object: {"type":"stats","id":ID,"data":{...}}. */
__must_check int sk_cgroup_stats_json(const struct sk_cgroup *cg, const char *id, char **json,
				      struct sk_err *e);
void sk_cgroup_free(struct sk_cgroup *cg);

static inline void sk_cgroup_freep(struct sk_cgroup **cg)
{
	if (*cg)
		sk_cgroup_free(*cg);
}
#define _cleanup_cgroup_ _cleanup_(sk_cgroup_freep)

/* OOM events.  Open a watcher, poll() its fd for POLLIN, then call
 * sk_cg_oom_read(): it returns how many new OOM kills happened (>= 0)
 * since the previous call (v1: OOM notifications), or -errno. */
struct sk_cg_oom;
__must_check int sk_cg_oom_open(const struct sk_cgroup *cg, struct sk_cg_oom **out, struct sk_err *e);
int sk_cg_oom_fd(const struct sk_cg_oom *o);
__must_check int sk_cg_oom_read(struct sk_cg_oom *o, struct sk_err *e);
void sk_cg_oom_close(struct sk_cg_oom *o);

/* ===================================================== mapping layer */

/* ---- paths and host layout (pure parsers, unit-tested) */

/* exec --cgroup, runc's [CONTROLLER[,CONTROLLER]:]PATH with PATH below
 * the container's cgroup: cg_sub_check() checks one (a non-empty PATH
 * without ".."); cg_sub_path() gives the sub path (relative, malloc'd) the
 * list @subs assigns to the hierarchy of @ctrls ("cpu,cpuacct"; "" on v2),
 * NULL for the container's own cgroup (a controller's own entry wins over
 * a bare PATH); controller entries are refused on v2.  cg_sub_names():
 * does @sub name a controller of @ctrls? */
__must_check int cg_sub_check(const char *sub, struct sk_err *e);

/* ====================================================== NUMA placement */

/* In the container process before exec: set_mempolicy(2) from
 * linux.memoryPolicy (raw syscall).  0 and nothing done when unset. */
__must_check int sk_numa_apply_mempolicy(const struct oci_config *c, struct sk_err *e);

#endif

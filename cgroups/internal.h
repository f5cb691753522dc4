/* SPDX-License-Identifier: GPL-2.0-or-later */
/* internal.h - what the files of cgroups/ share with each other (and unit
 * tests); other folders include only cgroups.h. */
#ifndef SKIFF_CGROUPS_INTERNAL_H
#define SKIFF_CGROUPS_INTERNAL_H

#include "cgroups.h"

/* ============================================================ driver */

/* cpu.shares -> cpu.weight (crun/runc's quadratic formula); 0 -> 0. */
uint64_t sk_cg_shares_to_weight(uint64_t shares);
/* blkio weight (10..1000) -> io.weight (1..10000). */
uint64_t sk_cg_blkio_to_io_weight(uint64_t w);

/* ===================================================== mapping layer */

struct cg_write {
	char *ctrl;    /* "cpu", "memory", "devices", ...  (v1 hierarchy) */
	char *file;    /* "cpu.weight", "devices.allow", ... */
	char *value;   /* written verbatim */
	bool optional; /* file missing: warn and skip instead of failing */
};

/* What the kernel offers; filled by probing files (tests set it by hand). */
struct cg_env {
	bool swap;	/* v2 memory.swap.max / v1 memory.memsw.limit_in_bytes */
	bool io_bfq;	/* io.bfq.weight / blkio.bfq.weight */
	bool io_weight; /* io.weight / blkio.weight */
	bool kmem_tcp;	/* v1 memory.kmem.tcp.limit_in_bytes */
};

struct cg_plan {
	struct cg_write *w;
	size_t n;
	struct sk_strv_buf warnings;
};

__must_check int cg_map_v2(const struct oci_resources *r, const struct cg_env *env,
			   struct cg_plan *out, struct sk_err *e);
__must_check int cg_map_v1(const struct oci_resources *r, const struct cg_env *env,
			   struct cg_plan *out, struct sk_err *e);
void cg_plan_clear(struct cg_plan *p);
/* Append one write (copies the strings). */
void cg_plan_add(struct cg_plan *p, const char *ctrl, const char *file, const char *value,
		 bool optional);

/* The device rules skiff enforces, in order (a later rule wins): deny
 * all, linux.resources.devices, the default devices runc always allows
 * (/dev/null, zero, full, random, urandom, tty, console, ptmx, pts,
 * net/tun, mknod of any c/b).  As runc, linux.devices entries get no
 * rule of their own: a device the rules deny is created but not usable.
 * malloc'd. */
__must_check int cg_device_rules(const struct oci_config *c, const struct oci_resources *r,
				 struct oci_device_rule **out, size_t *n, struct sk_err *e);
/* "c 1:3 rwm" / "a *:* rwm". */
char *cg_device_rule_str(const struct oci_device_rule *d);
/* v1: the devices.allow/devices.deny writes (ctrl "devices") that take a
 * devices cgroup whose devices.list reads @list (NULL: unknown) to what
 * @rules give.  When the cgroup and the target both deny by default, only
 * the differences, allows first (runc's minimal transition: a running
 * container never sees all devices allowed, nor all denied); otherwise
 * every rule in order (the deny-all rule first). */
int cg_devices_v1_plan(const char *list, const struct oci_device_rule *rules, size_t n,
		       struct cg_plan *out);
/* v1 under systemd: the exceptions @rules allow, as DeviceAllow= pairs
 * (paths[i], accs[i]) for DevicePolicy=strict, so that systemd writes what
 * skiff does whenever it re-applies the unit's settings: c/b M:m is
 * /dev/char/M:m (systemd parses it, no node needed), M:* char-NAME or
 * block-NAME (the major's own name in @proc_devices), *:* char-* or
 * block-*.  What cannot be said (no unique name, *:m) is left out:
 * systemd's copy is then narrower, never wider.  1 when strict, 0 (and
 * nothing added) when @rules allow by default, which strict cannot say. */
int cg_devices_sd_allow(const struct oci_device_rule *rules, size_t n, const char *proc_devices,
			struct sk_strv_buf *paths, struct sk_strv_buf *accs);

/* v2 devices: build the eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE) for
 * @rules (last matching rule wins, default deny). *insns is an array of
 * struct bpf_insn (8 bytes each), *n_insns its length. */
__must_check int cg_bpf_build(const struct oci_device_rule *rules, size_t n, void **insns,
			      size_t *n_insns, struct sk_err *e);
/* Load it and attach it to @cgroup_fd (BPF_F_ALLOW_MULTI); replaces any
 * program skiff attached earlier to that cgroup. */
__must_check int cg_bpf_attach_devices(int cgroup_fd, const struct oci_device_rule *rules, size_t n,
				       struct sk_err *e);

/* ---- paths and host layout (pure parsers, unit-tested) */

struct cg_mount {
	char *mountpoint; /* /sys/fs/cgroup/cpu,cpuacct */
	char *root;	  /* root of the mount inside the hierarchy ("/") */
	char *ctrls;	  /* v1: "cpu,cpuacct" or "name=systemd"; v2: "" */
	bool v2;
};
struct cg_mounts {
	struct cg_mount *m;
	size_t n;
};
/* Parse /proc/self/mountinfo text: every cgroup / cgroup2 mount. */
__must_check int cg_parse_mountinfo(const char *text, struct cg_mounts *out, struct sk_err *e);
void cg_mounts_clear(struct cg_mounts *m);
/* From /proc/self/cgroup text, the path for v1 hierarchy @ctrls
 * ("cpu,cpuacct", "name=systemd") or for v2 (@ctrls == "" -> "0::"). */
char *cg_own_path(const char *proc_cgroup, const char *ctrls);
/* Resolve linux.cgroupsPath into an absolute cgroup path: NULL/"" ->
 * "/skiff/<id>"; "/a/b" as is; "a/b" under @own (the caller's cgroup);
 * "slice:prefix:name" -> "/a.slice/a-b.slice/prefix-name.scope".
 * Rejects ".." components. */
__must_check int cg_resolve_path(const char *cgroups_path, const char *id, const char *own,
				 char **out, struct sk_err *e);

/* ====================================================== NUMA placement */

#define SK_NUMA_MAX_CPUS 1024
#define SK_NUMA_MAX_NODES 64

struct sk_cpuset {
	uint64_t b[SK_NUMA_MAX_CPUS / 64];
};
static inline void sk_cpuset_set(struct sk_cpuset *s, unsigned c)
{
	if (c < SK_NUMA_MAX_CPUS)
		s->b[c / 64] |= 1ULL << (c % 64);
}
static inline bool sk_cpuset_has(const struct sk_cpuset *s, unsigned c)
{
	return c < SK_NUMA_MAX_CPUS && (s->b[c / 64] >> (c % 64)) & 1;
}
unsigned sk_cpuset_count(const struct sk_cpuset *s);
/* "0-3,8" -> set; "" is the empty set.  -EINVAL/-ERANGE on bad text. */
int sk_cpuset_parse(const char *list, struct sk_cpuset *out);
/* set -> "0-3,8" (malloc'd; "" when empty). */
char *sk_cpuset_format(const struct sk_cpuset *s);

struct sk_numa_topo {
	int n_nodes;
	int node_id[SK_NUMA_MAX_NODES];			     /* kernel node number */
	struct sk_cpuset node_cpus[SK_NUMA_MAX_NODES];	     /* online CPUs of each node */
	uint32_t dist[SK_NUMA_MAX_NODES][SK_NUMA_MAX_NODES]; /* by index; 0 unknown */
	struct sk_cpuset online;
	int16_t core[SK_NUMA_MAX_CPUS]; /* lowest sibling of each online CPU, -1 */
};

/* Read the topology from @sysfs_root (NULL = "/sys"):
 * devices/system/node/online, nodeN/cpulist, nodeN/distance,
 * devices/system/cpu/online, cpuN/topology/thread_siblings_list (or
 * core_cpus_list).  A machine without node/ is one node 0. */
__must_check int sk_numa_topo_read(const char *sysfs_root, struct sk_numa_topo *t, struct sk_err *e);

enum sk_numa_policy { SK_NUMA_PACK, SK_NUMA_SPREAD };
struct sk_numa_req {
	unsigned n_cpus;
	enum sk_numa_policy policy;
	bool threads;	/* org.skiff.numa.smt=threads */
	bool exclusive; /* org.skiff.numa.exclusive=true */
};
struct sk_numa_result {
	struct sk_cpuset cpus;
	uint64_t nodes; /* bit i = kernel node number i */
};

/* Parse the org.skiff.numa.* annotations.  Returns 1 when placement was
 * asked (org.skiff.numa.cpus present), 0 when not. */
__must_check int sk_numa_req_from_config(const struct oci_config *c, struct sk_numa_req *req,
					 struct sk_err *e);
/* The pure placer: choose req->n_cpus online CPUs not in @occupied.
 * pack: one node when one has enough free CPUs (best fit), else an even
 * split over the fewest, closest nodes; spread: an even split over every
 * node with free CPUs.  Whole cores first unless req->threads (then one
 * thread per core first).  Error text names free CPUs per node. */
__must_check int sk_numa_place(const struct sk_numa_topo *t, const struct sk_cpuset *occupied,
			       const struct sk_numa_req *req, struct sk_numa_result *res,
			       struct sk_err *e);
/* "nodes=0,1 cpus=2-3,8-9" (malloc'd). */
char *sk_numa_result_str(const struct sk_numa_result *res);
/* cpuset.mems text of the result ("0-1"). */
char *sk_numa_nodes_str(const struct sk_numa_result *res);

/* The ledger <state_root>/numa.ledger, one line per container:
 * "ID PID STARTTIME KIND CPUS" (KIND o = creating skiff, i = init).
 * Under an flock on <state_root>/numa.ledger.lock: drop stale entries
 * (no <state_root>/ID dir and owner dead, or init dead), compute
 * the occupied set, run the placer, record the new entry. */
__must_check int sk_numa_ledger_place(const char *state_root, const char *id,
				      const struct sk_numa_topo *t, const struct sk_numa_req *req,
				      struct sk_numa_result *res, struct sk_err *e);
__must_check int sk_numa_ledger_set_pid(const char *state_root, const char *id, pid_t pid,
					struct sk_err *e);
__must_check int sk_numa_ledger_release(const char *state_root, const char *id, struct sk_err *e);
/* Occupied CPUs per the ledger (stale entries ignored), for tests/tools. */
__must_check int sk_numa_ledger_occupied(const char *state_root, struct sk_cpuset *occ,
					 struct sk_err *e);

enum sk_cg_mode sk_cgroup_get_mode(const struct sk_cgroup *cg);
/* Directory of the cgroup for controller @ctrl ("memory", ...); on v2 the
 * one directory whatever @ctrl; NULL when that controller is not mounted. */
const char *sk_cgroup_dir(const struct sk_cgroup *cg, const char *ctrl);
/* The same, counting a freeze inherited from a parent cgroup (v2). */
int sk_cgroup_frozen_effective(const struct sk_cgroup *cg);
__must_check int cg_sub_path(char *const *subs, const char *ctrls, bool v2, char **out,
			     struct sk_err *e);
bool cg_sub_names(const char *sub, const char *ctrls);
/* Parse linux.memoryPolicy into set_mempolicy arguments (pure). */
__must_check int sk_numa_mempolicy_args(const struct oci_config *c, int *mode, unsigned long *mask,
					size_t mask_longs, unsigned long *maxnode, struct sk_err *e);

/* ------------------------------------------ the cgroup object (cgroup.c) */

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif
#define CG_ROOT "/sys/fs/cgroup"

struct cg_hier {
	char *ctrls; /* "cpu" / "cpu,cpuacct" / "name=systemd" */
	char *dir;
};

struct sk_cgroup {
	const struct sk_log *log;
	char *state_root, *id;
	enum sk_cg_mode mode;
	char *path;
	char *v2dir;	   /* v2: the cgroup; hybrid: in unified, or NULL */
	struct cg_hier *h; /* v1 hierarchies */
	size_t nh;
	int clone_fd;
	char *placement;
	bool ledger;
	struct sk_strv_buf created; /* dirs made by create, to undo on failure */
	bool existed;		    /* create found the container's cgroup already there */
	char *unit;		    /* --systemd-cgroup: the scope systemd made, or NULL */
	bool user;		    /* ... by the user's systemd (rootless) */
};

struct sk_cgroup *cg_new(const struct sk_log *log, const char *state_root, const char *id);
/* Record a v1 hierarchy (controllers "cpu,cpuacct", directory) in @cg. */
void cg_add_hier(struct sk_cgroup *cg, const char *ctrls, const char *dir);
/* Is @ctrl one of the comma-separated @ctrls? */
bool cg_ctrls_has(const char *ctrls, const char *ctrl);

/* apply.c: DIR/FILE as a string (written whole; read malloc'd, trimmed) */
__must_check int cg_write_str(const char *dir, const char *file, const char *v, struct sk_err *e);
int cg_read_str(const char *dir, const char *file, char **out);
bool cg_file_exists(const char *dir, const char *file);
/* Map @r for the cgroup's mode and write it (with the device rules when
 * @devices: create, not update). */
__must_check int cg_apply_resources(struct sk_cgroup *cg, const struct oci_config *cfg,
				    const struct oci_resources *r, bool devices, struct sk_err *e);

/* systemd.c: the systemd driver.  cg_sd_names: slice, unit and cgroup
 * path from "slice:prefix:name" (empty: system.slice:skiff:ID); the unit
 * is the scope prefix-name.scope, or the slice name itself when it ends in
 * ".slice" (runc: a child of slice, no prefix).  cg_sd_props: the
 * resources systemd knows, as (sv) entries of an open a(sv) (@v1: the
 * names systemd has for cgroup v1).  cg_sd_start: StartTransientUnit
 * (a scope: Delegate=yes, PIDs=[pid]; a slice: Wants= its parent, the
 * caller moves the init in) and wait for its job; cg_sd_set:
 * SetUnitProperties (runtime); cg_sd_stop: StopUnit and wait (a unit
 * already gone is fine).  user: rootless, the user's systemd (found under
 * $XDG_RUNTIME_DIR; default slice user.slice). */
struct sk_dbus_w;
struct cg_sd_unit {
	const char *unit, *slice, *id;
	bool user, v1;
	pid_t pid;
	const struct oci_resources *res;
	/* v1: the device rules, as DevicePolicy=strict + DeviceAllow= */
	const struct oci_device_rule *rules;
	size_t n_rules;
};
__must_check int cg_sd_names(const char *cgroups_path, const char *id, bool user, char **slice,
			     char **unit, char **path, struct sk_err *e);
bool cg_sd_is_slice(const char *unit);
__must_check int cg_sd_props(struct sk_dbus_w *w, const struct oci_resources *r, bool v1,
			     struct sk_err *e);
__must_check int cg_sd_start(const struct sk_log *log, const struct cg_sd_unit *u, struct sk_err *e);
__must_check int cg_sd_set(bool user, bool v1, const char *unit, const struct oci_resources *res,
			   struct sk_err *e);
__must_check int cg_sd_stop(const struct sk_log *log, bool user, const char *unit, struct sk_err *e);
/* Does systemd make a unit's cgroup in the v1 hierarchy of @ctrls
 * (so that it is systemd's to remove)? */
bool cg_sd_owns_hier(const char *ctrls);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* create.c - make a container's cgroup (every hierarchy, NUMA placement,
 * intent record), check an existing one, move processes into it. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>

/* ---------------------------------------------------------- create */

static int mkdir_tracked(struct sk_cgroup *cg, const char *p, bool *made, struct sk_err *e)
{
	*made = false;
	if (mkdir(p, 0755) == 0) {
		sk_strv_buf_add(&cg->created, p);
		*made = true;
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	return sk_err_sys(e, errno, "mkdir %s", p);
}

static void cpuset_fill(const char *dir, const char *parent, const struct sk_log *log)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

	for (int i = 0; i < 2; i++) {
		_cleanup_free_ char *cur = NULL, *par = NULL;
		struct sk_err e;
		if (cg_read_str(dir, files[i], &cur) < 0 || (cur[0] && cur[0] != '\n'))
			continue;
		if (cg_read_str(parent, files[i], &par) < 0)
			continue;
		if (cg_write_str(dir, files[i], par, &e) < 0)
			sk_warn(log, "%s", e.msg);
	}
}

static void enable_controllers(const char *dir, const struct sk_log *log)
{
	_cleanup_free_ char *avail = NULL;
	char *save = NULL, *tok;

	if (cg_read_str(dir, "cgroup.controllers", &avail) < 0)
		return;
	for (tok = strtok_r(avail, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		_cleanup_free_ char *v = sk_xasprintf("+%s", tok);
		struct sk_err e;
		if (cg_write_str(dir, "cgroup.subtree_control", v, &e) < 0)
			sk_debug(log, "enable %s: %s", tok, e.msg);
	}
}

/* mkdir @mountpoint/@rel component by component; *existed: the last
 * one was there already. */
static int make_path(struct sk_cgroup *cg, const char *mountpoint, const char *rel, bool v2,
		     bool cpuset, bool dry, char **dir_out, bool *existed, struct sk_err *e)
{
	_cleanup_free_ char *cur = sk_xstrdup(mountpoint);
	const char *s = rel;
	int r;

	*existed = true;

	while (*s) {
		size_t l;
		char *next;
		bool made;
		while (*s == '/')
			s++;
		l = strcspn(s, "/");
		if (!l)
			break;
		next = sk_xasprintf("%s/%.*s", cur, (int)l, s);
		if (dry) {
			free(cur);
			cur = next;
			s += l;
			continue;
		}
		/* a hybrid host's cgroup2 is not skiff's to configure: its
		 * controllers stay as the host set them */
		if (v2 && cg->mode == SK_CG_V2)
			enable_controllers(cur, cg->log);
		r = mkdir_tracked(cg, next, &made, e);
		if (r < 0) {
			free(next);
			return r;
		}
		*existed = !made;
		if (cpuset)
			cpuset_fill(next, cur, cg->log);
		free(cur);
		cur = next;
		s += l;
	}
	*dir_out = sk_steal_ptr(&cur);
	return 0;
}

/* make_path, again when a parent vanished under us (ENOENT): a
 * concurrent delete may rmdir an empty /skiff between our mkdirs. */
static int make_path_retry(struct sk_cgroup *cg, const char *mountpoint, const char *rel, bool v2,
			   bool cpuset, bool dry, char **dir_out, bool *existed, struct sk_err *e)
{
	int r = -ENOENT;

	for (int i = 0; i < 20 && r == -ENOENT; i++)
		r = make_path(cg, mountpoint, rel, v2, cpuset, dry, dir_out, existed, e);
	return r;
}

static char *hier_rel(const struct cg_mount *m, const char *path)
{
	size_t rl = strlen(m->root);
	if (rl > 1 && !strncmp(path, m->root, rl) && (path[rl] == '/' || !path[rl]))
		return sk_xstrdup(path + rl);
	return sk_xstrdup(path);
}

static void undo_create(struct sk_cgroup *cg)
{
	size_t n = cg->created.n;
	while (n-- > 0)
		rmdir(cg->created.v[n]);
}

/* mkdir the cgroup in every hierarchy; @dry: only work out the
 * directories (cg->path, v2dir, h), for the intent record. */
static int setup_dirs(struct sk_cgroup *cg, const char *cgroups_path, bool dry, struct sk_err *e)
{
	_cleanup_free_ char *mi = NULL, *pc = NULL;
	struct cg_mounts mounts = { 0 };
	int r;

	r = sk_read_file_at(AT_FDCWD, "/proc/self/mountinfo", &mi, NULL, e);
	if (r < 0)
		return r;
	r = sk_read_file_at(AT_FDCWD, "/proc/self/cgroup", &pc, NULL, e);
	if (r < 0)
		return r;
	r = cg_parse_mountinfo(mi, &mounts, e);
	if (r < 0)
		return r;

	for (size_t i = 0; i < mounts.n && r == 0; i++) {
		const struct cg_mount *m = &mounts.m[i];
		_cleanup_free_ char *own = NULL, *path = NULL, *rel = NULL, *dir = NULL;
		bool dup = false, existed = false;

		if (strncmp(m->mountpoint, CG_ROOT, strlen(CG_ROOT)))
			continue; /* only the host layout under /sys/fs/cgroup */
		if (m->v2 != (cg->mode == SK_CG_V2) && !(cg->mode == SK_CG_HYBRID && m->v2))
			continue;
		if (m->v2 && cg->v2dir)
			continue;
		if (!m->v2) {
			if (!*m->ctrls)
				continue;
			for (size_t j = 0; j < cg->nh; j++)
				dup |= !strcmp(cg->h[j].ctrls, m->ctrls);
			if (dup)
				continue;
		}
		own = cg_own_path(pc, m->ctrls);
		r = cg_resolve_path(cgroups_path, cg->id, own, &path, e);
		if (r < 0)
			break;
		rel = hier_rel(m, path);
		if (!cg->path)
			cg->path = sk_xstrdup(path);
		r = make_path_retry(cg, m->mountpoint, rel, m->v2, cg_ctrls_has(m->ctrls, "cpuset"),
				    dry, &dir, &existed, e);
		if (r == 0 && existed && !dry)
			cg->existed = true;
		if (r < 0 && m->v2 && cg->mode == SK_CG_HYBRID) {
			sk_warn(cg->log, "unified hierarchy: %s (skipped)", e->msg);
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		if (m->v2)
			cg->v2dir = sk_steal_ptr(&dir);
		else
			cg_add_hier(cg, m->ctrls, dir);
	}
	cg_mounts_clear(&mounts);
	if (r < 0)
		return r;
	if (cg->mode == SK_CG_V2 && !cg->v2dir)
		return sk_err_set(e, ENOENT, "no cgroup2 mount found at %s", CG_ROOT);
	if (cg->mode != SK_CG_V2 && !cg->nh)
		return sk_err_set(e, ENOENT, "no cgroup v1 hierarchy mounted under %s", CG_ROOT);
	return 0;
}

static int place(struct sk_cgroup *cg, const struct sk_cgroup_req *req, struct oci_resources *res,
		 char **cpus, char **mems, bool *exclusive, struct sk_err *e)
{
	struct sk_numa_req nreq;
	struct sk_numa_result out;
	struct sk_numa_topo *t;
	int r;

	*exclusive = false;
	if (res->cpu.cpus && *res->cpu.cpus)
		return 0; /* explicit cpus win */
	r = sk_numa_req_from_config(req->cfg, &nreq, e);
	if (r <= 0)
		return r;
	t = sk_xmalloc(sizeof(*t));
	r = sk_numa_topo_read(req->sysfs_root, t, e);
	if (r == 0)
		r = sk_numa_ledger_place(req->state_root, req->id, t, &nreq, &out, e);
	free(t);
	if (r < 0)
		return r;
	cg->ledger = true;
	*cpus = sk_cpuset_format(&out.cpus);
	res->cpu.cpus = *cpus;
	if (!res->cpu.mems || !*res->cpu.mems) {
		*mems = sk_numa_nodes_str(&out);
		res->cpu.mems = *mems;
	}
	cg->placement = sk_numa_result_str(&out);
	*exclusive = nreq.exclusive;
	return 0;
}

static void make_partition(struct sk_cgroup *cg)
{
	_cleanup_free_ char *v = NULL;
	struct sk_err e;

	if (cg->mode != SK_CG_V2 || !cg_file_exists(cg->v2dir, "cpuset.cpus.partition")) {
		sk_warn(cg->log,
			"org.skiff.numa.exclusive: no cpuset partitions here (needs cgroup v2)");
		return;
	}
	if (cg_write_str(cg->v2dir, "cpuset.cpus.partition", "root", &e) < 0) {
		sk_warn(cg->log, "org.skiff.numa.exclusive: %s", e.msg);
		return;
	}
	if (cg_read_str(cg->v2dir, "cpuset.cpus.partition", &v) < 0 || strncmp(v, "root", 4) ||
	    (v[4] && v[4] != '\n')) {
		sk_warn(cg->log, "org.skiff.numa.exclusive: partition is \"%s\", reverted",
			v ? strtok(v, "\n") : "?");
		sk_ignore(cg_write_str(cg->v2dir, "cpuset.cpus.partition", "member", &e));
	}
}

/* Drop the directories a dry setup_dirs() worked out. */
static void forget_dirs(struct sk_cgroup *cg)
{
	free(cg->v2dir);
	cg->v2dir = NULL;
	for (size_t i = 0; i < cg->nh; i++) {
		free(cg->h[i].ctrls);
		free(cg->h[i].dir);
	}
	cg->nh = 0;
}

/* Will place() take CPUs from the NUMA ledger (no explicit cpus, the
 * annotations ask for placement)?  For the intent record. */
static bool wants_ledger(const struct sk_cgroup_req *req, struct sk_err *e)
{
	const char *cpus = req->cfg->lnx.resources.cpu.cpus;
	struct sk_numa_req nreq;

	return !(cpus && *cpus) && sk_numa_req_from_config(req->cfg, &nreq, e) > 0;
}

/* Tell the caller what create is about to make (directories, ledger
 * entry) before any of it exists; cg is left as it was. */
static int record_intent(struct sk_cgroup *cg, const struct sk_cgroup_req *req, struct sk_err *e)
{
	_cleanup_free_ char *s = NULL;
	int r = setup_dirs(cg, req->cfg->lnx.cgroups_path, true, e);

	if (r == 0) {
		cg->ledger = wants_ledger(req, e);
		s = sk_cgroup_serialize(cg);
		r = req->intent(req->intent_arg, s, e);
	}
	free(cg->path);
	cg->path = NULL;
	forget_dirs(cg);
	cg->ledger = false;
	return r;
}

/* As runc: a container's cgroup that is frozen (itself or a parent) is
 * refused -- its init would hang there; one that already has processes
 * is used with a warning. */
static int check_existing(struct sk_cgroup *cg, struct sk_err *e)
{
	if (sk_cgroup_frozen_effective(cg) == 1)
		return sk_err_set(e, EBUSY,
				  "container's cgroup %s is unexpectedly frozen (thaw it first)",
				  cg->path);
	if (cg->existed) {
		_cleanup_free_ pid_t *pids = NULL;
		struct sk_err ign;
		size_t n = 0;
		if (sk_cgroup_pids(cg, &pids, &n, &ign) == 0 && n)
			sk_warn(cg->log, "container's cgroup %s is not empty: %zu process(es) found",
				cg->path, n);
	}
	return 0;
}

/* cg->path and cg->v2dir from /proc/@pid/cgroup. */
static int scope_path_of(struct sk_cgroup *cg, pid_t pid, struct sk_err *e)
{
	_cleanup_free_ char *text = NULL, *file = sk_xasprintf("/proc/%d/cgroup", (int)pid);
	char *path;
	int r = sk_read_file_at(AT_FDCWD, file, &text, NULL, e);

	if (r < 0)
		return r;
	path = cg_own_path(text, "");
	if (!path)
		return sk_err_set(e, ENOENT, "%s: no cgroup2 line", file);
	free(cg->path);
	free(cg->v2dir);
	cg->path = path;
	cg->v2dir = sk_xasprintf(CG_ROOT "%s", cg->path);
	return 0;
}

/* --systemd-cgroup, the intent record: the unit, and on v1 and hybrid
 * hosts the directories in every hierarchy (skiff makes those systemd
 * does not). */
static int scope_intent(struct sk_cgroup *cg, const struct sk_cgroup_req *req, struct sk_err *e)
{
	_cleanup_free_ char *s = NULL;
	int r = 0;

	if (cg->mode != SK_CG_V2)
		r = setup_dirs(cg, cg->path, true, e);
	if (r == 0 && req->intent) {
		cg->ledger = wants_ledger(req, e);
		s = sk_cgroup_serialize(cg);
		cg->ledger = false;
		r = req->intent(req->intent_arg, s, e);
	}
	if (cg->mode != SK_CG_V2)
		forget_dirs(cg);
	return r;
}

/* --systemd-cgroup: systemd makes the cgroup, a scope with the init in
 * it (or a slice the init is moved into); on v1 and hybrid hosts skiff
 * makes it in the hierarchies systemd does not manage and moves the init
 * there too (as runc); then what systemd does not know is written as for
 * cgroupfs. */
static int create_scope(struct sk_cgroup *cg, const struct sk_cgroup_req *req, struct sk_err *e)
{
	_cleanup_free_ char *slice = NULL, *cpus = NULL, *mems = NULL;
	_cleanup_free_ struct oci_device_rule *rules = NULL;
	struct oci_resources res = req->cfg->lnx.resources;
	bool exclusive = false, v1 = cg->mode != SK_CG_V2;
	size_t n_rules = 0;
	int r;

	if (v1 && req->rootless)
		return sk_err_set(e, ENOTSUP,
				  "--systemd-cgroup: rootless needs cgroup v2 (this host has %s "
				  "cgroups, which systemd does not delegate to users)",
				  cg->mode == SK_CG_V1 ? "v1" : "hybrid");
	cg->user = req->rootless;
	r = cg_sd_names(req->cfg->lnx.cgroups_path, cg->id, cg->user, &slice, &cg->unit, &cg->path,
			e);
	if (r < 0)
		return r;
	if (!v1)
		cg->v2dir = sk_xasprintf(CG_ROOT "%s", cg->path);
	else if ((r = cg_device_rules(req->cfg, &res, &rules, &n_rules, e)) < 0)
		return r;
	r = scope_intent(cg, req, e);
	if (r < 0)
		return r;
	r = place(cg, req, &res, &cpus, &mems, &exclusive, e);
	if (r == 0) {
		struct cg_sd_unit u = { .unit = cg->unit,
					.slice = slice,
					.id = cg->id,
					.user = cg->user,
					.v1 = v1,
					.pid = req->pid,
					.res = &res,
					.rules = rules,
					.n_rules = n_rules };
		r = cg_sd_start(cg->log, &u, e);
	}
	if (r < 0)
		goto fail;
	/* the user's systemd has its slices below user@UID.service: where
	 * the scope is, the init's own cgroup says */
	if (cg->user && (r = scope_path_of(cg, req->pid, e)) < 0)
		goto stop;
	if (v1)
		r = setup_dirs(cg, cg->path, false, e);
	if (r == 0 && (v1 || cg_sd_is_slice(cg->unit)))
		r = sk_cgroup_enter(cg, req->pid, e);
	if (r == 0 && !v1) {
		cg->clone_fd = open(cg->v2dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cg->clone_fd < 0)
			r = sk_err_sys(e, errno, "open %s", cg->v2dir);
	}
	if (r == 0)
		r = cg_apply_resources(cg, req->cfg, &res, !req->rootless, e);
	if (r == 0 && exclusive)
		make_partition(cg);
	if (r == 0) {
		sk_strv_free(cg->created.v);
		cg->created = (struct sk_strv_buf){ 0 };
		return 0;
	}
stop : {
	/* the init alone is in the scope, and it ignores the SIGTERM a stop
	 * sends (a pid namespace's init): systemd would wait out its stop
	 * timeout.  The caller kills and reaps it anyway. */
	struct sk_err ign;
	kill(req->pid, SIGKILL);
	sk_ignore(cg_sd_stop(cg->log, cg->user, cg->unit, &ign));
	undo_create(cg);
}
fail:
	if (cg->ledger) {
		struct sk_err ign;
		sk_ignore(sk_numa_ledger_release(req->state_root, req->id, &ign));
	}
	return r;
}

int sk_cgroup_create(const struct sk_cgroup_req *req, struct sk_cgroup **out, struct sk_err *e)
{
	_cleanup_cgroup_ struct sk_cgroup *cg = cg_new(req->log, req->state_root, req->id);
	_cleanup_free_ char *cpus = NULL, *mems = NULL;
	struct oci_resources res = req->cfg->lnx.resources;
	bool exclusive = false;
	int r;

	r = sk_cgroup_mode(&cg->mode, e);
	if (r < 0)
		return r;
	if (req->systemd) {
		r = create_scope(cg, req, e);
		if (r == 0)
			*out = sk_steal_ptr(&cg);
		return r;
	}
	if (req->intent) {
		r = record_intent(cg, req, e);
		if (r < 0)
			return r;
	}
	r = place(cg, req, &res, &cpus, &mems, &exclusive, e);
	if (r < 0)
		return r;
	r = setup_dirs(cg, req->cfg->lnx.cgroups_path, false, e);
	if (r < 0)
		goto fail;
	r = check_existing(cg, e);
	if (r < 0)
		goto fail;
	if (cg->mode == SK_CG_V2) {
		cg->clone_fd = open(cg->v2dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cg->clone_fd < 0) {
			r = sk_err_sys(e, errno, "open %s", cg->v2dir);
			goto fail;
		}
	}
	r = cg_apply_resources(cg, req->cfg, &res, !req->rootless, e);
	if (r < 0)
		goto fail;
	if (exclusive)
		make_partition(cg);
	sk_strv_free(cg->created.v);
	cg->created = (struct sk_strv_buf){ 0 };
	*out = sk_steal_ptr(&cg);
	return 0;
fail:
	undo_create(cg);
	if (cg->ledger) {
		struct sk_err ign;
		sk_ignore(sk_numa_ledger_release(req->state_root, req->id, &ign));
	}
	return r;
}

int sk_cgroup_set_init_pid(struct sk_cgroup *cg, pid_t pid, struct sk_err *e)
{
	if (!cg->ledger)
		return 0;
	return sk_numa_ledger_set_pid(cg->state_root, cg->id, pid, e);
}

int sk_cgroup_enter(const struct sk_cgroup *cg, pid_t pid, struct sk_err *e)
{
	char buf[32];
	int r;

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	if (cg->v2dir) {
		r = cg_write_str(cg->v2dir, "cgroup.procs", buf, e);
		if (r < 0 && cg->mode == SK_CG_V2)
			return r;
		if (r < 0)
			sk_warn(cg->log, "%s", e->msg);
	}
	for (size_t i = 0; i < cg->nh; i++) {
		r = cg_write_str(cg->h[i].dir, "cgroup.procs", buf, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Write @pid into DIR[/SUB]/cgroup.procs; a missing SUB is named. */
static int enter_one(const char *dir, const char *sub, const char *buf, struct sk_err *e)
{
	_cleanup_free_ char *d = NULL;
	struct stat sb;

	if (!sub)
		return cg_write_str(dir, "cgroup.procs", buf, e);
	d = sk_xasprintf("%s/%s", dir, sub);
	if (stat(d, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return sk_err_set(e, ENOENT, "--cgroup: sub-cgroup %s does not exist", d);
	return cg_write_str(d, "cgroup.procs", buf, e);
}

int sk_cgroup_enter_sub(const struct sk_cgroup *cg, pid_t pid, char *const *subs, struct sk_err *e)
{
	char buf[32];
	int r;

	if (!subs || !*subs)
		return sk_cgroup_enter(cg, pid, e);
	/* every controller named must be one of ours */
	for (size_t i = 0; cg->mode != SK_CG_V2 && subs[i]; i++) {
		const char *colon = strchr(subs[i], ':');
		bool found = false;
		if (!colon)
			continue;
		for (size_t k = 0; k < cg->nh && !found; k++)
			found = cg_sub_names(subs[i], cg->h[k].ctrls);
		if (!found)
			return sk_err_set(e, EINVAL, "--cgroup \"%s\": unknown controller %.*s",
					  subs[i], (int)(colon - subs[i]), subs[i]);
	}
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	if (cg->v2dir) {
		_cleanup_free_ char *sub = NULL;
		r = cg_sub_path(subs, "", cg->mode == SK_CG_V2, &sub, e);
		if (r < 0)
			return r;
		r = enter_one(cg->v2dir, sub, buf, e);
		if (r < 0 && cg->mode == SK_CG_V2)
			return r;
		if (r < 0)
			sk_warn(cg->log, "%s", e->msg);
	}
	for (size_t i = 0; i < cg->nh; i++) {
		_cleanup_free_ char *sub = NULL;
		r = cg_sub_path(subs, cg->h[i].ctrls, false, &sub, e);
		if (r < 0)
			return r;
		r = enter_one(cg->h[i].dir, sub, buf, e);
		if (r < 0)
			return r;
	}
	return 0;
}

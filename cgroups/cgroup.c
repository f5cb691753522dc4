/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup.c - the container cgroup driver: layout detection, create (mkdir
 * + controllers + resources), enter, update, serialize/load, destroy.
 */
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

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif
#define CG_ROOT "/sys/fs/cgroup"

struct cg_hier {
	char *ctrls;  /* "cpu" / "cpu,cpuacct" / "name=systemd" */
	char *dir;
};

struct sk_cgroup {
	const struct sk_log *log;
	char *state_root, *id;
	enum sk_cg_mode mode;
	char *path;
	char *v2dir;         /* v2: the cgroup; hybrid: in unified, or NULL */
	struct cg_hier *h;   /* v1 hierarchies */
	size_t nh;
	int clone_fd;
	char *placement;
	bool ledger;
	struct sk_strv_buf created;   /* dirs made by create, to undo on failure */
	bool existed;        /* create found the container's cgroup already there */
};

int sk_cgroup_mode(enum sk_cg_mode *mode, struct sk_err *e)
{
	struct statfs sf;

	if (statfs(CG_ROOT, &sf) < 0)
		return sk_err_sys(e, errno, "statfs %s", CG_ROOT);
	if ((unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC) {
		*mode = SK_CG_V2;
		return 0;
	}
	if ((unsigned long)sf.f_type != TMPFS_MAGIC)
		return sk_err_set(e, ENOTSUP, "%s: neither cgroup2 nor a tmpfs of v1 hierarchies",
				  CG_ROOT);
	if (statfs(CG_ROOT "/unified", &sf) == 0 &&
	    (unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC)
		*mode = SK_CG_HYBRID;
	else
		*mode = SK_CG_V1;
	return 0;
}

enum sk_cg_mode sk_cgroup_get_mode(const struct sk_cgroup *cg)
{
	return cg->mode;
}

const char *sk_cgroup_path(const struct sk_cgroup *cg)
{
	return cg->path;
}

const char *sk_cgroup_placement(const struct sk_cgroup *cg)
{
	return cg->placement;
}

int sk_cgroup_clone_fd(const struct sk_cgroup *cg)
{
	return cg->mode == SK_CG_V2 ? cg->clone_fd : -1;
}

static bool ctrls_has(const char *ctrls, const char *ctrl)
{
	size_t l = strlen(ctrl);
	const char *s = ctrls;

	while (*s) {
		size_t sl = strcspn(s, ",");
		if (sl == l && !strncmp(s, ctrl, l))
			return true;
		s += sl;
		if (*s)
			s++;
	}
	return false;
}

const char *sk_cgroup_dir(const struct sk_cgroup *cg, const char *ctrl)
{
	if (cg->mode == SK_CG_V2)
		return cg->v2dir;
	for (size_t i = 0; i < cg->nh; i++)
		if (ctrls_has(cg->h[i].ctrls, ctrl))
			return cg->h[i].dir;
	return NULL;
}

void sk_cgroup_free(struct sk_cgroup *cg)
{
	if (!cg)
		return;
	free(cg->state_root);
	free(cg->id);
	free(cg->path);
	free(cg->v2dir);
	for (size_t i = 0; i < cg->nh; i++) {
		free(cg->h[i].ctrls);
		free(cg->h[i].dir);
	}
	free(cg->h);
	if (cg->clone_fd >= 0)
		close(cg->clone_fd);
	free(cg->placement);
	sk_strv_free(cg->created.v);
	free(cg);
}

static struct sk_cgroup *cg_new(const struct sk_log *log, const char *state_root,
				const char *id)
{
	struct sk_cgroup *cg = sk_xcalloc(1, sizeof(*cg));
	cg->log = log;
	cg->state_root = sk_xstrdup(state_root);
	cg->id = sk_xstrdup(id);
	cg->clone_fd = -1;
	return cg;
}

static void add_hier(struct sk_cgroup *cg, const char *ctrls, const char *dir)
{
	cg->h = sk_xrealloc(cg->h, (cg->nh + 1) * sizeof(*cg->h));
	cg->h[cg->nh].ctrls = sk_xstrdup(ctrls);
	cg->h[cg->nh].dir = sk_xstrdup(dir);
	cg->nh++;
}

/* ------------------------------------------------------ serialization */

static char *enc(const char *s)
{
	size_t n = strlen(s);
	char *r = sk_xmalloc(n * 3 + 1), *o = r;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("/._,=-", c))
			*o++ = (char)c;
		else
			o += sprintf(o, "%%%02X", c);
	}
	*o = '\0';
	return r;
}

static char *dec(const char *s, size_t n)
{
	char *r = sk_xmalloc(n + 1), *o = r;

	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (s[i] == '%' && i + 2 < n && sscanf(s + i + 1, "%2x", &v) == 1) {
			*o++ = (char)v;
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return r;
}

char *sk_cgroup_serialize(const struct sk_cgroup *cg)
{
	static const char *const names[] = { "", "v1", "hybrid", "v2" };
	_cleanup_free_ char *p = enc(cg->path ? cg->path : "/");
	char *out = sk_xasprintf("skiff-cg1 mode=%s path=%s ledger=%d", names[cg->mode], p,
				 cg->ledger ? 1 : 0);

	if (cg->placement) {
		_cleanup_free_ char *x = enc(cg->placement);
		char *n = sk_xasprintf("%s placement=%s", out, x);
		free(out);
		out = n;
	}
	if (cg->v2dir) {
		_cleanup_free_ char *x = enc(cg->v2dir);
		char *n = sk_xasprintf("%s v2=%s", out, x);
		free(out);
		out = n;
	}
	for (size_t i = 0; i < cg->nh; i++) {
		_cleanup_free_ char *a = enc(cg->h[i].ctrls), *b = enc(cg->h[i].dir);
		char *n = sk_xasprintf("%s h=%s@%s", out, a, b);
		free(out);
		out = n;
	}
	return out;
}

int sk_cgroup_load(const struct sk_log *log, const char *state_root, const char *id,
		   const char *serialized, struct sk_cgroup **out, struct sk_err *e)
{
	_cleanup_cgroup_ struct sk_cgroup *cg = cg_new(log, state_root, id);
	const char *s = serialized;

	if (!s || strncmp(s, "skiff-cg1 ", 10))
		return sk_err_set(e, EINVAL, "container %s: bad cgroup state \"%.40s\"", id,
				  s ? s : "");
	s += 10;
	while (*s) {
		size_t l = strcspn(s, " ");
		const char *eq = memchr(s, '=', l);
		if (eq) {
			size_t kl = (size_t)(eq - s);
			const char *v = eq + 1;
			size_t vl = l - kl - 1;
			if (kl == 4 && !strncmp(s, "mode", 4)) {
				if (vl == 2 && !strncmp(v, "v1", 2))
					cg->mode = SK_CG_V1;
				else if (vl == 2 && !strncmp(v, "v2", 2))
					cg->mode = SK_CG_V2;
				else if (vl == 6 && !strncmp(v, "hybrid", 6))
					cg->mode = SK_CG_HYBRID;
			} else if (kl == 4 && !strncmp(s, "path", 4)) {
				free(cg->path);
				cg->path = dec(v, vl);
			} else if (kl == 6 && !strncmp(s, "ledger", 6)) {
				cg->ledger = vl == 1 && *v == '1';
			} else if (kl == 9 && !strncmp(s, "placement", 9)) {
				free(cg->placement);
				cg->placement = dec(v, vl);
			} else if (kl == 2 && !strncmp(s, "v2", 2)) {
				free(cg->v2dir);
				cg->v2dir = dec(v, vl);
			} else if (kl == 1 && *s == 'h') {
				const char *at = memchr(v, '@', vl);
				if (at) {
					_cleanup_free_ char *a = dec(v, (size_t)(at - v));
					_cleanup_free_ char *b = dec(at + 1, vl - (size_t)(at - v) - 1);
					add_hier(cg, a, b);
				}
			}
		}
		s += l;
		while (*s == ' ')
			s++;
	}
	if (!cg->mode || (cg->mode == SK_CG_V2 && !cg->v2dir))
		return sk_err_set(e, EINVAL, "container %s: incomplete cgroup state", id);
	if (cg->mode == SK_CG_V2)
		cg->clone_fd = open(cg->v2dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*out = sk_steal_ptr(&cg);
	return 0;
}

/* -------------------------------------------------------- applying */

static int write_str(const char *dir, const char *file, const char *v, struct sk_err *e)
{
	_cleanup_free_ char *p = sk_xasprintf("%s/%s", dir, file);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return sk_err_sys(e, errno, "open %s", p);
	r = sk_write_all(fd, v, strlen(v));
	if (r < 0)
		return sk_err_sys(e, -r, "write \"%s\" to %s", v, p);
	return 0;
}

static int read_str(const char *dir, const char *file, char **out)
{
	_cleanup_free_ char *p = sk_xasprintf("%s/%s", dir, file);
	struct sk_err ign;
	return sk_read_file_at(AT_FDCWD, p, out, NULL, &ign);
}

static bool file_exists(const char *dir, const char *file)
{
	_cleanup_free_ char *p = NULL;
	if (!dir)
		return false;
	p = sk_xasprintf("%s/%s", dir, file);
	return access(p, F_OK) == 0;
}

static void probe_env(const struct sk_cgroup *cg, struct cg_env *env)
{
	const char *mem = sk_cgroup_dir(cg, "memory"), *io;

	memset(env, 0, sizeof(*env));
	if (cg->mode == SK_CG_V2) {
		io = cg->v2dir;
		env->swap = file_exists(mem, "memory.swap.max");
		env->io_bfq = file_exists(io, "io.bfq.weight");
		env->io_weight = file_exists(io, "io.weight");
	} else {
		io = sk_cgroup_dir(cg, "blkio");
		env->swap = file_exists(mem, "memory.memsw.limit_in_bytes");
		env->io_bfq = file_exists(io, "blkio.bfq.weight");
		env->io_weight = file_exists(io, "blkio.weight");
		env->kmem_tcp = file_exists(mem, "memory.kmem.tcp.limit_in_bytes");
	}
}

static int apply_plan(struct sk_cgroup *cg, const struct cg_plan *p, struct sk_err *e)
{
	_cleanup_free_ bool *retry = sk_xcalloc(p->n ? p->n : 1, sizeof(bool));
	bool any_retry = false;

	for (size_t i = 0; i < p->warnings.n; i++)
		sk_warn(cg->log, "%s", p->warnings.v[i]);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < p->n; i++) {
			const struct cg_write *w = &p->w[i];
			const char *dir = sk_cgroup_dir(cg, w->ctrl);
			struct sk_err we;
			int r;

			if (pass == 1 && !retry[i])
				continue;
			if (!dir) {
				if (w->optional || !strcmp(w->ctrl, "net_cls") ||
				    !strcmp(w->ctrl, "net_prio")) {
					sk_warn(cg->log, "cgroup controller %s not mounted: %s not set",
						w->ctrl, w->file);
					continue;
				}
				return sk_err_set(e, ENOENT,
						  "linux.resources: cgroup controller %s is not mounted (needed for %s)",
						  w->ctrl, w->file);
			}
			r = write_str(dir, w->file, w->value, &we);
			if (r == -ENOENT && w->optional) {
				sk_warn(cg->log, "%s/%s missing, not set", dir, w->file);
				continue;
			}
			if ((r == -EINVAL || r == -EBUSY) && pass == 0) {
				retry[i] = true;
				any_retry = true;
				continue;
			}
			if (r < 0) {
				*e = we;
				return sk_err_prefix(e, "linux.resources");
			}
			if (pass == 1)
				retry[i] = false;
		}
		if (!any_retry)
			break;
	}
	return 0;
}

static int apply_devices_v1(struct sk_cgroup *cg, const struct oci_device_rule *rules, size_t n,
			    struct sk_err *e)
{
	const char *dir = sk_cgroup_dir(cg, "devices");
	_cleanup_free_ char *list = NULL;
	struct cg_plan plan = { 0 };
	int r;

	if (!dir) {
		sk_warn(cg->log, "devices cgroup not mounted: device rules not enforced");
		return 0;
	}

	if (read_str(dir, "devices.list", &list) < 0)
		list = NULL;
	cg_devices_v1_plan(list, rules, n, &plan);
	r = 0;
	for (size_t i = 0; i < plan.n && r == 0; i++)
		r = write_str(dir, plan.w[i].file, plan.w[i].value, e);
	cg_plan_clear(&plan);
	if (r < 0)
		return sk_err_prefix(e, "linux.resources.devices");
	return 0;
}

static int apply_resources(struct sk_cgroup *cg, const struct oci_config *cfg,
			   const struct oci_resources *r, bool devices, struct sk_err *e)
{
	struct cg_plan plan = { 0 };
	struct cg_env env;
	int ret;

	probe_env(cg, &env);
	if (cg->mode == SK_CG_V2)
		ret = cg_map_v2(r, &env, &plan, e);
	else
		ret = cg_map_v1(r, &env, &plan, e);
	if (ret == 0)
		ret = apply_plan(cg, &plan, e);
	cg_plan_clear(&plan);
	if (ret < 0 || !devices)
		return ret;

	{
		_cleanup_free_ struct oci_device_rule *rules = NULL;
		size_t n = 0;
		ret = cg_device_rules(cfg, r, &rules, &n, e);
		if (ret < 0)
			return ret;
		if (cg->mode == SK_CG_V2)
			return cg_bpf_attach_devices(cg->clone_fd, rules, n, e);
		return apply_devices_v1(cg, rules, n, e);
	}
}

/* v2 writes quota and period together (cpu.max) and turns memory+swap
 * into swap alone: take the half an update leaves out from the cgroup. */
static void fill_from_current_v2(const struct sk_cgroup *cg, struct oci_resources *r)
{
	_cleanup_free_ char *cpu = NULL, *mem = NULL;

	if (r->cpu.quota.set != r->cpu.period.set && read_str(cg->v2dir, "cpu.max", &cpu) == 0) {
		char q[32];
		unsigned long long per;
		if (sscanf(cpu, "%31s %llu", q, &per) == 2) {
			if (!r->cpu.period.set) {
				r->cpu.period.set = true;
				r->cpu.period.v = per;
			} else if (!strcmp(q, "max")) {
				r->cpu.quota.set = true;
				r->cpu.quota.v = -1;
			} else {
				r->cpu.quota.set = sk_parse_i64(q, &r->cpu.quota.v) == 0;
			}
		}
	}
	if (r->memory.swap.set && r->memory.swap.v > 0 && !r->memory.limit.set &&
	    read_str(cg->v2dir, "memory.max", &mem) == 0) {
		mem[strcspn(mem, "\n")] = '\0';
		r->memory.limit.set = sk_parse_i64(mem, &r->memory.limit.v) == 0;
	}
}

int sk_cgroup_update(struct sk_cgroup *cg, const struct oci_resources *r, struct sk_err *e)
{
	struct oci_resources rr = *r;

	if (cg->mode == SK_CG_V2)
		fill_from_current_v2(cg, &rr);
	return apply_resources(cg, NULL, &rr, false, e);
}

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
		if (read_str(dir, files[i], &cur) < 0 || (cur[0] && cur[0] != '\n'))
			continue;
		if (read_str(parent, files[i], &par) < 0)
			continue;
		if (write_str(dir, files[i], par, &e) < 0)
			sk_warn(log, "%s", e.msg);
	}
}

static void enable_controllers(const char *dir, const struct sk_log *log)
{
	_cleanup_free_ char *avail = NULL;
	char *save = NULL, *tok;

	if (read_str(dir, "cgroup.controllers", &avail) < 0)
		return;
	for (tok = strtok_r(avail, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		_cleanup_free_ char *v = sk_xasprintf("+%s", tok);
		struct sk_err e;
		if (write_str(dir, "cgroup.subtree_control", v, &e) < 0)
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
static int make_path_retry(struct sk_cgroup *cg, const char *mountpoint, const char *rel,
			   bool v2, bool cpuset, bool dry, char **dir_out, bool *existed,
			   struct sk_err *e)
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
static int setup_dirs(struct sk_cgroup *cg, const struct oci_config *cfg, bool dry,
		      struct sk_err *e)
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
		r = cg_resolve_path(cfg->lnx.cgroups_path, cg->id, own, &path, e);
		if (r < 0)
			break;
		rel = hier_rel(m, path);
		if (!cg->path)
			cg->path = sk_xstrdup(path);
		r = make_path_retry(cg, m->mountpoint, rel, m->v2, ctrls_has(m->ctrls, "cpuset"),
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
			add_hier(cg, m->ctrls, dir);
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

static int place(struct sk_cgroup *cg, const struct sk_cgroup_req *req,
		 struct oci_resources *res, char **cpus, char **mems, bool *exclusive,
		 struct sk_err *e)
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

	if (cg->mode != SK_CG_V2 || !file_exists(cg->v2dir, "cpuset.cpus.partition")) {
		sk_warn(cg->log, "org.skiff.numa.exclusive: no cpuset partitions here (needs cgroup v2)");
		return;
	}
	if (write_str(cg->v2dir, "cpuset.cpus.partition", "root", &e) < 0) {
		sk_warn(cg->log, "org.skiff.numa.exclusive: %s", e.msg);
		return;
	}
	if (read_str(cg->v2dir, "cpuset.cpus.partition", &v) < 0 || strncmp(v, "root", 4) ||
	    (v[4] && v[4] != '\n')) {
		sk_warn(cg->log, "org.skiff.numa.exclusive: partition is \"%s\", reverted",
			v ? strtok(v, "\n") : "?");
		write_str(cg->v2dir, "cpuset.cpus.partition", "member", &e);
	}
}

/* Tell the caller what create is about to make (directories, ledger
 * entry) before any of it exists; cg is left as it was. */
static int record_intent(struct sk_cgroup *cg, const struct sk_cgroup_req *req, struct sk_err *e)
{
	_cleanup_free_ char *s = NULL;
	struct sk_numa_req nreq;
	const char *cpus = req->cfg->lnx.resources.cpu.cpus;
	int r = setup_dirs(cg, req->cfg, true, e);

	if (r == 0) {
		cg->ledger = !(cpus && *cpus) && sk_numa_req_from_config(req->cfg, &nreq, e) > 0;
		s = sk_cgroup_serialize(cg);
		r = req->intent(req->intent_arg, s, e);
	}
	free(cg->path);
	free(cg->v2dir);
	cg->path = cg->v2dir = NULL;
	for (size_t i = 0; i < cg->nh; i++) {
		free(cg->h[i].ctrls);
		free(cg->h[i].dir);
	}
	cg->nh = 0;
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
	if (req->intent) {
		r = record_intent(cg, req, e);
		if (r < 0)
			return r;
	}
	r = place(cg, req, &res, &cpus, &mems, &exclusive, e);
	if (r < 0)
		return r;
	r = setup_dirs(cg, req->cfg, false, e);
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
	r = apply_resources(cg, req->cfg, &res, true, e);
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
		sk_numa_ledger_release(req->state_root, req->id, &ign);
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
		r = write_str(cg->v2dir, "cgroup.procs", buf, e);
		if (r < 0 && cg->mode == SK_CG_V2)
			return r;
		if (r < 0)
			sk_warn(cg->log, "%s", e->msg);
	}
	for (size_t i = 0; i < cg->nh; i++) {
		r = write_str(cg->h[i].dir, "cgroup.procs", buf, e);
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
		return write_str(dir, "cgroup.procs", buf, e);
	d = sk_xasprintf("%s/%s", dir, sub);
	if (stat(d, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return sk_err_set(e, ENOENT, "--cgroup: sub-cgroup %s does not exist", d);
	return write_str(d, "cgroup.procs", buf, e);
}

int sk_cgroup_enter_sub(const struct sk_cgroup *cg, pid_t pid, char *const *subs,
			struct sk_err *e)
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

/* ---------------------------------------------------------- destroy */

/* rmdir @dir after its sub-cgroups (depth first); ENOENT is fine.  A
 * cgroup usually has none: listing its many files is only done when the
 * plain rmdir finds it busy. */
static int rmdir_tree(const char *dir)
{
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (rmdir(dir) == 0 || errno == ENOENT)
		return 0;
	if (errno != EBUSY && errno != ENOTEMPTY)
		return -errno;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = sk_xasprintf("%s/%s", dir, de->d_name);
		if (rmdir_tree(sub) < 0 && !r)
			r = -errno;
	}
	closedir(d);
	if (rmdir(dir) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* SIGKILL the pids of @before that are still members: each through a
 * pidfd opened before a second read of the cgroup's list that still has
 * it, so a pid that left and was reused outside is never signalled. */
static void kill_members(struct sk_cgroup *cg, const pid_t *before, size_t n)
{
	_cleanup_free_ int *fds = sk_xcalloc(n ? n : 1, sizeof(int));
	_cleanup_free_ pid_t *after = NULL;
	struct sk_err ign;
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		fds[i] = (int)syscall(SYS_pidfd_open, before[i], 0);
	if (sk_cgroup_pids(cg, &after, &m, &ign) == 0) {
		qsort(after, m, sizeof(pid_t), cmp_pid);
		for (size_t i = 0; i < n; i++)
			if (fds[i] >= 0 && bsearch(&before[i], after, m, sizeof(pid_t), cmp_pid))
				syscall(SYS_pidfd_send_signal, fds[i], SIGKILL, NULL, 0);
	}
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static int kill_all(struct sk_cgroup *cg, struct sk_err *e)
{
	for (int iter = 0; iter < 1000; iter++) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		int r = sk_cgroup_pids(cg, &pids, &n, e);

		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
		if (!n)
			return 0;
		if (iter == 0 && cg->mode == SK_CG_V2 && file_exists(cg->v2dir, "cgroup.kill")) {
			struct sk_err ign;
			write_str(cg->v2dir, "cgroup.kill", "1", &ign);
		}
		kill_members(cg, pids, n);
		if (iter == 0 && sk_cgroup_is_frozen(cg) == 1) {
			struct sk_err ign;
			sk_cgroup_freeze(cg, false, &ign);
		}
		sleep_ms(iter < 100 ? 1 : 10);
	}
	return sk_err_set(e, EBUSY, "container %s: processes left in cgroup %s after SIGKILL",
			  cg->id, cg->path);
}

/* Remove the now empty parents of @dir that skiff names ("/skiff" by
 * default, "skiff*" in general), deepest first, up to @depth levels (the
 * components of the cgroup path above the container).  A parent still in
 * use (EBUSY/ENOTEMPTY, another container) stays. */
static void rmdir_skiff_parents(const char *dir, size_t depth)
{
	_cleanup_free_ char *p = sk_xstrdup(dir);

	while (depth-- > 0) {
		char *slash = strrchr(p, '/');
		const char *base;
		if (!slash || slash == p)
			return;
		*slash = '\0';
		base = strrchr(p, '/');
		base = base ? base + 1 : p;
		if (strncmp(base, "skiff", 5) || rmdir(p) < 0)
			return;
	}
}

/* How many components of the cgroup path lie above the container's own. */
static size_t path_parents(const char *path)
{
	size_t n = 0;
	for (const char *s = path ? path : ""; *s; s++)
		if (*s == '/' && s[1] && s[1] != '/')
			n++;
	return n ? n - 1 : 0;
}

int sk_cgroup_destroy(struct sk_cgroup *cg, bool kill, struct sk_err *e)
{
	int r = 0;

	if (kill) {
		r = kill_all(cg, e);
		if (r < 0)
			return r;
	}
	if (cg->clone_fd >= 0) {
		close(cg->clone_fd);
		cg->clone_fd = -1;
	}
	for (size_t i = 0; i <= cg->nh; i++) {
		const char *dir = i < cg->nh ? cg->h[i].dir : cg->v2dir;
		int rr = 0;
		if (!dir)
			continue;
		for (int t = 0; t < 200; t++) { /* exiting tasks linger briefly */
			rr = rmdir_tree(dir);
			if (rr != -EBUSY)
				break;
			sleep_ms(5);
		}
		if (rr < 0 && !r)
			r = sk_err_sys(e, -rr, "container %s: rmdir %s", cg->id, dir);
		if (rr == 0)
			rmdir_skiff_parents(dir, path_parents(cg->path));
	}
	if (cg->ledger) {
		int rr = sk_numa_ledger_release(cg->state_root, cg->id, r < 0 ? NULL : e);
		if (rr < 0 && !r)
			r = rr;
		if (rr == 0)
			cg->ledger = false;
	}
	return r;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* apply.c - a container cgroup's resources: the mapped plan written, devices,
 * update. */
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

/* -------------------------------------------------------- applying */

int cg_write_str(const char *dir, const char *file, const char *v, struct sk_err *e)
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

int cg_read_str(const char *dir, const char *file, char **out)
{
	_cleanup_free_ char *p = sk_xasprintf("%s/%s", dir, file);
	struct sk_err ign;
	return sk_read_file_at(AT_FDCWD, p, out, NULL, &ign);
}

bool cg_file_exists(const char *dir, const char *file)
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
		env->swap = cg_file_exists(mem, "memory.swap.max");
		env->io_bfq = cg_file_exists(io, "io.bfq.weight");
		env->io_weight = cg_file_exists(io, "io.weight");
	} else {
		io = sk_cgroup_dir(cg, "blkio");
		env->swap = cg_file_exists(mem, "memory.memsw.limit_in_bytes");
		env->io_bfq = cg_file_exists(io, "blkio.bfq.weight");
		env->io_weight = cg_file_exists(io, "blkio.weight");
		env->kmem_tcp = cg_file_exists(mem, "memory.kmem.tcp.limit_in_bytes");
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
					sk_warn(cg->log,
						"cgroup controller %s not mounted: %s not set",
						w->ctrl, w->file);
					continue;
				}
				return sk_err_set(e, ENOENT,
						  "linux.resources: cgroup controller %s is not mounted (needed for %s)",
						  w->ctrl, w->file);
			}
			r = cg_write_str(dir, w->file, w->value, &we);
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

	if (cg_read_str(dir, "devices.list", &list) < 0)
		list = NULL;
	cg_devices_v1_plan(list, rules, n, &plan);
	r = 0;
	for (size_t i = 0; i < plan.n && r == 0; i++)
		r = cg_write_str(dir, plan.w[i].file, plan.w[i].value, e);
	cg_plan_clear(&plan);
	if (r < 0)
		return sk_err_prefix(e, "linux.resources.devices");
	return 0;
}

int cg_apply_resources(struct sk_cgroup *cg, const struct oci_config *cfg,
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

	if (r->cpu.quota.set != r->cpu.period.set && cg_read_str(cg->v2dir, "cpu.max", &cpu) == 0) {
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
	    cg_read_str(cg->v2dir, "memory.max", &mem) == 0) {
		mem[strcspn(mem, "\n")] = '\0';
		r->memory.limit.set = sk_parse_i64(mem, &r->memory.limit.v) == 0;
	}
}

int sk_cgroup_update(struct sk_cgroup *cg, const struct oci_resources *r, struct sk_err *e)
{
	struct oci_resources rr = *r;

	if (cg->unit) {
		/* systemd keeps the unit's properties: tell it first, or
		 * its next reload would undo what is written below */
		int rc = cg_sd_set(cg->user, cg->mode != SK_CG_V2, cg->unit, r, e);
		if (rc < 0)
			return rc;
	}
	if (cg->mode == SK_CG_V2)
		fill_from_current_v2(cg, &rr);
	return cg_apply_resources(cg, NULL, &rr, false, e);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* map.c - pure mapping of linux.resources to cgroup v1 / v2 file writes. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

uint64_t sk_cg_shares_to_weight(uint64_t shares)
{
	double l, ex;

	if (shares == 0)
		return 0;
	if (shares <= 2)
		return 1;
	if (shares >= 262144)
		return 10000;
	l = log2((double)shares);
	ex = (l * l + 125.0 * l) / 612.0 - 7.0 / 34.0;
	return (uint64_t)ceil(pow(10.0, ex));
}

uint64_t sk_cg_blkio_to_io_weight(uint64_t w)
{
	if (w == 0)
		return 0;
	if (w < 10)
		w = 10;
	if (w > 1000)
		w = 1000;
	return 1 + (w - 10) * 9999 / 990;
}

void cg_plan_add(struct cg_plan *p, const char *ctrl, const char *file, const char *value,
		 bool optional)
{
	struct cg_write *w;

	p->w = sk_xrealloc(p->w, (p->n + 1) * sizeof(*p->w));
	w = &p->w[p->n++];
	w->ctrl = sk_xstrdup(ctrl);
	w->file = sk_xstrdup(file);
	w->value = sk_xstrdup(value);
	w->optional = optional;
}

static void plan_addf(struct cg_plan *p, const char *ctrl, const char *file, bool optional,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void plan_addf(struct cg_plan *p, const char *ctrl, const char *file, bool optional,
		      const char *fmt, ...)
{
	_cleanup_free_ char *v = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&v, fmt, ap) < 0)
		abort();
	va_end(ap);
	cg_plan_add(p, ctrl, file, v, optional);
}

static void plan_warn(struct cg_plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void plan_warn(struct cg_plan *p, const char *fmt, ...)
{
	_cleanup_free_ char *v = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&v, fmt, ap) < 0)
		abort();
	va_end(ap);
	sk_strv_buf_add(&p->warnings, v);
}

void cg_plan_clear(struct cg_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->w[i].ctrl);
		free(p->w[i].file);
		free(p->w[i].value);
	}
	free(p->w);
	sk_strv_free(p->warnings.v);
	memset(p, 0, sizeof(*p));
}

/* memory.swap.max value from memory+swap and memory limits (runc rules). */
static int swap_v2(const struct oci_resources *r, char **out, struct sk_err *e)
{
	int64_t swap = r->memory.swap.v;
	int64_t lim = r->memory.limit.set ? r->memory.limit.v : 0;

	if (swap == -1) {
		*out = sk_xstrdup("max");
		return 0;
	}
	if (lim <= 0)
		return sk_err_set(e, EINVAL,
				  "linux.resources.memory.swap: a swap limit needs a memory limit");
	if (swap < lim)
		return sk_err_set(e, EINVAL,
				  "linux.resources.memory.swap: %" PRId64
				  " is below memory.limit %" PRId64 " (swap counts memory+swap)",
				  swap, lim);
	*out = sk_xasprintf("%" PRId64, swap - lim);
	return 0;
}

static bool valid_page_size(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s))
			return false;
	return true;
}

static int map_hugetlb(const struct oci_resources *r, struct cg_plan *p, bool v2, struct sk_err *e)
{
	for (size_t i = 0; i < r->n_hugepage_limits; i++) {
		const struct oci_hugepage_limit *h = &r->hugepage_limits[i];
		_cleanup_free_ char *f = NULL;

		if (!valid_page_size(h->page_size))
			return sk_err_set(e, EINVAL,
					  "linux.resources.hugepageLimits[%zu].pageSize: invalid \"%s\"",
					  i, h->page_size ? h->page_size : "");
		f = sk_xasprintf("hugetlb.%s.%s", h->page_size, v2 ? "max" : "limit_in_bytes");
		plan_addf(p, "hugetlb", f, false, "%" PRIu64, h->limit);
	}
	return 0;
}

static int check_unified_key(const char *k, size_t i, struct sk_err *e)
{
	if (!k || !*k || strstr(k, "..") || strchr(k, '/') || !strchr(k, '.'))
		return sk_err_set(e, EINVAL, "linux.resources.unified: invalid key \"%s\"",
				  k ? k : "");
	(void)i;
	return 0;
}

/* pids.max: the same file and values on v1 and v2 (-1 or 0: "max"). */
static void plan_pids(struct cg_plan *p, const struct oci_resources *r)
{
	if (!r->pids.limit.set)
		return;
	if (r->pids.limit.v <= 0)
		cg_plan_add(p, "pids", "pids.max", "max", false);
	else
		plan_addf(p, "pids", "pids.max", false, "%" PRId64, r->pids.limit.v);
}

int cg_map_v2(const struct oci_resources *r, const struct cg_env *env, struct cg_plan *p,
	      struct sk_err *e)
{
	int ret;

	memset(p, 0, sizeof(*p));
	if (!r)
		return 0;

	/* cpu */
	if (r->cpu.shares.set && r->cpu.shares.v)
		plan_addf(p, "cpu", "cpu.weight", false, "%" PRIu64,
			  sk_cg_shares_to_weight(r->cpu.shares.v));
	if ((r->cpu.quota.set && r->cpu.quota.v != 0) || (r->cpu.period.set && r->cpu.period.v)) {
		uint64_t period = r->cpu.period.set && r->cpu.period.v ? r->cpu.period.v : 100000;
		if (r->cpu.quota.set && r->cpu.quota.v > 0)
			plan_addf(p, "cpu", "cpu.max", false, "%" PRId64 " %" PRIu64,
				  r->cpu.quota.v, period);
		else
			plan_addf(p, "cpu", "cpu.max", false, "max %" PRIu64, period);
	}
	if (r->cpu.burst.set)
		plan_addf(p, "cpu", "cpu.max.burst", false, "%" PRIu64, r->cpu.burst.v);
	if (r->cpu.idle.set)
		plan_addf(p, "cpu", "cpu.idle", false, "%" PRId64, r->cpu.idle.v);
	if ((r->cpu.realtime_runtime.set && r->cpu.realtime_runtime.v) ||
	    (r->cpu.realtime_period.set && r->cpu.realtime_period.v))
		return sk_err_set(e, EOPNOTSUPP,
				  "linux.resources.cpu.realtimeRuntime/realtimePeriod: not supported on cgroup v2");
	if (r->cpu.cpus && *r->cpu.cpus)
		cg_plan_add(p, "cpuset", "cpuset.cpus", r->cpu.cpus, false);
	if (r->cpu.mems && *r->cpu.mems)
		cg_plan_add(p, "cpuset", "cpuset.mems", r->cpu.mems, false);

	/* memory */
	if (r->memory.limit.set && r->memory.limit.v != 0) {
		if (r->memory.limit.v < 0)
			cg_plan_add(p, "memory", "memory.max", "max", false);
		else
			plan_addf(p, "memory", "memory.max", false, "%" PRId64, r->memory.limit.v);
	}
	if (r->memory.reservation.set && r->memory.reservation.v != 0) {
		if (r->memory.reservation.v < 0)
			cg_plan_add(p, "memory", "memory.low", "max", false);
		else
			plan_addf(p, "memory", "memory.low", false, "%" PRId64,
				  r->memory.reservation.v);
	}
	if (r->memory.swap.set && r->memory.swap.v != 0) {
		_cleanup_free_ char *v = NULL;
		ret = swap_v2(r, &v, e);
		if (ret < 0)
			return ret;
		if (env && env->swap)
			cg_plan_add(p, "memory", "memory.swap.max", v, false);
		else
			plan_warn(p,
				  "linux.resources.memory.swap: no swap accounting (memory.swap.max missing), not applied");
	}
	if (r->memory.swappiness.set)
		plan_warn(p,
			  "linux.resources.memory.swappiness: not supported on cgroup v2, ignored");
	if (r->memory.disable_oom_killer)
		plan_warn(p,
			  "linux.resources.memory.disableOOMKiller: not supported on cgroup v2, ignored");
	if (r->memory.kernel.set || r->memory.kernel_tcp.set)
		plan_warn(p,
			  "linux.resources.memory.kernel/kernelTCP: not supported on cgroup v2, ignored");

	plan_pids(p, r);

	/* io */
	if (r->blkio.weight.set && r->blkio.weight.v) {
		if (env && env->io_bfq)
			plan_addf(p, "io", "io.bfq.weight", false, "%" PRIu64, r->blkio.weight.v);
		else if (env && env->io_weight)
			plan_addf(p, "io", "io.weight", false, "default %" PRIu64,
				  sk_cg_blkio_to_io_weight(r->blkio.weight.v));
		else
			plan_warn(p,
				  "linux.resources.blockIO.weight: no io.weight or io.bfq.weight, not applied");
	}
	if (r->blkio.leaf_weight.set)
		plan_warn(p,
			  "linux.resources.blockIO.leafWeight: not supported on cgroup v2, ignored");
	for (size_t i = 0; i < r->blkio.n_weight_device; i++) {
		const struct oci_weight_device *d = &r->blkio.weight_device[i];
		if (!d->weight.set)
			continue;
		if (env && env->io_bfq)
			plan_addf(p, "io", "io.bfq.weight", false, "%" PRId64 ":%" PRId64 " %" PRIu64,
				  d->major, d->minor, d->weight.v);
		else if (env && env->io_weight)
			plan_addf(p, "io", "io.weight", false, "%" PRId64 ":%" PRId64 " %" PRIu64,
				  d->major, d->minor, sk_cg_blkio_to_io_weight(d->weight.v));
		else
			plan_warn(p,
				  "linux.resources.blockIO.weightDevice[%zu]: no io.weight or io.bfq.weight, not applied",
				  i);
	}
	{
		static const char *const keys[4] = { "rbps", "wbps", "riops", "wiops" };
		const struct oci_throttle_device *lists[4] = { r->blkio.throttle_read_bps,
							       r->blkio.throttle_write_bps,
							       r->blkio.throttle_read_iops,
							       r->blkio.throttle_write_iops };
		size_t ns[4] = { r->blkio.n_throttle_read_bps, r->blkio.n_throttle_write_bps,
				 r->blkio.n_throttle_read_iops, r->blkio.n_throttle_write_iops };
		for (int k = 0; k < 4; k++)
			for (size_t i = 0; i < ns[k]; i++) {
				const struct oci_throttle_device *d = &lists[k][i];
				if (d->rate)
					plan_addf(p, "io", "io.max", false,
						  "%" PRId64 ":%" PRId64 " %s=%" PRIu64, d->major,
						  d->minor, keys[k], d->rate);
				else
					plan_addf(p, "io", "io.max", false,
						  "%" PRId64 ":%" PRId64 " %s=max", d->major,
						  d->minor, keys[k]);
			}
	}

	ret = map_hugetlb(r, p, true, e);
	if (ret < 0)
		return ret;

	if (r->network.class_id.set || r->network.n_priorities)
		plan_warn(p, "linux.resources.network: not supported on cgroup v2, ignored");

	for (size_t i = 0; i < r->n_unified; i++) {
		const char *k = r->unified[i].key;
		_cleanup_free_ char *ctrl = NULL;
		ret = check_unified_key(k, i, e);
		if (ret < 0)
			return ret;
		ctrl = strndup(k, strcspn(k, "."));
		cg_plan_add(p, ctrl, k, r->unified[i].value ? r->unified[i].value : "", false);
	}
	return 0;
}

int cg_map_v1(const struct oci_resources *r, const struct cg_env *env, struct cg_plan *p,
	      struct sk_err *e)
{
	int ret;

	memset(p, 0, sizeof(*p));
	if (!r)
		return 0;

	if (r->n_unified) /* runc's words (and a hybrid host is v1 to it too) */
		return sk_err_set(e, EOPNOTSUPP,
				  "invalid configuration: cannot use unified on cgroup v1 (linux.resources.unified key \"%s\")",
				  r->unified[0].key ? r->unified[0].key : "");

	/* cpu */
	if (r->cpu.shares.set && r->cpu.shares.v)
		plan_addf(p, "cpu", "cpu.shares", false, "%" PRIu64, r->cpu.shares.v);
	if (r->cpu.period.set && r->cpu.period.v)
		plan_addf(p, "cpu", "cpu.cfs_period_us", false, "%" PRIu64, r->cpu.period.v);
	if (r->cpu.quota.set && r->cpu.quota.v != 0)
		plan_addf(p, "cpu", "cpu.cfs_quota_us", false, "%" PRId64,
			  r->cpu.quota.v < 0 ? (int64_t)-1 : r->cpu.quota.v);
	if (r->cpu.burst.set)
		plan_addf(p, "cpu", "cpu.cfs_burst_us", true, "%" PRIu64, r->cpu.burst.v);
	if (r->cpu.realtime_period.set && r->cpu.realtime_period.v)
		plan_addf(p, "cpu", "cpu.rt_period_us", false, "%" PRIu64, r->cpu.realtime_period.v);
	if (r->cpu.realtime_runtime.set && r->cpu.realtime_runtime.v)
		plan_addf(p, "cpu", "cpu.rt_runtime_us", false, "%" PRId64,
			  r->cpu.realtime_runtime.v);
	if (r->cpu.idle.set)
		plan_addf(p, "cpu", "cpu.idle", true, "%" PRId64, r->cpu.idle.v);
	if (r->cpu.cpus && *r->cpu.cpus)
		cg_plan_add(p, "cpuset", "cpuset.cpus", r->cpu.cpus, false);
	if (r->cpu.mems && *r->cpu.mems)
		cg_plan_add(p, "cpuset", "cpuset.mems", r->cpu.mems, false);

	/* memory: limit before memsw; the driver retries EINVAL writes once
	 * after the others, which fixes the order when lowering/raising. */
	if (r->memory.limit.set && r->memory.limit.v != 0)
		plan_addf(p, "memory", "memory.limit_in_bytes", false, "%" PRId64,
			  r->memory.limit.v < 0 ? (int64_t)-1 : r->memory.limit.v);
	if (r->memory.reservation.set && r->memory.reservation.v != 0)
		plan_addf(p, "memory", "memory.soft_limit_in_bytes", false, "%" PRId64,
			  r->memory.reservation.v < 0 ? (int64_t)-1 : r->memory.reservation.v);
	if (r->memory.swap.set && r->memory.swap.v != 0) {
		int64_t lim = r->memory.limit.set ? r->memory.limit.v : 0;
		if (r->memory.swap.v > 0 && lim > 0 && r->memory.swap.v < lim)
			return sk_err_set(e, EINVAL,
					  "linux.resources.memory.swap: %" PRId64
					  " is below memory.limit %" PRId64
					  " (swap counts memory+swap)",
					  r->memory.swap.v, lim);
		if (env && env->swap)
			plan_addf(p, "memory", "memory.memsw.limit_in_bytes", false, "%" PRId64,
				  r->memory.swap.v < 0 ? (int64_t)-1 : r->memory.swap.v);
		else
			plan_warn(p,
				  "linux.resources.memory.swap: no swap accounting (memory.memsw.limit_in_bytes missing), not applied");
	}
	if (r->memory.swappiness.set) {
		if (r->memory.swappiness.v > 100)
			return sk_err_set(e, EINVAL,
					  "linux.resources.memory.swappiness: %" PRIu64
					  " is above 100",
					  r->memory.swappiness.v);
		plan_addf(p, "memory", "memory.swappiness", false, "%" PRIu64,
			  r->memory.swappiness.v);
	}
	if (r->memory.disable_oom_killer)
		cg_plan_add(p, "memory", "memory.oom_control", "1", false);
	/* memory.kernel stays ignored (runc; the spec deprecates it); the
	 * TCP buffer limit is set where the kernel has the file (crun) */
	if (r->memory.kernel.set)
		plan_warn(p, "linux.resources.memory.kernel: deprecated, ignored");
	if (r->memory.kernel_tcp.set) {
		if (env && env->kmem_tcp)
			plan_addf(p, "memory", "memory.kmem.tcp.limit_in_bytes", false, "%" PRId64,
				  r->memory.kernel_tcp.v < 0 ? (int64_t)-1 : r->memory.kernel_tcp.v);
		else
			plan_warn(p,
				  "linux.resources.memory.kernelTCP: no memory.kmem.tcp.limit_in_bytes, not applied");
	}

	plan_pids(p, r);

	/* blkio */
	if (r->blkio.weight.set && r->blkio.weight.v) {
		if (env && env->io_bfq)
			plan_addf(p, "blkio", "blkio.bfq.weight", false, "%" PRIu64,
				  r->blkio.weight.v);
		else if (env && env->io_weight)
			plan_addf(p, "blkio", "blkio.weight", false, "%" PRIu64, r->blkio.weight.v);
		else
			plan_warn(p,
				  "linux.resources.blockIO.weight: no blkio.weight or blkio.bfq.weight, not applied");
	}
	if (r->blkio.leaf_weight.set)
		plan_addf(p, "blkio", "blkio.leaf_weight", true, "%" PRIu64, r->blkio.leaf_weight.v);
	for (size_t i = 0; i < r->blkio.n_weight_device; i++) {
		const struct oci_weight_device *d = &r->blkio.weight_device[i];
		if (d->weight.set) {
			const char *f = env && env->io_bfq ? "blkio.bfq.weight_device"
							   : "blkio.weight_device";
			plan_addf(p, "blkio", f, false, "%" PRId64 ":%" PRId64 " %" PRIu64,
				  d->major, d->minor, d->weight.v);
		}
		if (d->leaf_weight.set)
			plan_addf(p, "blkio", "blkio.leaf_weight_device", true,
				  "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
				  d->leaf_weight.v);
	}
	{
		static const char *const files[4] = { "blkio.throttle.read_bps_device",
						      "blkio.throttle.write_bps_device",
						      "blkio.throttle.read_iops_device",
						      "blkio.throttle.write_iops_device" };
		const struct oci_throttle_device *lists[4] = { r->blkio.throttle_read_bps,
							       r->blkio.throttle_write_bps,
							       r->blkio.throttle_read_iops,
							       r->blkio.throttle_write_iops };
		size_t ns[4] = { r->blkio.n_throttle_read_bps, r->blkio.n_throttle_write_bps,
				 r->blkio.n_throttle_read_iops, r->blkio.n_throttle_write_iops };
		for (int k = 0; k < 4; k++)
			for (size_t i = 0; i < ns[k]; i++)
				plan_addf(p, "blkio", files[k], false,
					  "%" PRId64 ":%" PRId64 " %" PRIu64, lists[k][i].major,
					  lists[k][i].minor, lists[k][i].rate);
	}

	ret = map_hugetlb(r, p, false, e);
	if (ret < 0)
		return ret;

	if (r->network.class_id.set)
		plan_addf(p, "net_cls", "net_cls.classid", false, "%" PRIu64, r->network.class_id.v);
	for (size_t i = 0; i < r->network.n_priorities; i++)
		plan_addf(p, "net_prio", "net_prio.ifpriomap", false, "%s %s",
			  r->network.priorities[i].key, r->network.priorities[i].value);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config_resources.c - "linux.resources" of config.json (cgroup limits). */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

void cfg_resources_clear(struct oci_resources *r)
{
	free(r->devices);
	free(r->cpu.cpus);
	free(r->cpu.mems);
	free(r->blkio.weight_device);
	free(r->blkio.throttle_read_bps);
	free(r->blkio.throttle_write_bps);
	free(r->blkio.throttle_read_iops);
	free(r->blkio.throttle_write_iops);
	for (size_t i = 0; r->hugepage_limits && i < r->n_hugepage_limits; i++)
		free(r->hugepage_limits[i].page_size);
	free(r->hugepage_limits);
	cj_kv_free(r->network.priorities, r->network.n_priorities);
	cj_kv_free(r->unified, r->n_unified);
	memset(r, 0, sizeof(*r));
}

/* An array member: NULL-safe count and element path helper. */
static int get_array(yajl_val o, const char *path, const char *key, yajl_val *a, size_t *n,
		     char ap[CJ_PATH_MAX], struct sk_err *e)
{
	int r;

	*a = NULL;
	*n = 0;
	r = cj_array(o, path, key, a, e);
	if (r < 0 || !*a)
		return r;
	*n = (*a)->u.array.len;
	cj_join(ap, path, key);
	return 0;
}

static int parse_device_rules(yajl_val o, const char *path, struct oci_resources *res,
			      struct sk_err *e)
{
	char ap[CJ_PATH_MAX], ip[CJ_PATH_MAX];
	yajl_val a, x;
	size_t n;
	int r;

	r = get_array(o, path, "devices", &a, &n, ap, e);
	if (r < 0 || !a)
		return r;
	res->n_devices = n;
	res->devices = sk_xcalloc(n ? n : 1, sizeof(*res->devices));
	for (size_t i = 0; i < n; i++) {
		struct oci_device_rule *d = &res->devices[i];
		yajl_val v = a->u.array.values[i];
		_cleanup_free_ char *type = NULL, *access = NULL;
		struct oci_opt_i64 maj = { 0 }, min = { 0 };

		cj_index(ip, ap, i);
		r = cj_is_object(v, ip, e);
		if (r < 0)
			return r;
		r = cj_need(v, ip, "allow", &x, e);
		if (r < 0)
			return r;
		r = cj_bool(v, ip, "allow", &d->allow, e);
		if (r < 0)
			return r;
		r = cj_str(v, ip, "type", &type, e);
		if (r < 0)
			return r;
		if (type && (strlen(type) != 1 || !strchr("acb", type[0])))
			return cj_fail(e, ip, "type", "unknown device type \"%s\" (want a, c or b)",
				       type);
		d->type = type ? type[0] : 'a';
		r = cj_i64(v, ip, "major", -1, INT64_MAX, &maj, e);
		if (r < 0)
			return r;
		r = cj_i64(v, ip, "minor", -1, INT64_MAX, &min, e);
		if (r < 0)
			return r;
		d->major = maj.set ? maj.v : -1;
		d->minor = min.set ? min.v : -1;
		r = cj_str(v, ip, "access", &access, e);
		if (r < 0)
			return r;
		if (!access) {
			strcpy(d->access, "rwm");
			continue;
		}
		for (const char *c = access; *c; c++) {
			if (!strchr("rwm", *c))
				return cj_fail(e, ip, "access",
					       "\"%s\" is not a combination of r, w and m", access);
			if (!strchr(d->access, *c))
				d->access[strlen(d->access)] = *c;
		}
	}
	return 0;
}

static int parse_memory(yajl_val o, const char *path, struct oci_resources *res,
			struct sk_err *e)
{
	char p[CJ_PATH_MAX];
	yajl_val m = NULL;
	int r;

	r = cj_object(o, path, "memory", &m, e);
	if (r < 0 || !m)
		return r;
	cj_join(p, path, "memory");
	if ((r = cj_i64(m, p, "limit", -1, INT64_MAX, &res->memory.limit, e)) < 0 ||
	    (r = cj_i64(m, p, "reservation", -1, INT64_MAX, &res->memory.reservation, e)) < 0 ||
	    (r = cj_i64(m, p, "swap", -1, INT64_MAX, &res->memory.swap, e)) < 0 ||
	    (r = cj_i64(m, p, "kernel", -1, INT64_MAX, &res->memory.kernel, e)) < 0 ||
	    (r = cj_i64(m, p, "kernelTCP", -1, INT64_MAX, &res->memory.kernel_tcp, e)) < 0 ||
	    (r = cj_u64(m, p, "swappiness", UINT64_MAX, &res->memory.swappiness, e)) < 0 ||
	    (r = cj_bool(m, p, "disableOOMKiller", &res->memory.disable_oom_killer, e)) < 0 ||
	    (r = cj_bool(m, p, "useHierarchy", &res->memory.use_hierarchy, e)) < 0 ||
	    (r = cj_bool(m, p, "checkBeforeUpdate", &res->memory.check_before_update, e)) < 0)
		return r;
	return 0;
}

static int parse_cpu(yajl_val o, const char *path, struct oci_resources *res, struct sk_err *e)
{
	char p[CJ_PATH_MAX];
	yajl_val c = NULL;
	int r;

	r = cj_object(o, path, "cpu", &c, e);
	if (r < 0 || !c)
		return r;
	cj_join(p, path, "cpu");
	if ((r = cj_u64(c, p, "shares", UINT64_MAX, &res->cpu.shares, e)) < 0 ||
	    (r = cj_i64(c, p, "quota", INT64_MIN, INT64_MAX, &res->cpu.quota, e)) < 0 ||
	    (r = cj_u64(c, p, "burst", UINT64_MAX, &res->cpu.burst, e)) < 0 ||
	    (r = cj_u64(c, p, "period", UINT64_MAX, &res->cpu.period, e)) < 0 ||
	    (r = cj_i64(c, p, "realtimeRuntime", INT64_MIN, INT64_MAX,
			&res->cpu.realtime_runtime, e)) < 0 ||
	    (r = cj_u64(c, p, "realtimePeriod", UINT64_MAX, &res->cpu.realtime_period, e)) < 0 ||
	    (r = cj_i64(c, p, "idle", INT64_MIN, INT64_MAX, &res->cpu.idle, e)) < 0 ||
	    (r = cj_str(c, p, "cpus", &res->cpu.cpus, e)) < 0 ||
	    (r = cj_str(c, p, "mems", &res->cpu.mems, e)) < 0)
		return r;
	return 0;
}

static int parse_throttle(yajl_val b, const char *path, const char *key,
			  struct oci_throttle_device **out, size_t *nout, struct sk_err *e)
{
	char ap[CJ_PATH_MAX], ip[CJ_PATH_MAX];
	yajl_val a, x;
	size_t n;
	int r;

	r = get_array(b, path, key, &a, &n, ap, e);
	if (r < 0 || !a)
		return r;
	*nout = n;
	*out = sk_xcalloc(n ? n : 1, sizeof(**out));
	for (size_t i = 0; i < n; i++) {
		yajl_val v = a->u.array.values[i];
		struct oci_opt_i64 maj = { 0 }, min = { 0 };
		struct oci_opt_u64 rate = { 0 };

		cj_index(ip, ap, i);
		if ((r = cj_is_object(v, ip, e)) < 0 || (r = cj_need(v, ip, "major", &x, e)) < 0 ||
		    (r = cj_need(v, ip, "minor", &x, e)) < 0 ||
		    (r = cj_need(v, ip, "rate", &x, e)) < 0 ||
		    (r = cj_i64(v, ip, "major", 0, INT64_MAX, &maj, e)) < 0 ||
		    (r = cj_i64(v, ip, "minor", 0, INT64_MAX, &min, e)) < 0 ||
		    (r = cj_u64(v, ip, "rate", UINT64_MAX, &rate, e)) < 0)
			return r;
		(*out)[i].major = maj.v;
		(*out)[i].minor = min.v;
		(*out)[i].rate = rate.v;
	}
	return 0;
}

static int parse_blkio(yajl_val o, const char *path, struct oci_resources *res,
		       struct sk_err *e)
{
	char p[CJ_PATH_MAX], ap[CJ_PATH_MAX], ip[CJ_PATH_MAX];
	yajl_val b = NULL, a, x;
	size_t n;
	int r;

	r = cj_object(o, path, "blockIO", &b, e);
	if (r < 0 || !b)
		return r;
	cj_join(p, path, "blockIO");
	if ((r = cj_u64(b, p, "weight", UINT16_MAX, &res->blkio.weight, e)) < 0 ||
	    (r = cj_u64(b, p, "leafWeight", UINT16_MAX, &res->blkio.leaf_weight, e)) < 0)
		return r;
	r = get_array(b, p, "weightDevice", &a, &n, ap, e);
	if (r < 0)
		return r;
	if (a) {
		res->blkio.n_weight_device = n;
		res->blkio.weight_device = sk_xcalloc(n ? n : 1, sizeof(struct oci_weight_device));
	}
	for (size_t i = 0; a && i < n; i++) {
		struct oci_weight_device *w = &res->blkio.weight_device[i];
		yajl_val v = a->u.array.values[i];
		struct oci_opt_i64 maj = { 0 }, min = { 0 };

		cj_index(ip, ap, i);
		if ((r = cj_is_object(v, ip, e)) < 0 || (r = cj_need(v, ip, "major", &x, e)) < 0 ||
		    (r = cj_need(v, ip, "minor", &x, e)) < 0 ||
		    (r = cj_i64(v, ip, "major", 0, INT64_MAX, &maj, e)) < 0 ||
		    (r = cj_i64(v, ip, "minor", 0, INT64_MAX, &min, e)) < 0 ||
		    (r = cj_u64(v, ip, "weight", UINT16_MAX, &w->weight, e)) < 0 ||
		    (r = cj_u64(v, ip, "leafWeight", UINT16_MAX, &w->leaf_weight, e)) < 0)
			return r;
		w->major = maj.v;
		w->minor = min.v;
	}
	if ((r = parse_throttle(b, p, "throttleReadBpsDevice", &res->blkio.throttle_read_bps,
				&res->blkio.n_throttle_read_bps, e)) < 0 ||
	    (r = parse_throttle(b, p, "throttleWriteBpsDevice", &res->blkio.throttle_write_bps,
				&res->blkio.n_throttle_write_bps, e)) < 0 ||
	    (r = parse_throttle(b, p, "throttleReadIOPSDevice", &res->blkio.throttle_read_iops,
				&res->blkio.n_throttle_read_iops, e)) < 0 ||
	    (r = parse_throttle(b, p, "throttleWriteIOPSDevice", &res->blkio.throttle_write_iops,
				&res->blkio.n_throttle_write_iops, e)) < 0)
		return r;
	return 0;
}

static int parse_hugepages(yajl_val o, const char *path, struct oci_resources *res,
			   struct sk_err *e)
{
	char ap[CJ_PATH_MAX], ip[CJ_PATH_MAX];
	yajl_val a, x;
	size_t n;
	int r;

	r = get_array(o, path, "hugepageLimits", &a, &n, ap, e);
	if (r < 0 || !a)
		return r;
	res->n_hugepage_limits = n;
	res->hugepage_limits = sk_xcalloc(n ? n : 1, sizeof(*res->hugepage_limits));
	for (size_t i = 0; i < n; i++) {
		struct oci_hugepage_limit *h = &res->hugepage_limits[i];
		yajl_val v = a->u.array.values[i];
		struct oci_opt_u64 lim = { 0 };

		cj_index(ip, ap, i);
		if ((r = cj_is_object(v, ip, e)) < 0 ||
		    (r = cj_need(v, ip, "pageSize", &x, e)) < 0 ||
		    (r = cj_need(v, ip, "limit", &x, e)) < 0 ||
		    (r = cj_str(v, ip, "pageSize", &h->page_size, e)) < 0 ||
		    (r = cj_u64(v, ip, "limit", UINT64_MAX, &lim, e)) < 0)
			return r;
		h->limit = lim.v;
	}
	return 0;
}

static int parse_network(yajl_val o, const char *path, struct oci_resources *res,
			 struct sk_err *e)
{
	char p[CJ_PATH_MAX], ap[CJ_PATH_MAX], ip[CJ_PATH_MAX];
	yajl_val net = NULL, a, x;
	size_t n;
	int r;

	r = cj_object(o, path, "network", &net, e);
	if (r < 0 || !net)
		return r;
	cj_join(p, path, "network");
	r = cj_u64(net, p, "classID", UINT32_MAX, &res->network.class_id, e);
	if (r < 0)
		return r;
	r = get_array(net, p, "priorities", &a, &n, ap, e);
	if (r < 0 || !a)
		return r;
	res->network.priorities = sk_xcalloc(n ? n : 1, sizeof(struct oci_kv));
	for (size_t i = 0; i < n; i++) {
		struct oci_kv *kv = &res->network.priorities[i];
		yajl_val v = a->u.array.values[i];
		struct oci_opt_u64 prio = { 0 };

		cj_index(ip, ap, i);
		res->network.n_priorities = i + 1;
		if ((r = cj_is_object(v, ip, e)) < 0 || (r = cj_need(v, ip, "name", &x, e)) < 0 ||
		    (r = cj_need(v, ip, "priority", &x, e)) < 0 ||
		    (r = cj_str(v, ip, "name", &kv->key, e)) < 0 ||
		    (r = cj_u64(v, ip, "priority", UINT32_MAX, &prio, e)) < 0)
			return r;
		kv->value = sk_xasprintf("%" PRIu64, prio.v);
	}
	return 0;
}

static int resources_parse(yajl_val v, const char *path, bool with_devices,
			   struct oci_resources *res, struct sk_err *e)
{
	char p[CJ_PATH_MAX];
	yajl_val pids = NULL;
	int r;

	r = cj_is_object(v, path, e);
	if (r < 0)
		return r;
	res->present = true;
	if ((with_devices && (r = parse_device_rules(v, path, res, e)) < 0) ||
	    (r = parse_memory(v, path, res, e)) < 0 || (r = parse_cpu(v, path, res, e)) < 0)
		return r;
	r = cj_object(v, path, "pids", &pids, e);
	if (r < 0)
		return r;
	if (pids) {
		cj_join(p, path, "pids");
		r = cj_i64(pids, p, "limit", INT64_MIN, INT64_MAX, &res->pids.limit, e);
		if (r < 0)
			return r;
	}
	if ((r = parse_blkio(v, path, res, e)) < 0 || (r = parse_hugepages(v, path, res, e)) < 0 ||
	    (r = parse_network(v, path, res, e)) < 0)
		return r;
	return cj_map(v, path, "unified", &res->unified, &res->n_unified, e);
}

int cfg_resources_parse(yajl_val v, const char *path, struct oci_resources *res,
			struct sk_err *e)
{
	return resources_parse(v, path, true, res, e);
}

int oci_update_resources_parse(const char *json, size_t len, struct oci_config **out,
			       bool *devices_given, struct sk_err *e)
{
	struct oci_config *c;
	yajl_val tree = NULL;
	int r;

	*out = NULL;
	*devices_given = false;
	r = cj_parse_tree(json, len, &tree, e);
	if (r < 0)
		return r;
	c = sk_xcalloc(1, sizeof(*c));
	if (!YAJL_IS_OBJECT(tree)) {
		r = sk_err_set(e, EINVAL, "expected a JSON object (linux.resources)");
	} else {
		/* as runc's update: the device rules are neither read nor
		 * checked (they are fixed at create) */
		*devices_given = cj_get(tree, "devices") != NULL;
		r = resources_parse(tree, "", false, &c->lnx.resources, e);
	}
	yajl_tree_free(tree);
	if (r < 0) {
		oci_config_free(c);
		return r;
	}
	*out = c;
	return 0;
}

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

/* ------------------------------------------------- device cgroup rules */

/* type: a (all, the default), c or b. */
static int rule_type(yajl_val v, const char *path, const struct cj_field *f, void *base,
		     struct sk_err *e)
{
	struct oci_device_rule *d = base;

	d->type = 'a';
	return cj_letter(v, path, f->name, "acb", "a, c or b", &d->type, e);
}

/* major, minor: -1 (the default) is the wildcard. */
static int rule_number(yajl_val v, const char *path, const struct cj_field *f, void *base,
		       struct sk_err *e)
{
	struct oci_opt_i64 n = { 0 };
	int r = cj_i64(v, path, f->name, -1, INT64_MAX, &n, e);

	*(int64_t *)((char *)base + f->off) = n.set ? n.v : -1;
	return r;
}

static int rule_access(yajl_val v, const char *path, const struct cj_field *f, void *base,
		       struct sk_err *e)
{
	struct oci_device_rule *d = base;
	_cleanup_free_ char *access = NULL;
	int r = cj_str(v, path, f->name, &access, e);

	if (r < 0)
		return r;
	if (!access) {
		strcpy(d->access, "rwm");
		return 0;
	}
	for (const char *c = access; *c; c++) {
		if (!strchr("rwm", *c))
			return cj_fail(e, path, f->name,
				       "\"%s\" is not a combination of r, w and m", access);
		if (!strchr(d->access, *c))
			d->access[strlen(d->access)] = *c;
	}
	return 0;
}

#define RULE(nm, k, m, ...) CJ_ROW(nm, k, struct oci_device_rule, m, ##__VA_ARGS__)
static const struct cj_field rule_rows[] = {
	RULE("allow", CJ_BOOL, allow, .need = CJ_REQUIRED),
	RULE("type", CJ_CUSTOM, type, .fn = rule_type),
	RULE("major", CJ_CUSTOM, major, .fn = rule_number),
	RULE("minor", CJ_CUSTOM, minor, .fn = rule_number),
	RULE("access", CJ_CUSTOM, access, .fn = rule_access),
};
static const struct cj_table rule_table = CJ_TABLE(rule_rows, NULL);

/* ------------------------------------------------------- the objects */

#define RES(nm, k, m, ...) CJ_ROW(nm, k, struct oci_resources, m, ##__VA_ARGS__)
#define OPT_I64(nm, m, lo) RES(nm, CJ_I64, m, .min = (lo), .max = INT64_MAX)
#define OPT_U64(nm, m, hi) RES(nm, CJ_U64, m, .max = (hi))

static const struct cj_field memory_rows[] = {
	OPT_I64("limit", memory.limit, -1),
	OPT_I64("reservation", memory.reservation, -1),
	OPT_I64("swap", memory.swap, -1),
	OPT_I64("kernel", memory.kernel, -1),
	OPT_I64("kernelTCP", memory.kernel_tcp, -1),
	OPT_U64("swappiness", memory.swappiness, UINT64_MAX),
	RES("disableOOMKiller", CJ_BOOL, memory.disable_oom_killer),
	RES("useHierarchy", CJ_BOOL, memory.use_hierarchy),
	RES("checkBeforeUpdate", CJ_BOOL, memory.check_before_update),
};

static const struct cj_field cpu_rows[] = {
	OPT_U64("shares", cpu.shares, UINT64_MAX),
	OPT_I64("quota", cpu.quota, INT64_MIN),
	OPT_U64("burst", cpu.burst, UINT64_MAX),
	OPT_U64("period", cpu.period, UINT64_MAX),
	OPT_I64("realtimeRuntime", cpu.realtime_runtime, INT64_MIN),
	OPT_U64("realtimePeriod", cpu.realtime_period, UINT64_MAX),
	OPT_I64("idle", cpu.idle, INT64_MIN),
	RES("cpus", CJ_STR, cpu.cpus),
	RES("mems", CJ_STR, cpu.mems),
};

static const struct cj_field pids_rows[] = {
	OPT_I64("limit", pids.limit, INT64_MIN),
};

#define WDEV(nm, k, m, ...) CJ_ROW(nm, k, struct oci_weight_device, m, ##__VA_ARGS__)
static const struct cj_field weight_device_rows[] = {
	CJ_INT_ROW("major", struct oci_weight_device, major, 0, INT64_MAX, .need = CJ_REQUIRED_FIRST),
	CJ_INT_ROW("minor", struct oci_weight_device, minor, 0, INT64_MAX, .need = CJ_REQUIRED_FIRST),
	WDEV("weight", CJ_U64, weight, .max = UINT16_MAX),
	WDEV("leafWeight", CJ_U64, leaf_weight, .max = UINT16_MAX),
};
static const struct cj_table weight_device_table = CJ_TABLE(weight_device_rows, NULL);

static const struct cj_field throttle_rows[] = {
	CJ_INT_ROW("major", struct oci_throttle_device, major, 0, INT64_MAX,
		   .need = CJ_REQUIRED_FIRST),
	CJ_INT_ROW("minor", struct oci_throttle_device, minor, 0, INT64_MAX,
		   .need = CJ_REQUIRED_FIRST),
	CJ_UINT_ROW("rate", struct oci_throttle_device, rate, UINT64_MAX, .need = CJ_REQUIRED_FIRST),
};
static const struct cj_table throttle_table = CJ_TABLE(throttle_rows, NULL);

#define THROTTLE(nm, m)                                                              \
	RES(nm, CJ_ARRAY, blkio.m, .aux = CJ_AUX(struct oci_resources, blkio.n_##m), \
	    .width = sizeof(struct oci_throttle_device), .sub = &throttle_table)
static const struct cj_field blkio_rows[] = {
	OPT_U64("weight", blkio.weight, UINT16_MAX),
	OPT_U64("leafWeight", blkio.leaf_weight, UINT16_MAX),
	RES("weightDevice", CJ_ARRAY, blkio.weight_device,
	    .aux = CJ_AUX(struct oci_resources, blkio.n_weight_device),
	    .width = sizeof(struct oci_weight_device), .sub = &weight_device_table),
	THROTTLE("throttleReadBpsDevice", throttle_read_bps),
	THROTTLE("throttleWriteBpsDevice", throttle_write_bps),
	THROTTLE("throttleReadIOPSDevice", throttle_read_iops),
	THROTTLE("throttleWriteIOPSDevice", throttle_write_iops),
};

static const struct cj_field hugepage_rows[] = {
	CJ_ROW("pageSize", CJ_STR, struct oci_hugepage_limit, page_size, .need = CJ_REQUIRED_FIRST),
	CJ_UINT_ROW("limit", struct oci_hugepage_limit, limit, UINT64_MAX, .need = CJ_REQUIRED_FIRST),
};
static const struct cj_table hugepage_table = CJ_TABLE(hugepage_rows, NULL);

/* An interface priority is kept as {ifname, decimal priority}. */
static int prio_value(yajl_val v, const char *path, const struct cj_field *f, void *base,
		      struct sk_err *e)
{
	struct oci_opt_u64 prio = { 0 };
	int r = cj_u64(v, path, f->name, UINT32_MAX, &prio, e);

	if (r == 0)
		((struct oci_kv *)base)->value = sk_xasprintf("%" PRIu64, prio.v);
	return r;
}

static const struct cj_field prio_rows[] = {
	CJ_ROW("name", CJ_STR, struct oci_kv, key, .need = CJ_REQUIRED_FIRST),
	CJ_ROW("priority", CJ_CUSTOM, struct oci_kv, value, .need = CJ_REQUIRED_FIRST,
	       .fn = prio_value),
};
static const struct cj_table prio_table = CJ_TABLE(prio_rows, NULL);

static const struct cj_field network_rows[] = {
	OPT_U64("classID", network.class_id, UINT32_MAX),
	RES("priorities", CJ_ARRAY, network.priorities,
	    .aux = CJ_AUX(struct oci_resources, network.n_priorities),
	    .width = sizeof(struct oci_kv), .sub = &prio_table),
};

static const struct cj_table memory_table = CJ_TABLE(memory_rows, NULL),
			     cpu_table = CJ_TABLE(cpu_rows, NULL),
			     pids_table = CJ_TABLE(pids_rows, NULL),
			     blkio_table = CJ_TABLE(blkio_rows, NULL),
			     network_table = CJ_TABLE(network_rows, NULL);

/* Nested objects share the base: their rows name the full member. */
#define SUB(nm, t)                                           \
	{                                                    \
		.name = (nm), .kind = CJ_OBJECT, .sub = &(t) \
	}
static const struct cj_field resources_rows[] = {
	RES("devices", CJ_ARRAY, devices, .aux = CJ_AUX(struct oci_resources, n_devices),
	    .width = sizeof(struct oci_device_rule), .sub = &rule_table),
	SUB("memory", memory_table),
	SUB("cpu", cpu_table),
	SUB("pids", pids_table),
	SUB("blockIO", blkio_table),
	RES("hugepageLimits", CJ_ARRAY, hugepage_limits,
	    .aux = CJ_AUX(struct oci_resources, n_hugepage_limits),
	    .width = sizeof(struct oci_hugepage_limit), .sub = &hugepage_table),
	SUB("network", network_table),
	RES("unified", CJ_MAP, unified, .aux = CJ_AUX(struct oci_resources, n_unified)),
};

static int resources_done(yajl_val v, const char *path, void *base, struct sk_err *e)
{
	((struct oci_resources *)base)->present = true;
	return 0;
}

const struct cj_table cj_resources_table = CJ_TABLE(resources_rows, resources_done);
/* As runc's update: the device rules are neither read nor checked (they
 * are fixed at create). */
static const struct cj_table update_table = {
	.rows = resources_rows + 1,
	.n = sizeof(resources_rows) / sizeof(resources_rows[0]) - 1,
	.done = resources_done,
};

int cfg_resources_parse(yajl_val v, const char *path, struct oci_resources *res, struct sk_err *e)
{
	return cj_fields(v, path, &cj_resources_table, res, e);
}

struct update_parse {
	struct oci_config *c;
	bool *devices_given;
};

static int update_top(yajl_val top, void *arg, struct sk_err *e)
{
	struct update_parse *u = arg;

	if (!YAJL_IS_OBJECT(top))
		return sk_err_set(e, EINVAL, "expected a JSON object (linux.resources)");
	*u->devices_given = cj_get(top, "devices") != NULL;
	return cj_fields(top, "", &update_table, &u->c->lnx.resources, e);
}

int oci_update_resources_parse(const char *json, size_t len, struct oci_config **out,
			       bool *devices_given, struct sk_err *e)
{
	struct update_parse u = { sk_xcalloc(1, sizeof(*u.c)), devices_given };
	int r;

	*devices_given = false;
	r = cj_parse_with(json, len, update_top, &u, e);
	if (r < 0)
		oci_config_free(sk_steal_ptr(&u.c));
	*out = u.c;
	return r;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config_process.c - the "process" object of config.json (also exec --process). */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/resource.h>

static const char *const rlimit_names[] = {
	[RLIMIT_CPU] = "RLIMIT_CPU",	       [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
	[RLIMIT_DATA] = "RLIMIT_DATA",	       [RLIMIT_STACK] = "RLIMIT_STACK",
	[RLIMIT_CORE] = "RLIMIT_CORE",	       [RLIMIT_RSS] = "RLIMIT_RSS",
	[RLIMIT_NPROC] = "RLIMIT_NPROC",       [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
	[RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",   [RLIMIT_AS] = "RLIMIT_AS",
	[RLIMIT_LOCKS] = "RLIMIT_LOCKS",       [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
	[RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
	[RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",     [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

/* By SCHED_* number (SCHED_ISO is reserved by the kernel but named by the spec). */
static const char *const sched_policies[] = {
	"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR",       "SCHED_BATCH",
	"SCHED_ISO",   "SCHED_IDLE", "SCHED_DEADLINE",
};

/* By bit number of SCHED_FLAG_* (linux/sched.h). */
static const char *const sched_flags[] = {
	"SCHED_FLAG_RESET_ON_FORK",  "SCHED_FLAG_RECLAIM",     "SCHED_FLAG_DL_OVERRUN",
	"SCHED_FLAG_KEEP_POLICY",    "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
	"SCHED_FLAG_UTIL_CLAMP_MAX",
};

/* By IOPRIO_CLASS_* number; 0 is IOPRIO_CLASS_NONE, which the spec does not name. */
static const char *const ioprio_classes[] = {
	NULL,
	"IOPRIO_CLASS_RT",
	"IOPRIO_CLASS_BE",
	"IOPRIO_CLASS_IDLE",
};

void cfg_process_clear(struct oci_process *p)
{
	free(p->cwd);
	sk_strv_free(p->env);
	sk_strv_free(p->args);
	for (size_t i = 0; p->rlimits && i < p->n_rlimits; i++)
		free(p->rlimits[i].type);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	free(p->user.additional_gids);
	free(p->user.username);
	free(p->exec_cpu_affinity.initial);
	free(p->exec_cpu_affinity.final);
	memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------------ rlimits */

static int rlimit_type(yajl_val v, const char *path, const struct cj_field *f, void *base,
		       struct sk_err *e)
{
	struct oci_rlimit *rl = base;
	int r = cj_str(v, path, f->name, &rl->type, e);

	if (r < 0)
		return r;
	rl->resource = CJ_LOOKUP(rl->type, rlimit_names);
	if (rl->resource < 0)
		return cj_fail(e, path, f->name, "unknown rlimit \"%s\"", rl->type);
	return 0;
}

static int rlimit_check(yajl_val v, const char *path, void *base, struct sk_err *e)
{
	const struct oci_rlimit *rl = base;

	if (rl->soft > rl->hard)
		return cj_fail(e, path, NULL, "soft limit %" PRIu64 " exceeds hard limit %" PRIu64,
			       rl->soft, rl->hard);
	return 0;
}

#define RL(nm, k, m, ...) CJ_ROW(nm, k, struct oci_rlimit, m, ##__VA_ARGS__)
static const struct cj_field rlimit_type_rows[] = {
	RL("type", CJ_CUSTOM, type, .need = CJ_REQUIRED, .fn = rlimit_type),
};
static const struct cj_field rlimit_value_rows[] = {
	CJ_UINT_ROW("soft", struct oci_rlimit, soft, UINT64_MAX, .need = CJ_REQUIRED_FIRST),
	CJ_UINT_ROW("hard", struct oci_rlimit, hard, UINT64_MAX, .need = CJ_REQUIRED_FIRST),
};
static const struct cj_table rlimit_type_table = CJ_TABLE(rlimit_type_rows, NULL),
			     rlimit_value_table = CJ_TABLE(rlimit_value_rows, rlimit_check);

/* The type, then no duplicate of an earlier entry, then the values. */
static int parse_rlimits(yajl_val v, const char *path, const struct cj_field *f, void *base,
			 struct sk_err *e)
{
	struct oci_process *p = base;
	char ap[CJ_PATH_MAX], ip[CJ_PATH_MAX];
	yajl_val a = NULL;
	int r = cj_array_vec(v, path, f->name, sizeof(*p->rlimits), &a, (void **)&p->rlimits,
			     &p->n_rlimits, ap, e);

	if (r < 0 || !a)
		return r;
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct oci_rlimit *rl = &p->rlimits[i];
		yajl_val o = a->u.array.values[i];

		cj_index(ip, ap, i);
		r = cj_fields(o, ip, &rlimit_type_table, rl, e);
		if (r < 0)
			return r;
		for (size_t j = 0; j < i; j++)
			if (p->rlimits[j].resource == rl->resource)
				return cj_fail(e, ip, "type", "duplicate rlimit \"%s\"", rl->type);
		r = cj_fields(o, ip, &rlimit_value_table, rl, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ------------------------------------------------------------ objects */

static int parse_gids(yajl_val v, const char *path, const struct cj_field *f, void *base,
		      struct sk_err *e)
{
	struct oci_user *u = (struct oci_user *)((char *)base + f->off);
	char ap[CJ_PATH_MAX], ip[CJ_PATH_MAX];
	yajl_val a = NULL;
	int r = cj_array_vec(v, path, f->name, sizeof(uint32_t), &a, (void **)&u->additional_gids,
			     &u->n_additional_gids, ap, e);

	if (r < 0 || !a)
		return r;
	for (size_t i = 0; i < a->u.array.len; i++) {
		uint64_t g;

		cj_index(ip, ap, i);
		r = cj_val_u64(a->u.array.values[i], ip, UINT32_MAX, &g, e);
		if (r < 0)
			return r;
		u->additional_gids[i] = (uint32_t)g;
	}
	return 0;
}

#define P(nm, k, m, ...) CJ_ROW(nm, k, struct oci_process, m, ##__VA_ARGS__)
#define P_U32(nm, m, ...) CJ_UINT_ROW(nm, struct oci_process, m, UINT32_MAX, ##__VA_ARGS__)
#define P_FLAGS(nm, m, how, w) P(nm, CJ_FLAGS, m, how, .what = (w))
#define SUB(nm, t, ...)                                                     \
	{                                                                   \
		.name = (nm), .kind = CJ_OBJECT, .sub = &(t), ##__VA_ARGS__ \
	}

static const struct cj_field console_rows[] = {
	P_U32("height", console_height, .need = CJ_REQUIRED_FIRST),
	P_U32("width", console_width, .need = CJ_REQUIRED_FIRST),
};

static const struct cj_field caps_rows[] = {
	P_FLAGS("bounding", caps.bounding, .lookup = oci_cap_from_name, "capability"),
	P_FLAGS("effective", caps.effective, .lookup = oci_cap_from_name, "capability"),
	P_FLAGS("inheritable", caps.inheritable, .lookup = oci_cap_from_name, "capability"),
	P_FLAGS("permitted", caps.permitted, .lookup = oci_cap_from_name, "capability"),
	P_FLAGS("ambient", caps.ambient, .lookup = oci_cap_from_name, "capability"),
};

static const struct cj_field user_rows[] = {
	P_U32("uid", user.uid),
	P_U32("gid", user.gid),
	P_U32("umask", user.umask, .aux = CJ_AUX(struct oci_process, user.has_umask)),
	P("username", CJ_STR, user.username),
	P("additionalGids", CJ_CUSTOM, user, .fn = parse_gids),
};

static const struct cj_field ioprio_rows[] = {
	P("class", CJ_ENUM, io_priority.class, .need = CJ_REQUIRED, CJ_NAMES(ioprio_classes),
	  .what = "I/O priority class"),
	CJ_INT_ROW("priority", struct oci_process, io_priority.priority, 0, 7),
};

static const struct cj_field sched_rows[] = {
	P("policy", CJ_ENUM, scheduler.policy, .need = CJ_REQUIRED, CJ_NAMES(sched_policies),
	  .what = "scheduler policy"),
	CJ_INT_ROW("nice", struct oci_process, scheduler.nice, INT32_MIN, INT32_MAX),
	CJ_INT_ROW("priority", struct oci_process, scheduler.priority, INT32_MIN, INT32_MAX),
	CJ_UINT_ROW("runtime", struct oci_process, scheduler.runtime, UINT64_MAX),
	CJ_UINT_ROW("deadline", struct oci_process, scheduler.deadline, UINT64_MAX),
	CJ_UINT_ROW("period", struct oci_process, scheduler.period, UINT64_MAX),
	P_FLAGS("flags", scheduler.flags, CJ_NAMES(sched_flags), "scheduler flag"),
};

static const struct cj_field affinity_rows[] = {
	P("initial", CJ_STR, exec_cpu_affinity.initial),
	P("final", CJ_STR, exec_cpu_affinity.final),
};

static const struct cj_table console_table = CJ_TABLE(console_rows, NULL),
			     caps_table = CJ_TABLE(caps_rows, NULL),
			     user_table = CJ_TABLE(user_rows, NULL),
			     ioprio_table = CJ_TABLE(ioprio_rows, NULL),
			     sched_table = CJ_TABLE(sched_rows, NULL),
			     affinity_table = CJ_TABLE(affinity_rows, NULL);

static const struct cj_field process_rows[] = {
	P("terminal", CJ_BOOL, terminal),
	SUB("consoleSize", console_table, .aux = CJ_AUX(struct oci_process, has_console_size)),
	P("cwd", CJ_STR, cwd, .need = CJ_REQUIRED, .check = CJ_ABSOLUTE),
	P("env", CJ_STRV, env, .aux = CJ_AUX(struct oci_process, n_env)),
	P("args", CJ_STRV, args, .aux = CJ_AUX(struct oci_process, n_args)),
	P("rlimits", CJ_CUSTOM, rlimits, .fn = parse_rlimits),
	P("apparmorProfile", CJ_STR, apparmor_profile),
	P("selinuxLabel", CJ_STR, selinux_label),
	SUB("capabilities", caps_table, .aux = CJ_AUX(struct oci_process, caps.present)),
	P("noNewPrivileges", CJ_BOOL, no_new_privileges),
	P("oomScoreAdj", CJ_I64, oom_score_adj, .min = -1000, .max = 1000),
	SUB("user", user_table),
	SUB("ioPriority", ioprio_table, .aux = CJ_AUX(struct oci_process, io_priority.set)),
	SUB("scheduler", sched_table, .aux = CJ_AUX(struct oci_process, scheduler.set)),
	SUB("execCPUAffinity", affinity_table),
};

const struct cj_table cj_process_table = CJ_TABLE(process_rows, NULL);

int cfg_process_parse(yajl_val v, const char *path, struct oci_process *p, struct sk_err *e)
{
	return cj_fields(v, path, &cj_process_table, p, e);
}

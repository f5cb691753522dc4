/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config_process.c - the "process" object of config.json (also exec --process). */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/resource.h>

static const char *const rlimit_names[] = {
	[RLIMIT_CPU] = "RLIMIT_CPU",
	[RLIMIT_FSIZE] = "RLIMIT_FSIZE",
	[RLIMIT_DATA] = "RLIMIT_DATA",
	[RLIMIT_STACK] = "RLIMIT_STACK",
	[RLIMIT_CORE] = "RLIMIT_CORE",
	[RLIMIT_RSS] = "RLIMIT_RSS",
	[RLIMIT_NPROC] = "RLIMIT_NPROC",
	[RLIMIT_NOFILE] = "RLIMIT_NOFILE",
	[RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",
	[RLIMIT_AS] = "RLIMIT_AS",
	[RLIMIT_LOCKS] = "RLIMIT_LOCKS",
	[RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
	[RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE",
	[RLIMIT_NICE] = "RLIMIT_NICE",
	[RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",
	[RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

/* By SCHED_* number (SCHED_ISO is reserved by the kernel but named by the spec). */
static const char *const sched_policies[] = {
	"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
	"SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE",
};

/* By bit number of SCHED_FLAG_* (linux/sched.h). */
static const char *const sched_flags[] = {
	"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM", "SCHED_FLAG_DL_OVERRUN",
	"SCHED_FLAG_KEEP_POLICY", "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
	"SCHED_FLAG_UTIL_CLAMP_MAX",
};

/* By IOPRIO_CLASS_* number; 0 is IOPRIO_CLASS_NONE, which the spec does not name. */
static const char *const ioprio_classes[] = {
	NULL, "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE",
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

static int parse_console(yajl_val v, const char *path, struct oci_process *p,
			 struct sk_err *e)
{
	char cp[CJ_PATH_MAX];
	yajl_val cs = NULL, x;
	int r;

	r = cj_object(v, path, "consoleSize", &cs, e);
	if (r < 0 || !cs)
		return r;
	cj_join(cp, path, "consoleSize");
	r = cj_need(cs, cp, "height", &x, e);
	if (r < 0)
		return r;
	r = cj_need(cs, cp, "width", &x, e);
	if (r < 0)
		return r;
	r = cj_u32(cs, cp, "height", &p->console_height, NULL, e);
	if (r < 0)
		return r;
	r = cj_u32(cs, cp, "width", &p->console_width, NULL, e);
	if (r < 0)
		return r;
	p->has_console_size = true;
	return 0;
}

static int parse_rlimits(yajl_val v, const char *path, struct oci_process *p,
			 struct sk_err *e)
{
	char ap[CJ_PATH_MAX], ip[CJ_PATH_MAX];
	yajl_val a = NULL, x;
	int r;

	r = cj_array(v, path, "rlimits", &a, e);
	if (r < 0 || !a)
		return r;
	cj_join(ap, path, "rlimits");
	p->n_rlimits = a->u.array.len;
	p->rlimits = sk_xcalloc(p->n_rlimits ? p->n_rlimits : 1, sizeof(*p->rlimits));
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct oci_rlimit *rl = &p->rlimits[i];
		yajl_val o = a->u.array.values[i];
		struct oci_opt_u64 soft = { 0 }, hard = { 0 };

		cj_index(ip, ap, i);
		r = cj_is_object(o, ip, e);
		if (r < 0)
			return r;
		r = cj_need(o, ip, "type", &x, e);
		if (r < 0)
			return r;
		r = cj_str(o, ip, "type", &rl->type, e);
		if (r < 0)
			return r;
		rl->resource = CJ_LOOKUP(rl->type, rlimit_names);
		if (rl->resource < 0)
			return cj_fail(e, ip, "type", "unknown rlimit \"%s\"", rl->type);
		for (size_t j = 0; j < i; j++)
			if (p->rlimits[j].resource == rl->resource)
				return cj_fail(e, ip, "type", "duplicate rlimit \"%s\"", rl->type);
		r = cj_need(o, ip, "soft", &x, e);
		if (r < 0)
			return r;
		r = cj_need(o, ip, "hard", &x, e);
		if (r < 0)
			return r;
		r = cj_u64(o, ip, "soft", UINT64_MAX, &soft, e);
		if (r < 0)
			return r;
		r = cj_u64(o, ip, "hard", UINT64_MAX, &hard, e);
		if (r < 0)
			return r;
		if (soft.v > hard.v)
			return cj_fail(e, ip, NULL, "soft limit %" PRIu64 " exceeds hard limit %" PRIu64,
				       soft.v, hard.v);
		rl->soft = soft.v;
		rl->hard = hard.v;
	}
	return 0;
}

static int parse_caps(yajl_val v, const char *path, struct oci_process *p, struct sk_err *e)
{
	static const char *const sets[] = { "bounding", "effective", "inheritable",
					    "permitted", "ambient" };
	uint64_t *masks[] = { &p->caps.bounding, &p->caps.effective, &p->caps.inheritable,
			      &p->caps.permitted, &p->caps.ambient };
	char cp[CJ_PATH_MAX], sp[CJ_PATH_MAX], ip[CJ_PATH_MAX];
	yajl_val caps = NULL;
	int r;

	r = cj_object(v, path, "capabilities", &caps, e);
	if (r < 0 || !caps)
		return r;
	p->caps.present = true;
	cj_join(cp, path, "capabilities");
	for (size_t s = 0; s < 5; s++) {
		yajl_val a = NULL;

		r = cj_array(caps, cp, sets[s], &a, e);
		if (r < 0)
			return r;
		if (!a)
			continue;
		cj_join(sp, cp, sets[s]);
		for (size_t i = 0; i < a->u.array.len; i++) {
			yajl_val n = a->u.array.values[i];
			int cap;

			cj_index(ip, sp, i);
			if (!YAJL_IS_STRING(n))
				return cj_fail(e, ip, NULL, "expected string");
			cap = oci_cap_from_name(n->u.string);
			if (cap < 0)
				return cj_fail(e, ip, NULL, "unknown capability \"%s\"", n->u.string);
			*masks[s] |= UINT64_C(1) << cap;
		}
	}
	return 0;
}

static int parse_user(yajl_val v, const char *path, struct oci_process *p, struct sk_err *e)
{
	char up[CJ_PATH_MAX], ap[CJ_PATH_MAX], ip[CJ_PATH_MAX];
	yajl_val u = NULL, a = NULL;
	int r;

	r = cj_object(v, path, "user", &u, e);
	if (r < 0 || !u)
		return r;
	cj_join(up, path, "user");
	r = cj_u32(u, up, "uid", &p->user.uid, NULL, e);
	if (r < 0)
		return r;
	r = cj_u32(u, up, "gid", &p->user.gid, NULL, e);
	if (r < 0)
		return r;
	r = cj_u32(u, up, "umask", &p->user.umask, &p->user.has_umask, e);
	if (r < 0)
		return r;
	r = cj_str(u, up, "username", &p->user.username, e);
	if (r < 0)
		return r;
	r = cj_array(u, up, "additionalGids", &a, e);
	if (r < 0 || !a)
		return r;
	cj_join(ap, up, "additionalGids");
	p->user.n_additional_gids = a->u.array.len;
	p->user.additional_gids = sk_xcalloc(a->u.array.len ? a->u.array.len : 1, sizeof(uint32_t));
	for (size_t i = 0; i < a->u.array.len; i++) {
		uint64_t g;

		cj_index(ip, ap, i);
		r = cj_val_u64(a->u.array.values[i], ip, UINT32_MAX, &g, e);
		if (r < 0)
			return r;
		p->user.additional_gids[i] = (uint32_t)g;
	}
	return 0;
}

static int parse_ioprio(yajl_val v, const char *path, struct oci_process *p, struct sk_err *e)
{
	char ip[CJ_PATH_MAX];
	_cleanup_free_ char *cls = NULL;
	struct oci_opt_i64 prio = { 0 };
	yajl_val o = NULL, x;
	int r;

	r = cj_object(v, path, "ioPriority", &o, e);
	if (r < 0 || !o)
		return r;
	cj_join(ip, path, "ioPriority");
	r = cj_need(o, ip, "class", &x, e);
	if (r < 0)
		return r;
	r = cj_str(o, ip, "class", &cls, e);
	if (r < 0)
		return r;
	p->io_priority.class = CJ_LOOKUP(cls, ioprio_classes);
	if (p->io_priority.class < 0)
		return cj_fail(e, ip, "class", "unknown I/O priority class \"%s\"", cls);
	r = cj_i64(o, ip, "priority", 0, 7, &prio, e);
	if (r < 0)
		return r;
	p->io_priority.priority = prio.set ? (int)prio.v : 0;
	p->io_priority.set = true;
	return 0;
}

static int parse_sched(yajl_val v, const char *path, struct oci_process *p, struct sk_err *e)
{
	char sp[CJ_PATH_MAX], fp[CJ_PATH_MAX], ip[CJ_PATH_MAX];
	_cleanup_free_ char *pol = NULL;
	struct oci_opt_i64 nice = { 0 }, prio = { 0 };
	struct oci_opt_u64 rt = { 0 }, dl = { 0 }, per = { 0 };
	yajl_val o = NULL, x, fl = NULL;
	int r;

	r = cj_object(v, path, "scheduler", &o, e);
	if (r < 0 || !o)
		return r;
	cj_join(sp, path, "scheduler");
	r = cj_need(o, sp, "policy", &x, e);
	if (r < 0)
		return r;
	r = cj_str(o, sp, "policy", &pol, e);
	if (r < 0)
		return r;
	p->scheduler.policy = CJ_LOOKUP(pol, sched_policies);
	if (p->scheduler.policy < 0)
		return cj_fail(e, sp, "policy", "unknown scheduler policy \"%s\"", pol);
	if ((r = cj_i64(o, sp, "nice", INT32_MIN, INT32_MAX, &nice, e)) < 0 ||
	    (r = cj_i64(o, sp, "priority", INT32_MIN, INT32_MAX, &prio, e)) < 0 ||
	    (r = cj_u64(o, sp, "runtime", UINT64_MAX, &rt, e)) < 0 ||
	    (r = cj_u64(o, sp, "deadline", UINT64_MAX, &dl, e)) < 0 ||
	    (r = cj_u64(o, sp, "period", UINT64_MAX, &per, e)) < 0)
		return r;
	p->scheduler.nice = (int)nice.v;
	p->scheduler.priority = (int)prio.v;
	p->scheduler.runtime = rt.v;
	p->scheduler.deadline = dl.v;
	p->scheduler.period = per.v;
	r = cj_array(o, sp, "flags", &fl, e);
	if (r < 0)
		return r;
	cj_join(fp, sp, "flags");
	for (size_t i = 0; fl && i < fl->u.array.len; i++) {
		yajl_val n = fl->u.array.values[i];
		int bit;

		cj_index(ip, fp, i);
		if (!YAJL_IS_STRING(n))
			return cj_fail(e, ip, NULL, "expected string");
		bit = CJ_LOOKUP(n->u.string, sched_flags);
		if (bit < 0)
			return cj_fail(e, ip, NULL, "unknown scheduler flag \"%s\"", n->u.string);
		p->scheduler.flags |= UINT64_C(1) << bit;
	}
	p->scheduler.set = true;
	return 0;
}

int cfg_process_parse(yajl_val v, const char *path, struct oci_process *p, struct sk_err *e)
{
	struct oci_opt_i64 oom = { 0 };
	yajl_val x, aff = NULL;
	int r;

	r = cj_is_object(v, path, e);
	if (r < 0)
		return r;
	r = cj_bool(v, path, "terminal", &p->terminal, e);
	if (r < 0)
		return r;
	r = parse_console(v, path, p, e);
	if (r < 0)
		return r;
	r = cj_need(v, path, "cwd", &x, e);
	if (r < 0)
		return r;
	r = cj_str(v, path, "cwd", &p->cwd, e);
	if (r < 0)
		return r;
	if (p->cwd[0] != '/')
		return cj_fail(e, path, "cwd", "\"%s\" is not an absolute path", p->cwd);
	r = cj_strv(v, path, "env", &p->env, &p->n_env, e);
	if (r < 0)
		return r;
	r = cj_strv(v, path, "args", &p->args, &p->n_args, e);
	if (r < 0)
		return r;
	r = parse_rlimits(v, path, p, e);
	if (r < 0)
		return r;
	r = cj_str(v, path, "apparmorProfile", &p->apparmor_profile, e);
	if (r < 0)
		return r;
	r = cj_str(v, path, "selinuxLabel", &p->selinux_label, e);
	if (r < 0)
		return r;
	r = parse_caps(v, path, p, e);
	if (r < 0)
		return r;
	r = cj_bool(v, path, "noNewPrivileges", &p->no_new_privileges, e);
	if (r < 0)
		return r;
	r = cj_i64(v, path, "oomScoreAdj", -1000, 1000, &oom, e);
	if (r < 0)
		return r;
	p->oom_score_adj = oom;
	r = parse_user(v, path, p, e);
	if (r < 0)
		return r;
	r = parse_ioprio(v, path, p, e);
	if (r < 0)
		return r;
	r = parse_sched(v, path, p, e);
	if (r < 0)
		return r;
	r = cj_object(v, path, "execCPUAffinity", &aff, e);
	if (r < 0 || !aff)
		return r;
	{
		char ap[CJ_PATH_MAX];
		cj_join(ap, path, "execCPUAffinity");
		r = cj_str(aff, ap, "initial", &p->exec_cpu_affinity.initial, e);
		if (r < 0)
			return r;
		r = cj_str(aff, ap, "final", &p->exec_cpu_affinity.final, e);
	}
	return r;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ext.c - the lifecycle's calls into cgroups/ and netsetup/. */
#define _GNU_SOURCE
#include "ext.h"
#include "init.h"
#include "../cgroups/cgroups.h"
#include "../netsetup/netsetup.h"

#include <errno.h>
#include <string.h>

static int apply_mempolicy(const struct sk_init_args *a, struct sk_err *e)
{
	return sk_numa_apply_mempolicy(a->cfg, e);
}

static int record_cgroup(void *arg, const char *serialized, struct sk_err *e)
{
	struct sk_ext *x = arg;
	return x->record(x->record_arg, "cgroup", serialized, e);
}

static int make_cgroup(struct sk_ctx *ctx, struct sk_ext *x, struct sk_err *e)
{
	struct sk_cgroup_req req = {
		.log = &ctx->log,
		.state_root = ctx->root,
		.id = x->id,
		.cfg = x->cfg,
		.sysfs_root = getenv("SKIFF_SYSFS_ROOT"),
		.intent = x->record ? record_cgroup : NULL,
		.intent_arg = x,
	};
	return sk_cgroup_create(&req, &x->cg, e);
}

int sk_ext_prepare(struct sk_ctx *ctx, struct sk_ext *x, const struct sk_create_opts *o,
		   const struct oci_config *cfg, const char *state_dir, bool cgroup_early,
		   struct sk_err *e)
{
	enum sk_cg_mode mode;
	int r;

	x->id = o->id;
	x->cfg = cfg;
	/* validation first: bad network input leaves nothing behind */
	r = sk_net_prepare(&ctx->log, ctx->root, o->id, cfg, &x->net, e);
	if (r < 0)
		return r;
	r = sk_cgroup_mode(&mode, e);
	if (r < 0)
		return r;
	/* v2 clones straight into the cgroup, so it must exist first.  On
	 * v1 the init is moved in after clone anyway: its many mkdirs then
	 * run while the init prepares the rootfs (sk_ext_enter). */
	x->cg_deferred = mode != SK_CG_V2 && !cgroup_early;
	if (!x->cg_deferred) {
		r = make_cgroup(ctx, x, e);
		if (r < 0)
			return r;
	}
	if (x->net && x->record) {
		_cleanup_free_ char *s = sk_net_serialize(x->net);
		r = x->record(x->record_arg, "net", s, e);
		if (r < 0)
			return r;
	}
	return sk_net_reserve(x->net, state_dir, e);
}

int sk_ext_clone_cgroup_fd(const struct sk_ext *x)
{
	return x->cg ? sk_cgroup_clone_fd(x->cg) : -1;
}

void sk_ext_init_args(const struct sk_ext *x, struct sk_init_args *a)
{
	a->before_exec = apply_mempolicy;
	if (x->net)
		a->extra = sk_net_mounts(x->net, &a->n_extra);
}

int sk_ext_enter(struct sk_ctx *ctx, struct sk_ext *x, pid_t pid, struct sk_err *e)
{
	int r;

	if (x->cg_deferred) {
		x->cg_deferred = false;
		r = make_cgroup(ctx, x, e);
		if (r < 0)
			return r;
	}
	if (!x->cg)
		return 0;
	if (sk_cgroup_clone_fd(x->cg) < 0) {
		r = sk_cgroup_enter(x->cg, pid, e);
		if (r < 0)
			return r;
	}
	return sk_cgroup_set_init_pid(x->cg, pid, e);
}

int sk_ext_after_init(struct sk_ctx *ctx, struct sk_ext *x, pid_t pid, const char *state_dir,
		      struct sk_err *e)
{
	return sk_net_setup(x->net, pid, state_dir, e);
}

/* One extension's record @rec (freed here) and its annotation, if any. */
static void save_one(struct sk_state *st, const char *name, char *rec, const char *ann,
		     const char *value)
{
	sk_state_set_ext(st, name, rec);
	free(rec);
	if (value)
		sk_state_set_ann(st, ann, value);
}

void sk_ext_save(const struct sk_ext *x, struct sk_state *st)
{
	if (x->cg)
		save_one(st, "cgroup", sk_cgroup_serialize(x->cg), "org.skiff.numa.placement",
			 sk_cgroup_placement(x->cg));
	if (x->net)
		save_one(st, "net", sk_net_serialize(x->net), "org.skiff.net.address",
			 sk_net_address(x->net));
}

void sk_ext_abort(struct sk_ctx *ctx, struct sk_ext *x)
{
	struct sk_err ignore = { 0 };

	if (x->net)
		sk_ignore(sk_net_teardown(x->net, &ignore));
	if (x->cg)
		sk_ignore(sk_cgroup_destroy(x->cg, true, &ignore));
}

void sk_ext_free(struct sk_ext *x)
{
	if (x->cg)
		sk_cgroup_free(x->cg);
	x->cg = NULL;
	if (x->net)
		sk_net_free(x->net);
	x->net = NULL;
}

int sk_ext_load_cgroup(struct sk_ctx *ctx, const struct sk_state *st, struct sk_cgroup **out,
		       struct sk_err *e)
{
	const char *s = sk_state_ext(st, "cgroup");

	*out = NULL;
	if (!s)
		return 0;
	return sk_cgroup_load(&ctx->log, ctx->root, st->id, s, out, e);
}

int sk_ext_destroy(struct sk_ctx *ctx, const struct sk_state *st, struct sk_err *e)
{
	_cleanup_cgroup_ struct sk_cgroup *cg = NULL;
	const char *net = sk_state_ext(st, "net");
	int r;

	if (net) {
		_cleanup_net_ struct sk_net *n = NULL;
		r = sk_net_load(&ctx->log, ctx->root, net, &n, e);
		if (r < 0)
			return r;
		r = sk_net_teardown(n, e);
		if (r < 0)
			return r;
	}
	r = sk_ext_load_cgroup(ctx, st, &cg, e);
	if (r < 0)
		return r;
	if (cg) {
		r = sk_cgroup_destroy(cg, true, e);
		if (r < 0)
			return r;
	}
	return 0;
}

bool sk_container_frozen(const struct sk_ctx *ctx, const struct sk_state *st)
{
	_cleanup_cgroup_ struct sk_cgroup *cg = NULL;
	struct sk_err ignore = { 0 };

	if (sk_ext_load_cgroup((struct sk_ctx *)ctx, st, &cg, &ignore) < 0 || !cg)
		return false;
	return sk_cgroup_is_frozen(cg) == 1;
}

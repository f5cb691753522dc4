/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ext.c - the lifecycle's calls into cgroups/ and netsetup/. */
#define _GNU_SOURCE
#include "ext.h"
#include "init.h"
#include "../cgroups/cgroups.h"
#include "../criu/criu.h"
#include "../netsetup/netsetup.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>

/* In the image directory: the address a checkpointed container had. */
#define NET_ADDRESS_FILE "skiff-net.address"

static int apply_mempolicy(const struct sk_init_args *a, struct sk_err *e)
{
	return sk_numa_apply_mempolicy(a->cfg, e);
}

static int record_cgroup(void *arg, const char *serialized, struct sk_err *e)
{
	struct sk_ext *x = arg;
	return x->record(x->record_arg, "cgroup", serialized, e);
}

static int make_cgroup(struct sk_ctx *ctx, struct sk_ext *x, pid_t pid, struct sk_err *e)
{
	struct sk_cgroup_req req = {
		.log = &ctx->log,
		.state_root = ctx->root,
		.id = x->id,
		.cfg = x->cfg,
		.sysfs_root = getenv("SKIFF_SYSFS_ROOT"),
		.intent = x->record ? record_cgroup : NULL,
		.intent_arg = x,
		.systemd = ctx->systemd_cgroup,
		.pid = pid,
		.rootless = ctx->rootless,
	};
	return sk_cgroup_create(&req, &x->cg, e);
}

/* Rootless (as crun): a cgroup only where one can be had -- v2 with the
 * user's systemd (--systemd-cgroup) or a delegated subtree (without a
 * cgroupsPath, a cgroupfs cgroup that cannot be made is none); on v1 and
 * hybrid hosts none at all, and linux.resources are ignored. */
static bool rootless_cgroup(struct sk_ctx *ctx, struct sk_ext *x, enum sk_cg_mode mode)
{
	if (mode == SK_CG_V2)
		return true;
	sk_debug(&ctx->log,
		 "container %s: rootless on a cgroup v1 host: no cgroup, linux.resources ignored",
		 x->id);
	return false;
}

int sk_ext_prepare(struct sk_ctx *ctx, struct sk_ext *x, const struct sk_create_opts *o,
		   const struct oci_config *cfg, const char *state_dir, bool cgroup_early,
		   struct sk_err *e)
{
	enum sk_cg_mode mode;
	int r;

	x->id = o->id;
	x->cfg = cfg;
	/* rootless: the network is the caller's (Podman's slirp4netns or
	 * pasta, or none) */
	if (ctx->rootless && oci_annotation(cfg, "org.skiff.net.mode") &&
	    strcmp(oci_annotation(cfg, "org.skiff.net.mode"), "none"))
		return sk_err_set(e, EPERM,
				  "org.skiff.net.mode: skiff's networks need root (rootless: leave "
				  "the network to the caller, e.g. slirp4netns or pasta)");
	/* validation first: bad network input leaves nothing behind */
	r = sk_net_prepare(&ctx->log, ctx->root, o->id, cfg, &x->net, e);
	if (r == 0 && x->net && x->prefer_address)
		r = sk_net_prefer_address(x->net, x->prefer_address, e);
	if (r < 0)
		return r;
	r = sk_cgroup_mode(&mode, e);
	if (r < 0)
		return r;
	if (ctx->rootless && !rootless_cgroup(ctx, x, mode))
		return 0;
	/* v2 clones straight into the cgroup, so it must exist first.  On
	 * v1 the init is moved in after clone anyway: its many mkdirs then
	 * run while the init prepares the rootfs (sk_ext_enter). */
	x->cg_deferred = mode != SK_CG_V2 && !cgroup_early;
	/* systemd starts a scope with a process in it: the init, once cloned */
	if (ctx->systemd_cgroup)
		x->cg_deferred = true;
	if (!x->cg_deferred) {
		r = make_cgroup(ctx, x, 0, e);
		if (r < 0 && ctx->rootless && (r == -EACCES || r == -EPERM || r == -EROFS) &&
		    !(cfg->lnx.cgroups_path && *cfg->lnx.cgroups_path)) {
			/* as crun: no delegated cgroup to make one in */
			sk_debug(&ctx->log, "container %s: rootless, no cgroup (%s)", x->id, e->msg);
			r = 0;
		}
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

const struct oci_mount *sk_ext_mounts(const struct sk_ext *x, size_t *count)
{
	return sk_net_mounts(x->net, count);
}

int sk_ext_enter(struct sk_ctx *ctx, struct sk_ext *x, pid_t pid, struct sk_err *e)
{
	int r;

	if (x->cg_deferred) {
		x->cg_deferred = false;
		r = make_cgroup(ctx, x, pid, e);
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

int sk_ext_restore_netns(struct sk_ext *x, int *nsfd, struct sk_err *e)
{
	_cleanup_close_ int fd = -1;
	int r;

	*nsfd = -1;
	if (!x->net)
		return 0;
	r = sk_new_netns(&fd, false, e);
	if (r == 0)
		r = sk_net_setup_ns(x->net, fd, e);
	if (r < 0)
		return r;
	*nsfd = sk_steal_fd(&fd);
	return 0;
}

int sk_ext_checkpoint_net(struct sk_ctx *ctx, const struct sk_state *st, pid_t pid,
			  struct sk_criu_opts *o, struct sk_net **net, struct sk_err *e)
{
	const char *rec = sk_state_ext(st, "net");
	_cleanup_free_ char *nspath = NULL;
	const char *addr;
	struct stat sb;
	int r;

	*net = NULL;
	if (!rec)
		return 0;
	r = sk_net_load(&ctx->log, ctx->root, rec, net, e);
	if (r < 0)
		return r;
	nspath = sk_xasprintf("/proc/%d/ns/net", (int)pid);
	if (stat(nspath, &sb) < 0)
		return sk_err_sys(e, errno, "stat %s", nspath);
	o->netns_ino = (unsigned long long)sb.st_ino;
	o->extra_mounts = sk_net_mounts(*net, &o->n_extra_mounts);
	addr = sk_net_address(*net);
	if (!addr || !o->image_path)
		return 0;
	r = sk_mkdir_p(o->image_path, 0700, e);
	if (r == 0) {
		_cleanup_close_ int dfd = open(o->image_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return sk_err_sys(e, errno, "open %s", o->image_path);
		r = sk_write_file_at(dfd, NET_ADDRESS_FILE, addr, strlen(addr), O_CREAT | O_TRUNC,
				     0600, e);
	}
	return r < 0 ? sk_err_prefix(e, "--image-path") : 0;
}

char *sk_ext_checkpoint_address(const char *image_path)
{
	_cleanup_free_ char *p = NULL;
	char *text = NULL;
	struct sk_err ignore;

	if (!image_path)
		return NULL;
	p = sk_xasprintf("%s/" NET_ADDRESS_FILE, image_path);
	if (sk_read_file_at(AT_FDCWD, p, &text, NULL, &ignore) < 0)
		return NULL;
	text[strcspn(text, "\n")] = '\0';
	return text;
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

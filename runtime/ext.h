/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ext.h - (internal to runtime/) where the lifecycle calls into cgroups/
 * and netsetup/: one place, so create.c and delete stay readable.
 */
#ifndef SKIFF_EXT_H
#define SKIFF_EXT_H

#include "internal.h"

struct sk_cgroup;
struct sk_net;
struct sk_init_args;
struct sk_criu_opts;

struct sk_ext {
	struct sk_cgroup *cg;
	struct sk_net *net;
	const char *id; /* the create's, for a deferred cgroup */
	const struct oci_config *cfg;
	bool cg_deferred; /* the cgroup is made in sk_ext_enter */
	/* Called with "cgroup"/"net" and what sk_ext_destroy() needs to undo
	 * it, before the cgroup (NUMA ledger entry included) or the lease is
	 * made: create's intent record.  NULL: nothing recorded. */
	int (*record)(void *arg, const char *key, const char *value, struct sk_err *e);
	void *record_arg;
	/* restore: the address the checkpointed container had, leased again
	 * when it is free; NULL: none */
	const char *prefer_address;
};

/* Before clone: the network's lease and files, and the cgroup (with NUMA
 * placement) where the clone needs it: on v2, or with @cgroup_early (the
 * init mounts cgroupfs before it is moved); otherwise sk_ext_enter makes
 * it.  Nothing is left when a later step fails (sk_ext_abort). */
__must_check int sk_ext_prepare(struct sk_ctx *ctx, struct sk_ext *x,
				const struct sk_create_opts *o, const struct oci_config *cfg,
				const char *state_dir, bool cgroup_early, struct sk_err *e);
/* v2: the cgroup fd for clone3(CLONE_INTO_CGROUP), else -1. */
int sk_ext_clone_cgroup_fd(const struct sk_ext *x);
/* Extra mounts for the init (resolv.conf, hosts) and the mempolicy step. */
void sk_ext_init_args(const struct sk_ext *x, struct sk_init_args *a);
/* After clone: make a deferred cgroup, and move the init into it where
 * clone3 could not. */
__must_check int sk_ext_enter(struct sk_ctx *ctx, struct sk_ext *x, pid_t pid, struct sk_err *e);
/* After the init's namespaces exist: veth, addresses, routes, nft. */
__must_check int sk_ext_after_init(struct sk_ctx *ctx, struct sk_ext *x, pid_t pid,
				   const char *state_dir, struct sk_err *e);
/* Record in the state what delete/update/pause need later. */
void sk_ext_save(const struct sk_ext *x, struct sk_state *st);
void sk_ext_abort(struct sk_ctx *ctx, struct sk_ext *x);
void sk_ext_free(struct sk_ext *x);

/* The binds skiff's networking adds (valid after sk_ext_prepare). */
const struct oci_mount *sk_ext_mounts(const struct sk_ext *x, size_t *count);
/* restore: a fresh network namespace (*nsfd, else -1 without skiff's
 * networking) with the veth, addresses, routes and nft rules, for criu to
 * restore the container into.  On failure the links and rules are undone
 * (the lease stays until sk_ext_abort). */
__must_check int sk_ext_restore_netns(struct sk_ext *x, int *nsfd, struct sk_err *e);

/* From a saved state: */
__must_check int sk_ext_destroy(struct sk_ctx *ctx, const struct sk_state *st, struct sk_err *e);

/* checkpoint of @st, whose init is @pid: with skiff's networking, its
 * binds and network namespace become external to criu in @o (*net owns
 * the binds: free it after the dump) and its address is kept in the image
 * (@o->image_path) for restore.  Nothing to do otherwise. */
__must_check int sk_ext_checkpoint_net(struct sk_ctx *ctx, const struct sk_state *st, pid_t pid,
				       struct sk_criu_opts *o, struct sk_net **net, struct sk_err *e);
/* restore: the address kept by sk_ext_checkpoint_net (malloc'd), or NULL. */
char *sk_ext_checkpoint_address(const char *image_path);

/* dumpprep.c.  Before a full dump of @st, frozen: its processes
 * (co->pids, *pids to free) and, for a network namespace of its own that
 * holds nothing but lo, co->netns_ino and co->fresh_netns. */
__must_check int sk_dump_prepare(struct sk_ctx *ctx, const struct sk_state *st,
				 struct sk_criu_opts *co, pid_t **pids, struct sk_err *e);
/* A new network namespace (*out, above stdio) with lo up or not; the
 * caller stays in its own. */
__must_check int sk_new_netns(int *out, bool lo_up, struct sk_err *e);
/* restore, before the images are there: when @nsfd is unset and the
 * config asks for a new network namespace, one with lo down in *spare
 * (above stdio), for sk_restore_fresh_netns. */
__must_check int sk_restore_spare_netns(const struct oci_config *cfg, int nsfd, int *spare,
					struct sk_err *e);
/* restore: when *nsfd is unset, the config asks for a new network
 * namespace and the images record one made afresh: that namespace, the
 * *spare one when there is one (lo brought up as the images say), else
 * a new one.  *spare is taken or closed either way. */
__must_check int sk_restore_fresh_netns(const struct oci_config *cfg, const char *image_path,
					int *nsfd, int *spare, struct sk_err *e);

#endif

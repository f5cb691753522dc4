/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ext.c - the lifecycle's calls into cgroups/ and netsetup/. */
#define _GNU_SOURCE
#include "ext.h"
#include "init.h"

#include <errno.h>

int sk_ext_prepare(struct sk_ctx *ctx, struct sk_ext *x, const struct sk_create_opts *o,
		   const struct oci_config *cfg, const char *state_dir, struct sk_err *e)
{
	return 0;
}

int sk_ext_clone_cgroup_fd(const struct sk_ext *x)
{
	return -1;
}

void sk_ext_init_args(const struct sk_ext *x, struct sk_init_args *a)
{
}

int sk_ext_enter(struct sk_ctx *ctx, struct sk_ext *x, pid_t pid, struct sk_err *e)
{
	return 0;
}

int sk_ext_after_init(struct sk_ctx *ctx, struct sk_ext *x, pid_t pid, const char *state_dir,
		      struct sk_err *e)
{
	return 0;
}

void sk_ext_save(const struct sk_ext *x, struct sk_state *st)
{
}

void sk_ext_abort(struct sk_ctx *ctx, struct sk_ext *x)
{
}

void sk_ext_free(struct sk_ext *x)
{
}

int sk_ext_destroy(struct sk_ctx *ctx, const struct sk_state *st, struct sk_err *e)
{
	return 0;
}

int sk_ext_load_cgroup(struct sk_ctx *ctx, const struct sk_state *st, struct sk_cgroup **out,
		       struct sk_err *e)
{
	*out = NULL;
	return 0;
}

bool sk_container_frozen(const struct sk_ctx *ctx, const struct sk_state *st)
{
	return false;
}

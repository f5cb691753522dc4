/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_simple.c - `start`, `kill`, `delete`: one container, one action. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <string.h>

int cmd_start(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	_cleanup_state_ struct sk_state *st = NULL;
	enum sk_status s;
	int r = sk_cmd_load(ctx, "start", argc, argv, true, &st, e);

	if (r != 0)
		return r > 0 ? 0 : r;
	s = sk_state_status(ctx, st);
	if (s != SK_STATUS_CREATED)
		return sk_err_set(e, EINVAL, "cannot start container %s: it is %s, not created",
				  st->id, sk_status_name(s));
	return sk_container_start(ctx, st, -1, e);
}

int cmd_kill(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_state_ struct sk_state *st = NULL;
	bool all = false;
	int sig = SIGTERM, r = sk_cmd_opts("kill", argc, argv, "+ah", opts, 'a', &all, e);

	if (r != 0)
		return r > 0 ? 0 : r;
	if (argc - optind == 2) {
		sig = sk_parse_signal(argv[optind + 1]);
		if (sig < 0)
			return sk_err_set(e, EINVAL, "kill: unknown signal %s", argv[optind + 1]);
	} else {
		r = sk_need_args("kill", argc, argv, 1, "container ID", e);
		if (r < 0)
			return r;
	}
	r = sk_state_load(ctx, argv[optind], false, &st, e);
	if (r < 0)
		return r;
	if (!st->created)
		return sk_err_set(e, EBUSY, "container %s is still being created", st->id);
	return sk_container_kill(ctx, st, sig, all, e);
}

int cmd_delete(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_state_ struct sk_state *st = NULL;
	bool force = false;
	enum sk_status s;
	int r = sk_cmd_opts("delete", argc, argv, "+fh", opts, 'f', &force, e);

	if (r != 0)
		return r > 0 ? 0 : r;
	r = sk_need_args("delete", argc, argv, 1, "container ID", e);
	if (r < 0)
		return r;
	r = sk_state_load(ctx, argv[optind], true, &st, e);
	if (r == -ENOENT && force) {
		/* a create killed while it claimed the ID */
		int c = sk_claim_leftover(ctx, argv[optind], e);
		/* nothing at all: done, as with runc and crun (Podman deletes
		 * the container a checkpoint already removed) */
		return c < 0 ? c : 0;
	}
	if (r < 0)
		return r;
	s = sk_state_status(ctx, st);
	if (s != SK_STATUS_STOPPED && !force)
		return sk_err_set(e, EBUSY,
				  "cannot delete container %s: it is %s (stop it first or use --force)",
				  st->id, sk_status_name(s));
	return sk_container_destroy(ctx, st, e);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_pending.c - commands that answer --help but are not supported yet. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <string.h>

static int pending(const char *name, int argc, char **argv, int help_status, struct sk_err *e)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			sk_cmd_help(name);
			return help_status;
		}
	}
	return sk_err_set(e, ENOTSUP, "%s: not supported yet", name);
}

/* Podman asks `checkpoint --help` whether checkpointing works: until it
 * does, the help text says so and the status is 1. */
int cmd_checkpoint(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	return pending("checkpoint", argc, argv, 1, e);
}

int cmd_restore(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	return pending("restore", argc, argv, 1, e);
}



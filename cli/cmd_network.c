/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_network.c - `network ls | inspect NAME | rm NAME` (netsetup/). */
#define _GNU_SOURCE
#include "internal.h"
#include "../netsetup/netsetup.h"

#include <errno.h>
#include <string.h>

int cmd_network(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		sk_cmd_help("network");
		return argc < 2 ? sk_err_set(e, EINVAL,
					     "network: missing subcommand (ls, inspect, rm)")
				: 0;
	}
	return sk_net_cli(&ctx->log, ctx->root, argc - 1, argv + 1, e);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* commands.h - (internal to runtime/) one function per CLI command. */
#ifndef SKIFF_COMMANDS_H
#define SKIFF_COMMANDS_H

#include "container.h"

#include <getopt.h>

typedef int (*sk_cmd_fn)(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);

struct sk_cmd {
	const char *name;
	sk_cmd_fn fn;
	const char *summary;
	const char *usage;     /* full --help text */
};

/* All commands, NULL-terminated (commands.c). */
extern const struct sk_cmd sk_commands[];
const struct sk_cmd *sk_cmd_find(const char *name);
/* Print a command's --help to stdout (runc's layout: NAME:, USAGE:, ...). */
void sk_cmd_help(const char *name);
/* The --version block: "skiff version X", "commit: ", "spec: ",
 * "libseccomp: " (version.c). */
void sk_print_version(FILE *f);

/* Parse a command's options with getopt_long ("+" ordering: options come
 * before arguments, as runc's).  --help / -h are handled here: *help is
 * set and the caller returns 0.  Returns the option or -1 at the end. */
#define SK_OPT_HELP 0x1000

/* Require exactly @n positional arguments (the error names the command). */
int sk_need_args(const char *cmd, int argc, char **argv, int n, const char *what,
		 struct sk_err *e);

int cmd_create(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
int cmd_run(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
int cmd_start(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
int cmd_state(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
int cmd_list(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
int cmd_kill(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
int cmd_delete(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
int cmd_exec(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
int cmd_ps(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
int cmd_spec(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
int cmd_features(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
int cmd_pause(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
int cmd_resume(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
int cmd_update(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
int cmd_events(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
int cmd_checkpoint(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
int cmd_restore(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
int cmd_network(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
int cmd_placement(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);

#endif

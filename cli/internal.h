/* SPDX-License-Identifier: GPL-2.0-or-later */
/* internal.h - cli/: the command table, one function per command. */
#ifndef SKIFF_CLI_INTERNAL_H
#define SKIFF_CLI_INTERNAL_H

#include "../runtime/runtime.h"

#include <getopt.h>

typedef int (*sk_cmd_fn)(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);

struct sk_cmd {
	const char *name;
	sk_cmd_fn fn;
	const char *summary;
	const char *usage; /* full --help text */
};

/* All commands, NULL-terminated (commands.c). */
extern const struct sk_cmd sk_commands[];
const struct sk_cmd *sk_cmd_find(const char *name);
/* Print a command's --help to stdout (runc's layout: NAME:, USAGE:, ...). */
void sk_cmd_help(const char *name);
/* The --version block: "skiff version X", "commit: ", "spec: ",
 * "libseccomp: " (version.c). */
void sk_print_version(FILE *f);

/* getopt_long for @cmd's options (@cmd NULL: the global options), with
 * @shortopts as getopt_long takes them ("+..." for options before the
 * arguments, as runc's) and never a message of getopt's own.  Returns the
 * option, -1 at the end, or '?' with @e set to one line naming the bad
 * option as it was given: "flag provided but not defined: --bogus",
 * "flag needs an argument: -b", "flag does not take an argument: --force"
 * (the caller returns -EINVAL). */
__must_check int sk_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
			   const struct option *longopts, struct sk_err *e);

/* Require exactly @n positional arguments (the error names the command). */
__must_check int sk_need_args(const char *cmd, int argc, char **argv, int n, const char *what,
			      struct sk_err *e);

/* The options of a command that has --help and at most one flag (@flag,
 * the getopt value that sets *@set; 0: none): 1 when --help was printed,
 * -EINVAL (@e set) for another option, 0 otherwise. */
__must_check int sk_cmd_opts(const char *cmd, int argc, char **argv, const char *shortopts,
			     const struct option *opts, int flag, bool *set, struct sk_err *e);
/* A command that takes --help and one container ID (argv[optind]): 1 when
 * --help was printed, 0, or -errno. */
__must_check int sk_cmd_one_id(const char *cmd, int argc, char **argv, struct sk_err *e);
/* The same, and the container loaded into *@st (locked when @lock). */
__must_check int sk_cmd_load(struct sk_ctx *ctx, const char *cmd, int argc, char **argv, bool lock,
			     struct sk_state **st, struct sk_err *e);

/* `update`'s limit flags (update_flags.c): the flag ("cpu-quota", messages
 * say "--cpu-quota"), how its value reads, and the linux.resources field it
 * sets (@off into struct oci_resources, @field its path in the JSON). */
enum sk_update_kind {
	SK_UF_U64,     /* struct oci_opt_u64: a non-negative integer */
	SK_UF_I64,     /* struct oci_opt_i64: an integer */
	SK_UF_BYTES,   /* struct oci_opt_i64: a size ("512m", "-1") */
	SK_UF_STR,     /* char * (the argument itself) */
	SK_UF_IGNORED, /* accepted with a warning (runc's deprecated ones) */
	SK_UF_REFUSED, /* refused: what skiff does not support */
};
struct sk_update_flag {
	const char *name;
	const char *alias; /* another spelling, or NULL */
	enum sk_update_kind kind;
	size_t off;
	const char *field; /* NULL for IGNORED and REFUSED */
	const char *msg;   /* IGNORED: the warning; REFUSED: the error */
};
#define SK_N_UPDATE_FLAGS 16
extern const struct sk_update_flag sk_update_flags[SK_N_UPDATE_FLAGS];
/* Read @s into @flags' field of @f ("update: --memory: invalid size ...");
 * 1 for an ignored flag (warn f->msg), -ENOTSUP for a refused one. */
__must_check int sk_update_flag_parse(const struct sk_update_flag *f, const char *s,
				      struct oci_resources *flags, struct sk_err *e);
/* Copy every field a flag set in @flags over @res (the flags win). */
void sk_update_flags_apply(struct oci_resources *flags, struct oci_resources *res);

__must_check int cmd_create(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
__must_check int cmd_run(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
__must_check int cmd_start(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
__must_check int cmd_state(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
__must_check int cmd_list(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
__must_check int cmd_kill(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
__must_check int cmd_delete(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
__must_check int cmd_exec(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
__must_check int cmd_ps(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
__must_check int cmd_spec(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
__must_check int cmd_features(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
__must_check int cmd_pause(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
__must_check int cmd_resume(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
__must_check int cmd_update(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
__must_check int cmd_events(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
__must_check int cmd_checkpoint(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
__must_check int cmd_restore(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
__must_check int cmd_migrate(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
__must_check int cmd_network(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);
__must_check int cmd_placement(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e);

#endif

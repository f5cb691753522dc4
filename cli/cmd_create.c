/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_create.c - `create` and `run`. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>

enum {
	OPT_CONSOLE = 0x100,
	OPT_PIDFILE,
	OPT_NOPIVOT,
	OPT_NOKEYRING,
	OPT_PRESERVE,
	OPT_VM,
	OPT_KEEP
};

#define COMMON_OPTS                                                         \
	{ "bundle", required_argument, NULL, 'b' },                         \
		{ "console-socket", required_argument, NULL, OPT_CONSOLE }, \
		{ "pid-file", required_argument, NULL, OPT_PIDFILE },       \
		{ "no-pivot", no_argument, NULL, OPT_NOPIVOT },             \
		{ "no-new-keyring", no_argument, NULL, OPT_NOKEYRING },     \
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },  \
		{ "vm", no_argument, NULL, OPT_VM },                        \
	{                                                                   \
		"help", no_argument, NULL, 'h'                              \
	}

static const struct option create_opts[] = {
	COMMON_OPTS,
	{ NULL, 0, NULL, 0 },
};

/* run's: create's, --detach and --keep */
static const struct option run_opts[] = {
	COMMON_OPTS,
	{ "detach", no_argument, NULL, 'd' },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ NULL, 0, NULL, 0 },
};

/* Parse create/run options; returns 1 when --help was printed. */
static int parse(const char *cmd, int argc, char **argv, struct sk_create_opts *o, bool *detach,
		 bool *keep, struct sk_err *e)
{
	int c;
	uint64_t n;

	while ((c = sk_getopt(cmd, argc, argv, detach ? "+b:dh" : "+b:h",
			      detach ? run_opts : create_opts, e)) != -1) {
		switch (c) {
		case 'b':
			o->bundle = optarg;
			break;
		case OPT_CONSOLE:
			o->console_socket = optarg;
			break;
		case OPT_PIDFILE:
			o->pid_file = optarg;
			break;
		case OPT_NOPIVOT:
			o->no_pivot = true;
			break;
		case OPT_NOKEYRING:
			o->no_new_keyring = true;
			break;
		case OPT_PRESERVE:
			if (sk_parse_u64(optarg, &n) < 0 || n > 1024)
				return sk_err_set(e, EINVAL, "--preserve-fds: invalid number %s",
						  optarg);
			o->preserve_fds = (int)n;
			break;
		case OPT_VM:
			o->vm = true;
			break;
		case 'd':
			*detach = true;
			break; /* run only */
		case OPT_KEEP:
			*keep = true;
			break; /* run only */
		case 'h':
			sk_cmd_help(cmd);
			return 1;
		default:
			return -EINVAL;
		}
	}
	if (sk_need_args(cmd, argc, argv, 1, "container ID", e) < 0)
		return -EINVAL;
	o->id = argv[optind];
	return 0;
}

int cmd_create(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	struct sk_create_opts o = { .vm = ctx->vm_default };
	struct sk_created c = { 0 };
	int r = parse("create", argc, argv, &o, NULL, NULL, e);

	if (r != 0)
		return r < 0 ? r : 0;
	r = sk_container_create(ctx, &o, &c, e);
	if (r < 0)
		return r;
	if (c.pidfd >= 0)
		close(c.pidfd);
	sk_state_free(c.st);
	return 0;
}

int cmd_run(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	struct sk_create_opts o = { .vm = ctx->vm_default };
	struct sk_created c = { .start_fd = -1, .pty_master = -1, .pidfd = -1 };
	bool detach = false, keep = false;
	int r = parse("run", argc, argv, &o, &detach, &keep, e), status = 0;
	sigset_t saved_mask;

	if (r != 0)
		return r < 0 ? r : 0;
	o.foreground = !detach;
	o.tty_here = !detach && !o.console_socket;
	if (!detach)
		sk_block_signals(&saved_mask); /* from now on they are forwarded */
	r = sk_container_create(ctx, &o, &c, e);
	if (r < 0) {
		if (!detach)
			sk_restore_signals(&saved_mask);
		return r;
	}
	/* keep others (kill, delete) out until the process runs */
	flock(c.st->dirfd, LOCK_EX);
	r = sk_container_start(ctx, c.st, c.start_fd, e);
	if (c.start_fd >= 0)
		close(c.start_fd);
	flock(c.st->dirfd, LOCK_UN);
	if (r < 0) {
		struct sk_err derr = { 0 };
		sk_ignore(sk_container_destroy(ctx, c.st, &derr));
		goto out;
	}
	if (detach)
		goto out;
	if (c.pty_master >= 0)
		r = sk_pty_relay(c.pty_master, c.st->pid, c.pidfd, &status, e);
	else
		r = sk_wait_forward(c.st->pid, c.pidfd, &status);
	if (r < 0) {
		sk_err_sys(e, -r, "wait for container %s", o.id);
		goto out;
	}
	if (c.pty_master >= 0) {
		/* the relay collected the raw wait status */
		status = WIFEXITED(status)     ? WEXITSTATUS(status)
			 : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
					       : 255;
	}
	if (!keep) {
		flock(c.st->dirfd, LOCK_EX);
		r = sk_container_destroy(ctx, c.st, e);
		if (r < 0)
			goto out;
	}
	r = status;
out:
	if (!detach)
		sk_restore_signals(&saved_mask);
	if (c.pty_master >= 0)
		close(c.pty_master);
	if (c.pidfd >= 0)
		close(c.pidfd);
	sk_state_free(c.st);
	return r;
}

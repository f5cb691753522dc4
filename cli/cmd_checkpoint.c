/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd_checkpoint.c - `checkpoint` and `restore`: runc's flags, parsed
 * into criu/'s options.  `checkpoint --help` (and `restore --help`) exit 0
 * only when criu can work here: Podman asks `checkpoint --help` to decide
 * whether it offers checkpointing; otherwise the usage is printed and
 * the reason is one line, status 1.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "../criu/criu.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

enum {
	O_IMAGE = 256,
	O_WORK,
	O_PARENT,
	O_LEAVE,
	O_TCP,
	O_UNIX,
	O_SHELL,
	O_LOCKS,
	O_PREDUMP,
	O_CGMODE,
	O_EMPTYNS,
	O_DEDUP,
	O_PAGESRV,
	O_LAZY,
	O_STATUSFD,
	O_PIDFILE,
	O_CONSOLE,
	O_NOPIVOT,
	O_LSMCTX,
	O_LSMPROF,
	O_NOSUBREAPER,
};

/* --help: the usage, then whether criu works here. */
static int help(struct sk_ctx *ctx, const char *name, struct sk_err *e)
{
	sk_cmd_help(name);
	fflush(stdout);
	return sk_criu_usable(ctx->root, e);
}

/* The options both commands share; 1 when @c was one of them. */
static int common_opt(int c, struct sk_criu_opts *o, struct sk_err *e)
{
	switch (c) {
	case O_IMAGE:
		o->image_path = optarg;
		return 1;
	case O_WORK:
		o->work_path = optarg;
		return 1;
	case O_TCP:
		o->tcp_established = true;
		return 1;
	case O_UNIX:
		o->ext_unix_sk = true;
		return 1;
	case O_SHELL:
		o->shell_job = true;
		return 1;
	case O_LOCKS:
		o->file_locks = true;
		return 1;
	case O_DEDUP:
		o->auto_dedup = true;
		return 1;
	case O_CGMODE: {
		int r = sk_criu_cgmode_parse(optarg, &o->cg_mode, e);
		return r < 0 ? r : 1;
	}
	case O_EMPTYNS:
		if (strcmp(optarg, "network"))
			return sk_err_set(e, EINVAL,
					  "--empty-ns: namespace %s is not supported (only network)",
					  optarg);
		o->empty_netns = true;
		return 1;
	case O_LAZY:
		o->lazy_pages = true;
		return 1;
	}
	return 0;
}

/* runc's default image directory: ./checkpoint */
static const char *default_image_path(char *buf, size_t size)
{
	char cwd[PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd)))
		return "checkpoint";
	snprintf(buf, size, "%s/checkpoint", cwd);
	return buf;
}

int cmd_checkpoint(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	static const struct option opts[] = {
		{ "image-path", required_argument, NULL, O_IMAGE },
		{ "work-path", required_argument, NULL, O_WORK },
		{ "parent-path", required_argument, NULL, O_PARENT },
		{ "leave-running", no_argument, NULL, O_LEAVE },
		{ "tcp-established", no_argument, NULL, O_TCP },
		{ "ext-unix-sk", no_argument, NULL, O_UNIX },
		{ "shell-job", no_argument, NULL, O_SHELL },
		{ "file-locks", no_argument, NULL, O_LOCKS },
		{ "pre-dump", no_argument, NULL, O_PREDUMP },
		{ "manage-cgroups-mode", required_argument, NULL, O_CGMODE },
		{ "empty-ns", required_argument, NULL, O_EMPTYNS },
		{ "auto-dedup", no_argument, NULL, O_DEDUP },
		{ "page-server", required_argument, NULL, O_PAGESRV },
		{ "lazy-pages", no_argument, NULL, O_LAZY },
		{ "status-fd", required_argument, NULL, O_STATUSFD },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sk_criu_opts o = { 0 };
	struct sk_wire_addr ps;
	char buf[PATH_MAX + 16];
	bool want_help = false;
	int c, r;

	while ((c = sk_getopt("checkpoint", argc, argv, "+h", opts, e)) != -1) {
		if (c == 'h') {
			want_help = true;
			continue;
		}
		if (c == O_PARENT)
			o.parent_path = optarg;
		else if (c == O_LEAVE)
			o.leave_running = true;
		else if (c == O_PREDUMP)
			o.pre_dump = true;
		else if (c == O_PAGESRV) {
			/* criu's --page-server --address --port */
			if ((r = sk_wire_parse_addr(optarg, &ps, e)) < 0)
				return sk_err_prefix(e, "--page-server");
			o.ps_address = ps.host;
			o.ps_port = ps.port;
		} else if (c == O_STATUSFD) {
			if ((r = sk_criu_status_fd_parse(optarg, &o.status_fd, e)) < 0)
				return r;
			o.has_status_fd = true;
		} else if ((r = common_opt(c, &o, e)) <= 0)
			return r < 0 ? r : -EINVAL;
	}
	if (want_help)
		return help(ctx, "checkpoint", e);
	/* as runc: criu serves the pages itself at --page-server's address */
	if (o.lazy_pages && !o.ps_address)
		return sk_err_set(e, EINVAL, "--lazy-pages needs --page-server ADDR:PORT");
	if (o.lazy_pages && o.pre_dump)
		return sk_err_set(e, EINVAL, "--lazy-pages cannot be used with --pre-dump");
	if (o.has_status_fd && !o.lazy_pages)
		return sk_err_set(e, EINVAL, "--status-fd needs --lazy-pages");
	r = sk_need_args("checkpoint", argc, argv, 1, "container ID", e);
	if (r < 0)
		return r;
	if (!o.image_path)
		o.image_path = default_image_path(buf, sizeof(buf));
	return sk_container_checkpoint(ctx, argv[optind], &o, e);
}

int cmd_restore(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	static const struct option opts[] = {
		{ "image-path", required_argument, NULL, O_IMAGE },
		{ "work-path", required_argument, NULL, O_WORK },
		{ "bundle", required_argument, NULL, 'b' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, O_PIDFILE },
		{ "console-socket", required_argument, NULL, O_CONSOLE },
		{ "no-pivot", no_argument, NULL, O_NOPIVOT },
		{ "no-subreaper", no_argument, NULL, O_NOSUBREAPER },
		{ "tcp-established", no_argument, NULL, O_TCP },
		{ "ext-unix-sk", no_argument, NULL, O_UNIX },
		{ "shell-job", no_argument, NULL, O_SHELL },
		{ "file-locks", no_argument, NULL, O_LOCKS },
		{ "manage-cgroups-mode", required_argument, NULL, O_CGMODE },
		{ "empty-ns", required_argument, NULL, O_EMPTYNS },
		{ "auto-dedup", no_argument, NULL, O_DEDUP },
		{ "lazy-pages", no_argument, NULL, O_LAZY },
		{ "lsm-profile", required_argument, NULL, O_LSMPROF },
		{ "lsm-mount-context", required_argument, NULL, O_LSMCTX },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sk_criu_opts o = { 0 };
	struct sk_restore_opts ro = { .criu = &o };
	char buf[PATH_MAX + 16];
	bool want_help = false;
	int c, r;

	while ((c = sk_getopt("restore", argc, argv, "+b:dh", opts, e)) != -1) {
		switch (c) {
		case 'h':
			want_help = true;
			continue;
		case 'b':
			ro.bundle = optarg;
			continue;
		case 'd':
			ro.detach = true;
			continue;
		case O_PIDFILE:
			ro.pid_file = optarg;
			continue;
		case O_CONSOLE:
			ro.console_socket = optarg;
			continue;
		case O_NOPIVOT:
			ro.no_pivot = true;
			continue;
		case O_NOSUBREAPER:
			continue;
		case O_LSMCTX:
			o.lsm_mount_context = optarg;
			continue;
		case O_LSMPROF:
			if ((r = sk_criu_lsm_profile_check(optarg, e)) < 0)
				return r;
			o.lsm_profile = optarg;
			continue;
		}
		r = common_opt(c, &o, e);
		if (r <= 0)
			return r < 0 ? r : -EINVAL;
	}
	if (want_help)
		return help(ctx, "restore", e);
	r = sk_need_args("restore", argc, argv, 1, "container ID", e);
	if (r < 0)
		return r;
	ro.id = argv[optind];
	if (!o.image_path)
		o.image_path = default_image_path(buf, sizeof(buf));
	return sk_container_restore(ctx, &ro, e);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd_exec.c - `exec`: its options and the process they describe; the
 * work is runtime/'s sk_container_exec().
 */
#define _GNU_SOURCE
#include "internal.h"
#include "../cgroups/cgroups.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

enum {
	OPT_CONSOLE = 0x100,
	OPT_PIDFILE,
	OPT_CWD,
	OPT_NNP,
	OPT_PRESERVE,
	OPT_APPARMOR,
	OPT_LABEL,
	OPT_IGNORE_PAUSED,
	OPT_CGROUP
};

struct exec_opts {
	struct sk_exec_opts x; /* what runtime/ needs beyond the process */
	const char *process_file, *cwd, *user;
	struct sk_strv_buf env, caps, gids, cgroups;
	bool tty, nnp;
	int argc;
	char **argv;
	int first_arg; /* optind after the options: the container ID */
};

static int parse(int argc, char **argv, struct exec_opts *o, struct sk_err *e)
{
	static const struct option opts[] = {
		{ "process", required_argument, NULL, 'p' },
		{ "tty", no_argument, NULL, 't' },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, OPT_PIDFILE },
		{ "cwd", required_argument, NULL, OPT_CWD },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "additional-gids", required_argument, NULL, 'g' },
		{ "cap", required_argument, NULL, 'c' },
		{ "no-new-privs", no_argument, NULL, OPT_NNP },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
		{ "apparmor", required_argument, NULL, OPT_APPARMOR },
		{ "process-label", required_argument, NULL, OPT_LABEL },
		{ "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t n;
	int c;

	while ((c = sk_getopt("exec", argc, argv, "+p:tde:u:g:c:h", opts, e)) != -1) {
		switch (c) {
		case 'p':
			o->process_file = optarg;
			break;
		case 't':
			o->tty = true;
			break;
		case OPT_CONSOLE:
			o->x.console_socket = optarg;
			break;
		case 'd':
			o->x.detach = true;
			break;
		case OPT_PIDFILE:
			o->x.pid_file = optarg;
			break;
		case OPT_CWD:
			o->cwd = optarg;
			break;
		case 'e':
			sk_strv_buf_add(&o->env, optarg);
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'g':
			sk_strv_buf_add(&o->gids, optarg);
			break;
		case 'c':
			sk_strv_buf_add(&o->caps, optarg);
			break;
		case OPT_NNP:
			o->nnp = true;
			break;
		case OPT_PRESERVE:
			if (sk_parse_u64(optarg, &n) < 0 || n > 1024)
				return sk_err_set(e, EINVAL, "--preserve-fds: invalid number %s",
						  optarg);
			o->x.preserve_fds = (int)n;
			break;
		case OPT_IGNORE_PAUSED:
			o->x.ignore_paused = true;
			break;
		case OPT_CGROUP:
			if (cg_sub_check(optarg, e) < 0)
				return sk_err_prefix(e, "exec");
			sk_strv_buf_add(&o->cgroups, optarg);
			break;
		case OPT_APPARMOR:
		case OPT_LABEL:
			break;
		case 'h':
			sk_cmd_help("exec");
			return 1;
		default:
			return -EINVAL;
		}
	}
	if (argc - optind < 1)
		return sk_err_set(e, EINVAL, "exec: missing container ID (see skiff exec --help)");
	if (!o->process_file && argc - optind < 2)
		return sk_err_set(e, EINVAL, "exec: missing command (or --process FILE)");
	return 0;
}

/* The process to run: --process FILE, or the config's process with the
 * command line's args and overrides. */
static int build_process(const struct sk_state *st, void *arg, struct oci_process **out,
			 struct sk_err *e)
{
	const struct exec_opts *o = arg;
	int argc = o->argc;
	char **argv = o->argv;
	struct oci_process *p;
	int r;

	if (o->process_file) {
		_cleanup_free_ char *text = NULL;
		size_t len;
		r = sk_read_file_at(AT_FDCWD, o->process_file, &text, &len, e);
		if (r < 0)
			return sk_err_prefix(e, "--process");
		r = oci_process_parse(text, len, &p, e);
		if (r < 0)
			return sk_err_prefix(e, "--process %s", o->process_file);
	} else {
		p = st->cfg->process;
		st->cfg->process = NULL;
		if (!p) {
			p = sk_xcalloc(1, sizeof(*p));
			p->cwd = sk_xstrdup("/");
			char *path =
				"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
			sk_env_override(&p->env, &p->n_env, &path, 1);
		}
		sk_strv_free(p->args);
		p->args = sk_strv_dup(argv + o->first_arg + 1);
		p->n_args = (size_t)(argc - o->first_arg - 1);
		p->terminal = o->tty;
		/* the config's console size belongs to the init's terminal */
		p->has_console_size = false;
	}
	if (o->tty)
		p->terminal = true;
	if (o->cwd) {
		free(p->cwd);
		p->cwd = sk_xstrdup(o->cwd);
	}
	sk_env_override(&p->env, &p->n_env, o->env.v, o->env.n);
	if (o->user) {
		char *colon;
		uint64_t uid, gid = 0;
		_cleanup_free_ char *u = sk_xstrdup(o->user);
		colon = strchr(u, ':');
		if (colon)
			*colon++ = '\0';
		if (sk_parse_u64(u, &uid) < 0 || uid > UINT32_MAX ||
		    (colon && (sk_parse_u64(colon, &gid) < 0 || gid > UINT32_MAX))) {
			oci_process_free(p);
			return sk_err_set(e, EINVAL, "--user: expected UID[:GID], got %s", o->user);
		}
		p->user.uid = (uint32_t)uid;
		p->user.gid = (uint32_t)gid;
	}
	if (o->gids.n)
		p->user.additional_gids =
			sk_xrealloc(p->user.additional_gids,
				    (p->user.n_additional_gids + o->gids.n) * sizeof(uint32_t));
	for (size_t i = 0; i < o->gids.n; i++) {
		uint64_t g;
		if (sk_parse_u64(o->gids.v[i], &g) < 0 || g > UINT32_MAX) {
			oci_process_free(p);
			return sk_err_set(e, EINVAL, "--additional-gids: invalid gid %s",
					  o->gids.v[i]);
		}
		p->user.additional_gids[p->user.n_additional_gids++] = (uint32_t)g;
	}
	for (size_t i = 0; i < o->caps.n; i++) {
		int cap = oci_cap_from_name(o->caps.v[i]);
		uint64_t bit;
		if (cap < 0) {
			oci_process_free(p);
			return sk_err_set(e, EINVAL, "--cap: unknown capability %s", o->caps.v[i]);
		}
		bit = 1ULL << cap;
		p->caps.present = true;
		p->caps.bounding |= bit;
		p->caps.effective |= bit;
		p->caps.permitted |= bit;
		p->caps.inheritable |= bit;
		if (p->user.uid != 0)
			p->caps.ambient |= bit;
	}
	if (o->nnp)
		p->no_new_privileges = true;
	if (p->n_args == 0) {
		oci_process_free(p);
		return sk_err_set(e, EINVAL, "process.args: no command to run");
	}
	*out = p;
	return 0;
}

int cmd_exec(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	struct exec_opts o = { .argc = argc, .argv = argv };
	int r;

	r = parse(argc, argv, &o, e);
	if (r == 0) {
		o.first_arg = optind;
		o.x.id = argv[optind];
		o.x.cgroups = o.cgroups.v;
		o.x.build = build_process;
		o.x.build_arg = &o;
		r = sk_container_exec(ctx, &o.x, e);
	} else if (r > 0) {
		r = 0; /* --help */
	}
	sk_strv_free(o.env.v);
	sk_strv_free(o.caps.v);
	sk_strv_free(o.gids.v);
	sk_strv_free(o.cgroups.v);
	return r;
}

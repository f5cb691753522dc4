/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * driver.c - dump and restore through criu's command line.
 *
 * The image and work directories are made when missing (as runc does);
 * criu's log is WORK/dump.log, pre-dump.log or restore.log, and a failure
 * names its first error line and its path.  Restore runs criu in a
 * private mount namespace where the rootfs is bound onto itself (criu
 * wants --root to be a mount point; nothing is left mounted on the
 * host), with --restore-sibling: the restored init is skiff's child, as
 * a created one is, and criu's --pidfile names it.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>

static int make_dirs(const struct sk_criu_opts *o, struct sk_err *e)
{
	int r;

	if (!o->image_path || !*o->image_path)
		return sk_err_set(e, EINVAL, "--image-path is required");
	r = sk_mkdir_p(o->image_path, 0700, e);
	if (r < 0)
		return sk_err_prefix(e, "--image-path");
	if (o->work_path) {
		r = sk_mkdir_p(o->work_path, 0700, e);
		if (r < 0)
			return sk_err_prefix(e, "--work-path");
	}
	return 0;
}

static char *log_path(const struct sk_criu_opts *o, const char *name)
{
	const char *dir = o->work_path ? o->work_path : o->image_path;
	return sk_xasprintf("%s/%s", dir, name);
}

static int run_checked(struct criu_run *run, struct sk_err *e)
{
	int status, r;

	r = criu_run(run, &status, e);
	if (r < 0)
		return r;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		r = criu_fail(run, status, e);
	free(run->output);
	run->output = NULL;
	return r;
}

static void debug_argv(const struct sk_log *log, char **argv)
{
	if (!log || !log->debug)
		return;
	size_t len = 0;
	for (char **a = argv; *a; a++)
		len += strlen(*a) + 1;
	_cleanup_free_ char *s = sk_xcalloc(1, len + 1);
	for (char **a = argv; *a; a++) {
		strcat(s, *a);
		if (a[1])
			strcat(s, " ");
	}
	sk_debug(log, "running %s", s);
}

int sk_criu_dump(const struct sk_log *log, const struct sk_criu_opts *o, pid_t pid,
		 const struct oci_config *cfg, struct sk_err *e)
{
	_cleanup_free_ char *lp = NULL;
	_cleanup_strv_ char **argv = NULL;
	int r = make_dirs(o, e);

	if (r < 0)
		return r;
	lp = log_path(o, o->pre_dump ? "pre-dump.log" : "dump.log");
	argv = criu_dump_argv(o, pid, cfg, lp);
	debug_argv(log, argv);
	struct criu_run run = {
		.action = o->pre_dump ? "pre-dump" : "dump",
		.argv = argv,
		.log_path = lp,
	};
	return run_checked(&run, e);
}

int sk_criu_restore(const struct sk_log *log, const struct sk_criu_restore *rs, pid_t *pid,
		    struct sk_err *e)
{
	_cleanup_free_ char *lp = NULL, *pp = NULL, *text = NULL;
	_cleanup_strv_ char **argv = NULL;
	int64_t v;
	size_t len;
	int r = make_dirs(rs->o, e);

	if (r < 0)
		return r;
	lp = log_path(rs->o, "restore.log");
	pp = log_path(rs->o, "restore.pid");
	unlink(pp);
	argv = criu_restore_argv(rs, lp, pp);
	debug_argv(log, argv);
	struct criu_run run = {
		.action = "restore",
		.argv = argv,
		.log_path = lp,
		.bind_root = rs->rootfs,
		.prepare = rs->prepare,
		.prepare_arg = rs->prepare_arg,
	};
	if (rs->netns_fd > 2)
		run.keep_fds[run.n_keep++] = rs->netns_fd;
	r = run_checked(&run, e);
	if (r < 0)
		return r;
	r = sk_read_file_at(AT_FDCWD, pp, &text, &len, e);
	if (r < 0)
		return sk_err_prefix(e, "criu restore: the restored init's pid");
	text[strcspn(text, "\n")] = '\0';
	if (sk_parse_i64(text, &v) < 0 || v <= 1 || v > INT32_MAX)
		return sk_err_set(e, EIO, "criu restore: bad pid %s in %s", text, pp);
	unlink(pp);
	*pid = (pid_t)v;
	return 0;
}

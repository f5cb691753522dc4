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
#include <sys/stat.h>
#include <sys/sysmacros.h>
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

/* The key criu knows @pid's terminal by, "tty[RDEV:DEV]" of the pty
 * slave its stdin is (criu's own format); NULL when stdin is no pty. */
static char *tty_key_of(pid_t pid)
{
	_cleanup_free_ char *p = sk_xasprintf("/proc/%d/fd/0", (int)pid);
	struct stat st;

	if (stat(p, &st) < 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) < 136 ||
	    major(st.st_rdev) > 143)
		return NULL;
	return sk_xasprintf("tty[%llx:%llx]", (unsigned long long)st.st_rdev,
			    (unsigned long long)st.st_dev);
}

/* Is @path a mount point in @pid's mount namespace? */
static bool has_mount(pid_t pid, const char *path)
{
	_cleanup_free_ char *p = sk_xasprintf("/proc/%d/mountinfo", (int)pid), *text = NULL;
	_cleanup_free_ char *pat = sk_xasprintf(" %s ", path);
	struct sk_err ignore;
	size_t len;

	if (sk_read_file_at(AT_FDCWD, p, &text, &len, &ignore) < 0)
		return false;
	for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ...: the fifth field */
		char *q = l;
		for (int f = 0; f < 4 && q; f++)
			q = strchr(q + 1, ' ');
		if (q && !strncmp(q, pat, strlen(pat)))
			return true;
	}
	return false;
}

int sk_criu_dump(const struct sk_log *log, const struct sk_criu_opts *o, pid_t pid,
		 const struct oci_config *cfg, struct sk_err *e)
{
	_cleanup_free_ char *lp = NULL, *tty = NULL;
	_cleanup_strv_ char **argv = NULL;
	int r = make_dirs(o, e);

	if (r < 0)
		return r;
	lp = log_path(o, o->pre_dump ? "pre-dump.log" : "dump.log");
	_cleanup_strv_ char **ext = NULL;
	r = criu_stdio_save(o->image_path, pid, &ext, e);
	if (r < 0)
		return sk_err_prefix(e, "--image-path");
	/* criu's fds 0-2 are /dev/null and its output: a --status-fd among
	 * them goes to criu at a number above */
	struct sk_criu_opts so = *o;
	_cleanup_close_ int sfd = -1;
	if (so.lazy_pages && !so.pre_dump && so.has_status_fd && so.status_fd <= 2) {
		sfd = fcntl(so.status_fd, F_DUPFD_CLOEXEC, 3);
		if (sfd < 0)
			return sk_err_sys(e, errno, "--status-fd: descriptor %d", so.status_fd);
		so.status_fd = sfd;
	}
	argv = criu_dump_argv(&so, pid, cfg, lp);
	/* a terminal: its master is outside (the console socket's
	 * receiver), so the slave is external, given back at restore as a
	 * new pty (--inherit-fd); /dev/console, a bind of it, too */
	if (cfg && cfg->process && cfg->process->terminal && (tty = tty_key_of(pid))) {
		struct sk_strv_buf b = sk_strv_buf_of(argv);
		sk_strv_buf_add(&b, "--external");
		sk_strv_buf_add(&b, tty);
		if (has_mount(pid, "/dev/console")) {
			sk_strv_buf_add(&b, "--external");
			sk_strv_buf_add(&b, "mnt[" CRIU_CONSOLE "]:" CRIU_CONSOLE);
		}
		argv = b.v;
	}
	struct sk_strv_buf xb = sk_strv_buf_of(argv);
	for (char **x = ext; x && *x; x++) {
		sk_strv_buf_add(&xb, "--external");
		sk_strv_buf_add(&xb, *x);
	}
	/* what restore makes afresh: criu leaves it alone */
	_cleanup_(criu_fresh_free) struct criu_fresh fresh = { 0 };
	if (!o->pre_dump) {
		criu_fresh_scan(pid, o->pids, o->n_pids, &fresh);
		if (cfg)
			criu_fresh_drop_binds(&fresh, cfg->mounts, cfg->n_mounts);
		criu_fresh_drop_binds(&fresh, o->extra_mounts, o->n_extra_mounts);
		fresh.netns = o->fresh_netns && o->netns_ino ? sk_xstrdup(o->fresh_netns) : NULL;
	}
	for (size_t i = 0; i < fresh.n_tmpfs; i++) {
		_cleanup_free_ char *x =
			sk_xasprintf("mnt[%s]:%s", fresh.tmpfs[i].dest, fresh.tmpfs[i].dest);
		sk_strv_buf_add(&xb, "--external");
		sk_strv_buf_add(&xb, x);
	}
	argv = xb.v;
	/* what restore compares the bundle's config with; with
	 * --tcp-established, the name of criu's lock table */
	_cleanup_free_ char *lock =
		o->tcp_established && !o->pre_dump ? sk_xasprintf("CRIU-%d", (int)pid) : NULL;
	bool lazy = o->lazy_pages && !o->pre_dump;
	if (lazy) {
		/* the target restores while criu still serves the pages: what
		 * skiff adds to the images is there before criu runs, and an
		 * older dump's manifest is not (the checkpoint writes the new
		 * one once criu is done, after the restore) */
		_cleanup_free_ char *mf = sk_xasprintf("%s/" SK_CRIU_MANIFEST_FILE, o->image_path);
		if (unlink(mf) < 0 && errno != ENOENT)
			return sk_err_sys(e, errno, "--image-path: remove %s", mf);
		if (cfg)
			r = criu_config_save(o->image_path, cfg, tty, lock, e);
		if (r == 0)
			r = criu_fresh_save(o->image_path, &fresh, e);
		if (r < 0)
			return r;
	}
	debug_argv(log, argv);
	struct criu_run run = {
		.action = o->pre_dump ? "pre-dump" : "dump",
		.argv = argv,
		.log_path = lp,
	};
	/* criu's --status-fd: the caller's descriptor, in criu only */
	if (lazy && so.has_status_fd)
		run.keep_fds[run.n_keep++] = so.status_fd;
	r = run_checked(&run, e);
	if (r == 0 && !lazy && cfg)
		r = criu_config_save(o->image_path, cfg, tty, lock, e);
	if (r == 0 && !lazy && !o->pre_dump)
		r = criu_fresh_save(o->image_path, &fresh, e);
	return r;
}

/* criu's nftables lock of a --tcp-established dump is the table "inet
 * CRIU-PID" (PID: the dumped init's pid on the host) in the container's
 * network namespace; criu's restore deletes "inet CRIU-PID" of the
 * *restored* init's pid, which is another: the dump's table stays and
 * drops every packet of a namespace that outlived the dump (restore into
 * the same namespace).  Delete it in the restored init's namespace;
 * absent (a fresh namespace, criu found it): nothing to do. */
static void unlock_network(const struct sk_log *log, const struct sk_criu_opts *o, pid_t pid)
{
	_cleanup_free_ char *table = criu_config_lock(o->image_path);
	struct sk_err ignore;
	int status;

	if (!table)
		return;
	char *argv[] = { "nft", "delete", "table", "inet", table, NULL };
	struct criu_run run = { .action = "unlock", .argv = argv, .netns_of = pid };
	if (criu_run(&run, &status, &ignore) == 0) {
		sk_debug(log, "nft delete table inet %s in the container's namespace: status %d",
			 table, status);
		free(run.output);
	}
}

int sk_criu_restore(const struct sk_log *log, const struct sk_criu_restore *rs, pid_t *pid,
		    struct sk_err *e)
{
	_cleanup_free_ char *lp = NULL, *pp = NULL, *text = NULL, *stage = NULL;
	_cleanup_(criu_fresh_free) struct criu_fresh fresh = { 0 };
	_cleanup_strv_ char **argv = NULL;
	struct criu_stdio stdio = { 0 };
	struct sk_strv_buf b;
	int64_t v;
	size_t len;
	int r = make_dirs(rs->o, e);

	if (r < 0)
		return r;
	lp = log_path(rs->o, "restore.log");
	pp = log_path(rs->o, "restore.pid");
	unlink(pp);
	argv = criu_restore_argv(rs, lp, pp);
	if (rs->tty_fd > 2) {
		/* the new pty's slave, in criu at the same number */
		struct sk_strv_buf b = sk_strv_buf_of(argv);
		_cleanup_free_ char *fd = sk_xasprintf("fd[%d]:%s", rs->tty_fd, rs->tty_key);
		_cleanup_free_ char *con = sk_xasprintf("mnt[%s]:%s", CRIU_CONSOLE, rs->tty_path);
		sk_strv_buf_add(&b, "--inherit-fd");
		sk_strv_buf_add(&b, fd);
		sk_strv_buf_add(&b, "--external");
		sk_strv_buf_add(&b, con);
		argv = b.v;
	}
	/* empty tmpfs mounts made afresh, in criu's mount namespace */
	r = criu_fresh_load(rs->o->image_path, &fresh, e);
	if (r < 0)
		return r;
	if (fresh.n_tmpfs) {
		stage = log_path(rs->o, "skiff-fresh");
		if (mkdir(stage, 0700) < 0 && errno != EEXIST)
			return sk_err_sys(e, errno, "criu restore: mkdir %s", stage);
		b = sk_strv_buf_of(argv);
		for (size_t i = 0; i < fresh.n_tmpfs; i++) {
			_cleanup_free_ char *x =
				sk_xasprintf("mnt[%s]:%s/%zu", fresh.tmpfs[i].dest, stage, i);
			sk_strv_buf_add(&b, "--external");
			sk_strv_buf_add(&b, x);
		}
		argv = b.v;
	}
	/* a terminal's stdio is its new pty (above) */
	if (rs->tty_fd <= 2)
		criu_stdio_inherit(rs->o->image_path, &stdio);
	b = sk_strv_buf_of(argv);
	for (size_t i = 0; i < stdio.n; i++) {
		_cleanup_free_ char *x = sk_xasprintf("fd[%d]:%s", stdio.fd[i], stdio.key[i]);
		sk_strv_buf_add(&b, "--inherit-fd");
		sk_strv_buf_add(&b, x);
	}
	argv = b.v;
	debug_argv(log, argv);
	struct criu_run run = {
		.action = "restore",
		.argv = argv,
		.log_path = lp,
		.bind_root = rs->rootfs,
		.prepare = rs->prepare,
		.prepare_arg = rs->prepare_arg,
		.fresh = fresh.n_tmpfs ? &fresh : NULL,
		.stage = stage,
	};
	for (size_t i = 0; i < stdio.n; i++)
		run.keep_fds[run.n_keep++] = stdio.fd[i];
	if (rs->netns_fd > 2)
		run.keep_fds[run.n_keep++] = rs->netns_fd;
	if (rs->tty_fd > 2)
		run.keep_fds[run.n_keep++] = rs->tty_fd;
	r = run_checked(&run, e);
	criu_stdio_free(&stdio);
	if (stage)
		rmdir(stage);
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
	if (rs->o->tcp_established)
		unlock_network(log, rs->o, *pid);
	return 0;
}

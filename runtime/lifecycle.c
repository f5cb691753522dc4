/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lifecycle.c - start and destroy a container. */
#define _GNU_SOURCE
#include "internal.h"
#include "ext.h"
#include "process.h"
#include "../cgroups/cgroups.h"
#include "../namespaces/namespaces.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* Fork a child that enters the namespaces of the container's init (user
 * last), so that startContainer hooks resolve and run in the container.
 * Returns the child's pid in the parent, 0 in the child. */
static pid_t fork_into_container(struct sk_ctx *ctx, const struct sk_state *st, struct sk_err *e)
{
	struct ns_plan plan;
	struct sk_err err = { 0 };
	_cleanup_close_ int pidfd = sk_pidfd_open_proven(st->pid, st->start_time);
	pid_t child;
	int r;

	if (pidfd < 0)
		return sk_err_set(e, ESRCH, "container %s: the init is gone", st->id);
	r = ns_plan_from_pid(st->pid, 3, &plan, e);
	if (r < 0)
		return r;
	/* still alive after the namespaces were opened: they are its own */
	if (sk_pidfd_exited(pidfd)) {
		ns_plan_close(&plan);
		return sk_err_set(e, ESRCH, "container %s: the init is gone", st->id);
	}
	child = fork();
	if (child != 0) {
		ns_plan_close(&plan);
		return child < 0 ? sk_err_sys(e, errno, "fork") : child;
	}
	/* skiff code in the container's namespaces: not dumpable, and
	 * nothing of the host open but the --log file */
	prctl(PR_SET_DUMPABLE, 0);
	if (ns_join_user_first(&plan, &err) < 0 ||
	    (plan.join_fd[OCI_NS_PID] >= 0 && setns(plan.join_fd[OCI_NS_PID], CLONE_NEWPID) < 0) ||
	    ns_join(&plan, &err) < 0)
		_exit(126);
	if (sk_fds_close_except(3, &ctx->log.fd, 1, &err) < 0)
		_exit(126);
	/* a pid namespace applies to our children: one more fork */
	if (plan.join_fd[OCI_NS_PID] >= 0) {
		pid_t g = fork();
		int st;
		if (g < 0)
			_exit(126);
		if (g > 0) {
			waitpid(g, &st, 0);
			_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 126);
		}
	}
	return 0;
}

/* In the child that runs startContainer hooks: load the container's
 * seccomp filter, so that the hooks run under it as in runc (where they
 * run in the container's init).  There is no listener here: a
 * SCMP_ACT_NOTIFY rule makes its syscall fail with ENOSYS. */
static int load_hook_seccomp(const struct sk_seccomp_prog *p, struct sk_err *e)
{
	struct sk_seccomp_prog copy;

	if (!p)
		return 0;
	copy = *p;
	copy.flags &= ~(unsigned int)SECCOMP_FILTER_FLAG_NEW_LISTENER;
	copy.needs_notify = false;
	return sk_seccomp_load(&copy, e);
}

static int run_start_hooks(struct sk_ctx *ctx, struct sk_state *st, struct sk_err *e)
{
	const struct oci_hook_list *l = &st->cfg->hooks[OCI_HOOK_START_CONTAINER];
	_cleanup_free_ char *json = NULL;
	struct sk_seccomp_prog *seccomp = NULL;
	pid_t child;
	int status, r;

	if (!l->n)
		return 0;
	/* the process is not executed yet: "created" (runc too) */
	json = sk_state_json(st, SK_STATUS_CREATED, false);
	if (st->cfg->process && st->cfg->lnx.seccomp.present) {
		r = sk_seccomp_compile_state_root(ctx, &st->cfg->lnx.seccomp, &seccomp, e);
		if (r < 0)
			return r;
	}
	child = fork_into_container(ctx, st, e);
	if (child < 0) {
		if (seccomp)
			sk_seccomp_free(seccomp);
		return child;
	}
	if (child == 0) {
		struct sk_err err = { 0 };
		if (load_hook_seccomp(seccomp, &err) < 0 ||
		    sk_hooks_run(&ctx->log, l, "startContainer", json, &err) < 0) {
			sk_log(&ctx->log, SK_LOG_ERROR, "%s", err.msg);
			_exit(1);
		}
		_exit(0);
	}
	if (seccomp)
		sk_seccomp_free(seccomp);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return sk_err_set(e, ECANCELED, "startContainer hook failed");
	return 0;
}

/* The executable of @pid, as (dev, ino); false when it cannot be seen. */
static bool exe_id(pid_t pid, dev_t *dev, ino_t *ino)
{
	char path[64];
	struct stat sb;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (stat(path, &sb) < 0)
		return false;
	*dev = sb.st_dev;
	*ino = sb.st_ino;
	return true;
}

/* After the start byte: wait (bounded, 2 s) until the init stub has
 * executed the process, so that poststart hooks run "after the
 * user-specified process is executed" (runtime spec, lifecycle step 9). */
static void wait_executed(const struct sk_state *st, dev_t stub_dev, ino_t stub_ino)
{
	for (int i = 0; i < 2000; i++) {
		dev_t dev;
		ino_t ino;
		if (!exe_id(st->pid, &dev, &ino) || dev != stub_dev || ino != stub_ino)
			return;
		if (!sk_pid_alive(st->pid, st->start_time))
			return;
		usleep(1000);
	}
}

int sk_container_start(struct sk_ctx *ctx, struct sk_state *st, int start_fd, struct sk_err *e)
{
	_cleanup_close_ int fifo = -1;
	_cleanup_free_ char *json = NULL;
	char c = 0;
	dev_t stub_dev = 0;
	ino_t stub_ino = 0;
	bool have_stub;
	int r;

	if (!st->cfg->process)
		return sk_err_set(e, EINVAL,
				  "container %s has no process to start (config.json has no process)",
				  st->id);
	r = run_start_hooks(ctx, st, e);
	if (r < 0) {
		struct sk_err kerr = { 0 };
		sk_ignore(sk_container_kill(ctx, st, SIGKILL, false, &kerr));
		return r;
	}
	if (start_fd < 0) {
		fifo = openat(st->dirfd, "exec.fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fifo < 0) {
			if (errno == ENXIO)
				return sk_err_set(e, ESRCH, "container %s: the init is gone", st->id);
			return sk_err_sys(e, errno, "container %s: open exec.fifo", st->id);
		}
		start_fd = fifo;
	}
	have_stub = st->cfg->hooks[OCI_HOOK_POSTSTART].n && exe_id(st->pid, &stub_dev, &stub_ino);
	if (write(start_fd, &c, 1) != 1)
		return sk_err_sys(e, errno, "container %s: start", st->id);
	unlinkat(st->dirfd, "exec.fifo", 0);
	if (!st->cfg->hooks[OCI_HOOK_POSTSTART].n)
		return 0;
	if (have_stub)
		wait_executed(st, stub_dev, stub_ino);
	/* a failing poststart hook is a warning; the others still run */
	json = sk_state_json(st, SK_STATUS_RUNNING, false);
	sk_hooks_run_warn(&ctx->log, &st->cfg->hooks[OCI_HOOK_POSTSTART], "poststart", json);
	return 0;
}

int sk_container_destroy(struct sk_ctx *ctx, struct sk_state *st, struct sk_err *e)
{
	_cleanup_free_ char *json = NULL, *dir = NULL;
	int r;

	if (st->pid > 0) {
		/* only a proven init is signalled and waited for */
		_cleanup_close_ int pidfd = sk_pidfd_open_proven(st->pid, st->start_time);
		if (pidfd >= 0) {
			struct sk_err kerr = { 0 };
			struct pollfd p = { .fd = pidfd, .events = POLLIN };
			sk_ignore(sk_container_kill(ctx, st, SIGKILL, true, &kerr));
			sk_pidfd_signal(pidfd, SIGKILL);
			while (poll(&p, 1, 10000) < 0 && errno == EINTR)
				;
		}
	}
	r = sk_ext_destroy(ctx, st, e);
	if (r < 0)
		return r;
	dir = sk_xasprintf("%s/%s", ctx->root, st->id);
	r = sk_rm_rf(dir);
	if (r < 0)
		return sk_err_sys(e, -r, "remove %s", dir);
	/* poststop: after the container is deleted, before delete returns;
	 * each failure is a warning and the remaining hooks still run */
	if (st->cfg && st->cfg->hooks[OCI_HOOK_POSTSTOP].n) {
		json = sk_state_json(st, SK_STATUS_STOPPED, false);
		sk_hooks_run_warn(&ctx->log, &st->cfg->hooks[OCI_HOOK_POSTSTOP], "poststop", json);
	}
	return 0;
}

int sk_seccomp_compile_state_root(const struct sk_ctx *ctx, const struct oci_seccomp *s,
				  struct sk_seccomp_prog **out, struct sk_err *e)
{
	_cleanup_free_ char *dir = sk_xasprintf("%s/seccomp-cache", ctx->root);
	_cleanup_close_ int dirfd = -1;
	struct sk_err ignore = { 0 };

	if (sk_mkdir_p(dir, 0700, &ignore) == 0)
		dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return sk_seccomp_compile_cached(s, dirfd, out, &ctx->log, e);
}

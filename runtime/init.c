/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * init.c - the container's init, between clone and the exec of skiff-init.
 *
 * It runs the child side of the create protocol (see create.c): wait for
 * GO, join/unshare namespaces, mount the rootfs, let the parent run the
 * host hooks, run createContainer hooks, pivot_root, set up the terminal,
 * close every fd not meant for the container, apply the process's
 * security context (its cwd resolved in the container's root and checked
 * to be inside it) and exec the sealed init stub, which waits for `start`.
 */
#define _GNU_SOURCE
#include "init.h"
#include "process.h"
#include "../namespaces/namespaces.h"
#include "../rootfs/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static void phase(const struct sk_init_args *a, const char *what)
{
	sk_debug_phase(&a->ctx->log, &a->t0, "init", a->o->id, what);
}

/* Expect one message of type @want from the parent. */
static int expect(int sock, enum sk_msg_type want, char **data, struct sk_err *e)
{
	int code, t = sk_msg_recv(sock, &code, data, NULL, NULL);

	if (t == (int)want)
		return 0;
	if (t == 0)
		return sk_err_set(e, EPIPE, "init: skiff went away");
	if (t < 0)
		return sk_err_sys(e, -t, "init: sync");
	return sk_err_set(e, EPROTO, "init: unexpected message %d", t);
}

/* After joining a user namespace by path: create the new namespaces
 * there, owned by it.  A new pid namespace needs one more fork: the
 * grandchild becomes the init and its pid goes to the parent. */
static int unshare_in_joined_userns(const struct sk_init_args *a, struct sk_err *e)
{
	int flags = a->plan->new_flags & ~(CLONE_NEWUSER | CLONE_NEWCGROUP);
	pid_t pid;

	if (unshare(flags & ~CLONE_NEWPID) < 0)
		return sk_err_sys(e, errno, "unshare namespaces in the joined user namespace");
	if (!(flags & CLONE_NEWPID))
		return 0;
	if (unshare(CLONE_NEWPID) < 0)
		return sk_err_sys(e, errno, "unshare pid namespace");
	pid = fork();
	if (pid < 0)
		return sk_err_sys(e, errno, "fork into the new pid namespace");
	if (pid > 0) {
		/* the parent learns the real init's pid, then we leave */
		sk_msg_send(a->sock, SK_MSG_PID, pid, NULL, 0, -1);
		_exit(0);
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	return 0;
}

/* After the parent placed us in our cgroup, so that it is the root. */
static int unshare_cgroupns(const struct sk_init_args *a, struct sk_err *e)
{
	if ((a->plan->new_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
		return sk_err_sys(e, errno, "unshare cgroup namespace");
	return 0;
}

/* Close every fd that is not meant for the container: all but stdio, the
 * preserved ones and the three the stub needs until its exec (the sync
 * socket, the start fd and the stub's memfd; none a directory) and the
 * --log file.  Done before any path of the process (cwd, executable,
 * /dev/ptmx) is resolved: a process.cwd of /proc/self/fd/N must find
 * nothing of the host there.  Then the preserved fds lose close-on-exec
 * (skiff marked every inherited fd at start) and the rest gains it. */
static int close_fds(const struct sk_init_args *a, struct sk_err *e)
{
	int first = 3 + a->o->preserve_fds;
	int keep[] = { a->sock, a->waitfd, a->stubfd, a->ctx->log.fd };
	int r = sk_fds_close_except(first, keep, sizeof(keep) / sizeof(keep[0]), e);

	if (r < 0)
		return r;
	sk_fds_cloexec_from(first);
	r = sk_fds_keep_for_exec(3, first, e);
	if (r < 0)
		return r;
	sk_fds_close_list(a->fd_holes, a->n_fd_holes);
	if (a->waitfd >= 0 && fcntl(a->waitfd, F_SETFD, 0) < 0)
		return sk_err_sys(e, errno, "init: keep the start fd");
	return 0;
}

static void __attribute__((noreturn)) init_run(const struct sk_init_args *a)
{
	const struct oci_config *cfg = a->cfg;
	const struct oci_process *p = cfg->process;
	struct sk_err err = { 0 };
	_cleanup_free_ char *state_json = NULL, *exe = NULL;
	struct rootfs_ctx rc = {
		.cfg = cfg,
		.bundle = a->bundle,
		.rootfs = a->rootfs,
		.no_pivot = a->o->no_pivot,
		.new_userns = a->plan->new_userns || a->plan->join_userns,
		.new_netns = a->plan->new_flags & CLONE_NEWNET,
		.new_cgroupns = a->plan->new_flags & CLONE_NEWCGROUP,
		.extra = a->extra,
		.n_extra = a->n_extra,
		.src_fds = a->src_fds,
		.log = &a->ctx->log,
	};
	char *none_args[] = { "none", NULL };

	if (expect(a->sock, SK_MSG_GO, NULL, &err) < 0)
		sk_child_fail(a->sock, &err);
	if (a->cgroup_early && expect(a->sock, SK_MSG_CGROUP, NULL, &err) < 0)
		sk_child_fail(a->sock, &err);

	phase(a, "GO");
	if (ns_join(a->plan, &err) < 0)
		sk_child_fail(a->sock, &err);
	if (a->plan->join_userns && unshare_in_joined_userns(a, &err) < 0)
		sk_child_fail(a->sock, &err);
	if (a->plan->new_userns || a->plan->join_userns) {
		/* become root of the user namespace when 0 is mapped */
		if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
			sk_child_fail(a->sock, (sk_err_sys(&err, errno, "setresgid(0)"), &err));
		if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
			sk_child_fail(a->sock, (sk_err_sys(&err, errno, "setresuid(0)"), &err));
	}
	if (a->cgroup_early && unshare_cgroupns(a, &err) < 0)
		sk_child_fail(a->sock, &err);
	if (ns_set_hostnames(cfg, &err) < 0)
		sk_child_fail(a->sock, &err);

	if ((a->plan->new_flags & CLONE_NEWNS) && !a->vm_kernel) {
		if (rootfs_prepare(&rc, &err) < 0)
			sk_child_fail(a->sock, &err);
	} else if (!(a->plan->new_flags & CLONE_NEWNS) && a->n_extra) {
		sk_child_fail(a->sock, (sk_err_set(&err, EINVAL,
				"%s: built-in networking mounts it, which needs a new mount namespace",
				a->extra[0].destination), &err));
	}
	phase(a, "rootfs prepared");
	if (sk_msg_send(a->sock, SK_MSG_PREPARED, 0, NULL, 0, -1) < 0)
		_exit(1);
	if (expect(a->sock, SK_MSG_HOOKS_DONE, &state_json, &err) < 0)
		sk_child_fail(a->sock, &err);
	if (!a->cgroup_early && unshare_cgroupns(a, &err) < 0)
		sk_child_fail(a->sock, &err);
	phase(a, "hooks done");
	/* as runc: createContainer hooks run with the rootfs as their working
	 * directory, so a relative hook path is resolved from the container's
	 * root (in the container's mount namespace, before pivot_root) */
	if (cfg->hooks[OCI_HOOK_CREATE_CONTAINER].n && !a->vm_kernel && chdir(a->rootfs) < 0)
		sk_child_fail(a->sock, (sk_err_sys(&err, errno, "chdir %s", a->rootfs), &err));
	if (sk_hooks_run(&a->ctx->log, &cfg->hooks[OCI_HOOK_CREATE_CONTAINER], "createContainer",
			 state_json, &err) < 0)
		sk_child_fail(a->sock, &err);
	if (a->vm_kernel)
		sk_vm_init_run(a, state_json);
	if (a->plan->new_flags & CLONE_NEWNS) {
		if (rootfs_finalize(&rc, &err) < 0 || rootfs_apply_sysctl(cfg, &err) < 0)
			sk_child_fail(a->sock, &err);
	} else {
		/* no mount namespace of its own (the host's, or one joined by
		 * path): no mount at all, the sysctls through the /proc we see
		 * (they are those of our namespaces), then a chroot, as runc
		 * and crun do */
		if (rootfs_apply_sysctl(cfg, &err) < 0 || rootfs_chroot(a->rootfs, &err) < 0)
			sk_child_fail(a->sock, &err);
	}
	phase(a, "rootfs finalized");
	if (close_fds(a, &err) < 0)
		sk_child_fail(a->sock, &err);
	phase(a, "fds closed");

	if (p) {
		int sock = a->sock;
		struct process_ctx pc = {
			.p = p,
			.seccomp = a->seccomp,
			.container_id = a->o->id,
			.new_keyring = !a->o->no_new_keyring,
			.in_new_userns = rc.new_userns,
			.log = &a->ctx->log,
			.listener = sk_msg_seccomp_listener,
			.opaque = &sock,
		};
		sk_init_terminal(a, a->plan->new_flags & CLONE_NEWNS);
		/* /dev/console exists now: /dev and the root may go read-only */
		if ((a->plan->new_flags & CLONE_NEWNS) && rootfs_finalize_readonly(&rc, &err) < 0)
			sk_child_fail(a->sock, &err);
		if (process_find_executable(p, &exe, &err) < 0)
			sk_child_fail(a->sock, &err);
		if (a->before_exec && a->before_exec(a, &err) < 0)
			sk_child_fail(a->sock, &err);
		phase(a, "executable found");
		prctl(PR_SET_PDEATHSIG, 0);
		if (process_apply(&pc, &err) < 0)
			sk_child_fail(a->sock, &err);
		sk_stub_exec(a->stubfd, a->waitfd, exe, p->args, p->env, &err);
	} else {
		/* no process: hold the namespaces until delete; start refuses */
		setsid();
		if ((a->plan->new_flags & CLONE_NEWNS) && rootfs_finalize_readonly(&rc, &err) < 0)
			sk_child_fail(a->sock, &err);
		prctl(PR_SET_PDEATHSIG, 0);
		sk_stub_exec(a->stubfd, a->waitfd, "/", none_args, NULL, &err);
	}
	sk_child_fail(a->sock, &err);
}

void sk_init_terminal(const struct sk_init_args *a, bool bind_console)
{
	struct sk_err err = { 0 };
	int master;

	if (!a->cfg->process->terminal) {
		setsid();
		return;
	}
	/* our messages keep going to skiff's stderr, not into the pty */
	if (a->ctx->log.fd < 0 && a->ctx->log.errfd <= 2)
		a->ctx->log.errfd = fcntl(2, F_DUPFD_CLOEXEC, 3 + a->o->preserve_fds);
	master = sk_pty_setup(a->cfg->process, bind_console, &err);
	if (master < 0)
		sk_child_fail(a->sock, &err);
	sk_msg_send(a->sock, SK_MSG_PTY, 0, NULL, 0, master);
	close(master);
}

void sk_init_main(const struct sk_init_args *a)
{
	/* No one in the container may open our /proc/PID/exe (the host's
	 * skiff binary) while we still run skiff code. */
	prctl(PR_SET_DUMPABLE, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* the container's process gets default dispositions and an empty
	 * mask, whatever skiff's caller ignored or blocked (runc) */
	sk_reset_signals();
	/* the parent died before PDEATHSIG was set (in a new pid namespace
	 * getppid() is 0: the parent is outside) */
	if (getppid() != a->parent_pid && getppid() != 0)
		_exit(1);
	close(a->parent_sock);
	init_run(a);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * init.c - the container's init, between clone and the handler taking over.
 *
 * It runs the child side of the create protocol (see create.c): wait for
 * GO, join/unshare namespaces, set the hostnames, let the handler mount
 * (handler.h), let the parent run the host hooks, then hand over to the
 * handler, which runs the createContainer hooks and becomes the
 * container's process: container.c execs the sealed init stub, which
 * waits for `start`; vm.c runs the VMM.
 */
#define _GNU_SOURCE
#include "handler.h"
#include "init.h"
#include "../namespaces/namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

void sk_init_phase(const struct sk_init_args *a, const char *what)
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

static void __attribute__((noreturn)) init_run(const struct sk_init_args *a)
{
	struct sk_err err = { 0 };
	_cleanup_free_ char *state_json = NULL;

	if (expect(a->sock, SK_MSG_GO, NULL, &err) < 0)
		sk_child_fail(a->sock, &err);
	/* rootless: the maps are written (see sk_init_main) */
	prctl(PR_SET_DUMPABLE, 0);
	if (a->cgroup_early && expect(a->sock, SK_MSG_CGROUP, NULL, &err) < 0)
		sk_child_fail(a->sock, &err);

	sk_init_phase(a, "GO");
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
	if (ns_set_hostnames(a->cfg, &err) < 0)
		sk_child_fail(a->sock, &err);
	if (a->handler->mount(a, &err) < 0)
		sk_child_fail(a->sock, &err);
	sk_init_phase(a, "rootfs prepared");
	if (sk_msg_send(a->sock, SK_MSG_PREPARED, 0, NULL, 0, -1) < 0)
		_exit(1);
	if (expect(a->sock, SK_MSG_HOOKS_DONE, &state_json, &err) < 0)
		sk_child_fail(a->sock, &err);
	if (!a->cgroup_early && unshare_cgroupns(a, &err) < 0)
		sk_child_fail(a->sock, &err);
	sk_init_phase(a, "hooks done");
	a->handler->run(a, state_json);
}

void sk_init_create_container_hooks(const struct sk_init_args *a, const char *state_json)
{
	struct sk_err err = { 0 };

	if (sk_hooks_run(&a->ctx->log, &a->cfg->hooks[OCI_HOOK_CREATE_CONTAINER], "createContainer",
			 state_json, &err) < 0)
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
	 * skiff binary) while we still run skiff code.  Rootless with a new
	 * user namespace: dumpable until GO, so that our /proc/PID files stay
	 * the caller's and it (or newuidmap) may write our uid_map and gid_map
	 * -- no container process exists before GO, and the caller is the
	 * same user. */
	if (!a->ctx->rootless || !a->plan->new_userns)
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

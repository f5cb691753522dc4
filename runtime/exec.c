/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * exec.c - a new process in a running container (`skiff exec`).
 *
 * skiff joins the container's pid namespace for its children, forks one
 * child that joins the other namespaces (user last), applies the
 * process's security context and execs the sealed skiff-init stub, which
 * execs the command: no skiff code or binary handle stays in the container.
 */
#define _GNU_SOURCE
#include "ext.h"
#include "process.h"
#include "../cgroups/cgroups.h"
#include "../namespaces/namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

struct exec_job {
	struct ns_plan plan;
	int sock[2], stubfd, pty;
	struct sk_seccomp_prog *seccomp;
	struct oci_process *p;
	int *fd_holes; /* see sk_fds_reserve */
	size_t n_fd_holes;
};

/* Rootless: only the container's user namespace gives the rights to join
 * its pid namespace, and once in it there is no way back to ours.  So the
 * child joins it and the pid namespace, forks the process that goes on
 * (exec_child), tells skiff its pid and exits: skiff, a subreaper, gets the
 * grandchild as its child.  skiff itself stays in its own namespaces (its
 * later children -- a sanitizer's leak checker -- too). */
static void rootless_hop(struct exec_job *j)
{
	struct sk_err err = { 0 };
	pid_t g;

	prctl(PR_SET_DUMPABLE, 0);
	if (ns_join_user_first(&j->plan, &err) < 0)
		sk_child_fail(j->sock[1], &err);
	if (j->plan.join_fd[OCI_NS_PID] >= 0 && setns(j->plan.join_fd[OCI_NS_PID], CLONE_NEWPID) < 0)
		sk_child_fail(j->sock[1], (sk_err_sys(&err, errno, "join pid namespace"), &err));
	g = fork();
	if (g < 0)
		sk_child_fail(j->sock[1], (sk_err_sys(&err, errno, "fork"), &err));
	if (g > 0) {
		sk_msg_send(j->sock[1], SK_MSG_PID, g, NULL, 0, -1);
		_exit(0);
	}
}

/* skiff's side of rootless_hop: the grandchild's pid in *pid. */
static int take_grandchild(struct exec_job *j, pid_t *pid, struct sk_err *e)
{
	_cleanup_free_ char *data = NULL;
	int code = 0, fd = -1, t = sk_msg_recv(j->sock[0], &code, &data, NULL, &fd);

	if (fd >= 0)
		close(fd);
	waitpid(*pid, NULL, 0);
	if (t == SK_MSG_ERROR)
		return sk_err_set(e, code, "%s", data ? data : "exec failed");
	if (t != SK_MSG_PID || code <= 0)
		return sk_err_set(e, EPROTO, "exec: the process was not started");
	*pid = code;
	return 0;
}

static void __attribute__((noreturn))
exec_child(struct sk_ctx *ctx, struct sk_state *st, struct exec_job *j,
	   const struct sk_exec_opts *o, bool hopped)
{
	struct sk_err err = { 0 };
	_cleanup_free_ char *exe = NULL;
	struct process_ctx pc = {
		.p = j->p,
		.seccomp = j->seccomp,
		.container_id = st->id,
		.new_keyring = false,
		.in_new_userns = j->plan.join_userns,
		.log = &ctx->log,
		.listener = sk_msg_seccomp_listener,
		.opaque = &j->sock[1],
	};
	int first = 3 + o->preserve_fds;
	int keep[] = { j->sock[1], j->stubfd, ctx->log.fd };

	prctl(PR_SET_DUMPABLE, 0);
	/* after a hop, our parent exits: skiff is ours only at GO */
	if (!hopped)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* default dispositions and an empty mask, whatever our caller had */
	sk_reset_signals();
	close(j->sock[0]);
	/* wait until skiff has put us in the container's cgroup */
	if (sk_msg_recv(j->sock[1], NULL, NULL, NULL, NULL) != SK_MSG_GO)
		_exit(1);
	if (hopped)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (ns_join(&j->plan, &err) < 0)
		sk_child_fail(j->sock[1], &err);
	/* Nothing of the host stays open from here on (the namespace fds,
	 * the state directory, the caller's fds): the cwd, the executable
	 * and /dev/ptmx are resolved in the container (CVE-2024-21626).
	 * The sync socket, the stub's memfd and the --log file are no
	 * directories and close at the exec. */
	if (sk_fds_close_except(first, keep, sizeof(keep) / sizeof(keep[0]), &err) < 0 ||
	    sk_fds_keep_for_exec(3, first, &err) < 0)
		sk_child_fail(j->sock[1], &err);
	sk_fds_close_list(j->fd_holes, j->n_fd_holes);
	if (j->plan.join_userns) {
		/* root of the container's user namespace (as the init is), so
		 * that what we create (the pty) is owned through its mappings
		 * and can be given to the process's user */
		if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
			sk_child_fail(j->sock[1], (sk_err_sys(&err, errno, "setresgid(0)"), &err));
		if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
			sk_child_fail(j->sock[1], (sk_err_sys(&err, errno, "setresuid(0)"), &err));
	}
	sk_debug(&ctx->log, "exec %s: child %d joined the container's namespaces", st->id,
		 (int)getpid());
	if (j->p->terminal) {
		int master;
		/* our messages keep going to skiff's stderr, not into the pty */
		if (ctx->log.fd < 0 && ctx->log.errfd <= 2)
			ctx->log.errfd = fcntl(2, F_DUPFD_CLOEXEC, (int)first);
		master = sk_pty_setup(j->p, false, &err);
		if (master < 0)
			sk_child_fail(j->sock[1], &err);
		sk_msg_send(j->sock[1], SK_MSG_PTY, 0, NULL, 0, master);
		close(master);
	}
	if (process_find_executable(j->p, &exe, &err) < 0)
		sk_child_fail(j->sock[1], &err);
	sk_debug(&ctx->log, "exec %s: executing %s", st->id, exe);
	if (!o->detach)
		prctl(PR_SET_PDEATHSIG, 0);
	if (process_apply(&pc, &err) < 0)
		sk_child_fail(j->sock[1], &err);
	prctl(PR_SET_PDEATHSIG, 0);
	sk_ignore(sk_stub_exec(j->stubfd, -1, exe, j->p->args, j->p->env, &err));
	sk_child_fail(j->sock[1], &err);
}

/* The exec'd process's seccomp notify fd to listenerPath. */
static int send_listener(const struct sk_state *st, pid_t pid, int fd, int sock, struct sk_err *e)
{
	const struct oci_seccomp *s = &st->cfg->lnx.seccomp;
	_cleanup_free_ char *state = sk_state_json(st, SK_STATUS_RUNNING, false);
	_cleanup_free_ char *json = sk_seccomp_process_state(s->listener_metadata, pid, state);
	int r = sk_seccomp_send_listener(s->listener_path, fd, json, e);

	close(fd);
	if (r < 0)
		return r;
	r = sk_msg_send(sock, SK_MSG_SECCOMP_DONE, 0, NULL, 0, -1);
	return r < 0 ? sk_err_sys(e, -r, "exec: sync") : 0;
}

static int converse(const struct sk_exec_opts *o, struct exec_job *j, const struct sk_state *st,
		    pid_t pid, struct sk_err *e)
{
	for (;;) {
		_cleanup_free_ char *data = NULL;
		int code = 0, fd = -1, t = sk_msg_recv(j->sock[0], &code, &data, NULL, &fd), r;

		if (t < 0)
			return sk_err_sys(e, -t, "exec: sync");
		if (t == 0)
			return 0;
		if (t == SK_MSG_ERROR)
			return sk_err_set(e, code, "%s", data);
		if (t == SK_MSG_SECCOMP && fd >= 0) {
			r = send_listener(st, pid, fd, j->sock[0], e);
			if (r < 0)
				return r;
		} else if (t == SK_MSG_PTY && fd >= 0) {
			if (o->console_socket) {
				r = sk_console_socket_send(o->console_socket, fd, e);
				close(fd);
				if (r < 0)
					return r;
			} else {
				j->pty = fd;
			}
		} else if (fd >= 0) {
			close(fd);
		}
	}
}

int sk_container_exec(struct sk_ctx *ctx, const struct sk_exec_opts *o, struct sk_err *e)
{
	struct exec_job j = { .sock = { -1, -1 }, .stubfd = -1, .pty = -1 };
	_cleanup_state_ struct sk_state *st = NULL;
	_cleanup_cgroup_ struct sk_cgroup *cg = NULL;
	enum sk_status s;
	int r, status = 0, min_fd;
	bool wrote_pid_file = false;
	pid_t pid = -1;
	sigset_t saved_mask;
	bool blocked = false, hop = false;
	int own_pidns = -1;
	_cleanup_close_ int init_fd = -1;
	struct timespec t0;

	ns_plan_init(&j.plan);
	min_fd = 3 + o->preserve_fds;
	/* before anything is opened that could take a preserved fd's
	 * number (the state directory would reach the container) */
	r = sk_fds_reserve(3, min_fd, &ctx->log.fd, &j.fd_holes, &j.n_fd_holes, e);
	if (r < 0)
		goto out;
	/* from here on, skiff's own failures exit 255, as runc's exec: the
	 * process's statuses are 0-255 too, but a caller tells them apart by
	 * the error on stderr */
	ctx->fail_status = 255;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = sk_state_load(ctx, o->id, false, &st, e);
	if (r < 0)
		goto out;
	s = sk_state_status(ctx, st);
	if (s == SK_STATUS_PAUSED && !o->ignore_paused) {
		r = sk_err_set(e, EBUSY,
			       "cannot exec in container %s: it is paused (use --ignore-paused to override)",
			       st->id);
		goto out;
	}
	if (s != SK_STATUS_RUNNING && s != SK_STATUS_CREATED && s != SK_STATUS_PAUSED) {
		r = sk_err_set(e, EINVAL, "cannot exec in container %s: it is %s", st->id,
			       sk_status_name(s));
		goto out;
	}
	r = o->build(st, o->build_arg, &j.p, e);
	if (r < 0)
		goto out;
	if (!j.p->terminal && o->console_socket) {
		r = sk_err_set(e, EINVAL, "exec: --console-socket given without --tty");
		goto out;
	}
	if (j.p->terminal && !o->console_socket && o->detach) {
		r = sk_err_set(e, EINVAL, "exec: --tty with --detach needs --console-socket");
		goto out;
	}
	r = process_validate(j.p, &st->cfg->lnx.seccomp, e);
	if (r < 0)
		goto out;
	if (st->cfg->lnx.seccomp.present) {
		r = sk_seccomp_compile_state_root(ctx, &st->cfg->lnx.seccomp, &j.seccomp, e);
		if (r < 0)
			goto out;
	}
	r = sk_ext_load_cgroup(ctx, st, &cg, e);
	if (r < 0)
		goto out;
	if (o->cgroups && !cg) {
		r = sk_err_set(e, ENOTSUP, "exec --cgroup: container %s has no cgroup", st->id);
		goto out;
	}
	/* join the init's namespaces only once it is proven the init of the
	 * state (pidfd, then start time) and still alive after they were
	 * opened: never those of a process that reused its pid */
	init_fd = sk_pidfd_open_proven(st->pid, st->start_time);
	if (init_fd < 0) {
		r = sk_err_set(e, ESRCH, "cannot exec in container %s: its init is gone", st->id);
		goto out;
	}
	r = ns_plan_from_pid(st->pid, min_fd, &j.plan, e);
	if (r < 0)
		goto out;
	if (sk_pidfd_exited(init_fd)) {
		r = sk_err_set(e, ESRCH, "cannot exec in container %s: its init is gone", st->id);
		goto out;
	}
	j.stubfd = sk_stub_memfd(min_fd, e);
	if (j.stubfd < 0) {
		r = j.stubfd;
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, j.sock) < 0) {
		r = sk_err_sys(e, errno, "socketpair");
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		r = sk_fd_move_above(&j.sock[i], min_fd, e);
		if (r < 0)
			goto out;
	}
	hop = geteuid() != 0 && j.plan.join_fd[OCI_NS_USER] >= 0;
	if (hop && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		r = sk_err_sys(e, errno, "exec: PR_SET_CHILD_SUBREAPER");
		goto out;
	}
	if (!hop && j.plan.join_fd[OCI_NS_PID] >= 0) {
		r = ns_enter_pid_for_children(j.plan.join_fd[OCI_NS_PID], &own_pidns, e);
		if (r < 0)
			goto out;
	}
	if (!o->detach) {
		sk_block_signals(&saved_mask); /* from now on they are forwarded */
		blocked = true;
	}
	pid = fork();
	if (pid < 0) {
		r = sk_err_sys(e, errno, "fork");
		goto out;
	}
	if (pid == 0) {
		if (hop)
			rootless_hop(&j);
		exec_child(ctx, st, &j, o, hop);
	}
	ns_leave_pid_for_children(&own_pidns);
	close(j.sock[1]);
	j.sock[1] = -1;
	if (hop && (r = take_grandchild(&j, &pid, e)) < 0) {
		pid = -1;
		goto out;
	}
	r = cg ? sk_cgroup_enter_sub(cg, pid, o->cgroups, e) : 0;
	sk_debug_phase(&ctx->log, &t0, "exec", st->id, "process in the container's cgroup");
	/* The pid file is written while the child still waits for GO: when
	 * it cannot be, nothing of the process has run (a process killed
	 * after it started could leave children behind). */
	if (r == 0 && o->pid_file && (r = sk_write_pid_file(o->pid_file, pid, e)) == 0)
		wrote_pid_file = true;
	if (r == 0 && (r = sk_msg_send(j.sock[0], SK_MSG_GO, 0, NULL, 0, -1)) < 0)
		sk_err_sys(e, -r, "exec: sync");
	if (r == 0)
		r = converse(o, &j, st, pid, e);
	if (r < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		if (wrote_pid_file)
			unlink(o->pid_file);
		goto out;
	}
	sk_debug_phase(&ctx->log, &t0, "exec", st->id, "process started");
	if (o->detach) {
		r = 0;
		goto out;
	}
	if (j.pty >= 0) {
		r = sk_pty_relay(j.pty, pid, -1, &status, e);
		status = WIFEXITED(status)     ? WEXITSTATUS(status)
			 : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
					       : 255;
	} else {
		r = sk_wait_forward(pid, -1, &status);
	}
	if (r == 0) {
		sk_debug(&ctx->log, "exec %s: process %d exited with status %d", st->id, (int)pid,
			 status);
		r = status;
	}
out:
	ns_leave_pid_for_children(&own_pidns);
	if (blocked)
		sk_restore_signals(&saved_mask);
	ns_plan_close(&j.plan);
	if (j.seccomp)
		sk_seccomp_free(j.seccomp);
	if (j.p)
		oci_process_free(j.p);
	for (int i = 0; i < 2; i++)
		if (j.sock[i] >= 0)
			close(j.sock[i]);
	if (j.stubfd >= 0)
		close(j.stubfd);
	if (j.pty >= 0)
		close(j.pty);
	sk_fds_close_list(j.fd_holes, j.n_fd_holes);
	free(j.fd_holes);
	return r;
}

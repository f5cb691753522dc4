/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hooks.c - OCI hooks: state JSON on stdin, a timeout, exit status checked. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

const char *sk_hook_kind_name(enum oci_hook_kind k)
{
	static const char *const names[OCI_HOOK__MAX] = {
		"prestart",	  "createRuntime", "createContainer",
		"startContainer", "poststart",	   "poststop",
	};
	return names[k];
}

/* Feed the state to a hook's stdin: no SIGPIPE when the hook exits without
 * reading, and no blocking beyond @timeout_ms (-1: none) when it never
 * reads a state larger than the pipe.  Returns 0 or -ETIMEDOUT. */
static int feed_stdin(int fd, int pidfd, const char *s, size_t len, int timeout_ms)
{
	sigset_t pipe_set, old;
	struct timespec zero = { 0 };
	int r = 0;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (len > 0) {
		struct pollfd p[2] = { { fd, POLLOUT, 0 }, { pidfd, POLLIN, 0 } };
		ssize_t w = write(fd, s, len);
		int pr;

		if (w > 0) {
			s += w;
			len -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN)
			break; /* EPIPE: the hook stopped reading */
		pr = poll(p, pidfd >= 0 ? 2 : 1, timeout_ms);
		if (pr == 0) {
			r = -ETIMEDOUT;
			break;
		}
		if (pr < 0 && errno != EINTR)
			break;
		if (pr > 0 && (p[1].revents & POLLIN))
			break; /* the hook exited */
	}
	while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}

static int run_hook(const struct sk_log *log, const struct oci_hook *h, const char *kind,
		    const char *state_json, struct sk_err *e)
{
	int in[2], status = 0, r;
	_cleanup_close_ int pidfd = -1;
	pid_t pid;
	static char *const empty[] = { NULL };

	if (pipe2(in, O_CLOEXEC) < 0)
		return sk_err_sys(e, errno, "%s hook %s: pipe", kind, h->path);
	pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		return sk_err_sys(e, errno, "%s hook %s: fork", kind, h->path);
	}
	if (pid == 0) {
		char *const *argv = h->n_args ? h->args : (char *const[]){ h->path, NULL };
		sk_reset_signals();
		dup2(in[0], 0);
		/* the hook's stdout must not mix with a container's stdout */
		dup2(2, 1);
		/* stdio only: a hook gets neither skiff's fds nor the
		 * caller's (startContainer hooks run a binary of the
		 * container's rootfs, in its namespaces) */
		{
			struct sk_err ignore = { 0 };
			sk_ignore(sk_fds_close_except(3, NULL, 0, &ignore));
		}
		execve(h->path, argv, h->env ? h->env : empty);
		sk_log(NULL, SK_LOG_ERROR, "%s hook %s: %s", kind, h->path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	/* a hook that does not read stdin must not hang or kill us */
	r = feed_stdin(in[1], pidfd, state_json, strlen(state_json),
		       h->timeout > 0 ? h->timeout * 1000 : -1);
	close(in[1]);
	if (r == -ETIMEDOUT) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return sk_err_set(e, ETIMEDOUT, "%s hook %s: timed out after %d s", kind, h->path,
				  h->timeout);
	}
	if (h->timeout > 0 && pidfd >= 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int pr;
		do
			pr = poll(&p, 1, h->timeout * 1000);
		while (pr < 0 && errno == EINTR);
		if (pr == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return sk_err_set(e, ETIMEDOUT, "%s hook %s: timed out after %d s", kind,
					  h->path, h->timeout);
		}
	}
	while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return sk_err_sys(e, errno, "%s hook %s: wait", kind, h->path);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		sk_debug(log, "%s hook %s: ok", kind, h->path);
		return 0;
	}
	if (WIFSIGNALED(status))
		return sk_err_set(e, ECANCELED, "%s hook %s: killed by signal %d", kind, h->path,
				  WTERMSIG(status));
	return sk_err_set(e, ECANCELED, "%s hook %s: exited with status %d", kind, h->path,
			  WEXITSTATUS(status));
}

int sk_hooks_run(const struct sk_log *log, const struct oci_hook_list *hooks, const char *kind,
		 const char *state_json, struct sk_err *e)
{
	for (size_t i = 0; i < hooks->n; i++) {
		int r = run_hook(log, &hooks->v[i], kind, state_json, e);
		if (r < 0)
			return r;
	}
	return 0;
}

int sk_hooks_run_warn(const struct sk_log *log, const struct oci_hook_list *hooks, const char *kind,
		      const char *state_json)
{
	int failed = 0;

	for (size_t i = 0; i < hooks->n; i++) {
		struct sk_err e = { 0 };
		if (run_hook(log, &hooks->v[i], kind, state_json, &e) < 0) {
			sk_warn(log, "%s", e.msg);
			failed++;
		}
	}
	return failed;
}

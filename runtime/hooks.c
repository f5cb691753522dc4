/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hooks.c - OCI hooks: state JSON on stdin, a timeout, exit status checked. */
#define _GNU_SOURCE
#include "container.h"

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
		"prestart", "createRuntime", "createContainer",
		"startContainer", "poststart", "poststop",
	};
	return names[k];
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
		dup2(in[0], 0);
		/* the hook's stdout must not mix with a container's stdout */
		dup2(2, 1);
		execve(h->path, argv, h->env ? h->env : empty);
		dprintf(2, "skiff: %s hook %s: %s\n", kind, h->path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	/* a hook that does not read stdin must not hang or kill us */
	(void)!sk_write_all(in[1], state_json, strlen(state_json));
	close(in[1]);

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
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

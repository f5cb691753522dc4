/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * run.c - run the criu binary: its output captured in a memfd, the exec
 * error (no criu) reported back through a close-on-exec pipe, and a
 * failure turned into one line with criu's first error and its log.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>

/* In the child: never returns. */
static void __attribute__((noreturn)) child(const struct criu_run *r, int out, int go, int err)
{
	int n = 0, code;

	sk_reset_signals();
	/* wait for the parent's go (prepare done) */
	if (go >= 0 && read(go, &n, 1) != 1)
		_exit(127);
	if (r->bind_root) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount(r->bind_root, r->bind_root, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    (r->fresh && (errno = -criu_fresh_mount(r->stage, r->fresh)) != 0)) {
			code = errno;
			if (write(err, &code, sizeof(code)) < 0)
				_exit(127);
			_exit(127);
		}
	}
	if (r->netns_of > 0) {
		char ns[64];
		snprintf(ns, sizeof(ns), "/proc/%d/ns/net", (int)r->netns_of);
		int fd = open(ns, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
			_exit(127);
	}
	for (size_t i = 0; i < r->n_keep; i++)
		if (r->keep_fds[i] > 2 && fcntl(r->keep_fds[i], F_SETFD, 0) < 0)
			_exit(127);
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nul < 0 || dup2(nul, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	execvp(r->argv[0], r->argv);
	code = -errno; /* negative: the exec failed, not the mount */
	if (write(err, &code, sizeof(code)) < 0)
		_exit(127);
	_exit(127);
}

static char *read_memfd(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	char *s;

	if (len < 0)
		len = 0;
	if (len > 1 << 20)
		len = 1 << 20;
	s = sk_xmalloc((size_t)len + 1);
	ssize_t n = pread(fd, s, (size_t)len, 0);
	s[n > 0 ? n : 0] = '\0';
	return s;
}

int criu_run(struct criu_run *r, int *status, struct sk_err *e)
{
	_cleanup_close_ int out = -1;
	int go[2] = { -1, -1 }, err[2] = { -1, -1 }, code = 0, rc;
	pid_t pid;

	out = memfd_create("criu-output", MFD_CLOEXEC);
	if (out < 0)
		return sk_err_sys(e, errno, "memfd_create");
	if (pipe2(err, O_CLOEXEC) < 0)
		return sk_err_sys(e, errno, "pipe");
	if (r->prepare && pipe2(go, O_CLOEXEC) < 0) {
		rc = sk_err_sys(e, errno, "pipe");
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = sk_err_sys(e, errno, "fork");
		goto out;
	}
	if (pid == 0)
		child(r, out, go[0], err[1]);
	close(err[1]);
	err[1] = -1;
	rc = 0;
	if (r->prepare) {
		close(go[0]);
		go[0] = -1;
		rc = r->prepare(r->prepare_arg, pid, e);
		if (rc == 0 && write(go[1], "g", 1) != 1)
			rc = sk_err_sys(e, errno, "criu %s: start criu", r->action);
		close(go[1]);
		go[1] = -1;
	}
	/* a failed prepare closes the pipe: the child exits 127 */
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	if (rc < 0)
		goto out;
	if (read(err[0], &code, sizeof(code)) == sizeof(code)) {
		if (code < 0)
			rc = sk_err_set(e, ENOENT, "criu is not installed (%s: %s)", r->argv[0],
					strerror(-code));
		else
			rc = sk_err_sys(e, code, "criu %s: its private mounts (%s, %s)", r->action,
					r->bind_root, r->stage ? r->stage : "no fresh tmpfs");
		goto out;
	}
	r->output = read_memfd(out);
out:
	for (int i = 0; i < 2; i++) {
		if (go[i] >= 0)
			close(go[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	return rc;
}

char *criu_first_error(const char *text, bool bare)
{
	const char *p = text, *end, *s;

	for (; p && *p; p = end ? end + 1 : NULL) {
		end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *line = strndup(p, len);
		if (!line)
			abort();
		s = strstr(line, "Error (");
		if (!s) {
			free(line);
			continue;
		}
		if (bare) {
			const char *c = strstr(s, "): ");
			if (c)
				s = c + 3;
		}
		char *r = sk_xstrdup(s);
		free(line);
		return r;
	}
	return NULL;
}

int criu_fail(const struct criu_run *r, int status, struct sk_err *e)
{
	_cleanup_free_ char *logtext = NULL, *first = NULL, *how = NULL;
	size_t len;
	struct sk_err ignore;

	if (r->log_path && sk_read_file_at(AT_FDCWD, r->log_path, &logtext, &len, &ignore) == 0)
		first = criu_first_error(logtext, false);
	if (!first && r->output)
		first = criu_first_error(r->output, false);
	if (!first && r->output && *r->output) {
		/* an option criu refused: its own first line */
		first = sk_xstrdup(r->output);
		first[strcspn(first, "\n")] = '\0';
	}
	if (WIFSIGNALED(status))
		how = sk_xasprintf("killed by signal %d", WTERMSIG(status));
	else
		how = sk_xasprintf("exit status %d", WEXITSTATUS(status));
	if (first && r->log_path)
		return sk_err_set(e, EIO, "criu %s failed: %s (log: %s)", r->action, first,
				  r->log_path);
	if (first)
		return sk_err_set(e, EIO, "criu %s failed: %s", r->action, first);
	if (r->log_path)
		return sk_err_set(e, EIO, "criu %s failed (%s) with no error in its log %s",
				  r->action, how, r->log_path);
	return sk_err_set(e, EIO, "criu %s failed (%s) and printed nothing", r->action, how);
}

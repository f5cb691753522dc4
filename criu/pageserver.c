/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pageserver.c - `criu page-server` in the background, for migrate's
 * target: one page server per pre-copy round (and one for the final
 * dump), each into its own images directory with the previous round as
 * --prev-images-dir.
 *
 * Readiness: the source is told "ready" only once criu's socket listens,
 * so its dump never connects too early: criu's --status-fd byte, or a
 * listening socket on the port in criu's own /proc/PID/net/tcp{,6}
 * (whichever comes first: not every criu writes the byte for
 * page-server).  The page server serves one dump and exits;
 * skiff waits for that exit with a deadline (through a pidfd).  It is
 * started with PR_SET_PDEATHSIG: a target killed mid-transfer leaves no
 * criu behind.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#define STATUS_FD 3

static char **page_server_argv(const struct sk_criu_page_server *ps, const char *log_path)
{
	struct sk_strv_buf b = { 0 };
	char num[16];

	sk_strv_buf_add(&b, "criu");
	sk_strv_buf_add(&b, "page-server");
	sk_strv_buf_add(&b, "--images-dir");
	sk_strv_buf_add(&b, ps->images_dir);
	sk_strv_buf_add(&b, "--work-dir");
	sk_strv_buf_add(&b, ps->images_dir);
	sk_strv_buf_add(&b, "--log-file");
	sk_strv_buf_add(&b, log_path);
	sk_strv_buf_add(&b, "-v4");
	sk_strv_buf_add(&b, "--address");
	sk_strv_buf_add(&b, ps->address);
	snprintf(num, sizeof(num), "%u", ps->port);
	sk_strv_buf_add(&b, "--port");
	sk_strv_buf_add(&b, num);
	snprintf(num, sizeof(num), "%d", STATUS_FD);
	sk_strv_buf_add(&b, "--status-fd");
	sk_strv_buf_add(&b, num);
	if (ps->prev_dir) {
		sk_strv_buf_add(&b, "--prev-images-dir");
		sk_strv_buf_add(&b, ps->prev_dir);
	}
	return b.v;
}

char **criu_page_server_argv(const struct sk_criu_page_server *ps, const char *log_path)
{
	return page_server_argv(ps, log_path);
}

static void __attribute__((noreturn)) child(char **argv, int status_fd, pid_t parent)
{
	sk_reset_signals();
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nul < 0 || dup2(nul, 0) < 0 || dup2(nul, 1) < 0 || dup2(nul, 2) < 0)
		_exit(127);
	if (status_fd == STATUS_FD) {
		if (fcntl(status_fd, F_SETFD, 0) < 0)
			_exit(127);
	} else if (dup2(status_fd, STATUS_FD) < 0) {
		_exit(127);
	}
	execvp(argv[0], argv);
	_exit(127);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Does @pid's network namespace have a TCP socket listening on @port? */
static bool listening(pid_t pid, uint16_t port)
{
	static const char *const files[] = { "tcp", "tcp6" };
	char want[8];

	snprintf(want, sizeof(want), ":%04X", port);
	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *path = sk_xasprintf("/proc/%d/net/%s", (int)pid, files[i]);
		_cleanup_free_ char *text = NULL;
		struct sk_err ign;
		size_t len;
		if (sk_read_file_at(AT_FDCWD, path, &text, &len, &ign) < 0)
			continue;
		/* "  0: 0200000A:1B59 00000000:0000 0A ..." */
		for (char *l = strchr(text, '\n'); l; l = strchr(l + 1, '\n')) {
			char local[64], st[8];
			if (sscanf(l + 1, "%*s %63s %*s %7s", local, st) != 2)
				continue;
			size_t n = strlen(local);
			if (n > 5 && !strcmp(local + n - 5, want) && !strcmp(st, "0A"))
				return true;
		}
	}
	return false;
}

/* criu's first error line in the page server's log, as criu_fail does. */
static int ps_fail(const char *images_dir, int status, struct sk_err *e)
{
	_cleanup_free_ char *lp = sk_xasprintf("%s/page-server.log", images_dir);
	struct criu_run run = { .action = "page-server", .log_path = lp };

	return criu_fail(&run, status, e);
}

int sk_criu_page_server_start(const struct sk_log *log, const struct sk_criu_page_server *ps,
			      int timeout_ms, pid_t *out, struct sk_err *e)
{
	_cleanup_free_ char *lp = NULL;
	_cleanup_strv_ char **argv = NULL;
	int pipefd[2], r, status;
	char c;

	r = sk_mkdir_p(ps->images_dir, 0700, e);
	if (r < 0)
		return sk_err_prefix(e, "page server");
	lp = sk_xasprintf("%s/page-server.log", ps->images_dir);
	argv = page_server_argv(ps, lp);
	sk_debug(log, "running criu page-server --images-dir %s --port %u", ps->images_dir, ps->port);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return sk_err_sys(e, errno, "page server: pipe");
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		r = sk_err_sys(e, errno, "page server: fork");
		close(pipefd[0]);
		close(pipefd[1]);
		return r;
	}
	if (pid == 0) {
		close(pipefd[0]);
		child(argv, pipefd[1], parent);
	}
	close(pipefd[1]);
	int64_t deadline = now_ms() + timeout_ms;
	for (;;) {
		struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			close(pipefd[0]);
			sk_criu_page_server_kill(pid);
			return sk_err_set(e, ETIMEDOUT,
					  "page server: not listening on %s:%u after %d s (log: %s)",
					  ps->address, ps->port, timeout_ms / 1000, lp);
		}
		r = poll(&p, 1, (int)(left > 100 ? 100 : left));
		if (r < 0 && errno == EINTR)
			continue;
		if (r != 0)
			break;
		if (listening(pid, ps->port)) {
			close(pipefd[0]);
			*out = pid;
			return 0;
		}
	}
	ssize_t n;
	while ((n = read(pipefd[0], &c, 1)) < 0 && errno == EINTR)
		;
	close(pipefd[0]);
	if (n == 1) {
		*out = pid;
		return 0;
	}
	/* EOF: criu exited (or never ran) */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return sk_err_set(e, ENOENT, "page server: could not run criu (log: %s)", lp);
	return ps_fail(ps->images_dir, status, e);
}

int sk_criu_page_server_wait(pid_t pid, const char *images_dir, int timeout_ms, int cancel_fd,
			     struct sk_err *e)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0), status = 0, r;
	int64_t deadline = now_ms() + timeout_ms;

	if (pfd < 0) {
		r = sk_err_sys(e, errno, "page server: pidfd_open");
		sk_criu_page_server_kill(pid);
		return r;
	}
	for (;;) {
		struct pollfd p[2] = { { .fd = pfd, .events = POLLIN },
				       { .fd = cancel_fd, .events = POLLIN } };
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			close(pfd);
			sk_criu_page_server_kill(pid);
			return sk_err_set(e, ETIMEDOUT, "page server: still running after %d s",
					  timeout_ms / 1000);
		}
		r = poll(p, cancel_fd >= 0 ? 2 : 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0 && cancel_fd >= 0 && p[1].revents) {
			close(pfd);
			sk_criu_page_server_kill(pid);
			return sk_err_set(e, EINTR, "page server: interrupted by a signal");
		}
		if (r > 0 && p[0].revents)
			break;
	}
	close(pfd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return ps_fail(images_dir, status, e);
}

void sk_criu_page_server_kill(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

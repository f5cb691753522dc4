/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft_cli.c - an nft script run as one transaction by nftables' own
 * command, `nft -f -`, with the script on its stdin.
 *
 * skiff is a static binary (every shared library costs each invocation its
 * loading), so it cannot dlopen libnftables; the few invocations that need
 * rules (create and delete of a nat, routed or isolated network) start nft
 * instead.  nft gets an empty signal mask, default dispositions, a fixed
 * PATH, /dev/null as stdout and no fd of skiff's beyond 0 and 2, and is
 * killed if it has not finished within SK_NFT_TIMEOUT_S.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SK_NFT_TIMEOUT_S 20

static const char *const nft_paths[] = { "/usr/sbin/nft", "/sbin/nft", "/usr/local/sbin/nft" };

static int spawn_nft(pid_t *pid, int in, int err, struct sk_err *e)
{
	static char *const envp[] = { "PATH=/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	char *const argv[] = { "nft", "-f", "-", NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int r = ENOENT;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, err, 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	for (size_t i = 0; i < sizeof(nft_paths) / sizeof(nft_paths[0]) && r == ENOENT; i++)
		r = posix_spawn(pid, nft_paths[i], &fa, &at, argv, envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	if (r == ENOENT)
		return sk_err_set(e, ENOENT,
				  "nftables: no nft command in /usr/sbin or /sbin (install nftables)");
	if (r)
		return sk_err_sys(e, r, "nftables: start nft");
	return 0;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* nft's diagnostics, e.g. "/dev/stdin:3:1-20: Error: No such file or
 * directory; did you mean ...": the first line, from "Error:" on. */
static const char *first_error(char *out)
{
	char *s = strstr(out, "Error: ");
	s = s ? s + 7 : out;
	s[strcspn(s, "\n")] = '\0';
	return *s ? s : "nft failed";
}

int sk_nft_run(const char *script, struct sk_err *e)
{
	_cleanup_close_ int in_r = -1, in_w = -1, err_r = -1, err_w = -1;
	char out[2048], sink[512];
	size_t got = 0, len = strlen(script);
	struct timespec t0;
	pid_t pid;
	int fds[2], status, r;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return sk_err_sys(e, errno, "nftables: pipe");
	in_r = fds[0], in_w = fds[1];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return sk_err_sys(e, errno, "nftables: pipe");
	err_r = fds[0], err_w = fds[1];
	r = spawn_nft(&pid, in_r, err_w, e);
	if (r < 0)
		return r;
	close(in_r), in_r = -1;
	close(err_w), err_w = -1;

	/* nft reads the whole script before it speaks: write, then read */
	for (size_t off = 0; off < len;) {
		ssize_t n = write(in_w, script + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break; /* nft died early: its status says why */
		off += (size_t)n;
	}
	close(in_w), in_w = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = err_r, .events = POLLIN };
		long left = SK_NFT_TIMEOUT_S * 1000L - ms_since(&t0);
		ssize_t n;

		if (left <= 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return sk_err_set(e, ETIMEDOUT, "nftables: nft did not finish in %d s",
					  SK_NFT_TIMEOUT_S);
		}
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			break;
		if (got < sizeof(out) - 1)
			n = read(err_r, out + got, sizeof(out) - 1 - got);
		else /* keep the start, drain the rest */
			n = read(err_r, sink, sizeof(sink));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		if (got < sizeof(out) - 1)
			got += (size_t)n;
	}
	out[got] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return sk_err_sys(e, errno, "nftables: wait for nft");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		return sk_err_set(e, EIO, "nftables: nft killed by signal %d", WTERMSIG(status));
	return sk_err_set(e, EIO, "nftables: %s", first_error(out));
}

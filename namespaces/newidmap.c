/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * newidmap.c - uid/gid maps an unprivileged caller may not write itself:
 * through shadow's setuid helpers newuidmap/newgidmap (Debian's uidmap),
 * which check the ranges against /etc/subuid and /etc/subgid.  Rootless
 * Podman passes such multi-range maps (0 -> own id, 1.. -> subordinate
 * ids).  The helper gets a fixed PATH, an empty signal mask, /dev/null as
 * stdin and stdout and no fd of skiff's; the first line it prints on
 * stderr becomes the error.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const helper_dirs[] = { "/usr/bin", "/bin", "/usr/sbin", "/usr/local/bin" };

static int spawn_helper(const char *name, char **argv, int err, pid_t *pid, struct sk_err *e)
{
	static char *const envp[] = { "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int r = ENOENT;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, err, 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	for (size_t i = 0; i < sizeof(helper_dirs) / sizeof(helper_dirs[0]) && r == ENOENT; i++) {
		_cleanup_free_ char *path = sk_xasprintf("%s/%s", helper_dirs[i], name);
		r = posix_spawn(pid, path, &fa, &at, argv, envp);
	}
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	if (r == ENOENT)
		return sk_err_set(e, ENOENT, "no %s in /usr/bin or /bin (install uidmap)", name);
	return r ? sk_err_sys(e, r, "start %s", name) : 0;
}

int ns_newidmap(const char *name, pid_t pid, const struct oci_idmap *m, size_t n, struct sk_err *e)
{
	_cleanup_close_ int err_r = -1, err_w = -1;
	char **argv = sk_xcalloc(3 + 3 * n, sizeof(*argv));
	char out[512];
	size_t got = 0;
	pid_t child;
	int fds[2], status, r;

	argv[0] = sk_xstrdup(name);
	argv[1] = sk_xasprintf("%d", (int)pid);
	for (size_t i = 0; i < n; i++) {
		argv[2 + 3 * i] = sk_xasprintf("%u", m[i].container_id);
		argv[3 + 3 * i] = sk_xasprintf("%u", m[i].host_id);
		argv[4 + 3 * i] = sk_xasprintf("%u", m[i].size);
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		r = sk_err_sys(e, errno, "%s: pipe", name);
		goto out;
	}
	err_r = fds[0], err_w = fds[1];
	r = spawn_helper(name, argv, err_w, &child, e);
	if (r < 0)
		goto out;
	close(err_w), err_w = -1;
	for (;;) {
		char sink[256];
		ssize_t k = got < sizeof(out) - 1 ? read(err_r, out + got, sizeof(out) - 1 - got)
						  : read(err_r, sink, sizeof(sink));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (got < sizeof(out) - 1)
			got += (size_t)k;
	}
	out[got] = '\0';
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR) {
			r = sk_err_sys(e, errno, "%s: wait", name);
			goto out;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		r = 0;
		goto out;
	}
	out[strcspn(out, "\n")] = '\0';
	if (*out)
		r = sk_err_set(e, EPERM, "%s", out); /* "newuidmap: uid range ... not allowed" */
	else if (WIFEXITED(status))
		r = sk_err_set(e, EPERM, "%s exited with status %d", name, WEXITSTATUS(status));
	else
		r = sk_err_set(e, EPERM, "%s killed by signal %d", name, WTERMSIG(status));
out:
	for (size_t i = 0; i < 2 + 3 * n; i++)
		free(argv[i]);
	free(argv);
	return r;
}

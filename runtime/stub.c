/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stub.c - the sealed memfd holding skiff-init (see runtime/stub/). */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

extern const char sk_init_stub_start[];
extern const char sk_init_stub_end[];

int sk_stub_memfd(int min_fd, struct sk_err *e)
{
	size_t len = (size_t)(sk_init_stub_end - sk_init_stub_start);
	int fd, r, seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

	fd = memfd_create("skiff-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL) /* kernels before 6.3 */
		fd = memfd_create("skiff-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return sk_err_sys(e, errno, "memfd_create");
	r = sk_write_all(fd, sk_init_stub_start, len);
	if (r < 0) {
		close(fd);
		return sk_err_sys(e, -r, "write init stub");
	}
	if (fcntl(fd, F_ADD_SEALS, seals | F_SEAL_EXEC) < 0 && fcntl(fd, F_ADD_SEALS, seals) < 0) {
		r = errno;
		close(fd);
		return sk_err_sys(e, r, "seal init stub");
	}
	if (fd < min_fd) {
		int nfd = fcntl(fd, F_DUPFD_CLOEXEC, min_fd);
		close(fd);
		if (nfd < 0)
			return sk_err_sys(e, errno, "dup init stub fd");
		fd = nfd;
	}
	return fd;
}

/* The bytes exec copies for @v (strings and pointers). */
static size_t strv_bytes(char *const *v, size_t *count)
{
	size_t b = 0, n = 0;

	for (; v && v[n]; n++)
		b += strlen(v[n]) + 1 + sizeof(char *);
	*count += n;
	return b;
}

int sk_stub_exec(int memfd, int waitfd, const char *path, char *const *args, char *const *env,
		 struct sk_err *e)
{
	size_t n = sk_strv_len(args), count = 0, bytes;
	char fdbuf[16];
	/* not alloca: process.args may be long */
	_cleanup_free_ const char **argv = sk_xmalloc((n + 4) * sizeof(char *));
	static char *const empty_env[] = { NULL };
	int err;

	snprintf(fdbuf, sizeof(fdbuf), "%d", waitfd);
	argv[0] = "skiff-init";
	argv[1] = waitfd >= 0 ? fdbuf : "-";
	argv[2] = path;
	for (size_t i = 0; i < n; i++)
		argv[3 + i] = args[i];
	argv[3 + n] = NULL;
	syscall(SYS_execveat, memfd, "", argv, env ? env : empty_env, AT_EMPTY_PATH);
	err = errno;
	if (err != E2BIG)
		return sk_err_sys(e, err, "exec init stub");
	bytes = strv_bytes(args, &count) + strv_bytes(env, &count);
	return sk_err_set(e, E2BIG,
			  "process.args and process.env: %zu strings, %zu bytes: more than exec takes (a quarter of RLIMIT_STACK)",
			  count, bytes);
}

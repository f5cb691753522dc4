/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp_fixture.h - what the seccomp tests share: profiles built from
 * syscall rules, compiling them, and running a function in a child that
 * loads the filter.
 */
#ifndef SKIFF_SECCOMP_FIXTURE_H
#define SKIFF_SECCOMP_FIXTURE_H
#include "unit.h"
#include "process.h"
#include "../../security/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#define NAMES(...) ((char *[]){ __VA_ARGS__, NULL })
#define NNAMES(...) (sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *))
#define SC(act, ...)                                                                         \
	{                                                                                    \
		.names = NAMES(__VA_ARGS__), .n_names = NNAMES(__VA_ARGS__), .action = (act) \
	}

static const struct sk_log quiet = { .fd = -1 };

static inline struct oci_seccomp profile(enum oci_seccomp_action def,
					 struct oci_seccomp_syscall *sc, size_t n)
{
	struct oci_seccomp s = {
		.present = true, .default_action = def, .syscalls = sc, .n_syscalls = n
	};
	return s;
}

/* Fork; the child sets no_new_privs, loads @p and runs @fn, whose return
 * value becomes the exit code.  Returns the wait status. */
static inline int in_child(const struct sk_seccomp_prog *p, int (*fn)(void))
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		struct sk_err e;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(200);
		if (sk_seccomp_load(p, &e) < 0)
			_exit(201);
		_exit(fn());
	}
	waitpid(pid, &st, 0);
	return st;
}

static inline int exit_code(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

/* What a child needs to start and exit, a sanitizer runtime included: the
 * allow rule of profiles that deny by default. */
#define CHILD_NEEDS                                                                           \
	"exit_group", "exit", "write", "rt_sigreturn", "sigaltstack", "mmap", "munmap",       \
		"mprotect", "madvise", "rt_sigaction", "rt_sigprocmask", "getpid", "gettid",  \
		"tgkill", "prctl", "futex", "read", "openat", "close", "fstat", "newfstatat", \
		"sched_yield", "readlink", "pread64", "getrlimit", "prlimit64"

/* Compile @s, which must succeed (a failure counts as a failed check). */
static inline struct sk_seccomp_prog *compile_ok(const struct oci_seccomp *s)
{
	struct sk_seccomp_prog *p = NULL;
	struct sk_err e = { 0 };
	int r = sk_seccomp_compile(s, &p, &quiet, &e);

	if (r < 0)
		printf("# unexpected error: %s\n", e.msg);
	CHECK_INT(r, 0);
	CHECK(p != NULL);
	return p;
}

/* Compile @s, which must fail with @a and @b in the message (and no
 * program); returns what sk_seccomp_compile returned. */
static inline int compile_bad(const struct oci_seccomp *s, const char *a, const char *b)
{
	struct sk_seccomp_prog *p = NULL;
	struct sk_err e = { 0 };
	int r = sk_seccomp_compile(s, &p, &quiet, &e);

	CHECK(r < 0);
	CHECK(p == NULL);
	CHECK_CONTAINS(e.msg, a);
	CHECK_CONTAINS(e.msg, b);
	sk_seccomp_free(p);
	return r;
}

/* A function to run under a filter and the exit code it must give
 * (-SIGSYS: killed by SIGSYS). */
struct child_case {
	int (*fn)(void);
	int want;
};

/* Run each of @n cases in a child under @p. */
static inline void check_children(const struct sk_seccomp_prog *p, const struct child_case *c,
				  size_t n)
{
	for (size_t i = 0; p && i < n; i++) {
		int got = exit_code(in_child(p, c[i].fn));

		if (got != c[i].want)
			printf("# child case %zu of %zu\n", i + 1, n);
		CHECK_INT(got, c[i].want);
	}
}

static inline int call_getcwd(void)
{
	char buf[256];
	long r = syscall(SYS_getcwd, buf, sizeof(buf));
	return r < 0 ? errno : 0;
}
#endif

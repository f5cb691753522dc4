/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * process_fixture.h - what the process tests share: a base process, and a
 * child runner whose output (over a pipe) the test reads, so that this
 * process keeps its privileges.
 */
#ifndef SKIFF_PROCESS_FIXTURE_H
#define SKIFF_PROCESS_FIXTURE_H
#include "unit.h"
#include "process.h"
#include "../../security/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/ioprio.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define BIT(c) (UINT64_C(1) << (c))
#define C_CHOWN 0
#define C_DAC_OVERRIDE 1
#define C_KILL 5
#define C_SETGID 6
#define C_SETUID 7
#define C_SETPCAP 8
#define C_NET_BIND 10
#define C_NET_RAW 13
#define C_SYS_ADMIN 21

static const struct sk_log quiet = { .fd = -1 };

/* The permitted set we run with (a sandbox may lack some capabilities). */
static inline uint64_t my_permitted(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return 0;
	return (uint64_t)d[0].permitted | ((uint64_t)d[1].permitted << 32);
}

static char *env_default[] = { "TERM=xterm", NULL };

static inline void base_process(struct oci_process *p)
{
	static char *args[] = { "sh", NULL };
	memset(p, 0, sizeof(*p));
	p->args = args;
	p->n_args = 1;
	p->cwd = "/";
	p->env = env_default;
	p->n_env = 1;
}

/* ------------------------------------------------------- child runner */

typedef void (*child_fn)(void *arg, FILE *out);

/* Run @fn in a child; its output (fprintf to @out) lands in @buf. */
static inline int run_child(child_fn fn, void *arg, char *buf, size_t n)
{
	int pfd[2], st = 0;
	size_t got = 0;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		FILE *f;
		close(pfd[0]);
		f = fdopen(pfd[1], "w");
		fn(arg, f);
		fclose(f);
		_exit(0);
	}
	close(pfd[1]);
	while (got + 1 < n) {
		ssize_t r = read(pfd[0], buf + got, n - got - 1);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	close(pfd[0]);
	waitpid(pid, &st, 0);
	return st;
}

static inline void status_line(FILE *out, const char *key)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, strlen(key)) == 0 && line[strlen(key)] == ':')
			fputs(line, out);
	fclose(f);
}

struct apply_arg {
	struct process_ctx ctx;
	void (*after)(FILE *out);
};

static inline void apply_child(void *v, FILE *out)
{
	struct apply_arg *a = v;
	struct sk_err e = { 0 };

	if (process_apply(&a->ctx, &e) < 0) {
		fprintf(out, "ERR %s\n", e.msg);
		return;
	}
	fprintf(out, "OK\n");
	if (a->after)
		a->after(out);
}

static inline void run_apply(const struct oci_process *p, void (*after)(FILE *), char *buf, size_t n)
{
	struct apply_arg a = { .ctx = { .p = p, .log = &quiet }, .after = after };
	run_child(apply_child, &a, buf, n);
}
#endif

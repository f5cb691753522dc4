/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_process.c - process_validate, process_find_executable and
 * process_apply.  Everything that changes credentials runs in a forked
 * child that reports over a pipe, so this process keeps its privileges.
 */
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
static uint64_t my_permitted(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return 0;
	return (uint64_t)d[0].permitted | ((uint64_t)d[1].permitted << 32);
}

static char *env_default[] = { "TERM=xterm", NULL };

static void base_process(struct oci_process *p)
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
static int run_child(child_fn fn, void *arg, char *buf, size_t n)
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

static void status_line(FILE *out, const char *key)
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

static void apply_child(void *v, FILE *out)
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

static void run_apply(const struct oci_process *p, void (*after)(FILE *), char *buf, size_t n)
{
	struct apply_arg a = { .ctx = { .p = p, .log = &quiet }, .after = after };
	run_child(apply_child, &a, buf, n);
}

/* ------------------------------------------------------------ validate */

TEST(validate_basics)
{
	struct oci_process p;
	struct oci_seccomp s = { .present = true, .default_action = OCI_SCMP_ALLOW };
	struct oci_rlimit rl[2] = {
		{ .resource = RLIMIT_NOFILE, .type = "RLIMIT_NOFILE", .soft = 10, .hard = 20 },
		{ .resource = RLIMIT_NOFILE, .type = "RLIMIT_NOFILE", .soft = 10, .hard = 20 },
	};
	struct sk_err e = { 0 };

	base_process(&p);
	CHECK_INT(process_validate(&p, &s, &e), 0);
	CHECK_INT(process_validate(&p, NULL, &e), 0);

	CHECK(process_validate(NULL, NULL, &e) < 0);
	CHECK_CONTAINS(e.msg, "process");

	p.n_args = 0;
	CHECK(process_validate(&p, NULL, &e) < 0);
	CHECK_CONTAINS(e.msg, "process.args");
	base_process(&p);

	p.cwd = "relative/dir";
	CHECK(process_validate(&p, NULL, &e) < 0);
	CHECK_CONTAINS(e.msg, "process.cwd");
	base_process(&p);

	p.user.has_umask = true;
	p.user.umask = 01000;
	CHECK(process_validate(&p, NULL, &e) < 0);
	CHECK_CONTAINS(e.msg, "process.user.umask");
	base_process(&p);

	p.rlimits = rl;
	p.n_rlimits = 2;
	CHECK(process_validate(&p, NULL, &e) < 0);
	CHECK_CONTAINS(e.msg, "process.rlimits[1]");
	CHECK_CONTAINS(e.msg, "duplicate");
	p.n_rlimits = 1;
	rl[0].soft = 30;
	CHECK(process_validate(&p, NULL, &e) < 0);
	CHECK_CONTAINS(e.msg, "soft limit 30 is greater than hard limit 20");
	rl[0].resource = -1;
	rl[0].type = "RLIMIT_BOGUS";
	CHECK(process_validate(&p, NULL, &e) < 0);
	CHECK_CONTAINS(e.msg, "RLIMIT_BOGUS");
	base_process(&p);

	p.caps.present = true;
	p.caps.effective = BIT(C_KILL) | BIT(C_CHOWN);
	p.caps.permitted = BIT(C_KILL);
	CHECK(process_validate(&p, NULL, &e) < 0);
	CHECK_CONTAINS(e.msg, "process.capabilities.effective");
	base_process(&p);

	/* a listener is supported; the default action cannot notify */
	s.listener_path = "/run/l.sock";
	CHECK_INT(process_validate(&p, &s, &e), 0);
	s.default_action = OCI_SCMP_NOTIFY;
	CHECK(process_validate(&p, &s, &e) < 0);
	CHECK_CONTAINS(e.msg, "linux.seccomp.defaultAction");
}

TEST(validate_lsm)
{
	struct oci_process p;
	struct sk_err e = { 0 };
	char *s = NULL;
	size_t n;
	bool aa = false, se;
	struct stat st;

	if (sk_read_file_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", &s, &n, &e) == 0)
		aa = s[0] == 'Y';
	free(s);
	se = stat("/sys/fs/selinux/enforce", &st) == 0;

	base_process(&p);
	p.apparmor_profile = "docker-default";
	if (aa) {
		printf("# AppArmor enabled: only the no-error case is checked\n");
		CHECK_INT(process_validate(&p, NULL, &e), 0);
	} else {
		CHECK(process_validate(&p, NULL, &e) < 0);
		CHECK_CONTAINS(e.msg, "process.apparmorProfile");
		CHECK_CONTAINS(e.msg, "AppArmor is not enabled");
	}
	base_process(&p);
	p.selinux_label = "system_u:system_r:container_t:s0";
	if (se) {
		printf("# SELinux enabled: only the no-error case is checked\n");
		CHECK_INT(process_validate(&p, NULL, &e), 0);
	} else {
		CHECK(process_validate(&p, NULL, &e) < 0);
		CHECK_STR(e.msg,
			  "process.selinuxLabel: selinux label is specified in config, but selinux is disabled or not supported");
	}
}

/* ----------------------------------------------------- find executable */

static char tmpdir[PATH_MAX];

static void make_file(const char *rel, mode_t mode)
{
	char path[PATH_MAX * 2];
	int fd;
	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd >= 0) {
		(void)!write(fd, "#!/bin/sh\n", 10);
		fchmod(fd, mode);
		close(fd);
	}
}

TEST(find_executable)
{
	struct oci_process p;
	struct sk_err e = { 0 };
	char *out = NULL, buf[PATH_MAX * 2], pathenv[PATH_MAX * 3], expect[PATH_MAX * 2];
	char *args[] = { "tool", NULL };
	char *env[] = { pathenv, NULL };

	strcpy(tmpdir, "/tmp/skiff-test-proc-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		CHECK(0);
		return;
	}
	snprintf(buf, sizeof(buf), "%s/bin", tmpdir);
	mkdir(buf, 0755);
	snprintf(buf, sizeof(buf), "%s/bin/adir", tmpdir);
	mkdir(buf, 0755);
	make_file("bin/tool", 0755);
	make_file("bin/noexec", 0644);
	make_file("other", 0700);

	base_process(&p);
	p.args = args;
	p.env = env;
	p.n_env = 1;
	p.cwd = tmpdir;
	snprintf(pathenv, sizeof(pathenv), "PATH=%s/none:%s/bin", tmpdir, tmpdir);

	snprintf(expect, sizeof(expect), "%s/bin/tool", tmpdir);
	CHECK_INT(process_find_executable(&p, &out, &e), 0);
	CHECK_STR(out, expect);
	free(out);

	args[0] = "noexec";
	CHECK_INT(process_find_executable(&p, &out, &e), -ENOENT);
	CHECK_STR(e.msg, "exec: \"noexec\": executable file not found in $PATH");
	CHECK(out == NULL);

	args[0] = "adir";
	CHECK_INT(process_find_executable(&p, &out, &e), -ENOENT);

	/* a relative PATH entry is relative to process.cwd */
	strcpy(pathenv, "PATH=bin");
	args[0] = "tool";
	CHECK_INT(process_find_executable(&p, &out, &e), 0);
	CHECK_STR(out, expect);
	free(out);

	/* with a '/', used as is, relative to process.cwd */
	args[0] = "./bin/tool";
	CHECK_INT(process_find_executable(&p, &out, &e), 0);
	CHECK_STR(out, expect);
	free(out);
	args[0] = expect;
	CHECK_INT(process_find_executable(&p, &out, &e), 0);
	CHECK_STR(out, expect);
	free(out);
	args[0] = "./missing";
	CHECK_INT(process_find_executable(&p, &out, &e), -ENOENT);
	CHECK_STR(e.msg, "exec: \"./missing\": stat ./missing: No such file or directory");
	args[0] = "bin/noexec";
	CHECK_INT(process_find_executable(&p, &out, &e), -EACCES);
	CHECK_STR(e.msg, "exec: \"bin/noexec\": Permission denied");

	/* no PATH in the env: runc's default PATH */
	p.env = env_default;
	args[0] = "sh";
	CHECK_INT(process_find_executable(&p, &out, &e), 0);
	CHECK(out && (strcmp(out, "/usr/bin/sh") == 0 || strcmp(out, "/bin/sh") == 0 ||
		      strcmp(out, "/usr/local/bin/sh") == 0));
	free(out);
	args[0] = "other"; /* not on the default PATH */
	CHECK_INT(process_find_executable(&p, &out, &e), -ENOENT);
	/* the last PATH= wins, as in the environment */
	{
		char first[] = "PATH=/nonexistent";
		char *env2[] = { first, pathenv, NULL };
		snprintf(pathenv, sizeof(pathenv), "PATH=%s", tmpdir);
		p.env = env2;
		CHECK_INT(process_find_executable(&p, &out, &e), 0);
		free(out);
		p.env = env_default;
	}

	sk_rm_rf(tmpdir);
}

/* --------------------------------------------------------------- apply */

static void report_rlimits(FILE *out)
{
	struct rlimit a, b;
	getrlimit(RLIMIT_NOFILE, &a);
	getrlimit(RLIMIT_CORE, &b);
	fprintf(out, "nofile %llu %llu core %llu %llu\n", (unsigned long long)a.rlim_cur,
		(unsigned long long)a.rlim_max, (unsigned long long)b.rlim_cur,
		(unsigned long long)b.rlim_max);
}

TEST(apply_rlimits)
{
	struct oci_rlimit rl[] = {
		{ .resource = RLIMIT_NOFILE, .type = "RLIMIT_NOFILE", .soft = 100, .hard = 200 },
		{ .resource = RLIMIT_CORE, .type = "RLIMIT_CORE", .soft = 0, .hard = 4096 },
	};
	struct oci_process p;
	char buf[512];

	base_process(&p);
	p.rlimits = rl;
	p.n_rlimits = 2;
	p.caps.present = true;
	p.caps.bounding = p.caps.effective = p.caps.permitted = my_permitted();
	run_apply(&p, report_rlimits, buf, sizeof(buf));
	CHECK_STR(buf, "OK\nnofile 100 200 core 0 4096\n");

	/* raising a hard limit above ours fails and names the entry
	 * (we may or may not hold CAP_SYS_RESOURCE: use an impossible one) */
	rl[0].soft = rl[0].hard = (uint64_t)1 << 40;
	run_apply(&p, NULL, buf, sizeof(buf));
	CHECK_CONTAINS(buf, "ERR process.rlimits[0] (RLIMIT_NOFILE): setrlimit");
}

static void report_caps(FILE *out)
{
	status_line(out, "CapInh");
	status_line(out, "CapPrm");
	status_line(out, "CapEff");
	status_line(out, "CapBnd");
	status_line(out, "CapAmb");
	status_line(out, "NoNewPrivs");
}

TEST(apply_capabilities)
{
	struct oci_process p;
	char buf[1024], want[1024];
	uint64_t bnd = BIT(C_CHOWN) | BIT(C_KILL) | BIT(C_NET_BIND) | BIT(C_SETPCAP);

	base_process(&p);
	p.caps.present = true;
	p.caps.bounding = bnd;
	p.caps.permitted = BIT(C_CHOWN) | BIT(C_KILL) | BIT(C_NET_BIND);
	p.caps.effective = BIT(C_CHOWN) | BIT(C_KILL);
	p.caps.inheritable = BIT(C_KILL) | BIT(C_NET_BIND);
	p.caps.ambient = BIT(C_KILL) | BIT(C_CHOWN); /* CHOWN: not inheritable, skipped */
	run_apply(&p, report_caps, buf, sizeof(buf));
	snprintf(want, sizeof(want),
		 "OK\nCapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\nCapBnd:\t%016llx\n"
		 "CapAmb:\t%016llx\nNoNewPrivs:\t0\n",
		 (unsigned long long)p.caps.inheritable, (unsigned long long)p.caps.permitted,
		 (unsigned long long)p.caps.effective, (unsigned long long)bnd,
		 (unsigned long long)BIT(C_KILL));
	CHECK_STR(buf, want);

	/* no "capabilities" object: every set empty */
	base_process(&p);
	p.no_new_privileges = true;
	run_apply(&p, report_caps, buf, sizeof(buf));
	CHECK_STR(buf, "OK\nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000\n"
		       "CapEff:\t0000000000000000\nCapBnd:\t0000000000000000\n"
		       "CapAmb:\t0000000000000000\nNoNewPrivs:\t1\n");
}

static void report_user(FILE *out)
{
	gid_t g[16];
	int n = getgroups(16, g);
	mode_t m = umask(0);
	char cwd[256];

	fprintf(out, "uid %u %u gid %u %u groups", getuid(), geteuid(), getgid(), getegid());
	for (int i = 0; i < n; i++)
		fprintf(out, " %u", g[i]);
	fprintf(out, " umask %04o cwd %s\n", m, getcwd(cwd, sizeof(cwd)) ? cwd : "?");
	status_line(out, "CapPrm");
	status_line(out, "CapEff");
}

TEST(apply_user)
{
	struct oci_process p;
	uint32_t gids[] = { 10, 20 };
	char buf[1024], want[512];

	base_process(&p);
	p.cwd = "/tmp";
	p.user.uid = 1000;
	p.user.gid = 1001;
	p.user.additional_gids = gids;
	p.user.n_additional_gids = 2;
	p.user.has_umask = true;
	p.user.umask = 027;
	p.caps.present = true;
	p.caps.bounding = p.caps.permitted = p.caps.effective = BIT(C_KILL) | BIT(C_NET_BIND);
	run_apply(&p, report_user, buf, sizeof(buf));
	snprintf(want, sizeof(want),
		 "OK\nuid 1000 1000 gid 1001 1001 groups 10 20 umask 0027 cwd /tmp\n"
		 "CapPrm:\t%016llx\nCapEff:\t%016llx\n",
		 (unsigned long long)(BIT(C_KILL) | BIT(C_NET_BIND)),
		 (unsigned long long)(BIT(C_KILL) | BIT(C_NET_BIND)));
	CHECK_STR(buf, want);

	/* default umask 0022, no additional groups */
	p.user.has_umask = false;
	p.user.n_additional_gids = 0;
	p.caps.present = false;
	run_apply(&p, report_user, buf, sizeof(buf));
	CHECK_STR(buf, "OK\nuid 1000 1000 gid 1001 1001 groups umask 0022 cwd /tmp\n"
		       "CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n");
}

TEST(apply_cwd_errors)
{
	struct oci_process p;
	char buf[1024];

	base_process(&p);
	p.cwd = "/nonexistent-skiff-dir";
	run_apply(&p, NULL, buf, sizeof(buf));
	CHECK_STR(buf, "ERR process.cwd: /nonexistent-skiff-dir: No such file or directory\n");
}

TEST(apply_cwd_refuses_magic_links)
{
	/* CVE-2024-21626: /proc/self/fd/N of an open directory is never a
	 * working directory, even when N is open; nor any /proc magic link */
	struct oci_process p;
	char buf[1024], path[64], want[256];
	int fd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	base_process(&p);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	p.cwd = path;
	run_apply(&p, NULL, buf, sizeof(buf));
	snprintf(want, sizeof(want), "ERR process.cwd %s: refused: it leads out", path);
	CHECK_CONTAINS(buf, want);
	p.cwd = "/proc/self/cwd";
	run_apply(&p, NULL, buf, sizeof(buf));
	CHECK_CONTAINS(buf, "ERR process.cwd /proc/self/cwd: refused");
	/* '..' stops at the root */
	p.cwd = "/../../tmp/..";
	run_apply(&p, NULL, buf, sizeof(buf));
	CHECK_STR(buf, "OK\n");
	close(fd);
}

static void report_cwd(FILE *out)
{
	char cwd[256];
	fprintf(out, "cwd %s uid %u\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?", getuid());
}

TEST(apply_cwd_only_user_can_enter)
{
	/* A directory root cannot enter without CAP_DAC_*, but uid 1000 can:
	 * the chdir is retried after the user switch (runc). */
	char dir[] = "/tmp/skiff-test-cwd-XXXXXX";
	struct oci_process p;
	char buf[512], want[256];

	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	chown(dir, 1000, 1000);
	chmod(dir, 0700);
	base_process(&p);
	p.cwd = dir;
	p.user.uid = 1000;
	p.user.gid = 1000;
	p.caps.present = true; /* no CAP_DAC_OVERRIDE / DAC_READ_SEARCH */
	p.caps.bounding = p.caps.permitted = p.caps.effective = BIT(C_KILL);
	run_apply(&p, report_cwd, buf, sizeof(buf));
	snprintf(want, sizeof(want), "OK\ncwd %s uid 1000\n", dir);
	CHECK_STR(buf, want);
	rmdir(dir);
}

static void report_oom_sched(FILE *out)
{
	char *s = NULL;
	struct sk_err e;
	if (sk_read_file_at(AT_FDCWD, "/proc/self/oom_score_adj", &s, NULL, &e) == 0)
		fprintf(out, "oom %s", s);
	free(s);
	fprintf(out, "sched %d nice %d ioprio %ld\n", sched_getscheduler(0),
		getpriority(PRIO_PROCESS, 0), syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0));
}

TEST(apply_oom_sched_ioprio)
{
	struct oci_process p;
	char buf[512], want[256];

	base_process(&p);
	p.caps.present = true;
	p.caps.bounding = p.caps.permitted = p.caps.effective = my_permitted();
	p.oom_score_adj.set = true;
	p.oom_score_adj.v = 500; /* raising needs no privilege */
	p.scheduler.set = true;
	p.scheduler.policy = SCHED_BATCH;
	p.scheduler.nice = 7;
	p.io_priority.set = true;
	p.io_priority.class = IOPRIO_CLASS_BE;
	p.io_priority.priority = 6;
	run_apply(&p, report_oom_sched, buf, sizeof(buf));
	snprintf(want, sizeof(want), "OK\noom 500\nsched %d nice 7 ioprio %d\n", SCHED_BATCH,
		 (int)IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 6));
	CHECK_STR(buf, want);
}

static void report_keyring(FILE *out)
{
	char desc[256];
	long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, KEY_SPEC_SESSION_KEYRING, desc,
			 sizeof(desc) - 1, 0);
	if (n > 0) {
		desc[n < (long)sizeof(desc) ? n : (long)sizeof(desc) - 1] = '\0';
		fprintf(out, "%s\n", desc);
	} else {
		fprintf(out, "keyctl: %s\n", strerror(errno));
	}
}

TEST(apply_keyring)
{
	struct oci_process p;
	struct apply_arg a = { .after = report_keyring };
	char buf[512];

	base_process(&p);
	p.caps.present = true;
	p.caps.bounding = p.caps.permitted = p.caps.effective = BIT(C_KILL);
	a.ctx = (struct process_ctx){ .p = &p, .log = &quiet, .container_id = "unit-kr",
				      .new_keyring = true };
	run_child(apply_child, &a, buf, sizeof(buf));
	if (strstr(buf, "keyctl:"))
		printf("# keyrings unavailable here: %s", buf);
	else
		CHECK_CONTAINS(buf, ";_ses.unit-kr\n");
	CHECK(strncmp(buf, "OK\n", 3) == 0);
}

/* seccomp through process_apply: profiles that deny getcwd */
static void report_getcwd(FILE *out)
{
	char b[64];
	long r = syscall(SYS_getcwd, b, sizeof(b));
	fprintf(out, "getcwd %s\n", r < 0 ? strerror(errno) : "ok");
	status_line(out, "Seccomp");
	status_line(out, "NoNewPrivs");
}

static char *n_getcwd[] = { "getcwd", NULL }, *n_setresuid[] = { "setresuid", NULL };

TEST(apply_seccomp_without_nnp_loads_before_dropping)
{
	struct oci_seccomp_syscall sc[] = { { .names = n_getcwd, .n_names = 1,
					      .action = OCI_SCMP_ERRNO, .has_errno_ret = true,
					      .errno_ret = ENOSYS } };
	struct oci_seccomp s = { .present = true, .default_action = OCI_SCMP_ALLOW,
				 .syscalls = sc, .n_syscalls = 1 };
	struct sk_seccomp_prog *prog = NULL;
	struct apply_arg a = { .after = report_getcwd };
	struct sk_err e = { 0 };
	struct oci_process p;
	char buf[512];

	CHECK_INT(sk_seccomp_compile(&s, &prog, &quiet, &e), 0);
	base_process(&p);
	p.user.uid = 1000;
	p.user.gid = 1000;
	p.caps.present = true; /* no CAP_SYS_ADMIN, no NNP: must load early */
	p.caps.bounding = p.caps.permitted = p.caps.effective = BIT(C_KILL);
	a.ctx = (struct process_ctx){ .p = &p, .log = &quiet, .seccomp = prog };
	run_child(apply_child, &a, buf, sizeof(buf));
	CHECK_STR(buf, "OK\ngetcwd Function not implemented\nSeccomp:\t2\nNoNewPrivs:\t0\n");

	/* with noNewPrivileges it is loaded last */
	p.no_new_privileges = true;
	run_child(apply_child, &a, buf, sizeof(buf));
	CHECK_STR(buf, "OK\ngetcwd Function not implemented\nSeccomp:\t2\nNoNewPrivs:\t1\n");
	sk_seccomp_free(prog);

	/* early load: a profile denying setresuid makes the user switch fail,
	 * and the message says why */
	sc[0].names = n_setresuid;
	prog = NULL;
	CHECK_INT(sk_seccomp_compile(&s, &prog, &quiet, &e), 0);
	p.no_new_privileges = false;
	a.ctx.seccomp = prog;
	run_child(apply_child, &a, buf, sizeof(buf));
	CHECK_CONTAINS(buf, "ERR (seccomp profile loaded before this step");
	CHECK_CONTAINS(buf, "setresuid(1000)");
	/* with NNP the same profile is loaded after the switch: fine */
	p.no_new_privileges = true;
	run_child(apply_child, &a, buf, sizeof(buf));
	CHECK(strncmp(buf, "OK\n", 3) == 0);
	sk_seccomp_free(prog);
}

int main(void)
{
	RUN(validate_basics);
	RUN(validate_lsm);
	RUN(find_executable);
	RUN(apply_rlimits);
	RUN(apply_capabilities);
	RUN(apply_user);
	RUN(apply_cwd_errors);
	RUN(apply_cwd_refuses_magic_links);
	RUN(apply_cwd_only_user_can_enter);
	RUN(apply_oom_sched_ioprio);
	RUN(apply_keyring);
	RUN(apply_seccomp_without_nnp_loads_before_dropping);
	return unit_done();
}

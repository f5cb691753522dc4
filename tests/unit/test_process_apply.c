/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_process_apply.c - process_apply: rlimits, capabilities, user, cwd, oom score,
 * scheduler, keyring, seccomp.  Everything that changes credentials runs in
 * a forked child that reports over a pipe.
 */
#include "process_fixture.h"

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
	a.ctx = (struct process_ctx){
		.p = &p, .log = &quiet, .container_id = "unit-kr", .new_keyring = true
	};
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
	struct oci_seccomp_syscall sc[] = { { .names = n_getcwd,
					      .n_names = 1,
					      .action = OCI_SCMP_ERRNO,
					      .has_errno_ret = true,
					      .errno_ret = ENOSYS } };
	struct oci_seccomp s = {
		.present = true, .default_action = OCI_SCMP_ALLOW, .syscalls = sc, .n_syscalls = 1
	};
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

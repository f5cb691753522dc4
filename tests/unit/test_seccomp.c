/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_seccomp.c - seccomp profiles compiled: actions, operators, architectures, flags,
 * errors, the listener state. */
#include "seccomp_fixture.h"

TEST(disabled_profile_is_null)
{
	struct oci_seccomp s = { .present = false };
	struct sk_seccomp_prog *p = (void *)1;
	struct sk_err e = { 0 };

	CHECK_INT(sk_seccomp_compile(&s, &p, &quiet, &e), 0);
	CHECK(p == NULL);
	CHECK_INT(sk_seccomp_load(NULL, &e), 0);
	sk_seccomp_free(NULL);
}

TEST(every_action_and_operator)
{
	struct oci_seccomp_arg args[] = {
		{ .index = 0, .op = OCI_SCMP_CMP_NE, .value = 1 },
		{ .index = 1, .op = OCI_SCMP_CMP_LT, .value = 2 },
		{ .index = 2, .op = OCI_SCMP_CMP_LE, .value = 3 },
		{ .index = 3, .op = OCI_SCMP_CMP_EQ, .value = 4 },
		{ .index = 4, .op = OCI_SCMP_CMP_GE, .value = 5 },
		{ .index = 5, .op = OCI_SCMP_CMP_GT, .value = 6 },
	};
	struct oci_seccomp_arg masked[] = {
		{ .index = 0, .op = OCI_SCMP_CMP_MASKED_EQ, .value = 0xff, .value_two = 8 },
	};
	struct oci_seccomp_syscall sc[] = {
		SC(OCI_SCMP_KILL, "acct"),	     SC(OCI_SCMP_KILL_PROCESS, "swapon"),
		SC(OCI_SCMP_KILL_THREAD, "swapoff"), SC(OCI_SCMP_TRAP, "reboot"),
		SC(OCI_SCMP_ERRNO, "mkdir"),	     SC(OCI_SCMP_TRACE, "rmdir"),
		SC(OCI_SCMP_ALLOW, "read", "write"), SC(OCI_SCMP_LOG, "getpid"),
		SC(OCI_SCMP_ERRNO, "mmap"),	     SC(OCI_SCMP_ERRNO, "personality"),
	};
	struct sk_seccomp_prog *p = NULL;
	struct sk_err e = { 0 };
	struct oci_seccomp s;

	sc[4].has_errno_ret = true;
	sc[4].errno_ret = ENOSYS;
	sc[5].has_errno_ret = true;
	sc[5].errno_ret = 7;
	sc[8].args = args;
	sc[8].n_args = 6;
	sc[9].args = masked;
	sc[9].n_args = 1;
	s = profile(OCI_SCMP_ERRNO, sc, sizeof(sc) / sizeof(sc[0]));
	CHECK_INT(sk_seccomp_compile(&s, &p, &quiet, &e), 0);
	CHECK(p && p->prog && p->prog->len > 10);
	CHECK(p && !p->needs_notify);
	CHECK(p && p->flags == 0);
	if (e.code)
		printf("# %s\n", e.msg);
	sk_seccomp_free(p);
}

TEST(architectures)
{
	char *ok[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64" };
	char *bad[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_VAX11" };
	struct oci_seccomp_syscall sc[] = { SC(OCI_SCMP_ERRNO, "mkdir", "socketcall") };
	struct oci_seccomp s = profile(OCI_SCMP_ALLOW, sc, 1);

	s.architectures = ok;
	s.n_architectures = 4;
	sk_seccomp_free(compile_ok(&s));

	s.architectures = bad;
	s.n_architectures = 2;
	CHECK_INT(compile_bad(&s, "SCMP_ARCH_VAX11", "linux.seccomp.architectures[1]"), -EINVAL);
}

TEST(flags)
{
	char *good[] = { "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
			 "SECCOMP_FILTER_FLAG_TSYNC" };
	char *bad[] = { "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_BOGUS" };
	struct oci_seccomp_syscall sc[] = { SC(OCI_SCMP_ERRNO, "mkdir") };
	struct oci_seccomp s = profile(OCI_SCMP_ALLOW, sc, 1);
	struct sk_seccomp_prog *p;

	s.flags = good;
	s.n_flags = 3;
	p = compile_ok(&s);
	CHECK(p && p->flags == (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW));
	/* the kernel accepts the flags (load failure would exit 201) */
	if (p)
		CHECK_INT(exit_code(in_child(p, call_getcwd)), 0);
	sk_seccomp_free(p);

	s.flags = bad;
	s.n_flags = 2;
	CHECK_INT(compile_bad(&s, "linux.seccomp.flags[1]", "SECCOMP_FILTER_FLAG_BOGUS"), -EINVAL);
}

TEST(notify_needs_a_listener)
{
	struct oci_seccomp_syscall sc[] = { SC(OCI_SCMP_NOTIFY, "mkdir") };
	struct sk_seccomp_prog *p;
	struct sk_err e = { 0 };
	struct oci_seccomp s = profile(OCI_SCMP_ALLOW, sc, 1);

	compile_bad(&s, "linux.seccomp.syscalls[0]", "listenerPath");

	/* with a listener: compiles; loading gives the notify fd */
	s.listener_path = "/run/listener.sock";
	CHECK_INT(sk_seccomp_validate(&s, &e), 0);
	p = compile_ok(&s);
	CHECK(p && p->needs_notify);
	{
		pid_t pid = fork();
		int st = 0;
		if (pid == 0) {
			int fd = -1;
			struct sk_err ce;
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
				_exit(200);
			if (sk_seccomp_load(p, &ce) != -ENOTSUP) /* no listener: refused */
				_exit(201);
			if (sk_seccomp_load_listener(p, &fd, &ce) < 0)
				_exit(202);
			_exit(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) ? 0 : 203);
		}
		waitpid(pid, &st, 0);
		CHECK_INT(exit_code(st), 0);
	}
	sk_seccomp_free(p);

	s.listener_path = NULL;
	s.n_syscalls = 0;
	s.default_action = OCI_SCMP_NOTIFY;
	CHECK(sk_seccomp_validate(&s, &e) < 0);
	CHECK_CONTAINS(e.msg, "linux.seccomp.defaultAction");
}

TEST(bad_values_are_errors)
{
	struct oci_seccomp_arg a[] = { { .index = 6, .op = OCI_SCMP_CMP_EQ, .value = 1 } };
	struct oci_seccomp_syscall sc[] = { SC(OCI_SCMP_ERRNO, "mkdir") };
	struct oci_seccomp s = profile(OCI_SCMP_ALLOW, sc, 1);

	sc[0].args = a;
	sc[0].n_args = 1;
	compile_bad(&s, "linux.seccomp.syscalls[0].args[0].index", "linux.seccomp.syscalls[0]");

	sc[0].n_args = 0;
	sc[0].has_errno_ret = true;
	sc[0].errno_ret = 70000;
	compile_bad(&s, "errnoRet 70000", "linux.seccomp.syscalls[0]");
}

TEST(unknown_syscalls_and_default_action_rules_are_skipped)
{
	struct oci_seccomp_syscall sc[] = {
		SC(OCI_SCMP_ERRNO, "no_such_syscall_ever", "mkdir"),
		SC(OCI_SCMP_ALLOW, "getpid"), /* same as the default */
	};
	struct oci_seccomp s = profile(OCI_SCMP_ALLOW, sc, 2);

	sk_seccomp_free(compile_ok(&s));
}
TEST(listener_process_state)
{
	char *j = sk_seccomp_process_state("a\"b\nc", 42, "{\"id\":\"x\"}");
	CHECK_STR(j, "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":42,"
		     "\"metadata\":\"a\\\"b\\nc\",\"state\":{\"id\":\"x\"}}");
	free(j);
	j = sk_seccomp_process_state(NULL, 7, "{}");
	CHECK_STR(j, "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":7,\"state\":{}}");
	free(j);
}

int main(void)
{
	RUN(disabled_profile_is_null);
	RUN(every_action_and_operator);
	RUN(architectures);
	RUN(flags);
	RUN(notify_needs_a_listener);
	RUN(bad_values_are_errors);
	RUN(unknown_syscalls_and_default_action_rules_are_skipped);
	RUN(listener_process_state);
	return unit_done();
}

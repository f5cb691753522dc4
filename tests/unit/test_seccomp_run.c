/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_seccomp_run.c - seccomp filters loaded in a child: errno values, the
 * ENOSYS stub, argument conditions, kill and trap actions. */
#include "seccomp_fixture.h"

static int call_mkdir(void)
{
	long r = syscall(SYS_mkdirat, -100, "/nonexistent-dir/x", 0700);
	return r < 0 ? errno : 0;
}

static int call_1000(void)
{
	return syscall(1000) < 0 ? errno : 0;
}

static int call_getppid_errno(void)
{
	return syscall(SYS_getppid) < 0 ? errno : 0;
}

static int call_getppid(void)
{
	syscall(SYS_getppid);
	return 0;
}

static int call_getcwd_trap(void)
{
	/* SIGSYS from TRAP is a catchable signal; default action kills. */
	return call_getcwd();
}

static int personality_query(void)
{
	long r = syscall(SYS_personality, 0xffffffffUL);
	return r < 0 ? errno : 0;
}

static int personality_linux32(void)
{
	long r = syscall(SYS_personality, (unsigned long)PER_LINUX32);
	return r < 0 ? errno : 0;
}

static int personality_readimpl(void)
{
	long r = syscall(SYS_personality, (unsigned long)READ_IMPLIES_EXEC);
	return r < 0 ? errno : 0;
}

static int personality_masked(void)
{
	/* READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE */
	long r = syscall(SYS_personality, (unsigned long)(READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE));
	return r < 0 ? errno : 0;
}

/* Compile a profile that allows all but @sc and check @n children under it. */
static void allow_but(struct oci_seccomp_syscall *sc, const struct child_case *c, size_t n)
{
	struct oci_seccomp s = profile(OCI_SCMP_ALLOW, sc, 1);
	struct sk_seccomp_prog *p = compile_ok(&s);

	check_children(p, c, n);
	sk_seccomp_free(p);
}

TEST(errno_ret_is_honoured)
{
	struct oci_seccomp_syscall sc[] = { SC(OCI_SCMP_ERRNO, "getcwd"),
					    SC(OCI_SCMP_ERRNO, "mkdirat") };
	struct oci_seccomp s = profile(OCI_SCMP_ALLOW, sc, 2);
	struct sk_seccomp_prog *p;

	sc[0].has_errno_ret = true;
	sc[0].errno_ret = ENOSYS; /* 38 */
	/* mkdirat without errnoRet: EPERM */
	p = compile_ok(&s);
	check_children(p, (struct child_case[]){ { call_getcwd, ENOSYS }, { call_mkdir, EPERM } }, 2);
	/* without the filter, getcwd works and mkdir fails differently */
	CHECK_INT(call_getcwd(), 0);
	CHECK_INT(call_mkdir(), ENOENT);
	sk_seccomp_free(p);
}

TEST(default_errno_ret)
{
	/* Deny by default with errno 99; allow only what the child needs. */
	struct oci_seccomp_syscall sc[] = { SC(OCI_SCMP_ALLOW, CHILD_NEEDS) };
	struct oci_seccomp s = profile(OCI_SCMP_ERRNO, sc, 1);
	struct sk_seccomp_prog *p;

	s.has_default_errno_ret = true;
	s.default_errno_ret = 99;
	p = compile_ok(&s);
	check_children(p, (struct child_case[]){ { call_getppid_errno, 99 } }, 1);
	sk_seccomp_free(p);
}

TEST(unknown_syscalls_get_enosys)
{
	/* A syscall above the highest one the profile names gets ENOSYS
	 * (libc falls back), one below it the default errno; also with a
	 * KILL default; not with an allowing default. */
	struct oci_seccomp_syscall sc[] = { SC(OCI_SCMP_ALLOW, CHILD_NEEDS) };
	struct oci_seccomp s = profile(OCI_SCMP_ERRNO, sc, 1);
	struct sk_seccomp_prog *p;
	struct sock_filter *f;

	s.has_default_errno_ret = true;
	s.default_errno_ret = 99;
	p = compile_ok(&s);
	if (!p)
		return;
	check_children(p, (struct child_case[]){ { call_1000, ENOSYS }, { call_getppid_errno, 99 } },
		       2);
	/* the stub: arch check, then nr > highest named (prlimit64) */
	f = p->prog->filter;
	CHECK_INT(f[1].k, AUDIT_ARCH_X86_64);
	CHECK_INT(f[4].code, BPF_JMP | BPF_JGT | BPF_K);
	CHECK_INT(f[4].k, SYS_prlimit64);
	CHECK_INT(f[5].k, SECCOMP_RET_ERRNO | ENOSYS);
	sk_seccomp_free(p);

	/* default EPERM (no errnoRet) */
	s.has_default_errno_ret = false;
	p = compile_ok(&s);
	check_children(p,
		       (struct child_case[]){ { call_1000, ENOSYS }, { call_getppid_errno, EPERM } },
		       2);
	sk_seccomp_free(p);

	/* KILL_PROCESS default: 1000 is ENOSYS, getppid kills */
	s.default_action = OCI_SCMP_KILL_PROCESS;
	p = compile_ok(&s);
	check_children(p,
		       (struct child_case[]){ { call_1000, ENOSYS }, { call_getppid_errno, -SIGSYS } },
		       2);
	sk_seccomp_free(p);

	/* an allowing default needs no stub: the filter starts as
	 * libseccomp's (its own arch check) */
	{
		struct oci_seccomp_syscall deny[] = { SC(OCI_SCMP_ERRNO, "mkdir") };
		struct oci_seccomp a = profile(OCI_SCMP_ALLOW, deny, 1);

		p = compile_ok(&a);
		if (!p)
			return;
		check_children(p, (struct child_case[]){ { call_1000, ENOSYS } }, 1); /* the kernel's */
		CHECK(p->prog->filter[5].k != (SECCOMP_RET_ERRNO | ENOSYS));
		sk_seccomp_free(p);
	}
}

TEST(argument_condition)
{
	/* personality is denied unless arg0 == 0xffffffff (a query). */
	struct oci_seccomp_arg a[] = { { .index = 0, .op = OCI_SCMP_CMP_NE, .value = 0xffffffffULL } };
	struct oci_seccomp_syscall sc[] = { SC(OCI_SCMP_ERRNO, "personality") };

	sc[0].args = a;
	sc[0].n_args = 1;
	sc[0].has_errno_ret = true;
	sc[0].errno_ret = EACCES;
	allow_but(sc,
		  (struct child_case[]){ { personality_query, 0 }, { personality_linux32, EACCES } },
		  2);
}

TEST(same_argument_twice_is_or)
{
	/* Two conditions on arg0: split into two rules (runc's semantics),
	 * so either value is denied; the query stays allowed. */
	struct oci_seccomp_arg a[] = {
		{ .index = 0, .op = OCI_SCMP_CMP_EQ, .value = PER_LINUX32 },
		{ .index = 0, .op = OCI_SCMP_CMP_EQ, .value = READ_IMPLIES_EXEC },
	};
	struct oci_seccomp_syscall sc[] = { SC(OCI_SCMP_ERRNO, "personality") };

	sc[0].args = a;
	sc[0].n_args = 2;
	allow_but(sc,
		  (struct child_case[]){ { personality_query, 0 },
					 { personality_linux32, EPERM },
					 { personality_readimpl, EPERM } },
		  3);
}

TEST(masked_eq)
{
	/* Denied when (arg0 & 0x0fffffff) == READ_IMPLIES_EXEC|ADDR_NO_RANDOMIZE. */
	struct oci_seccomp_arg a[] = {
		{ .index = 0,
		  .op = OCI_SCMP_CMP_MASKED_EQ,
		  .value = 0x0fffffff,
		  .value_two = READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE },
	};
	struct oci_seccomp_syscall sc[] = { SC(OCI_SCMP_ERRNO, "personality") };

	sc[0].args = a;
	sc[0].n_args = 1;
	allow_but(sc,
		  (struct child_case[]){ { personality_query, 0 },
					 { personality_readimpl, 0 },
					 { personality_masked, EPERM } },
		  3);
}

TEST(kill_actions_send_sigsys)
{
	enum oci_seccomp_action acts[] = { OCI_SCMP_KILL, OCI_SCMP_KILL_PROCESS,
					   OCI_SCMP_KILL_THREAD };

	for (size_t i = 0; i < 3; i++) {
		struct oci_seccomp_syscall sc[] = { SC(acts[i], "getppid") };

		allow_but(sc, (struct child_case[]){ { call_getppid, -SIGSYS } }, 1);
	}
}

TEST(trap_action)
{
	struct oci_seccomp_syscall sc[] = { SC(OCI_SCMP_TRAP, "getcwd") };

	allow_but(sc, (struct child_case[]){ { call_getcwd_trap, -SIGSYS } }, 1);
}

int main(void)
{
	RUN(errno_ret_is_honoured);
	RUN(default_errno_ret);
	RUN(unknown_syscalls_get_enosys);
	RUN(argument_condition);
	RUN(same_argument_twice_is_or);
	RUN(masked_eq);
	RUN(kill_actions_send_sigsys);
	RUN(trap_action);
	return unit_done();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_seccomp.c - sk_seccomp_compile/load: every action and operator,
 * architectures, flags, errnoRet, argument conditions, KILL.  Filters are
 * only ever loaded in forked children (with no_new_privs).
 */
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
#define SC(act, ...) { .names = NAMES(__VA_ARGS__), .n_names = NNAMES(__VA_ARGS__), .action = (act) }

static const struct sk_log quiet = { .fd = -1 };

static struct oci_seccomp profile(enum oci_seccomp_action def, struct oci_seccomp_syscall *sc,
				  size_t n)
{
	struct oci_seccomp s = { .present = true, .default_action = def, .syscalls = sc,
				 .n_syscalls = n };
	return s;
}

/* Fork; the child sets no_new_privs, loads @p and runs @fn, whose return
 * value becomes the exit code.  Returns the wait status. */
static int in_child(const struct sk_seccomp_prog *p, int (*fn)(void))
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

static int exit_code(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

static int call_getcwd(void);

/* ----------------------------------------------------------------- tests */

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
		SC(OCI_SCMP_KILL, "acct"),
		SC(OCI_SCMP_KILL_PROCESS, "swapon"),
		SC(OCI_SCMP_KILL_THREAD, "swapoff"),
		SC(OCI_SCMP_TRAP, "reboot"),
		SC(OCI_SCMP_ERRNO, "mkdir"),
		SC(OCI_SCMP_TRACE, "rmdir"),
		SC(OCI_SCMP_ALLOW, "read", "write"),
		SC(OCI_SCMP_LOG, "getpid"),
		SC(OCI_SCMP_ERRNO, "mmap"),
		SC(OCI_SCMP_ERRNO, "personality"),
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
	struct sk_seccomp_prog *p = NULL;
	struct sk_err e = { 0 };
	struct oci_seccomp s = profile(OCI_SCMP_ALLOW, sc, 1);

	s.architectures = ok;
	s.n_architectures = 4;
	CHECK_INT(sk_seccomp_compile(&s, &p, &quiet, &e), 0);
	CHECK(p != NULL);
	sk_seccomp_free(p);
	p = NULL;

	s.architectures = bad;
	s.n_architectures = 2;
	CHECK_INT(sk_seccomp_compile(&s, &p, &quiet, &e), -EINVAL);
	CHECK(p == NULL);
	CHECK_CONTAINS(e.msg, "SCMP_ARCH_VAX11");
	CHECK_CONTAINS(e.msg, "linux.seccomp.architectures[1]");
}

TEST(flags)
{
	char *good[] = { "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
			 "SECCOMP_FILTER_FLAG_TSYNC" };
	char *bad[] = { "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_BOGUS" };
	struct oci_seccomp_syscall sc[] = { SC(OCI_SCMP_ERRNO, "mkdir") };
	struct sk_seccomp_prog *p = NULL;
	struct sk_err e = { 0 };
	struct oci_seccomp s = profile(OCI_SCMP_ALLOW, sc, 1);

	s.flags = good;
	s.n_flags = 3;
	CHECK_INT(sk_seccomp_compile(&s, &p, &quiet, &e), 0);
	CHECK(p && p->flags == (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW));
	/* the kernel accepts the flags (load failure would exit 201) */
	if (p)
		CHECK_INT(exit_code(in_child(p, call_getcwd)), 0);
	sk_seccomp_free(p);
	p = NULL;

	s.flags = bad;
	s.n_flags = 2;
	CHECK_INT(sk_seccomp_compile(&s, &p, &quiet, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "linux.seccomp.flags[1]");
	CHECK_CONTAINS(e.msg, "SECCOMP_FILTER_FLAG_BOGUS");
}

TEST(notify_needs_a_listener)
{
	struct oci_seccomp_syscall sc[] = { SC(OCI_SCMP_NOTIFY, "mkdir") };
	struct sk_seccomp_prog *p = NULL;
	struct sk_err e = { 0 };
	struct oci_seccomp s = profile(OCI_SCMP_ALLOW, sc, 1);

	CHECK(sk_seccomp_compile(&s, &p, &quiet, &e) < 0);
	CHECK_CONTAINS(e.msg, "linux.seccomp.syscalls[0]");
	CHECK_CONTAINS(e.msg, "listenerPath");

	/* with a listener: compiles; loading gives the notify fd */
	s.listener_path = "/run/listener.sock";
	CHECK_INT(sk_seccomp_validate(&s, &e), 0);
	CHECK_INT(sk_seccomp_compile(&s, &p, &quiet, &e), 0);
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
	p = NULL;

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
	struct sk_seccomp_prog *p = NULL;
	struct sk_err e = { 0 };
	struct oci_seccomp s = profile(OCI_SCMP_ALLOW, sc, 1);

	sc[0].args = a;
	sc[0].n_args = 1;
	CHECK(sk_seccomp_compile(&s, &p, &quiet, &e) < 0);
	CHECK_CONTAINS(e.msg, "linux.seccomp.syscalls[0].args[0].index");

	sc[0].n_args = 0;
	sc[0].has_errno_ret = true;
	sc[0].errno_ret = 70000;
	CHECK(sk_seccomp_compile(&s, &p, &quiet, &e) < 0);
	CHECK_CONTAINS(e.msg, "errnoRet 70000");
}

TEST(unknown_syscalls_and_default_action_rules_are_skipped)
{
	struct oci_seccomp_syscall sc[] = {
		SC(OCI_SCMP_ERRNO, "no_such_syscall_ever", "mkdir"),
		SC(OCI_SCMP_ALLOW, "getpid"), /* same as the default */
	};
	struct sk_seccomp_prog *p = NULL;
	struct sk_err e = { 0 };
	struct oci_seccomp s = profile(OCI_SCMP_ALLOW, sc, 2);

	CHECK_INT(sk_seccomp_compile(&s, &p, &quiet, &e), 0);
	CHECK(p != NULL);
	sk_seccomp_free(p);
}

static int call_getcwd(void)
{
	char buf[256];
	long r = syscall(SYS_getcwd, buf, sizeof(buf));
	return r < 0 ? errno : 0;
}

static int call_mkdir(void)
{
	long r = syscall(SYS_mkdirat, -100, "/nonexistent-dir/x", 0700);
	return r < 0 ? errno : 0;
}

TEST(errno_ret_is_honoured)
{
	struct oci_seccomp_syscall sc[] = { SC(OCI_SCMP_ERRNO, "getcwd"), SC(OCI_SCMP_ERRNO, "mkdirat") };
	struct sk_seccomp_prog *p = NULL;
	struct sk_err e = { 0 };
	struct oci_seccomp s = profile(OCI_SCMP_ALLOW, sc, 2);

	sc[0].has_errno_ret = true;
	sc[0].errno_ret = ENOSYS; /* 38 */
	/* mkdirat without errnoRet: EPERM */
	CHECK_INT(sk_seccomp_compile(&s, &p, &quiet, &e), 0);
	CHECK_INT(exit_code(in_child(p, call_getcwd)), ENOSYS);
	CHECK_INT(exit_code(in_child(p, call_mkdir)), EPERM);
	/* without the filter, getcwd works and mkdir fails differently */
	CHECK_INT(call_getcwd(), 0);
	CHECK_INT(call_mkdir(), ENOENT);
	sk_seccomp_free(p);
}

static int call_getppid_twice(void)
{
	long r = syscall(SYS_getppid);
	if (r >= 0)
		return 0;
	return errno;
}

TEST(default_errno_ret)
{
	/* Deny by default with errno 99; allow only what the child needs. */
	struct oci_seccomp_syscall sc[] = {
		/* (plus what a sanitizer runtime needs to start and exit) */
		SC(OCI_SCMP_ALLOW, "exit_group", "exit", "write", "rt_sigreturn", "sigaltstack",
		   "mmap", "munmap", "mprotect", "madvise", "rt_sigaction", "rt_sigprocmask",
		   "getpid", "gettid", "tgkill", "prctl", "futex", "read", "openat", "close",
		   "fstat", "newfstatat", "sched_yield", "readlink", "pread64", "getrlimit",
		   "prlimit64"),
	};
	struct sk_seccomp_prog *p = NULL;
	struct sk_err e = { 0 };
	struct oci_seccomp s = profile(OCI_SCMP_ERRNO, sc, 1);

	s.has_default_errno_ret = true;
	s.default_errno_ret = 99;
	CHECK_INT(sk_seccomp_compile(&s, &p, &quiet, &e), 0);
	CHECK_INT(exit_code(in_child(p, call_getppid_twice)), 99);
	sk_seccomp_free(p);
}

static int call_1000(void)
{
	return syscall(1000) < 0 ? errno : 0;
}

static int call_getppid_errno(void)
{
	return syscall(SYS_getppid) < 0 ? errno : 0;
}

TEST(unknown_syscalls_get_enosys)
{
	/* A syscall above the highest one the profile names gets ENOSYS
	 * (libc falls back), one below it the default errno; also with a
	 * KILL default; not with an allowing default. */
	struct oci_seccomp_syscall sc[] = {
		SC(OCI_SCMP_ALLOW, "exit_group", "exit", "write", "rt_sigreturn", "sigaltstack",
		   "mmap", "munmap", "mprotect", "madvise", "rt_sigaction", "rt_sigprocmask",
		   "getpid", "gettid", "tgkill", "prctl", "futex", "read", "openat", "close",
		   "fstat", "newfstatat", "sched_yield", "readlink", "pread64", "getrlimit",
		   "prlimit64"),
	};
	struct sk_seccomp_prog *p = NULL;
	struct sk_err e = { 0 };
	struct oci_seccomp s = profile(OCI_SCMP_ERRNO, sc, 1);
	struct sock_filter *f;

	s.has_default_errno_ret = true;
	s.default_errno_ret = 99;
	CHECK_INT(sk_seccomp_compile(&s, &p, &quiet, &e), 0);
	CHECK_INT(exit_code(in_child(p, call_1000)), ENOSYS);
	CHECK_INT(exit_code(in_child(p, call_getppid_errno)), 99);
	/* the stub: arch check, then nr > highest named (prlimit64) */
	f = p->prog->filter;
	CHECK_INT(f[1].k, AUDIT_ARCH_X86_64);
	CHECK_INT(f[4].code, BPF_JMP | BPF_JGT | BPF_K);
	CHECK_INT(f[4].k, SYS_prlimit64);
	CHECK_INT(f[5].k, SECCOMP_RET_ERRNO | ENOSYS);
	sk_seccomp_free(p);

	/* default EPERM (no errnoRet) */
	s.has_default_errno_ret = false;
	CHECK_INT(sk_seccomp_compile(&s, &p, &quiet, &e), 0);
	CHECK_INT(exit_code(in_child(p, call_1000)), ENOSYS);
	CHECK_INT(exit_code(in_child(p, call_getppid_errno)), EPERM);
	sk_seccomp_free(p);

	/* KILL_PROCESS default: 1000 is ENOSYS, getppid kills */
	s.default_action = OCI_SCMP_KILL_PROCESS;
	CHECK_INT(sk_seccomp_compile(&s, &p, &quiet, &e), 0);
	CHECK_INT(exit_code(in_child(p, call_1000)), ENOSYS);
	CHECK_INT(exit_code(in_child(p, call_getppid_errno)), -SIGSYS);
	sk_seccomp_free(p);

	/* an allowing default needs no stub: the filter starts as
	 * libseccomp's (its own arch check) */
	{
		struct oci_seccomp_syscall deny[] = { SC(OCI_SCMP_ERRNO, "mkdir") };
		struct oci_seccomp a = profile(OCI_SCMP_ALLOW, deny, 1);
		CHECK_INT(sk_seccomp_compile(&a, &p, &quiet, &e), 0);
		CHECK_INT(exit_code(in_child(p, call_1000)), ENOSYS); /* the kernel's */
		CHECK(p->prog->filter[5].k != (SECCOMP_RET_ERRNO | ENOSYS));
		sk_seccomp_free(p);
	}
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

TEST(argument_condition)
{
	/* personality is denied unless arg0 == 0xffffffff (a query). */
	struct oci_seccomp_arg a[] = { { .index = 0, .op = OCI_SCMP_CMP_NE, .value = 0xffffffffULL } };
	struct oci_seccomp_syscall sc[] = { SC(OCI_SCMP_ERRNO, "personality") };
	struct sk_seccomp_prog *p = NULL;
	struct sk_err e = { 0 };
	struct oci_seccomp s = profile(OCI_SCMP_ALLOW, sc, 1);

	sc[0].args = a;
	sc[0].n_args = 1;
	sc[0].has_errno_ret = true;
	sc[0].errno_ret = EACCES;
	CHECK_INT(sk_seccomp_compile(&s, &p, &quiet, &e), 0);
	CHECK_INT(exit_code(in_child(p, personality_query)), 0);
	CHECK_INT(exit_code(in_child(p, personality_linux32)), EACCES);
	sk_seccomp_free(p);
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
	struct sk_seccomp_prog *p = NULL;
	struct sk_err e = { 0 };
	struct oci_seccomp s = profile(OCI_SCMP_ALLOW, sc, 1);

	sc[0].args = a;
	sc[0].n_args = 2;
	CHECK_INT(sk_seccomp_compile(&s, &p, &quiet, &e), 0);
	CHECK_INT(exit_code(in_child(p, personality_query)), 0);
	CHECK_INT(exit_code(in_child(p, personality_linux32)), EPERM);
	CHECK_INT(exit_code(in_child(p, personality_readimpl)), EPERM);
	sk_seccomp_free(p);
}

static int personality_masked(void)
{
	/* READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE */
	long r = syscall(SYS_personality, (unsigned long)(READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE));
	return r < 0 ? errno : 0;
}

TEST(masked_eq)
{
	/* Denied when (arg0 & 0x0fffffff) == READ_IMPLIES_EXEC|ADDR_NO_RANDOMIZE. */
	struct oci_seccomp_arg a[] = {
		{ .index = 0, .op = OCI_SCMP_CMP_MASKED_EQ, .value = 0x0fffffff,
		  .value_two = READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE },
	};
	struct oci_seccomp_syscall sc[] = { SC(OCI_SCMP_ERRNO, "personality") };
	struct sk_seccomp_prog *p = NULL;
	struct sk_err e = { 0 };
	struct oci_seccomp s = profile(OCI_SCMP_ALLOW, sc, 1);

	sc[0].args = a;
	sc[0].n_args = 1;
	CHECK_INT(sk_seccomp_compile(&s, &p, &quiet, &e), 0);
	CHECK_INT(exit_code(in_child(p, personality_query)), 0);
	CHECK_INT(exit_code(in_child(p, personality_readimpl)), 0);
	CHECK_INT(exit_code(in_child(p, personality_masked)), EPERM);
	sk_seccomp_free(p);
}

static int call_getppid(void)
{
	syscall(SYS_getppid);
	return 0;
}

TEST(kill_actions_send_sigsys)
{
	enum oci_seccomp_action acts[] = { OCI_SCMP_KILL, OCI_SCMP_KILL_PROCESS,
					   OCI_SCMP_KILL_THREAD };

	for (size_t i = 0; i < 3; i++) {
		struct oci_seccomp_syscall sc[] = { SC(acts[i], "getppid") };
		struct sk_seccomp_prog *p = NULL;
		struct sk_err e = { 0 };
		struct oci_seccomp s = profile(OCI_SCMP_ALLOW, sc, 1);

		CHECK_INT(sk_seccomp_compile(&s, &p, &quiet, &e), 0);
		CHECK_INT(exit_code(in_child(p, call_getppid)), -SIGSYS);
		sk_seccomp_free(p);
	}
}

static int call_getcwd_trap(void)
{
	/* SIGSYS from TRAP is a catchable signal; default action kills. */
	return call_getcwd();
}

TEST(trap_action)
{
	struct oci_seccomp_syscall sc[] = { SC(OCI_SCMP_TRAP, "getcwd") };
	struct sk_seccomp_prog *p = NULL;
	struct sk_err e = { 0 };
	struct oci_seccomp s = profile(OCI_SCMP_ALLOW, sc, 1);

	CHECK_INT(sk_seccomp_compile(&s, &p, &quiet, &e), 0);
	CHECK_INT(exit_code(in_child(p, call_getcwd_trap)), -SIGSYS);
	sk_seccomp_free(p);
}

/* Docker's default profile (moby profiles/seccomp/default.json rendered
 * for amd64 with the default capabilities): ~350 names, personality and
 * socket argument rules, clone masked, clone3 ENOSYS. */
static const char docker_allow[] =
	"accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown chown32 "
	"clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime "
	"clock_gettime64 clock_nanosleep clock_nanosleep_time64 close close_range connect "
	"copy_file_range creat dup dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old "
	"epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old eventfd eventfd2 execve execveat exit "
	"exit_group faccessat faccessat2 fadvise64 fadvise64_64 fallocate fanotify_mark fchdir "
	"fchmod fchmodat fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr "
	"flock fork fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 fsync "
	"ftruncate ftruncate64 futex futex_time64 futex_waitv futimesat getcpu getcwd getdents "
	"getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 "
	"getitimer getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid "
	"getresgid32 getresuid getresuid32 getrlimit get_robust_list getrusage getsid getsockname "
	"getsockopt get_thread_area gettid gettimeofday getuid getuid32 getxattr inotify_add_watch "
	"inotify_init inotify_init1 inotify_rm_watch io_cancel ioctl io_destroy io_getevents "
	"io_pgetevents io_pgetevents_time64 ioprio_get ioprio_set io_setup io_submit "
	"io_uring_enter io_uring_register io_uring_setup ipc kill landlock_add_rule "
	"landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr link linkat "
	"listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64 madvise "
	"membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 "
	"mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive "
	"mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget "
	"msgrcv msgsnd msync munlock munlockall munmap name_to_handle_at nanosleep newfstatat "
	"_newselect open openat openat2 pause pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc "
	"pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64 "
	"process_mrelease pselect6 pselect6_time64 pwrite64 pwritev pwritev2 read readahead "
	"readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg "
	"remap_file_pages removexattr rename renameat renameat2 restart_syscall rmdir rseq "
	"rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend "
	"rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity "
	"sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min "
	"sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 "
	"sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield seccomp "
	"select semctl semget semop semtimedop semtimedop_time64 send sendfile sendfile64 "
	"sendmmsg sendmsg sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 "
	"setgroups setgroups32 setitimer setpgid setpriority setregid setregid32 setresgid "
	"setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit set_robust_list setsid "
	"setsockopt set_thread_area set_tid_address setuid setuid32 setxattr shmat shmctl shmdt "
	"shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn socketcall "
	"socketpair splice stat stat64 statfs statfs64 statx symlink symlinkat sync "
	"sync_file_range syncfs sysinfo tee tgkill time timer_create timer_delete "
	"timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64 "
	"timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 "
	"times tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat utime utimensat "
	"utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev "
	"process_vm_readv process_vm_writev ptrace arch_prctl modify_ldt";

struct docker_profile {
	char **allow;
	struct oci_seccomp_arg socket_arg, clone_arg, pers[5];
	struct oci_seccomp_syscall sc[9];
	char *archs[3];
	struct oci_seccomp s;
};

static char *n_socket[] = { "socket", NULL }, *n_personality[] = { "personality", NULL },
	    *n_clone[] = { "clone", NULL }, *n_clone3[] = { "clone3", NULL };

static struct oci_seccomp_syscall one(char **names, enum oci_seccomp_action act)
{
	return (struct oci_seccomp_syscall){ .names = names, .n_names = 1, .action = act };
}

static void docker_profile_init(struct docker_profile *d)
{
	static const uint64_t pers[5] = { 0, 8, 131072, 131080, 4294967295ULL };
	char *copy = strdup(docker_allow), *save = NULL;
	size_t n = 0;

	memset(d, 0, sizeof(*d));
	d->allow = calloc(512, sizeof(char *));
	for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
		d->allow[n++] = strdup(t);
	free(copy);
	d->sc[0] = (struct oci_seccomp_syscall){ .names = d->allow, .n_names = n,
						 .action = OCI_SCMP_ALLOW };
	d->socket_arg = (struct oci_seccomp_arg){ .index = 0, .op = OCI_SCMP_CMP_NE, .value = 40 };
	d->sc[1] = one(n_socket, OCI_SCMP_ALLOW);
	d->sc[1].args = &d->socket_arg;
	d->sc[1].n_args = 1;
	for (int i = 0; i < 5; i++) {
		d->pers[i] = (struct oci_seccomp_arg){ .index = 0, .op = OCI_SCMP_CMP_EQ,
						       .value = pers[i] };
		d->sc[2 + i] = one(n_personality, OCI_SCMP_ALLOW);
		d->sc[2 + i].args = &d->pers[i];
		d->sc[2 + i].n_args = 1;
	}
	d->clone_arg = (struct oci_seccomp_arg){ .index = 0, .op = OCI_SCMP_CMP_MASKED_EQ,
						 .value = 2114060288, .value_two = 0 };
	d->sc[7] = one(n_clone, OCI_SCMP_ALLOW);
	d->sc[7].args = &d->clone_arg;
	d->sc[7].n_args = 1;
	d->sc[8] = one(n_clone3, OCI_SCMP_ERRNO);
	d->sc[8].has_errno_ret = true;
	d->sc[8].errno_ret = ENOSYS;
	d->archs[0] = "SCMP_ARCH_X86_64";
	d->archs[1] = "SCMP_ARCH_X86";
	d->archs[2] = "SCMP_ARCH_X32";
	d->s = profile(OCI_SCMP_ERRNO, d->sc, 9);
	d->s.has_default_errno_ret = true;
	d->s.default_errno_ret = EPERM;
	d->s.architectures = d->archs;
	d->s.n_architectures = 3;
}

static void docker_profile_free(struct docker_profile *d)
{
	for (size_t i = 0; d->allow[i]; i++)
		free(d->allow[i]);
	free(d->allow);
}

static int docker_child(void)
{
	char buf[64];
	if (syscall(SYS_getpid) <= 0 || syscall(SYS_getcwd, buf, sizeof(buf)) < 0)
		return 10;
	if (syscall(SYS_personality, 0xffffffffUL) < 0)
		return 11;
	if (syscall(SYS_unshare, 0x00020000 /* CLONE_NEWNS */) == 0 || errno != EPERM)
		return 12;
	if (syscall(SYS_clone3, NULL, 0) == 0 || errno != ENOSYS)
		return 13;
	if (syscall(SYS_socket, 40 /* AF_VSOCK */, 1, 0) >= 0 || errno != EPERM)
		return 14;
	return 0;
}

TEST(docker_default_profile)
{
	struct docker_profile d;
	struct sk_seccomp_prog *p = NULL;
	struct sk_err e = { 0 };
	struct timespec t0, t1;
	const int rounds = 50;
	double us;

	docker_profile_init(&d);
	CHECK_INT(sk_seccomp_compile(&d.s, &p, &quiet, &e), 0);
	if (e.code)
		printf("# %s\n", e.msg);
	CHECK(p != NULL);
	if (p) {
		CHECK_INT(exit_code(in_child(p, docker_child)), 0);
		printf("# docker-like profile: %zu names, %u BPF instructions\n", d.sc[0].n_names,
		       sk_seccomp_prog_len(p));
	}
	sk_seccomp_free(p);

	/* Not an assertion: compile time is reported for the benchmarks. */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (int i = 0; i < rounds; i++) {
		p = NULL;
		if (sk_seccomp_compile(&d.s, &p, &quiet, &e) == 0)
			sk_seccomp_free(p);
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	us = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / 1e3 /
	     rounds;
	printf("# docker-like profile compile: %.0f us CPU per compile (%d rounds)\n", us, rounds);
	docker_profile_free(&d);
}

/* A profile that repeats its rules (10,000 entries over a few syscalls)
 * compiles to the same filter as its rules once each: repeats are added
 * once, rules differing in an argument are all kept. */
TEST(repeated_rules_compile_to_the_same_filter)
{
	static char *names[] = { "getcwd", "acct", "swapon", "swapoff", "kexec_load", "syslog" };
	const size_t nn = sizeof(names) / sizeof(names[0]), n = 10000, uniq = nn + 8;
	struct oci_seccomp_syscall *big = calloc(n, sizeof(*big)), *once = calloc(uniq, sizeof(*once));
	struct oci_seccomp_arg *args = calloc(8, sizeof(*args));
	struct sk_seccomp_prog *a = NULL, *b = NULL;
	struct sk_err e = { 0 };
	struct oci_seccomp sa, sb;

	for (size_t i = 0; i < 8; i++)
		args[i] = (struct oci_seccomp_arg){ .index = 0, .op = OCI_SCMP_CMP_EQ, .value = i };
	for (size_t i = 0; i < n; i++) {
		/* every name alone, and "syslog" with one of 8 argument values */
		size_t k = i % uniq;
		struct oci_seccomp_syscall *sc = &big[i];
		sc->names = &names[k < nn ? k : nn - 1];
		sc->n_names = 1;
		sc->action = OCI_SCMP_ERRNO;
		sc->has_errno_ret = true;
		sc->errno_ret = 38;
		if (k >= nn) {
			sc->args = &args[k - nn];
			sc->n_args = 1;
		}
		if (i < uniq)
			once[i] = *sc;
	}
	sa = profile(OCI_SCMP_ALLOW, big, n);
	sb = profile(OCI_SCMP_ALLOW, once, uniq);
	CHECK_INT(sk_seccomp_compile(&sa, &a, &quiet, &e), 0);
	CHECK_INT(sk_seccomp_compile(&sb, &b, &quiet, &e), 0);
	CHECK(a && b);
	if (a && b) {
		CHECK_INT(a->prog->len, b->prog->len);
		CHECK(a->prog->len == b->prog->len &&
		      !memcmp(a->prog->filter, b->prog->filter, a->prog->len * sizeof(struct sock_filter)));
		CHECK_INT(exit_code(in_child(a, call_getcwd)), 38);
	}
	sk_seccomp_free(a);
	sk_seccomp_free(b);
	free(big);
	free(once);
	free(args);
}

TEST(cache)
{
	struct docker_profile d;
	struct sk_seccomp_prog *a = NULL, *b = NULL, *c = NULL;
	struct sk_err e = { 0 };
	char dir[] = "/tmp/skiff-test-sccache-XXXXXX";
	struct timespec t0, t1;
	int dfd;

	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	docker_profile_init(&d);
	CHECK_INT(sk_seccomp_compile(&d.s, &a, &quiet, &e), 0);
	/* miss: compiles and stores; hit: same program */
	CHECK_INT(sk_seccomp_compile_cached(&d.s, dfd, &b, &quiet, &e), 0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	CHECK_INT(sk_seccomp_compile_cached(&d.s, dfd, &c, &quiet, &e), 0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	printf("# docker-like profile from the cache: %.0f us CPU\n",
	       ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / 1e3);
	CHECK(a && b && c);
	if (a && b && c) {
		CHECK_INT(b->prog->len, a->prog->len);
		CHECK_INT(c->prog->len, a->prog->len);
		CHECK(memcmp(c->prog->filter, a->prog->filter,
			     a->prog->len * sizeof(struct sock_filter)) == 0);
		CHECK_INT(exit_code(in_child(c, docker_child)), 0);
	}
	sk_seccomp_free(c);
	c = NULL;

	/* a different profile (one errnoRet changed) is not served the
	 * cached program */
	d.sc[8].errno_ret = EPERM;
	CHECK_INT(sk_seccomp_compile_cached(&d.s, dfd, &c, &quiet, &e), 0);
	CHECK(c && a && (c->prog->len != a->prog->len ||
			 memcmp(c->prog->filter, a->prog->filter,
				a->prog->len * sizeof(struct sock_filter)) != 0));
	sk_seccomp_free(c);
	c = NULL;
	/* errors stay errors */
	d.s.default_action = OCI_SCMP_NOTIFY;
	CHECK(sk_seccomp_compile_cached(&d.s, dfd, &c, &quiet, &e) < 0);
	CHECK(c == NULL);

	sk_seccomp_free(a);
	sk_seccomp_free(b);
	docker_profile_free(&d);
	close(dfd);
	sk_rm_rf(dir);
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
	RUN(errno_ret_is_honoured);
	RUN(default_errno_ret);
	RUN(unknown_syscalls_get_enosys);
	RUN(listener_process_state);
	RUN(argument_condition);
	RUN(same_argument_twice_is_or);
	RUN(masked_eq);
	RUN(kill_actions_send_sigsys);
	RUN(trap_action);
	RUN(docker_default_profile);
	RUN(repeated_rules_compile_to_the_same_filter);
	RUN(cache);
	return unit_done();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_seccomp_docker.c - Docker's default profile: compiled, run, repeated rules and
 * the cache of compiled programs. */
#include "seccomp_fixture.h"

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
	d->sc[0] = (struct oci_seccomp_syscall){ .names = d->allow,
						 .n_names = n,
						 .action = OCI_SCMP_ALLOW };
	d->socket_arg = (struct oci_seccomp_arg){ .index = 0, .op = OCI_SCMP_CMP_NE, .value = 40 };
	d->sc[1] = one(n_socket, OCI_SCMP_ALLOW);
	d->sc[1].args = &d->socket_arg;
	d->sc[1].n_args = 1;
	for (int i = 0; i < 5; i++) {
		d->pers[i] = (struct oci_seccomp_arg){ .index = 0,
						       .op = OCI_SCMP_CMP_EQ,
						       .value = pers[i] };
		d->sc[2 + i] = one(n_personality, OCI_SCMP_ALLOW);
		d->sc[2 + i].args = &d->pers[i];
		d->sc[2 + i].n_args = 1;
	}
	d->clone_arg = (struct oci_seccomp_arg){
		.index = 0, .op = OCI_SCMP_CMP_MASKED_EQ, .value = 2114060288, .value_two = 0
	};
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
	struct oci_seccomp_syscall *big = calloc(n, sizeof(*big)),
				   *once = calloc(uniq, sizeof(*once));
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
		      !memcmp(a->prog->filter, b->prog->filter,
			      a->prog->len * sizeof(struct sock_filter)));
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
	CHECK(c && a &&
	      (c->prog->len != a->prog->len ||
	       memcmp(c->prog->filter, a->prog->filter, a->prog->len * sizeof(struct sock_filter)) !=
		       0));
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
	RUN(docker_default_profile);
	RUN(repeated_rules_compile_to_the_same_filter);
	RUN(cache);
	return unit_done();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp.c - the VMM's own seccomp filter, installed once the VM is set
 * up: only the syscalls of the run loop (KVM_RUN / KVM_IRQ_LINE ioctls,
 * stdio relay, threads, signals, vhost-user messages, exit) are allowed;
 * anything else fails with EPERM.  Applies to all threads (TSYNC).
 */
#include "internal.h"

#include <errno.h>
#include <linux/kvm.h>
#include <seccomp.h>
#include <sys/ioctl.h>

static void seccomp_ctx_freep(scmp_filter_ctx *c)
{
	if (*c)
		seccomp_release(*c);
}

int sk_vm_seccomp(struct sk_err *e)
{
	static const char *const allow[] = {
		"read",
		"write",
		"readv",
		"writev",
		"pread64",
		"poll",
		"ppoll",
		"close",
		"futex",
		"tgkill",
		"tkill",
		"rt_sigprocmask",
		"rt_sigreturn",
		"rt_sigaction",
		"rt_sigtimedwait",
		"sigaltstack",
		"munmap",
		"mmap",
		"mprotect",
		"madvise",
		"brk",
		"mremap",
		"exit",
		"exit_group",
		"restart_syscall",
		"clock_gettime",
		"clock_nanosleep",
		"nanosleep",
		"sched_yield",
		"getpid",
		"gettid",
		"getrandom",
		"fstat",
		"newfstatat",
		"lseek",
		"fcntl",
		"set_robust_list",
		"rseq",
		"sched_getaffinity",
		"rt_sigsuspend",
		"sendmsg", /* vhost-user messages at DRIVER_OK (vhost_fs.c) */
	};
	__attribute__((cleanup(seccomp_ctx_freep))) scmp_filter_ctx ctx =
		seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!ctx)
		return sk_err_set(e, ENOMEM, "microvm: seccomp_init failed");
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (r < 0)
		return sk_err_sys(e, -r, "microvm: seccomp TSYNC");
	for (size_t i = 0; i < sizeof(allow) / sizeof(allow[0]); i++) {
		int nr = seccomp_syscall_resolve_name(allow[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (r < 0)
			return sk_err_sys(e, -r, "microvm: seccomp rule %s", allow[i]);
	}
	static const unsigned long ioctls[] = { KVM_RUN, KVM_IRQ_LINE, TCGETS,
						TCSETS,	 TCSETSW,      TIOCGWINSZ };
	for (size_t i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]); i++) {
		struct scmp_arg_cmp cmp = { .arg = 1, .op = SCMP_CMP_EQ, .datum_a = ioctls[i] };
		r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, &cmp);
		if (r < 0)
			return sk_err_sys(e, -r, "microvm: seccomp ioctl rule");
	}
	r = seccomp_load(ctx);
	if (r < 0)
		return sk_err_sys(e, -r, "microvm: seccomp_load");
	return 0;
}

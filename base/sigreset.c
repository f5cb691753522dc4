/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sigreset.c - a child that is about to exec something else (the
 * container's process, a hook, criu) starts with every signal's default
 * disposition and an empty mask, whatever skiff's caller ignored.
 */
#define _GNU_SOURCE
#include "base.h"

#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

static void unblock_all(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The kernel's struct sigaction (x86_64, arm64): glibc's sigaction()
 * refuses the two signals it reserves, which a caller may still have
 * ignored. */
struct k_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

void sk_reset_signals(void)
{
	struct k_sigaction dfl = { .handler = SIG_DFL };

	for (int sig = 1; sig < _NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
	}
	unblock_all();
}

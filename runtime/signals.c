/* SPDX-License-Identifier: GPL-2.0-or-later */
/* signals.c - signal names, and forwarding signals to the container's
 * process while `run` and `exec` wait for it. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "HUP", SIGHUP },	 { "INT", SIGINT },   { "QUIT", SIGQUIT },     { "ILL", SIGILL },
	{ "TRAP", SIGTRAP },	 { "ABRT", SIGABRT }, { "IOT", SIGIOT },       { "BUS", SIGBUS },
	{ "FPE", SIGFPE },	 { "KILL", SIGKILL }, { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 },	 { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },     { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },     { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP },	 { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },     { "URG", SIGURG },
	{ "XCPU", SIGXCPU },	 { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH },	 { "IO", SIGIO },     { "POLL", SIGPOLL },     { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

int sk_parse_signal(const char *s)
{
	uint64_t n;

	if (!s || !*s)
		return -EINVAL;
	/* 0: no signal, only the check that the init exists (kill(2)) */
	if (sk_parse_u64(s, &n) == 0)
		return n <= (uint64_t)SIGRTMAX ? (int)n : -EINVAL;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (!strcasecmp(s, signals[i].name))
			return signals[i].sig;
	if (!strcasecmp(s, "RTMIN"))
		return SIGRTMIN;
	if (!strcasecmp(s, "RTMAX"))
		return SIGRTMAX;
	if (!strncasecmp(s, "RTMIN+", 6) && sk_parse_u64(s + 6, &n) == 0 &&
	    n <= (uint64_t)(SIGRTMAX - SIGRTMIN))
		return SIGRTMIN + (int)n;
	if (!strncasecmp(s, "RTMAX-", 6) && sk_parse_u64(s + 6, &n) == 0 &&
	    n <= (uint64_t)(SIGRTMAX - SIGRTMIN))
		return SIGRTMAX - (int)n;
	return -EINVAL;
}

/* The signals `run` and `exec` forward to the container's process: all
 * but the synchronous ones (and SIGKILL/SIGSTOP, which cannot be caught),
 * whatever their disposition in skiff: a blocked signal is queued even
 * when its disposition is SIG_IGN (a `&` job of a script ignores SIGINT
 * and SIGQUIT), so it reaches the signalfd and is forwarded. */
void sk_forwarded_set(sigset_t *mask)
{
	sigfillset(mask);
	sigdelset(mask, SIGSEGV);
	sigdelset(mask, SIGBUS);
	sigdelset(mask, SIGILL);
	sigdelset(mask, SIGFPE);
}

void sk_block_signals(sigset_t *old)
{
	sigset_t mask;

	sk_forwarded_set(&mask);
	sigprocmask(SIG_BLOCK, &mask, old);
}

void sk_restore_signals(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

void sk_forward_signal(pid_t pid, int pidfd, int sig)
{
	if (pidfd >= 0)
		syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
	else
		kill(pid, sig); /* our child, not reaped: the pid is still its */
}

int sk_wait_forward(pid_t pid, int pidfd, int *status)
{
	sigset_t mask, old;
	_cleanup_close_ int sfd = -1;
	int st = 0;

	sk_forwarded_set(&mask);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	for (;;) {
		struct signalfd_siginfo si;
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (sfd < 0 || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGCHLD || si.ssi_signo == SIGWINCH)
			continue;
		sk_forward_signal(pid, pidfd, (int)si.ssi_signo);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (WIFEXITED(st))
		*status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		*status = 128 + WTERMSIG(st);
	else
		*status = 255;
	return 0;
}

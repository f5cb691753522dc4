/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loop.c - sk_vm_run: the VM from setup to its end, and meanwhile the
 * main thread's event loop: stdin relayed to ttyS0 as the guest makes
 * room, signals forwarded to the guest's process as control bytes on
 * ttyS1 once the shim is ready, the end of stdin likewise, the timeout,
 * the end of virtiofsd (the guest then has no root file system: the VM
 * ends).
 * The host terminal is raw for the run when the process has a terminal.
 */
#include "vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <termios.h>
#include <time.h>

/* The host side of a run: signal mask and handlers, the signalfd of the
 * forwarded signals, the timeout's timerfd, the terminal's mode. */
struct host {
	sigset_t old_mask;
	struct sigaction old_kick, old_pipe;
	int sfd, tfd;
	struct termios saved_tio;
	bool raw;
};

/* The event loop's state. */
struct relay {
	struct vm *vm;
	const struct sk_vm_opts *o;
	int sfd, tfd;
	bool in_open;	  /* stdin is open and read */
	bool eof_pending; /* stdin ended; the shim is to be told */
	bool eof_sent;
	uint64_t sig_pending; /* signals that came before the shim was ready */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A control byte for the shim, on ttyS1. */
static void send_ctl(struct vm *vm, uint8_t b)
{
	pthread_mutex_lock(&vm->lock);
	serial_rx_push(&vm->com[1], &b, 1);
	pthread_mutex_unlock(&vm->lock);
}

static void flush_signals(struct relay *rl)
{
	int s;

	for (s = 1; rl->sig_pending && s <= 64; s++) {
		if (rl->sig_pending & (1ULL << (s - 1))) {
			send_ctl(rl->vm, (uint8_t)s);
			rl->sig_pending &= ~(1ULL << (s - 1));
		}
	}
}

/* Whether to read stdin now: the shim is ready and ttyS0 has room (else
 * the guest's next read of it wakes us).  The end of stdin is sent once
 * the guest has read everything before it. */
static bool want_stdin(struct relay *rl, bool ready)
{
	struct serial *in = &rl->vm->com[0];
	bool room = false, send_eof = false;

	pthread_mutex_lock(&rl->vm->lock);
	if (rl->in_open && ready) {
		room = sk_uart_rx_room(&in->uart) > 0;
		if (!room)
			in->rx_wait = true;
	}
	if (rl->eof_pending && !rl->eof_sent && ready) {
		if (in->uart.rx_len == 0)
			send_eof = true;
		else
			in->rx_wait = true;
	}
	pthread_mutex_unlock(&rl->vm->lock);
	if (send_eof) {
		send_ctl(rl->vm, SK_VM_CTL_EOF);
		rl->eof_sent = true;
	}
	return rl->in_open && room;
}

static void on_signal(struct relay *rl, bool ready)
{
	struct signalfd_siginfo si;

	if (read(rl->sfd, &si, sizeof(si)) != sizeof(si))
		return;
	sk_debug(rl->o->log, "microvm: forwarding signal %u", si.ssi_signo);
	if (ready)
		send_ctl(rl->vm, (uint8_t)si.ssi_signo);
	else if (si.ssi_signo >= 1 && si.ssi_signo <= 64)
		rl->sig_pending |= 1ULL << (si.ssi_signo - 1);
}

static void on_stdin(struct relay *rl)
{
	uint8_t buf[SK_UART_RXBUF];
	size_t room;
	ssize_t n;

	pthread_mutex_lock(&rl->vm->lock);
	room = sk_uart_rx_room(&rl->vm->com[0].uart);
	pthread_mutex_unlock(&rl->vm->lock);
	n = read(0, buf, room);
	if (n <= 0 && !(n < 0 && (errno == EINTR || errno == EAGAIN))) {
		rl->in_open = false;
		rl->eof_pending = true;
	} else if (n > 0) {
		pthread_mutex_lock(&rl->vm->lock);
		serial_rx_push(&rl->vm->com[0], buf, n);
		pthread_mutex_unlock(&rl->vm->lock);
	}
}

/* o->timeout_s, else the annotation org.skiff.vm.timeout; 0: none. */
static int run_timeout(const struct sk_vm_opts *o)
{
	const char *t;
	uint64_t v;

	if (o->timeout_s)
		return o->timeout_s;
	t = sk_vm_annotation(o->cfg, "org.skiff.vm.timeout");
	if (t && sk_parse_u64(t, &v) == 0 && v < INT32_MAX)
		return (int)v;
	return 0;
}

/* Until the VM ends; -errno if poll fails. */
static int event_loop(struct relay *rl)
{
	struct vm *vm = rl->vm;
	struct pollfd p[5];
	char msg[96];
	uint64_t v;
	bool ready;
	int n;

	rl->in_open = fcntl(0, F_GETFD) >= 0;
	rl->eof_pending = !rl->in_open;
	while (!atomic_load(&vm->done)) {
		pthread_mutex_lock(&vm->lock);
		ready = vm->ready;
		pthread_mutex_unlock(&vm->lock);
		if (ready)
			flush_signals(rl);
		p[0] = (struct pollfd){ .fd = vm->evfd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = rl->sfd, .events = POLLIN };
		p[2] = (struct pollfd){ .fd = rl->tfd, .events = POLLIN };
		p[3] = (struct pollfd){ .fd = want_stdin(rl, ready) ? 0 : -1, .events = POLLIN };
		/* the end of virtiofsd: the guest's file system is gone */
		p[4] = (struct pollfd){ .fd = vm->fs ? vm->fs->sock : -1, .events = 0 };
		n = poll(p, 5, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (p[0].revents && read(vm->evfd, &v, sizeof(v)) < 0) {
			/* spurious */
		}
		if (p[1].revents)
			on_signal(rl, ready);
		if (p[2].revents) {
			snprintf(msg, sizeof(msg), "timeout after %d s", run_timeout(rl->o));
			vm_end(vm, END_TIMEOUT, 255, msg);
		}
		if (p[3].revents)
			on_stdin(rl);
		if (p[4].revents & (POLLHUP | POLLERR))
			vm_end(vm, END_ERROR, 255, "virtio-fs: virtiofsd ended");
	}
	return 0;
}

static void kick_handler(int sig)
{
	(void)sig;
}

/* Signals: every forwardable one through a signalfd (what `run` forwards
 * to us goes on to the guest's process, as runc's forwarding does), the
 * kick one for vCPUs (blocked here, unblocked in the vCPU threads).  Not
 * forwarded: the synchronous ones, SIGCHLD, SIGPIPE (ours: ignored) and
 * SIGWINCH (the terminal's size is not passed to the guest). */
static void host_setup(struct host *h, const struct sk_vm_opts *o)
{
	static const int not_fwd[] = { SIGKILL, SIGSTOP, SIGSEGV, SIGBUS,  SIGILL,  SIGFPE,
				       SIGTRAP, SIGSYS,	 SIGCHLD, SIGPIPE, SIGWINCH };
	struct sigaction kick = { .sa_handler = kick_handler };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct itimerspec its = { 0 };
	int timeout = run_timeout(o);
	struct termios t;
	sigset_t fwd;
	size_t i;

	sigfillset(&fwd);
	for (i = 0; i < sizeof(not_fwd) / sizeof(not_fwd[0]); i++)
		sigdelset(&fwd, not_fwd[i]);
	sigaddset(&fwd, VCPU_KICK_SIG);
	pthread_sigmask(SIG_BLOCK, &fwd, &h->old_mask);
	sigdelset(&fwd, VCPU_KICK_SIG);
	sigaction(VCPU_KICK_SIG, &kick, &h->old_kick);
	sigaction(SIGPIPE, &ign, &h->old_pipe);
	h->sfd = signalfd(-1, &fwd, SFD_CLOEXEC | SFD_NONBLOCK);
	h->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (h->tfd >= 0 && timeout > 0) {
		its.it_value.tv_sec = timeout;
		timerfd_settime(h->tfd, 0, &its, NULL);
	}
	h->raw = o->tty && isatty(0) && tcgetattr(0, &h->saved_tio) == 0;
	if (h->raw) {
		t = h->saved_tio;
		cfmakeraw(&t);
		tcsetattr(0, TCSANOW, &t);
	}
}

static void host_restore_tty(struct host *h)
{
	if (h->raw)
		tcsetattr(0, TCSANOW, &h->saved_tio);
}

static void host_restore(struct host *h)
{
	struct signalfd_siginfo drain;

	/* Signals that came after the guest ended must not kill us now. */
	while (h->sfd >= 0 && read(h->sfd, &drain, sizeof(drain)) == sizeof(drain)) {
	}
	sigaction(VCPU_KICK_SIG, &h->old_kick, NULL);
	sigaction(SIGPIPE, &h->old_pipe, NULL);
	pthread_sigmask(SIG_SETMASK, &h->old_mask, NULL);
	if (h->sfd >= 0)
		close(h->sfd);
	if (h->tfd >= 0)
		close(h->tfd);
}

static void say(const char *msg, size_t len)
{
	if (sk_write_all(2, msg, len) < 0) {
		/* stderr gone */
	}
}

/* The exit status of the run: the guest process's, else 255 with the
 * reason on stderr. */
static int end_status(const struct vm *vm)
{
	char line[400];
	int l;

	if (vm->end == END_EXIT)
		return vm->status;
	l = snprintf(line, sizeof(line), "skiff: microvm: %s\n",
		     vm->why[0] ? vm->why : "guest ended");
	say(line, l < (int)sizeof(line) ? l : (int)sizeof(line) - 1);
	return 255;
}

/* Run the guest to its end (*t_end: when the event loop returned); a
 * vCPU that does not stop ends the process (see vcpu_stop_all). */
static int run(struct vm *vm, const struct sk_vm_opts *o, double *t_end)
{
	static const char stuck[] = "skiff: microvm: a vCPU thread does not stop\n";
	struct relay rl = { .vm = vm, .o = o };
	struct sk_err se;
	struct host h;
	int stopped;

	host_setup(&h, o);
	rl.sfd = h.sfd;
	rl.tfd = h.tfd;
	vcpu_start_all(vm, o->log);
	if (o->seccomp && sk_vm_seccomp(&se) < 0)
		vm_end(vm, END_ERROR, 255, se.msg);
	event_loop(&rl);
	*t_end = now_s();
	stopped = vcpu_stop_all(vm);
	host_restore_tty(&h);
	if (stopped < 0) {
		say(stuck, sizeof(stuck) - 1);
		_exit(255);
	}
	host_restore(&h);
	return end_status(vm);
}

int sk_vm_run(const struct sk_vm_opts *o, const char *initrd_path, int *exit_status, struct sk_err *e)
{
	int cpus[256];
	int ncpus = 0, nr, r;
	uint64_t initrd_size = 0, limit, mem_size;
	double t0, t_setup = 0, t_end = 0;
	struct stat st;
	struct vm vm;

	nr = sk_vm_vcpus(o, cpus, &ncpus, e);
	if (nr < 0)
		return nr;
	if (nr > 254)
		return sk_err_set(e, EINVAL, "microvm: %d vCPUs: at most 254", nr);
	if (initrd_path && stat(initrd_path, &st) == 0)
		initrd_size = st.st_size;
	t0 = now_s();
	limit = o->mem_limit ? o->mem_limit : sk_vm_cgroup_mem_limit();
	r = sk_vm_guest_mem(limit, initrd_size, &mem_size, e);
	if (r < 0)
		return r;
	r = vm_init(&vm, nr, cpus, ncpus, mem_size, e);
	if (r == 0)
		r = vm_setup(&vm, o, initrd_path, e);
	if (r == 0) {
		t_setup = now_s();
		*exit_status = run(&vm, o, &t_end);
	}
	vm_report_rss(o->log, &vm);
	vm_free(&vm);
	if (t_end > 0)
		sk_debug(o->log, "microvm: setup %.3f s, guest %.3f s, teardown %.3f s",
			 t_setup - t0, t_end - t_setup, now_s() - t_end);
	return r;
}

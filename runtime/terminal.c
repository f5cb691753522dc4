/* SPDX-License-Identifier: GPL-2.0-or-later */
/* terminal.c - ptys: --console-socket (SCM_RIGHTS, as runc) and run -t relay. */
#define _GNU_SOURCE
#include "internal.h"
#include "../rootfs/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>

int sk_console_socket_send(const char *path, int fd, struct sk_err *e)
{
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	static const char name[] = "/dev/ptmx";
	ssize_t r;

	if (s < 0)
		return sk_err_sys(e, errno, "--console-socket: socket");
	r = sk_unix_connect(s, path);
	if (r == -ENAMETOOLONG)
		return sk_err_set(e, ENAMETOOLONG, "--console-socket %s: path too long", path);
	if (r < 0)
		return sk_err_sys(e, (int)r, "--console-socket %s", path);
	r = sk_send_fd(s, fd, name, sizeof(name) - 1);
	if (r < 0)
		return sk_err_sys(e, (int)r, "--console-socket %s: send", path);
	return 0;
}

int sk_pty_setup(const struct oci_process *p, bool bind_console, struct sk_err *e)
{
	_cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	_cleanup_close_ int slave = -1;
	int unlock = 0, r;

	if (master < 0)
		return sk_err_sys(e, errno, "open /dev/ptmx in the container");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return sk_err_sys(e, errno, "unlock pty");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return sk_err_sys(e, errno, "open pty peer");
	/* The process's user owns its terminal (uid and gid, as the
	 * container sees them), or a non-root process could not reopen
	 * /proc/self/fd/0 or /dev/console. */
	if (fchown(slave, p->user.uid, p->user.gid) < 0)
		return sk_err_sys(e, errno, "chown the pty to %u:%u", p->user.uid, p->user.gid);
	if (p->has_console_size) {
		struct winsize ws = { .ws_row = (unsigned short)p->console_height,
				      .ws_col = (unsigned short)p->console_width };
		ioctl(slave, TIOCSWINSZ, &ws);
	}
	if (bind_console) {
		r = rootfs_setup_console(slave, e);
		if (r < 0)
			return r;
	}
	if (setsid() < 0 && errno != EPERM)
		return sk_err_sys(e, errno, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return sk_err_sys(e, errno, "set controlling terminal");
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return sk_err_sys(e, errno, "dup pty");
	return sk_steal_fd(&master);
}

static void copy_once(int from, int to, bool *open_)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));
	if (n <= 0) {
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return;
		*open_ = false;
		return;
	}
	(void)sk_write_all(to, buf, (size_t)n);
}

int sk_pty_relay(int master, pid_t pid, int pidfd, int *status, struct sk_err *e)
{
	struct termios saved, raw;
	bool have_tty = tcgetattr(0, &saved) == 0, in_open = true, out_open = true;
	sigset_t mask, old;
	_cleanup_close_ int sfd = -1;
	struct winsize ws;
	bool exited = false;

	/* every forwardable signal, not only the terminal's ones */
	sk_forwarded_set(&mask);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		return sk_err_sys(e, errno, "signalfd");
	if (have_tty) {
		raw = saved;
		cfmakeraw(&raw);
		raw.c_oflag |= OPOST; /* keep \n → \r\n on our side */
		tcsetattr(0, TCSANOW, &raw);
		if (ioctl(0, TIOCGWINSZ, &ws) == 0)
			ioctl(master, TIOCSWINSZ, &ws);
	}
	while (!exited || out_open) {
		struct pollfd p[3] = { { master, POLLIN, 0 },
				       { sfd, POLLIN, 0 },
				       { 0, in_open ? POLLIN : 0, 0 } };
		if (poll(p, 3, exited ? 100 : -1) <= 0) {
			if (exited)
				break;
			continue;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
			copy_once(master, 1, &out_open);
		if (in_open && (p[2].revents & (POLLIN | POLLHUP)))
			copy_once(0, master, &in_open);
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGWINCH) {
				if (ioctl(0, TIOCGWINSZ, &ws) == 0)
					ioctl(master, TIOCSWINSZ, &ws);
			} else if (si.ssi_signo == SIGCHLD) {
				if (waitpid(pid, status, WNOHANG) == pid)
					exited = true;
			} else {
				sk_forward_signal(pid, pidfd, (int)si.ssi_signo);
			}
		}
	}
	if (!exited)
		waitpid(pid, status, 0);
	if (have_tty)
		tcsetattr(0, TCSANOW, &saved);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}

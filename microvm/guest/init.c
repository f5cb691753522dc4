/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * init.c - skiff's PID 1 inside a microVM guest (built static, see
 * guest.mk).  It mounts /proc, /sys and /dev, reads /.skiff/process
 * (records: tag byte + NUL-terminated string, see microvm.h); with the
 * rootfs on virtio-fs it loads the modules in /.skiff/modules, mounts
 * the share, makes it the root and mounts /proc, /sys and /dev there;
 * then the config's tmpfs mounts (T records).
 * It sets the hostname, starts process.args with its env, cwd and user,
 * relays stdin (ttyS0 -> pipe), forwards signals received as control bytes on ttyS1,
 * then writes the exit status to port 0x501 and powers off.
 *
 * stdout goes to ttyS0 and stderr to ttyS1 directly (raw mode).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "../../base/base.h" /* sk_escape (base/escape.c) */

#define EXIT_PORT 0x501
#define CTL_EOF 0xfe
#define READY_PORT 0x502

extern char **environ;

static int err_fd = 2;

/* One line "skiff-init: A: B" on stderr; A (a path, an argument) escaped
 * as skiff escapes its messages (base/escape.c). */
static void say(const char *a, const char *b)
{
	char esc[1024], buf[1200];
	int n;

	sk_escape(esc, sizeof(esc), a, SK_ESC_PLAIN);
	n = snprintf(buf, sizeof(buf), "skiff-init: %s%s%s\n", esc, b ? ": " : "", b ? b : "");
	if (n > 0 && write(err_fd, buf, n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1) < 0) {
		/* nowhere to report */
	}
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Wait until the UART has sent what @fd's tty holds, as long as that makes
 * progress: a background process of the container may keep writing. */
static void drain(int fd)
{
	int left = -1;
	for (;;) {
		alarm(5);
		int r = tcdrain(fd);
		alarm(0);
		int q;
		if (r == 0 || ioctl(fd, TIOCOUTQ, &q) < 0 || q == 0 || (left >= 0 && q >= left))
			return;
		left = q;
	}
}

static void __attribute__((noreturn)) finish(int status, int out, int errf)
{
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);
	sigset_t al;
	sigemptyset(&al);
	sigaddset(&al, SIGALRM);
	sigprocmask(SIG_UNBLOCK, &al, NULL);
	if (out >= 0)
		drain(out);
	if (errf >= 0)
		drain(errf);
	if (ioperm(EXIT_PORT, 1, 1) == 0)
		outb((unsigned char)status, EXIT_PORT);
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static void raw_tty(int fd)
{
	struct termios t;
	if (tcgetattr(fd, &t) < 0)
		return;
	cfmakeraw(&t);
	cfsetispeed(&t, B115200);
	cfsetospeed(&t, B115200);
	tcsetattr(fd, TCSANOW, &t);
}

struct proc {
	char **args, **env, *cwd, *hostname;
	size_t n_args, n_env;
	uid_t uid;
	gid_t gid;
	gid_t gids[64];
	int n_gids;
	int umask_set;
	mode_t umask_v;
	int terminal;
	char *fs_tag; /* the rootfs is this virtio-fs share */
	int fs_ro;
	char **tmpfs; /* "DEST\x1fOPTIONS": the config's tmpfs mounts */
	size_t n_tmpfs;
};

static void push(char ***v, size_t *n, char *s)
{
	*v = realloc(*v, (*n + 2) * sizeof(char *));
	if (!*v)
		abort();
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

static int load_proc(struct proc *p)
{
	int fd = open("/.skiff/process", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	char *buf = malloc(st.st_size + 1);
	if (!buf)
		return -1;
	ssize_t n = read(fd, buf, st.st_size);
	close(fd);
	if (n != st.st_size)
		return -1;
	buf[n] = 0;
	memset(p, 0, sizeof(*p));
	p->cwd = "/";
	for (char *s = buf; s < buf + n;) {
		char tag = *s++;
		char *v = s;
		s += strlen(s) + 1;
		switch (tag) {
		case 'a':
			push(&p->args, &p->n_args, v);
			break;
		case 'e':
			push(&p->env, &p->n_env, v);
			break;
		case 'c':
			p->cwd = v;
			break;
		case 'h':
			p->hostname = v;
			break;
		case 'u':
			p->uid = strtoul(v, NULL, 10);
			break;
		case 'g':
			p->gid = strtoul(v, NULL, 10);
			break;
		case 'G':
			if (p->n_gids < 64)
				p->gids[p->n_gids++] = strtoul(v, NULL, 10);
			break;
		case 'm':
			p->umask_set = 1;
			p->umask_v = strtoul(v, NULL, 10);
			break;
		case 't':
			p->terminal = 1;
			break;
		case 'f':
			p->fs_tag = v;
			break;
		case 'r':
			p->fs_ro = 1;
			break;
		case 'T':
			push(&p->tmpfs, &p->n_tmpfs, v);
			break;
		default:
			break;
		}
	}
	if (!p->env)
		push(&p->env, &p->n_env,
		     "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	return p->n_args ? 0 : -1;
}

/* @shared: the root is the bundle's rootfs (virtio-fs): no /tmp made
 * there, as a container runtime makes none. */
static void mounts(int shared)
{
	mkdir("/proc", 0555);
	mkdir("/sys", 0555);
	mkdir("/dev", 0755);
	if (!shared)
		mkdir("/tmp", 01777);
	mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	mkdir("/dev/pts", 0755);
	mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "ptmxmode=0666,mode=0620");
	mkdir("/dev/shm", 01777);
	mount("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	symlink("/proc/self/fd", "/dev/fd");
	symlink("/proc/self/fd/0", "/dev/stdin");
	symlink("/proc/self/fd/1", "/dev/stdout");
	symlink("/proc/self/fd/2", "/dev/stderr");
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* The modules in /.skiff/modules, in name order; one whose dependency is
 * not there yet is tried again after the others. */
static void load_modules(void)
{
	struct dirent **ents;
	int n = scandir("/.skiff/modules", &ents, NULL, by_name);
	int pass, i, left = n;

	for (pass = 0; pass < 3 && left > 0; pass++) {
		left = 0;
		for (i = 0; i < n; i++) {
			char path[300];
			int fd;
			if (!ents[i] || ents[i]->d_name[0] == '.') {
				continue;
			}
			snprintf(path, sizeof(path), "/.skiff/modules/%s", ents[i]->d_name);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0 &&
			    (syscall(SYS_finit_module, fd, "", 0) == 0 || errno == EEXIST)) {
				free(ents[i]);
				ents[i] = NULL;
			} else {
				left++;
				if (pass == 2)
					say(path, strerror(errno));
			}
			if (fd >= 0)
				close(fd);
		}
	}
	for (i = 0; i < n; i++)
		free(ents[i]);
	if (n > 0)
		free(ents);
}

/* Mount the virtio-fs share @tag and make it the root (as switch_root:
 * moved over the initramfs, then chroot); 0 or -1 with a message. */
static int switch_to_share(const char *tag, int ro)
{
	unsigned long fl = MS_NODEV | (ro ? MS_RDONLY : 0);
	int i;

	load_modules();
	mkdir("/.skiff/root", 0700);
	/* the device is probed as its module loads; a little slack anyway */
	for (i = 0; mount(tag, "/.skiff/root", "virtiofs", fl, NULL) < 0; i++) {
		if (i == 200 || (errno != ENODEV && errno != ENOENT && errno != ENXIO)) {
			say("mount the virtio-fs rootfs", strerror(errno));
			return -1;
		}
		usleep(10000);
	}
	if (chdir("/.skiff/root") < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 ||
	    chroot(".") < 0 || chdir("/") < 0) {
		say("switch to the virtio-fs rootfs", strerror(errno));
		return -1;
	}
	mounts(1);
	return 0;
}

static void mkdir_p(char *path)
{
	for (char *c = path + 1; *c; c++) {
		if (*c == '/') {
			*c = 0;
			mkdir(path, 0755);
			*c = '/';
		}
	}
	mkdir(path, 0755);
}

/* One tmpfs mount of the config ("DEST\x1fOPT,OPT..."): the options that
 * are mount flags become flags, propagation ones are dropped (nothing
 * propagates in the guest), the rest is tmpfs's data (size=, mode=...). */
static int tmpfs_mount(char *rec)
{
	static const struct {
		const char *name;
		unsigned long set, clear;
	} fl[] = {
		{ "ro", MS_RDONLY, 0 },		{ "rw", 0, MS_RDONLY },
		{ "nosuid", MS_NOSUID, 0 },	{ "suid", 0, MS_NOSUID },
		{ "nodev", MS_NODEV, 0 },	{ "dev", 0, MS_NODEV },
		{ "noexec", MS_NOEXEC, 0 },	{ "exec", 0, MS_NOEXEC },
		{ "noatime", MS_NOATIME, 0 },	{ "nodiratime", MS_NODIRATIME, 0 },
		{ "relatime", MS_RELATIME, 0 }, { "strictatime", MS_STRICTATIME, 0 },
		{ "sync", MS_SYNCHRONOUS, 0 },	{ "async", 0, MS_SYNCHRONOUS },
	};
	static const char *const ignored[] = { "private",   "rprivate", "shared",     "rshared",
					       "slave",	    "rslave",	"unbindable", "runbindable",
					       "tmpcopyup", "defaults" };
	char *sep = strchr(rec, 0x1f), *save = NULL, data[1024];
	unsigned long flags = 0;
	size_t dl = 0;

	if (!sep)
		return 0;
	*sep = 0;
	data[0] = 0;
	for (char *o = strtok_r(sep + 1, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		size_t i;
		int done = 0;
		for (i = 0; i < sizeof(fl) / sizeof(fl[0]) && !done; i++)
			if (!strcmp(o, fl[i].name)) {
				flags = (flags | fl[i].set) & ~fl[i].clear;
				done = 1;
			}
		for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]) && !done; i++)
			done = !strcmp(o, ignored[i]);
		if (done)
			continue;
		int n = snprintf(data + dl, sizeof(data) - dl, "%s%s", dl ? "," : "", o);
		if (n < 0 || (size_t)n >= sizeof(data) - dl) {
			say(rec, "tmpfs options too long");
			return -1;
		}
		dl += n;
	}
	mkdir_p(rec);
	if (mount("tmpfs", rec, "tmpfs", flags, data) < 0) {
		say(rec, strerror(errno));
		return -1;
	}
	return 0;
}

/* The process gets ttys of its own (new open file descriptions): no file
 * status flag init sets on its own descriptors (O_NONBLOCK) can reach it. */
static int open_tty(const char *path, int flags, int fallback)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | flags);
	return fd >= 0 ? fd : fallback;
}

static void __attribute__((noreturn)) child(struct proc *p, int in, int out, int errf)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* default dispositions for every signal (init ignores SIGPIPE) */
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	setsid();
	if (p->terminal) {
		int t = open_tty("/dev/ttyS0", 0, out);
		ioctl(t, TIOCSCTTY, 1);
		dup2(t, 0);
		dup2(t, 1);
		dup2(t, 2);
	} else {
		int o = open_tty("/dev/ttyS0", O_NOCTTY, out);
		int e = open_tty("/dev/ttyS1", O_NOCTTY, errf);
		dup2(in, 0);
		dup2(o, 1);
		dup2(e, 2);
	}
	err_fd = 2;
	if (setgroups(p->n_gids, p->gids) < 0 || setgid(p->gid) < 0 || setuid(p->uid) < 0) {
		say("cannot set user", strerror(errno));
		_exit(126);
	}
	if (p->umask_set)
		umask(p->umask_v);
	if (chdir(p->cwd) < 0) {
		say(p->cwd, strerror(errno));
		_exit(126);
	}
	environ = p->env;
	execvp(p->args[0], p->args);
	int e = errno;
	say(p->args[0], strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

int main(void)
{
	mounts(0);
	int out = open("/dev/ttyS0", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int errf = open("/dev/ttyS1", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (errf >= 0)
		err_fd = errf;
	struct proc p;
	if (out < 0 || errf < 0) {
		say("cannot open the serial ports", strerror(errno));
		finish(255, -1, -1);
	}
	if (load_proc(&p) < 0) {
		say("cannot read /.skiff/process", NULL);
		finish(255, out, errf);
	}
	if (p.fs_tag && switch_to_share(p.fs_tag, p.fs_ro) < 0)
		finish(255, out, errf);
	for (size_t i = 0; i < p.n_tmpfs; i++)
		if (tmpfs_mount(p.tmpfs[i]) < 0)
			finish(255, out, errf);
	if (!p.terminal)
		raw_tty(out);
	raw_tty(errf);
	if (p.hostname)
		sethostname(p.hostname, strlen(p.hostname));

	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		say("pipe", strerror(errno));
		finish(255, out, errf);
	}
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGCHLD);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	int sfd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);
	signal(SIGPIPE, SIG_IGN);

	/* Tell the VMM the ttys are set up: input sent earlier would have
	 * been dropped by the driver's FIFO reset at open. */
	if (ioperm(READY_PORT, 1, 1) == 0)
		outb(1, READY_PORT);

	pid_t pid = fork();
	if (pid < 0) {
		say("fork", strerror(errno));
		finish(255, out, errf);
	}
	if (pid == 0)
		child(&p, pfd[0], out, errf);
	close(pfd[0]);
	int in_w = pfd[1];
	if (p.terminal) {
		/* the process reads ttyS0 itself: init must not take its input */
		close(in_w);
		in_w = -1;
	}
	/* init's own descriptions of the ttys are non-blocking (the process
	 * has descriptions of its own, see child()) */
	if (in_w >= 0)
		fcntl(in_w, F_SETFL, O_NONBLOCK);
	fcntl(out, F_SETFL, O_NONBLOCK);
	fcntl(errf, F_SETFL, O_NONBLOCK);

	char buf[4096];
	size_t blen = 0, boff = 0;
	int eof = 0;
	for (;;) {
		/* After the VMM's end-of-input mark: pass on what ttyS0 still
		 * holds, then close the process's stdin.  A read of the tty
		 * first runs its pending input work (bytes the driver took
		 * from the UART but not yet gave to the line discipline), so
		 * EAGAIN means all of it was seen; one short wait covers the
		 * driver still busy on another vCPU. */
		while (in_w >= 0 && eof && blen == boff) {
			ssize_t n = read(out, buf, sizeof(buf));
			if (n > 0) {
				blen = n;
				boff = 0;
				break;
			}
			if (n < 0 && errno == EINTR)
				continue;
			struct pollfd d = { .fd = out, .events = POLLIN };
			if (n < 0 && errno == EAGAIN && eof == 1 && poll(&d, 1, 50) > 0 &&
			    (d.revents & POLLIN)) {
				eof = 2; /* the wait is used up */
				continue;
			}
			close(in_w);
			in_w = -1;
		}
		struct pollfd f[3] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = errf, .events = POLLIN },
			{ .fd = -1, .events = POLLIN },
		};
		if (!p.terminal && in_w >= 0) {
			if (blen > boff) {
				f[2].fd = in_w;
				f[2].events = POLLOUT;
			} else if (!eof) {
				f[2].fd = out;
			}
		}
		if (poll(f, 3, -1) < 0 && errno != EINTR)
			break;
		if (f[0].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			}
			int st;
			pid_t w;
			while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
				if (w == pid) {
					int code = WIFEXITED(st) ? WEXITSTATUS(st)
								 : 128 + WTERMSIG(st);
					fcntl(out, F_SETFL, 0);
					fcntl(errf, F_SETFL, 0);
					finish(code, out, errf);
				}
			}
		}
		if (f[1].revents & POLLIN) {
			unsigned char c[64];
			ssize_t n = read(errf, c, sizeof(c));
			for (ssize_t i = 0; i < n; i++) {
				if (c[i] == CTL_EOF) {
					if (!eof)
						eof = 1; /* handled at the top of the loop */
				} else if (c[i] >= 1 && c[i] <= 64) {
					kill(pid, c[i]);
				}
			}
		}
		if (f[2].fd == out && (f[2].revents & POLLIN) && in_w >= 0 && blen == boff) {
			ssize_t n = read(out, buf, sizeof(buf));
			if (n > 0) {
				blen = n;
				boff = 0;
			}
		} else if (f[2].fd == in_w && f[2].revents) {
			ssize_t n = write(in_w, buf + boff, blen - boff);
			if (n > 0)
				boff += n;
			else if (n < 0 && errno != EAGAIN) {
				close(in_w); /* reader gone */
				in_w = -1;
			}
			if (boff >= blen)
				blen = boff = 0;
		}
	}
	finish(255, out, errf);
}

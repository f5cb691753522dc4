/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtiofsd.c - the virtio-fs backend of a VM's rootfs: finding
 * virtiofsd (Debian: /usr/lib/qemu/virtiofsd, from qemu-system-common),
 * starting it for the container on a listening unix socket (made in the
 * container's state directory, passed as --fd, unlinked once the VMM is
 * connected), the VMM's connection to it, and its end.  virtiofsd runs
 * in a mount namespace of its own, made a slave of the container's so
 * nothing it does propagates back; with
 * root.readonly the rootfs is a read-only bind mount there, so the guest
 * cannot write whatever its kernel does.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#define VIRTIOFSD_DEFAULT "/usr/lib/qemu/virtiofsd"
#define SOCK_NAME "virtiofsd.sock"

static char *find_virtiofsd(const struct oci_config *cfg, char **why)
{
	const char *p = sk_vm_annotation(cfg, "org.skiff.vm.virtiofsd");

	if (!p || !*p)
		p = getenv("SKIFF_VIRTIOFSD");
	if (!p || !*p)
		p = VIRTIOFSD_DEFAULT;
	if (access(p, X_OK) == 0)
		return sk_xstrdup(p);
	*why = sk_xasprintf("no virtiofsd at %s", p);
	return NULL;
}

char *sk_vm_virtiofsd(const struct oci_config *cfg, const char *kernel, char **why)
{
	char *path = find_virtiofsd(cfg, why);

	if (path && !sk_vm_fs_kernel_ok(kernel)) {
		*why = sk_xasprintf("no virtio-fs modules for kernel %s (modules-VERSION/ beside it, /lib/modules/VERSION)",
				    kernel);
		free(path);
		return NULL;
	}
	return path;
}

/* In the child: its own mount namespace, the rootfs read-only there if
 * asked, stdio on /dev/null unless debugging, the socket as fd 3. */
static void __attribute__((noreturn))
child(const struct sk_vm_opts *o, const char *path, bool readonly, int lfd, pid_t parent)
{
	char *src = sk_xasprintf("source=%s", o->rootfs);
	char *argv[] = { (char *)path, "--fd=3",
			 "-o",	       src,
			 "-o",	       "sandbox=chroot",
			 "-o",	       "cache=auto",
			 "-o",	       o->log && o->log->debug ? "log_level=info" : "log_level=err",
			 NULL };
	int null;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		_exit(126);
	if (readonly && (mount(o->rootfs, o->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0 ||
			 mount(NULL, o->rootfs, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0))
		_exit(126);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		if (!(o->log && o->log->debug))
			dup2(null, 2);
	}
	/* dup2 onto itself would keep O_CLOEXEC */
	if (lfd == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(lfd, 3) < 0)
		_exit(126);
	syscall(SYS_close_range, 4, ~0U, 0);
	execv(path, argv);
	_exit(127);
}

/* A listening socket at @dir/SOCK_NAME, through /proc/self/fd so that a
 * long state directory path still fits in sun_path; *sa is its address
 * for connect. */
static int listen_in(const char *dir, int *lfd, int *dirfd, struct sockaddr_un *sa, struct sk_err *e)
{
	*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return sk_err_sys(e, errno, "microvm: virtiofsd socket directory %s", dir);
	snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", *dirfd, SOCK_NAME);
	unlinkat(*dirfd, SOCK_NAME, 0); /* left by a VMM that was killed */
	*lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*lfd < 0 || bind(*lfd, (struct sockaddr *)sa, sizeof(*sa)) < 0 || listen(*lfd, 1) < 0)
		return sk_err_sys(e, errno, "microvm: virtiofsd socket %s/%s", dir, SOCK_NAME);
	return 0;
}

int sk_vm_share_start(const struct sk_vm_opts *o, const char *path, const char *sock_dir,
		      bool readonly, struct sk_vm_share *s, struct sk_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int lfd = -1, dirfd = -1;
	pid_t parent = getpid();
	int r;

	s->pid = 0;
	s->sock = -1;
	s->readonly = readonly;
	if (!o->rootfs || o->rootfs[0] != '/')
		return sk_err_set(e, EINVAL, "microvm: rootfs path must be absolute");
	r = listen_in(sock_dir, &lfd, &dirfd, &sa, e);
	if (r < 0)
		return r;
	s->pid = fork();
	if (s->pid < 0) {
		s->pid = 0;
		r = sk_err_sys(e, errno, "microvm: fork for virtiofsd");
	} else if (s->pid == 0) {
		child(o, path, readonly, lfd, parent);
	} else {
		s->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s->sock < 0 || connect(s->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			r = sk_err_sys(e, errno, "microvm: connect to virtiofsd");
	}
	unlinkat(dirfd, SOCK_NAME, 0);
	if (r < 0)
		sk_vm_share_stop(s);
	return r;
}

void sk_vm_share_stop(struct sk_vm_share *s)
{
	if (s->sock >= 0)
		close(s->sock);
	s->sock = -1;
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR) {
		}
	}
	s->pid = 0;
}

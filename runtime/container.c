/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * container.c - the default handler (handler.h): the container's process
 * runs in the container's namespaces, in its rootfs.
 *
 * create compiles the seccomp profile and, with a user namespace, opens
 * the bind mounts' sources while it can still reach them; the init mounts
 * the rootfs, runs the createContainer hooks in it, pivots (or chroots),
 * closes every fd not meant for the container, applies the process's
 * security context and execs the sealed init stub, which waits for
 * `start`.
 */
#define _GNU_SOURCE
#include "handler.h"
#include "init.h"
#include "process.h"
#include "../namespaces/namespaces.h"
#include "../netsetup/netsetup.h"
#include "../rootfs/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>

static int container_prepare(struct sk_ctx *ctx, struct oci_config *cfg, const char *rootfs,
			     const struct ns_plan *plan, void **data, struct sk_err *e)
{
	struct sk_seccomp_prog *seccomp = NULL;
	int r;

	if (!(plan->new_flags & CLONE_NEWNS)) {
		/* the spec allows it: the container shares the host's mounts
		 * (or those of the namespace it joins), in a chroot */
		r = rootfs_validate_no_mount_ns(cfg, plan->join_fd[OCI_NS_MNT] >= 0, e);
		if (r < 0)
			return r;
	}
	if (cfg->process && cfg->lnx.seccomp.present) {
		r = sk_seccomp_compile_state_root(ctx, &cfg->lnx.seccomp, &seccomp, e);
		*data = seccomp;
		if (r < 0)
			return r;
	}
	return 0;
}

static void container_free_data(void *data)
{
	if (data)
		sk_seccomp_free(data);
}

/* With a user namespace: bind sources as we (not the container's root)
 * can reach them. */
static size_t container_open_sources(const struct sk_init_args *a, int min_fd, int **fds,
				     struct sk_err *e)
{
	if (!(a->plan->new_userns || a->plan->join_userns) || !(a->plan->new_flags & CLONE_NEWNS))
		return 0;
	sk_ignore(rootfs_open_bind_sources(a->cfg, a->bundle, a->extra, a->n_extra, min_fd, fds, e));
	return a->cfg->n_mounts + a->n_extra;
}

static struct rootfs_ctx rootfs_ctx_of(const struct sk_init_args *a)
{
	return (struct rootfs_ctx){
		.cfg = a->cfg,
		.bundle = a->bundle,
		.rootfs = a->rootfs,
		.no_pivot = a->o->no_pivot,
		/* rootless without a user namespace of its own (rootless
		 * Podman's: skiff runs in Podman's) is in one too */
		.new_userns = a->plan->new_userns || a->plan->join_userns || a->ctx->rootless,
		.new_netns = a->plan->new_flags & CLONE_NEWNET,
		.new_cgroupns = a->plan->new_flags & CLONE_NEWCGROUP,
		.extra = a->extra,
		.n_extra = a->n_extra,
		.src_fds = a->src_fds,
		.log = &a->ctx->log,
	};
}

static int container_mount(const struct sk_init_args *a, struct sk_err *e)
{
	struct rootfs_ctx rc = rootfs_ctx_of(a);

	/* a new network namespace gets its loopback up, as runc and crun */
	if ((a->plan->new_flags & CLONE_NEWNET) && sk_net_loopback_up(e) < 0)
		return sk_err_prefix(e, "init");
	if (a->plan->new_flags & CLONE_NEWNS)
		return rootfs_prepare(&rc, e);
	if (a->n_extra)
		return sk_err_set(e, EINVAL,
				  "%s: built-in networking mounts it, which needs a new mount namespace",
				  a->extra[0].destination);
	return 0;
}

/* Close every fd that is not meant for the container: all but stdio, the
 * preserved ones and the three the stub needs until its exec (the sync
 * socket, the start fd and the stub's memfd; none a directory) and the
 * --log file.  Done before any path of the process (cwd, executable,
 * /dev/ptmx) is resolved: a process.cwd of /proc/self/fd/N must find
 * nothing of the host there.  Then the preserved fds lose close-on-exec
 * (skiff marked every inherited fd at start) and the rest gains it. */
static int close_fds(const struct sk_init_args *a, struct sk_err *e)
{
	int first = 3 + a->o->preserve_fds;
	int keep[] = { a->sock, a->waitfd, a->stubfd, a->ctx->log.fd };
	int r = sk_fds_close_except(first, keep, sizeof(keep) / sizeof(keep[0]), e);

	if (r < 0)
		return r;
	sk_fds_cloexec_from(first);
	r = sk_fds_keep_for_exec(3, first, e);
	if (r < 0)
		return r;
	sk_fds_close_list(a->fd_holes, a->n_fd_holes);
	if (a->waitfd >= 0 && fcntl(a->waitfd, F_SETFD, 0) < 0)
		return sk_err_sys(e, errno, "init: keep the start fd");
	return 0;
}

static void __attribute__((noreturn))
container_run(const struct sk_init_args *a, const char *state_json)
{
	const struct oci_config *cfg = a->cfg;
	const struct oci_process *p = cfg->process;
	struct rootfs_ctx rc = rootfs_ctx_of(a);
	struct sk_err err = { 0 };
	_cleanup_free_ char *exe = NULL;
	char *none_args[] = { "none", NULL };

	/* as runc: createContainer hooks run with the rootfs as their working
	 * directory, so a relative hook path is resolved from the container's
	 * root (in the container's mount namespace, before pivot_root) */
	if (cfg->hooks[OCI_HOOK_CREATE_CONTAINER].n && chdir(a->rootfs) < 0)
		sk_child_fail(a->sock, (sk_err_sys(&err, errno, "chdir %s", a->rootfs), &err));
	sk_init_create_container_hooks(a, state_json);
	if (a->plan->new_flags & CLONE_NEWNS) {
		if (rootfs_finalize(&rc, &err) < 0 || rootfs_apply_sysctl(cfg, &err) < 0)
			sk_child_fail(a->sock, &err);
	} else {
		/* no mount namespace of its own (the host's, or one joined by
		 * path): no mount at all, the sysctls through the /proc we see
		 * (they are those of our namespaces), then a chroot, as runc
		 * and crun do */
		if (rootfs_apply_sysctl(cfg, &err) < 0 || rootfs_chroot(a->rootfs, &err) < 0)
			sk_child_fail(a->sock, &err);
	}
	sk_init_phase(a, "rootfs finalized");
	if (close_fds(a, &err) < 0)
		sk_child_fail(a->sock, &err);
	sk_init_phase(a, "fds closed");

	if (p) {
		int sock = a->sock;
		struct process_ctx pc = {
			.p = p,
			.seccomp = a->handler_data,
			.container_id = a->o->id,
			.new_keyring = !a->o->no_new_keyring,
			.in_new_userns = rc.new_userns,
			.log = &a->ctx->log,
			.listener = sk_msg_seccomp_listener,
			.opaque = &sock,
		};
		sk_init_terminal(a, a->plan->new_flags & CLONE_NEWNS);
		/* /dev/console exists now: /dev and the root may go read-only */
		if ((a->plan->new_flags & CLONE_NEWNS) && rootfs_finalize_readonly(&rc, &err) < 0)
			sk_child_fail(a->sock, &err);
		if (process_find_executable(p, &exe, &err) < 0)
			sk_child_fail(a->sock, &err);
		if (a->before_exec && a->before_exec(a, &err) < 0)
			sk_child_fail(a->sock, &err);
		sk_init_phase(a, "executable found");
		prctl(PR_SET_PDEATHSIG, 0);
		if (process_apply(&pc, &err) < 0)
			sk_child_fail(a->sock, &err);
		sk_ignore(sk_stub_exec(a->stubfd, a->waitfd, exe, p->args, p->env, &err));
	} else {
		/* no process: hold the namespaces until delete; start refuses */
		setsid();
		if ((a->plan->new_flags & CLONE_NEWNS) && rootfs_finalize_readonly(&rc, &err) < 0)
			sk_child_fail(a->sock, &err);
		prctl(PR_SET_PDEATHSIG, 0);
		sk_ignore(sk_stub_exec(a->stubfd, a->waitfd, "/", none_args, NULL, &err));
	}
	sk_child_fail(a->sock, &err);
}

const struct sk_handler sk_container_handler = {
	.name = "container",
	.wanted = NULL, /* the default */
	.prepare = container_prepare,
	.free_data = container_free_data,
	.open_sources = container_open_sources,
	.mount = container_mount,
	.run = container_run,
};

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vm.c - the microVM handler (handler.h): the container's init is
 * skiff's own VMM.  Chosen by --vm, by skiff invoked as skiff-vm, or by
 * the annotation org.skiff.vm=true (or 1).
 *
 * The VMM runs in the container's namespaces and cgroup (so the cgroup
 * bounds the VM), waits for `start` like any init, drops every capability,
 * sets no_new_privs and runs the guest until it ends; its exit status is
 * the guest process's.  No container rootfs is mounted on the host side:
 * the VMM starts virtiofsd to share it with the guest (virtio-fs), or,
 * when there is no virtiofsd, the rootfs travels inside the guest's
 * initramfs (with a one-line warning).
 */
#define _GNU_SOURCE
#include "handler.h"
#include "init.h"
#include "../microvm/microvm.h"
#include "../namespaces/namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

/* What create hands the VMM: the guest's kernel, and virtiofsd or the
 * initramfs holding the rootfs. */
struct vm_data {
	char *kernel;
	char *virtiofsd;
	char *initrd;
};

static bool vm_wanted(const struct sk_create_opts *o, const struct oci_config *cfg)
{
	const char *a = oci_annotation(cfg, "org.skiff.vm");

	return o->vm || (a && (!strcmp(a, "true") || !strcmp(a, "1")));
}

static uint64_t mem_limit(const struct oci_config *cfg)
{
	const struct oci_opt_i64 *l = &cfg->lnx.resources.memory.limit;

	return l->set && l->v > 0 ? (uint64_t)l->v : 0;
}

static int vm_prepare(struct sk_ctx *ctx, struct oci_config *cfg, const char *rootfs,
		      const struct ns_plan *plan, void **data, struct sk_err *e)
{
	_cleanup_free_ char *cache = NULL;
	struct sk_vm_opts vo = {
		.log = &ctx->log, .cfg = cfg, .rootfs = rootfs, .mem_limit = mem_limit(cfg)
	};
	struct oci_resources *res = &cfg->lnx.resources;
	struct vm_data *d;
	int r;

	if (!(plan->new_flags & CLONE_NEWNS))
		return sk_err_set(e, EINVAL,
				  "linux.namespaces: the microVM mode needs a new mount namespace");
	if (!cfg->process)
		return sk_err_set(e, EINVAL, "process: a microVM needs a process to run");
	*data = d = sk_xcalloc(1, sizeof(*d));
	cache = sk_xasprintf("%s/vm-cache", ctx->root);
	vo.cache_dir = cache;
	/* the VMM's one device: /dev/kvm, whatever the config denies */
	res->devices = sk_xrealloc(res->devices, (res->n_devices + 1) * sizeof(*res->devices));
	res->devices[res->n_devices++] = (struct oci_device_rule){
		.allow = true,
		.type = 'c',
		.major = 10,
		.minor = 232,
		.access = "rwm",
	};
	res->present = true;
	r = sk_vm_resolve_kernel(cfg, &d->kernel, e);
	if (r < 0)
		return r;
	vo.kernel = d->kernel;
	{
		_cleanup_free_ char *why = NULL;

		d->virtiofsd = sk_vm_virtiofsd(cfg, d->kernel, &why);
		if (d->virtiofsd)
			return 0;
		sk_warn(&ctx->log,
			"microvm: %s: the rootfs is copied into the guest's initramfs (writes stay in the VM)",
			why);
	}
	r = sk_mkdir_p(cache, 0700, e);
	if (r < 0)
		return r;
	return sk_vm_prepare(&vo, &d->initrd, e);
}

static void vm_free_data(void *data)
{
	struct vm_data *d = data;

	if (!d)
		return;
	free(d->kernel);
	free(d->virtiofsd);
	free(d->initrd);
	free(d);
}

/* Nothing of the host is mounted: the rootfs travels in the guest's
 * initramfs. */
static size_t vm_open_sources(const struct sk_init_args *a, int min_fd, int **fds, struct sk_err *e)
{
	return 0;
}

static int vm_mount(const struct sk_init_args *a, struct sk_err *e)
{
	return 0;
}

/* Nothing beyond opening /dev/kvm (root's file) is needed: drop it all. */
static int drop_privileges(struct sk_err *e)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { { 0 } };

	for (int cap = 0; cap <= oci_cap_last(); cap++)
		prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (syscall(SYS_capset, &h, d) < 0)
		return sk_err_sys(e, errno, "microvm: drop capabilities");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return sk_err_sys(e, errno, "microvm: no_new_privs");
	return 0;
}

static void __attribute__((noreturn)) vm_run(const struct sk_init_args *a, const char *state_json)
{
	const struct vm_data *d = a->handler_data;
	const struct oci_process *p = a->cfg->process;
	struct sk_vm_opts vo = {
		.log = &a->ctx->log,
		.cfg = a->cfg,
		.rootfs = a->rootfs,
		.kernel = d->kernel,
		.cache_dir = NULL,
		.mem_limit = mem_limit(a->cfg),
		.tty = p->terminal,
		.seccomp = true,
	};
	struct sk_vm_share share = { .sock = -1 };
	struct sk_err err = { 0 };
	int status = 255;
	char c;
	ssize_t n;

	sk_init_create_container_hooks(a, state_json);
	sk_init_terminal(a, false);
	/* virtiofsd, privileged, before the VMM drops everything */
	if (d->virtiofsd) {
		_cleanup_free_ char *dir = sk_xasprintf("%s/%s", a->ctx->root, a->o->id);

		if (sk_vm_share_start(&vo, d->virtiofsd, dir, a->cfg->root_readonly, &share, &err) < 0)
			sk_child_fail(a->sock, &err);
		vo.share = &share;
	}
	if (drop_privileges(&err) < 0)
		sk_child_fail(a->sock, &err);
	/* Nothing of the host but stdio, the channel, the start fd and the
	 * --log file stays open in the VMM (the guest resolves the cwd on
	 * its own side, with none of these). */
	{
		int keep[] = { a->sock, a->waitfd, a->ctx->log.fd, share.sock };
		if (sk_fds_close_except(3, keep, sizeof(keep) / sizeof(keep[0]), &err) < 0)
			sk_child_fail(a->sock, &err);
	}
	prctl(PR_SET_PDEATHSIG, 0);
	/* created: the parent sees EOF on the channel, as after an exec */
	close(a->sock);
	do
		n = read(a->waitfd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(255);
	close(a->waitfd);
	if (sk_vm_run(&vo, d->initrd, &status, &err) < 0) {
		sk_log_failure(&a->ctx->log, err.msg);
		_exit(255);
	}
	_exit(status & 0xff);
}

const struct sk_handler sk_vm_handler = {
	.name = "vm",
	.wanted = vm_wanted,
	.prepare = vm_prepare,
	.free_data = vm_free_data,
	.open_sources = vm_open_sources,
	.mount = vm_mount,
	.run = vm_run,
};

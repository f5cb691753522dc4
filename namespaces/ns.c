/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ns.c - namespace plan: new ones, and joining existing ones by path. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	int flag;
	const char *proc;
} ns_table[OCI_NS__MAX] = {
	[OCI_NS_PID] = { CLONE_NEWPID, "pid" },		 [OCI_NS_NET] = { CLONE_NEWNET, "net" },
	[OCI_NS_IPC] = { CLONE_NEWIPC, "ipc" },		 [OCI_NS_MNT] = { CLONE_NEWNS, "mnt" },
	[OCI_NS_UTS] = { CLONE_NEWUTS, "uts" },		 [OCI_NS_USER] = { CLONE_NEWUSER, "user" },
	[OCI_NS_CGROUP] = { CLONE_NEWCGROUP, "cgroup" }, [OCI_NS_TIME] = { CLONE_NEWTIME, "time" },
};

int ns_clone_flag(enum oci_ns_type t)
{
	return ns_table[t].flag;
}

const char *ns_proc_name(enum oci_ns_type t)
{
	return ns_table[t].proc;
}

void ns_plan_init(struct ns_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
	for (int i = 0; i < OCI_NS__MAX; i++)
		plan->join_fd[i] = -1;
	plan->root_fd = -1;
}

void ns_plan_close(struct ns_plan *plan)
{
	for (int i = 0; i < OCI_NS__MAX; i++) {
		if (plan->join_fd[i] >= 0)
			close(plan->join_fd[i]);
		plan->join_fd[i] = -1;
	}
	if (plan->root_fd >= 0)
		close(plan->root_fd);
	plan->root_fd = -1;
}

/* @fd moved to @min_fd or above (close-on-exec); -errno */
static int fd_above(int fd, int min_fd)
{
	int nfd;

	if (fd < 0 || fd >= min_fd)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, min_fd);
	if (nfd < 0)
		nfd = -errno;
	close(fd);
	return nfd;
}

int ns_plan_open(const struct oci_config *cfg, int min_fd, struct ns_plan *plan, struct sk_err *e)
{
	const struct oci_linux *l = &cfg->lnx;

	ns_plan_init(plan);
	for (int i = 0; i < OCI_NS__MAX; i++) {
		const struct oci_namespace *ns = &l->namespaces[i];
		int fd, type;

		if (!ns->present)
			continue;
		if (!ns->path) {
			plan->new_flags |= ns_table[i].flag;
			continue;
		}
		fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			int r = sk_err_sys(e, errno, "linux.namespaces: %s namespace path %s",
					   oci_ns_name(i), ns->path);
			ns_plan_close(plan);
			return r;
		}
		type = ioctl(fd, NS_GET_NSTYPE);
		if (type < 0 || type != ns_table[i].flag) {
			close(fd);
			ns_plan_close(plan);
			return sk_err_set(e, EINVAL, "linux.namespaces: %s is not a %s namespace",
					  ns->path, oci_ns_name(i));
		}
		fd = fd_above(fd, min_fd);
		if (fd < 0) {
			ns_plan_close(plan);
			return sk_err_sys(e, -fd, "dup namespace fd");
		}
		plan->join_fd[i] = fd;
	}
	plan->new_userns = plan->new_flags & CLONE_NEWUSER;
	plan->join_userns = plan->join_fd[OCI_NS_USER] >= 0;

	if (plan->new_userns && (l->n_uid_mappings == 0 || l->n_gid_mappings == 0)) {
		ns_plan_close(plan);
		return sk_err_set(e, EINVAL,
				  "linux.uidMappings: a new user namespace needs uidMappings and gidMappings");
	}
	if (!l->namespaces[OCI_NS_USER].present && (l->n_uid_mappings || l->n_gid_mappings)) {
		ns_plan_close(plan);
		return sk_err_set(e, EINVAL,
				  "linux.uidMappings: mappings given without a user namespace");
	}
	/* a new uts namespace or one joined by path (as runc): never the
	 * host's own */
	if ((cfg->hostname || cfg->domainname) && !l->namespaces[OCI_NS_UTS].present) {
		ns_plan_close(plan);
		return sk_err_set(e, EINVAL, "%s: setting it needs a uts namespace",
				  cfg->hostname ? "hostname" : "domainname");
	}
	if (l->time_offsets.set_monotonic || l->time_offsets.set_boottime) {
		ns_plan_close(plan);
		return sk_err_set(e, ENOTSUP, "linux.timeOffsets: not supported yet");
	}
	return 0;
}

int ns_join(const struct ns_plan *plan, struct sk_err *e)
{
	for (int i = 0; i < OCI_NS__MAX; i++) {
		if (i == OCI_NS_USER || i == OCI_NS_PID || i == OCI_NS_TIME)
			continue;
		if (plan->join_fd[i] < 0)
			continue;
		if (setns(plan->join_fd[i], ns_table[i].flag) < 0)
			return sk_err_sys(e, errno, "join %s namespace", oci_ns_name(i));
	}
	/* after the mount namespace (whose root setns gave us) */
	if (plan->root_fd >= 0 && (fchdir(plan->root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0))
		return sk_err_sys(e, errno, "enter the container's root");
	if (plan->join_fd[OCI_NS_USER] >= 0 && setns(plan->join_fd[OCI_NS_USER], CLONE_NEWUSER) < 0)
		return sk_err_sys(e, errno, "join user namespace");
	return 0;
}

int ns_set_hostnames(const struct oci_config *cfg, struct sk_err *e)
{
	if (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
		return sk_err_sys(e, errno, "hostname: %s", cfg->hostname);
	if (cfg->domainname && setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0)
		return sk_err_sys(e, errno, "domainname: %s", cfg->domainname);
	return 0;
}

int ns_plan_from_pid(pid_t pid, int min_fd, struct ns_plan *plan, struct sk_err *e)
{
	char root[64];

	ns_plan_init(plan);
	for (int i = 0; i < OCI_NS__MAX; i++) {
		char theirs[64], ours[64];
		struct stat a, b;
		int fd;

		snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", pid, ns_table[i].proc);
		snprintf(ours, sizeof(ours), "/proc/self/ns/%s", ns_table[i].proc);
		if (stat(theirs, &a) < 0) {
			if (errno == ENOENT && i == OCI_NS_TIME)
				continue;
			ns_plan_close(plan);
			return sk_err_sys(e, errno, "%s", theirs);
		}
		if (stat(ours, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			continue;
		fd = open(theirs, O_RDONLY | O_CLOEXEC);
		fd = fd < 0 ? -errno : fd_above(fd, min_fd);
		if (fd < 0) {
			ns_plan_close(plan);
			return sk_err_sys(e, -fd, "%s", theirs);
		}
		plan->join_fd[i] = fd;
	}
	snprintf(root, sizeof(root), "/proc/%d/root", pid);
	plan->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	plan->root_fd = plan->root_fd < 0 ? -errno : fd_above(plan->root_fd, min_fd);
	if (plan->root_fd < 0) {
		int r = sk_err_sys(e, -plan->root_fd, "%s", root);
		plan->root_fd = -1;
		ns_plan_close(plan);
		return r;
	}
	plan->join_userns = plan->join_fd[OCI_NS_USER] >= 0;
	return 0;
}

int ns_join_user_first(struct ns_plan *plan, struct sk_err *e)
{
	int *fd = &plan->join_fd[OCI_NS_USER];

	if (geteuid() == 0 || *fd < 0)
		return 0;
	if (setns(*fd, CLONE_NEWUSER) < 0)
		return sk_err_sys(e, errno, "join user namespace");
	close(*fd);
	*fd = -1;
	return 0;
}

int ns_enter_pid_for_children(int fd, int *saved, struct sk_err *e)
{
	*saved = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (*saved < 0)
		return sk_err_sys(e, errno, "open /proc/self/ns/pid");
	if (setns(fd, CLONE_NEWPID) < 0) {
		int r = sk_err_sys(e, errno, "join pid namespace");
		close(*saved);
		*saved = -1;
		return r;
	}
	return 0;
}

void ns_leave_pid_for_children(int *saved)
{
	if (*saved < 0)
		return;
	setns(*saved, CLONE_NEWPID);
	close(*saved);
	*saved = -1;
}

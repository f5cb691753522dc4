/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dumpprep.c - what a dump (checkpoint, migrate's final round) tells criu
 * beyond the config, and the network namespace restore makes afresh.
 *
 * criu saves a network namespace by running ip (addresses, routes,
 * rules) and iptables-save/ip6tables-save, and restores it by running
 * them again: seven execs each way, about 1.5 s per direction in the
 * test VM -- more than the rest of a small container's dump.  A
 * namespace the container got new that holds nothing but its loopback
 * (netsetup looks: lo alone, down and bare or up with its loopback
 * addresses), whose config sets no net.* sysctl, and in which no process
 * of the container can have changed anything (CAP_NET_ADMIN in no
 * bounding set) is declared external to criu; the restore makes a new
 * one with lo as it was.  Anything else -- a process that holds
 * CAP_NET_ADMIN, another link, an address -- is criu's to save.
 */
#define _GNU_SOURCE
#include "ext.h"
#include "../criu/criu.h"
#include "../netsetup/netsetup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>

/* Does @pid's bounding set hold CAP_NET_ADMIN?  true on any doubt. */
static bool may_admin_net(pid_t pid)
{
	_cleanup_free_ char *p = sk_xasprintf("/proc/%d/status", (int)pid), *text = NULL;
	unsigned long long bnd;
	struct sk_err ignore;
	size_t len;

	if (sk_read_file_at(AT_FDCWD, p, &text, &len, &ignore) < 0)
		return true;
	const char *b = strstr(text, "\nCapBnd:");
	if (!b || sscanf(b + 8, "%llx", &bnd) != 1)
		return true;
	return bnd & (1ULL << CAP_NET_ADMIN);
}

static bool new_netns_of(const struct oci_config *cfg)
{
	const struct oci_namespace *ns = cfg ? &cfg->lnx.namespaces[OCI_NS_NET] : NULL;
	return ns && ns->present && !ns->path;
}

/* "up"/"down" when the namespace holds only lo, with *ino its inode. */
static const char *plain_netns(const struct sk_state *st, const pid_t *pids, size_t n,
			       unsigned long long *ino, struct sk_err *e)
{
	struct stat sb;
	const struct oci_config *cfg = st->cfg;
	enum sk_net_plain plain = SK_NET_PLAIN_NO;

	if (!new_netns_of(cfg) || sk_state_ext(st, "net"))
		return NULL;
	for (size_t i = 0; i < cfg->lnx.n_sysctl; i++)
		if (!strncmp(cfg->lnx.sysctl[i].key, "net.", 4))
			return NULL;
	for (size_t i = 0; i < n; i++)
		if (may_admin_net(pids[i]))
			return NULL;
	_cleanup_free_ char *p = sk_xasprintf("/proc/%d/ns/net", (int)st->pid);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0 || sk_net_ns_plain(fd, &plain, e) < 0)
		return NULL;
	*ino = (unsigned long long)sb.st_ino;
	return plain == SK_NET_PLAIN_LO_UP ? "up" : plain == SK_NET_PLAIN_LO_DOWN ? "down" : NULL;
}

int sk_dump_prepare(struct sk_ctx *ctx, const struct sk_state *st, struct sk_criu_opts *co,
		    pid_t **pids, struct sk_err *e)
{
	struct sk_err ignore;
	unsigned long long ino = 0;
	size_t n = 0;
	int r;

	*pids = NULL;
	r = sk_container_pids(ctx, st, pids, &n, e);
	if (r < 0)
		return sk_err_prefix(e, "the container's processes");
	co->pids = *pids;
	co->n_pids = n;
	if (co->netns_ino)
		return 0; /* skiff's networking's, or joined by path */
	co->fresh_netns = plain_netns(st, *pids, n, &ino, &ignore);
	if (!co->fresh_netns)
		return 0;
	co->netns_ino = ino;
	sk_debug(&ctx->log, "dump: the network namespace holds only lo (%s): made afresh at restore",
		 co->fresh_netns);
	return 0;
}

int sk_new_netns(int *out, bool lo_up, struct sk_err *e)
{
	_cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int fd, err = 0, r = 0;

	if (self < 0)
		return sk_err_sys(e, errno, "open /proc/self/ns/net");
	if (unshare(CLONE_NEWNET) < 0)
		return sk_err_sys(e, errno, "new network namespace");
	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	err = errno;
	if (fd >= 0 && lo_up)
		r = sk_net_loopback_up(e);
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* skiff cannot go on in the wrong namespace */
	if (fd < 0)
		return sk_err_sys(e, err, "open the new network namespace");
	/* criu inherits it: keep clear of stdio */
	if (r < 0 || sk_fd_move_above(&fd, 3, e) < 0) {
		sk_closep(&fd);
		return sk_err_prefix(e, "the new network namespace");
	}
	*out = fd;
	return 0;
}

int sk_restore_spare_netns(const struct oci_config *cfg, int nsfd, int *spare, struct sk_err *e)
{
	if (nsfd >= 0 || *spare >= 0 || !new_netns_of(cfg))
		return 0;
	return sk_new_netns(spare, false, e);
}

/* lo up in the namespace @fd; the caller stays in its own */
static int loopback_up_in(int fd, struct sk_err *e)
{
	_cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int r;

	if (self < 0)
		return sk_err_sys(e, errno, "open /proc/self/ns/net");
	if (setns(fd, CLONE_NEWNET) < 0)
		return sk_err_sys(e, errno, "enter the new network namespace");
	r = sk_net_loopback_up(e);
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* skiff cannot go on in the wrong namespace */
	return r < 0 ? sk_err_prefix(e, "the new network namespace") : 0;
}

int sk_restore_fresh_netns(const struct oci_config *cfg, const char *image_path, int *nsfd,
			   int *spare, struct sk_err *e)
{
	_cleanup_close_ int fd = *spare;
	_cleanup_free_ char *lo = NULL;
	int r;

	*spare = -1;
	if (*nsfd >= 0 || !new_netns_of(cfg) || !(lo = sk_criu_fresh_netns(image_path)))
		return 0; /* a spare one goes: criu makes the namespace */
	if (fd < 0)
		return sk_new_netns(nsfd, !strcmp(lo, "up"), e);
	r = strcmp(lo, "up") ? 0 : loopback_up_in(fd, e);
	if (r < 0)
		return r;
	*nsfd = sk_steal_fd(&fd);
	return 0;
}

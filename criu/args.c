/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * args.c - criu's command lines for dump, pre-dump and restore, from
 * runc's flags and the container's config.
 *
 * Bind mounts of the config come from the host: criu cannot dump them as
 * part of the container's mount namespace, so each is declared external,
 * keyed by its destination ("--external mnt[DEST]:DEST" at dump), and
 * given its source again at restore ("--external mnt[DEST]:SOURCE").
 * Everything else the container mounted (proc, tmpfs, devpts, the masked
 * paths, which are binds of the container's own /dev/null or read-only
 * tmpfs) lives in its namespace and is dumped by criu itself.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

static const char *const cgmode_names[] = {
	[SK_CRIU_CG_SOFT] = "soft",
	[SK_CRIU_CG_FULL] = "full",
	[SK_CRIU_CG_STRICT] = "strict",
	[SK_CRIU_CG_IGNORE] = "ignore",
};

int sk_criu_cgmode_parse(const char *s, enum sk_criu_cgmode *out, struct sk_err *e)
{
	for (size_t i = SK_CRIU_CG_SOFT; i <= SK_CRIU_CG_IGNORE; i++) {
		if (!strcmp(s, cgmode_names[i])) {
			*out = (enum sk_criu_cgmode)i;
			return 0;
		}
	}
	return sk_err_set(e, EINVAL,
			  "--manage-cgroups-mode: invalid mode %s (soft, full, strict or ignore)", s);
}

int sk_criu_lsm_profile_check(const char *s, struct sk_err *e)
{
	const char *colon = strchr(s, ':');
	size_t tlen = colon ? (size_t)(colon - s) : 0;

	if (!colon)
		return sk_err_set(e, EINVAL, "--lsm-profile: %s is not TYPE:NAME", s);
	if (tlen == 4 && !strncmp(s, "none", 4))
		return 0;
	if (!((tlen == 8 && !strncmp(s, "apparmor", 8)) || (tlen == 7 && !strncmp(s, "selinux", 7))))
		return sk_err_set(e, EINVAL,
				  "--lsm-profile: unknown type in %s (apparmor, selinux or none)", s);
	if (!colon[1])
		return sk_err_set(e, EINVAL, "--lsm-profile: %s names no profile", s);
	return 0;
}

int sk_criu_status_fd_parse(const char *s, int *fd, struct sk_err *e)
{
	int64_t v;
	int fl;

	if (sk_parse_i64(s, &v) < 0 || v < 0 || v > INT32_MAX)
		return sk_err_set(e, EINVAL, "--status-fd: %s is not a descriptor number", s);
	fl = fcntl((int)v, F_GETFL);
	if (fl < 0)
		return sk_err_sys(e, errno, "--status-fd: descriptor %s", s);
	if ((fl & O_ACCMODE) == O_RDONLY)
		return sk_err_set(e, EBADF, "--status-fd: descriptor %s is not open for writing", s);
	/* skiff's other children (nft, ip) do not get it: criu alone */
	if (v > 2 && fcntl((int)v, F_SETFD, FD_CLOEXEC) < 0)
		return sk_err_sys(e, errno, "--status-fd: descriptor %s", s);
	*fd = (int)v;
	return 0;
}

/* --external mnt[DEST]:VALUE for each bind, @source: VALUE is the source
 * (restore), else the destination (dump). */
static void ext_binds(struct sk_strv_buf *b, const struct oci_mount *v, size_t n, bool source)
{
	for (size_t i = 0; v && i < n; i++) {
		const struct oci_mount *m = &v[i];
		if (!oci_mount_is_bind(m) || (source && !m->source))
			continue;
		_cleanup_free_ char *x = sk_xasprintf("mnt[%s]:%s", m->destination,
						      source ? m->source : m->destination);
		sk_strv_buf_add(b, "--external");
		sk_strv_buf_add(b, x);
	}
}

static void common(struct sk_strv_buf *b, const struct sk_criu_opts *o, const char *log_path)
{
	sk_strv_buf_add(b, "--images-dir");
	sk_strv_buf_add(b, o->image_path);
	sk_strv_buf_add(b, "--work-dir");
	sk_strv_buf_add(b, o->work_path ? o->work_path : o->image_path);
	sk_strv_buf_add(b, "--log-file");
	sk_strv_buf_add(b, log_path);
	sk_strv_buf_add(b, "-v4");
	if (o->tcp_established)
		sk_strv_buf_add(b, "--tcp-established");
	if (o->ext_unix_sk)
		sk_strv_buf_add(b, "--ext-unix-sk");
	if (o->shell_job)
		sk_strv_buf_add(b, "--shell-job");
	if (o->file_locks)
		sk_strv_buf_add(b, "--file-locks");
	if (o->cg_mode != SK_CRIU_CG_DEFAULT) {
		_cleanup_free_ char *m =
			sk_xasprintf("--manage-cgroups=%s", cgmode_names[o->cg_mode]);
		sk_strv_buf_add(b, m);
	} else {
		sk_strv_buf_add(b, "--manage-cgroups");
	}
}

char **criu_dump_argv(const struct sk_criu_opts *o, pid_t pid, const struct oci_config *cfg,
		      const char *log_path)
{
	struct sk_strv_buf b = { 0 };
	char num[32];

	sk_strv_buf_add(&b, "criu");
	sk_strv_buf_add(&b, o->pre_dump ? "pre-dump" : "dump");
	snprintf(num, sizeof(num), "%d", (int)pid);
	sk_strv_buf_add(&b, "--tree");
	sk_strv_buf_add(&b, num);
	common(&b, o, log_path);
	if (o->leave_running && !o->pre_dump)
		sk_strv_buf_add(&b, "--leave-running");
	if (o->parent_path) {
		sk_strv_buf_add(&b, "--prev-images-dir");
		sk_strv_buf_add(&b, o->parent_path);
	}
	/* dirty-page tracking: what the next (pre-)dump's parent needs */
	if (o->pre_dump || o->parent_path)
		sk_strv_buf_add(&b, "--track-mem");
	if (o->auto_dedup)
		sk_strv_buf_add(&b, "--auto-dedup");
	/* criu's nftables lock (3.16+): one table of its own, removed by
	 * the restore, where the iptables lock outlives a restore into the
	 * same namespace; and made in criu's own process through
	 * libnftables, where the iptables lock runs iptables-restore and
	 * ip6tables-restore at dump and again at restore (a quarter of a
	 * second each way in the test VM) */
	if (!o->pre_dump) {
		sk_strv_buf_add(&b, "--network-lock");
		sk_strv_buf_add(&b, "nftables");
	}
	if (o->freeze_cgroup) {
		sk_strv_buf_add(&b, "--freeze-cgroup");
		sk_strv_buf_add(&b, o->freeze_cgroup);
	}
	if (o->ps_address) {
		/* lazy: criu serves the pages itself there, where a plain
		 * --page-server sends them to one listening there */
		snprintf(num, sizeof(num), "%u", o->ps_port);
		sk_strv_buf_add(&b, o->lazy_pages && !o->pre_dump ? "--lazy-pages" : "--page-server");
		sk_strv_buf_add(&b, "--address");
		sk_strv_buf_add(&b, o->ps_address);
		sk_strv_buf_add(&b, "--port");
		sk_strv_buf_add(&b, num);
		if (o->lazy_pages && !o->pre_dump && o->has_status_fd) {
			snprintf(num, sizeof(num), "%d", o->status_fd);
			sk_strv_buf_add(&b, "--status-fd");
			sk_strv_buf_add(&b, num);
		}
	}
	if (o->empty_netns) {
		sk_strv_buf_add(&b, "--empty-ns");
		sk_strv_buf_add(&b, "net");
	}
	if (cfg)
		ext_binds(&b, cfg->mounts, cfg->n_mounts, false);
	ext_binds(&b, o->extra_mounts, o->n_extra_mounts, false);
	if (o->netns_ino) {
		_cleanup_free_ char *x = sk_xasprintf("net[%llu]:" CRIU_NETNS_KEY, o->netns_ino);
		sk_strv_buf_add(&b, "--external");
		sk_strv_buf_add(&b, x);
	}
	return b.v;
}

char **criu_restore_argv(const struct sk_criu_restore *r, const char *log_path, const char *pid_path)
{
	const struct sk_criu_opts *o = r->o;
	struct sk_strv_buf b = { 0 };

	sk_strv_buf_add(&b, "criu");
	sk_strv_buf_add(&b, "restore");
	common(&b, o, log_path);
	sk_strv_buf_add(&b, "--root");
	sk_strv_buf_add(&b, r->rootfs);
	/* the restored init becomes skiff's child, as a created one is */
	sk_strv_buf_add(&b, "--restore-detached");
	sk_strv_buf_add(&b, "--restore-sibling");
	if (o->leave_stopped)
		sk_strv_buf_add(&b, "--leave-stopped");
	sk_strv_buf_add(&b, "--pidfile");
	sk_strv_buf_add(&b, pid_path);
	if (r->cgroup_root && o->cg_mode != SK_CRIU_CG_IGNORE) {
		sk_strv_buf_add(&b, "--cgroup-root");
		sk_strv_buf_add(&b, r->cgroup_root);
	}
	if (o->lsm_mount_context) {
		sk_strv_buf_add(&b, "--lsm-mount-context");
		sk_strv_buf_add(&b, o->lsm_mount_context);
	}
	if (o->lsm_profile) {
		sk_strv_buf_add(&b, "--lsm-profile");
		sk_strv_buf_add(&b, o->lsm_profile);
	}
	/* the pages come from the `criu lazy-pages` daemon of --work-dir */
	if (o->lazy_pages)
		sk_strv_buf_add(&b, "--lazy-pages");
	if (r->cfg)
		ext_binds(&b, r->cfg->mounts, r->cfg->n_mounts, true);
	ext_binds(&b, o->extra_mounts, o->n_extra_mounts, true);
	if (r->netns_fd > 2) {
		_cleanup_free_ char *x = sk_xasprintf("fd[%d]:" CRIU_NETNS_KEY, r->netns_fd);
		sk_strv_buf_add(&b, "--inherit-fd");
		sk_strv_buf_add(&b, x);
	}
	return b.v;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * procdesc.c - the process description the guest shim reads from
 * /.skiff/process: records of one tag byte and a NUL-terminated string
 * (a=arg e=env c=cwd h=hostname u=uid g=gid G=extra gid m=umask t=terminal
 * f=virtio-fs tag of the rootfs r=rootfs read-only T=tmpfs mount).
 */
#include "internal.h"

#include <errno.h>
#include <string.h>

const char *sk_vm_annotation(const struct oci_config *cfg, const char *key)
{
	if (!cfg)
		return NULL;
	for (size_t i = 0; i < cfg->n_annotations; i++)
		if (cfg->annotations[i].key && !strcmp(cfg->annotations[i].key, key))
			return cfg->annotations[i].value;
	return NULL;
}

static void rec(char **buf, size_t *len, char tag, const char *s)
{
	size_t n = strlen(s);
	*buf = sk_xrealloc(*buf, *len + n + 2);
	(*buf)[*len] = tag;
	memcpy(*buf + *len + 1, s, n + 1);
	*len += n + 2;
}

/* Whether the shim makes @dest itself: /dev, /proc, /sys and below. */
static bool shim_owned(const char *dest)
{
	static const char *const own[] = { "/dev", "/proc", "/sys" };

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		size_t l = strlen(own[i]);

		if (!strncmp(dest, own[i], l) && (dest[l] == 0 || dest[l] == '/'))
			return true;
	}
	return false;
}

/* The config's tmpfs mounts outside what the shim makes, in order: one
 * record "DEST\x1fOPT,OPT..." each. */
static void tmpfs_mounts(const struct oci_config *cfg, char **buf, size_t *n)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct oci_mount *m = &cfg->mounts[i];
		_cleanup_strbuf_ struct sk_strbuf sb = { 0 };

		if (!m->type || strcmp(m->type, "tmpfs") || !m->destination ||
		    m->destination[0] != '/' || shim_owned(m->destination) ||
		    strchr(m->destination, '\x1f'))
			continue;
		sk_strbuf_addf(&sb, "%s\x1f", m->destination);
		for (size_t j = 0; m->options && m->options[j]; j++)
			sk_strbuf_addf(&sb, "%s%s", j ? "," : "", m->options[j]);
		rec(buf, n, 'T', sb.s);
	}
}

int sk_vm_procdesc(const struct oci_config *cfg, char **out, size_t *len, struct sk_err *e)
{
	const struct oci_process *p = cfg ? cfg->process : NULL;
	if (!p || !p->args || !p->args[0])
		return sk_err_set(e, EINVAL, "microvm: process.args: nothing to run");
	char *buf = NULL;
	size_t n = 0;
	char num[32];
	for (size_t i = 0; p->args[i]; i++)
		rec(&buf, &n, 'a', p->args[i]);
	for (size_t i = 0; p->env && p->env[i]; i++) {
		if (strchr(p->env[i], '\n')) /* harmless, but keep records simple */
			continue;
		rec(&buf, &n, 'e', p->env[i]);
	}
	rec(&buf, &n, 'c', p->cwd && *p->cwd ? p->cwd : "/");
	if (cfg->hostname)
		rec(&buf, &n, 'h', cfg->hostname);
	snprintf(num, sizeof(num), "%u", p->user.uid);
	rec(&buf, &n, 'u', num);
	snprintf(num, sizeof(num), "%u", p->user.gid);
	rec(&buf, &n, 'g', num);
	for (size_t i = 0; i < p->user.n_additional_gids; i++) {
		snprintf(num, sizeof(num), "%u", p->user.additional_gids[i]);
		rec(&buf, &n, 'G', num);
	}
	if (p->user.has_umask) {
		snprintf(num, sizeof(num), "%u", p->user.umask);
		rec(&buf, &n, 'm', num);
	}
	if (p->terminal)
		rec(&buf, &n, 't', "1");
	tmpfs_mounts(cfg, &buf, &n);
	*out = buf;
	*len = n;
	return 0;
}

void sk_vm_procdesc_rootfs(char **buf, size_t *len, const char *tag, bool readonly)
{
	rec(buf, len, 'f', tag);
	if (readonly)
		rec(buf, len, 'r', "1");
}

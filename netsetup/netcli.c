/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netcli.c - `skiff network ls | inspect NAME | rm NAME`. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "internal.h"

#include <errno.h>
#include <string.h>

static int net_ls(const char *root, struct sk_err *e)
{
	_cleanup_strv_ char **names = NULL;
	int r = sk_ipam_list(root, &names, e);
	if (r < 0)
		return r;
	printf("%-15s %-8s %-18s %-15s %-15s %s\n", "NAME", "MODE", "SUBNET", "GATEWAY", "BRIDGE",
	       "LEASES");
	for (size_t i = 0; names[i]; i++) {
		_cleanup_ipam_ struct sk_ipam_net *n = NULL;
		char s[16], g[16], sub[24];
		r = sk_ipam_load(root, names[i], &n, e);
		if (r < 0)
			return r;
		snprintf(sub, sizeof(sub), "%s/%u", sk_ip4_str(n->subnet.addr, s), n->subnet.prefix);
		printf("%-15s %-8s %-18s %-15s %-15s %zu\n", n->name, sk_net_mode_name(n->mode),
		       sub, n->gateway ? sk_ip4_str(n->gateway, g) : "-", n->bridge, n->n_leases);
	}
	return 0;
}

/* Names and IDs are validated to [A-Za-z0-9_.+-]: no JSON escaping needed. */
static int net_inspect(const char *root, const char *name, struct sk_err *e)
{
	_cleanup_ipam_ struct sk_ipam_net *n = NULL;
	char s[16], g[16];
	int r = sk_ipam_load(root, name, &n, e);
	if (r < 0)
		return r;
	printf("{\n  \"name\": \"%s\",\n  \"mode\": \"%s\",\n  \"subnet\": \"%s/%u\",\n", n->name,
	       sk_net_mode_name(n->mode), sk_ip4_str(n->subnet.addr, s), n->subnet.prefix);
	if (n->gateway)
		printf("  \"gateway\": \"%s\",\n", sk_ip4_str(n->gateway, g));
	else
		printf("  \"gateway\": null,\n");
	printf("  \"bridge\": \"%s\",\n  \"bridge_owned\": %s,\n  \"leases\": [", n->bridge,
	       n->owned ? "true" : "false");
	for (size_t i = 0; i < n->n_leases; i++) {
		printf("%s\n    {\"id\": \"%s\", \"ip\": \"%s\"", i ? "," : "", n->leases[i].id,
		       sk_ip4_str(n->leases[i].ip, s));
		if (n->leases[i].ports && *n->leases[i].ports)
			printf(", \"ports\": \"%s\"", n->leases[i].ports);
		printf("}");
	}
	printf("%s]\n}\n", n->n_leases ? "\n  " : "");
	return 0;
}

static int net_rm(const struct sk_log *log, const char *root, const char *name, struct sk_err *e)
{
	_cleanup_close_ int lock = -1;
	_cleanup_ipam_ struct sk_ipam_net *n = NULL;
	_cleanup_strv_ char **stale = NULL, **left = NULL;
	_cleanup_nl_ struct sk_nl *nl = NULL;
	struct sk_err e2;
	int r;

	r = sk_ipam_lock(root, &lock, e);
	if (r < 0)
		return r;
	r = sk_ipam_load(root, name, &n, e);
	if (r < 0)
		return r;
	if (sk_ipam_reclaim(n, root, &stale)) {
		for (size_t i = 0; stale[i]; i++)
			if (sk_net_unplug(stale[i], &e2) < 0)
				sk_warn(log, "cleaning up vanished container %s: %s", stale[i],
					e2.msg);
		r = sk_ipam_save(root, n, e);
		if (r < 0)
			return r;
	}
	if (n->n_leases) {
		char ids[512] = "";
		for (size_t i = 0; i < n->n_leases; i++) {
			size_t l = strlen(ids);
			snprintf(ids + l, sizeof(ids) - l, "%s%s", i ? ", " : "", n->leases[i].id);
		}
		return sk_err_set(e, EBUSY, "network %s is in use by container(s) %s", name, ids);
	}
	if (n->owned) {
		r = sk_nl_open(&nl, e);
		if (r == 0)
			r = sk_nl_link_del(nl, n->bridge, e);
		if (r < 0)
			return r;
	}
	r = sk_ipam_remove(root, name, e);
	if (r < 0)
		return r;
	r = sk_ipam_list(root, &left, e);
	if (r < 0)
		return r;
	if (!left[0])
		return sk_nft_table_delete(e);
	return 0;
}

int sk_net_cli(const struct sk_log *log, const char *root, int argc, char **argv, struct sk_err *e)
{
	const char *cmd = argc > 0 ? argv[0] : NULL;

	if (!cmd || !strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		printf("usage: skiff network ls\n"
		       "       skiff network inspect NAME\n"
		       "       skiff network rm NAME\n");
		return cmd ? 0
			   : sk_err_set(e, EINVAL, "network: missing subcommand (ls, inspect, rm)");
	}
	if (!strcmp(cmd, "ls") || !strcmp(cmd, "list")) {
		if (argc != 1)
			return sk_err_set(e, EINVAL, "network ls: takes no arguments");
		return net_ls(root, e);
	}
	if (!strcmp(cmd, "inspect") || !strcmp(cmd, "rm")) {
		if (argc != 2)
			return sk_err_set(e, EINVAL, "network %s: needs exactly one NAME", cmd);
		if (!sk_net_name_valid(argv[1]))
			return sk_err_set(e, EINVAL, "network %s: \"%s\" is not a network name",
					  cmd, argv[1]);
		return cmd[0] == 'i' ? net_inspect(root, argv[1], e) : net_rm(log, root, argv[1], e);
	}
	return sk_err_set(e, EINVAL, "network: unknown subcommand \"%s\" (ls, inspect, rm)", cmd);
}

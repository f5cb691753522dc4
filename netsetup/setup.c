/* SPDX-License-Identifier: GPL-2.0-or-later */
/* setup.c - sk_net_setup() / sk_net_teardown(): bridge, veth pair,
 * addresses and routes (rtnetlink), sysctls, nftables chains. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

static int write_sysctl(const char *path, const char *val, struct sk_err *e)
{
	return sk_write_file_at(AT_FDCWD, path, val, strlen(val), 0, 0, e);
}

static int conf_sysctl(const char *ifname, const char *key, const char *val, struct sk_err *e)
{
	_cleanup_free_ char *p = sk_xasprintf("/proc/sys/net/ipv4/conf/%s/%s", ifname, key);
	return write_sysctl(p, val, e);
}

/* net.ipv4.ip_forward=1 when it is 0.  Writing it sets every interface's
 * forwarding, so isolated bridges get theirs turned off again. */
static int enable_ip_forward(struct sk_net *n, struct sk_err *e)
{
	_cleanup_free_ char *cur = NULL;
	_cleanup_strv_ char **names = NULL;
	struct sk_err ignore;
	int r;

	if (sk_read_file_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_forward", &cur, NULL, e) < 0)
		return -e->code;
	if (cur[0] == '1')
		return 0;
	r = write_sysctl("/proc/sys/net/ipv4/ip_forward", "1", e);
	if (r < 0)
		return r;
	sk_debug(n->log, "network %s: enabled net.ipv4.ip_forward", n->cfg.network);
	if (sk_ipam_list(n->state_root, &names, &ignore) < 0)
		return 0;
	for (size_t i = 0; names[i]; i++) {
		_cleanup_ipam_ struct sk_ipam_net *rec = NULL;
		if (sk_ipam_load(n->state_root, names[i], &rec, &ignore) == 0 &&
		    rec->mode == SK_NET_ISOLATED)
			conf_sysctl(rec->bridge, "forwarding", "0", &ignore);
	}
	return 0;
}

static int setup_bridge(struct sk_net *n, struct sk_nl *nl, struct sk_nl_link *br, struct sk_err *e)
{
	const char *name = n->bridge;
	size_t naddr = 0;
	int r;

	r = sk_nl_link_get(nl, name, br);
	if (r == -ENODEV && n->cfg.mode != SK_NET_BRIDGED) {
		r = sk_nl_bridge_add(nl, name, e);
		if (r < 0 && r != -EEXIST)
			return r;
		r = sk_nl_link_get(nl, name, br);
		if (r == 0 && n->cfg.mode == SK_NET_ISOLATED)
			sk_nl_link_no_ipv6(nl, br->ifindex);
	}
	if (r < 0)
		return sk_nl_err(nl, e, r, "bridge %s", name);
	if (strcmp(br->kind, "bridge"))
		return sk_err_set(e, EINVAL, "%s is not a bridge", name);
	if (n->cfg.mode == SK_NET_BRIDGED)
		return 0; /* the operator's: not ours to configure */

	if (n->cfg.mode == SK_NET_ISOLATED) {
		r = sk_nl_addr_count(nl, br->ifindex, &naddr);
		if (r < 0)
			return sk_nl_err(nl, e, r, "list addresses of %s", name);
		if (naddr)
			return sk_err_set(e, EINVAL,
					  "isolated network %s: the host has an address on bridge %s; "
					  "remove it",
					  n->cfg.network, name);
		r = conf_sysctl(name, "forwarding", "0", e);
		if (r < 0)
			return r;
	} else {
		r = sk_nl_addr_add(nl, br->ifindex, n->gateway, n->subnet.prefix, e);
		if (r < 0)
			return r;
		r = conf_sysctl(name, "forwarding", "1", e);
		if (r == 0)
			r = enable_ip_forward(n, e);
		if (r == 0 && n->cfg.mode == SK_NET_NAT)
			r = conf_sysctl(name, "route_localnet", "1", e);
		if (r < 0)
			return r;
	}
	if (!br->up)
		return sk_nl_link_set(nl, br->ifindex, true, 0, e);
	return 0;
}

/* In the container's netns: lo up, eth0 address + up, default route. */
static int configure_inside(const struct sk_net *n, int nsfd, struct sk_err *e)
{
	_cleanup_nl_ struct sk_nl *nl = NULL;
	struct sk_nl_link lo, eth;
	int r;

	if (setns(nsfd, CLONE_NEWNET) < 0)
		return sk_err_sys(e, errno, "enter the container's network namespace");
	r = sk_nl_open(&nl, e);
	if (r < 0)
		return r;
	r = sk_nl_link_get(nl, "lo", &lo);
	if (r < 0)
		return sk_nl_err(nl, e, r, "lo in the container");
	if (!lo.up) {
		r = sk_nl_link_set(nl, lo.ifindex, true, 0, e);
		if (r < 0)
			return r;
	}
	r = sk_nl_link_get(nl, "eth0", &eth);
	if (r < 0)
		return sk_nl_err(nl, e, r, "eth0 in the container");
	r = sk_nl_addr_add(nl, eth.ifindex, n->ip, n->subnet.prefix, e);
	if (r == 0)
		r = sk_nl_link_set(nl, eth.ifindex, true, 0, e);
	if (r == 0 && n->gateway && n->cfg.mode != SK_NET_ISOLATED)
		r = sk_nl_route_default(nl, eth.ifindex, n->gateway, e);
	return r;
}

/* configure_inside() in a child, so this process keeps its netns. */
static int run_inside(const struct sk_net *n, int nsfd, struct sk_err *e)
{
	int p[2], st;
	struct sk_err ce = { 0 };
	ssize_t got;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return sk_err_sys(e, errno, "pipe");
	pid = fork();
	if (pid < 0) {
		int err = errno;
		close(p[0]);
		close(p[1]);
		return sk_err_sys(e, err, "fork");
	}
	if (pid == 0) {
		close(p[0]);
		if (configure_inside(n, nsfd, &ce) < 0) {
			(void)!write(p[1], &ce, sizeof(ce));
			_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	do
		got = read(p[0], &ce, sizeof(ce));
	while (got < 0 && errno == EINTR);
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return sk_err_sys(e, errno, "wait for the netns helper");
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (got == (ssize_t)sizeof(ce) && ce.code) {
		ce.msg[sizeof(ce.msg) - 1] = '\0';
		return sk_err_set(e, ce.code, "%s", ce.msg);
	}
	return sk_err_set(e, EIO, "the netns helper failed (status 0x%x)", st);
}

int sk_net_unplug(const char *id, struct sk_err *e)
{
	_cleanup_nl_ struct sk_nl *nl = NULL;
	char hash[12], ifname[SK_IFNAMSIZ];
	struct sk_err e2 = { 0 };
	int r, first = 0;

	r = sk_nft_container_delete(sk_net_hash(id, hash), &e2);
	if (r < 0) {
		first = r;
		*e = e2;
	}
	r = sk_nl_open(&nl, &e2);
	if (r == 0)
		r = sk_nl_link_del(nl, sk_net_ifname(id, ifname), &e2);
	if (r < 0 && !first) {
		first = r;
		*e = e2;
	}
	return first;
}

int sk_net_setup(struct sk_net *n, pid_t init_pid, const char *state_dir, struct sk_err *e)
{
	_cleanup_free_ char *nspath = NULL;
	_cleanup_close_ int nsfd = -1;

	if (!n)
		return 0;
	(void)state_dir;
	nspath = sk_xasprintf("/proc/%d/ns/net", (int)init_pid);
	nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return sk_err_sys(e, errno, "open %s", nspath);
	return sk_net_setup_ns(n, nsfd, e);
}

int sk_net_setup_ns(struct sk_net *n, int nsfd, struct sk_err *e)
{
	_cleanup_free_ char *script = NULL;
	_cleanup_nl_ struct sk_nl *nl = NULL;
	struct sk_nl_link br, host;
	struct sk_nft_rules rules;
	struct sk_err e2;
	int r;

	if (!n)
		return 0;
	if (!n->reserved)
		return sk_err_set(e, EINVAL, "container %s: network setup before reserve", n->id);
	r = sk_nl_open(&nl, e);
	if (r < 0)
		return r;
	r = setup_bridge(n, nl, &br, e);
	if (r < 0)
		goto fail;
	/* a leftover of a crashed earlier container with this ID */
	r = sk_nl_link_del(nl, n->ifname, e);
	if (r < 0)
		goto fail;
	r = sk_nl_veth_add(nl, n->ifname, "eth0", nsfd, br.mtu, e);
	if (r < 0)
		goto fail;
	r = sk_nl_link_get(nl, n->ifname, &host);
	if (r < 0) {
		r = sk_nl_err(nl, e, r, "veth %s", n->ifname);
		goto fail;
	}
	sk_nl_link_no_ipv6(nl, host.ifindex);
	r = sk_nl_link_set(nl, host.ifindex, true, br.ifindex, e);
	if (r < 0)
		goto fail;
	r = run_inside(n, nsfd, e);
	if (r < 0)
		goto fail;
	rules = (struct sk_nft_rules){ .id = n->id,
				       .hash = n->hash,
				       .mode = n->cfg.mode,
				       .bridge = n->bridge,
				       .subnet = n->subnet,
				       .ip = n->ip,
				       .ports = n->cfg.ports,
				       .n_ports = n->cfg.n_ports };
	script = sk_nft_container_script(&rules);
	if (script) {
		r = sk_nft_run(script, e);
		if (r < 0)
			goto fail;
	}
	sk_debug(n->log, "container %s: %s on network %s (%s, %s via %s)", n->id, n->address,
		 n->cfg.network, sk_net_mode_name(n->cfg.mode), n->ifname, n->bridge);
	return 0;
fail:
	sk_err_prefix(e, "container %s: network %s", n->id, n->cfg.network);
	if (sk_net_unplug(n->id, &e2) < 0)
		sk_warn(n->log, "container %s: undoing network setup: %s", n->id, e2.msg);
	return r;
}

int sk_net_teardown(struct sk_net *n, struct sk_err *e)
{
	struct sk_err e2 = { 0 };
	int r, first = 0;

	if (!n)
		return 0;
	if (n->cfg.mode == SK_NET_NONE)
		return 0;
	r = sk_net_unplug(n->id, &e2);
	if (r < 0) {
		first = r;
		*e = e2;
	}
	r = sk_net_release_lease(n, &e2);
	if (r < 0 && !first) {
		first = r;
		*e = e2;
	}
	if (first)
		return sk_err_prefix(e, "container %s: network teardown", n->id);
	n->reserved = false;
	return 0;
}

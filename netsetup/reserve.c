/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reserve.c - sk_net_reserve(): the lease (under the store lock) and the
 * container's hosts / resolv.conf files. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

struct all_nets {
	struct sk_ipam_net **v;
	size_t n;
};

static void all_nets_clear(struct all_nets *a)
{
	for (size_t i = 0; i < a->n; i++)
		sk_ipam_free(a->v[i]);
	free(a->v);
}

static int load_all(const char *root, struct all_nets *a, struct sk_err *e)
{
	_cleanup_strv_ char **names = NULL;
	int r = sk_ipam_list(root, &names, e);
	if (r < 0)
		return r;
	a->v = sk_xcalloc(sk_strv_len(names) + 1, sizeof(*a->v));
	for (size_t i = 0; names[i]; i++) {
		r = sk_ipam_load(root, names[i], &a->v[a->n], e);
		if (r < 0)
			return r;
		a->n++;
	}
	return 0;
}

static bool state_exists(const char *root, const char *id)
{
	_cleanup_free_ char *p = sk_xasprintf("%s/%s", root, id);
	struct stat st;
	return stat(p, &st) == 0 || errno != ENOENT;
}

static int check_ports(const struct sk_net *n, const struct all_nets *all, struct sk_err *e)
{
	for (size_t i = 0; i < all->n; i++) {
		for (size_t j = 0; j < all->v[i]->n_leases; j++) {
			const struct sk_lease *l = &all->v[i]->leases[j];
			_cleanup_free_ struct sk_port *p = NULL;
			size_t np = 0;
			struct sk_err ignore;
			if (!l->ports || !*l->ports || !strcmp(l->id, n->id) ||
			    !state_exists(n->state_root, l->id))
				continue;
			if (sk_ports_parse(l->ports, &p, &np, &ignore) < 0)
				continue;
			for (size_t a = 0; a < np; a++)
				for (size_t b = 0; b < n->cfg.n_ports; b++)
					if (p[a].host == n->cfg.ports[b].host &&
					    p[a].proto == n->cfg.ports[b].proto)
						return sk_err_set(e, EADDRINUSE,
								  "org.skiff.net.ports: host port %u/%s is "
								  "already forwarded to container %s",
								  p[a].host,
								  p[a].proto == SK_PROTO_TCP ? "tcp"
											     : "udp",
								  l->id);
		}
	}
	return 0;
}

/* A new network's record: subnet (given, default or picked) must not
 * overlap another network's. */
static int new_record(struct sk_net *n, const struct all_nets *all, struct sk_ipam_net **out,
		      struct sk_err *e)
{
	const struct sk_netcfg *c = &n->cfg;
	struct sk_cidr sub;
	uint32_t gw = 0;
	bool owned = false;
	char a[16], b[16];

	if (c->has_subnet) {
		sub = c->subnet;
	} else if (c->mode != SK_NET_BRIDGED && !strcmp(c->network, SK_NET_DEFAULT_NAME)) {
		sk_cidr_parse(SK_NET_DEFAULT_SUBNET, true, &sub);
	} else {
		bool found = false;
		for (unsigned k = 1; k < 255 && !found; k++) {
			sub = (struct sk_cidr){ (10u << 24) | (89u << 16) | (k << 8), 24 };
			found = true;
			for (size_t i = 0; i < all->n; i++)
				if (sk_cidr_overlap(&sub, &all->v[i]->subnet))
					found = false;
		}
		if (!found)
			return sk_err_set(e, ENOSPC,
					  "network %s: no free 10.89.N.0/24 subnet; set org.skiff.net.subnet",
					  c->network);
	}
	for (size_t i = 0; i < all->n; i++)
		if (sk_cidr_overlap(&sub, &all->v[i]->subnet))
			return sk_err_set(e, EINVAL,
					  "org.skiff.net.subnet: %s/%u overlaps network %s (%s/%u)",
					  sk_ip4_str(sub.addr, a), sub.prefix, all->v[i]->name,
					  sk_ip4_str(all->v[i]->subnet.addr, b),
					  all->v[i]->subnet.prefix);
	if (c->ip && !sk_cidr_contains(&sub, c->ip))
		return sk_err_set(e, EINVAL, "org.skiff.net.ip: %s is outside subnet %s/%u",
				  sk_ip4_str(c->ip, a), sk_ip4_str(sub.addr, b), sub.prefix);
	if (c->mode == SK_NET_ROUTED || c->mode == SK_NET_NAT)
		gw = sk_cidr_network(&sub) + 1;
	else if (c->mode == SK_NET_BRIDGED)
		gw = c->gateway;
	if (c->mode != SK_NET_BRIDGED) {
		_cleanup_nl_ struct sk_nl *nl = NULL;
		struct sk_nl_link l;
		int r = sk_nl_open(&nl, e);
		if (r < 0)
			return r;
		r = sk_nl_link_get(nl, c->network, &l);
		if (r < 0 && r != -ENODEV)
			return sk_nl_err(nl, e, r, "network %s: look up bridge %s", c->network,
					 c->network);
		owned = r == -ENODEV;
	}
	*out = sk_ipam_new(c->network, c->mode, &sub, gw,
			   c->mode == SK_NET_BRIDGED ? c->bridge : c->network, owned);
	return 0;
}

static int reserve_locked(struct sk_net *n, char ***stale, struct sk_err *e)
{
	struct all_nets all = { 0 };
	struct sk_ipam_net *rec = NULL;
	_cleanup_ipam_ struct sk_ipam_net *fresh = NULL;
	_cleanup_free_ char *ports = NULL;
	uint32_t ip;
	int r;

	r = load_all(n->state_root, &all, e);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < all.n; i++)
		if (!strcmp(all.v[i]->name, n->cfg.network))
			rec = all.v[i];
	if (rec) {
		r = 0;
		/* compatibility was checked by prepare; recheck, it may have changed */
		if (rec->mode != n->cfg.mode) {
			r = sk_err_set(e, EINVAL,
				       "org.skiff.net.mode: network %s exists with mode %s",
				       rec->name, sk_net_mode_name(rec->mode));
			goto out;
		}
		if (n->cfg.has_subnet && (rec->subnet.addr != n->cfg.subnet.addr ||
					  rec->subnet.prefix != n->cfg.subnet.prefix)) {
			r = sk_err_set(e, EINVAL,
				       "org.skiff.net.subnet: network %s has another subnet",
				       rec->name);
			goto out;
		}
		sk_ipam_reclaim(rec, n->state_root, stale);
	} else {
		r = new_record(n, &all, &fresh, e);
		if (r < 0)
			goto out;
		rec = fresh;
	}
	r = check_ports(n, &all, e);
	if (r < 0)
		goto out;
	ports = sk_ports_str(n->cfg.ports, n->cfg.n_ports);
	r = -EADDRINUSE;
	if (!n->cfg.ip && n->prefer) {
		struct sk_err ignore;
		r = sk_ipam_alloc(rec, n->id, n->prefer, ports, &ip, &ignore);
		if (r < 0)
			sk_debug(n->log, "container %s: its address before is taken: %s", n->id,
				 ignore.msg);
	}
	if (r < 0)
		r = sk_ipam_alloc(rec, n->id, n->cfg.ip, ports, &ip, e);
	if (r < 0)
		goto out;
	r = sk_ipam_save(n->state_root, rec, e);
	if (r < 0)
		goto out;
	n->ip = ip;
	n->subnet = rec->subnet;
	n->gateway = rec->gateway;
	memcpy(n->bridge, rec->bridge, sizeof(n->bridge));
	snprintf(n->address, sizeof(n->address), "%s/%u", sk_ip4_str(ip, (char[16]){ 0 }),
		 rec->subnet.prefix);
out:
	all_nets_clear(&all);
	return r;
}

int sk_net_release_lease(struct sk_net *n, struct sk_err *e)
{
	_cleanup_close_ int lock = -1;
	_cleanup_ipam_ struct sk_ipam_net *rec = NULL;
	int r;

	r = sk_ipam_lock(n->state_root, &lock, e);
	if (r < 0)
		return r;
	r = sk_ipam_load(n->state_root, n->cfg.network, &rec, e);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (!sk_ipam_release(rec, n->id))
		return 0;
	return sk_ipam_save(n->state_root, rec, e);
}

/* A world-readable file (the container's users read /etc/hosts). */
static int write_public(int dfd, const char *name, const char *text, struct sk_err *e)
{
	_cleanup_free_ char *tmp = sk_xasprintf(".%s.tmp", name);
	int r = sk_write_file_at(dfd, tmp, text, strlen(text), O_CREAT | O_TRUNC, 0644, e);
	if (r < 0)
		return r;
	if (fchmodat(dfd, tmp, 0644, 0) < 0 || renameat(dfd, tmp, dfd, name) < 0) {
		r = errno;
		unlinkat(dfd, tmp, 0);
		return sk_err_sys(e, r, "write %s", name);
	}
	return 0;
}

static void add_mount(struct sk_net *n, const char *dest, const char *src)
{
	struct oci_mount *m = &n->mounts[n->n_mounts++];
	memset(m, 0, sizeof(*m));
	m->destination = sk_xstrdup(dest);
	m->source = sk_xstrdup(src);
	m->type = sk_xstrdup("bind");
	m->options = sk_xcalloc(2, sizeof(char *));
	m->options[0] = sk_xstrdup("bind");
	m->n_options = 1;
}

void sk_net_load_mounts(struct sk_net *n)
{
	_cleanup_free_ char *p1 = NULL, *p2 = NULL;

	if (!n->reserved || !n->state_dir || n->n_mounts)
		return;
	p1 = sk_xasprintf("%s/hosts", n->state_dir);
	p2 = sk_xasprintf("%s/resolv.conf", n->state_dir);
	if (access(p1, F_OK) == 0)
		add_mount(n, "/etc/hosts", p1);
	if (access(p2, F_OK) == 0)
		add_mount(n, "/etc/resolv.conf", p2);
}

int sk_net_prefer_address(struct sk_net *n, const char *address, struct sk_err *e)
{
	_cleanup_free_ char *a = sk_xstrdup(address);

	if (!n)
		return 0;
	a[strcspn(a, "/")] = '\0';
	if (sk_ip4_parse(a, &n->prefer) < 0)
		return sk_err_set(e, EINVAL, "bad address \"%s\"", address);
	return 0;
}

static int write_files(struct sk_net *n, const char *state_dir, struct sk_err *e)
{
	_cleanup_close_ int dfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *hosts = NULL, *resolv = NULL, *host_resolv = NULL;
	_cleanup_free_ char *p1 = NULL, *p2 = NULL;
	struct sk_err ignore;
	int r;

	if (dfd < 0)
		return sk_err_sys(e, errno, "open state directory %s", state_dir);
	hosts = sk_net_hosts_text(n->hostname ? n->hostname : n->id, n->ip);
	r = write_public(dfd, "hosts", hosts, e);
	if (r < 0)
		return sk_err_prefix(e, "%s", state_dir);
	if (n->cfg.mode != SK_NET_ISOLATED && !(n->cfg.dns && n->cfg.dns[0]))
		sk_ignore(sk_read_file_at(AT_FDCWD, "/etc/resolv.conf", &host_resolv, NULL, &ignore));
	resolv = sk_net_resolv_text(n->cfg.dns, host_resolv);
	if (resolv) {
		r = write_public(dfd, "resolv.conf", resolv, e);
		if (r < 0)
			return sk_err_prefix(e, "%s", state_dir);
	}
	p1 = sk_xasprintf("%s/hosts", state_dir);
	add_mount(n, "/etc/hosts", p1);
	if (resolv) {
		p2 = sk_xasprintf("%s/resolv.conf", state_dir);
		add_mount(n, "/etc/resolv.conf", p2);
	}
	return 0;
}

static void unplug_stale(struct sk_net *n, char **ids)
{
	for (size_t i = 0; ids && ids[i]; i++) {
		struct sk_err e2 = { 0 };
		sk_debug(n->log, "network %s: reclaiming the lease of vanished container %s",
			 n->cfg.network, ids[i]);
		if (sk_net_unplug(ids[i], &e2) < 0)
			sk_warn(n->log, "cleaning up vanished container %s: %s", ids[i], e2.msg);
	}
}

int sk_net_reserve(struct sk_net *n, const char *state_dir, struct sk_err *e)
{
	_cleanup_close_ int lock = -1;
	_cleanup_strv_ char **stale = NULL;
	struct sk_err e2;
	int r;

	if (!n)
		return 0;
	if (n->reserved)
		return sk_err_set(e, EALREADY, "container %s: network already reserved", n->id);
	r = sk_ipam_lock(n->state_root, &lock, e);
	if (r < 0)
		return r;
	r = reserve_locked(n, &stale, e);
	close(sk_steal_fd(&lock));
	unplug_stale(n, stale);
	if (r < 0)
		return sk_err_prefix(e, "container %s", n->id);
	n->reserved = true;
	free(n->state_dir);
	n->state_dir = sk_xstrdup(state_dir);
	r = write_files(n, state_dir, e);
	if (r < 0) {
		for (size_t i = 0; i < n->n_mounts; i++) {
			free(n->mounts[i].destination);
			free(n->mounts[i].source);
			free(n->mounts[i].type);
			sk_strv_free(n->mounts[i].options);
		}
		n->n_mounts = 0;
		if (sk_net_release_lease(n, &e2) < 0)
			sk_warn(n->log, "container %s: releasing its lease: %s", n->id, e2.msg);
		n->reserved = false;
		return r;
	}
	return 0;
}

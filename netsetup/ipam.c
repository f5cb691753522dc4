/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ipam.c - address leases per network: a record per network under
 * <root>/networks/<name>/network, changed under an flock on
 * <root>/networks/.lock.  Record (oci.h's format):
 *
 *   {"version": 1, "name": "skiff0", "mode": "nat", "subnet": "10.89.0.0/24",
 *    "gateway": "10.89.0.1" (null: none), "bridge": "skiff0",
 *    "owned": true (skiff made the bridge),
 *    "leases": [{"id": ID, "ip": "10.89.0.2", "ports": "8080:80/tcp"}, ...]}
 *
 * An older skiff's text record (version 0) is still read:
 *   name skiff0 / mode nat / subnet A/N / gateway A ("-": none) / bridge B /
 *   owned 1 / lease ID 10.89.0.2 8080:80/tcp ("-": no ports), one a line.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#define RECORD "network"

int sk_ipam_lock(const char *root, int *fd, struct sk_err *e)
{
	_cleanup_free_ char *dir = sk_xasprintf("%s/networks", root);
	_cleanup_free_ char *path = sk_xasprintf("%s/.lock", dir);
	_cleanup_close_ int f = -1;
	int r;

	r = sk_mkdir_p(dir, 0700, e);
	if (r < 0)
		return r;
	f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (f < 0)
		return sk_err_sys(e, errno, "open %s", path);
	while (flock(f, LOCK_EX) < 0) {
		if (errno != EINTR)
			return sk_err_sys(e, errno, "lock %s", path);
	}
	*fd = sk_steal_fd(&f);
	return 0;
}

struct sk_ipam_net *sk_ipam_new(const char *name, enum sk_net_mode mode, const struct sk_cidr *subnet,
				uint32_t gateway, const char *bridge, bool owned)
{
	struct sk_ipam_net *n = sk_xcalloc(1, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", name);
	n->mode = mode;
	n->subnet = *subnet;
	n->gateway = gateway;
	snprintf(n->bridge, sizeof(n->bridge), "%s", bridge ? bridge : "");
	n->owned = owned;
	return n;
}

void sk_ipam_free(struct sk_ipam_net *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_leases; i++) {
		free(n->leases[i].id);
		free(n->leases[i].ports);
	}
	free(n->leases);
	free(n);
}

static void add_lease(struct sk_ipam_net *n, const char *id, uint32_t ip, const char *ports)
{
	n->leases = sk_xrealloc(n->leases, (n->n_leases + 1) * sizeof(*n->leases));
	n->leases[n->n_leases++] = (struct sk_lease){ .id = sk_xstrdup(id),
						      .ip = ip,
						      .ports = sk_xstrdup(ports ? ports : "") };
}

enum { HAVE_NAME = 1, HAVE_MODE = 2, HAVE_SUBNET = 4, HAVE_ALL = 7 };

/* A member of either format ("-" or "" is no gateway): 0, or -1 when bad. */
static int set_member(struct sk_ipam_net *n, const char *k, const char *a, unsigned *have)
{
	if (!strcmp(k, "name")) {
		if (!sk_net_name_valid(a))
			return -1;
		memcpy(n->name, a, strlen(a) + 1);
		*have |= HAVE_NAME;
	} else if (!strcmp(k, "mode")) {
		if (sk_net_mode_parse(a, &n->mode) < 0 || n->mode == SK_NET_NONE)
			return -1;
		*have |= HAVE_MODE;
	} else if (!strcmp(k, "subnet")) {
		if (sk_cidr_parse(a, true, &n->subnet) < 0)
			return -1;
		*have |= HAVE_SUBNET;
	} else if (!strcmp(k, "gateway")) {
		n->gateway = 0;
		if (strcmp(a, "-") && *a && sk_ip4_parse(a, &n->gateway) < 0)
			return -1;
	} else if (!strcmp(k, "bridge")) {
		if (!sk_net_name_valid(a))
			return -1;
		memcpy(n->bridge, a, strlen(a) + 1);
	}
	/* unknown keys: written by a newer skiff; ignored */
	return 0;
}

static int add_checked_lease(struct sk_ipam_net *n, const char *id, const char *ip, const char *ports)
{
	uint32_t a;

	if (!id || !ip || !sk_net_id_valid(id) || sk_ip4_parse(ip, &a) < 0)
		return -1;
	add_lease(n, id, a, ports);
	return 0;
}

static const char *const members[] = { "name", "mode", "subnet", "gateway", "bridge", NULL };

static int parse_record(const char *text, struct sk_ipam_net *n, unsigned *have, struct sk_err *e)
{
	struct yajl_val_s *root = NULL;
	const struct yajl_val_s *leases;
	unsigned version;
	int r = sk_rec_parse(text, &root, &version, e);

	for (const char *const *k = members; r == 0 && *k; k++) {
		_cleanup_free_ char *v = NULL;
		r = sk_rec_get_str(root, *k, &v, e);
		if (r == 0 && v && *v && set_member(n, *k, v, have) < 0)
			r = sk_err_set(e, EINVAL, "bad %s \"%s\"", *k, v);
	}
	if (r == 0)
		r = sk_rec_get_bool(root, "owned", &n->owned, e);
	leases = sk_rec_get(root, "leases");
	for (size_t i = 0; r == 0 && i < sk_rec_len(leases); i++) {
		const struct yajl_val_s *l = sk_rec_at(leases, i, NULL);
		_cleanup_free_ char *id = NULL, *ip = NULL, *ports = NULL;
		if (sk_rec_get_str(l, "id", &id, e) < 0 || sk_rec_get_str(l, "ip", &ip, e) < 0 ||
		    sk_rec_get_str(l, "ports", &ports, e) < 0 ||
		    add_checked_lease(n, id, ip, ports) < 0)
			r = sk_err_set(e, EINVAL, "bad lease %zu", i + 1);
	}
	sk_rec_free(root);
	return r;
}

static int parse_v0(const char *text, struct sk_ipam_net *n, unsigned *have, struct sk_err *e)
{
	_cleanup_free_ char *copy = sk_xstrdup(text);
	char *save = NULL, *line;
	unsigned lineno = 0;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char k[16], a[1100], b[1100], c[20480];
		int f;
		lineno++;
		if (line[0] == '#' || !line[0])
			continue;
		if (strlen(line) >= sizeof(c))
			return sk_err_set(e, EINVAL, "line %u: too long", lineno);
		f = sscanf(line, "%15s %1099s %1099s %20479s", k, a, b, c);
		if (f < 2)
			goto bad;
		if (!strcmp(k, "owned"))
			n->owned = !strcmp(a, "1");
		else if (!strcmp(k, "lease")
				 ? f < 3 || add_checked_lease(n, a, b,
							      f >= 4 && strcmp(c, "-") ? c : "") < 0
				 : set_member(n, k, a, have) < 0)
			goto bad;
		continue;
bad:
		return sk_err_set(e, EINVAL, "line %u: malformed \"%s\"", lineno, line);
	}
	return 0;
}

int sk_ipam_parse(const char *text, struct sk_ipam_net **out, struct sk_err *e)
{
	_cleanup_ipam_ struct sk_ipam_net *n = sk_xcalloc(1, sizeof(*n));
	unsigned have = 0;
	int r;

	r = sk_rec_is_json(text) ? parse_record(text, n, &have, e) : parse_v0(text, n, &have, e);
	if (r < 0)
		return r;
	if (have != HAVE_ALL)
		return sk_err_set(e, EINVAL, "missing name, mode or subnet");
	*out = sk_steal_ptr(&n);
	return 0;
}

char *sk_ipam_format(const struct sk_ipam_net *n)
{
	char a[24];
	struct sk_rec *w = sk_rec_new();

	sk_rec_str(w, "name", n->name);
	sk_rec_str(w, "mode", sk_net_mode_name(n->mode));
	snprintf(a, sizeof(a), "%s/%u", sk_ip4_str(n->subnet.addr, (char[16]){ 0 }),
		 n->subnet.prefix);
	sk_rec_str(w, "subnet", a);
	sk_rec_str(w, "gateway", n->gateway ? sk_ip4_str(n->gateway, a) : NULL);
	sk_rec_str(w, "bridge", n->bridge);
	sk_rec_bool(w, "owned", n->owned);
	sk_rec_open(w, "leases", '[');
	for (size_t i = 0; i < n->n_leases; i++) {
		sk_rec_open(w, NULL, '{');
		sk_rec_str(w, "id", n->leases[i].id);
		sk_rec_str(w, "ip", sk_ip4_str(n->leases[i].ip, a));
		sk_rec_str(w, "ports", n->leases[i].ports ? n->leases[i].ports : "");
		sk_rec_close(w, '}');
	}
	sk_rec_close(w, ']');
	return sk_rec_finish(w);
}

int sk_ipam_load(const char *root, const char *name, struct sk_ipam_net **out, struct sk_err *e)
{
	_cleanup_free_ char *path = sk_xasprintf("%s/networks/%s/" RECORD, root, name);
	_cleanup_free_ char *text = NULL;
	int r;

	if (!sk_net_name_valid(name))
		return sk_err_set(e, EINVAL, "network name \"%s\" is not valid", name);
	r = sk_read_file_at(AT_FDCWD, path, &text, NULL, e);
	if (r == -ENOENT)
		return sk_err_set(e, ENOENT, "network %s does not exist", name);
	if (r < 0)
		return r;
	r = sk_ipam_parse(text, out, e);
	if (r < 0)
		return sk_err_prefix(e, "%s", path);
	return 0;
}

int sk_ipam_save(const char *root, const struct sk_ipam_net *n, struct sk_err *e)
{
	_cleanup_free_ char *dir = sk_xasprintf("%s/networks/%s", root, n->name);
	_cleanup_free_ char *text = sk_ipam_format(n);
	_cleanup_close_ int dfd = -1;
	int r;

	r = sk_mkdir_p(dir, 0700, e);
	if (r < 0)
		return r;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return sk_err_sys(e, errno, "open %s", dir);
	r = sk_write_file_atomic(dfd, RECORD, text, strlen(text), e);
	if (r < 0)
		return sk_err_prefix(e, "%s", dir);
	return 0;
}

int sk_ipam_remove(const char *root, const char *name, struct sk_err *e)
{
	_cleanup_free_ char *dir = sk_xasprintf("%s/networks/%s", root, name);
	int r;

	if (!sk_net_name_valid(name))
		return sk_err_set(e, EINVAL, "network name \"%s\" is not valid", name);
	r = sk_rm_rf(dir);
	if (r < 0)
		return sk_err_sys(e, r, "remove %s", dir);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sk_ipam_list(const char *root, char ***names, struct sk_err *e)
{
	_cleanup_free_ char *dir = sk_xasprintf("%s/networks", root);
	_cleanup_(sk_strv_buf_freep) struct sk_strv_buf v = { 0 };
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d) {
		if (errno == ENOENT) {
			*names = sk_xcalloc(1, sizeof(char *));
			return 0;
		}
		return sk_err_sys(e, errno, "open %s", dir);
	}
	while ((de = readdir(d))) {
		struct stat st;
		_cleanup_free_ char *rec = NULL;
		if (!sk_net_name_valid(de->d_name) || de->d_name[0] == '.')
			continue;
		rec = sk_xasprintf("%s/%s/" RECORD, dir, de->d_name);
		if (stat(rec, &st) == 0)
			sk_strv_buf_add(&v, de->d_name);
	}
	closedir(d);
	if (v.n)
		qsort(v.v, v.n, sizeof(char *), cmp_str);
	*names = v.v ? sk_steal_ptr(&v.v) : sk_xcalloc(1, sizeof(char *));
	return 0;
}

const struct sk_lease *sk_ipam_find(const struct sk_ipam_net *n, const char *id)
{
	for (size_t i = 0; i < n->n_leases; i++)
		if (!strcmp(n->leases[i].id, id))
			return &n->leases[i];
	return NULL;
}

bool sk_ipam_release(struct sk_ipam_net *n, const char *id)
{
	for (size_t i = 0; i < n->n_leases; i++) {
		if (strcmp(n->leases[i].id, id))
			continue;
		free(n->leases[i].id);
		free(n->leases[i].ports);
		memmove(&n->leases[i], &n->leases[i + 1], (n->n_leases - i - 1) * sizeof(*n->leases));
		n->n_leases--;
		return true;
	}
	return false;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int sk_ipam_alloc(struct sk_ipam_net *n, const char *id, uint32_t want, const char *ports,
		  uint32_t *got, struct sk_err *e)
{
	uint32_t first = sk_cidr_network(&n->subnet) + 1, last = sk_cidr_broadcast(&n->subnet) - 1;
	char b1[16], b2[16];

	sk_ipam_release(n, id);
	if (want) {
		if (!sk_cidr_contains(&n->subnet, want))
			return sk_err_set(e, EINVAL,
					  "address %s is outside network %s's subnet %s/%u",
					  sk_ip4_str(want, b1), n->name,
					  sk_ip4_str(n->subnet.addr, b2), n->subnet.prefix);
		if (want < first || want > last)
			return sk_err_set(e, EINVAL,
					  "address %s is the network or broadcast address of network %s",
					  sk_ip4_str(want, b1), n->name);
		if (want == n->gateway)
			return sk_err_set(e, EADDRINUSE, "address %s is network %s's gateway",
					  sk_ip4_str(want, b1), n->name);
		for (size_t i = 0; i < n->n_leases; i++)
			if (n->leases[i].ip == want)
				return sk_err_set(e, EADDRINUSE,
						  "address %s is already used by container %s on network %s",
						  sk_ip4_str(want, b1), n->leases[i].id, n->name);
		add_lease(n, id, want, ports);
		*got = want;
		return 0;
	} else {
		_cleanup_free_ uint32_t *used = sk_xcalloc(n->n_leases + 1, sizeof(uint32_t));
		size_t nu = 0, j = 0;
		uint32_t a;

		for (size_t i = 0; i < n->n_leases; i++)
			used[nu++] = n->leases[i].ip;
		if (n->gateway)
			used[nu++] = n->gateway;
		qsort(used, nu, sizeof(*used), cmp_u32);
		for (a = first; a <= last; a++) {
			while (j < nu && used[j] < a)
				j++;
			if (j < nu && used[j] == a)
				continue;
			add_lease(n, id, a, ports);
			*got = a;
			return 0;
		}
		return sk_err_set(e, ENOSPC,
				  "network %s: no free address left in %s/%u (%zu leases)", n->name,
				  sk_ip4_str(n->subnet.addr, b1), n->subnet.prefix, n->n_leases);
	}
}

size_t sk_ipam_reclaim(struct sk_ipam_net *n, const char *state_root, char ***ids)
{
	size_t count = 0;
	struct sk_strv_buf b = sk_strv_buf_of(ids ? *ids : NULL);

	for (size_t i = 0; i < n->n_leases;) {
		_cleanup_free_ char *p = sk_xasprintf("%s/%s", state_root, n->leases[i].id);
		struct stat st;
		if (stat(p, &st) == 0 || errno != ENOENT) {
			i++;
			continue;
		}
		if (ids)
			sk_strv_buf_add(&b, n->leases[i].id);
		sk_ipam_release(n, n->leases[i].id);
		count++;
	}
	if (ids)
		*ids = b.v;
	return count;
}

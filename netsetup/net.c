/* SPDX-License-Identifier: GPL-2.0-or-later */
/* net.c - struct sk_net: prepare (validate), serialize / load, accessors. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "internal.h"

#include <errno.h>
#include <string.h>

/* The record's plain members (the addresses and names are written apart). */
#define NET(kind, key, m) SK_REC_FIELD(struct sk_net, kind, key, m)
SK_REC_TABLE(net_fields, NET(STR, "hostname", hostname), NET(STR, "state_dir", state_dir),
	     NET(BOOL, "reserved", reserved));
#undef NET

void sk_net_free(struct sk_net *n)
{
	if (!n)
		return;
	sk_rec_free_fields(net_fields, n);
	sk_netcfg_clear(&n->cfg);
	for (size_t i = 0; i < n->n_mounts; i++) {
		free(n->mounts[i].destination);
		free(n->mounts[i].source);
		free(n->mounts[i].type);
		sk_strv_free(n->mounts[i].options);
	}
	free(n->state_root);
	free(n->id);
	free(n);
}

const char *sk_net_address(const struct sk_net *n)
{
	return n && n->reserved ? n->address : NULL;
}

const char *sk_net_mode_str(const struct sk_net *n)
{
	return sk_net_mode_name(n ? n->cfg.mode : SK_NET_NONE);
}

const struct oci_mount *sk_net_mounts(const struct sk_net *n, size_t *count)
{
	*count = n ? n->n_mounts : 0;
	return n && n->n_mounts ? n->mounts : NULL;
}

static bool hostname_ok(const char *h)
{
	if (!h || !*h || strlen(h) > 253)
		return false;
	for (; *h; h++)
		if ((unsigned char)*h <= ' ' || *h == 0x7f)
			return false;
	return true;
}

static struct sk_net *net_new(const struct sk_log *log, const char *root, const char *id)
{
	struct sk_net *n = sk_xcalloc(1, sizeof(*n));
	n->log = log;
	n->state_root = sk_xstrdup(root);
	n->id = sk_xstrdup(id);
	sk_net_hash(id, n->hash);
	sk_net_ifname(id, n->ifname);
	return n;
}

/* Checks against an existing record of the same name. */
static int check_compat(const struct sk_netcfg *c, const struct sk_ipam_net *rec, struct sk_err *e)
{
	char a[16], b[16];

	if (rec->mode != c->mode)
		return sk_err_set(e, EINVAL,
				  "org.skiff.net.mode: network %s exists with mode %s, not %s (pick "
				  "another org.skiff.net.network)",
				  rec->name, sk_net_mode_name(rec->mode), sk_net_mode_name(c->mode));
	if (c->has_subnet &&
	    (c->subnet.addr != rec->subnet.addr || c->subnet.prefix != rec->subnet.prefix))
		return sk_err_set(e, EINVAL,
				  "org.skiff.net.subnet: network %s exists with subnet %s/%u, not %s/%u",
				  rec->name, sk_ip4_str(rec->subnet.addr, a), rec->subnet.prefix,
				  sk_ip4_str(c->subnet.addr, b), c->subnet.prefix);
	if (c->mode == SK_NET_BRIDGED && strcmp(c->bridge, rec->bridge))
		return sk_err_set(e, EINVAL,
				  "org.skiff.net.bridge: network %s uses bridge %s, not %s",
				  rec->name, rec->bridge, c->bridge);
	if (c->mode == SK_NET_BRIDGED && c->gateway && c->gateway != rec->gateway)
		return sk_err_set(e, EINVAL, "org.skiff.net.gateway: network %s uses gateway %s",
				  rec->name, rec->gateway ? sk_ip4_str(rec->gateway, a) : "(none)");
	if (c->ip && !sk_cidr_contains(&rec->subnet, c->ip))
		return sk_err_set(e, EINVAL,
				  "org.skiff.net.ip: %s is outside network %s's subnet %s/%u",
				  sk_ip4_str(c->ip, a), rec->name, sk_ip4_str(rec->subnet.addr, b),
				  rec->subnet.prefix);
	if (c->ip && c->ip == rec->gateway)
		return sk_err_set(e, EINVAL, "org.skiff.net.ip: %s is network %s's gateway",
				  sk_ip4_str(c->ip, a), rec->name);
	return 0;
}

int sk_net_prepare(const struct sk_log *log, const char *state_root, const char *id,
		   const struct oci_config *cfg, struct sk_net **out, struct sk_err *e)
{
	const struct oci_namespace *ns = &cfg->lnx.namespaces[OCI_NS_NET];
	_cleanup_net_ struct sk_net *n = NULL;
	_cleanup_ipam_ struct sk_ipam_net *rec = NULL;
	_cleanup_nl_ struct sk_nl *nl = NULL;
	struct sk_nl_link l;
	struct sk_err tmp = { 0 };
	int r;

	*out = NULL;
	if (ns->present && ns->path) {
		for (size_t i = 0; i < cfg->n_annotations; i++)
			if (cfg->annotations[i].key &&
			    !strncmp(cfg->annotations[i].key, "org.skiff.net.", 14)) {
				sk_warn(log, "container %s joins network namespace %s: %s ignored",
					id, ns->path, cfg->annotations[i].key);
				break;
			}
		return 0;
	}
	n = net_new(log, state_root, id);
	r = sk_netcfg_parse(cfg->annotations, cfg->n_annotations, &n->cfg, e);
	if (r < 0)
		return r;
	if (n->cfg.mode == SK_NET_NONE)
		return 0;
	if (!ns->present)
		return sk_err_set(e, EINVAL,
				  "org.skiff.net.mode=%s needs a new network namespace (add {\"type\": "
				  "\"network\"} to linux.namespaces)",
				  sk_net_mode_name(n->cfg.mode));
	if (!sk_net_id_valid(id))
		return sk_err_set(e, EINVAL, "container ID \"%s\" is not valid for networking", id);
	n->hostname = sk_xstrdup(hostname_ok(cfg->hostname) ? cfg->hostname : id);

	r = sk_ipam_load(state_root, n->cfg.network, &rec, &tmp);
	if (r < 0 && r != -ENOENT)
		return sk_err_set(e, tmp.code, "%s", tmp.msg);
	if (rec) {
		r = check_compat(&n->cfg, rec, e);
		if (r < 0)
			return r;
	} else if (n->cfg.ip && !n->cfg.has_subnet &&
		   (n->cfg.mode == SK_NET_BRIDGED || strcmp(n->cfg.network, SK_NET_DEFAULT_NAME))) {
		return sk_err_set(e, EINVAL,
				  "org.skiff.net.ip: network %s does not exist yet: give "
				  "org.skiff.net.subnet too",
				  n->cfg.network);
	} else if (n->cfg.ip && !n->cfg.has_subnet) {
		struct sk_cidr def;
		sk_cidr_parse(SK_NET_DEFAULT_SUBNET, true, &def);
		if (!sk_cidr_contains(&def, n->cfg.ip))
			return sk_err_set(e, EINVAL,
					  "org.skiff.net.ip: address is outside the default subnet %s",
					  SK_NET_DEFAULT_SUBNET);
	}

	r = sk_nl_open(&nl, e);
	if (r < 0)
		return r;
	if (n->cfg.mode == SK_NET_BRIDGED) {
		r = sk_nl_link_get(nl, n->cfg.bridge, &l);
		if (r == -ENODEV)
			return sk_err_set(e, ENODEV, "org.skiff.net.bridge: no interface named %s",
					  n->cfg.bridge);
		if (r < 0)
			return sk_nl_err(nl, e, r, "org.skiff.net.bridge: look up %s", n->cfg.bridge);
		if (strcmp(l.kind, "bridge"))
			return sk_err_set(e, EINVAL, "org.skiff.net.bridge: %s is not a bridge (%s)",
					  n->cfg.bridge, l.kind[0] ? l.kind : "a device");
	} else if (!rec) {
		r = sk_nl_link_get(nl, n->cfg.network, &l);
		if (r < 0 && r != -ENODEV)
			return sk_nl_err(nl, e, r, "org.skiff.net.network: look up %s",
					 n->cfg.network);
		if (r == 0 && strcmp(l.kind, "bridge"))
			return sk_err_set(e, EEXIST,
					  "org.skiff.net.network: %s names an existing interface that "
					  "is not a bridge",
					  n->cfg.network);
	}
	*out = sk_steal_ptr(&n);
	return 0;
}

/* ---------------------------------------------------------- serialization */

/* {"version": 1, "id", "mode", "network", "bridge", "subnet": "A/N", "ip",
 *  "gateway", "ports": "H:C/tcp,...", "dns": [...], "hostname", "state_dir",
 *  "reserved"} */
char *sk_net_serialize(const struct sk_net *n)
{
	char a[24];
	_cleanup_free_ char *ports = sk_ports_str(n->cfg.ports, n->cfg.n_ports);
	struct sk_rec *w = sk_rec_new();

	sk_rec_str(w, "id", n->id);
	sk_rec_str(w, "mode", sk_net_mode_name(n->cfg.mode));
	sk_rec_str(w, "network", n->cfg.network);
	sk_rec_str(w, "bridge", n->bridge);
	snprintf(a, sizeof(a), "%s/%u", sk_ip4_str(n->subnet.addr, (char[16]){ 0 }),
		 n->subnet.prefix);
	sk_rec_str(w, "subnet", a);
	sk_rec_str(w, "ip", sk_ip4_str(n->ip, a));
	sk_rec_str(w, "gateway", sk_ip4_str(n->gateway, a));
	sk_rec_str(w, "ports", ports);
	sk_rec_open(w, "dns", '[');
	for (size_t i = 0; n->cfg.dns && n->cfg.dns[i]; i++)
		sk_rec_str(w, NULL, n->cfg.dns[i]);
	sk_rec_close(w, ']');
	sk_rec_put_fields(w, net_fields, n);
	return sk_rec_finish(w);
}

/* One string member KEY of either format: 1 when taken, 0 when not ours;
 * an error (-errno) says what is wrong with it, without "network state". */
static int set_member(struct sk_net *n, const char *key, const char *v, struct sk_err *e)
{
	bool bad = false;

	if (!strcmp(key, "mode")) {
		bad = sk_net_mode_parse(v, &n->cfg.mode) < 0;
	} else if (!strcmp(key, "network")) {
		bad = !sk_net_name_valid(v);
		if (!bad)
			memcpy(n->cfg.network, v, strlen(v) + 1);
	} else if (!strcmp(key, "bridge")) {
		if (*v && sk_net_name_valid(v)) {
			memcpy(n->bridge, v, strlen(v) + 1);
			if (n->cfg.mode == SK_NET_BRIDGED)
				memcpy(n->cfg.bridge, v, strlen(v) + 1);
		}
	} else if (!strcmp(key, "subnet")) {
		bad = sk_cidr_parse(v, true, &n->subnet) < 0;
	} else if (!strcmp(key, "ip")) {
		bad = sk_ip4_parse(v, &n->ip) < 0;
	} else if (!strcmp(key, "gateway")) {
		bad = sk_ip4_parse(v, &n->gateway) < 0;
	} else if (!strcmp(key, "ports")) {
		if (*v && sk_ports_parse(v, &n->cfg.ports, &n->cfg.n_ports, e) < 0)
			return -e->code;
	} else {
		return 0;
	}
	if (bad)
		return sk_err_set(e, EINVAL, "bad %s \"%s\"", key, v);
	return 1;
}

static const char *const members[] = { "mode", "network", "bridge", "subnet",
				       "ip",   "gateway", "ports",  NULL };

static int load_record(struct sk_net *n, const struct yajl_val_s *root, struct sk_err *e)
{
	const struct yajl_val_s *dns = sk_rec_get(root, "dns");
	struct sk_strv_buf b = sk_strv_buf_of(n->cfg.dns);
	int r = 0;

	for (const char *const *k = members; r >= 0 && *k; k++) {
		_cleanup_free_ char *v = NULL;
		r = sk_rec_get_str(root, *k, &v, e);
		if (r == 0 && v)
			r = set_member(n, *k, v, e);
	}
	for (size_t i = 0; r >= 0 && i < sk_rec_len(dns); i++) {
		_cleanup_free_ char *v = NULL;
		r = sk_rec_str_of(sk_rec_at(dns, i, NULL), "dns", &v, e);
		if (r == 0 && v)
			sk_strv_buf_add(&b, v);
	}
	n->cfg.dns = b.v;
	if (r >= 0)
		r = sk_rec_get_fields(root, net_fields, n, e);
	return r < 0 ? sk_err_prefix(e, "network state") : 0;
}

/* Version 0, an older skiff's: "version=1\nid=...\nmode=...\n..." lines
 * (dns comma-separated, reserved=1). */
static int load_v0(struct sk_net *n, const char *text, struct sk_err *e)
{
	_cleanup_free_ char *copy = sk_xstrdup(text);
	char *save = NULL, *line;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '='), *v;
		int r;
		if (!eq)
			continue;
		*eq = '\0';
		v = eq + 1;
		r = set_member(n, line, v, e);
		if (r < 0)
			return sk_err_prefix(e, "network state");
		if (!strcmp(line, "dns")) {
			char *s2 = NULL;
			struct sk_strv_buf b = sk_strv_buf_of(n->cfg.dns);
			for (char *t = strtok_r(v, ",", &s2); t; t = strtok_r(NULL, ",", &s2))
				sk_strv_buf_add(&b, t);
			n->cfg.dns = b.v;
		} else if (!strcmp(line, "hostname")) {
			free(n->hostname);
			n->hostname = sk_xstrdup(v);
		} else if (!strcmp(line, "state_dir")) {
			free(n->state_dir);
			n->state_dir = *v ? sk_xstrdup(v) : NULL;
		} else if (!strcmp(line, "reserved")) {
			n->reserved = !strcmp(v, "1");
		}
	}
	return 0;
}

/* The ID of either format (malloc'd), or NULL. */
static char *record_id(const char *text, const struct yajl_val_s *root)
{
	const char *p;
	char *id = NULL;
	struct sk_err ign;

	if (root) {
		sk_ignore(sk_rec_get_str(root, "id", &id, &ign));
		return id;
	}
	for (p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, "id=", 3)) {
			free(id);
			id = strndup(p + 3, strcspn(p + 3, "\n"));
		}
	return id;
}

int sk_net_load(const struct sk_log *log, const char *state_root, const char *serialized,
		struct sk_net **out, struct sk_err *e)
{
	const char *text = serialized ? serialized : "";
	struct yajl_val_s *root = NULL;
	_cleanup_net_ struct sk_net *n = NULL;
	_cleanup_free_ char *id = NULL;
	unsigned version;
	int r;

	if (sk_rec_is_json(text) && sk_rec_parse(text, &root, &version, e) < 0)
		return sk_err_prefix(e, "network state");
	/* the ID first: it names everything else */
	id = record_id(text, root);
	if (!id || !sk_net_id_valid(id)) {
		sk_rec_free(root);
		return sk_err_set(e, EINVAL, "network state: missing or invalid id");
	}
	n = net_new(log, state_root, id);
	r = root ? load_record(n, root, e) : load_v0(n, text, e);
	sk_rec_free(root);
	if (r < 0)
		return r;
	if (n->cfg.mode == SK_NET_NONE || !n->cfg.network[0])
		return sk_err_set(e, EINVAL, "network state: missing mode or network");
	n->cfg.ip = n->ip;
	snprintf(n->address, sizeof(n->address), "%s/%u", sk_ip4_str(n->ip, (char[16]){ 0 }),
		 n->subnet.prefix);
	sk_net_load_mounts(n);
	*out = sk_steal_ptr(&n);
	return 0;
}

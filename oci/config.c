/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.c - OCI runtime-spec 1.2 config.json: the top level (ociVersion,
 * root, mounts, hostname, hooks, annotations) and the public entry points.
 * process, linux, resources and seccomp live in config_*.c.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

const char *const cj_hook_names[OCI_HOOK__MAX] = {
	[OCI_HOOK_PRESTART] = "prestart",
	[OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
	[OCI_HOOK_CREATE_CONTAINER] = "createContainer",
	[OCI_HOOK_START_CONTAINER] = "startContainer",
	[OCI_HOOK_POSTSTART] = "poststart",
	[OCI_HOOK_POSTSTOP] = "poststop",
};

static const char *const ns_names[OCI_NS__MAX] = {
	[OCI_NS_PID] = "pid",
	[OCI_NS_NET] = "network",
	[OCI_NS_IPC] = "ipc",
	[OCI_NS_MNT] = "mount",
	[OCI_NS_UTS] = "uts",
	[OCI_NS_USER] = "user",
	[OCI_NS_CGROUP] = "cgroup",
	[OCI_NS_TIME] = "time",
};

const char *oci_ns_name(enum oci_ns_type t)
{
	if ((int)t < 0 || t >= OCI_NS__MAX)
		return NULL;
	return ns_names[t];
}

const char *oci_annotation(const struct oci_config *c, const char *key)
{
	if (!c || !key)
		return NULL;
	for (size_t i = 0; i < c->n_annotations; i++)
		if (!strcmp(c->annotations[i].key, key))
			return c->annotations[i].value;
	return NULL;
}

/* ------------------------------------------------------------------ free */

static void mount_clear(struct oci_mount *m)
{
	free(m->destination);
	free(m->source);
	free(m->type);
	sk_strv_free(m->options);
	free(m->uid_mappings);
	free(m->gid_mappings);
}

static void hook_clear(struct oci_hook *h)
{
	free(h->path);
	sk_strv_free(h->args);
	sk_strv_free(h->env);
}

void oci_config_free(struct oci_config *c)
{
	if (!c)
		return;
	free(c->oci_version);
	free(c->root_path);
	for (size_t i = 0; c->mounts && i < c->n_mounts; i++)
		mount_clear(&c->mounts[i]);
	free(c->mounts);
	oci_process_free(c->process);
	free(c->hostname);
	free(c->domainname);
	for (int k = 0; k < OCI_HOOK__MAX; k++) {
		for (size_t i = 0; c->hooks[k].v && i < c->hooks[k].n; i++)
			hook_clear(&c->hooks[k].v[i]);
		free(c->hooks[k].v);
	}
	cj_kv_free(c->annotations, c->n_annotations);
	cfg_linux_clear(&c->lnx);
	free(c);
}

void oci_process_free(struct oci_process *p)
{
	if (!p)
		return;
	cfg_process_clear(p);
	free(p);
}

/* ----------------------------------------------------------------- parse */

static int parse_root(yajl_val top, struct oci_config *c, struct sk_err *e)
{
	yajl_val root = NULL, path;
	int r;

	r = cj_object(top, "", "root", &root, e);
	if (r < 0)
		return r;
	if (!root)
		return cj_fail(e, "root", "path", "missing required field");
	r = cj_need(root, "root", "path", &path, e);
	if (r < 0)
		return r;
	r = cj_str(root, "root", "path", &c->root_path, e);
	if (r < 0)
		return r;
	if (!c->root_path[0])
		return cj_fail(e, "root", "path", "must not be empty");
	return cj_bool(root, "root", "readonly", &c->root_readonly, e);
}

static int parse_mount(yajl_val v, const char *path, struct oci_mount *m, struct sk_err *e)
{
	yajl_val x;
	int r;

	r = cj_is_object(v, path, e);
	if (r < 0)
		return r;
	r = cj_need(v, path, "destination", &x, e);
	if (r < 0)
		return r;
	r = cj_str(v, path, "destination", &m->destination, e);
	if (r < 0)
		return r;
	if (!m->destination[0])
		return cj_fail(e, path, "destination", "must not be empty");
	r = cj_str(v, path, "source", &m->source, e);
	if (r < 0)
		return r;
	r = cj_str(v, path, "type", &m->type, e);
	if (r < 0)
		return r;
	r = cj_strv(v, path, "options", &m->options, &m->n_options, e);
	if (r < 0)
		return r;
	r = cj_idmaps(v, path, "uidMappings", &m->uid_mappings, &m->n_uid_mappings, e);
	if (r < 0)
		return r;
	return cj_idmaps(v, path, "gidMappings", &m->gid_mappings, &m->n_gid_mappings, e);
}

static int parse_mounts(yajl_val top, struct oci_config *c, struct sk_err *e)
{
	char ip[CJ_PATH_MAX];
	yajl_val a = NULL;
	int r;

	r = cj_array(top, "", "mounts", &a, e);
	if (r < 0 || !a)
		return r;
	c->n_mounts = a->u.array.len;
	c->mounts = sk_xcalloc(c->n_mounts ? c->n_mounts : 1, sizeof(*c->mounts));
	for (size_t i = 0; i < c->n_mounts; i++) {
		cj_index(ip, "mounts", i);
		r = parse_mount(a->u.array.values[i], ip, &c->mounts[i], e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* @relative_ok: createContainer hooks may have a relative path, resolved
 * from the container's root as runc does (the spec asks for absolute
 * paths; runc accepts a relative one and runs it from the rootfs). */
static int parse_hook(yajl_val v, const char *path, bool relative_ok, struct oci_hook *h,
		      struct sk_err *e)
{
	struct oci_opt_i64 t = { 0 };
	yajl_val x;
	int r;

	r = cj_is_object(v, path, e);
	if (r < 0)
		return r;
	r = cj_need(v, path, "path", &x, e);
	if (r < 0)
		return r;
	r = cj_str(v, path, "path", &h->path, e);
	if (r < 0)
		return r;
	if (!h->path[0] || (h->path[0] != '/' && !relative_ok))
		return cj_fail(e, path, "path", "\"%s\" is not an absolute path", h->path);
	r = cj_strv(v, path, "args", &h->args, &h->n_args, e);
	if (r < 0)
		return r;
	r = cj_strv(v, path, "env", &h->env, &h->n_env, e);
	if (r < 0)
		return r;
	r = cj_i64(v, path, "timeout", INT64_MIN, INT64_MAX, &t, e);
	if (r < 0)
		return r;
	if (t.set && (t.v <= 0 || t.v > INT32_MAX))
		return cj_fail(e, path, "timeout", "must be a positive number of seconds");
	h->timeout = t.set ? (int)t.v : 0;
	return 0;
}

static int parse_hooks(yajl_val top, struct oci_config *c, struct sk_err *e)
{
	char p[CJ_PATH_MAX], ip[CJ_PATH_MAX];
	yajl_val hooks = NULL;
	int r;

	r = cj_object(top, "", "hooks", &hooks, e);
	if (r < 0 || !hooks)
		return r;
	for (int k = 0; k < OCI_HOOK__MAX; k++) {
		struct oci_hook_list *l = &c->hooks[k];
		yajl_val a = NULL;

		r = cj_array(hooks, "hooks", cj_hook_names[k], &a, e);
		if (r < 0)
			return r;
		if (!a)
			continue;
		l->n = a->u.array.len;
		l->v = sk_xcalloc(l->n ? l->n : 1, sizeof(*l->v));
		cj_join(p, "hooks", cj_hook_names[k]);
		for (size_t i = 0; i < l->n; i++) {
			cj_index(ip, p, i);
			r = parse_hook(a->u.array.values[i], ip, k == OCI_HOOK_CREATE_CONTAINER,
				       &l->v[i], e);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int parse_top(yajl_val top, struct oci_config *c, struct sk_err *e)
{
	yajl_val v = NULL;
	int r;

	if (!YAJL_IS_OBJECT(top))
		return sk_err_set(e, EINVAL, "expected a JSON object at the top level");
	r = cj_need(top, "", "ociVersion", &v, e);
	if (r < 0)
		return r;
	r = cj_str(top, "", "ociVersion", &c->oci_version, e);
	if (r < 0)
		return r;
	r = parse_root(top, c, e);
	if (r < 0)
		return r;
	r = parse_mounts(top, c, e);
	if (r < 0)
		return r;
	v = NULL;
	r = cj_object(top, "", "process", &v, e);
	if (r < 0)
		return r;
	if (v) {
		c->process = sk_xcalloc(1, sizeof(*c->process));
		r = cfg_process_parse(v, "process", c->process, e);
		if (r < 0)
			return r;
	}
	r = cj_str(top, "", "hostname", &c->hostname, e);
	if (r < 0)
		return r;
	r = cj_str(top, "", "domainname", &c->domainname, e);
	if (r < 0)
		return r;
	r = parse_hooks(top, c, e);
	if (r < 0)
		return r;
	r = cj_map(top, "", "annotations", &c->annotations, &c->n_annotations, e);
	if (r < 0)
		return r;
	v = NULL;
	r = cj_object(top, "", "linux", &v, e);
	if (r < 0)
		return r;
	if (v)
		return cfg_linux_parse(v, "linux", &c->lnx, e);
	return 0;
}

/* Parse without the "config.json: " prefix. */
static int config_parse(const char *json, size_t len, struct oci_config **out,
			struct sk_err *e)
{
	struct oci_config *c;
	yajl_val tree = NULL;
	int r;

	*out = NULL;
	r = cj_parse_tree(json, len, &tree, e);
	if (r < 0)
		return r;
	c = sk_xcalloc(1, sizeof(*c));
	r = parse_top(tree, c, e);
	yajl_tree_free(tree);
	if (r < 0) {
		oci_config_free(c);
		return r;
	}
	*out = c;
	return 0;
}

int oci_config_parse(const char *json, size_t len, struct oci_config **out, struct sk_err *e)
{
	int r = config_parse(json, len, out, e);
	if (r < 0)
		return sk_err_prefix(e, "config.json");
	return 0;
}

int oci_config_load(const char *bundle, struct oci_config **out, struct sk_err *e)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	path = sk_xasprintf("%s/config.json", bundle && *bundle ? bundle : ".");
	r = sk_read_file_at(AT_FDCWD, path, &text, &len, e);
	if (r < 0)
		return sk_err_sys(e, r, "%s", path); /* "BUNDLE/config.json: No such file..." */
	r = config_parse(text, len, out, e);
	if (r < 0)
		return sk_err_prefix(e, "%s", path);
	return 0;
}

int oci_process_parse(const char *json, size_t len, struct oci_process **out,
		      struct sk_err *e)
{
	struct oci_process *p;
	yajl_val tree = NULL;
	int r;

	*out = NULL;
	r = cj_parse_tree(json, len, &tree, e);
	if (r < 0)
		return r;
	p = sk_xcalloc(1, sizeof(*p));
	if (!YAJL_IS_OBJECT(tree))
		r = sk_err_set(e, EINVAL, "process: expected a JSON object");
	else
		r = cfg_process_parse(tree, "process", p, e);
	yajl_tree_free(tree);
	if (r < 0) {
		oci_process_free(p);
		return r;
	}
	*out = p;
	return 0;
}

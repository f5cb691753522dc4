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
	[OCI_NS_PID] = "pid",	    [OCI_NS_NET] = "network", [OCI_NS_IPC] = "ipc",
	[OCI_NS_MNT] = "mount",	    [OCI_NS_UTS] = "uts",     [OCI_NS_USER] = "user",
	[OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time",
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

bool oci_mount_is_bind(const struct oci_mount *m)
{
	if (m->type && !strcmp(m->type, "bind"))
		return true;
	for (size_t i = 0; i < m->n_options; i++)
		if (!strcmp(m->options[i], "bind") || !strcmp(m->options[i], "rbind"))
			return true;
	return false;
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

#define C(nm, k, m, ...) CJ_ROW(nm, k, struct oci_config, m, ##__VA_ARGS__)

static const struct cj_field root_rows[] = {
	C("path", CJ_STR, root_path, .need = CJ_REQUIRED, .check = CJ_NONEMPTY),
	C("readonly", CJ_BOOL, root_readonly),
};
static const struct cj_table root_table = CJ_TABLE(root_rows, NULL);

/* root is required; its absence is told as that of root.path. */
static int parse_root(yajl_val top, const char *path, const struct cj_field *f, void *base,
		      struct sk_err *e)
{
	yajl_val root = cj_get(top, f->name);

	if (!root)
		return cj_fail(e, f->name, "path", "missing required field");
	return cj_fields(root, f->name, &root_table, base, e);
}

#define M(nm, k, m, ...) CJ_ROW(nm, k, struct oci_mount, m, ##__VA_ARGS__)
static const struct cj_field mount_rows[] = {
	M("destination", CJ_STR, destination, .need = CJ_REQUIRED, .check = CJ_NONEMPTY),
	M("source", CJ_STR, source),
	M("type", CJ_STR, type),
	M("options", CJ_STRV, options, .aux = CJ_AUX(struct oci_mount, n_options)),
	M("uidMappings", CJ_IDMAPS, uid_mappings, .aux = CJ_AUX(struct oci_mount, n_uid_mappings)),
	M("gidMappings", CJ_IDMAPS, gid_mappings, .aux = CJ_AUX(struct oci_mount, n_gid_mappings)),
};
static const struct cj_table mount_table = CJ_TABLE(mount_rows, NULL);

/* createContainer hooks may have a relative path, resolved from the
 * container's root as runc does (the spec asks for absolute paths; runc
 * accepts a relative one and runs it from the rootfs). */
static int hook_relative_path(yajl_val v, const char *path, const struct cj_field *f, void *base,
			      struct sk_err *e)
{
	struct oci_hook *h = base;
	int r = cj_str(v, path, f->name, &h->path, e);

	if (r == 0 && !h->path[0])
		return cj_fail(e, path, f->name, "\"%s\" is not an absolute path", h->path);
	return r;
}

static int hook_timeout(yajl_val v, const char *path, const struct cj_field *f, void *base,
			struct sk_err *e)
{
	struct oci_opt_i64 t = { 0 };
	int r = cj_i64(v, path, f->name, INT64_MIN, INT64_MAX, &t, e);

	if (r < 0)
		return r;
	if (t.set && (t.v <= 0 || t.v > INT32_MAX))
		return cj_fail(e, path, f->name, "must be a positive number of seconds");
	((struct oci_hook *)base)->timeout = t.set ? (int)t.v : 0;
	return 0;
}

#define H(nm, k, m, ...) CJ_ROW(nm, k, struct oci_hook, m, ##__VA_ARGS__)
#define HOOK_ROWS(path_row)                                                         \
	path_row, H("args", CJ_STRV, args, .aux = CJ_AUX(struct oci_hook, n_args)), \
		H("env", CJ_STRV, env, .aux = CJ_AUX(struct oci_hook, n_env)),      \
		H("timeout", CJ_CUSTOM, timeout, .fn = hook_timeout)
static const struct cj_field hook_rows[] = {
	HOOK_ROWS(H("path", CJ_STR, path, .need = CJ_REQUIRED, .check = CJ_ABSOLUTE)),
};
static const struct cj_field relative_hook_rows[] = {
	HOOK_ROWS(H("path", CJ_CUSTOM, path, .need = CJ_REQUIRED, .fn = hook_relative_path)),
};
static const struct cj_table hook_table = CJ_TABLE(hook_rows, NULL),
			     relative_hook_table = CJ_TABLE(relative_hook_rows, NULL);

#define HOOKS(k, nm)                                                                            \
	{                                                                                       \
		.name = (nm), .kind = CJ_ARRAY, .off = offsetof(struct oci_config, hooks[k].v), \
		.aux = CJ_AUX(struct oci_config, hooks[k].n), .width = sizeof(struct oci_hook), \
		.sub = (k) == OCI_HOOK_CREATE_CONTAINER ? &relative_hook_table : &hook_table    \
	}
static const struct cj_field hooks_rows[] = {
	HOOKS(OCI_HOOK_PRESTART, "prestart"),
	HOOKS(OCI_HOOK_CREATE_RUNTIME, "createRuntime"),
	HOOKS(OCI_HOOK_CREATE_CONTAINER, "createContainer"),
	HOOKS(OCI_HOOK_START_CONTAINER, "startContainer"),
	HOOKS(OCI_HOOK_POSTSTART, "poststart"),
	HOOKS(OCI_HOOK_POSTSTOP, "poststop"),
};
static const struct cj_table hooks_table = CJ_TABLE(hooks_rows, NULL);

/* process is kept behind a pointer: NULL when the config has none. */
static int parse_process(yajl_val top, const char *path, const struct cj_field *f, void *base,
			 struct sk_err *e)
{
	struct oci_config *c = base;
	yajl_val v = NULL;
	int r = cj_object(top, path, f->name, &v, e);

	if (r < 0 || !v)
		return r;
	c->process = sk_xcalloc(1, sizeof(*c->process));
	return cfg_process_parse(v, f->name, c->process, e);
}

static const struct cj_field config_rows[] = {
	C("ociVersion", CJ_STR, oci_version, .need = CJ_REQUIRED),
	C("root", CJ_CUSTOM, root_path, .fn = parse_root),
	C("mounts", CJ_ARRAY, mounts, .aux = CJ_AUX(struct oci_config, n_mounts),
	  .width = sizeof(struct oci_mount), .sub = &mount_table),
	C("process", CJ_CUSTOM, process, .fn = parse_process, .sub = &cj_process_table),
	C("hostname", CJ_STR, hostname),
	C("domainname", CJ_STR, domainname),
	{ .name = "hooks", .kind = CJ_OBJECT, .sub = &hooks_table },
	C("annotations", CJ_MAP, annotations, .aux = CJ_AUX(struct oci_config, n_annotations)),
	C("linux", CJ_OBJECT, lnx, .sub = &cj_linux_table),
};

const struct cj_table cj_config_table = CJ_TABLE(config_rows, NULL);

static int parse_top(yajl_val top, void *c, struct sk_err *e)
{
	if (!YAJL_IS_OBJECT(top))
		return sk_err_set(e, EINVAL, "expected a JSON object at the top level");
	return cj_fields(top, "", &cj_config_table, c, e);
}

static void config_drop(void *c)
{
	oci_config_free(c);
}

/* A new object of @size bytes parsed from @json by @top; NULL (dropped by
 * @drop) and *@r < 0 when that failed. */
static void *parse_new(const char *json, size_t len, size_t size,
		       int (*top)(yajl_val, void *, struct sk_err *), void (*drop)(void *), int *r,
		       struct sk_err *e)
{
	void *o = sk_xcalloc(1, size);

	*r = cj_parse_with(json, len, top, o, e);
	if (*r < 0) {
		drop(o);
		return NULL;
	}
	return o;
}

/* Parse without the "config.json: " prefix. */
static int config_parse(const char *json, size_t len, struct oci_config **out, struct sk_err *e)
{
	int r;

	*out = parse_new(json, len, sizeof(**out), parse_top, config_drop, &r, e);
	return r;
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

static int process_top(yajl_val top, void *p, struct sk_err *e)
{
	if (!YAJL_IS_OBJECT(top))
		return sk_err_set(e, EINVAL, "process: expected a JSON object");
	return cfg_process_parse(top, "process", p, e);
}

static void process_drop(void *p)
{
	oci_process_free(p);
}

int oci_process_parse(const char *json, size_t len, struct oci_process **out, struct sk_err *e)
{
	int r;

	*out = parse_new(json, len, sizeof(**out), process_top, process_drop, &r, e);
	return r;
}

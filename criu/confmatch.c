/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * confmatch.c - what of the container's config the images depend on,
 * saved at checkpoint and compared at restore.
 *
 * A dump records, in IMAGES/skiff-config.json (SK_CRIU_CONFIG_FILE), the
 * parts of the config that criu's images were made against: the
 * process (args, env, cwd, user, terminal), the destinations of the bind
 * mounts (what criu was told are external) and the namespaces (their
 * types and joined paths), each as one string,
 * the key criu knows the container's terminal by ("tty[RDEV:DEV]"), and
 * the name of criu's nftables lock table ("CRIU-PID", PID the dumped
 * init's: criu's restore looks for the restored init's and misses it).
 * Restore rebuilds the same strings from the bundle's config and refuses
 * the first that differs, in one line naming the field, before anything
 * is made.  The bind mounts are a subset test: criu needs a source for
 * every mount it was told is external, and the bundle may have more
 * (Podman's import adds some).  The root path and the bind sources are
 * not compared: criu gets them anew at restore (another host, Podman's
 * import, --bundle elsewhere); the other mounts are criu's to restore.  No file (runc's images, an older skiff's): accepted; a field
 * the file lacks (an older skiff's): not compared.
 *
 *   {"version": 1, "config": {"process.args": "...", ...}, "tty": "...",
 *    "lock": "CRIU-1234"}
 *
 * Lists are written item by item as LEN:ITEM; so no item can look like
 * two.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

static void item(struct sk_strbuf *b, const char *s)
{
	s = s ? s : "";
	sk_strbuf_addf(b, "%zu:%s;", strlen(s), s);
}

static void items(struct sk_strbuf *b, char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		item(b, v[i]);
}

static void add(struct oci_kv *out, size_t *n, const char *key, struct sk_strbuf *b)
{
	sk_strbuf_add(b, "");
	out[(*n)++] = (struct oci_kv){ .key = sk_xstrdup(key), .value = sk_strbuf_steal(b) };
}

size_t criu_config_fields(const struct oci_config *c, struct oci_kv out[CRIU_CONFIG_FIELDS])
{
	const struct oci_process *p = c->process;
	struct sk_strbuf b = { 0 };
	size_t n = 0;

	if (p) {
		items(&b, p->args, p->n_args);
		add(out, &n, "process.args", &b);
		items(&b, p->env, p->n_env);
		add(out, &n, "process.env", &b);
		item(&b, p->cwd);
		add(out, &n, "process.cwd", &b);
		sk_strbuf_addf(&b, "%u:%u", p->user.uid, p->user.gid);
		for (size_t i = 0; i < p->user.n_additional_gids; i++)
			sk_strbuf_addf(&b, ",%u", p->user.additional_gids[i]);
		add(out, &n, "process.user", &b);
		sk_strbuf_add(&b, p->terminal ? "true" : "false");
		add(out, &n, "process.terminal", &b);
	}
	for (size_t i = 0; i < c->n_mounts; i++)
		if (oci_mount_is_bind(&c->mounts[i]))
			item(&b, c->mounts[i].destination);
	add(out, &n, "mounts.bind", &b);
	for (int t = 0; t < OCI_NS__MAX; t++) {
		const struct oci_namespace *ns = &c->lnx.namespaces[t];
		if (!ns->present)
			continue;
		item(&b, oci_ns_name((enum oci_ns_type)t));
		item(&b, ns->path);
	}
	add(out, &n, "linux.namespaces", &b);
	return n;
}

static void kv_free(struct oci_kv *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].value);
	}
}

static char *text_of(const struct oci_config *c, const char *tty_key, const char *lock)
{
	struct oci_kv f[CRIU_CONFIG_FIELDS];
	size_t n = criu_config_fields(c, f);
	struct sk_rec *w = sk_rec_new();

	sk_rec_kv(w, "config", f, n);
	if (tty_key)
		sk_rec_str(w, "tty", tty_key);
	if (lock)
		sk_rec_str(w, "lock", lock);
	kv_free(f, n);
	return sk_rec_finish(w);
}

char *criu_config_text(const struct oci_config *c, const char *tty_key)
{
	return text_of(c, tty_key, NULL);
}

char *criu_config_lock(const char *dir)
{
	_cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	struct yajl_val_s *root = NULL;
	struct sk_err e;
	char *lock = NULL;
	unsigned version;
	size_t len;

	if (dirfd < 0 || sk_read_file_at(dirfd, SK_CRIU_CONFIG_FILE, &text, &len, &e) < 0 ||
	    sk_rec_parse(text, &root, &version, &e) < 0)
		return NULL;
	if (sk_rec_get_str(root, "lock", &lock, &e) < 0)
		lock = NULL;
	sk_rec_free(root);
	return lock;
}

/* The next LEN:ITEM; of *@p (advanced past it): its length in *@len,
 * NULL at the end or on a malformed list. */
static const char *next_item(const char **p, size_t *len)
{
	char *end;
	const char *s;

	if (!**p)
		return NULL;
	*len = strtoul(*p, &end, 10);
	if (*end != ':' || strnlen(end + 1, *len + 1) < *len + 1 || end[1 + *len] != ';')
		return NULL;
	s = end + 1;
	*p = s + *len + 1;
	return s;
}

static bool has_item(const char *list, const char *s, size_t len)
{
	const char *it;
	size_t l;

	while ((it = next_item(&list, &l)))
		if (l == len && !memcmp(it, s, len))
			return true;
	return false;
}

/* Every bind destination of @old (the checkpoint's) is one of @now's. */
static int binds_present(const char *old, const char *now, struct sk_err *e)
{
	const char *it;
	size_t l;

	while ((it = next_item(&old, &l)))
		if (!has_item(now, it, l))
			return sk_err_set(e, EINVAL,
					  "the bundle has no bind mount on %.*s (the checkpoint's has)",
					  (int)l, it);
	if (*old)
		return sk_err_set(e, EINVAL, "corrupt record: mounts.bind");
	return 0;
}

int criu_config_compare(const char *saved, const struct oci_config *c, char **tty_key,
			struct sk_err *e)
{
	struct oci_kv f[CRIU_CONFIG_FIELDS], *old = NULL;
	struct yajl_val_s *root = NULL;
	size_t n = criu_config_fields(c, f), n_old = 0;
	unsigned version;
	int r;

	*tty_key = NULL;
	r = sk_rec_parse(saved, &root, &version, e);
	if (r == 0)
		r = sk_rec_get_kv(root, "config", &old, &n_old, e);
	if (r == 0)
		r = sk_rec_get_str(root, "tty", tty_key, e);
	for (size_t i = 0; r == 0 && i < n; i++) {
		for (size_t j = 0; j < n_old; j++) {
			if (strcmp(old[j].key, f[i].key))
				continue;
			if (!strcmp(f[i].key, "mounts.bind"))
				r = binds_present(old[j].value, f[i].value, e);
			else if (strcmp(old[j].value, f[i].value))
				r = sk_err_set(e, EINVAL,
					       "the bundle's %s differs from the checkpointed config's",
					       f[i].key);
			break;
		}
	}
	if (r < 0) {
		free(*tty_key);
		*tty_key = NULL;
	}
	kv_free(old, n_old);
	free(old);
	kv_free(f, n);
	sk_rec_free(root);
	return r;
}

int criu_config_save(const char *dir, const struct oci_config *c, const char *tty_key,
		     const char *lock, struct sk_err *e)
{
	_cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;

	if (dirfd < 0)
		return sk_err_sys(e, errno, "images %s", dir);
	text = text_of(c, tty_key, lock);
	return sk_write_file_atomic(dirfd, SK_CRIU_CONFIG_FILE, text, strlen(text), e);
}

int sk_criu_config_check(const char *dir, const struct oci_config *c, char **tty_key,
			 struct sk_err *e)
{
	_cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	*tty_key = NULL;
	if (dirfd < 0)
		return 0; /* criu says what is missing */
	r = sk_read_file_at(dirfd, SK_CRIU_CONFIG_FILE, &text, &len, e);
	if (r == -ENOENT)
		return 0; /* runc's images, an older skiff's */
	if (r < 0)
		return r;
	r = criu_config_compare(text, c, tty_key, e);
	if (r < 0 && strncmp(e->msg, "the bundle", 10))
		return sk_err_prefix(e, "images %s: %s", dir, SK_CRIU_CONFIG_FILE);
	return r;
}

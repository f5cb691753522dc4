/* SPDX-License-Identifier: GPL-2.0-or-later */
/* state.c - a container's state directory: ROOT/ID/{state.json,config.json}. */
#define _GNU_SOURCE
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

const char *sk_status_name(enum sk_status s)
{
	switch (s) {
	case SK_STATUS_CREATING:
		return "creating";
	case SK_STATUS_CREATED:
		return "created";
	case SK_STATUS_RUNNING:
		return "running";
	case SK_STATUS_PAUSED:
		return "paused";
	default:
		return "stopped";
	}
}

/* Files and folders of skiff's own beside the containers in ROOT. */
bool sk_reserved_name(const char *name)
{
	static const char *const reserved[] = {
		"networks", "seccomp-cache", "numa.ledger", "numa.ledger.lock",
		"vm-cache", "criu.check",    NULL,
	};
	for (const char *const *r = reserved; *r; r++)
		if (!strcmp(name, *r))
			return true;
	return false;
}

int sk_validate_id(const char *id, struct sk_err *e)
{
	if (!id || !*id)
		return sk_err_set(e, EINVAL, "container ID cannot be empty");
	if (!strcmp(id, ".") || !strcmp(id, "..") || strlen(id) > 1024)
		return sk_err_set(e, EINVAL, "invalid container ID %s", id);
	if (sk_reserved_name(id))
		return sk_err_set(e, EINVAL,
				  "invalid container ID %s: reserved for skiff's own files", id);
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_+-.", *p))
			return sk_err_set(e, EINVAL,
					  "invalid container ID %s: only letters, digits and _+-. allowed",
					  id);
	return 0;
}

int sk_state_dir_open(const struct sk_ctx *ctx, const char *id, int *dirfd, struct sk_err *e)
{
	_cleanup_free_ char *path = NULL;
	int r = sk_validate_id(id, e), fd;

	if (r < 0)
		return r;
	path = sk_xasprintf("%s/%s", ctx->root, id);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return sk_err_set(e, ENOENT, "container %s does not exist", id);
		return sk_err_sys(e, errno, "open %s", path);
	}
	*dirfd = fd;
	return 0;
}

/* state.json's plain members; the intent record has the last two. */
#define ST(kind, key, m) SK_REC_FIELD(struct sk_state, kind, key, m)
SK_REC_TABLE(state_fields, ST(STR, "bundle", bundle), ST(STR, "rootfs", rootfs),
	     ST(STR, "created", created), ST(U32, "owner", owner), ST(I32, "pid", pid),
	     ST(U64, "start_time", start_time));
#undef ST
#define intent_fields (&state_fields[4])

void sk_state_free(struct sk_state *st)
{
	if (!st)
		return;
	sk_rec_free_fields(state_fields, st);
	free(st->id);
	for (size_t i = 0; i < st->n_ext; i++) {
		free(st->ext[i].key);
		free(st->ext[i].value);
	}
	free(st->ext);
	for (size_t i = 0; i < st->n_ann; i++) {
		free(st->ann[i].key);
		free(st->ann[i].value);
	}
	free(st->ann);
	if (st->cfg)
		oci_config_free(st->cfg);
	if (st->dirfd >= 0)
		close(st->dirfd);
	free(st);
}

static void kv_set(struct oci_kv **v, size_t *n, const char *key, const char *value)
{
	for (size_t i = 0; i < *n; i++) {
		if (!strcmp((*v)[i].key, key)) {
			free((*v)[i].value);
			(*v)[i].value = sk_xstrdup(value);
			return;
		}
	}
	*v = sk_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].key = sk_xstrdup(key);
	(*v)[*n].value = sk_xstrdup(value);
	(*n)++;
}

const char *sk_state_ext(const struct sk_state *st, const char *key)
{
	for (size_t i = 0; i < st->n_ext; i++)
		if (!strcmp(st->ext[i].key, key))
			return st->ext[i].value;
	return NULL;
}

void sk_state_set_ext(struct sk_state *st, const char *key, const char *value)
{
	kv_set(&st->ext, &st->n_ext, key, value);
}

void sk_state_set_ann(struct sk_state *st, const char *key, const char *value)
{
	kv_set(&st->ann, &st->n_ann, key, value);
}

static void gen_str(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static char *gen_finish(yajl_gen g)
{
	const unsigned char *buf;
	size_t len;
	char *r;

	yajl_gen_get_buf(g, &buf, &len);
	r = sk_xmalloc(len + 2);
	memcpy(r, buf, len);
	r[len] = '\0';
	yajl_gen_free(g);
	return r;
}

int sk_state_save(const struct sk_state *st, struct sk_err *e)
{
	struct sk_rec *w = sk_rec_new();

	sk_rec_str(w, "id", st->id);
	sk_rec_put_fields(w, state_fields, st);
	sk_rec_kv(w, "ext", st->ext, st->n_ext);
	sk_rec_kv(w, "annotations", st->ann, st->n_ann);
	return sk_rec_save(w, st->dirfd, "state.json", e);
}

int sk_state_save_intent(int dirfd, pid_t pid, uint64_t start_time, const struct oci_kv *ext,
			 size_t n_ext, struct sk_err *e)
{
	struct sk_state st = { .pid = pid, .start_time = start_time };
	struct sk_rec *w = sk_rec_new();

	sk_rec_put_fields(w, intent_fields, &st);
	sk_rec_kv(w, "ext", ext, n_ext);
	return sk_rec_save(w, dirfd, SK_INTENT_FILE, e);
}

/* Read state.json or the intent record into @st: its plain members
 * (@fields), "ext" and "annotations" (a record without them: none). */
static int load_record(struct sk_state *st, const char *name, const struct sk_rec_field *fields,
		       struct sk_err *e)
{
	_cleanup_free_ char *text = NULL;
	struct yajl_val_s *root = NULL;
	unsigned version;
	int r = sk_read_file_at(st->dirfd, name, &text, NULL, e);

	if (r < 0)
		return r;
	r = sk_rec_parse(text, &root, &version, e);
	if (r == 0)
		r = sk_rec_get_fields(root, fields, st, e);
	if (r == 0)
		r = sk_rec_get_kv(root, "ext", &st->ext, &st->n_ext, e);
	if (r == 0)
		r = sk_rec_get_kv(root, "annotations", &st->ann, &st->n_ann, e);
	sk_rec_free(root);
	return r;
}

static bool has_state_json(int dirfd)
{
	struct stat sb;
	return fstatat(dirfd, "state.json", &sb, 0) == 0;
}

/* Is @dirfd still ROOT/@id (not removed by a delete we waited for)? */
static bool still_linked(const struct sk_ctx *ctx, const char *id, int dirfd)
{
	_cleanup_free_ char *path = sk_xasprintf("%s/%s", ctx->root, id);
	struct stat a, b;

	return fstat(dirfd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

int sk_state_lock(const struct sk_ctx *ctx, const char *id, int dirfd, struct sk_err *e)
{
	if (flock(dirfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			return sk_err_sys(e, errno, "lock container %s", id);
		/* create holds the lock from the moment it claims the ID
		 * until state.json exists; one killed a moment ago may have
		 * its init (dying of PDEATHSIG) hold it an instant longer */
		if (!has_state_json(dirfd)) {
			if (sk_lock_briefly(dirfd) < 0)
				return sk_err_set(e, EBUSY, "container %s is being created", id);
		} else if (flock(dirfd, LOCK_EX) < 0) {
			return sk_err_sys(e, errno, "lock container %s", id);
		}
	}
	if (!still_linked(ctx, id, dirfd))
		return sk_err_set(e, ENOENT, "container %s does not exist", id);
	return 0;
}

int sk_claim_leftover(const struct sk_ctx *ctx, const char *id, struct sk_err *e)
{
	_cleanup_free_ char *tmp = sk_xasprintf("%s/.%s.claim", ctx->root, id);
	_cleanup_close_ int fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (sk_lock_briefly(fd) < 0)
		return sk_err_set(e, EBUSY, "container %s is being created", id);
	if (rmdir(tmp) < 0 && errno != ENOENT)
		return sk_err_sys(e, errno, "remove %s", tmp);
	return 1;
}

int sk_state_load(const struct sk_ctx *ctx, const char *id, bool lock, struct sk_state **out,
		  struct sk_err *e)
{
	_cleanup_close_ int dirfd = -1;
	_cleanup_free_ char *cfgtext = NULL;
	struct sk_state *st;
	struct sk_err ignore = { 0 };
	size_t len;
	int r;

	r = sk_state_dir_open(ctx, id, &dirfd, e);
	if (r < 0)
		return r;
	if (lock) {
		r = sk_state_lock(ctx, id, dirfd, e);
		if (r < 0)
			return r;
	}

	st = sk_xcalloc(1, sizeof(*st));
	st->dirfd = sk_steal_fd(&dirfd);
	st->id = sk_xstrdup(id);
	r = load_record(st, "state.json", state_fields, e);
	if (r == -ENOENT) {
		/* create has not finished (or was killed): no created time,
		 * and what it made so far from its intent record (whatever
		 * of it can be read) */
		load_record(st, SK_INTENT_FILE, intent_fields, &ignore);
		*out = st;
		return 0;
	}
	if (r == -EINVAL) {
		r = sk_err_set(e, EINVAL, "container %s: corrupt state.json", id);
		goto fail;
	}
	if (r < 0)
		goto fail;
	if (!st->bundle || !st->created) {
		r = sk_err_set(e, EINVAL, "container %s: corrupt state.json", id);
		goto fail;
	}
	r = sk_read_file_at(st->dirfd, "config.json", &cfgtext, &len, e);
	if (r < 0)
		goto fail;
	r = oci_config_parse(cfgtext, len, &st->cfg, e);
	if (r < 0) {
		sk_err_prefix(e, "container %s: saved", id);
		goto fail;
	}
	*out = st;
	return 0;
fail:
	sk_state_free(st);
	return r;
}

uint64_t sk_pid_start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	_cleanup_close_ int fd = -1;
	ssize_t n;
	int field = 2;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	p += 2;
	/* field 3 is the state; a zombie is not alive */
	if (*p == 'Z' || *p == 'X')
		return 0;
	for (field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? strtoull(p, NULL, 10) : 0;
}

int sk_pidfd_open_proven(pid_t pid, uint64_t start_time)
{
	int fd;

	if (pid <= 0 || start_time == 0)
		return -ESRCH;
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		/* not a process (a thread's id: EINVAL/ENOENT) or gone */
		return errno == EINVAL || errno == ENOENT ? -ESRCH : -errno;
	if (!sk_pid_alive(pid, start_time)) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

bool sk_pidfd_exited(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	if (pidfd < 0)
		return true;
	return poll(&p, 1, 0) != 0;
}

int sk_pidfd_signal(int pidfd, int sig)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return -errno;
	return 0;
}

bool sk_pid_alive(pid_t pid, uint64_t start_time)
{
	uint64_t t;

	if (pid <= 0)
		return false;
	t = sk_pid_start_time(pid);
	return t != 0 && t == start_time;
}

enum sk_status sk_state_status(const struct sk_ctx *ctx, const struct sk_state *st)
{
	struct stat sb;

	if (!st->created)
		return SK_STATUS_CREATING;
	if (!sk_pid_alive(st->pid, st->start_time))
		return SK_STATUS_STOPPED;
	/* as runc: a frozen container is paused, created or running (and
	 * `resume` takes it back to created when it was created) */
	if (sk_container_frozen(ctx, st))
		return SK_STATUS_PAUSED;
	if (fstatat(st->dirfd, "exec.fifo", &sb, 0) == 0)
		return SK_STATUS_CREATED;
	return SK_STATUS_RUNNING;
}

char *sk_state_json(const struct sk_state *st, enum sk_status status, bool pretty)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	char *r;
	size_t n;

	if (pretty) {
		yajl_gen_config(g, yajl_gen_beautify, 1);
		yajl_gen_config(g, yajl_gen_indent_string, "  ");
	}
	yajl_gen_map_open(g);
	gen_str(g, "ociVersion");
	gen_str(g, SKIFF_OCI_VERSION);
	gen_str(g, "id");
	gen_str(g, st->id);
	gen_str(g, "status");
	gen_str(g, sk_status_name(status));
	if (status != SK_STATUS_STOPPED || pretty) {
		gen_str(g, "pid");
		yajl_gen_integer(g, status == SK_STATUS_STOPPED ? 0 : st->pid);
	}
	gen_str(g, "bundle");
	gen_str(g, st->bundle ? st->bundle : "");
	if (pretty) {
		gen_str(g, "rootfs");
		gen_str(g, st->rootfs ? st->rootfs : "");
		gen_str(g, "created");
		gen_str(g, st->created ? st->created : "");
		_cleanup_free_ char *owner = sk_user_name(st->owner);
		gen_str(g, "owner");
		gen_str(g, owner ? owner : "");
	}
	gen_str(g, "annotations");
	yajl_gen_map_open(g);
	if (st->cfg)
		for (size_t i = 0; i < st->cfg->n_annotations; i++) {
			gen_str(g, st->cfg->annotations[i].key);
			gen_str(g, st->cfg->annotations[i].value);
		}
	for (size_t i = 0; i < st->n_ann; i++) {
		gen_str(g, st->ann[i].key);
		gen_str(g, st->ann[i].value);
	}
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	r = gen_finish(g);
	n = strlen(r);
	if (pretty && n && r[n - 1] != '\n') {
		r[n] = '\n';
		r[n + 1] = '\0';
	}
	return r;
}

int sk_write_pid_file(const char *path, pid_t pid, struct sk_err *e)
{
	_cleanup_free_ char *tmp = NULL, *dir = NULL, *base = NULL;
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", pid);
	const char *slash = strrchr(path, '/');

	dir = slash ? strndup(path, (size_t)(slash - path + (slash == path))) : sk_xstrdup(".");
	base = sk_xstrdup(slash ? slash + 1 : path);
	tmp = sk_xasprintf("%s/.%s", dir, base);
	if (sk_write_file_at(AT_FDCWD, tmp, buf, (size_t)n, O_CREAT | O_TRUNC, 0644, e) < 0)
		return sk_err_prefix(e, "--pid-file");
	if (rename(tmp, path) < 0) {
		int r = errno;
		unlink(tmp);
		return sk_err_sys(e, r, "--pid-file %s", path);
	}
	return 0;
}

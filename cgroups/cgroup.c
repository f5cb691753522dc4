/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup.c - the container cgroup object: layout detection, accessors,
 * serialize/load.  apply.c writes resources, create.c makes and enters
 * it, destroy.c removes it.
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>

int sk_cgroup_mode(enum sk_cg_mode *mode, struct sk_err *e)
{
	struct statfs sf;

	if (statfs(CG_ROOT, &sf) < 0)
		return sk_err_sys(e, errno, "statfs %s", CG_ROOT);
	if ((unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC) {
		*mode = SK_CG_V2;
		return 0;
	}
	if ((unsigned long)sf.f_type != TMPFS_MAGIC)
		return sk_err_set(e, ENOTSUP, "%s: neither cgroup2 nor a tmpfs of v1 hierarchies",
				  CG_ROOT);
	if (statfs(CG_ROOT "/unified", &sf) == 0 && (unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC)
		*mode = SK_CG_HYBRID;
	else
		*mode = SK_CG_V1;
	return 0;
}

enum sk_cg_mode sk_cgroup_get_mode(const struct sk_cgroup *cg)
{
	return cg->mode;
}

const char *sk_cgroup_path(const struct sk_cgroup *cg)
{
	return cg->path;
}

const char *sk_cgroup_placement(const struct sk_cgroup *cg)
{
	return cg->placement;
}

int sk_cgroup_clone_fd(const struct sk_cgroup *cg)
{
	return cg->mode == SK_CG_V2 ? cg->clone_fd : -1;
}

bool cg_ctrls_has(const char *ctrls, const char *ctrl)
{
	size_t l = strlen(ctrl);
	const char *s = ctrls;

	while (*s) {
		size_t sl = strcspn(s, ",");
		if (sl == l && !strncmp(s, ctrl, l))
			return true;
		s += sl;
		if (*s)
			s++;
	}
	return false;
}

const char *sk_cgroup_dir(const struct sk_cgroup *cg, const char *ctrl)
{
	if (cg->mode == SK_CG_V2)
		return cg->v2dir;
	for (size_t i = 0; i < cg->nh; i++)
		if (cg_ctrls_has(cg->h[i].ctrls, ctrl))
			return cg->h[i].dir;
	return NULL;
}

/* The record's plain members (the mode and hierarchies are written apart). */
#define CG(kind, key, m) SK_REC_FIELD(struct sk_cgroup, kind, key, m)
SK_REC_TABLE(cg_fields, CG(STR, "path", path), CG(BOOL, "ledger", ledger),
	     CG(STR, "placement", placement), CG(STR, "v2", v2dir), CG(STR, "unit", unit),
	     CG(BOOL, "user", user));
#undef CG

void sk_cgroup_free(struct sk_cgroup *cg)
{
	if (!cg)
		return;
	sk_rec_free_fields(cg_fields, cg);
	for (size_t i = 0; i < cg->nh; i++) {
		free(cg->h[i].ctrls);
		free(cg->h[i].dir);
	}
	free(cg->h);
	if (cg->clone_fd >= 0)
		close(cg->clone_fd);
	free(cg->state_root);
	free(cg->id);
	sk_strv_free(cg->created.v);
	free(cg);
}

struct sk_cgroup *cg_new(const struct sk_log *log, const char *state_root, const char *id)
{
	struct sk_cgroup *cg = sk_xcalloc(1, sizeof(*cg));
	cg->log = log;
	cg->state_root = sk_xstrdup(state_root);
	cg->id = sk_xstrdup(id);
	cg->clone_fd = -1;
	return cg;
}

void cg_add_hier(struct sk_cgroup *cg, const char *ctrls, const char *dir)
{
	cg->h = sk_xrealloc(cg->h, (cg->nh + 1) * sizeof(*cg->h));
	cg->h[cg->nh].ctrls = sk_xstrdup(ctrls);
	cg->h[cg->nh].dir = sk_xstrdup(dir);
	cg->nh++;
}

/* ------------------------------------------------------ serialization */

static const char *const mode_names[] = { "", "v1", "hybrid", "v2" };

/* {"version": 1, "mode": "v2", "path": ..., "ledger": ..., "placement": ...,
 *  "v2": ..., "hier": [{"ctrls": "cpu,cpuacct", "dir": ...}, ...]} */
char *sk_cgroup_serialize(const struct sk_cgroup *cg)
{
	struct sk_rec *w = sk_rec_new();

	sk_rec_str(w, "mode", mode_names[cg->mode]);
	sk_rec_put_fields(w, cg_fields, cg);
	sk_rec_open(w, "hier", '[');
	for (size_t i = 0; i < cg->nh; i++) {
		sk_rec_open(w, NULL, '{');
		sk_rec_str(w, "ctrls", cg->h[i].ctrls);
		sk_rec_str(w, "dir", cg->h[i].dir);
		sk_rec_close(w, '}');
	}
	sk_rec_close(w, ']');
	return sk_rec_finish(w);
}

static enum sk_cg_mode mode_of(const char *s, size_t n)
{
	for (size_t m = SK_CG_V1; m <= SK_CG_V2; m++)
		if (strlen(mode_names[m]) == n && !strncmp(s, mode_names[m], n))
			return (enum sk_cg_mode)m;
	return 0;
}

static int load_record(struct sk_cgroup *cg, const char *text, struct sk_err *e)
{
	_cleanup_free_ char *mode = NULL;
	struct yajl_val_s *root = NULL;
	const struct yajl_val_s *h;
	unsigned version;
	int r = sk_rec_parse(text, &root, &version, e);

	if (r < 0)
		return r;
	r = sk_rec_get_str(root, "mode", &mode, e);
	if (r == 0)
		r = sk_rec_get_fields(root, cg_fields, cg, e);
	h = sk_rec_get(root, "hier");
	for (size_t i = 0; r == 0 && i < sk_rec_len(h); i++) {
		_cleanup_free_ char *ctrls = NULL, *dir = NULL;
		const struct yajl_val_s *x = sk_rec_at(h, i, NULL);
		r = sk_rec_get_str(x, "ctrls", &ctrls, e);
		if (r == 0)
			r = sk_rec_get_str(x, "dir", &dir, e);
		if (r == 0 && ctrls && dir)
			cg_add_hier(cg, ctrls, dir);
	}
	sk_rec_free(root);
	if (r == 0 && mode)
		cg->mode = mode_of(mode, strlen(mode));
	return r;
}

/* ---------------------------------- version 0: an older skiff's record
 * "skiff-cg1 mode=v2 path=/a ledger=0 [placement=X] [v2=DIR] [h=CTRLS@DIR]..."
 * with every byte outside [A-Za-z0-9/._,=-] as %XX. */

static char *dec(const char *s, size_t n)
{
	char *r = sk_xmalloc(n + 1), *o = r;

	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (s[i] == '%' && i + 2 < n && sscanf(s + i + 1, "%2x", &v) == 1) {
			*o++ = (char)v;
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return r;
}

static void load_v0(struct sk_cgroup *cg, const char *s)
{
	for (s += 10; *s;) {
		size_t l = strcspn(s, " ");
		const char *eq = memchr(s, '=', l);
		if (eq) {
			size_t kl = (size_t)(eq - s);
			const char *v = eq + 1;
			size_t vl = l - kl - 1;
			char **str = NULL;
			if (kl == 4 && !strncmp(s, "mode", 4))
				cg->mode = mode_of(v, vl);
			else if (kl == 4 && !strncmp(s, "path", 4))
				str = &cg->path;
			else if (kl == 6 && !strncmp(s, "ledger", 6))
				cg->ledger = vl == 1 && *v == '1';
			else if (kl == 9 && !strncmp(s, "placement", 9))
				str = &cg->placement;
			else if (kl == 2 && !strncmp(s, "v2", 2))
				str = &cg->v2dir;
			else if (kl == 1 && *s == 'h' && memchr(v, '@', vl)) {
				const char *at = memchr(v, '@', vl);
				_cleanup_free_ char *a = dec(v, (size_t)(at - v));
				_cleanup_free_ char *b = dec(at + 1, vl - (size_t)(at - v) - 1);
				cg_add_hier(cg, a, b);
			}
			if (str) {
				free(*str);
				*str = dec(v, vl);
			}
		}
		s += l;
		while (*s == ' ')
			s++;
	}
}

int sk_cgroup_load(const struct sk_log *log, const char *state_root, const char *id,
		   const char *serialized, struct sk_cgroup **out, struct sk_err *e)
{
	_cleanup_cgroup_ struct sk_cgroup *cg = cg_new(log, state_root, id);
	const char *s = serialized;

	if (s && sk_rec_is_json(s)) {
		if (load_record(cg, s, e) < 0)
			return sk_err_prefix(e, "container %s: bad cgroup state", id);
	} else if (s && !strncmp(s, "skiff-cg1 ", 10)) {
		load_v0(cg, s);
	} else {
		return sk_err_set(e, EINVAL, "container %s: bad cgroup state \"%.40s\"", id,
				  s ? s : "");
	}
	if (!cg->mode || (cg->mode == SK_CG_V2 && !cg->v2dir))
		return sk_err_set(e, EINVAL, "container %s: incomplete cgroup state", id);
	if (!cg->path)
		cg->path = sk_xstrdup("/");
	if (cg->mode == SK_CG_V2)
		cg->clone_fd = open(cg->v2dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*out = sk_steal_ptr(&cg);
	return 0;
}

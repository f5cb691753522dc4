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
	if (statfs(CG_ROOT "/unified", &sf) == 0 &&
	    (unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC)
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

void sk_cgroup_free(struct sk_cgroup *cg)
{
	if (!cg)
		return;
	free(cg->state_root);
	free(cg->id);
	free(cg->path);
	free(cg->v2dir);
	for (size_t i = 0; i < cg->nh; i++) {
		free(cg->h[i].ctrls);
		free(cg->h[i].dir);
	}
	free(cg->h);
	if (cg->clone_fd >= 0)
		close(cg->clone_fd);
	free(cg->placement);
	sk_strv_free(cg->created.v);
	free(cg);
}

struct sk_cgroup *cg_new(const struct sk_log *log, const char *state_root,
				const char *id)
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

static char *enc(const char *s)
{
	size_t n = strlen(s);
	char *r = sk_xmalloc(n * 3 + 1), *o = r;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("/._,=-", c))
			*o++ = (char)c;
		else
			o += sprintf(o, "%%%02X", c);
	}
	*o = '\0';
	return r;
}

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

char *sk_cgroup_serialize(const struct sk_cgroup *cg)
{
	static const char *const names[] = { "", "v1", "hybrid", "v2" };
	_cleanup_free_ char *p = enc(cg->path ? cg->path : "/");
	char *out = sk_xasprintf("skiff-cg1 mode=%s path=%s ledger=%d", names[cg->mode], p,
				 cg->ledger ? 1 : 0);

	if (cg->placement) {
		_cleanup_free_ char *x = enc(cg->placement);
		char *n = sk_xasprintf("%s placement=%s", out, x);
		free(out);
		out = n;
	}
	if (cg->v2dir) {
		_cleanup_free_ char *x = enc(cg->v2dir);
		char *n = sk_xasprintf("%s v2=%s", out, x);
		free(out);
		out = n;
	}
	for (size_t i = 0; i < cg->nh; i++) {
		_cleanup_free_ char *a = enc(cg->h[i].ctrls), *b = enc(cg->h[i].dir);
		char *n = sk_xasprintf("%s h=%s@%s", out, a, b);
		free(out);
		out = n;
	}
	return out;
}

int sk_cgroup_load(const struct sk_log *log, const char *state_root, const char *id,
		   const char *serialized, struct sk_cgroup **out, struct sk_err *e)
{
	_cleanup_cgroup_ struct sk_cgroup *cg = cg_new(log, state_root, id);
	const char *s = serialized;

	if (!s || strncmp(s, "skiff-cg1 ", 10))
		return sk_err_set(e, EINVAL, "container %s: bad cgroup state \"%.40s\"", id,
				  s ? s : "");
	s += 10;
	while (*s) {
		size_t l = strcspn(s, " ");
		const char *eq = memchr(s, '=', l);
		if (eq) {
			size_t kl = (size_t)(eq - s);
			const char *v = eq + 1;
			size_t vl = l - kl - 1;
			if (kl == 4 && !strncmp(s, "mode", 4)) {
				if (vl == 2 && !strncmp(v, "v1", 2))
					cg->mode = SK_CG_V1;
				else if (vl == 2 && !strncmp(v, "v2", 2))
					cg->mode = SK_CG_V2;
				else if (vl == 6 && !strncmp(v, "hybrid", 6))
					cg->mode = SK_CG_HYBRID;
			} else if (kl == 4 && !strncmp(s, "path", 4)) {
				free(cg->path);
				cg->path = dec(v, vl);
			} else if (kl == 6 && !strncmp(s, "ledger", 6)) {
				cg->ledger = vl == 1 && *v == '1';
			} else if (kl == 9 && !strncmp(s, "placement", 9)) {
				free(cg->placement);
				cg->placement = dec(v, vl);
			} else if (kl == 2 && !strncmp(s, "v2", 2)) {
				free(cg->v2dir);
				cg->v2dir = dec(v, vl);
			} else if (kl == 1 && *s == 'h') {
				const char *at = memchr(v, '@', vl);
				if (at) {
					_cleanup_free_ char *a = dec(v, (size_t)(at - v));
					_cleanup_free_ char *b = dec(at + 1, vl - (size_t)(at - v) - 1);
					cg_add_hier(cg, a, b);
				}
			}
		}
		s += l;
		while (*s == ' ')
			s++;
	}
	if (!cg->mode || (cg->mode == SK_CG_V2 && !cg->v2dir))
		return sk_err_set(e, EINVAL, "container %s: incomplete cgroup state", id);
	if (cg->mode == SK_CG_V2)
		cg->clone_fd = open(cg->v2dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*out = sk_steal_ptr(&cg);
	return 0;
}

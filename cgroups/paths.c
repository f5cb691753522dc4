/* SPDX-License-Identifier: GPL-2.0-or-later */
/* paths.c - cgroup mounts (mountinfo), own cgroup, linux.cgroupsPath. */
#include "internal.h"

#include <errno.h>
#include <string.h>

void cg_mounts_clear(struct cg_mounts *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->m[i].mountpoint);
		free(m->m[i].root);
		free(m->m[i].ctrls);
	}
	free(m->m);
	m->m = NULL;
	m->n = 0;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static char *unescape(const char *s, size_t len)
{
	char *r = sk_xmalloc(len + 1), *o = r;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return r;
}

/* Keep only controller names (and name=...) of the super options. */
static char *v1_ctrls(const char *opts)
{
	_cleanup_free_ char *copy = sk_xstrdup(opts);
	char *save = NULL, *tok;
	struct sk_strbuf out = { 0 };

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "rw") || !strcmp(tok, "ro") ||
		    !strncmp(tok, "release_agent=", 14) || !strcmp(tok, "clone_children") ||
		    !strcmp(tok, "noprefix") || !strcmp(tok, "xattr") ||
		    !strcmp(tok, "cpuset_v2_mode") || !strcmp(tok, "all") || !strcmp(tok, "none"))
			continue;
		sk_strbuf_addf(&out, "%s%s", out.len ? "," : "", tok);
	}
	return sk_strbuf_steal(&out);
}

int cg_parse_mountinfo(const char *text, struct cg_mounts *out, struct sk_err *e)
{
	const char *line = text;

	memset(out, 0, sizeof(*out));
	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		_cleanup_free_ char *l = strndup(line, len);
		char *f[16] = { 0 }, *save = NULL, *tok;
		int nf = 0, dash = -1;

		line = eol ? eol + 1 : NULL;
		if (!l)
			abort();
		for (tok = strtok_r(l, " ", &save); tok && nf < 16; tok = strtok_r(NULL, " ", &save)) {
			if (!strcmp(tok, "-") && dash < 0)
				dash = nf;
			f[nf++] = tok;
		}
		/* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
		if (dash < 6 || dash + 3 >= nf)
			continue;
		if (strcmp(f[dash + 1], "cgroup") && strcmp(f[dash + 1], "cgroup2"))
			continue;
		out->m = sk_xrealloc(out->m, (out->n + 1) * sizeof(*out->m));
		struct cg_mount *m = &out->m[out->n++];
		m->root = unescape(f[3], strlen(f[3]));
		m->mountpoint = unescape(f[4], strlen(f[4]));
		m->v2 = !strcmp(f[dash + 1], "cgroup2");
		m->ctrls = m->v2 ? sk_xstrdup("") : v1_ctrls(f[dash + 3]);
	}
	(void)e;
	return 0;
}

char *cg_own_path(const char *proc_cgroup, const char *ctrls)
{
	const char *line = proc_cgroup;

	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		_cleanup_free_ char *l = strndup(line, len);
		char *c1, *c2;

		line = eol ? eol + 1 : NULL;
		if (!l)
			abort();
		c1 = strchr(l, ':');
		if (!c1)
			continue;
		c2 = strchr(c1 + 1, ':');
		if (!c2)
			continue;
		*c2 = '\0';
		if (!*ctrls) {
			if (c1 - l == 1 && l[0] == '0' && c1 + 1 == c2)
				return sk_xstrdup(c2 + 1);
			continue;
		}
		/* compare as sets: "cpu,cpuacct" == "cpuacct,cpu" */
		{
			_cleanup_free_ char *a = sk_xstrdup(c1 + 1);
			char *save = NULL, *tok;
			size_t na = 0, nb = 1;
			bool all = true;
			for (const char *s = ctrls; *s; s++)
				nb += *s == ',';
			for (tok = strtok_r(a, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				size_t tl = strlen(tok);
				const char *s = ctrls;
				bool found = false;
				na++;
				while (*s) {
					size_t sl = strcspn(s, ",");
					if (sl == tl && !strncmp(s, tok, tl))
						found = true;
					s += sl;
					if (*s)
						s++;
				}
				all &= found;
			}
			if (all && na == nb && na > 0)
				return sk_xstrdup(c2 + 1);
		}
	}
	return NULL;
}

static bool bad_components(const char *p)
{
	const char *s = p;

	while (*s) {
		size_t l = strcspn(s, "/");
		if ((l == 2 && !strncmp(s, "..", 2)))
			return true;
		s += l;
		if (*s)
			s++;
	}
	return false;
}

/* Normalise: one leading '/', no duplicate or trailing '/', no "." parts. */
static char *clean(const char *p)
{
	char *r = sk_xmalloc(strlen(p) + 2), *o = r;
	const char *s = p;

	while (*s) {
		size_t l;
		while (*s == '/')
			s++;
		l = strcspn(s, "/");
		if (l == 0)
			break;
		if (!(l == 1 && s[0] == '.')) {
			*o++ = '/';
			memcpy(o, s, l);
			o += l;
		}
		s += l;
	}
	if (o == r)
		*o++ = '/';
	*o = '\0';
	return r;
}

/* systemd "slice:prefix:name" to a path, as systemd lays it out. */
static int systemd_path(const char *p, char **out, struct sk_err *e)
{
	_cleanup_free_ char *copy = sk_xstrdup(p);
	_cleanup_strbuf_ struct sk_strbuf res = { 0 };
	char *prefix, *name, *slice = copy, *s;

	prefix = strchr(copy, ':');
	*prefix++ = '\0';
	name = strchr(prefix, ':');
	if (!name || strchr(name + 1, ':') || !*(name + 1))
		return sk_err_set(e, EINVAL, "linux.cgroupsPath: \"%s\" is not slice:prefix:name", p);
	*name++ = '\0';
	if (!*slice)
		slice = "system.slice";
	if (strlen(slice) < 7 || strcmp(slice + strlen(slice) - 6, ".slice") || strchr(slice, '/'))
		return sk_err_set(e, EINVAL, "linux.cgroupsPath: bad slice \"%s\"", slice);
	if (strcmp(slice, "-.slice")) {
		/* a-b-c.slice -> /a.slice/a-b.slice/a-b-c.slice */
		size_t base = strlen(slice) - 6;
		for (s = slice; (size_t)(s - slice) <= base; s++) {
			if (*s == '-' || (size_t)(s - slice) == base)
				sk_strbuf_addf(&res, "/%.*s.slice", (int)(s - slice), slice);
		}
	}
	if (cg_sd_is_slice(name))
		sk_strbuf_addf(&res, "/%s", name); /* a slice: no prefix (runc) */
	else
		sk_strbuf_addf(&res, "/%s%s%s%s", prefix, *prefix ? "-" : "", name,
			       strstr(name, ".") ? "" : ".scope");
	*out = sk_strbuf_steal(&res);
	return 0;
}

int cg_resolve_path(const char *cgroups_path, const char *id, const char *own, char **out,
		    struct sk_err *e)
{
	_cleanup_free_ char *j = NULL;

	if (!cgroups_path || !*cgroups_path) {
		if (!id || !*id || strchr(id, '/') || !strcmp(id, "..") || !strcmp(id, "."))
			return sk_err_set(e, EINVAL, "container ID \"%s\" cannot name a cgroup",
					  id ? id : "");
		*out = sk_xasprintf("/skiff/%s", id);
		return 0;
	}
	if (cgroups_path[0] != '/' && strchr(cgroups_path, ':'))
		return systemd_path(cgroups_path, out, e);
	if (bad_components(cgroups_path))
		return sk_err_set(e, EINVAL, "linux.cgroupsPath: \"%s\" has a \"..\" component",
				  cgroups_path);
	if (cgroups_path[0] == '/') {
		*out = clean(cgroups_path);
		return 0;
	}
	j = sk_xasprintf("%s/%s", own && *own ? own : "/", cgroups_path);
	*out = clean(j);
	return 0;
}

/* Does the comma list @list name a controller of hierarchy @ctrls?  A
 * named hierarchy matches "name=systemd" and "systemd". */
static bool lists_meet(const char *list, size_t len, const char *ctrls)
{
	const char *s = list, *end = list + len;

	while (s < end) {
		size_t l = strcspn(s, ",");
		const char *c = ctrls;
		if (s + l > end)
			l = (size_t)(end - s);
		while (*c) {
			size_t cl = strcspn(c, ",");
			if ((cl == l && !strncmp(c, s, l)) ||
			    (cl == l + 5 && !strncmp(c, "name=", 5) && !strncmp(c + 5, s, l)))
				return true;
			c += cl;
			if (*c)
				c++;
		}
		s += l + 1;
	}
	return false;
}

int cg_sub_check(const char *sub, struct sk_err *e)
{
	const char *colon = strchr(sub, ':');
	const char *path = colon ? colon + 1 : sub;

	if (colon && colon == sub)
		return sk_err_set(e, EINVAL, "--cgroup \"%s\": empty controller list", sub);
	if (strspn(path, "/.") == strlen(path))
		return sk_err_set(e, EINVAL, "--cgroup \"%s\": no sub-cgroup path", sub);
	if (bad_components(path))
		return sk_err_set(e, EINVAL, "--cgroup \"%s\": %s is not a sub-cgroup path", sub,
				  path);
	return 0;
}

int cg_sub_path(char *const *subs, const char *ctrls, bool v2, char **out, struct sk_err *e)
{
	const char *all = NULL, *mine = NULL;

	*out = NULL;
	for (size_t i = 0; subs && subs[i]; i++) {
		const char *colon = strchr(subs[i], ':');
		int r = cg_sub_check(subs[i], e);
		if (r < 0)
			return r;
		if (!colon) {
			all = subs[i];
			continue;
		}
		if (v2)
			return sk_err_set(e, EINVAL,
					  "--cgroup \"%s\": a controller-specific sub-cgroup needs cgroup v1",
					  subs[i]);
		if (lists_meet(subs[i], (size_t)(colon - subs[i]), ctrls))
			mine = colon + 1;
	}
	if (mine || all) {
		_cleanup_free_ char *c = clean(mine ? mine : all);
		*out = sk_xstrdup(c + 1); /* relative: no leading '/' */
	}
	return 0;
}

bool cg_sub_names(const char *sub, const char *ctrls)
{
	const char *colon = strchr(sub, ':');
	return colon && lists_meet(sub, (size_t)(colon - sub), ctrls);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* devices.c - the device rules skiff enforces, and v1's minimal transition
 * between two rule sets (devices.allow/deny writes). */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

/* ------------------------------------------------------------ devices */

char *cg_device_rule_str(const struct oci_device_rule *d)
{
	char maj[24], min[24];

	if (d->type == 'a')
		return sk_xasprintf("a *:* %s", d->access[0] ? d->access : "rwm");
	if (d->major < 0)
		snprintf(maj, sizeof(maj), "*");
	else
		snprintf(maj, sizeof(maj), "%" PRId64, d->major);
	if (d->minor < 0)
		snprintf(min, sizeof(min), "*");
	else
		snprintf(min, sizeof(min), "%" PRId64, d->minor);
	return sk_xasprintf("%c %s:%s %s", d->type, maj, min, d->access[0] ? d->access : "rwm");
}

static const struct oci_device_rule default_rules[] = {
	{ true, 'c', -1, -1, "m" },    { true, 'b', -1, -1, "m" },
	{ true, 'c', 1, 3, "rwm" },    /* null */
	{ true, 'c', 1, 5, "rwm" },    /* zero */
	{ true, 'c', 1, 7, "rwm" },    /* full */
	{ true, 'c', 1, 8, "rwm" },    /* random */
	{ true, 'c', 1, 9, "rwm" },    /* urandom */
	{ true, 'c', 5, 0, "rwm" },    /* tty */
	{ true, 'c', 5, 1, "rwm" },    /* console */
	{ true, 'c', 5, 2, "rwm" },    /* ptmx */
	{ true, 'c', 136, -1, "rwm" }, /* pts */
	{ true, 'c', 10, 200, "rwm" }, /* net/tun */
};

static int check_access(const char *a, const char *what, size_t i, struct sk_err *e)
{
	for (const char *s = a; *s; s++)
		if (*s != 'r' && *s != 'w' && *s != 'm')
			return sk_err_set(e, EINVAL, "%s[%zu].access: invalid \"%s\"", what, i, a);
	return 0;
}

int cg_device_rules(const struct oci_config *c, const struct oci_resources *r,
		    struct oci_device_rule **out, size_t *n, struct sk_err *e)
{
	size_t nr = r ? r->n_devices : 0;
	size_t cap = 1 + nr + sizeof(default_rules) / sizeof(default_rules[0]), k = 0;
	_cleanup_free_ struct oci_device_rule *v = sk_xcalloc(cap, sizeof(*v));
	int ret;

	v[k++] = (struct oci_device_rule){ false, 'a', -1, -1, "rwm" };
	for (size_t i = 0; i < nr; i++) {
		struct oci_device_rule d = r->devices[i];
		if (d.type == 0)
			d.type = 'a';
		if (d.type != 'a' && d.type != 'c' && d.type != 'b')
			return sk_err_set(e, EINVAL,
					  "linux.resources.devices[%zu].type: invalid '%c'", i,
					  d.type);
		ret = check_access(d.access, "linux.resources.devices", i, e);
		if (ret < 0)
			return ret;
		if (!d.access[0])
			memcpy(d.access, "rwm", 4);
		v[k++] = d;
	}
	for (size_t i = 0; i < sizeof(default_rules) / sizeof(default_rules[0]); i++)
		v[k++] = default_rules[i];
	*out = sk_steal_ptr(&v);
	*n = k;
	return 0;
}

/* ------------------------------------------- v1 devices: transitions */

/* What a v1 devices cgroup holds: its default and its exceptions (one per
 * type/major/minor, accesses merged as the kernel merges them). */
struct dev_ex {
	char type;
	int64_t major, minor;
	int acc; /* 1 r, 2 w, 4 m */
};

struct dev_state {
	bool allow_all; /* default allow (exceptions deny) */
	struct dev_ex *ex;
	size_t n;
};

static int acc_bits(const char *a)
{
	int m = 0;
	for (; *a; a++)
		m |= *a == 'r' ? 1 : *a == 'w' ? 2 : *a == 'm' ? 4 : 0;
	return m;
}

static void acc_str(int m, char out[4])
{
	size_t k = 0;
	if (m & 1)
		out[k++] = 'r';
	if (m & 2)
		out[k++] = 'w';
	if (m & 4)
		out[k++] = 'm';
	out[k] = '\0';
}

static struct dev_ex *dev_find(struct dev_state *s, char t, int64_t maj, int64_t min)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->ex[i].type == t && s->ex[i].major == maj && s->ex[i].minor == min)
			return &s->ex[i];
	return NULL;
}

/* One rule, as the kernel's devcgroup_update_access applies it. */
static void dev_apply(struct dev_state *s, char type, int64_t maj, int64_t min, int acc, bool allow)
{
	struct dev_ex *x;

	if (type == 'a') {
		s->allow_all = allow;
		s->n = 0;
		return;
	}
	x = dev_find(s, type, maj, min);
	if (allow != s->allow_all) { /* adds an exception */
		if (!x) {
			s->ex = sk_xrealloc(s->ex, (s->n + 1) * sizeof(*s->ex));
			x = &s->ex[s->n++];
			*x = (struct dev_ex){ type, maj, min, 0 };
		}
		x->acc |= acc;
	} else if (x) { /* takes accesses off an exception */
		x->acc &= ~acc;
		if (!x->acc)
			*x = s->ex[--s->n];
	}
}

static int parse_id(const char *s, int64_t *v)
{
	if (!strcmp(s, "*")) {
		*v = -1;
		return 0;
	}
	return sk_parse_i64(s, v) == 0 && *v >= 0 ? 0 : -1;
}

/* devices.list: "a *:* rwm" alone means allow all (the kernel lists no
 * exceptions then); otherwise one allowed exception a line. */
static int dev_parse_list(const char *list, struct dev_state *s)
{
	_cleanup_free_ char *dup = sk_xstrdup(list);
	char *save = NULL;

	s->allow_all = false;
	for (char *l = strtok_r(dup, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char t, maj[24], min[24], acc[8];
		int64_t a, b;

		if (sscanf(l, "%c %23[^:]:%23s %7s", &t, maj, min, acc) != 4)
			return -1;
		if (t == 'a') {
			s->allow_all = true;
			s->n = 0;
			return 0;
		}
		if ((t != 'c' && t != 'b') || parse_id(maj, &a) < 0 || parse_id(min, &b) < 0)
			return -1;
		dev_apply(s, t, a, b, acc_bits(acc), true);
	}
	return 0;
}

static void plan_dev(struct cg_plan *p, bool allow, char t, int64_t maj, int64_t min, int acc)
{
	struct oci_device_rule d = { allow, t, maj, min, "" };
	_cleanup_free_ char *v = NULL;

	acc_str(acc, d.access);
	v = cg_device_rule_str(&d);
	cg_plan_add(p, "devices", allow ? "devices.allow" : "devices.deny", v, false);
}

int cg_devices_v1_plan(const char *list, const struct oci_device_rule *rules, size_t n,
		       struct cg_plan *out)
{
	struct dev_state cur = { 0 }, tgt = { 0 };
	bool minimal;

	for (size_t i = 0; i < n; i++)
		dev_apply(&tgt, rules[i].type, rules[i].major, rules[i].minor,
			  acc_bits(rules[i].access[0] ? rules[i].access : "rwm"), rules[i].allow);
	minimal = list && !tgt.allow_all && dev_parse_list(list, &cur) == 0 && !cur.allow_all;
	if (!minimal) {
		/* every rule in order: deny all first, so the only allow-all
		 * state is the one the cgroup starts in */
		for (size_t i = 0; i < n; i++) {
			_cleanup_free_ char *v = cg_device_rule_str(&rules[i]);
			cg_plan_add(out, "devices",
				    rules[i].allow ? "devices.allow" : "devices.deny", v, false);
		}
	} else {
		/* both deny by default: add what is missing, then take off
		 * what is too much -- never all allowed, never all denied */
		for (size_t i = 0; i < tgt.n; i++) {
			struct dev_ex *x = &tgt.ex[i],
				      *c = dev_find(&cur, x->type, x->major, x->minor);
			if (x->acc & ~(c ? c->acc : 0))
				plan_dev(out, true, x->type, x->major, x->minor, x->acc);
		}
		for (size_t i = 0; i < cur.n; i++) {
			struct dev_ex *c = &cur.ex[i],
				      *x = dev_find(&tgt, c->type, c->major, c->minor);
			int extra = c->acc & ~(x ? x->acc : 0);
			if (extra)
				plan_dev(out, false, c->type, c->major, c->minor, extra);
		}
	}
	free(cur.ex);
	free(tgt.ex);
	return 0;
}

/* ------------------------------------------ v1 devices under systemd */

/* The name /proc/devices gives major @maj of @section ("Character" or
 * "Block") when it is the only major of that name and a plain word (no
 * glob or path character: systemd matches it as a pattern); NULL if
 * none.  malloc'd. */
static char *major_name(const char *proc_devices, const char *section, int64_t maj)
{
	_cleanup_free_ char *dup = sk_xstrdup(proc_devices);
	char *save = NULL, *found = NULL;
	bool in = false;
	size_t sl = strlen(section);

	for (char *l = strtok_r(dup, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		int64_t m;
		char name[64];
		if (!isdigit((unsigned char)l[strspn(l, " ")])) {
			in = !strncmp(l, section, sl);
			continue;
		}
		if (!in || sscanf(l, "%" SCNd64 " %63s", &m, name) != 2 ||
		    name[strcspn(name, "*?[]/\\")])
			continue;
		if (m == maj && !found) {
			found = sk_xstrdup(name);
			continue;
		}
		if (found && m != maj && !strcmp(found, name)) {
			free(found); /* the name covers another major too */
			return NULL;
		}
	}
	return found;
}

int cg_devices_sd_allow(const struct oci_device_rule *rules, size_t n, const char *proc_devices,
			struct sk_strv_buf *paths, struct sk_strv_buf *accs)
{
	struct dev_state tgt = { 0 };

	for (size_t i = 0; i < n; i++)
		dev_apply(&tgt, rules[i].type, rules[i].major, rules[i].minor,
			  acc_bits(rules[i].access[0] ? rules[i].access : "rwm"), rules[i].allow);
	if (tgt.allow_all) {
		free(tgt.ex);
		return 0;
	}
	for (size_t i = 0; i < tgt.n; i++) {
		const struct dev_ex *x = &tgt.ex[i];
		const char *kind = x->type == 'c' ? "char" : "block";
		_cleanup_free_ char *p = NULL;
		char acc[4];

		if (x->major >= 0 && x->minor >= 0) {
			p = sk_xasprintf("/dev/%s/%" PRId64 ":%" PRId64, kind, x->major, x->minor);
		} else if (x->major < 0 && x->minor < 0) {
			p = sk_xasprintf("%s-*", kind);
		} else if (x->major >= 0) {
			_cleanup_free_ char *name =
				major_name(proc_devices ? proc_devices : "",
					   x->type == 'c' ? "Character" : "Block", x->major);
			if (name)
				p = sk_xasprintf("%s-%s", kind, name);
		}
		if (!p)
			continue; /* not sayable: systemd's copy is narrower */
		acc_str(x->acc, acc);
		sk_strv_buf_add(paths, p);
		sk_strv_buf_add(accs, acc);
	}
	free(tgt.ex);
	return 1;
}

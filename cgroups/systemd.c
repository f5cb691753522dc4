/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * systemd.c - the systemd cgroup driver (--systemd-cgroup): the
 * container's cgroup is a transient scope that systemd makes
 * (StartTransientUnit, Delegate=yes, PIDs=[the init]) with the resources
 * systemd knows as unit properties; apply.c writes the rest into the
 * delegated cgroup as for cgroupfs.  Delete stops the unit.  Spoken over
 * dbus/: systemd's private socket as root (no message bus in between),
 * else the system bus.
 */
#include "internal.h"
#include "../dbus/dbus.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MGR "org.freedesktop.systemd1.Manager"
#define SD_PRIVATE "/run/systemd/private"
#define SD_BUS "/run/dbus/system_bus_socket"
#define SD_TIMEOUT_MS 60000 /* systemd under emulation can be slow */

/* ------------------------------------------------------ names, props */

/* Rootless, the user's systemd (crun's and runc's default slice there). */
static const char *default_slice(bool user)
{
	return user ? "user.slice" : "system.slice";
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t l = strlen(s), sl = strlen(suffix);
	return l >= sl && !strcmp(s + l - sl, suffix);
}

bool cg_sd_is_slice(const char *unit)
{
	return ends_with(unit, ".slice");
}

/* A slice unit's cgroup lies where its name puts it (a-b-c.slice below
 * a-b.slice): @name must be a child of @parent for the path to be right,
 * as runc and Kubernetes' pod slices have it. */
static int check_child_slice(const char *parent, const char *name, struct sk_err *e)
{
	size_t pl = strlen(parent) - 6; /* without ".slice" */
	bool ok = !strcmp(parent, "-.slice")
			  ? !strchr(name, '-')
			  : !strncmp(name, parent, pl) && name[pl] == '-' && strlen(name) > pl + 7;

	if (ok)
		return 0;
	return sk_err_set(e, EINVAL,
			  "--systemd-cgroup: linux.cgroupsPath: slice \"%s\" is not a child of "
			  "\"%s\" (systemd would put it elsewhere)",
			  name, parent);
}

int cg_sd_names(const char *cgroups_path, const char *id, bool user, char **slice, char **unit,
		char **path, struct sk_err *e)
{
	_cleanup_free_ char *dflt = NULL, *copy = NULL, *p = NULL;
	const char *cp = cgroups_path;
	char *prefix, *name;
	int r;

	if (!cp || !*cp)
		cp = dflt = sk_xasprintf("%s:skiff:%s", default_slice(user), id);
	if (cp[0] == '/' || !strchr(cp, ':'))
		return sk_err_set(e, EINVAL,
				  "--systemd-cgroup: linux.cgroupsPath \"%s\" is not slice:prefix:name",
				  cp);
	r = cg_resolve_path(cp, id, "/", &p, e);
	if (r < 0)
		return r;
	copy = sk_xstrdup(cp);
	prefix = strchr(copy, ':');
	*prefix++ = '\0';
	name = strchr(prefix, ':');
	*name++ = '\0';
	if (ends_with(name, ".slice")) {
		/* a slice of its own (runc: the prefix is not used then) */
		r = check_child_slice(*copy ? copy : default_slice(user), name, e);
		if (r < 0)
			return r;
		*unit = sk_xstrdup(name);
	} else if (strchr(name, '.') && !ends_with(name, ".scope")) {
		return sk_err_set(e, EINVAL,
				  "--systemd-cgroup: linux.cgroupsPath: \"%s\" names neither a scope "
				  "nor a slice",
				  name);
	} else {
		*unit = sk_xasprintf("%s%s%s%s", prefix, *prefix ? "-" : "", name,
				     strchr(name, '.') ? "" : ".scope");
	}
	*slice = sk_xstrdup(*copy ? copy : default_slice(user));
	*path = sk_steal_ptr(&p);
	return 0;
}

/* A cpuset list as systemd's byte array: bit N of byte N/8 = CPU N. */
static int put_mask(struct sk_dbus_w *w, const char *prop, const char *list, struct sk_err *e)
{
	struct sk_cpuset s;
	int top = -1;

	if (sk_cpuset_parse(list, &s) < 0)
		return sk_err_set(e, EINVAL, "linux.resources.cpu: bad list \"%s\" for %s", list,
				  prop);
	for (int i = 0; i < SK_NUMA_MAX_CPUS; i++)
		if (sk_cpuset_has(&s, (unsigned)i))
			top = i;
	sk_dbus_prop(w, prop, "ay");
	sk_dbus_open_array(w, 1);
	for (int b = 0; b <= top / 8; b++) {
		uint8_t v = 0;
		for (int j = 0; j < 8; j++)
			if (sk_cpuset_has(&s, (unsigned)(b * 8 + j)))
				v |= (uint8_t)(1u << j);
		sk_dbus_put_byte(w, v);
	}
	sk_dbus_close_array(w);
	return 0;
}

static void put_t(struct sk_dbus_w *w, const char *prop, uint64_t v)
{
	sk_dbus_prop(w, prop, "t");
	sk_dbus_put_u64(w, v);
}

int cg_sd_props(struct sk_dbus_w *w, const struct oci_resources *r, bool v1, struct sk_err *e)
{
	if (r->memory.limit.set && r->memory.limit.v != 0)
		put_t(w, v1 ? "MemoryLimit" : "MemoryMax",
		      r->memory.limit.v < 0 ? UINT64_MAX : (uint64_t)r->memory.limit.v);
	if (r->cpu.shares.set && r->cpu.shares.v)
		put_t(w, v1 ? "CPUShares" : "CPUWeight",
		      v1 ? r->cpu.shares.v : sk_cg_shares_to_weight(r->cpu.shares.v));
	if (r->cpu.period.set && r->cpu.period.v)
		put_t(w, "CPUQuotaPeriodUSec", r->cpu.period.v);
	if (r->cpu.quota.set && r->cpu.quota.v != 0) {
		uint64_t period = r->cpu.period.set && r->cpu.period.v ? r->cpu.period.v : 100000;
		uint64_t persec = UINT64_MAX;
		if (r->cpu.quota.v > 0) {
			/* systemd keeps 1% steps (10 ms a second): round up */
			persec = (uint64_t)r->cpu.quota.v * 1000000 / period;
			persec = (persec + 9999) / 10000 * 10000;
		}
		put_t(w, "CPUQuotaPerSecUSec", persec);
	}
	if (r->pids.limit.set && r->pids.limit.v != 0)
		put_t(w, "TasksMax", r->pids.limit.v < 0 ? UINT64_MAX : (uint64_t)r->pids.limit.v);
	if (v1)
		return 0; /* systemd has no cpuset on v1: apply.c writes it */
	if (r->cpu.cpus && *r->cpu.cpus && put_mask(w, "AllowedCPUs", r->cpu.cpus, e) < 0)
		return -EINVAL;
	if (r->cpu.mems && *r->cpu.mems && put_mask(w, "AllowedMemoryNodes", r->cpu.mems, e) < 0)
		return -EINVAL;
	return 0;
}

/* v1: systemd writes the devices cgroup of its units itself (allow all
 * by default) whenever it re-applies their settings: give it the same
 * rules skiff writes. */
static void put_devices(struct sk_dbus_w *w, const struct cg_sd_unit *u)
{
	_cleanup_(sk_strv_buf_freep) struct sk_strv_buf paths = { 0 }, accs = { 0 };
	_cleanup_free_ char *pd = NULL;
	struct sk_err ign;

	sk_ignore(sk_read_file_at(AT_FDCWD, "/proc/devices", &pd, NULL, &ign));
	if (!cg_devices_sd_allow(u->rules, u->n_rules, pd, &paths, &accs))
		return;
	sk_dbus_prop(w, "DevicePolicy", "s");
	sk_dbus_put_str(w, "strict");
	sk_dbus_prop(w, "DeviceAllow", "a(ss)");
	sk_dbus_open_array(w, 8);
	for (size_t i = 0; i < paths.n; i++) {
		sk_dbus_open_struct(w);
		sk_dbus_put_str(w, paths.v[i]);
		sk_dbus_put_str(w, accs.v[i]);
	}
	sk_dbus_close_array(w);
}

/* The v1 hierarchies systemd makes a unit's cgroup in (its own named one
 * and the controllers it knows on v1); the others are skiff's. */
bool cg_sd_owns_hier(const char *ctrls)
{
	static const char *const own[] = { "name=systemd", "cpu",     "cpuacct", "blkio",
					   "memory",	   "devices", "pids" };

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (cg_ctrls_has(ctrls, own[i]))
			return true;
	return false;
}

/* ------------------------------------------------------------- calls */

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Root: the system's systemd.  Rootless (@user): the user's
 * (user@UID.service), its private socket or the user's bus, both under
 * $XDG_RUNTIME_DIR. */
static int sd_connect(bool user, struct sk_dbus **c, struct sk_err *e)
{
	_cleanup_dbus_w_ struct sk_dbus_w w = { 0 };
	_cleanup_free_ char *priv = NULL, *bus = NULL;
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct sk_err e1, e2;
	int r;

	if (user) {
		if (!xdg || *xdg != '/')
			return sk_err_set(e, ENOENT,
					  "--systemd-cgroup: rootless, the user's systemd is found "
					  "through XDG_RUNTIME_DIR, which is not set");
		priv = sk_xasprintf("%s/systemd/private", xdg);
		bus = sk_xasprintf("%s/bus", xdg);
	}
	r = sk_dbus_open(priv ? priv : SD_PRIVATE, false, c, &e1);
	if (r == 0)
		return 0;
	r = sk_dbus_open(bus ? bus : SD_BUS, true, c, &e2);
	if (r < 0)
		return sk_err_set(e, r, "--systemd-cgroup: %s is not reachable (%s; %s)",
				  priv ? "the user's systemd" : "systemd", e1.msg, e2.msg);
	/* a message bus sends systemd's signals to subscribers only */
	sk_dbus_put_str(&w, "type='signal',sender='" SD_DEST "',interface='" SD_MGR
			    "',member='JobRemoved'");
	r = sk_dbus_call(*c, "org.freedesktop.DBus", "/org/freedesktop/DBus",
			 "org.freedesktop.DBus", "AddMatch", "s", &w, SD_TIMEOUT_MS, NULL, e);
	if (r == 0)
		r = sk_dbus_call(*c, SD_DEST, SD_PATH, SD_MGR, "Subscribe", NULL, NULL,
				 SD_TIMEOUT_MS, NULL, e);
	if (r < 0) {
		sk_dbus_close(*c);
		*c = NULL;
		return sk_err_prefix(e, "--systemd-cgroup: %s", bus ? bus : SD_BUS);
	}
	return 0;
}

/* A call whose reply is a job ("o"), then that job's JobRemoved. */
static int job_call(struct sk_dbus *c, const char *member, const char *sig,
		    const struct sk_dbus_w *body, const char *unit, struct sk_err *e)
{
	_cleanup_dbus_msg_ struct sk_dbus_msg *reply = NULL;
	_cleanup_free_ char *job = NULL;
	const char *s;
	int r = sk_dbus_call(c, SD_DEST, SD_PATH, SD_MGR, member, sig, body, SD_TIMEOUT_MS, &reply,
			     e);

	if (r < 0)
		return r;
	if (strcmp(reply->sig, "o") || sk_dbus_get_str(&reply->body, &s) < 0)
		return sk_err_set(e, EBADMSG, "systemd: %s: unexpected reply", member);
	job = sk_xstrdup(s);
	for (;;) {
		_cleanup_dbus_msg_ struct sk_dbus_msg *m = NULL;
		const char *path, *u, *result;
		uint32_t id;
		r = sk_dbus_next_signal(c, SD_MGR, "JobRemoved", SD_TIMEOUT_MS, &m, e);
		if (r < 0)
			return sk_err_prefix(e, "systemd: waiting for the job of %s", unit);
		if (strcmp(m->sig, "uoss") || sk_dbus_get_u32(&m->body, &id) < 0 ||
		    sk_dbus_get_str(&m->body, &path) < 0 || sk_dbus_get_str(&m->body, &u) < 0 ||
		    sk_dbus_get_str(&m->body, &result) < 0 || strcmp(path, job))
			continue;
		if (strcmp(result, "done"))
			return sk_err_set(e, EIO, "systemd: %s of %s: job %s", member, unit, result);
		return 0;
	}
}

static void unit_call(struct sk_dbus *c, const char *member, const char *unit)
{
	_cleanup_dbus_w_ struct sk_dbus_w w = { 0 };
	struct sk_err ign;

	sk_dbus_put_str(&w, unit);
	sk_ignore(sk_dbus_call(c, SD_DEST, SD_PATH, SD_MGR, member, "s", &w, SD_TIMEOUT_MS, NULL,
			       &ign));
}

int cg_sd_start(const struct sk_log *log, const struct cg_sd_unit *u, struct sk_err *e)
{
	struct timespec t0;
	_cleanup_dbus_w_ struct sk_dbus_w w = { 0 };
	_cleanup_dbus_ struct sk_dbus *c = NULL;
	_cleanup_free_ char *desc = sk_xasprintf("skiff container %s", u->id);
	int r;

	sk_dbus_put_str(&w, u->unit);
	sk_dbus_put_str(&w, "fail");
	sk_dbus_open_array(&w, 8);
	sk_dbus_prop(&w, "Description", "s");
	sk_dbus_put_str(&w, desc);
	sk_dbus_prop(&w, "DefaultDependencies", "b");
	sk_dbus_put_bool(&w, false);
	if (cg_sd_is_slice(u->unit)) {
		/* a slice's parent is in its name; it takes no PIDs (the
		 * caller moves the init in) and no Delegate (as runc) */
		sk_dbus_prop(&w, "Wants", "as");
		sk_dbus_open_array(&w, 4);
		sk_dbus_put_str(&w, u->slice);
		sk_dbus_close_array(&w);
	} else {
		sk_dbus_prop(&w, "Slice", "s");
		sk_dbus_put_str(&w, u->slice);
		sk_dbus_prop(&w, "Delegate", "b");
		sk_dbus_put_bool(&w, true);
		sk_dbus_prop(&w, "PIDs", "au");
		sk_dbus_open_array(&w, 4);
		sk_dbus_put_u32(&w, (uint32_t)u->pid);
		sk_dbus_close_array(&w);
	}
	r = cg_sd_props(&w, u->res, u->v1, e);
	if (r < 0)
		return r;
	if (u->v1 && u->rules)
		put_devices(&w, u);
	sk_dbus_close_array(&w);
	sk_dbus_open_array(&w, 8); /* no auxiliary units */
	sk_dbus_close_array(&w);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = sd_connect(u->user, &c, e);
	if (r < 0)
		return r;
	r = job_call(c, "StartTransientUnit", "ssa(sv)a(sa(sv))", &w, u->unit, e);
	if (r < 0) {
		/* a failed start may leave the unit loaded, failed */
		unit_call(c, "ResetFailedUnit", u->unit);
		return sk_err_prefix(e, "--systemd-cgroup: cannot start %s in %s", u->unit, u->slice);
	}
	sk_debug(log, "systemd: %s started (connect, StartTransientUnit, its job) in %.1f ms",
		 u->unit, ms_since(&t0));
	return 0;
}

int cg_sd_set(bool user, bool v1, const char *unit, const struct oci_resources *res, struct sk_err *e)
{
	_cleanup_dbus_w_ struct sk_dbus_w w = { 0 };
	_cleanup_dbus_ struct sk_dbus *c = NULL;
	size_t empty;
	int r;

	sk_dbus_put_str(&w, unit);
	sk_dbus_put_bool(&w, true); /* runtime: not written to /etc */
	sk_dbus_open_array(&w, 8);
	empty = w.n;
	r = cg_sd_props(&w, res, v1, e);
	if (r < 0)
		return r;
	if (w.n == empty)
		return 0; /* nothing systemd knows of */
	sk_dbus_close_array(&w);
	r = sd_connect(user, &c, e);
	if (r == 0)
		r = sk_dbus_call(c, SD_DEST, SD_PATH, SD_MGR, "SetUnitProperties", "sba(sv)", &w,
				 SD_TIMEOUT_MS, NULL, e);
	return r < 0 ? sk_err_prefix(e, "--systemd-cgroup: %s", unit) : 0;
}

int cg_sd_stop(const struct sk_log *log, bool user, const char *unit, struct sk_err *e)
{
	struct timespec t0;
	_cleanup_dbus_w_ struct sk_dbus_w w = { 0 };
	_cleanup_dbus_ struct sk_dbus *c = NULL;
	int r;

	sk_dbus_put_str(&w, unit);
	sk_dbus_put_str(&w, "replace");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = sd_connect(user, &c, e);
	if (r < 0)
		return r;
	r = job_call(c, "StopUnit", "ss", &w, unit, e);
	if (r == -ENOENT)
		r = 0; /* gone already: it ended when its last process did */
	else
		unit_call(c, "ResetFailedUnit", unit); /* an unknown unit has nothing to reset */
	if (r < 0)
		return sk_err_prefix(e, "--systemd-cgroup: stop %s", unit);
	sk_debug(log, "systemd: %s stopped (connect, StopUnit, its job, ResetFailedUnit) in %.1f ms",
		 unit, ms_since(&t0));
	return 0;
}

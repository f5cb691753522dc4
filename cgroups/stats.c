/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stats.c - `events --stats` data in runc's JSON shape, from v1 or v2 files. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#define U64_MAX_TXT "18446744073709551615"

static char *slurp(const char *dir, const char *file)
{
	_cleanup_free_ char *p = NULL;
	struct sk_err ign;
	char *txt = NULL;

	if (!dir)
		return NULL;
	p = sk_xasprintf("%s/%s", dir, file);
	if (sk_read_file_at(AT_FDCWD, p, &txt, NULL, &ign) < 0)
		return NULL;
	return txt;
}

/* A one-number file; "max" -> @max_val.  0 when missing. */
static uint64_t num(const char *dir, const char *file, uint64_t max_val)
{
	_cleanup_free_ char *t = slurp(dir, file);
	uint64_t v = 0;

	if (!t)
		return 0;
	t[strcspn(t, "\n")] = '\0';
	if (!strcmp(t, "max"))
		return max_val;
	if (sk_parse_u64(t, &v) < 0) {
		int64_t s;
		if (sk_parse_i64(t, &s) == 0 && s < 0)
			return max_val; /* v1 "-1" */
		return 0;
	}
	return v;
}

/* Value of "key N" in a flat-keyed file text. */
static uint64_t kv(const char *txt, const char *key)
{
	size_t kl = strlen(key);
	const char *p = txt;

	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == ' ')
			return strtoull(p + kl + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

static void gstr(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void gu64(yajl_gen g, const char *key, uint64_t v)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	gstr(g, key);
	yajl_gen_number(g, b, (size_t)n);
}

static void entry(yajl_gen g, const char *key, uint64_t limit, uint64_t usage, uint64_t max,
		  uint64_t failcnt)
{
	gstr(g, key);
	yajl_gen_map_open(g);
	gu64(g, "limit", limit);
	gu64(g, "usage", usage);
	gu64(g, "max", max);
	gu64(g, "failcnt", failcnt);
	yajl_gen_map_close(g);
}

/* "pids": {current, limit} from the pids controller's directory @dir. */
static void pids_stats(yajl_gen g, const char *dir)
{
	gstr(g, "pids");
	yajl_gen_map_open(g);
	gu64(g, "current", num(dir, "pids.current", 0));
	gu64(g, "limit", num(dir, "pids.max", 0));
	yajl_gen_map_close(g);
}

static void raw_map(yajl_gen g, const char *txt)
{
	_cleanup_free_ char *copy = sk_xstrdup(txt ? txt : "");
	char *save = NULL, *line;

	gstr(g, "raw");
	yajl_gen_map_open(g);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		uint64_t v;
		if (!sp)
			continue;
		*sp = '\0';
		if (sk_parse_u64(sp + 1, &v) < 0)
			continue;
		gu64(g, line, v);
	}
	yajl_gen_map_close(g);
}

static void percpu(yajl_gen g, const char *key, const char *txt)
{
	_cleanup_free_ char *copy = sk_xstrdup(txt);
	char *save = NULL, *tok;

	gstr(g, key);
	yajl_gen_array_open(g);
	for (tok = strtok_r(copy, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		uint64_t v;
		if (sk_parse_u64(tok, &v) == 0) {
			char b[32];
			int n = snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
			yajl_gen_number(g, b, (size_t)n);
		}
	}
	yajl_gen_array_close(g);
}

static void stats_v2(yajl_gen g, const char *dir)
{
	_cleanup_free_ char *cpu = slurp(dir, "cpu.stat"), *mst = slurp(dir, "memory.stat"),
			    *mev = slurp(dir, "memory.events");
	uint64_t um = UINT64_MAX;

	gstr(g, "cpu");
	yajl_gen_map_open(g);
	gstr(g, "usage");
	yajl_gen_map_open(g);
	gu64(g, "total", kv(cpu, "usage_usec") * 1000);
	gu64(g, "kernel", kv(cpu, "system_usec") * 1000);
	gu64(g, "user", kv(cpu, "user_usec") * 1000);
	yajl_gen_map_close(g);
	gstr(g, "throttling");
	yajl_gen_map_open(g);
	gu64(g, "periods", kv(cpu, "nr_periods"));
	gu64(g, "throttled_periods", kv(cpu, "nr_throttled"));
	gu64(g, "throttled_time", kv(cpu, "throttled_usec") * 1000);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);

	gstr(g, "memory");
	yajl_gen_map_open(g);
	gu64(g, "cache", kv(mst, "file"));
	entry(g, "usage", num(dir, "memory.max", um), num(dir, "memory.current", um),
	      num(dir, "memory.peak", um), kv(mev, "max"));
	entry(g, "swap", num(dir, "memory.swap.max", um), num(dir, "memory.swap.current", um),
	      num(dir, "memory.swap.peak", um), 0);
	raw_map(g, mst);
	yajl_gen_map_close(g);

	pids_stats(g, dir);
}

static void stats_v1(yajl_gen g, const struct sk_cgroup *cg)
{
	const char *acct = sk_cgroup_dir(cg, "cpuacct"), *cpud = sk_cgroup_dir(cg, "cpu");
	const char *mem = sk_cgroup_dir(cg, "memory"), *pids = sk_cgroup_dir(cg, "pids");
	_cleanup_free_ char *cst = slurp(cpud, "cpu.stat"), *ast = slurp(acct, "cpuacct.stat"),
			    *pc = slurp(acct, "cpuacct.usage_percpu"),
			    *pck = slurp(acct, "cpuacct.usage_percpu_sys"),
			    *pcu = slurp(acct, "cpuacct.usage_percpu_user"),
			    *mst = slurp(mem, "memory.stat");
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t um = UINT64_MAX, tick = hz > 0 ? 1000000000ULL / (uint64_t)hz : 10000000ULL;

	gstr(g, "cpu");
	yajl_gen_map_open(g);
	gstr(g, "usage");
	yajl_gen_map_open(g);
	gu64(g, "total", num(acct, "cpuacct.usage", 0));
	if (pc)
		percpu(g, "percpu", pc);
	if (pck)
		percpu(g, "percpu_kernel", pck);
	if (pcu)
		percpu(g, "percpu_user", pcu);
	gu64(g, "kernel", kv(ast, "system") * tick);
	gu64(g, "user", kv(ast, "user") * tick);
	yajl_gen_map_close(g);
	gstr(g, "throttling");
	yajl_gen_map_open(g);
	gu64(g, "periods", kv(cst, "nr_periods"));
	gu64(g, "throttled_periods", kv(cst, "nr_throttled"));
	gu64(g, "throttled_time", kv(cst, "throttled_time"));
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);

	gstr(g, "memory");
	yajl_gen_map_open(g);
	gu64(g, "cache", kv(mst, "cache"));
	entry(g, "usage", num(mem, "memory.limit_in_bytes", um),
	      num(mem, "memory.usage_in_bytes", um), num(mem, "memory.max_usage_in_bytes", um),
	      num(mem, "memory.failcnt", um));
	entry(g, "swap", num(mem, "memory.memsw.limit_in_bytes", um),
	      num(mem, "memory.memsw.usage_in_bytes", um),
	      num(mem, "memory.memsw.max_usage_in_bytes", um), num(mem, "memory.memsw.failcnt", um));
	raw_map(g, mst);
	yajl_gen_map_close(g);

	pids_stats(g, pids);
}

int sk_cgroup_stats_json(const struct sk_cgroup *cg, const char *id, char **json, struct sk_err *e)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;

	if (!g)
		return sk_err_set(e, ENOMEM, "yajl_gen_alloc");
	yajl_gen_map_open(g);
	gstr(g, "type");
	gstr(g, "stats");
	gstr(g, "id");
	gstr(g, id ? id : "");
	gstr(g, "data");
	yajl_gen_map_open(g);
	if (sk_cgroup_get_mode(cg) == SK_CG_V2)
		stats_v2(g, sk_cgroup_dir(cg, ""));
	else
		stats_v1(g, cg);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok) {
		yajl_gen_free(g);
		return sk_err_set(e, EINVAL, "stats: JSON generation failed");
	}
	*json = strndup((const char *)buf, len);
	yajl_gen_free(g);
	if (!*json)
		return sk_err_set(e, ENOMEM, "stats");
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* numa_topo.c - read the NUMA/SMT topology from sysfs, and the
 * org.skiff.numa.* annotations. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

static int read_list(int rootfd, const char *path, struct sk_cpuset *out, bool *missing,
		     struct sk_err *e)
{
	_cleanup_free_ char *txt = NULL;
	int r = sk_read_file_at(rootfd, path, &txt, NULL, e);

	if (missing)
		*missing = false;
	if (r == -ENOENT && missing) {
		*missing = true;
		return 0;
	}
	if (r < 0)
		return r;
	r = sk_cpuset_parse(txt, out);
	if (r < 0)
		return sk_err_set(e, r, "%s: cannot parse \"%.40s\"", path, txt);
	return 0;
}

int sk_numa_topo_read(const char *sysfs_root, struct sk_numa_topo *t, struct sk_err *e)
{
	const char *root = sysfs_root && *sysfs_root ? sysfs_root : "/sys";
	_cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct sk_cpuset nodes;
	bool missing;
	int r;

	memset(t, 0, sizeof(*t));
	memset(t->core, 0xff, sizeof(t->core));
	if (rootfd < 0)
		return sk_err_sys(e, errno, "open %s", root);
	r = read_list(rootfd, "devices/system/cpu/online", &t->online, NULL, e);
	if (r < 0)
		return sk_err_prefix(e, "%s", root);
	r = read_list(rootfd, "devices/system/node/online", &nodes, &missing, e);
	if (r < 0)
		return sk_err_prefix(e, "%s", root);
	if (missing) {
		t->n_nodes = 1;
		t->node_id[0] = 0;
		t->node_cpus[0] = t->online;
	} else {
		for (unsigned n = 0; n < SK_NUMA_MAX_CPUS; n++) {
			_cleanup_free_ char *p = NULL;
			int i;
			if (!sk_cpuset_has(&nodes, n))
				continue;
			if (n >= 64 || t->n_nodes >= SK_NUMA_MAX_NODES)
				return sk_err_set(e, ERANGE, "%s: node%u: too many NUMA nodes",
						  root, n);
			i = t->n_nodes++;
			t->node_id[i] = (int)n;
			p = sk_xasprintf("devices/system/node/node%u/cpulist", n);
			r = read_list(rootfd, p, &t->node_cpus[i], NULL, e);
			if (r < 0)
				return sk_err_prefix(e, "%s", root);
			for (size_t w = 0; w < SK_NUMA_MAX_CPUS / 64; w++)
				t->node_cpus[i].b[w] &= t->online.b[w];
		}
		for (int i = 0; i < t->n_nodes; i++) {
			_cleanup_free_ char *p =
				sk_xasprintf("devices/system/node/node%d/distance", t->node_id[i]);
			_cleanup_free_ char *txt = NULL;
			char *s, *end;
			struct sk_err ign;
			if (sk_read_file_at(rootfd, p, &txt, NULL, &ign) < 0)
				continue; /* unknown distances: defaults */
			s = txt;
			for (int j = 0; j < t->n_nodes; j++) {
				unsigned long d = strtoul(s, &end, 10);
				if (end == s)
					break;
				t->dist[i][j] = (uint32_t)d;
				s = end;
			}
		}
	}
	for (unsigned c = 0; c < SK_NUMA_MAX_CPUS; c++) {
		_cleanup_free_ char *p = NULL, *q = NULL;
		struct sk_cpuset sib;
		struct sk_err ign;
		bool miss;
		if (!sk_cpuset_has(&t->online, c))
			continue;
		t->core[c] = (int16_t)c;
		p = sk_xasprintf("devices/system/cpu/cpu%u/topology/core_cpus_list", c);
		if (read_list(rootfd, p, &sib, &miss, &ign) < 0)
			continue;
		if (miss) {
			q = sk_xasprintf("devices/system/cpu/cpu%u/topology/thread_siblings_list", c);
			if (read_list(rootfd, q, &sib, &miss, &ign) < 0 || miss)
				continue;
		}
		for (unsigned s = 0; s < SK_NUMA_MAX_CPUS; s++)
			if (sk_cpuset_has(&sib, s)) {
				t->core[c] = (int16_t)s;
				break;
			}
	}
	return 0;
}

/* @v is @no (or absent): 0; @yes: 1; else -1. */
static int choice(const char *v, const char *no, const char *yes)
{
	if (!v || !strcmp(v, no))
		return 0;
	return strcmp(v, yes) ? -1 : 1;
}

int sk_numa_req_from_config(const struct oci_config *c, struct sk_numa_req *req, struct sk_err *e)
{
	const char *n = oci_annotation(c, "org.skiff.numa.cpus");
	const char *pol = oci_annotation(c, "org.skiff.numa.policy");
	const char *smt = oci_annotation(c, "org.skiff.numa.smt");
	const char *ex = oci_annotation(c, "org.skiff.numa.exclusive");
	uint64_t v;
	int b;

	memset(req, 0, sizeof(*req));
	if (!n)
		return 0;
	if (sk_parse_u64(n, &v) < 0 || v == 0 || v > SK_NUMA_MAX_CPUS)
		return sk_err_set(e, EINVAL,
				  "annotation org.skiff.numa.cpus: \"%s\" is not a CPU count (1-%d)",
				  n, SK_NUMA_MAX_CPUS);
	req->n_cpus = (unsigned)v;
	b = choice(pol, "pack", "spread");
	if (b < 0)
		return sk_err_set(e, EINVAL,
				  "annotation org.skiff.numa.policy: \"%s\" is not pack or spread",
				  pol);
	req->policy = b ? SK_NUMA_SPREAD : SK_NUMA_PACK;
	b = choice(smt, "cores", "threads");
	if (b < 0)
		return sk_err_set(e, EINVAL,
				  "annotation org.skiff.numa.smt: \"%s\" is not cores or threads",
				  smt);
	req->threads = b;
	b = choice(ex, "false", "true");
	if (b < 0)
		return sk_err_set(e, EINVAL,
				  "annotation org.skiff.numa.exclusive: \"%s\" is not true or false",
				  ex);
	req->exclusive = b;
	return 1;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_numa.c - the NUMA placer on fabricated machines.  Topologies are
 * written as sysfs trees into a temp dir at runtime and read back with
 * sk_numa_topo_read(), so the reader is tested too.
 */
#include "internal.h"
#include "../../cgroups/internal.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

static void put(const char *root, const char *rel, const char *txt)
{
	char *p = sk_xasprintf("%s/%s", root, rel);
	char *d = sk_xstrdup(p);
	struct sk_err e;
	*strrchr(d, '/') = '\0';
	sk_ignore(sk_mkdir_p(d, 0755, &e));
	if (sk_write_file_at(AT_FDCWD, p, txt, strlen(txt), O_CREAT | O_TRUNC, 0644, &e) < 0)
		printf("# %s\n", e.msg);
	free(d);
	free(p);
}

/* A machine: @nodes nodes, @cores cores per node, @smt threads per core.
 * Numbering like x86: thread t of core c on node n is
 * t * (nodes*cores) + n*cores + c.  @dist: nodes*nodes or NULL.
 * @online: cpu/online text or NULL (all).  @sib_file: which sibling file. */
static char *machine(int nodes, int cores, int smt, const int *dist, const char *online,
		     const char *sib_file)
{
	char tmpl[] = "/tmp/skiff-test-numa-XXXXXX";
	char *root = sk_xstrdup(mkdtemp(tmpl));
	int per = (nodes > 0 ? nodes : 1) * cores, total = per * smt;
	char buf[4096];

	snprintf(buf, sizeof(buf), "0-%d\n", total - 1);
	put(root, "devices/system/cpu/online", online ? online : buf);
	if (nodes > 0) {
		snprintf(buf, sizeof(buf), nodes > 1 ? "0-%d\n" : "0\n", nodes - 1);
		put(root, "devices/system/node/online", buf);
	}
	for (int n = 0; n < (nodes > 0 ? nodes : 1); n++) {
		size_t o = 0;
		char rel[128];
		buf[0] = '\0';
		for (int t = 0; t < smt; t++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%d-%d", t ? "," : "",
					      t * per + n * cores, t * per + n * cores + cores - 1);
		buf[o++] = '\n';
		buf[o] = '\0';
		if (nodes > 0) {
			snprintf(rel, sizeof(rel), "devices/system/node/node%d/cpulist", n);
			put(root, rel, buf);
			o = 0;
			buf[0] = '\0';
			for (int m = 0; m < nodes; m++)
				o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%d", m ? " " : "",
						      dist ? dist[n * nodes + m]
							   : (n == m ? 10 : 20));
			snprintf(buf + o, sizeof(buf) - o, "\n");
			snprintf(rel, sizeof(rel), "devices/system/node/node%d/distance", n);
			put(root, rel, buf);
		}
		for (int c = 0; c < cores; c++) {
			size_t so = 0;
			char sib[256];
			sib[0] = '\0';
			for (int t = 0; t < smt; t++)
				so += (size_t)snprintf(sib + so, sizeof(sib) - so, "%s%d",
						       t ? "," : "", t * per + n * cores + c);
			snprintf(sib + so, sizeof(sib) - so, "\n");
			for (int t = 0; t < smt && sib_file; t++) {
				snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/topology/%s",
					 t * per + n * cores + c, sib_file);
				put(root, rel, sib);
			}
		}
	}
	return root;
}

static int place_on(const char *root, const char *occupied, unsigned n, enum sk_numa_policy pol,
		    bool threads, char **out, struct sk_err *e)
{
	struct sk_numa_topo *t = sk_xcalloc(1, sizeof(*t));
	struct sk_numa_req req = { .n_cpus = n, .policy = pol, .threads = threads };
	struct sk_numa_result res;
	struct sk_cpuset occ;
	int r;

	*out = NULL;
	r = sk_numa_topo_read(root, t, e);
	if (r == 0) {
		sk_cpuset_parse(occupied ? occupied : "", &occ);
		r = sk_numa_place(t, &occ, &req, &res, e);
	}
	if (r == 0)
		*out = sk_numa_result_str(&res);
	free(t);
	return r;
}

#define PLACE(root, occ, n, pol, thr, expect)                        \
	do {                                                         \
		char *_s = NULL;                                     \
		struct sk_err _e = { 0 };                            \
		int _r = place_on(root, occ, n, pol, thr, &_s, &_e); \
		if (_r < 0)                                          \
			printf("# place: %s\n", _e.msg);             \
		CHECK_STR(_s, expect);                               \
		free(_s);                                            \
	} while (0)

/* One placement on a machine: occupied CPUs, how many, policy, threads,
 * the placement expected. */
struct place_case {
	const char *occ;
	int n;
	enum sk_numa_policy pol;
	bool thr;
	const char *expect;
};

/* Check each of @n placements on machine @m, then remove @m. */
static void place_cases(char *m, const struct place_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		PLACE(m, c[i].occ, c[i].n, c[i].pol, c[i].thr, c[i].expect);
	sk_rm_rf(m);
	free(m);
}

TEST(cpuset_text)
{
	struct sk_cpuset s;
	char *f;

	CHECK_INT(sk_cpuset_parse("0-3,8,10-11\n", &s), 0);
	CHECK_INT(sk_cpuset_count(&s), 7);
	f = sk_cpuset_format(&s);
	CHECK_STR(f, "0-3,8,10-11");
	free(f);
	CHECK_INT(sk_cpuset_parse("", &s), 0);
	CHECK_INT(sk_cpuset_count(&s), 0);
	f = sk_cpuset_format(&s);
	CHECK_STR(f, "");
	free(f);
	CHECK(sk_cpuset_parse("3-1", &s) < 0);
	CHECK(sk_cpuset_parse("a", &s) < 0);
	CHECK(sk_cpuset_parse("0-5000", &s) < 0);
}

TEST(one_node)
{
	char *m = machine(1, 4, 1, NULL, NULL, "thread_siblings_list");
	char *nonode = machine(0, 4, 1, NULL, NULL, NULL);

	PLACE(m, NULL, 2, SK_NUMA_PACK, false, "nodes=0 cpus=0-1");
	PLACE(m, "0", 2, SK_NUMA_PACK, false, "nodes=0 cpus=1-2");
	PLACE(m, NULL, 4, SK_NUMA_SPREAD, false, "nodes=0 cpus=0-3");
	/* no node/ directory at all: one node 0 with every online CPU */
	PLACE(nonode, "1", 3, SK_NUMA_PACK, false, "nodes=0 cpus=0,2-3");
	sk_rm_rf(m);
	sk_rm_rf(nonode);
	free(m);
	free(nonode);
}

/* 2 nodes x 4 cores x 2 threads: node0 = 0-3,8-11, node1 = 4-7,12-15,
 * siblings (0,8) (1,9) ... */
TEST(two_nodes_smt)
{
	static const struct place_case cases[] = {
		{ NULL, 2, SK_NUMA_PACK, false, "nodes=0 cpus=0,8" },
		{ NULL, 4, SK_NUMA_PACK, false, "nodes=0 cpus=0-1,8-9" },
		{ NULL, 8, SK_NUMA_PACK, false, "nodes=0 cpus=0-3,8-11" },
		/* 10 fits no node: 5 + 5, whole cores first, then one thread */
		{ NULL, 10, SK_NUMA_PACK, false, "nodes=0-1 cpus=0-2,4-6,8-9,12-13" },
		/* smt=threads: one thread per core first */
		{ NULL, 2, SK_NUMA_PACK, true, "nodes=0 cpus=0-1" },
		{ NULL, 6, SK_NUMA_PACK, true, "nodes=0 cpus=0-3,8-9" },
		/* spread: evenly over both nodes */
		{ NULL, 4, SK_NUMA_SPREAD, false, "nodes=0-1 cpus=0,4,8,12" },
		{ NULL, 2, SK_NUMA_SPREAD, false, "nodes=0-1 cpus=0,4" },
		{ NULL, 4, SK_NUMA_SPREAD, true, "nodes=0-1 cpus=0-1,4-5" },
	};
	char *m = machine(2, 4, 2, NULL, NULL, "core_cpus_list");
	struct sk_numa_topo *t = sk_xcalloc(1, sizeof(*t));
	struct sk_err e = { 0 };

	CHECK_INT(sk_numa_topo_read(m, t, &e), 0);
	CHECK_INT(t->n_nodes, 2);
	CHECK_INT(t->core[8], 0);
	CHECK_INT(t->core[13], 5);
	CHECK_INT(t->dist[0][1], 20);
	free(t);

	place_cases(m, cases, sizeof(cases) / sizeof(cases[0]));
}

TEST(partly_occupied)
{
	static const struct place_case cases[] = {
		/* node0 has 2 free (3,11): 4 goes to node1, 2 best-fits node0 */
		{ "0-2,8-10", 4, SK_NUMA_PACK, false, "nodes=1 cpus=4-5,12-13" },
		{ "0-2,8-10", 2, SK_NUMA_PACK, false, "nodes=0 cpus=3,11" },
		/* a lone free sibling is used before a whole core is broken */
		{ "0", 1, SK_NUMA_PACK, false, "nodes=0 cpus=8" },
		{ "0", 3, SK_NUMA_PACK, false, "nodes=0 cpus=1,8-9" },
		/* spread skips a full node */
		{ "0-3,8-11", 2, SK_NUMA_SPREAD, false, "nodes=1 cpus=4,12" },
	};
	char *m = machine(2, 4, 2, NULL, NULL, "thread_siblings_list");

	place_cases(m, cases, sizeof(cases) / sizeof(cases[0]));
}

TEST(four_nodes_distances)
{
	static const struct place_case cases[] = {
		/* node n = cpus 2n,2n+1; 4 CPUs need two nodes: closest pair 1+2 */
		{ NULL, 4, SK_NUMA_PACK, false, "nodes=1-2 cpus=2-5" },
		/* node1 half used: pairs holding 4 free: (0,2) 31, (0,3) 41, (2,3) 21 */
		{ "2", 4, SK_NUMA_PACK, false, "nodes=2-3 cpus=4-7" },
		/* 3 CPUs: 2 + 1 on the closest pair */
		{ NULL, 3, SK_NUMA_PACK, false, "nodes=1-2 cpus=2-4" },
		{ NULL, 4, SK_NUMA_SPREAD, false, "nodes=0-3 cpus=0,2,4,6" },
	};
	static const int dist[16] = {
		10, 21, 31, 41, 21, 10, 12, 31, 31, 12, 10, 21, 41, 31, 21, 10,
	};
	char *m = machine(4, 2, 1, dist, NULL, "thread_siblings_list");

	place_cases(m, cases, sizeof(cases) / sizeof(cases[0]));
}

TEST(offline_cpus)
{
	static const struct place_case cases[] = {
		{ NULL, 4, SK_NUMA_PACK, false, "nodes=1 cpus=4-7" },
		{ NULL, 3, SK_NUMA_PACK, false, "nodes=0 cpus=0-2" },
		{ NULL, 7, SK_NUMA_PACK, false, "nodes=0-1 cpus=0-2,4-7" },
	};
	char *m = machine(2, 4, 1, NULL, "0-2,4-7\n", "thread_siblings_list");

	place_cases(m, cases, sizeof(cases) / sizeof(cases[0]));
}

TEST(impossible)
{
	char *m = machine(2, 4, 1, NULL, NULL, NULL);
	char *s = NULL;
	struct sk_err e = { 0 };

	CHECK_INT(place_on(m, "0-2,4-5", 6, SK_NUMA_PACK, false, &s, &e), -ENOSPC);
	CHECK_STR(e.msg, "org.skiff.numa.cpus=6: only 3 free CPUs (node0: 1 [3], node1: 2 [6-7])");
	CHECK_INT(place_on(m, "0-7", 1, SK_NUMA_PACK, false, &s, &e), -ENOSPC);
	CHECK_STR(e.msg, "org.skiff.numa.cpus=1: only 0 free CPUs (node0: 0, node1: 0)");
	CHECK(place_on(m, NULL, 0, SK_NUMA_PACK, false, &s, &e) < 0);
	CHECK_CONTAINS(e.msg, "at least 1");
	sk_rm_rf(m);
	free(m);
}

static struct oci_config *cfg_ann(const char *ann)
{
	struct oci_config *c = NULL;
	struct sk_err e = { 0 };
	char *j = sk_xasprintf("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
			       "\"annotations\":{%s},\"linux\":{\"memoryPolicy\":{\"mode\":\"MPOL_BIND\","
			       "\"nodes\":\"0-1,3\",\"flags\":[\"MPOL_F_STATIC_NODES\"]}}}",
			       ann);
	if (oci_config_parse(j, strlen(j), &c, &e) < 0)
		printf("# parse: %s\n", e.msg);
	free(j);
	return c;
}

TEST(annotations)
{
	struct sk_numa_req req;
	struct sk_err e = { 0 };
	struct oci_config *c;

	c = cfg_ann("\"x\":\"y\"");
	CHECK_INT(sk_numa_req_from_config(c, &req, &e), 0);
	oci_config_free(c);
	c = cfg_ann("\"org.skiff.numa.cpus\":\"4\"");
	CHECK_INT(sk_numa_req_from_config(c, &req, &e), 1);
	CHECK_INT(req.n_cpus, 4);
	CHECK_INT(req.policy, SK_NUMA_PACK);
	CHECK(!req.threads && !req.exclusive);
	oci_config_free(c);
	c = cfg_ann("\"org.skiff.numa.cpus\":\"2\",\"org.skiff.numa.policy\":\"spread\","
		    "\"org.skiff.numa.smt\":\"threads\",\"org.skiff.numa.exclusive\":\"true\"");
	CHECK_INT(sk_numa_req_from_config(c, &req, &e), 1);
	CHECK_INT(req.policy, SK_NUMA_SPREAD);
	CHECK(req.threads && req.exclusive);
	oci_config_free(c);
	c = cfg_ann("\"org.skiff.numa.cpus\":\"two\"");
	CHECK(sk_numa_req_from_config(c, &req, &e) < 0);
	CHECK_CONTAINS(e.msg, "org.skiff.numa.cpus");
	oci_config_free(c);
	c = cfg_ann("\"org.skiff.numa.cpus\":\"2\",\"org.skiff.numa.policy\":\"best\"");
	CHECK(sk_numa_req_from_config(c, &req, &e) < 0);
	CHECK_CONTAINS(e.msg, "org.skiff.numa.policy");
	oci_config_free(c);
}

TEST(mempolicy_args)
{
	struct oci_config *c = cfg_ann("\"a\":\"b\"");
	unsigned long mask[4], maxnode;
	struct sk_err e = { 0 };
	int mode = -1;

	CHECK_INT(sk_numa_mempolicy_args(c, &mode, mask, 4, &maxnode, &e), 0);
	CHECK_INT(mode, 2 | (1 << 15));
	CHECK_INT(mask[0], 0xb);
	CHECK_INT(maxnode, 4 * 8 * sizeof(unsigned long));
	free(c->lnx.memory_policy.mode);
	c->lnx.memory_policy.mode = sk_xstrdup("MPOL_FOO");
	CHECK(sk_numa_mempolicy_args(c, &mode, mask, 4, &maxnode, &e) < 0);
	CHECK_CONTAINS(e.msg, "MPOL_FOO");
	oci_config_free(c);
}

TEST(ledger)
{
	char tmpl[] = "/tmp/skiff-test-ledger-XXXXXX";
	char *root = mkdtemp(tmpl);
	char *m = machine(1, 4, 1, NULL, NULL, NULL);
	struct sk_numa_topo *t = sk_xcalloc(1, sizeof(*t));
	struct sk_numa_req req = { .n_cpus = 2 };
	struct sk_numa_result res;
	struct sk_cpuset occ;
	struct sk_err e = { 0 };
	char *s, *d;
	pid_t child;

	CHECK_INT(sk_numa_topo_read(m, t, &e), 0);
	CHECK_INT(sk_numa_ledger_place(root, "a", t, &req, &res, &e), 0);
	s = sk_cpuset_format(&res.cpus);
	CHECK_STR(s, "0-1");
	free(s);
	CHECK_INT(sk_numa_ledger_place(root, "b", t, &req, &res, &e), 0);
	s = sk_cpuset_format(&res.cpus);
	CHECK_STR(s, "2-3");
	free(s);
	req.n_cpus = 1;
	CHECK(sk_numa_ledger_place(root, "c", t, &req, &res, &e) < 0);
	CHECK_CONTAINS(e.msg, "only 0 free");
	CHECK_INT(sk_numa_ledger_release(root, "a", &e), 0);
	CHECK_INT(sk_numa_ledger_place(root, "c", t, &req, &res, &e), 0);
	s = sk_cpuset_format(&res.cpus);
	CHECK_STR(s, "0");
	free(s);

	/* "b" gets an init that dies: its entry turns stale */
	child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	d = sk_xasprintf("%s/b", root);
	mkdir(d, 0700);
	CHECK_INT(sk_numa_ledger_set_pid(root, "b", child, &e), 0);
	CHECK_INT(sk_numa_ledger_occupied(root, &occ, &e), 0);
	s = sk_cpuset_format(&occ);
	CHECK_STR(s, "0");
	free(s);
	/* "c" with a live init (us) and a state dir stays */
	rmdir(d);
	free(d);
	d = sk_xasprintf("%s/c", root);
	mkdir(d, 0700);
	CHECK_INT(sk_numa_ledger_set_pid(root, "c", getpid(), &e), 0);
	CHECK_INT(sk_numa_ledger_occupied(root, &occ, &e), 0);
	CHECK_INT(sk_cpuset_count(&occ), 1);
	rmdir(d); /* state dir gone: stale even though the pid lives */
	CHECK_INT(sk_numa_ledger_occupied(root, &occ, &e), 0);
	CHECK_INT(sk_cpuset_count(&occ), 0);
	free(d);

	/* the ledger is a versioned record */
	CHECK_INT(sk_numa_ledger_place(root, "d", t, &req, &res, &e), 0);
	s = sk_xasprintf("%s/numa.ledger", root);
	CHECK_INT(sk_read_file_at(AT_FDCWD, s, &d, NULL, &e), 0);
	CHECK_CONTAINS(d, "{\"version\":1,\"entries\":[{\"id\":\"d\",\"pid\":");
	CHECK_CONTAINS(d, "\"kind\":\"o\",\"cpus\":\"0\"}]}");
	free(d);
	/* an older skiff's text ledger (version 0) is read */
	d = sk_xasprintf("e %d 0 o 2-3\ngarbage\n", (int)getpid());
	CHECK_INT(sk_write_file_at(AT_FDCWD, s, d, strlen(d), O_CREAT | O_TRUNC, 0600, &e), 0);
	free(d);
	CHECK_INT(sk_numa_ledger_occupied(root, &occ, &e), 0);
	d = sk_cpuset_format(&occ);
	CHECK_STR(d, "2-3");
	free(d);
	/* one cut short: read as empty, replaced at the next change */
	CHECK_INT(sk_write_file_at(AT_FDCWD, s, "{\"version\":1,\"entr", 18, O_CREAT | O_TRUNC,
				   0600, &e),
		  0);
	CHECK_INT(sk_numa_ledger_occupied(root, &occ, &e), 0);
	CHECK_INT(sk_cpuset_count(&occ), 0);
	free(s);
	free(t);
	sk_rm_rf(root);
	sk_rm_rf(m);
	free(m);
}

int main(void)
{
	RUN(cpuset_text);
	RUN(one_node);
	RUN(two_nodes_smt);
	RUN(partly_occupied);
	RUN(four_nodes_distances);
	RUN(offline_cpus);
	RUN(impossible);
	RUN(annotations);
	RUN(mempolicy_args);
	RUN(ledger);
	return unit_done();
}

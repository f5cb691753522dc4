/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * placer_bench.c - median time of one sk_numa_place() call on a
 * fabricated 4-node, 256-CPU machine (4 nodes x 32 cores x 2 threads),
 * a quarter of the CPUs already occupied, over 1000 runs mixing pack /
 * spread / smt=threads requests of 8-98 CPUs.  Prints
 * "placer_median_us N" (-v adds the p99).
 * Build: cc -Iruntime -o placer_bench tests/bench/placer_bench.c BUILD/libskiff.a LIBS
 */
#include "runtime.h"
#include "../../cgroups/internal.h"

#include <string.h>
#include <time.h>

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	enum { NODES = 4, CORES = 32, SMT = 2, RUNS = 1000 };
	struct sk_numa_topo *t = sk_xcalloc(1, sizeof(*t));
	struct sk_cpuset occ;
	struct sk_numa_result res;
	struct sk_err e;
	static double us[RUNS];
	int per = NODES * CORES;
	unsigned sink = 0;

	memset(&occ, 0, sizeof(occ));
	t->n_nodes = NODES;
	for (int c = 0; c < SK_NUMA_MAX_CPUS; c++)
		t->core[c] = -1;
	for (int n = 0; n < NODES; n++) {
		t->node_id[n] = n;
		for (int m = 0; m < NODES; m++)
			t->dist[n][m] = n == m ? 10 : (uint32_t)(20 + 5 * abs(n - m));
		for (int c = 0; c < CORES; c++)
			for (int s = 0; s < SMT; s++) {
				int cpu = s * per + n * CORES + c;
				sk_cpuset_set(&t->node_cpus[n], (unsigned)cpu);
				sk_cpuset_set(&t->online, (unsigned)cpu);
				t->core[cpu] = (int16_t)(n * CORES + c);
				if (c < CORES / 4)
					sk_cpuset_set(&occ, (unsigned)cpu);
			}
	}
	for (int i = 0; i < RUNS; i++) {
		struct sk_numa_req req = { .n_cpus = (unsigned)(8 + (i % 4) * 30),
					   .policy = (i & 1) ? SK_NUMA_SPREAD : SK_NUMA_PACK,
					   .threads = (i % 3) == 0 };
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		if (sk_numa_place(t, &occ, &req, &res, &e) < 0) {
			fprintf(stderr, "placer_bench: %s\n", e.msg);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		sink += sk_cpuset_count(&res.cpus);
		us[i] = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
	}
	qsort(us, RUNS, sizeof(us[0]), cmp_d);
	printf("placer_median_us %.1f\n", us[RUNS / 2]);
	if (argc > 1 && !strcmp(argv[1], "-v"))
		printf("# p99 %.1f us, %u CPUs placed\n", us[RUNS * 99 / 100], sink);
	free(t);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * numa_place.c - the pure CPU placer: topology + occupied CPUs + request
 * -> CPU set and node set.  No I/O here; unit tests feed it fabricated
 * machines.
 */
#include "internal.h"

#include <errno.h>
#include <string.h>

static int core_of(const struct sk_numa_topo *t, unsigned c)
{
	int k = t->core[c];
	return k >= 0 && k < SK_NUMA_MAX_CPUS ? k : (int)c;
}

static uint32_t distance(const struct sk_numa_topo *t, int a, int b)
{
	uint32_t d = t->dist[a][b];
	if (d)
		return d;
	return a == b ? 10 : 20;
}

#define MAX_SMT 8

struct core_slot {
	uint16_t cpu[MAX_SMT]; /* free threads of the core, ascending */
	uint8_t nfree, ntotal;
};

/* Take @count CPUs of @freeset (all on one node) into @out. */
static void pick_on_node(const struct sk_numa_topo *t, const struct sk_cpuset *node,
			 const struct sk_cpuset *freeset, unsigned count, bool threads,
			 struct sk_cpuset *out)
{
	struct core_slot slots[SK_NUMA_MAX_CPUS];
	int16_t slot_of[SK_NUMA_MAX_CPUS];
	unsigned ns = 0, left = count;

	memset(slot_of, 0xff, sizeof(slot_of));
	for (unsigned w = 0; w < SK_NUMA_MAX_CPUS / 64; w++) {
		uint64_t bits = node->b[w];
		while (bits) {
			unsigned c = w * 64 + (unsigned)__builtin_ctzll(bits);
			int k = core_of(t, c);
			struct core_slot *sl;
			bits &= bits - 1;
			if (slot_of[k] < 0) {
				slot_of[k] = (int16_t)ns;
				slots[ns].nfree = slots[ns].ntotal = 0;
				ns++;
			}
			sl = &slots[slot_of[k]];
			sl->ntotal++;
			if (sk_cpuset_has(freeset, c) && sl->nfree < MAX_SMT)
				sl->cpu[sl->nfree++] = (uint16_t)c;
		}
	}

	if (!threads) {
		/* 1: whole free cores that fit entirely */
		for (unsigned i = 0; i < ns && left; i++) {
			struct core_slot *sl = &slots[i];
			if (!sl->nfree || sl->nfree != sl->ntotal || sl->nfree > left)
				continue;
			for (unsigned j = 0; j < sl->nfree; j++)
				sk_cpuset_set(out, sl->cpu[j]);
			left -= sl->nfree;
			sl->nfree = 0;
		}
		/* 2: free threads of cores partly used already; 3: break cores */
		for (int pass = 0; pass < 2 && left; pass++)
			for (unsigned i = 0; i < ns && left; i++) {
				struct core_slot *sl = &slots[i];
				if (!sl->nfree || (pass == 0 && sl->nfree == sl->ntotal))
					continue;
				for (unsigned j = 0; j < sl->nfree && left; j++, left--)
					sk_cpuset_set(out, sl->cpu[j]);
				sl->nfree = 0;
			}
		return;
	}
	/* threads: one thread per core first (wholly free cores before shared
	 * ones), then the second threads, ... */
	for (unsigned round = 0; left && round < MAX_SMT; round++)
		for (int pass = 0; pass < 2 && left; pass++)
			for (unsigned i = 0; i < ns && left; i++) {
				struct core_slot *sl = &slots[i];
				bool whole = sl->nfree == sl->ntotal;
				if (round >= sl->nfree || (pass == 0) != whole)
					continue;
				sk_cpuset_set(out, sl->cpu[round]);
				left--;
			}
}

/* Split @n over the nodes of @set as evenly as their free CPUs allow;
 * extra CPUs go to the nodes with the most free CPUs (then lowest). */
static void water_fill(int n_nodes, const unsigned *nfree, uint64_t set, unsigned n, unsigned *alloc)
{
	int order[SK_NUMA_MAX_NODES], k = 0;

	for (int i = 0; i < n_nodes; i++) {
		alloc[i] = 0;
		if (set >> i & 1)
			order[k++] = i;
	}
	for (int i = 1; i < k; i++) /* insertion sort: free desc, index asc */
		for (int j = i; j > 0 && nfree[order[j]] > nfree[order[j - 1]]; j--) {
			int x = order[j];
			order[j] = order[j - 1];
			order[j - 1] = x;
		}
	while (n) {
		bool gave = false;
		for (int i = 0; i < k && n; i++)
			if (alloc[order[i]] < nfree[order[i]]) {
				alloc[order[i]]++;
				n--;
				gave = true;
			}
		if (!gave)
			break;
	}
}

static uint64_t subset_cost(const struct sk_numa_topo *t, uint64_t set)
{
	uint64_t c = 0;
	for (int i = 0; i < t->n_nodes; i++)
		for (int j = i + 1; j < t->n_nodes; j++)
			if ((set >> i & 1) && (set >> j & 1))
				c += distance(t, i, j);
	return c;
}

static unsigned subset_free(const unsigned *nfree, int n_nodes, uint64_t set)
{
	unsigned s = 0;
	for (int i = 0; i < n_nodes; i++)
		if (set >> i & 1)
			s += nfree[i];
	return s;
}

/* The best node set so far: the closest, then the one with most free CPUs. */
struct best {
	uint64_t set, cost;
	unsigned free;
};

/* Keep @set in @b when it holds @n free CPUs and beats it. */
static void consider(struct best *b, const struct sk_numa_topo *t, const unsigned *nfree,
		     unsigned n, uint64_t set)
{
	unsigned f = subset_free(nfree, t->n_nodes, set);
	uint64_t cost;

	if (f < n)
		return;
	cost = subset_cost(t, set);
	if (cost < b->cost || (cost == b->cost && f > b->free))
		*b = (struct best){ set, cost, f };
}

/* Fewest nodes holding @n free CPUs; among them the closest set. */
static uint64_t choose_nodes(const struct sk_numa_topo *t, const unsigned *nfree, unsigned n)
{
	unsigned sorted[SK_NUMA_MAX_NODES], sum = 0;
	int nn = t->n_nodes, k = 0, avail = 0;
	struct best best = { .cost = UINT64_MAX };

	for (int i = 0; i < nn; i++) {
		sorted[i] = nfree[i];
		avail += nfree[i] > 0;
	}
	for (int i = 1; i < nn; i++)
		for (int j = i; j > 0 && sorted[j] > sorted[j - 1]; j--) {
			unsigned x = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = x;
		}
	while (k < nn && sum < n)
		sum += sorted[k++];

	if (avail <= 20) {
		int idx[SK_NUMA_MAX_NODES], m = 0;
		for (int i = 0; i < nn; i++)
			if (nfree[i])
				idx[m++] = i;
		for (uint32_t mask = 0; mask < (1u << m); mask++) {
			uint64_t set = 0;
			if (__builtin_popcount(mask) != k)
				continue;
			for (int i = 0; i < m; i++)
				if (mask >> i & 1)
					set |= 1ULL << idx[i];
			consider(&best, t, nfree, n, set);
		}
		return best.set;
	}
	/* many nodes: greedy from every seed, add the closest node */
	for (int s = 0; s < nn; s++) {
		uint64_t set = 1ULL << s;
		if (!nfree[s])
			continue;
		for (int added = 1; added < k; added++) {
			int pick = -1;
			uint64_t pc = UINT64_MAX;
			for (int j = 0; j < nn; j++) {
				uint64_t c = 0;
				if (!nfree[j] || set >> j & 1)
					continue;
				for (int i = 0; i < nn; i++)
					if (set >> i & 1)
						c += distance(t, i, j);
				if (c < pc || (c == pc && pick >= 0 && nfree[j] > nfree[pick])) {
					pc = c;
					pick = j;
				}
			}
			if (pick < 0)
				break;
			set |= 1ULL << pick;
		}
		consider(&best, t, nfree, n, set);
	}
	if (!best.set) { /* greedy failed: the k largest nodes */
		for (int want = 0; want < k; want++) {
			int pick = -1;
			for (int j = 0; j < nn; j++)
				if (!(best.set >> j & 1) && nfree[j] &&
				    (pick < 0 || nfree[j] > nfree[pick]))
					pick = j;
			if (pick >= 0)
				best.set |= 1ULL << pick;
		}
	}
	return best.set;
}

static void free_error(const struct sk_numa_topo *t, const struct sk_cpuset *freesets,
		       const unsigned *nfree, unsigned total, const struct sk_numa_req *req,
		       struct sk_err *e)
{
	char buf[900];
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; i < t->n_nodes && o < sizeof(buf) - 64; i++) {
		_cleanup_free_ char *l = sk_cpuset_format(&freesets[i]);
		int w;
		if (nfree[i])
			w = snprintf(buf + o, sizeof(buf) - o, "%snode%d: %u [%s]", i ? ", " : "",
				     t->node_id[i], nfree[i], l);
		else
			w = snprintf(buf + o, sizeof(buf) - o, "%snode%d: 0", i ? ", " : "",
				     t->node_id[i]);
		if (w < 0 || (size_t)w >= sizeof(buf) - o)
			break;
		o += (size_t)w;
	}
	sk_err_set(e, ENOSPC, "org.skiff.numa.cpus=%u: only %u free CPU%s (%s)", req->n_cpus, total,
		   total == 1 ? "" : "s", buf);
}

int sk_numa_place(const struct sk_numa_topo *t, const struct sk_cpuset *occupied,
		  const struct sk_numa_req *req, struct sk_numa_result *res, struct sk_err *e)
{
	struct sk_cpuset freesets[SK_NUMA_MAX_NODES];
	unsigned nfree[SK_NUMA_MAX_NODES], alloc[SK_NUMA_MAX_NODES], total = 0;
	uint64_t set = 0;
	int nn = t->n_nodes;

	memset(res, 0, sizeof(*res));
	if (nn <= 0 || nn > SK_NUMA_MAX_NODES)
		return sk_err_set(e, EINVAL, "NUMA topology: no nodes");
	if (req->n_cpus == 0)
		return sk_err_set(e, EINVAL, "org.skiff.numa.cpus=0: must be at least 1");
	for (int i = 0; i < nn; i++) {
		for (size_t w = 0; w < sizeof(freesets[i].b) / sizeof(freesets[i].b[0]); w++)
			freesets[i].b[w] = t->node_cpus[i].b[w] & t->online.b[w] &
					   ~(occupied ? occupied->b[w] : 0);
		nfree[i] = sk_cpuset_count(&freesets[i]);
		total += nfree[i];
	}
	if (total < req->n_cpus) {
		free_error(t, freesets, nfree, total, req, e);
		return -ENOSPC;
	}

	if (req->policy == SK_NUMA_SPREAD) {
		for (int i = 0; i < nn; i++)
			if (nfree[i])
				set |= 1ULL << i;
	} else {
		int best = -1;
		for (int i = 0; i < nn; i++) /* best fit on one node */
			if (nfree[i] >= req->n_cpus && (best < 0 || nfree[i] < nfree[best]))
				best = i;
		if (best >= 0)
			set = 1ULL << best;
		else
			set = choose_nodes(t, nfree, req->n_cpus);
	}
	water_fill(nn, nfree, set, req->n_cpus, alloc);
	for (int i = 0; i < nn; i++) {
		if (!alloc[i])
			continue;
		pick_on_node(t, &t->node_cpus[i], &freesets[i], alloc[i], req->threads, &res->cpus);
		if (t->node_id[i] >= 0 && t->node_id[i] < 64)
			res->nodes |= 1ULL << t->node_id[i];
	}
	if (sk_cpuset_count(&res->cpus) != req->n_cpus)
		return sk_err_set(e, EAGAIN, "org.skiff.numa.cpus=%u: placement found %u CPUs",
				  req->n_cpus, sk_cpuset_count(&res->cpus));
	return 0;
}

char *sk_numa_nodes_str(const struct sk_numa_result *res)
{
	struct sk_cpuset s;

	memset(&s, 0, sizeof(s));
	s.b[0] = res->nodes;
	return sk_cpuset_format(&s);
}

char *sk_numa_result_str(const struct sk_numa_result *res)
{
	_cleanup_free_ char *n = sk_numa_nodes_str(res), *c = sk_cpuset_format(&res->cpus);
	return sk_xasprintf("nodes=%s cpus=%s", n, c);
}

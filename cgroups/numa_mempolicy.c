/* SPDX-License-Identifier: GPL-2.0-or-later */
/* numa_mempolicy.c - linux.memoryPolicy -> set_mempolicy(2), raw syscall. */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>

/* Values of the kernel UAPI (linux/mempolicy.h); newer modes spelled
 * out so an older header still builds. */
static const struct {
	const char *name;
	int mode;
} modes[] = {
	{ "MPOL_DEFAULT", 0 },
	{ "MPOL_PREFERRED", 1 },
	{ "MPOL_BIND", 2 },
	{ "MPOL_INTERLEAVE", 3 },
	{ "MPOL_LOCAL", 4 },
	{ "MPOL_PREFERRED_MANY", 5 },
	{ "MPOL_WEIGHTED_INTERLEAVE", 6 },
};
static const struct {
	const char *name;
	int flag;
} flags[] = {
	{ "MPOL_F_STATIC_NODES", 1 << 15 },
	{ "MPOL_F_RELATIVE_NODES", 1 << 14 },
	{ "MPOL_F_NUMA_BALANCING", 1 << 13 },
};

int sk_numa_mempolicy_args(const struct oci_config *c, int *mode, unsigned long *mask,
			   size_t mask_longs, unsigned long *maxnode, struct sk_err *e)
{
	const char *m = c->lnx.memory_policy.mode, *nodes = c->lnx.memory_policy.nodes;
	struct sk_cpuset ns;
	int md = -1, r;

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (m && !strcmp(m, modes[i].name))
			md = modes[i].mode;
	if (md < 0)
		return sk_err_set(e, EINVAL, "linux.memoryPolicy.mode: unknown \"%s\"", m ? m : "");
	for (size_t i = 0; i < c->lnx.memory_policy.n_flags; i++) {
		const char *f = c->lnx.memory_policy.flags[i];
		int v = 0;
		for (size_t j = 0; j < sizeof(flags) / sizeof(flags[0]); j++)
			if (f && !strcmp(f, flags[j].name))
				v = flags[j].flag;
		if (!v)
			return sk_err_set(e, EINVAL, "linux.memoryPolicy.flags[%zu]: unknown \"%s\"",
					  i, f ? f : "");
		md |= v;
	}
	memset(mask, 0, mask_longs * sizeof(unsigned long));
	*maxnode = 0;
	if (nodes && *nodes) {
		r = sk_cpuset_parse(nodes, &ns);
		if (r < 0)
			return sk_err_set(e, r, "linux.memoryPolicy.nodes: invalid \"%s\"", nodes);
		for (unsigned n = 0; n < SK_NUMA_MAX_CPUS; n++)
			if (sk_cpuset_has(&ns, n)) {
				if (n >= mask_longs * 8 * sizeof(unsigned long))
					return sk_err_set(e, ERANGE,
							  "linux.memoryPolicy.nodes: node %u too large",
							  n);
				mask[n / (8 * sizeof(unsigned long))] |=
					1UL << (n % (8 * sizeof(unsigned long)));
			}
		*maxnode = mask_longs * 8 * sizeof(unsigned long);
	} else if ((md & 0xff) == 2 || (md & 0xff) == 3 || (md & 0xff) == 5 || (md & 0xff) == 6) {
		return sk_err_set(e, EINVAL, "linux.memoryPolicy.nodes: required for %s", m);
	}
	*mode = md;
	return 0;
}

int sk_numa_apply_mempolicy(const struct oci_config *c, struct sk_err *e)
{
	unsigned long mask[SK_NUMA_MAX_CPUS / (8 * sizeof(unsigned long))], maxnode;
	int mode, r;

	if (!c || !c->lnx.memory_policy.set)
		return 0;
	r = sk_numa_mempolicy_args(c, &mode, mask, sizeof(mask) / sizeof(mask[0]), &maxnode, e);
	if (r < 0)
		return r;
	/* maxnode counts bits; the kernel reads maxnode-1 of them */
	if (syscall(SYS_set_mempolicy, mode, maxnode ? mask : NULL, maxnode ? maxnode + 1 : 0) < 0)
		return sk_err_sys(e, errno, "set_mempolicy(%s, nodes %s)", c->lnx.memory_policy.mode,
				  c->lnx.memory_policy.nodes ? c->lnx.memory_policy.nodes : "none");
	return 0;
}

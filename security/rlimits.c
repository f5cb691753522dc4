/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rlimits.c - process.rlimits: checked in the parent, applied in the child. */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>

int sk_rlimits_validate(const struct oci_process *p, struct sk_err *e)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct oci_rlimit *l = &p->rlimits[i];
		const char *type = l->type ? l->type : "?";

		if (l->resource < 0 || l->resource >= RLIM_NLIMITS)
			return sk_err_set(e, EINVAL,
					  "process.rlimits[%zu].type: unknown rlimit \"%s\"", i,
					  type);
		for (size_t j = 0; j < i; j++)
			if (p->rlimits[j].resource == l->resource)
				return sk_err_set(e, EINVAL,
						  "process.rlimits[%zu].type: duplicate rlimit \"%s\"",
						  i, type);
		if (l->soft > l->hard)
			return sk_err_set(e, EINVAL,
					  "process.rlimits[%zu] (%s): soft limit %llu is greater than hard limit %llu",
					  i, type, (unsigned long long)l->soft,
					  (unsigned long long)l->hard);
	}
	return 0;
}

int sk_rlimits_apply(const struct oci_process *p, struct sk_err *e)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct oci_rlimit *l = &p->rlimits[i];
		/* UINT64_MAX is RLIM_INFINITY: the values map one to one. */
		struct rlimit rl = { .rlim_cur = (rlim_t)l->soft, .rlim_max = (rlim_t)l->hard };

		if (prlimit(0, (__rlimit_resource_t)l->resource, &rl, NULL) < 0)
			return sk_err_sys(e, errno,
					  "process.rlimits[%zu] (%s): setrlimit soft=%llu hard=%llu",
					  i, l->type ? l->type : "?", (unsigned long long)l->soft,
					  (unsigned long long)l->hard);
	}
	return 0;
}

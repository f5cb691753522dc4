/* SPDX-License-Identifier: GPL-2.0-or-later */
/* version.c - `skiff --version`: runc's block (version, commit, spec, libseccomp). */
#define _GNU_SOURCE
#include "internal.h"

#include <seccomp.h>

#ifndef SKIFF_COMMIT
#define SKIFF_COMMIT "unknown"
#endif

void sk_print_version(FILE *f)
{
	const struct scmp_version *v = seccomp_version();

	fprintf(f, "skiff version %s\ncommit: %s\nspec: %s\n", SKIFF_VERSION,
		*SKIFF_COMMIT ? SKIFF_COMMIT : "unknown", SKIFF_OCI_VERSION);
	if (v)
		fprintf(f, "libseccomp: %u.%u.%u\n", v->major, v->minor, v->micro);
}

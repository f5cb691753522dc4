/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * migrate_plan.c - the pure parts of `migrate`: when to stop pre-copying,
 * whether the target's config matches the checkpointed one, and the
 * report.
 *
 * Rounds: the first pre-copy round sends all memory, the second what was
 * written meanwhile; more rounds only pay while the dirty set shrinks.  A
 * round is measured by the bytes of pages its page server wrote on the
 * target (pages-*.img of that round): exactly what crossed the wire for
 * memory.
 *
 * Config match (what restore cannot paper over): the process (args, env,
 * cwd), the rootfs (absolute path) and the mounts (destination, type,
 * source, options, in order).  Resources, hooks and annotations may
 * differ: the target's own config is what restore applies.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <string.h>

#define SMALL_ENOUGH (256u << 10)

bool sk_migrate_more_rounds(const uint64_t *bytes, size_t n, unsigned max)
{
	if (n >= max || n >= SK_MIGRATE_MAX_ROUNDS)
		return false;
	if (n < 2)
		return true;
	if (bytes[n - 1] <= SMALL_ENOUGH)
		return false;
	/* shrank by more than a tenth */
	return bytes[n - 1] < bytes[n - 2] - bytes[n - 2] / 10;
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool strv_eq(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!str_eq(a[i], b[i]))
			return false;
	return true;
}

static const char *differ(const struct oci_config *a, const char *ra, const struct oci_config *b,
			  const char *rb, size_t *mi)
{
	const struct oci_process *pa = a->process, *pb = b->process;

	if (!pa || !pb)
		return pa || pb ? "process" : NULL;
	if (!strv_eq(pa->args, pa->n_args, pb->args, pb->n_args))
		return "process.args";
	if (!strv_eq(pa->env, pa->n_env, pb->env, pb->n_env))
		return "process.env";
	if (!str_eq(pa->cwd, pb->cwd))
		return "process.cwd";
	if (!str_eq(ra, rb))
		return "root.path";
	if (a->n_mounts != b->n_mounts)
		return "mounts";
	for (size_t i = 0; i < a->n_mounts; i++) {
		const struct oci_mount *x = &a->mounts[i], *y = &b->mounts[i];
		*mi = i;
		if (!str_eq(x->destination, y->destination) || !str_eq(x->type, y->type) ||
		    !str_eq(x->source, y->source) ||
		    !strv_eq(x->options, x->n_options, y->options, y->n_options))
			return "mounts[]";
	}
	return NULL;
}

int sk_migrate_config_match(const struct oci_config *src, const char *src_rootfs,
			    const struct oci_config *dst, const char *dst_rootfs, struct sk_err *e)
{
	size_t mi = 0;
	const char *what = differ(src, src_rootfs, dst, dst_rootfs, &mi);

	if (!what)
		return 0;
	if (!strcmp(what, "mounts[]"))
		return sk_err_set(e, EINVAL,
				  "the target's config differs from the container's: mounts[%zu] (%s)",
				  mi, dst->mounts[mi].destination);
	if (!strcmp(what, "root.path"))
		return sk_err_set(e, EINVAL,
				  "the target's config differs from the container's: root.path (%s, not %s)",
				  dst_rootfs, src_rootfs);
	return sk_err_set(e, EINVAL, "the target's config differs from the container's: %s", what);
}

char *sk_migrate_report_format(const struct sk_migrate_report *rep, const char *id, bool json)
{
	_cleanup_strbuf_ struct sk_strbuf b = { 0 };
	char esc[1024];

	if (json) {
		sk_escape(esc, sizeof(esc), id, SK_ESC_JSON);
		sk_strbuf_addf(&b, "{\"id\":\"%s\",\"pid\":%d,\"rounds\":%u,\"bytes\":[", esc,
			       (int)rep->pid, rep->rounds);
		for (size_t i = 0; i < rep->n_bytes; i++)
			sk_strbuf_addf(&b, "%s%llu", i ? "," : "", (unsigned long long)rep->bytes[i]);
		sk_strbuf_addf(&b,
			       "],\"imageBytes\":%llu,\"totalSeconds\":%.3f,\"downtimeSeconds\":%.3f,"
			       "\"frozenDumpSeconds\":%.3f}\n",
			       (unsigned long long)rep->image_bytes, rep->total_s, rep->downtime_s,
			       rep->frozen_dump_s);
		return sk_strbuf_steal(&b);
	}
	sk_escape(esc, sizeof(esc), id, SK_ESC_PLAIN);
	sk_strbuf_addf(&b, "migrated %s: running on the target as pid %d\n", esc, (int)rep->pid);
	sk_strbuf_addf(&b, "total time: %.3f s\n", rep->total_s);
	sk_strbuf_addf(&b, "pre-copy rounds: %u\n", rep->rounds);
	for (size_t i = 0; i < rep->n_bytes; i++)
		sk_strbuf_addf(&b, "%s %zu: %llu bytes (%.1f MiB)\n",
			       i + 1 == rep->n_bytes ? "final dump" : "round", i + 1,
			       (unsigned long long)rep->bytes[i],
			       (double)rep->bytes[i] / (1024.0 * 1024.0));
	sk_strbuf_addf(&b, "other images: %llu bytes\n", (unsigned long long)rep->image_bytes);
	sk_strbuf_addf(&b, "downtime: %.3f s (frozen dump %.3f s)\n", rep->downtime_s,
		       rep->frozen_dump_s);
	return sk_strbuf_steal(&b);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * update_flags.c - `update`'s limit flags as one table: each flag's name,
 * how its value is read and the linux.resources field it sets.  The
 * getopt options, the parsing and the merge over --resources are loops over
 * it (with the flags runc has that skiff ignores or refuses); tests/unit/test_tables.c checks every row against the config
 * parser's resources table (same field, same offset, same type).
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#define FLAG(nm, k, m, oci)                                                                         \
	{                                                                                           \
		.name = (nm), .kind = (k), .off = offsetof(struct oci_resources, m), .field = (oci) \
	}

const struct sk_update_flag sk_update_flags[SK_N_UPDATE_FLAGS] = {
	/* runc's name is --cpu-share; --cpu-shares is accepted too */
	{ .name = "cpu-share",
	  .alias = "cpu-shares",
	  .kind = SK_UF_U64,
	  .off = offsetof(struct oci_resources, cpu.shares),
	  .field = "cpu.shares" },
	FLAG("cpu-period", SK_UF_U64, cpu.period, "cpu.period"),
	FLAG("cpu-quota", SK_UF_I64, cpu.quota, "cpu.quota"),
	FLAG("cpu-rt-period", SK_UF_U64, cpu.realtime_period, "cpu.realtimePeriod"),
	FLAG("cpu-rt-runtime", SK_UF_I64, cpu.realtime_runtime, "cpu.realtimeRuntime"),
	FLAG("cpuset-cpus", SK_UF_STR, cpu.cpus, "cpu.cpus"),
	FLAG("cpuset-mems", SK_UF_STR, cpu.mems, "cpu.mems"),
	FLAG("memory", SK_UF_BYTES, memory.limit, "memory.limit"),
	FLAG("memory-reservation", SK_UF_BYTES, memory.reservation, "memory.reservation"),
	FLAG("memory-swap", SK_UF_BYTES, memory.swap, "memory.swap"),
	FLAG("pids-limit", SK_UF_I64, pids.limit, "pids.limit"),
	FLAG("blkio-weight", SK_UF_U64, blkio.weight, "blockIO.weight"),
#define KMEM "update: --kernel-memory options are deprecated and ignored"
#define RDT "update: --l3-cache-schema/--mem-bw-schema: Intel RDT is not supported"
	{ .name = "kernel-memory", .kind = SK_UF_IGNORED, .msg = KMEM },
	{ .name = "kernel-memory-tcp", .kind = SK_UF_IGNORED, .msg = KMEM },
	{ .name = "l3-cache-schema", .kind = SK_UF_REFUSED, .msg = RDT },
	{ .name = "mem-bw-schema", .kind = SK_UF_REFUSED, .msg = RDT },
};

/* "512m", "1G", "1048576", "-1" (unlimited) -> bytes.  Binary multiples,
 * an optional trailing "b"/"ib" as in "10MiB" or "10mb". */
static int parse_bytes(const char *opt, const char *s, int64_t *out, struct sk_err *e)
{
	static const char units[] = "kmgtp";
	char *end;
	unsigned long long v;
	const char *u;
	uint64_t mul = 1;

	if (!strcmp(s, "-1")) {
		*out = -1;
		return 0;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || errno || *s == '-')
		goto bad;
	if (*end) {
		u = strchr(units, (char)(end[0] | 0x20));
		if (!u || !end[0])
			goto bad;
		for (const char *p = units; p <= u; p++)
			mul *= 1024;
		end++;
		if ((end[0] | 0x20) == 'i')
			end++;
		if ((end[0] | 0x20) == 'b')
			end++;
		if (*end)
			goto bad;
	}
	if (v > (uint64_t)INT64_MAX / mul)
		return sk_err_set(e, ERANGE, "update: --%s %s is too large", opt, s);
	*out = (int64_t)(v * mul);
	return 0;
bad:
	return sk_err_set(e, EINVAL,
			  "update: --%s: invalid size \"%s\" (bytes, or with k/m/g suffix)", opt, s);
}

static void *at(struct oci_resources *res, const struct sk_update_flag *f)
{
	return (char *)res + f->off;
}

int sk_update_flag_parse(const struct sk_update_flag *f, const char *s, struct oci_resources *flags,
			 struct sk_err *e)
{
	struct oci_opt_u64 *u = at(flags, f);
	struct oci_opt_i64 *i = at(flags, f);

	switch (f->kind) {
	case SK_UF_U64:
		u->set = true;
		if (sk_parse_u64(s, &u->v) < 0)
			return sk_err_set(e, EINVAL,
					  "update: --%s: \"%s\" is not a non-negative integer",
					  f->name, s);
		return 0;
	case SK_UF_I64:
		i->set = true;
		if (sk_parse_i64(s, &i->v) < 0)
			return sk_err_set(e, EINVAL, "update: --%s: \"%s\" is not an integer",
					  f->name, s);
		return 0;
	case SK_UF_BYTES:
		i->set = true;
		return parse_bytes(f->name, s, &i->v, e);
	case SK_UF_STR:
		*(const char **)at(flags, f) = s;
		return 0;
	case SK_UF_IGNORED:
		return 1;
	case SK_UF_REFUSED:
		return sk_err_set(e, ENOTSUP, "%s", f->msg);
	}
	return -EINVAL;
}

void sk_update_flags_apply(struct oci_resources *flags, struct oci_resources *res)
{
	for (size_t k = 0; k < SK_N_UPDATE_FLAGS; k++) {
		const struct sk_update_flag *f = &sk_update_flags[k];
		void *src = at(flags, f), *dst = at(res, f);

		switch (f->kind) {
		case SK_UF_U64:
			if (((struct oci_opt_u64 *)src)->set)
				memcpy(dst, src, sizeof(struct oci_opt_u64));
			break;
		case SK_UF_I64:
		case SK_UF_BYTES:
			if (((struct oci_opt_i64 *)src)->set)
				memcpy(dst, src, sizeof(struct oci_opt_i64));
			break;
		case SK_UF_STR:
			if (*(char **)src)
				memcpy(dst, src, sizeof(char *));
			break;
		case SK_UF_IGNORED:
		case SK_UF_REFUSED:
			break;
		}
	}
}

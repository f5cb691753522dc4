/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config_seccomp.c - "linux.seccomp" of config.json. */
#include "internal.h"

#include <errno.h>
#include <string.h>

const char *const cj_seccomp_actions[9] = {
	[OCI_SCMP_KILL] = "SCMP_ACT_KILL",
	[OCI_SCMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
	[OCI_SCMP_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
	[OCI_SCMP_TRAP] = "SCMP_ACT_TRAP",
	[OCI_SCMP_ERRNO] = "SCMP_ACT_ERRNO",
	[OCI_SCMP_TRACE] = "SCMP_ACT_TRACE",
	[OCI_SCMP_ALLOW] = "SCMP_ACT_ALLOW",
	[OCI_SCMP_LOG] = "SCMP_ACT_LOG",
	[OCI_SCMP_NOTIFY] = "SCMP_ACT_NOTIFY",
};

const char *oci_seccomp_action_name(enum oci_seccomp_action a)
{
	if ((size_t)a < sizeof(cj_seccomp_actions) / sizeof(cj_seccomp_actions[0]))
		return cj_seccomp_actions[a];
	return NULL;
}

const char *const cj_seccomp_ops[7] = {
	[OCI_SCMP_CMP_NE] = "SCMP_CMP_NE",
	[OCI_SCMP_CMP_LT] = "SCMP_CMP_LT",
	[OCI_SCMP_CMP_LE] = "SCMP_CMP_LE",
	[OCI_SCMP_CMP_EQ] = "SCMP_CMP_EQ",
	[OCI_SCMP_CMP_GE] = "SCMP_CMP_GE",
	[OCI_SCMP_CMP_GT] = "SCMP_CMP_GT",
	[OCI_SCMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

/* The architectures libseccomp 2.5 knows (reported by `skiff features`). */
const char *const cj_seccomp_archs[] = {
	"SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",	    "SCMP_ARCH_ARM",
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",	   "SCMP_ARCH_MIPS64",	    "SCMP_ARCH_MIPS64N32",
	"SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
	"SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",	    "SCMP_ARCH_S390X",
	"SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",	    NULL,
};
/* Also named by the spec; accepted here, refused later if libseccomp lacks them. */
static const char *const other_archs[] = {
	"SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB", NULL,
};

/* Flags skiff applies (reported as supportedFlags). */
const char *const cj_seccomp_flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	NULL,
};
/* Flags the spec names that skiff accepts but does not apply. */
const char *const cj_seccomp_flags_other[] = { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL };

static bool in_nullterm(const char *s, const char *const *tbl)
{
	for (; *tbl; tbl++)
		if (!strcmp(s, *tbl))
			return true;
	return false;
}

void cfg_seccomp_clear(struct oci_seccomp *s)
{
	sk_strv_free(s->architectures);
	sk_strv_free(s->flags);
	free(s->listener_path);
	free(s->listener_metadata);
	for (size_t i = 0; s->syscalls && i < s->n_syscalls; i++) {
		sk_strv_free(s->syscalls[i].names);
		free(s->syscalls[i].args);
	}
	free(s->syscalls);
	memset(s, 0, sizeof(*s));
}

#define ARG(nm, k, m, ...) CJ_ROW(nm, k, struct oci_seccomp_arg, m, ##__VA_ARGS__)
static const struct cj_field arg_rows[] = {
	CJ_UINT_ROW("index", struct oci_seccomp_arg, index, 5, .need = CJ_REQUIRED_FIRST),
	CJ_UINT_ROW("value", struct oci_seccomp_arg, value, UINT64_MAX, .need = CJ_REQUIRED_FIRST),
	CJ_UINT_ROW("valueTwo", struct oci_seccomp_arg, value_two, UINT64_MAX),
	ARG("op", CJ_ENUM, op, .need = CJ_REQUIRED_FIRST, CJ_NAMES(cj_seccomp_ops),
	    .what = "seccomp operator"),
};
static const struct cj_table arg_table = CJ_TABLE(arg_rows, NULL);

#define SC(nm, k, m, ...) CJ_ROW(nm, k, struct oci_seccomp_syscall, m, ##__VA_ARGS__)
static const struct cj_field syscall_rows[] = {
	SC("names", CJ_STRV, names, .need = CJ_REQUIRED,
	   .aux = CJ_AUX(struct oci_seccomp_syscall, n_names)),
	SC("action", CJ_ENUM, action, .need = CJ_REQUIRED, CJ_NAMES(cj_seccomp_actions),
	   .what = "seccomp action"),
	CJ_UINT_ROW("errnoRet", struct oci_seccomp_syscall, errno_ret, UINT32_MAX,
		    .aux = CJ_AUX(struct oci_seccomp_syscall, has_errno_ret)),
	SC("args", CJ_ARRAY, args, .aux = CJ_AUX(struct oci_seccomp_syscall, n_args),
	   .width = sizeof(struct oci_seccomp_arg), .sub = &arg_table),
};
static const struct cj_table syscall_table = CJ_TABLE(syscall_rows, NULL);

/* Each of @v (@n, at @path) in @known or @other (both NULL-terminated). */
static int check_names(char **v, size_t n, const char *path, const char *key,
		       const char *const *known, const char *const *other, const char *what,
		       struct sk_err *e)
{
	char ap[CJ_PATH_MAX], ip[CJ_PATH_MAX];

	cj_join(ap, path, key);
	for (size_t i = 0; i < n; i++) {
		if (!in_nullterm(v[i], known) && !in_nullterm(v[i], other)) {
			cj_index(ip, ap, i);
			return cj_fail(e, ip, NULL, "unknown %s \"%s\"", what, v[i]);
		}
	}
	return 0;
}

/* The architectures and flags are checked once all the scalars are read,
 * before the syscalls. */
static int parse_syscalls(yajl_val v, const char *path, const struct cj_field *f, void *base,
			  struct sk_err *e)
{
	static const struct cj_field rows[] = {
		{ .name = "syscalls",
		  .kind = CJ_ARRAY,
		  .off = offsetof(struct oci_seccomp, syscalls),
		  .aux = CJ_AUX(struct oci_seccomp, n_syscalls),
		  .width = sizeof(struct oci_seccomp_syscall),
		  .sub = &syscall_table },
	};
	static const struct cj_table t = CJ_TABLE(rows, NULL);
	struct oci_seccomp *s = base;
	int r;

	s->present = true;
	if ((r = check_names(s->architectures, s->n_architectures, path, "architectures",
			     cj_seccomp_archs, other_archs, "seccomp architecture", e)) < 0 ||
	    (r = check_names(s->flags, s->n_flags, path, "flags", cj_seccomp_flags,
			     cj_seccomp_flags_other, "seccomp flag", e)) < 0)
		return r;
	return cj_fields(v, path, &t, s, e);
}

static int seccomp_done(yajl_val v, const char *path, void *base, struct sk_err *e)
{
	struct oci_seccomp *s = base;
	bool notify = s->default_action == OCI_SCMP_NOTIFY;

	for (size_t i = 0; i < s->n_syscalls; i++)
		notify |= s->syscalls[i].action == OCI_SCMP_NOTIFY;
	if (notify && (!s->listener_path || !s->listener_path[0]))
		return cj_fail(e, path, "listenerPath", "required when SCMP_ACT_NOTIFY is used");
	return 0;
}

#define S(nm, k, m, ...) CJ_ROW(nm, k, struct oci_seccomp, m, ##__VA_ARGS__)
static const struct cj_field seccomp_rows[] = {
	S("defaultAction", CJ_ENUM, default_action, .need = CJ_REQUIRED,
	  CJ_NAMES(cj_seccomp_actions), .what = "seccomp action"),
	CJ_UINT_ROW("defaultErrnoRet", struct oci_seccomp, default_errno_ret, UINT32_MAX,
		    .aux = CJ_AUX(struct oci_seccomp, has_default_errno_ret)),
	S("architectures", CJ_STRV, architectures, .aux = CJ_AUX(struct oci_seccomp, n_architectures)),
	S("flags", CJ_STRV, flags, .aux = CJ_AUX(struct oci_seccomp, n_flags)),
	S("listenerPath", CJ_STR, listener_path),
	S("listenerMetadata", CJ_STR, listener_metadata),
	S("syscalls", CJ_CUSTOM, syscalls, .fn = parse_syscalls, .sub = &syscall_table),
};

const struct cj_table cj_seccomp_table = CJ_TABLE(seccomp_rows, seccomp_done);

int cfg_seccomp_parse(yajl_val v, const char *path, struct oci_seccomp *s, struct sk_err *e)
{
	return cj_fields(v, path, &cj_seccomp_table, s, e);
}

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
	"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
	"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
	"SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
	"SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", NULL,
};
/* Also named by the spec; accepted here, refused later if libseccomp lacks them. */
static const char *const other_archs[] = {
	"SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
};

/* Flags skiff applies (reported as supportedFlags). */
const char *const cj_seccomp_flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	NULL,
};
static const char *const other_flags[] = { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" };

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

static int get_action(yajl_val o, const char *path, const char *key,
		      enum oci_seccomp_action *out, struct sk_err *e)
{
	_cleanup_free_ char *name = NULL;
	yajl_val x;
	int r, a;

	r = cj_need(o, path, key, &x, e);
	if (r < 0)
		return r;
	r = cj_str(o, path, key, &name, e);
	if (r < 0)
		return r;
	a = CJ_LOOKUP(name, cj_seccomp_actions);
	if (a < 0)
		return cj_fail(e, path, key, "unknown seccomp action \"%s\"", name);
	*out = (enum oci_seccomp_action)a;
	return 0;
}

static int parse_arg(yajl_val v, const char *path, struct oci_seccomp_arg *arg,
		     struct sk_err *e)
{
	_cleanup_free_ char *op = NULL;
	struct oci_opt_u64 idx = { 0 }, val = { 0 }, val2 = { 0 };
	yajl_val x;
	int r, o;

	if ((r = cj_is_object(v, path, e)) < 0 || (r = cj_need(v, path, "index", &x, e)) < 0 ||
	    (r = cj_need(v, path, "value", &x, e)) < 0 || (r = cj_need(v, path, "op", &x, e)) < 0 ||
	    (r = cj_u64(v, path, "index", 5, &idx, e)) < 0 ||
	    (r = cj_u64(v, path, "value", UINT64_MAX, &val, e)) < 0 ||
	    (r = cj_u64(v, path, "valueTwo", UINT64_MAX, &val2, e)) < 0 ||
	    (r = cj_str(v, path, "op", &op, e)) < 0)
		return r;
	o = CJ_LOOKUP(op, cj_seccomp_ops);
	if (o < 0)
		return cj_fail(e, path, "op", "unknown seccomp operator \"%s\"", op);
	arg->index = (uint32_t)idx.v;
	arg->value = val.v;
	arg->value_two = val2.v;
	arg->op = (enum oci_seccomp_op)o;
	return 0;
}

static int parse_syscall(yajl_val v, const char *path, struct oci_seccomp_syscall *sc,
			 struct sk_err *e)
{
	char ap[CJ_PATH_MAX], ip[CJ_PATH_MAX];
	yajl_val x, a = NULL;
	int r;

	if ((r = cj_is_object(v, path, e)) < 0 || (r = cj_need(v, path, "names", &x, e)) < 0 ||
	    (r = cj_strv(v, path, "names", &sc->names, &sc->n_names, e)) < 0 ||
	    (r = get_action(v, path, "action", &sc->action, e)) < 0 ||
	    (r = cj_u32(v, path, "errnoRet", &sc->errno_ret, &sc->has_errno_ret, e)) < 0 ||
	    (r = cj_array(v, path, "args", &a, e)) < 0)
		return r;
	if (!a)
		return 0;
	cj_join(ap, path, "args");
	sc->n_args = a->u.array.len;
	sc->args = sk_xcalloc(sc->n_args ? sc->n_args : 1, sizeof(*sc->args));
	for (size_t i = 0; i < sc->n_args; i++) {
		cj_index(ip, ap, i);
		r = parse_arg(a->u.array.values[i], ip, &sc->args[i], e);
		if (r < 0)
			return r;
	}
	return 0;
}

int cfg_seccomp_parse(yajl_val v, const char *path, struct oci_seccomp *s, struct sk_err *e)
{
	char ap[CJ_PATH_MAX], ip[CJ_PATH_MAX];
	yajl_val a = NULL;
	bool notify = false;
	int r;

	if ((r = cj_is_object(v, path, e)) < 0 ||
	    (r = get_action(v, path, "defaultAction", &s->default_action, e)) < 0 ||
	    (r = cj_u32(v, path, "defaultErrnoRet", &s->default_errno_ret,
			&s->has_default_errno_ret, e)) < 0 ||
	    (r = cj_strv(v, path, "architectures", &s->architectures, &s->n_architectures, e)) < 0 ||
	    (r = cj_strv(v, path, "flags", &s->flags, &s->n_flags, e)) < 0 ||
	    (r = cj_str(v, path, "listenerPath", &s->listener_path, e)) < 0 ||
	    (r = cj_str(v, path, "listenerMetadata", &s->listener_metadata, e)) < 0)
		return r;
	s->present = true;
	cj_join(ap, path, "architectures");
	for (size_t i = 0; i < s->n_architectures; i++) {
		const char *n = s->architectures[i];
		if (!in_nullterm(n, cj_seccomp_archs) && CJ_LOOKUP(n, other_archs) < 0) {
			cj_index(ip, ap, i);
			return cj_fail(e, ip, NULL, "unknown seccomp architecture \"%s\"", n);
		}
	}
	cj_join(ap, path, "flags");
	for (size_t i = 0; i < s->n_flags; i++) {
		const char *n = s->flags[i];
		if (!in_nullterm(n, cj_seccomp_flags) && CJ_LOOKUP(n, other_flags) < 0) {
			cj_index(ip, ap, i);
			return cj_fail(e, ip, NULL, "unknown seccomp flag \"%s\"", n);
		}
	}
	notify = s->default_action == OCI_SCMP_NOTIFY;
	r = cj_array(v, path, "syscalls", &a, e);
	if (r < 0)
		return r;
	if (a) {
		cj_join(ap, path, "syscalls");
		s->n_syscalls = a->u.array.len;
		s->syscalls = sk_xcalloc(s->n_syscalls ? s->n_syscalls : 1, sizeof(*s->syscalls));
		for (size_t i = 0; i < s->n_syscalls; i++) {
			cj_index(ip, ap, i);
			r = parse_syscall(a->u.array.values[i], ip, &s->syscalls[i], e);
			if (r < 0)
				return r;
			notify |= s->syscalls[i].action == OCI_SCMP_NOTIFY;
		}
	}
	if (notify && (!s->listener_path || !s->listener_path[0]))
		return cj_fail(e, path, "listenerPath", "required when SCMP_ACT_NOTIFY is used");
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * oci.h - the OCI model: config.json as C types, its parser, the default
 * spec and the features document.  Stands on base/ only.
 */
#ifndef SKIFF_OCI_H
#define SKIFF_OCI_H

#include "../base/base.h"

#define SKIFF_OCI_VERSION "1.2.0"

/* ------------------------------------------------------------ OCI config */

struct oci_opt_i64 {
	bool set;
	int64_t v;
};
struct oci_opt_u64 {
	bool set;
	uint64_t v;
};

struct oci_kv {
	char *key;
	char *value;
};

struct oci_idmap {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct oci_mount {
	char *destination; /* required */
	char *source;	   /* may be NULL */
	char *type;	   /* may be NULL (then bind when options say so) */
	char **options;	   /* NULL-terminated, may be NULL */
	size_t n_options;
	struct oci_idmap *uid_mappings;
	size_t n_uid_mappings;
	struct oci_idmap *gid_mappings;
	size_t n_gid_mappings;
};

struct oci_rlimit {
	int resource; /* RLIMIT_* */
	char *type;   /* "RLIMIT_NOFILE" as written */
	uint64_t soft, hard;
};

/* Capability sets as bitmasks indexed by CAP_* numbers. */
struct oci_caps {
	bool present;
	uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct oci_user {
	uint32_t uid, gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char *username;
};

struct oci_process {
	bool terminal;
	bool has_console_size;
	uint32_t console_height, console_width;
	char *cwd;  /* required, absolute */
	char **env; /* NULL-terminated */
	size_t n_env;
	char **args; /* NULL-terminated; n_args >= 1 required to start */
	size_t n_args;
	struct oci_rlimit *rlimits;
	size_t n_rlimits;
	char *apparmor_profile;
	char *selinux_label;
	struct oci_caps caps;
	bool no_new_privileges;
	struct oci_opt_i64 oom_score_adj;
	struct oci_user user;
	struct {
		bool set;
		int class; /* IOPRIO_CLASS_* */
		int priority;
	} io_priority;
	struct {
		bool set;
		int policy; /* SCHED_* */
		int nice, priority;
		uint64_t flags, runtime, deadline, period;
	} scheduler;
	struct {
		char *initial, *final;
	} exec_cpu_affinity;
};

struct oci_hook {
	char *path;
	char **args;
	size_t n_args;
	char **env;
	size_t n_env;
	int timeout; /* seconds, 0 = none */
};

enum oci_hook_kind {
	OCI_HOOK_PRESTART,
	OCI_HOOK_CREATE_RUNTIME,
	OCI_HOOK_CREATE_CONTAINER,
	OCI_HOOK_START_CONTAINER,
	OCI_HOOK_POSTSTART,
	OCI_HOOK_POSTSTOP,
	OCI_HOOK__MAX
};

struct oci_hook_list {
	struct oci_hook *v;
	size_t n;
};

enum oci_ns_type {
	OCI_NS_PID,
	OCI_NS_NET,
	OCI_NS_IPC,
	OCI_NS_MNT,
	OCI_NS_UTS,
	OCI_NS_USER,
	OCI_NS_CGROUP,
	OCI_NS_TIME,
	OCI_NS__MAX
};

struct oci_namespace {
	bool present;
	char *path; /* NULL: a new namespace */
};

struct oci_device {
	char *path;
	char type; /* 'c', 'b', 'u', 'p' */
	int64_t major, minor;
	bool has_file_mode;
	uint32_t file_mode;
	bool has_uid;
	uint32_t uid;
	bool has_gid;
	uint32_t gid;
};

struct oci_device_rule {
	bool allow;
	char type;	      /* 'a', 'c', 'b' */
	int64_t major, minor; /* -1 = wildcard */
	char access[4];	      /* subset of "rwm" */
};

struct oci_weight_device {
	int64_t major, minor;
	struct oci_opt_u64 weight, leaf_weight;
};
struct oci_throttle_device {
	int64_t major, minor;
	uint64_t rate;
};

struct oci_hugepage_limit {
	char *page_size; /* "2MB" */
	uint64_t limit;
};

struct oci_resources {
	bool present;
	struct oci_device_rule *devices;
	size_t n_devices;
	struct {
		struct oci_opt_i64 limit, reservation, swap, kernel, kernel_tcp;
		struct oci_opt_u64 swappiness;
		bool disable_oom_killer;
		bool use_hierarchy;
		bool check_before_update;
	} memory;
	struct {
		struct oci_opt_u64 shares, period, realtime_period, burst;
		struct oci_opt_i64 quota, realtime_runtime, idle;
		char *cpus, *mems;
	} cpu;
	struct {
		struct oci_opt_i64 limit;
	} pids;
	struct {
		struct oci_opt_u64 weight, leaf_weight;
		struct oci_weight_device *weight_device;
		size_t n_weight_device;
		struct oci_throttle_device *throttle_read_bps, *throttle_write_bps,
			*throttle_read_iops, *throttle_write_iops;
		size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops,
			n_throttle_write_iops;
	} blkio;
	struct oci_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;
	struct {
		struct oci_opt_u64 class_id;
		struct oci_kv *priorities; /* key = ifname, value = decimal prio */
		size_t n_priorities;
	} network;
	struct oci_kv *unified;
	size_t n_unified;
};

enum oci_seccomp_action {
	OCI_SCMP_KILL, /* SCMP_ACT_KILL (thread) */
	OCI_SCMP_KILL_PROCESS,
	OCI_SCMP_KILL_THREAD,
	OCI_SCMP_TRAP,
	OCI_SCMP_ERRNO,
	OCI_SCMP_TRACE,
	OCI_SCMP_ALLOW,
	OCI_SCMP_LOG,
	OCI_SCMP_NOTIFY,
};

enum oci_seccomp_op {
	OCI_SCMP_CMP_NE,
	OCI_SCMP_CMP_LT,
	OCI_SCMP_CMP_LE,
	OCI_SCMP_CMP_EQ,
	OCI_SCMP_CMP_GE,
	OCI_SCMP_CMP_GT,
	OCI_SCMP_CMP_MASKED_EQ,
};

struct oci_seccomp_arg {
	uint32_t index;
	uint64_t value, value_two;
	enum oci_seccomp_op op;
};

struct oci_seccomp_syscall {
	char **names;
	size_t n_names;
	enum oci_seccomp_action action;
	bool has_errno_ret;
	uint32_t errno_ret;
	struct oci_seccomp_arg *args;
	size_t n_args;
};

struct oci_seccomp {
	bool present;
	enum oci_seccomp_action default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	char **architectures; /* "SCMP_ARCH_X86_64", ... */
	size_t n_architectures;
	char **flags; /* "SECCOMP_FILTER_FLAG_LOG", ... */
	size_t n_flags;
	char *listener_path;
	char *listener_metadata;
	struct oci_seccomp_syscall *syscalls;
	size_t n_syscalls;
};

struct oci_linux {
	struct oci_namespace namespaces[OCI_NS__MAX];
	struct oci_idmap *uid_mappings;
	size_t n_uid_mappings;
	struct oci_idmap *gid_mappings;
	size_t n_gid_mappings;
	struct oci_device *devices;
	size_t n_devices;
	char *cgroups_path;
	struct oci_resources resources;
	struct oci_kv *sysctl;
	size_t n_sysctl;
	struct oci_seccomp seccomp;
	char *rootfs_propagation; /* validated: shared|slave|private|unbindable|r* */
	char **masked_paths;
	size_t n_masked_paths;
	char **readonly_paths;
	size_t n_readonly_paths;
	char *mount_label;
	struct {
		bool set;
		char *mode;  /* "MPOL_BIND", ... */
		char *nodes; /* "0-1" */
		char **flags;
		size_t n_flags;
	} memory_policy;
	struct {
		bool set;
		char *domain; /* "LINUX", "LINUX32" */
	} personality;
	struct {
		bool set_monotonic, set_boottime;
		int64_t monotonic_secs, boottime_secs;
		uint32_t monotonic_nanosecs, boottime_nanosecs;
	} time_offsets;
};

struct oci_config {
	char *oci_version;
	char *root_path; /* as written; relative to the bundle */
	bool root_readonly;
	struct oci_mount *mounts;
	size_t n_mounts;
	struct oci_process *process; /* NULL when the config has none */
	char *hostname;
	char *domainname;
	struct oci_hook_list hooks[OCI_HOOK__MAX];
	struct oci_kv *annotations;
	size_t n_annotations;
	struct oci_linux lnx; /* "linux" is a predefined macro in gnu11 */
};

/* Parse a config.json text.  Unknown fields are ignored (as the spec
 * says); a field of the wrong type, a missing required field or an
 * invalid value is an error naming the field ("process.args[2]: ..."). */
__must_check int oci_config_parse(const char *json, size_t len, struct oci_config **out,
				  struct sk_err *e);
void oci_config_free(struct oci_config *c);
/* Parse a linux.resources object alone (skiff update -r FILE) into
 * (*out)->lnx.resources.  As runc's update, a "devices" member is not
 * read at all (*devices_given tells it was there). */
__must_check int oci_update_resources_parse(const char *json, size_t len, struct oci_config **out,
					    bool *devices_given, struct sk_err *e);
/* Parse a process object alone (skiff exec --process FILE). */
__must_check int oci_process_parse(const char *json, size_t len, struct oci_process **out,
				   struct sk_err *e);
void oci_process_free(struct oci_process *p);
/* Look up an annotation; NULL when absent. */
const char *oci_annotation(const struct oci_config *c, const char *key);
/* A bind mount: type "bind", or a "bind"/"rbind" option (runc's rule). */
bool oci_mount_is_bind(const struct oci_mount *m);
/* Capability name ("CAP_SYS_ADMIN") to number; -1 when unknown. */
int oci_cap_from_name(const char *name);
int oci_cap_last(void);
const char *oci_ns_name(enum oci_ns_type t); /* "pid", "network", ... */
/* "SCMP_ACT_ERRNO" for OCI_SCMP_ERRNO; NULL when out of range. */
const char *oci_seccomp_action_name(enum oci_seccomp_action a);

static inline void oci_config_freep(struct oci_config **c)
{
	if (*c)
		oci_config_free(*c);
}
#define _cleanup_config_ _cleanup_(oci_config_freep)

/* ------------------------------------------------------------ records
 *
 * Everything skiff keeps on disk beside config.json is one JSON object
 * {"version": SK_REC_VERSION, ...} (record.c): state.json, create's intent
 * record, the cgroup and network records (strings in state.json's "ext"),
 * the IPAM networks and the NUMA ledger.  Written with sk_rec_*, saved by
 * an atomic replace (a temporary file in the same directory, renamed
 * over the record; sk_write_file_atomic); read with sk_rec_parse and the getters.  A record without a
 * version (0) was written by an older skiff and is read all the same;
 * unknown keys are ignored (a newer skiff's).  Strings are byte strings:
 * any bytes, UTF-8 or not, read back as written.
 */
#define SK_REC_VERSION 1

struct sk_rec;	   /* a record being written */
struct yajl_val_s; /* a record read: yajl's tree */

struct sk_rec *sk_rec_new(void);
/* One member @key (NULL inside an array); a NULL string is written null. */
void sk_rec_str(struct sk_rec *w, const char *key, const char *s);
void sk_rec_bool(struct sk_rec *w, const char *key, bool v);
/* Open ('{' or '[') and close ('}' or ']') a nested object or array. */
void sk_rec_open(struct sk_rec *w, const char *key, char kind);
void sk_rec_close(struct sk_rec *w, char kind);
/* An object of string members. */
void sk_rec_kv(struct sk_rec *w, const char *key, const struct oci_kv *v, size_t n);
/* The text (malloc'd); @w is freed. */
char *sk_rec_finish(struct sk_rec *w);
/* sk_rec_finish, then atomically replace @dirfd/@name with it. */
__must_check int sk_rec_save(struct sk_rec *w, int dirfd, const char *name, struct sk_err *e);

/* Is @text a record (else an older skiff's text format)? */
bool sk_rec_is_json(const char *text);
/* Parse @text: "corrupt record: ..." when it is not a JSON object with a
 * valid version; *version 0 when it has none.  Free with sk_rec_free. */
__must_check int sk_rec_parse(const char *text, struct yajl_val_s **root, unsigned *version,
			      struct sk_err *e);
void sk_rec_free(struct yajl_val_s *root);
/* Member @key of an object (NULL when absent, null or not an object). */
const struct yajl_val_s *sk_rec_get(const struct yajl_val_s *obj, const char *key);
/* Elements of an array or members of an object; *key for an object's. */
size_t sk_rec_len(const struct yajl_val_s *v);
const struct yajl_val_s *sk_rec_at(const struct yajl_val_s *v, size_t i, const char **key);
/* Getters: an absent member leaves *out (strings: NULL) and returns 0; a
 * member of another type is "corrupt record: KEY: ..." (-EINVAL). */
__must_check int sk_rec_str_of(const struct yajl_val_s *v, const char *what, char **out,
			       struct sk_err *e);
__must_check int sk_rec_get_str(const struct yajl_val_s *obj, const char *key, char **out,
				struct sk_err *e);
__must_check int sk_rec_get_bool(const struct yajl_val_s *obj, const char *key, bool *out,
				 struct sk_err *e);
/* Append the string members of object @key to @v (as sk_rec_kv wrote). */
__must_check int sk_rec_get_kv(const struct yajl_val_s *obj, const char *key, struct oci_kv **v,
			       size_t *n, struct sk_err *e);

/* A struct's plain members as a table: written, read and freed alike. */
enum sk_rec_type { SK_REC_STR, SK_REC_I32, SK_REC_U32, SK_REC_U64, SK_REC_BOOL };
struct sk_rec_field {
	const char *key;       /* NULL ends the table */
	enum sk_rec_type type; /* char *, int32_t, uint32_t, uint64_t, bool */
	size_t off;	       /* offsetof() in the struct */
};
/* A table: SK_REC_TABLE(name, SK_REC_FIELD(struct t, STR, "key", member), ...). */
#define SK_REC_FIELD(type, kind, key, member)              \
	{                                                  \
		key, SK_REC_##kind, offsetof(type, member) \
	}
#define SK_REC_TABLE(name, ...) \
	static const struct sk_rec_field name[] = { __VA_ARGS__, { NULL, 0, 0 } }
void sk_rec_put_fields(struct sk_rec *w, const struct sk_rec_field *f, const void *obj);
__must_check int sk_rec_get_fields(const struct yajl_val_s *obj, const struct sk_rec_field *f,
				   void *out, struct sk_err *e);
/* free() the SK_REC_STR members (set to NULL). */
void sk_rec_free_fields(const struct sk_rec_field *f, void *obj);

/* Default config.json text for `skiff spec` (runc's defaults); a cgroup
 * namespace when @cgroupns (runc: on a cgroup v2 host only). */
char *oci_spec_default(bool rootless, bool cgroupns);
/* Features JSON for `skiff features`. */
char *oci_features_json(void);

#endif

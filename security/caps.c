/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * caps.c - process.capabilities: bounding, effective, permitted,
 * inheritable and ambient sets, with raw capset(2) (version 3, 64 bits).
 *
 * Order (runc's): the bounding set is reduced first, while CAP_SETPCAP is
 * still effective; user.c then changes uid keeping the permitted set;
 * sk_caps_apply() finally sets the three sets and the ambient set.  An
 * absent "capabilities" object means every set is empty (runtime-spec).
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

int sk_cap_last_cap(void)
{
	_cleanup_free_ char *s = NULL;
	struct sk_err ignored;
	uint64_t v;

	if (sk_read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", &s, NULL, &ignored) == 0) {
		s[strcspn(s, "\n")] = '\0';
		if (sk_parse_u64(s, &v) == 0 && v < 64)
			return (int)v;
	}
	return CAP_LAST_CAP;
}

static uint64_t set_or_empty(const struct oci_caps *c, uint64_t v)
{
	return c && c->present ? v : 0;
}

int sk_caps_drop_bounding(const struct oci_caps *c, struct sk_err *e)
{
	uint64_t keep = set_or_empty(c, c ? c->bounding : 0);
	int last = sk_cap_last_cap();

	for (int cap = 0; cap <= last; cap++) {
		int in;

		if (keep & (UINT64_C(1) << cap))
			continue;
		in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (in < 0 && errno == EINVAL)
			break; /* beyond what this kernel knows */
		if (in <= 0)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return sk_err_sys(e, errno,
					  "process.capabilities.bounding: drop capability %d", cap);
	}
	return 0;
}

int sk_caps_apply(const struct oci_caps *c, const struct sk_log *log, struct sk_err *e)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];
	uint64_t eff = set_or_empty(c, c ? c->effective : 0);
	uint64_t prm = set_or_empty(c, c ? c->permitted : 0);
	uint64_t inh = set_or_empty(c, c ? c->inheritable : 0);
	uint64_t amb = set_or_empty(c, c ? c->ambient : 0);
	int last = sk_cap_last_cap();
	/* Capabilities this kernel does not know are ignored (as runc):
	 * capset would refuse them. */
	uint64_t known = last >= 63 ? ~UINT64_C(0) : (UINT64_C(1) << (last + 1)) - 1;

	if ((eff | prm | inh | amb) & ~known)
		sk_debug(log, "process.capabilities: ignoring capabilities above %d", last);
	eff &= known;
	prm &= known;
	inh &= known;
	amb &= known;
	memset(data, 0, sizeof(data));
	data[0].effective = (uint32_t)eff;
	data[1].effective = (uint32_t)(eff >> 32);
	data[0].permitted = (uint32_t)prm;
	data[1].permitted = (uint32_t)(prm >> 32);
	data[0].inheritable = (uint32_t)inh;
	data[1].inheritable = (uint32_t)(inh >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0) {
		int err = errno;
		struct __user_cap_data_struct cur[2];
		uint64_t have, miss;

		if (err == EPERM && syscall(SYS_capget, &hdr, cur) == 0) {
			have = (uint64_t)cur[0].permitted | ((uint64_t)cur[1].permitted << 32);
			miss = (eff | prm) & ~have;
			if (miss)
				return sk_err_sys(e, err,
						  "process.capabilities: capability %d is not available to the runtime (not in its permitted set)",
						  __builtin_ctzll(miss));
		}
		return sk_err_sys(e, err,
				  "process.capabilities: capset effective=%#llx permitted=%#llx inheritable=%#llx",
				  (unsigned long long)eff, (unsigned long long)prm,
				  (unsigned long long)inh);
	}

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
		if (errno == EINVAL && !amb)
			return 0; /* kernel without ambient capabilities */
		return sk_err_sys(e, errno, "process.capabilities.ambient: clear");
	}
	for (int cap = 0; cap <= last && cap < 64; cap++) {
		if (!(amb & (UINT64_C(1) << cap)))
			continue;
		/* Raising needs the capability in permitted and inheritable:
		 * like runc, a capability that cannot be raised is skipped. */
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			sk_warn(log, "process.capabilities.ambient: cannot raise capability %d: %s",
				cap, strerror(errno));
	}
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sched.c - process.oomScoreAdj, process.ioPriority, process.scheduler. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ioprio.h>
#include <string.h>
#include <sys/syscall.h>

int sk_oom_score_adj_apply(const struct oci_process *p, struct sk_err *e)
{
	char buf[32];
	int n, r;

	if (!p->oom_score_adj.set)
		return 0;
	n = snprintf(buf, sizeof(buf), "%lld", (long long)p->oom_score_adj.v);
	r = sk_write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", buf, (size_t)n, 0, 0, e);
	if (r < 0)
		return sk_err_prefix(e, "process.oomScoreAdj (%s)", buf);
	return 0;
}

int sk_ioprio_apply(const struct oci_process *p, struct sk_err *e)
{
	if (!p->io_priority.set)
		return 0;
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0,
		    IOPRIO_PRIO_VALUE(p->io_priority.class, p->io_priority.priority)) < 0)
		return sk_err_sys(e, errno, "process.ioPriority: ioprio_set class=%d priority=%d",
				  p->io_priority.class, p->io_priority.priority);
	return 0;
}

/* struct sched_attr, SCHED_ATTR_SIZE_VER0 layout (glibc < 2.41 has none). */
struct sk_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

int sk_scheduler_apply(const struct oci_process *p, struct sk_err *e)
{
	struct sk_sched_attr a;

	if (!p->scheduler.set)
		return 0;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.sched_policy = (uint32_t)p->scheduler.policy;
	a.sched_flags = p->scheduler.flags;
	a.sched_nice = p->scheduler.nice;
	a.sched_priority = (uint32_t)p->scheduler.priority;
	a.sched_runtime = p->scheduler.runtime;
	a.sched_deadline = p->scheduler.deadline;
	a.sched_period = p->scheduler.period;
	if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
		return sk_err_sys(e, errno, "process.scheduler: sched_setattr policy=%d",
				  p->scheduler.policy);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* internal.h - what the files of security/ share with each other (and unit
 * tests); other folders include only security.h. */
#ifndef SKIFF_SECURITY_INTERNAL_H
#define SKIFF_SECURITY_INTERNAL_H

#include "security.h"

__must_check int sk_seccomp_compile(const struct oci_seccomp *s, struct sk_seccomp_prog **out,
				    const struct sk_log *log, struct sk_err *e);
/* caps.c: the kernel's highest capability (/proc/sys/kernel/cap_last_cap,
 * or CAP_LAST_CAP of the headers when unreadable). */
int sk_cap_last_cap(void);

#endif

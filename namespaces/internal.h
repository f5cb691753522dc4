/* SPDX-License-Identifier: GPL-2.0-or-later */
/* internal.h - what the files of namespaces/ share with each other (and unit
 * tests); other folders include only namespaces.h. */
#ifndef SKIFF_NAMESPACES_INTERNAL_H
#define SKIFF_NAMESPACES_INTERNAL_H

#include "namespaces.h"

/* CLONE_NEW* flag of a namespace type. */
int ns_clone_flag(enum oci_ns_type t);
/* /proc/PID/ns/<name> file name of a type ("pid", "net", "mnt", ...). */
const char *ns_proc_name(enum oci_ns_type t);

/* Write @pid's uid_map or gid_map (@name "newuidmap" or "newgidmap")
 * through the setuid helper of that name. */
__must_check int ns_newidmap(const char *name, pid_t pid, const struct oci_idmap *m, size_t n,
			     struct sk_err *e);

#endif

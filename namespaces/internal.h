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

#endif

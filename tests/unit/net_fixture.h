/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * net_fixture.h - what the netsetup tests share: a state root, a quiet log,
 * preparing a container's network from org.skiff.net annotations.
 */
#ifndef SKIFF_NET_FIXTURE_H
#define SKIFF_NET_FIXTURE_H
#include "unit.h"
#include "../../netsetup/internal.h"

#include <sys/stat.h>

static char root[64];
/* sk_net_prepare keeps the log: it lives as long as the test program */
static struct sk_log test_log = { .fd = -1 };

#define KV(k, v)                                        \
	{                                               \
		(char *)"org.skiff.net." k, (char *)(v) \
	}

/* sk_net_prepare for container @id with a network namespace and @kv. */
static inline int prep(struct oci_kv *kv, size_t nkv, const char *id, struct sk_net **out,
		       struct sk_err *e)
{
	struct oci_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.annotations = kv;
	cfg.n_annotations = nkv;
	cfg.lnx.namespaces[OCI_NS_NET].present = true;
	return sk_net_prepare(&test_log, root, id, &cfg, out, e);
}

/* The state directory of container @id under root (made). */
static inline char *mkstate(const char *id)
{
	char *p = sk_xasprintf("%s/%s", root, id);
	mkdir(p, 0700);
	return p;
}
#endif

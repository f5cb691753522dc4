/* SPDX-License-Identifier: GPL-2.0-or-later */
/* handler.c - the handlers, and the choice of one for a container. */
#include "handler.h"

/* the default last: it takes what no other one wants */
static const struct sk_handler *const handlers[] = {
	&sk_vm_handler,
	&sk_container_handler,
};

const struct sk_handler *sk_handler_for(const struct sk_create_opts *o, const struct oci_config *cfg)
{
	size_t i;

	for (i = 0; i + 1 < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (handlers[i]->wanted(o, cfg))
			break;
	return handlers[i];
}

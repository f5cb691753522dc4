/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * handler.h - (internal to runtime/) how the container's process is run:
 * as a process in the container's namespaces (container.c, the default)
 * or as the guest of a microVM whose VMM is the container's init (vm.c).
 *
 * create chooses one handler per container (sk_handler_for) and calls its
 * hooks at fixed points of the create protocol (see create.c):
 *
 *  parent (create.c)                      child (init.c)
 *  prepare       after the namespaces are planned, before anything exists
 *  open_sources  right before the clone
 *                                         mount  in the namespaces, before PREPARED
 *                                         run    after HOOKS_DONE: the
 *                                                createContainer hooks, then
 *                                                become the process
 *
 * Every hook is set (a handler with nothing to do at a point says so in
 * its own hook).  After create, a container is the same to every command
 * whatever its handler: its init is a process with a pid.
 */
#ifndef SKIFF_HANDLER_H
#define SKIFF_HANDLER_H

#include "internal.h"

struct ns_plan;
struct sk_init_args;

struct sk_handler {
	const char *name;
	/* Does this handler take the container (--vm, skiff-vm, an
	 * annotation)?  NULL: the default, taken when no other one does. */
	bool (*wanted)(const struct sk_create_opts *o, const struct oci_config *cfg);
	/* create, before anything exists: check what this way of running
	 * needs of @cfg (adjusting it where it must) and make what the init
	 * will need: *data, handed to the init as sk_init_args.handler_data
	 * and freed with free_data (also when it failed). */
	int (*prepare)(struct sk_ctx *ctx, struct oci_config *cfg, const char *rootfs,
		       const struct ns_plan *plan, void **data, struct sk_err *e);
	void (*free_data)(void *data);
	/* create, right before the clone: fds the init inherits for its
	 * mounts (sk_init_args.src_fds); returns how many *fds holds (the
	 * caller closes them after the clone), 0 with *fds untouched. */
	size_t (*open_sources)(const struct sk_init_args *a, int min_fd, int **fds, struct sk_err *e);
	/* the init, in its namespaces, before the parent runs the prestart
	 * and createRuntime hooks: the mounts. */
	int (*mount)(const struct sk_init_args *a, struct sk_err *e);
	/* the init, after HOOKS_DONE (@state_json: the state it carried):
	 * run the createContainer hooks (sk_init_create_container_hooks)
	 * and become the container's process; never returns. */
	void (*run)(const struct sk_init_args *a, const char *state_json) __attribute__((noreturn));
};

extern const struct sk_handler sk_container_handler; /* container.c */
extern const struct sk_handler sk_vm_handler;	     /* vm.c */

/* The handler for a container: the first that wants it, else the
 * default one. */
const struct sk_handler *sk_handler_for(const struct sk_create_opts *o, const struct oci_config *cfg);

#endif

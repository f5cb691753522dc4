/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft_dl.c - libnftables, loaded when a network first needs rules.
 *
 * Linking libnftables (and with it libnftnl, libxtables, libjansson,
 * libgmp) costs every skiff invocation ~0.3 ms of dynamic linking; most
 * never touch nftables.  The library is opened with RTLD_NODELETE, so a
 * second sk_nft_lib_open() in the same process is a lookup, not a load.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "netsetup.h"

#include <dlfcn.h>
#include <errno.h>

#define SK_NFT_SONAME "libnftables.so.1"

static void *sym(void *h, const char *name, bool *ok)
{
	void *p = dlsym(h, name);
	if (!p)
		*ok = false;
	return p;
}

int sk_nft_lib_open(struct sk_nft_lib *lib, struct sk_err *e)
{
	bool ok = true;

	lib->handle = dlopen(SK_NFT_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!lib->handle)
		return sk_err_set(e, ENOENT, "nftables: cannot load %s (install libnftables1): %s",
				  SK_NFT_SONAME, dlerror());
	lib->ctx_new = sym(lib->handle, "nft_ctx_new", &ok);
	lib->ctx_free = sym(lib->handle, "nft_ctx_free", &ok);
	lib->buffer_output = sym(lib->handle, "nft_ctx_buffer_output", &ok);
	lib->buffer_error = sym(lib->handle, "nft_ctx_buffer_error", &ok);
	lib->get_error_buffer = sym(lib->handle, "nft_ctx_get_error_buffer", &ok);
	lib->run_cmd_from_buffer = sym(lib->handle, "nft_run_cmd_from_buffer", &ok);
	if (!ok) {
		sk_nft_lib_close(lib);
		return sk_err_set(e, ENOSYS, "nftables: %s lacks a function skiff uses",
				  SK_NFT_SONAME);
	}
	return 0;
}

void sk_nft_lib_close(struct sk_nft_lib *lib)
{
	if (lib->handle)
		dlclose(lib->handle);
	lib->handle = NULL;
}

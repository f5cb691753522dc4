/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_config.c - libFuzzer target for the config.json and process parsers.
 * `make fuzz FUZZ_SECONDS=60` builds and runs it on tests/fuzz/corpus.
 */
#include "internal.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_config *c = NULL;
	struct oci_process *p = NULL;
	struct sk_err e = { 0 };

	if (oci_config_parse((const char *)data, size, &c, &e) == 0) {
		/* exercise the lookups on whatever parsed */
		if (c->n_annotations)
			(void)oci_annotation(c, c->annotations[0].key);
		oci_config_free(c);
	} else if (!memchr(e.msg, '\0', sizeof(e.msg)) || strchr(e.msg, '\n')) {
		__builtin_trap(); /* messages are one NUL-terminated line */
	}
	if (oci_process_parse((const char *)data, size, &p, &e) == 0)
		oci_process_free(p);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_spec.c - `spec` (a default config.json) and `features`. */
#define _GNU_SOURCE
#include "internal.h"
#include "../cgroups/cgroups.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

int cmd_spec(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "rootless", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bundle = ".";
	bool rootless = false;
	_cleanup_free_ char *path = NULL, *json = NULL;
	enum sk_cg_mode mode;
	struct sk_err ign = { 0 };
	int c, r;

	while ((c = sk_getopt("spec", argc, argv, "+b:h", opts, e)) != -1) {
		switch (c) {
		case 'b':
			bundle = optarg;
			break;
		case 'R':
			rootless = true;
			break;
		case 'h':
			sk_cmd_help("spec");
			return 0;
		default:
			return -EINVAL;
		}
	}
	if (sk_need_args("spec", argc, argv, 0, "", e) < 0)
		return -EINVAL;
	path = sk_xasprintf("%s/config.json", bundle);
	/* as runc's spec: a cgroup namespace only where /sys/fs/cgroup is
	 * cgroup2 (runc's IsCgroup2UnifiedMode) */
	if (sk_cgroup_mode(&mode, &ign) < 0)
		mode = SK_CG_V1;
	json = oci_spec_default(rootless, mode == SK_CG_V2);
	r = sk_write_file_at(AT_FDCWD, path, json, strlen(json), O_CREAT | O_EXCL, 0644, e);
	if (r == -EEXIST)
		return sk_err_set(e, EEXIST, "spec: %s exists, remove it first", path);
	return r;
}

int cmd_features(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	_cleanup_free_ char *json = NULL;
	int c;

	while ((c = sk_getopt("features", argc, argv, "+h", opts, e)) != -1) {
		if (c != 'h')
			return -EINVAL;
		sk_cmd_help("features");
		return 0;
	}
	if (sk_need_args("features", argc, argv, 0, "", e) < 0)
		return -EINVAL;
	json = oci_features_json();
	fputs(json, stdout);
	if (json[0] && json[strlen(json) - 1] != '\n')
		putchar('\n');
	return 0;
}

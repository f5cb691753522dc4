/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_query.c - `state`, `list` and `ps`: read-only views of containers. */
#define _GNU_SOURCE
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <yajl/yajl_gen.h>

int cmd_state(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	_cleanup_state_ struct sk_state *st = NULL;
	_cleanup_free_ char *json = NULL;
	int r = sk_cmd_load(ctx, "state", argc, argv, false, &st, e);

	if (r != 0)
		return r > 0 ? 0 : r;
	json = sk_state_json(st, sk_state_status(ctx, st), true);
	fputs(json, stdout);
	return 0;
}

static void gstr(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

int cmd_list(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, quiet = false;
	struct dirent **names = NULL;
	yajl_gen g = NULL;
	int c, n;

	while ((c = sk_getopt("list", argc, argv, "+f:qh", opts, e)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "json"))
				json = true;
			else if (strcmp(optarg, "table"))
				return sk_err_set(e, EINVAL, "list: --format must be table or json");
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			sk_cmd_help("list");
			return 0;
		default:
			return -EINVAL;
		}
	}
	if (sk_need_args("list", argc, argv, 0, "", e) < 0)
		return -EINVAL;
	n = scandir(ctx->root, &names, NULL, alphasort);
	if (n < 0 && errno != ENOENT)
		return sk_err_sys(e, errno, "list %s", ctx->root);
	if (json) {
		g = yajl_gen_alloc(NULL);
		yajl_gen_array_open(g);
	} else if (!quiet) {
		printf("%-20s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
	}
	for (int i = 0; i < n; i++) {
		_cleanup_state_ struct sk_state *st = NULL;
		struct sk_err ignore = { 0 };
		enum sk_status s;
		const char *id = names[i]->d_name;

		if (names[i]->d_type != DT_DIR || id[0] == '.' || sk_validate_id(id, &ignore) < 0 ||
		    sk_state_load(ctx, id, false, &st, &ignore) < 0) {
			free(names[i]);
			continue;
		}
		free(names[i]);
		s = sk_state_status(ctx, st);
		if (quiet) {
			printf("%s\n", st->id);
		} else if (json) {
			_cleanup_free_ char *owner = sk_user_name(st->owner);
			yajl_gen_map_open(g);
			gstr(g, "ociVersion");
			gstr(g, SKIFF_OCI_VERSION);
			gstr(g, "id");
			gstr(g, st->id);
			gstr(g, "pid");
			yajl_gen_integer(g, s == SK_STATUS_STOPPED ? 0 : st->pid);
			gstr(g, "status");
			gstr(g, sk_status_name(s));
			gstr(g, "bundle");
			gstr(g, st->bundle ? st->bundle : "");
			gstr(g, "rootfs");
			gstr(g, st->rootfs ? st->rootfs : "");
			gstr(g, "created");
			gstr(g, st->created ? st->created : "");
			gstr(g, "owner");
			gstr(g, owner ? owner : "");
			yajl_gen_map_close(g);
		} else {
			_cleanup_free_ char *owner = sk_user_name(st->owner);
			printf("%-20s %-8d %-10s %-40s %-32s %s\n", st->id,
			       s == SK_STATUS_STOPPED ? 0 : st->pid, sk_status_name(s),
			       st->bundle ? st->bundle : "", st->created ? st->created : "",
			       owner ? owner : "");
		}
	}
	free(names);
	if (json) {
		const unsigned char *buf;
		size_t len;
		yajl_gen_array_close(g);
		yajl_gen_get_buf(g, &buf, &len);
		fwrite(buf, 1, len, stdout);
		putchar('\n');
		yajl_gen_free(g);
	}
	return 0;
}

static bool has_pid(const pid_t *v, size_t n, long pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

int cmd_ps(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_state_ struct sk_state *st = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	_cleanup_free_ char *cmd = NULL;
	bool json = false, stopped;
	size_t n = 0;
	FILE *f;
	char line[4096];
	int c, r, pid_col = -1, status;

	while ((c = sk_getopt("ps", argc, argv, "+f:h", opts, e)) != -1) {
		if (c == 'f') {
			if (!strcmp(optarg, "json"))
				json = true;
			else if (strcmp(optarg, "table"))
				return sk_err_set(e, EINVAL, "ps: --format must be table or json");
		} else if (c == 'h') {
			sk_cmd_help("ps");
			return 0;
		} else {
			return -EINVAL;
		}
	}
	if (argc - optind < 1)
		return sk_err_set(e, EINVAL, "ps: missing container ID (see skiff ps --help)");
	r = sk_state_load(ctx, argv[optind], false, &st, e);
	if (r < 0)
		return r;
	/* a stopped container has no processes (unless some outlived its init
	 * in its cgroup): as runc, the ps header alone, or null */
	stopped = sk_state_status(ctx, st) == SK_STATUS_STOPPED;
	r = sk_container_pids(ctx, st, &pids, &n, e);
	if (r < 0 && !stopped)
		return r;
	if (r < 0)
		n = 0;
	if (json && n == 0) {
		printf("null\n");
		return 0;
	}
	if (json) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", pids[i]);
		printf("]\n");
		return 0;
	}
	/* like runc: run ps (default -ef) and keep the header and our rows */
	cmd = sk_xstrdup("ps");
	if (argc - optind > 1) {
		for (int i = optind + 1; i < argc; i++) {
			char *t = sk_xasprintf("%s '%s'", cmd, argv[i]);
			free(cmd);
			cmd = t;
		}
	} else {
		free(cmd);
		cmd = sk_xstrdup("ps -ef");
	}
	f = popen(cmd, "re");
	if (!f)
		return sk_err_sys(e, errno, "ps: run %s", cmd);
	for (int lineno = 0; fgets(line, sizeof(line), f); lineno++) {
		if (lineno == 0) {
			char *save = NULL, *tok, hdr[4096];
			snprintf(hdr, sizeof(hdr), "%s", line);
			tok = strtok_r(hdr, " \t\n", &save);
			for (int col = 0; tok; col++, tok = strtok_r(NULL, " \t\n", &save))
				if (!strcmp(tok, "PID"))
					pid_col = col;
			if (pid_col < 0) {
				pclose(f);
				return sk_err_set(e, EINVAL,
						  "ps: no PID column in the output of %s", cmd);
			}
			fputs(line, stdout);
			continue;
		} else {
			char *save = NULL, *tok, row[4096];
			snprintf(row, sizeof(row), "%s", line);
			tok = strtok_r(row, " \t\n", &save);
			for (int col = 0; tok && col < pid_col; col++)
				tok = strtok_r(NULL, " \t\n", &save);
			if (tok && has_pid(pids, n, strtol(tok, NULL, 10)))
				fputs(line, stdout);
		}
	}
	status = pclose(f);
	if (status != 0)
		return sk_err_set(e, EINVAL, "ps: %s failed", cmd);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd_migrate.c - `migrate`: live migration of a running container to a
 * target `skiff migrate --receive` (runtime/migrate_source.c and
 * migrate_target.c do the work).  The source prints the report (text, or
 * one JSON object with --format json); the target prints nothing.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <string.h>

enum { O_RECEIVE = 256, O_LISTEN, O_ROUNDS, O_FORMAT, O_TIMEOUT, O_CONSOLE };

static int parse_uint(const char *flag, const char *s, uint64_t max, uint64_t *v, struct sk_err *e)
{
	if (sk_parse_u64(s, v) < 0 || *v > max)
		return sk_err_set(e, EINVAL, "--%s: %s is not a number from 0 to %llu", flag, s,
				  (unsigned long long)max);
	return 0;
}

int cmd_migrate(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	static const struct option opts[] = {
		{ "receive", no_argument, NULL, O_RECEIVE },
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "bundle", required_argument, NULL, 'b' },
		{ "console-socket", required_argument, NULL, O_CONSOLE },
		{ "rounds", required_argument, NULL, O_ROUNDS },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sk_migrate_opts o = { .rounds = 4, .timeout_s = 300 };
	struct sk_migrate_receive_opts ro = { .timeout_s = 300 };
	bool receive = false, json = false;
	uint64_t v;
	int c, r;

	while ((c = sk_getopt("migrate", argc, argv, "+b:h", opts, e)) != -1) {
		switch (c) {
		case 'h':
			sk_cmd_help("migrate");
			return 0;
		case O_RECEIVE:
			receive = true;
			break;
		case O_LISTEN:
			ro.listen = optarg;
			break;
		case 'b':
			ro.bundle = optarg;
			break;
		case O_CONSOLE:
			ro.console_socket = optarg;
			break;
		case O_ROUNDS:
			if ((r = parse_uint("rounds", optarg, SK_MIGRATE_MAX_ROUNDS, &v, e)) < 0)
				return r;
			o.rounds = (unsigned)v;
			break;
		case O_TIMEOUT:
			if ((r = parse_uint("timeout", optarg, 86400, &v, e)) < 0)
				return r;
			if (v == 0)
				return sk_err_set(e, EINVAL, "--timeout: must be at least 1 s");
			o.timeout_s = ro.timeout_s = (int)v;
			break;
		case O_FORMAT:
			if (strcmp(optarg, "text") && strcmp(optarg, "json"))
				return sk_err_set(e, EINVAL, "--format: %s is not text or json",
						  optarg);
			json = !strcmp(optarg, "json");
			break;
		default:
			return -EINVAL;
		}
	}
	if (receive) {
		_cleanup_free_ char *id = NULL;
		pid_t pid;
		if (!ro.listen)
			return sk_err_set(e, EINVAL,
					  "migrate --receive: --listen ADDR:PORT is required");
		r = sk_need_args("migrate --receive", argc, argv, 0, "", e);
		if (r == 0)
			r = sk_migrate_receive(ctx, &ro, &id, &pid, e);
		return r;
	}
	if (ro.listen || ro.bundle || ro.console_socket)
		return sk_err_set(e, EINVAL,
				  "migrate: --listen, --bundle and --console-socket go with --receive");
	r = sk_need_args("migrate", argc, argv, 2, "container ID and tcp://HOST:PORT", e);
	if (r < 0)
		return r;
	o.id = argv[optind];
	o.target = argv[optind + 1];
	struct sk_migrate_report rep;
	r = sk_container_migrate(ctx, &o, &rep, e);
	if (r < 0)
		return r;
	_cleanup_free_ char *text = sk_migrate_report_format(&rep, o.id, json);
	fputs(text, stdout);
	return 0;
}

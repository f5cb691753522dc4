/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main.c - global options, then one command. */
#define _GNU_SOURCE
#include "internal.h"
#include "../namespaces/namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) && !defined(__SANITIZE_ADDRESS__)
#define __SANITIZE_ADDRESS__ 1 /* clang's name for it */
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#include <unistd.h>
/* ASan builds only.  LeakSanitizer's exit-time check stops the world
 * through a tracer child that must see its parent; in a process that
 * joined another pid namespace for its children and could not leave it
 * (an exec by root in rootless Podman's user namespace: the unprivileged
 * exec forks a child to join instead) the tracer sees no parent, quits,
 * and LeakSanitizer waits for it forever.  The check is skipped there
 * alone. */
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
	char a[64], b[64];
	ssize_t n = readlink("/proc/self/ns/pid", a, sizeof(a));
	ssize_t m = readlink("/proc/self/ns/pid_for_children", b, sizeof(b));

	return n > 0 && m > 0 && (n != m || memcmp(a, b, (size_t)n) != 0);
}
#endif

/* runc's layout: NAME:, USAGE:, COMMANDS:, GLOBAL OPTIONS:. */
static void usage(FILE *f)
{
	fprintf(f, "NAME:\n"
		   "   skiff - Open Container Initiative runtime\n"
		   "\n"
		   "skiff is an OCI container runtime with runc's command line: it runs\n"
		   "containers from bundles (a config.json and a root filesystem).\n"
		   "\n"
		   "USAGE:\n"
		   "   skiff [global options] command [command options] [arguments...]\n"
		   "\n"
		   "COMMANDS:\n");
	for (const struct sk_cmd *c = sk_commands; c->name; c++)
		fprintf(f, "   %-11s %s\n", c->name, c->summary);
	fprintf(f,
		"   %-11s %s\n"
		"\n"
		"GLOBAL OPTIONS:\n"
		"   --root DIR           state directory (default " SKIFF_DEFAULT_ROOT ")\n"
		"   --log FILE           write log messages to FILE (default: stderr)\n"
		"   --log-format FORMAT  text (default) or json\n"
		"   --debug              log debug messages\n"
		"   --systemd-cgroup     a container's cgroup is a systemd scope or slice\n"
		"   --version, -v        print the version\n"
		"   --help, -h           this help; `skiff COMMAND --help` for a command\n",
		"help, h", "this list, or `help COMMAND`: one command's help");
}

/* An unknown command (also with -h, or after `help`): runc's words and
 * exit status. */
static int no_help_topic(const char *name)
{
	sk_log(NULL, SK_LOG_ERROR, "No help topic for '%s'", name);
	return 3;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "log", required_argument, NULL, 'l' },
		{ "log-format", required_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "systemd-cgroup", no_argument, NULL, 's' },
		{ "criu", required_argument, NULL, 'c' },
		{ "rootless", required_argument, NULL, 'R' },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sk_ctx ctx = { .root = SKIFF_DEFAULT_ROOT, .log = { .fd = -1 }, .fail_status = 1 };
	struct sk_err err = { 0 };
	const char *log_path = NULL, *base;
	const struct sk_cmd *cmd;
	int c, r;

	/* Nothing skiff runs (hooks, nft, the container) inherits the
	 * caller's fds unless asked to (--preserve-fds clears the flag in
	 * the container's init). */
	sk_fds_cloexec_from(3);
	ctx.argv0 = argv[0];
	base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	ctx.vm_default = !strcmp(base, "skiff-vm");
	_cleanup_free_ char *user_root = NULL;
	const char *rootless_opt = NULL;
	/* as runc: a user's, or root's only in a user namespace (rootless
	 * Podman's) when $USER does not say root */
	if (getenv("XDG_RUNTIME_DIR") && *getenv("XDG_RUNTIME_DIR") &&
	    (geteuid() != 0 ||
	     (ns_rootless() && (!getenv("USER") || strcmp(getenv("USER"), "root"))))) {
		user_root = sk_xasprintf("%s/skiff", getenv("XDG_RUNTIME_DIR"));
		ctx.root = user_root;
	}

	while ((c = sk_getopt(NULL, argc, argv, "+vh", opts, &err)) != -1) {
		switch (c) {
		case 'r':
			ctx.root = optarg;
			break;
		case 'l':
			log_path = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "json"))
				ctx.log.json = true;
			else if (strcmp(optarg, "text")) {
				sk_log(NULL, SK_LOG_ERROR,
				       "--log-format: unknown format %s (text or json)", optarg);
				return 1;
			}
			break;
		case 'd':
			ctx.log.debug = true;
			break;
		case 's':
			ctx.systemd_cgroup = true;
			break;
		case 'R':
			/* runc's --rootless true|false|auto */
			if (!strcmp(optarg, "true") || !strcmp(optarg, "false"))
				rootless_opt = optarg;
			else if (strcmp(optarg, "auto")) {
				sk_log(NULL, SK_LOG_ERROR,
				       "--rootless: %s is not true, false or auto", optarg);
				return 1;
			}
			break;
		case 'c':
			break; /* accepted for runc compatibility */
		case 'v':
			sk_print_version(stdout);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default: /* one line naming the option, as runc's first */
			sk_log_failure(NULL, err.msg);
			return 1;
		}
	}
	ctx.rootless = rootless_opt ? !strcmp(rootless_opt, "true") : ns_rootless();
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[optind], "help") || !strcmp(argv[optind], "h")) {
		if (optind + 1 >= argc) {
			usage(stdout);
			return 0;
		}
		if (!sk_cmd_find(argv[optind + 1]))
			return no_help_topic(argv[optind + 1]);
		sk_cmd_help(argv[optind + 1]);
		return 0;
	}
	cmd = sk_cmd_find(argv[optind]);
	if (!cmd)
		return no_help_topic(argv[optind]);
	if (log_path) {
		ctx.log.fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (ctx.log.fd < 0) {
			sk_log(NULL, SK_LOG_ERROR, "--log %s: %s", log_path, strerror(errno));
			return 1;
		}
	}
	argc -= optind;
	argv += optind;
	optind = 0;
	r = cmd->fn(&ctx, argc, argv, &err);
	if (r < 0) {
		sk_log_failure(&ctx.log, err.msg);
		return ctx.fail_status;
	}
	return r; /* `run` and `exec` return the process's exit status */
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* commands.c - the command table and every command's --help text. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <string.h>

const struct sk_cmd sk_commands[] = {
	{ "create", cmd_create, "create a container from a bundle",
	  "USAGE:\n"
	  "   skiff create [options] CONTAINER_ID\n"
	  "\n"
	  "DESCRIPTION:\n"
	  "   Create a container from the bundle's config.json; its process waits\n"
	  "   until `skiff start`.\n"
	  "\n"
	  "OPTIONS:\n"
	  "   --bundle, -b DIR        bundle directory (default: current directory)\n"
	  "   --console-socket PATH   unix socket that receives the pty master\n"
	  "   --pid-file FILE         write the container's init pid to FILE\n"
	  "   --no-pivot              use MS_MOVE + chroot instead of pivot_root\n"
	  "   --no-new-keyring        keep the caller's session keyring\n"
	  "   --preserve-fds N        pass N extra fds (3, 4, ...) to the container\n"
	  "   --vm                    run the bundle inside a microVM\n" },
	{ "start", cmd_start, "start a created container",
	  "USAGE:\n"
	  "   skiff start CONTAINER_ID\n"
	  "\n"
	  "DESCRIPTION:\n"
	  "   Run the user process of a created container.\n" },
	{ "run", cmd_run, "create and start a container",
	  "USAGE:\n"
	  "   skiff run [options] CONTAINER_ID\n"
	  "\n"
	  "DESCRIPTION:\n"
	  "   Create and start a container.  In the foreground (default) skiff waits,\n"
	  "   forwards signals, deletes the container at the end and exits with the\n"
	  "   process's status (128+N when killed by signal N).\n"
	  "\n"
	  "OPTIONS:\n"
	  "   --bundle, -b DIR        bundle directory (default: current directory)\n"
	  "   --detach, -d            return after start\n"
	  "   --console-socket PATH   unix socket that receives the pty master\n"
	  "   --pid-file FILE         write the container's init pid to FILE\n"
	  "   --no-pivot              use MS_MOVE + chroot instead of pivot_root\n"
	  "   --no-new-keyring        keep the caller's session keyring\n"
	  "   --preserve-fds N        pass N extra fds (3, 4, ...) to the container\n"
	  "   --keep                  do not delete the container after it exits\n"
	  "   --vm                    run the bundle inside a microVM\n" },
	{ "state", cmd_state, "print a container's state as JSON",
	  "USAGE:\n"
	  "   skiff state CONTAINER_ID\n"
	  "\n"
	  "DESCRIPTION:\n"
	  "   Print the runtime-spec state of a container as JSON.\n" },
	{ "list", cmd_list, "list containers",
	  "USAGE:\n"
	  "   skiff list [options]\n"
	  "\n"
	  "OPTIONS:\n"
	  "   --format, -f table|json  output format (default table)\n"
	  "   --quiet, -q              print only the IDs\n" },
	{ "kill", cmd_kill, "send a signal to a container",
	  "USAGE:\n"
	  "   skiff kill [options] CONTAINER_ID [SIGNAL]\n"
	  "\n"
	  "DESCRIPTION:\n"
	  "   Send SIGNAL (name like TERM or SIGKILL, or a number, 0 to check that\n"
	  "   the init exists; default TERM) to the container's init.  When the\n"
	  "   signal ends the init (KILL, or a signal it neither catches nor ignores)\n"
	  "   kill returns once it is gone, so the container is stopped.\n"
	  "\n"
	  "OPTIONS:\n"
	  "   --all, -a   signal every process of the container\n" },
	{ "delete", cmd_delete, "delete a stopped container",
	  "USAGE:\n"
	  "   skiff delete [options] CONTAINER_ID\n"
	  "\n"
	  "DESCRIPTION:\n"
	  "   Delete a stopped container: cgroup, network, state; poststop hooks run.\n"
	  "   A created or running container is refused unless --force.\n"
	  "\n"
	  "OPTIONS:\n"
	  "   --force, -f   kill the container's processes first\n" },
	{ "exec", cmd_exec, "run a new process in a container",
	  "USAGE:\n"
	  "   skiff exec [options] CONTAINER_ID [COMMAND [ARG...]]\n"
	  "\n"
	  "OPTIONS:\n"
	  "   --process, -p FILE      process.json describing the process\n"
	  "   --tty, -t               allocate a pty\n"
	  "   --console-socket PATH   unix socket that receives the pty master\n"
	  "   --detach, -d            do not wait for the process\n"
	  "   --pid-file FILE         write the process's pid to FILE\n"
	  "   --cwd DIR               working directory\n"
	  "   --env, -e KEY=VALUE     add an environment variable (repeatable)\n"
	  "   --user, -u UID[:GID]    user and group ids\n"
	  "   --additional-gids, -g GID  supplementary group (repeatable)\n"
	  "   --cap, -c CAP           add a capability (repeatable)\n"
	  "   --no-new-privs          set no_new_privs\n"
	  "   --preserve-fds N        pass N extra fds to the process\n"
	  "   --cgroup [CTRL[,CTRL]:]PATH  run in an existing sub-cgroup PATH of the\n"
	  "                           container's cgroup (repeatable; v1: per controller)\n"
	  "   --ignore-paused         exec even when the container is paused\n"
	  "\n"
	  "EXIT STATUS:\n"
	  "   The process's own exit status (128+N when killed by signal N); 255\n"
	  "   when skiff cannot run it (as runc's exec).\n" },
	{ "ps", cmd_ps, "list the processes of a container",
	  "USAGE:\n"
	  "   skiff ps [options] CONTAINER_ID [PS_ARGS...]\n"
	  "\n"
	  "DESCRIPTION:\n"
	  "   The processes of a container; of a stopped one, none (the ps header,\n"
	  "   or null with --format json, as runc).\n"
	  "\n"
	  "OPTIONS:\n"
	  "   --format, -f table|json  table (ps -ef rows) or a JSON array of pids\n" },
	{ "pause", cmd_pause, "freeze every process of a container",
	  "USAGE:\n"
	  "   skiff pause CONTAINER_ID\n"
	  "\n"
	  "DESCRIPTION:\n"
	  "   Freeze the container's cgroup.\n" },
	{ "resume", cmd_resume, "thaw a paused container",
	  "USAGE:\n"
	  "   skiff resume CONTAINER_ID\n"
	  "\n"
	  "DESCRIPTION:\n"
	  "   Thaw the container's cgroup.\n" },
	{ "update", cmd_update, "change a container's resource limits",
	  "USAGE:\n"
	  "   skiff update [options] CONTAINER_ID [options]\n"
	  "\n"
	  "OPTIONS:\n"
	  "   --resources, -r FILE|-  linux.resources JSON (as Podman sends)\n"
	  "   --cpu-share N (alias --cpu-shares)  --cpu-period N  --cpu-quota N\n"
	  "   --cpu-rt-period N  --cpu-rt-runtime N  (cgroup v1 only)\n"
	  "   --cpuset-cpus LIST  --cpuset-mems LIST\n"
	  "   --memory BYTES  --memory-reservation BYTES  --memory-swap BYTES\n"
	  "   --pids-limit N\n" },
	{ "events", cmd_events, "resource statistics and OOM events",
	  "USAGE:\n"
	  "   skiff events [options] CONTAINER_ID\n"
	  "\n"
	  "OPTIONS:\n"
	  "   --stats          print one statistics record and exit\n"
	  "   --interval SECS  statistics interval when streaming (default 5)\n" },
	{ "checkpoint", cmd_checkpoint, "checkpoint a running container (CRIU)",
	  "USAGE:\n"
	  "   skiff checkpoint [options] CONTAINER_ID\n"
	  "\n"
	  "DESCRIPTION:\n"
	  "   Dump the container's processes with criu(8) into --image-path; the\n"
	  "   container is then removed, unless --leave-running or --pre-dump.\n"
	  "   --help exits 1, with criu's reason, when criu cannot work here.\n"
	  "\n"
	  "OPTIONS:\n"
	  "   --image-path DIR        criu's images (default: ./checkpoint)\n"
	  "   --work-path DIR         criu's logs and work files (default: image path)\n"
	  "   --parent-path DIR       a pre-dump's images, relative to the image path\n"
	  "   --leave-running         keep the container running after the dump\n"
	  "   --tcp-established       dump established TCP connections\n"
	  "   --ext-unix-sk           allow external unix sockets\n"
	  "   --shell-job             allow a shell job (a terminal of the caller)\n"
	  "   --file-locks            dump file locks\n"
	  "   --pre-dump              dump memory only, with dirty-page tracking\n"
	  "   --manage-cgroups-mode M soft, full, strict or ignore\n"
	  "   --empty-ns network      do not dump the network namespace's contents\n"
	  "   --auto-dedup            deduplicate the parent's pages\n"
	  "   --page-server ADDR:PORT send the memory pages to a criu page-server\n"
	  "   --lazy-pages            serve the pages at --page-server's address to a\n"
	  "                           `criu lazy-pages` daemon; the dump ends when it has\n"
	  "                           fetched them all\n"
	  "   --status-fd FD          with --lazy-pages: criu writes a byte to FD once it\n"
	  "                           serves the pages\n" },
	{ "restore", cmd_restore, "restore a container from a checkpoint (CRIU)",
	  "USAGE:\n"
	  "   skiff restore [options] CONTAINER_ID\n"
	  "\n"
	  "DESCRIPTION:\n"
	  "   Restore a container checkpointed by `skiff checkpoint` as CONTAINER_ID,\n"
	  "   running, from --image-path and the bundle's config and rootfs.  In the\n"
	  "   foreground (default) skiff waits and exits with the process's status.\n"
	  "   --help exits 1, with criu's reason, when criu cannot work here.\n"
	  "\n"
	  "OPTIONS:\n"
	  "   --image-path DIR        criu's images (default: ./checkpoint)\n"
	  "   --work-path DIR         criu's logs and work files (default: image path)\n"
	  "   --bundle, -b DIR        bundle directory (default: current directory)\n"
	  "   --detach, -d            return once the container runs\n"
	  "   --pid-file FILE         write the restored init's pid to FILE\n"
	  "   --console-socket PATH   (a terminal container: not supported yet)\n"
	  "   --no-pivot              accepted (criu makes the root itself)\n"
	  "   --tcp-established       restore established TCP connections\n"
	  "   --ext-unix-sk           allow external unix sockets\n"
	  "   --shell-job             allow a shell job\n"
	  "   --file-locks            restore file locks\n"
	  "   --manage-cgroups-mode M soft, full, strict or ignore\n"
	  "   --lsm-mount-context CTX SELinux context for the restored mounts\n"
	  "   --lsm-profile TYPE:NAME the restored processes' LSM profile (apparmor:NAME,\n"
	  "                           selinux:LABEL)\n"
	  "   --lazy-pages            fetch the memory pages on demand from a `criu\n"
	  "                           lazy-pages` daemon started with the same --work-path\n" },
	{ "migrate", cmd_migrate, "live-migrate a running container to another host (CRIU)",
	  "USAGE:\n"
	  "   skiff migrate [options] CONTAINER_ID tcp://HOST:PORT\n"
	  "   skiff migrate --receive --listen ADDR:PORT [--bundle DIR] [--console-socket PATH]\n"
	  "                 [--timeout S]\n"
	  "\n"
	  "DESCRIPTION:\n"
	  "   Move a running container to a target that runs `migrate --receive`:\n"
	  "   pre-copy rounds of its memory through criu page servers on the target\n"
	  "   (PORT+1) while the dirty set shrinks, then the container is frozen, dumped\n"
	  "   and restored there.  The source is deleted once the target runs it; on\n"
	  "   any failure it resumes.  The target's bundle (same config) and rootfs\n"
	  "   are the operator's job.\n"
	  "\n"
	  "OPTIONS:\n"
	  "   --rounds N              pre-copy rounds at most (default 4; 0: stop-and-copy)\n"
	  "   --format text|json      the report's format (default text)\n"
	  "   --timeout S             bound on each step, in seconds (default 300)\n"
	  "   --receive               be the target\n"
	  "   --listen ADDR:PORT      the target's address (numeric)\n"
	  "   --bundle, -b DIR        the target's bundle (default: current directory)\n"
	  "   --console-socket PATH   a terminal container's new pty master goes there\n" },
	{ "spec", cmd_spec, "write a default config.json",
	  "USAGE:\n"
	  "   skiff spec [options]\n"
	  "\n"
	  "OPTIONS:\n"
	  "   --bundle, -b DIR   where to write config.json (default: current directory)\n"
	  "   --rootless         a spec for a rootless container\n" },
	{ "features", cmd_features, "print the runtime's features as JSON",
	  "USAGE:\n"
	  "   skiff features\n"
	  "\n"
	  "DESCRIPTION:\n"
	  "   Print the runtime-spec features document.\n" },
	{ "network", cmd_network, "manage skiff's built-in networks",
	  "USAGE:\n"
	  "   skiff network ls | inspect NAME | rm NAME\n" },
	{ "placement", cmd_placement, "show a container's NUMA placement",
	  "USAGE:\n"
	  "   skiff placement CONTAINER_ID\n"
	  "\n"
	  "DESCRIPTION:\n"
	  "   Print the nodes and CPUs skiff chose for the container.\n" },
	{ NULL, NULL, NULL, NULL },
};

const struct sk_cmd *sk_cmd_find(const char *name)
{
	for (const struct sk_cmd *c = sk_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

void sk_cmd_help(const char *name)
{
	const struct sk_cmd *c = sk_cmd_find(name);
	if (c)
		printf("NAME:\n   skiff %s - %s\n\n%s", c->name, c->summary, c->usage);
}

int sk_need_args(const char *cmd, int argc, char **argv, int n, const char *what, struct sk_err *e)
{
	if (argc - optind < n)
		return sk_err_set(e, EINVAL, "%s: missing %s (see skiff %s --help)", cmd, what, cmd);
	if (argc - optind > n)
		return sk_err_set(e, EINVAL, "%s: unexpected argument %s", cmd, argv[optind + n]);
	return 0;
}

int sk_cmd_opts(const char *cmd, int argc, char **argv, const char *shortopts,
		const struct option *opts, int flag, bool *set, struct sk_err *e)
{
	int c;

	while ((c = sk_getopt(cmd, argc, argv, shortopts, opts, e)) != -1) {
		if (c == 'h') {
			sk_cmd_help(cmd);
			return 1;
		}
		if (!flag || c != flag)
			return -EINVAL;
		*set = true;
	}
	return 0;
}

int sk_cmd_load(struct sk_ctx *ctx, const char *cmd, int argc, char **argv, bool lock,
		struct sk_state **st, struct sk_err *e)
{
	int r = sk_cmd_one_id(cmd, argc, argv, e);

	if (r != 0)
		return r;
	return sk_state_load(ctx, argv[optind], lock, st, e);
}

int sk_cmd_one_id(const char *cmd, int argc, char **argv, struct sk_err *e)
{
	static const struct option help_only[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int r = sk_cmd_opts(cmd, argc, argv, "+h", help_only, 0, NULL, e);

	if (r != 0)
		return r;
	return sk_need_args(cmd, argc, argv, 1, "container ID", e);
}

/* Is --@name (a prefix, as getopt_long takes it) more than one option? */
static bool ambiguous(const struct option *longopts, const char *name, size_t len)
{
	const struct option *first = NULL;
	bool exact = false, differ = false;

	for (const struct option *o = longopts; o && o->name; o++) {
		if (strncmp(o->name, name, len))
			continue;
		if (strlen(o->name) == len)
			exact = true;
		else if (!first)
			first = o;
		else if (first->has_arg != o->has_arg || first->val != o->val)
			differ = true; /* as glibc: aliases are one option */
	}
	return !exact && differ;
}

int sk_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
	      const struct option *longopts, struct sk_err *e)
{
	char spec[128];
	const char *arg = NULL, *what;
	int before = optind > 0 ? optind : 1, c, len;
	char shortname[3];
	size_t n = 0;

	/* ':' first (after '+'/'-'): a missing argument is ':', not '?' */
	if (*shortopts == '+' || *shortopts == '-')
		spec[n++] = *shortopts++;
	spec[n++] = ':';
	snprintf(spec + n, sizeof(spec) - n, "%s", shortopts);
	opterr = 0;
	c = getopt_long(argc, argv, spec, longopts, NULL);
	if (c != '?' && c != ':')
		return c;

	/* A long option always consumed its word (argv[optind - 1]); a bad
	 * short one is optopt, inside a word that may hold more of them. */
	if (optind > before && optind - 1 < argc && !strncmp(argv[optind - 1], "--", 2))
		arg = argv[optind - 1];
	if (arg) {
		const char *eq = strchr(arg, '=');
		len = eq ? (int)(eq - arg) : (int)strlen(arg);
		if (c == ':')
			what = "flag needs an argument";
		else if (optopt)
			what = "flag does not take an argument";
		else if (ambiguous(longopts, arg + 2, (size_t)len - 2))
			what = "flag is ambiguous";
		else
			what = "flag provided but not defined";
	} else {
		shortname[0] = '-';
		shortname[1] = (char)optopt;
		shortname[2] = '\0';
		arg = shortname;
		len = 2;
		what = c == ':' ? "flag needs an argument" : "flag provided but not defined";
	}
	if (cmd)
		sk_err_set(e, EINVAL, "%s: %s: %.*s (see skiff %s --help)", cmd, what, len, arg, cmd);
	else
		sk_err_set(e, EINVAL, "%s: %.*s (see skiff --help)", what, len, arg);
	return '?';
}

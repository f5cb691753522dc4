/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_net_live.c - netsetup/ for real, without the runtime: the test moves
 * itself into a private network namespace (its "host"), forks children
 * holding further namespaces (the "containers"), runs sk_net_reserve +
 * sk_net_setup on them, checks links, addresses, routes and TCP reachability,
 * tears down and checks that nothing is left.  Needs root (else SKIP).
 * Everything dies with the private namespace; the state root is a temp dir.
 *
 * Every wait is bounded (a failure must never hang the suite): the children
 * die with the test (PR_SET_PDEATHSIG) and by alarm(), sockets have
 * timeouts, shell commands run under timeout(1), and the whole program
 * gives up after WATCHDOG_S with a "not ok" line.
 */
#define WATCHDOG_S 300
#define CHILD_LIFE_S 120
#include "net_fixture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

struct ctr {
	pid_t pid;
	int go; /* closing it ends the container */
};

/* A "container": a child in a new netns serving TCP port 80, answering
 * "hello <peer address>\n" to each client. */
static struct ctr ctr_start(void)
{
	int ready[2], go[2];
	struct ctr c = { -1, -1 };
	char b;

	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)
		return c;
	c.pid = fork();
	if (c.pid == 0) {
		int s, one = 1;
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(80) };
		close(ready[0]);
		close(go[1]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGALRM, SIG_DFL); /* not the parent's watchdog */
		alarm(CHILD_LIFE_S);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 16) < 0)
			_exit(2);
		(void)!write(ready[1], "r", 1);
		close(ready[1]);
		for (;;) {
			struct sockaddr_in peer;
			socklen_t pl = sizeof(peer);
			struct pollfd pf[2] = { { .fd = s, .events = POLLIN },
						{ .fd = go[0], .events = POLLIN } };
			char msg[64], a[16];
			int cfd, r = poll(pf, 2, CHILD_LIFE_S * 1000);
			if (r < 0)
				continue;
			if (r == 0 || pf[1].revents)
				_exit(0);
			cfd = accept4(s, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK);
			if (cfd < 0)
				continue;
			inet_ntop(AF_INET, &peer.sin_addr, a, sizeof(a));
			snprintf(msg, sizeof(msg), "hello %s\n", a);
			(void)!write(cfd, msg, strlen(msg));
			close(cfd);
		}
	}
	close(ready[1]);
	close(go[0]);
	c.go = go[1];
	/* bounded: the child writes or dies (alarm) */
	if (read(ready[0], &b, 1) != 1)
		c.pid = -1;
	close(ready[0]);
	return c;
}

static void ctr_stop(struct ctr *c)
{
	if (c->pid <= 0)
		return;
	close(c->go);
	kill(c->pid, SIGKILL); /* later children hold copies of the go pipe */
	waitpid(c->pid, NULL, 0);
	c->pid = -1;
}

/* Connect to ip:port in the current netns; the reply in @out ("" on failure). */
static void tcp_get(const char *ip, int port, char *out, size_t n)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { 3, 0 };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ssize_t r;

	out[0] = '\0';
	inet_pton(AF_INET, ip, &sa.sin_addr);
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		r = read(s, out, n - 1);
		out[r > 0 ? r : 0] = '\0';
	}
	close(s);
}

/* tcp_get from inside @pid's netns. */
static void tcp_get_from(pid_t pid, const char *ip, int port, char *out, size_t n)
{
	int p[2];
	pid_t c;
	ssize_t r;

	out[0] = '\0';
	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	c = fork();
	if (c == 0) {
		char path[64], buf[128];
		int fd;
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGALRM, SIG_DFL);
		alarm(10);
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
			_exit(1);
		tcp_get(ip, port, buf, sizeof(buf));
		(void)!write(p[1], buf, strlen(buf));
		_exit(0);
	}
	close(p[1]);
	r = read(p[0], out, n - 1); /* bounded by the child's alarm */
	out[r > 0 ? r : 0] = '\0';
	close(p[0]);
	waitpid(c, NULL, 0);
}

/* Output of a shell command (run in this test's private netns), killed
 * after 20 s. */
static char *sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd, *out = sk_xstrdup(""), buf[4096];
	int p[2];
	ssize_t r;
	pid_t c;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (pipe2(p, O_CLOEXEC) < 0) {
		free(cmd);
		return out;
	}
	c = fork();
	if (c == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(p[1], 1);
		execlp("timeout", "timeout", "-s", "KILL", "20", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	free(cmd);
	while ((r = read(p[0], buf, sizeof(buf) - 1)) > 0) { /* bounded by timeout(1) */
		char *t;
		buf[r] = '\0';
		t = sk_xasprintf("%s%s", out, buf);
		free(out);
		out = t;
	}
	close(p[0]);
	if (c > 0)
		waitpid(c, NULL, 0);
	return out;
}

/* Create + setup a container on @kv; returns the sk_net (NULL on failure). */
static struct sk_net *plug(struct oci_kv *kv, size_t nkv, const char *id, struct ctr *c)
{
	struct sk_net *n = NULL;
	struct sk_err e = { 0 };
	char *sd = mkstate(id);
	int r;

	*c = ctr_start();
	CHECK(c->pid > 0);
	r = prep(kv, nkv, id, &n, &e);
	if (r == 0)
		r = sk_net_reserve(n, sd, &e);
	if (r == 0)
		r = sk_net_setup(n, c->pid, sd, &e);
	if (r < 0)
		printf("# %s: %s\n", id, e.msg);
	CHECK_INT(r, 0);
	free(sd);
	if (r < 0) {
		if (n)
			sk_ignore(sk_net_teardown(n, &e));
		sk_net_free(n);
		return NULL;
	}
	return n;
}

static void unplug(struct sk_net *n, struct ctr *c, const char *id)
{
	struct sk_err e = { 0 };
	char *sd = sk_xasprintf("%s/%s", root, id);
	if (n) {
		CHECK_INT(sk_net_teardown(n, &e), 0);
		CHECK_INT(sk_net_teardown(n, &e), 0); /* idempotent */
		sk_net_free(n);
	}
	ctr_stop(c);
	sk_rm_rf(sd);
	free(sd);
}

static bool link_exists(const char *name)
{
	struct sk_nl *nl = NULL;
	struct sk_nl_link l;
	struct sk_err e;
	bool r;
	if (sk_nl_open(&nl, &e) < 0)
		return false;
	r = sk_nl_link_get(nl, name, &l) == 0;
	sk_nl_close(nl);
	return r;
}

static int cli(const char *a, const char *b)
{
	struct sk_err e = { 0 };
	char *argv[] = { (char *)a, (char *)b, NULL };
	int r = sk_net_cli(&test_log, root, b ? 2 : 1, argv, &e);
	if (r < 0)
		printf("# network %s %s: %s\n", a, b ? b : "", e.msg);
	return r;
}

TEST(nat_with_port_forward)
{
	struct oci_kv kv[] = { KV("mode", "nat"), KV("network", "sktest0"),
			       KV("subnet", "10.123.0.0/24"), KV("ports", "18080:80/tcp") };
	struct ctr c;
	struct sk_net *n = plug(kv, 4, "natc1", &c);
	char ifname[16], hash[12], buf[128], *out;

	if (!n)
		return;
	sk_net_ifname("natc1", ifname);
	sk_net_hash("natc1", hash);
	CHECK_STR(sk_net_address(n), "10.123.0.2/24");
	CHECK(link_exists(ifname));
	out = sh("ip -o addr show dev sktest0");
	CHECK_CONTAINS(out, "10.123.0.1/24");
	free(out);
	out = sh("ip -o link show dev %s", ifname);
	CHECK_CONTAINS(out, "master sktest0");
	free(out);
	out = sh("nsenter -t %d -n ip -o addr show dev eth0", (int)c.pid);
	CHECK_CONTAINS(out, "10.123.0.2/24");
	free(out);
	out = sh("nsenter -t %d -n ip route show default", (int)c.pid);
	CHECK_CONTAINS(out, "default via 10.123.0.1 dev eth0");
	free(out);
	out = sh("cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/sktest0/route_localnet");
	CHECK_STR(out, "1\n1\n");
	free(out);
	out = sh("nft list table ip skiff");
	CHECK_CONTAINS(out, hash);
	CHECK_CONTAINS(out, "dnat to 10.123.0.2:80");
	free(out);

	tcp_get("10.123.0.2", 80, buf, sizeof(buf)); /* routed to the container */
	CHECK_STR(buf, "hello 10.123.0.1\n");
	tcp_get("127.0.0.1", 18080, buf, sizeof(buf));	/* hairpin via localhost */
	CHECK_STR(buf, "hello 10.123.0.1\n");		/* masqueraded to the gateway */
	tcp_get("10.123.0.1", 18080, buf, sizeof(buf)); /* the host's own address */
	CHECK_CONTAINS(buf, "hello ");
	/* the container cannot reach the host's localhost through route_localnet */
	tcp_get_from(c.pid, "127.0.0.1", 80, buf, sizeof(buf));
	CHECK_STR(buf, "hello 127.0.0.1\n"); /* its own loopback: fine */

	/* a second container cannot forward the same host port */
	{
		struct oci_kv kv2[] = { KV("mode", "nat"), KV("network", "sktest0"),
					KV("ports", "18080:81") };
		struct sk_net *m = NULL;
		struct sk_err e = { 0 };
		char *sd = mkstate("natc2");
		CHECK_INT(prep(kv2, 3, "natc2", &m, &e), 0);
		CHECK_INT(m ? sk_net_reserve(m, sd, &e) : 0, -EADDRINUSE);
		CHECK_CONTAINS(e.msg, "already forwarded to container natc1");
		sk_net_free(m);
		sk_rm_rf(sd);
		free(sd);
	}

	CHECK(cli("rm", "sktest0") < 0); /* in use */
	unplug(n, &c, "natc1");
	CHECK(!link_exists(ifname));
	out = sh("nft list ruleset");
	CHECK(!strstr(out, hash));
	free(out);
	CHECK_INT(cli("rm", "sktest0"), 0);
	CHECK(!link_exists("sktest0"));
	out = sh("nft list ruleset");
	CHECK(!strstr(out, "skiff"));
	free(out);
}

TEST(isolated_pair)
{
	struct oci_kv kv[] = { KV("mode", "isolated"), KV("network", "skiso0"),
			       KV("subnet", "10.124.0.0/24") };
	struct ctr c1, c2;
	struct sk_net *n1 = plug(kv, 3, "iso1", &c1), *n2 = plug(kv, 3, "iso2", &c2);
	char buf[128], *out;

	if (!n1 || !n2)
		goto out;
	CHECK_STR(sk_net_address(n1), "10.124.0.1/24");
	CHECK_STR(sk_net_address(n2), "10.124.0.2/24");
	out = sh("ip -o addr show dev skiso0");
	CHECK_STR(out, ""); /* the host has no address on it, not even IPv6 */
	free(out);
	out = sh("cat /proc/sys/net/ipv4/conf/skiso0/forwarding");
	CHECK_STR(out, "0\n");
	free(out);
	out = sh("nsenter -t %d -n ip route show default", (int)c1.pid);
	CHECK_STR(out, "");
	free(out);
	tcp_get_from(c1.pid, "10.124.0.2", 80, buf, sizeof(buf));
	CHECK_STR(buf, "hello 10.124.0.1\n");
	tcp_get("10.124.0.2", 80, buf, sizeof(buf)); /* the host cannot */
	CHECK_STR(buf, "");
out:
	unplug(n1, &c1, "iso1");
	unplug(n2, &c2, "iso2");
	CHECK_INT(cli("rm", "skiso0"), 0);
	CHECK(!link_exists("skiso0"));
}

TEST(bridged_static)
{
	struct oci_kv kv[] = { KV("mode", "bridged"), KV("bridge", "sktbr0"),
			       KV("ip", "192.168.200.10/24"), KV("gateway", "192.168.200.1") };
	struct ctr c;
	struct sk_net *n;
	char buf[128], *out;

	/* the operator's bridge, with the host on it */
	out = sh("ip link add sktbr0 type bridge && ip addr add 192.168.200.1/24 dev sktbr0 && "
		 "ip link set sktbr0 up && echo ok");
	CHECK_STR(out, "ok\n");
	free(out);
	n = plug(kv, 4, "br1", &c);
	if (n) {
		CHECK_STR(sk_net_address(n), "192.168.200.10/24");
		out = sh("nsenter -t %d -n ip route show default", (int)c.pid);
		CHECK_CONTAINS(out, "default via 192.168.200.1 dev eth0");
		free(out);
		tcp_get("192.168.200.10", 80, buf, sizeof(buf));
		CHECK_STR(buf, "hello 192.168.200.1\n");
	}
	unplug(n, &c, "br1");
	CHECK_INT(cli("rm", "sktbr0"), 0);
	CHECK(link_exists("sktbr0")); /* not skiff's: kept */
	free(sh("ip link del sktbr0"));

	/* bridged onto something that is not a bridge */
	{
		struct oci_kv kv2[] = { KV("mode", "bridged"), KV("bridge", "lo"),
					KV("ip", "192.168.201.10/24") };
		struct sk_net *m = NULL;
		struct sk_err e = { 0 };
		CHECK(prep(kv2, 3, "br2", &m, &e) < 0);
		CHECK_CONTAINS(e.msg, "lo is not a bridge");
		CHECK(prep(kv, 4, "br2", &m, &e) < 0);
		CHECK_CONTAINS(e.msg, "no interface named sktbr0");
	}
}

/* A setup that fails half-way leaves no veth; teardown frees the lease. */
TEST(failed_setup_cleans_up)
{
	struct oci_kv kv[] = { KV("mode", "routed"), KV("network", "skfail0"),
			       KV("subnet", "10.125.0.0/24") };
	struct sk_net *n = NULL;
	struct sk_err e = { 0 };
	struct sk_ipam_net *rec = NULL;
	struct ctr c = ctr_start();
	char *sd = mkstate("fail1"), ifname[16], *out;

	/* the container already has an eth0: the veth cannot be made */
	out = sh("nsenter -t %d -n ip link add eth0 type bridge && echo ok", (int)c.pid);
	CHECK_STR(out, "ok\n");
	free(out);
	CHECK_INT(prep(kv, 3, "fail1", &n, &e), 0);
	CHECK_INT(n ? sk_net_reserve(n, sd, &e) : -1, 0);
	CHECK(n && sk_net_setup(n, c.pid, sd, &e) < 0);
	CHECK_CONTAINS(e.msg, "fail1");
	CHECK(!link_exists(sk_net_ifname("fail1", ifname)));
	CHECK_INT(sk_net_teardown(n, &e), 0);
	CHECK_INT(sk_ipam_load(root, "skfail0", &rec, &e), 0);
	CHECK_INT(rec ? rec->n_leases : 99, 0);
	sk_ipam_free(rec);
	sk_net_free(n);
	ctr_stop(&c);
	CHECK_INT(cli("rm", "skfail0"), 0);
	sk_rm_rf(sd);
	free(sd);
}

/* A container that vanished without teardown: its lease and nft chains are
 * reclaimed by the next allocation on the network. */
TEST(stale_reclaimed)
{
	struct oci_kv kv[] = { KV("mode", "nat"), KV("network", "skst0"),
			       KV("subnet", "10.126.0.0/30") }; /* one address only */
	struct ctr c1, c2;
	struct sk_net *n1 = plug(kv, 3, "st1", &c1), *n2;
	char hash[12], *out, *sd = sk_xasprintf("%s/st1", root);

	if (!n1)
		return;
	ctr_stop(&c1);
	sk_rm_rf(sd); /* "crashed": no teardown */
	sk_net_free(n1);
	n2 = plug(kv, 3, "st2", &c2);
	CHECK(n2 != NULL);
	out = sh("nft list ruleset");
	CHECK(!strstr(out, sk_net_hash("st1", hash)));
	free(out);
	unplug(n2, &c2, "st2");
	CHECK_INT(cli("rm", "skst0"), 0);
	free(sd);
}

TEST(cli_output)
{
	struct oci_kv kv[] = { KV("mode", "routed"), KV("network", "skcli0"),
			       KV("subnet", "10.127.0.0/24") };
	struct ctr c;
	struct sk_net *n = plug(kv, 3, "cli1", &c);
	char *out;

	fflush(stdout);
	out = sh("true"); /* cli prints on stdout: capture through a pipe */
	free(out);
	{
		int p[2], saved = dup(1);
		char buf[2048];
		ssize_t r;
		(void)!pipe(p);
		dup2(p[1], 1);
		cli("ls", NULL);
		cli("inspect", "skcli0");
		fflush(stdout);
		dup2(saved, 1);
		close(saved);
		close(p[1]);
		r = read(p[0], buf, sizeof(buf) - 1);
		buf[r > 0 ? r : 0] = '\0';
		close(p[0]);
		CHECK_CONTAINS(buf, "NAME            MODE     SUBNET");
		CHECK_CONTAINS(buf,
			       "skcli0          routed   10.127.0.0/24      10.127.0.1      skcli0          1");
		CHECK_CONTAINS(buf, "\"leases\": [\n    {\"id\": \"cli1\", \"ip\": \"10.127.0.2\"}");
	}
	unplug(n, &c, "cli1");
	CHECK_INT(cli("rm", "skcli0"), 0);
}

TEST(no_leftovers)
{
	char *out = sh("ip -o link | grep -v ': lo:'; nft list ruleset; ls %s/networks", root);
	CHECK_STR(out, "");
	free(out);
}

static void watchdog(int sig)
{
#define STR_(x) #x
#define STR(x) STR_(x)
	static const char msg[] =
		"not ok - test_net_live: not done in " STR(WATCHDOG_S) " s, giving up\n";
	(void)sig;
	fflush(stdout);
	(void)!write(1, msg, sizeof(msg) - 1);
	_exit(1);
}

int main(void)
{
	char *out;

	if (geteuid() != 0) {
		printf("ok 1 # SKIP needs root\n1..1\n");
		return 0;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		printf("ok 1 # SKIP cannot make a network namespace\n1..1\n");
		return 0;
	}
	out = sh("ip link set lo up && nft list ruleset >/dev/null && echo ok");
	if (strcmp(out, "ok\n")) {
		printf("ok 1 # SKIP needs iproute2 and nftables\n1..1\n");
		return 0;
	}
	free(out);
	snprintf(root, sizeof(root), "/tmp/skiff-test-netlive.XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, watchdog);
	alarm(WATCHDOG_S);
	RUN(nat_with_port_forward);
	RUN(isolated_pair);
	RUN(bridged_static);
	RUN(failed_setup_cleans_up);
	RUN(stale_reclaimed);
	RUN(cli_output);
	RUN(no_leftovers);
	sk_rm_rf(root);
	return unit_done();
}

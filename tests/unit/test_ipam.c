/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ipam.c - netsetup/ipam.c and the lease side of sk_net_reserve(). */
#include "net_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>

static struct sk_ipam_net *mknet(const char *cidr, bool gw)
{
	struct sk_cidr c;
	sk_cidr_parse(cidr, true, &c);
	return sk_ipam_new("t0", gw ? SK_NET_NAT : SK_NET_ISOLATED, &c, gw ? c.addr + 1 : 0, "t0",
			   true);
}

TEST(alloc_sequential)
{
	struct sk_ipam_net *n = mknet("10.1.0.0/24", true);
	struct sk_err e = { 0 };
	uint32_t a = 0, b = 0, c = 0;
	char s[16];

	CHECK_INT(sk_ipam_alloc(n, "a", 0, "", &a, &e), 0);
	CHECK_STR(sk_ip4_str(a, s), "10.1.0.2"); /* .0 network, .1 gateway */
	CHECK_INT(sk_ipam_alloc(n, "b", 0, "", &b, &e), 0);
	CHECK_STR(sk_ip4_str(b, s), "10.1.0.3");
	CHECK(sk_ipam_release(n, "a"));
	CHECK(!sk_ipam_release(n, "a"));
	CHECK_INT(sk_ipam_alloc(n, "c", 0, "", &c, &e), 0);
	CHECK_STR(sk_ip4_str(c, s), "10.1.0.2"); /* the freed one again */
	/* re-allocating for an ID replaces its lease */
	CHECK_INT(sk_ipam_alloc(n, "c", 0x0a010009, "", &c, &e), 0);
	CHECK_INT(n->n_leases, 2);
	sk_ipam_free(n);

	n = mknet("10.1.0.0/24", false); /* isolated: no gateway, .1 is leased */
	CHECK_INT(sk_ipam_alloc(n, "a", 0, "", &a, &e), 0);
	CHECK_STR(sk_ip4_str(a, s), "10.1.0.1");
	sk_ipam_free(n);
}

TEST(alloc_static_and_errors)
{
	struct sk_ipam_net *n = mknet("10.1.0.0/24", true);
	struct sk_err e = { 0 };
	uint32_t a;

	CHECK_INT(sk_ipam_alloc(n, "a", 0x0a010032, "", &a, &e), 0);
	CHECK_INT(a, 0x0a010032);
	CHECK_INT(sk_ipam_alloc(n, "b", 0x0a010032, "", &a, &e), -EADDRINUSE);
	CHECK_CONTAINS(e.msg, "already used by container a");
	CHECK_INT(sk_ipam_alloc(n, "b", 0x0a010001, "", &a, &e), -EADDRINUSE);
	CHECK_CONTAINS(e.msg, "gateway");
	CHECK_INT(sk_ipam_alloc(n, "b", 0x0a010000, "", &a, &e), -EINVAL);
	CHECK_INT(sk_ipam_alloc(n, "b", 0x0a0100ff, "", &a, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "broadcast");
	CHECK_INT(sk_ipam_alloc(n, "b", 0x0a020005, "", &a, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "outside");
	/* the next dynamic lease skips the static one */
	CHECK_INT(sk_ipam_alloc(n, "c", 0, "", &a, &e), 0);
	CHECK_INT(a, 0x0a010002);
	sk_ipam_free(n);
}

TEST(alloc_full)
{
	struct sk_ipam_net *n = mknet("10.1.0.0/29", true); /* .1 gw, .2-.6 hosts */
	struct sk_err e = { 0 };
	uint32_t a;
	char id[8];

	for (int i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "c%d", i);
		CHECK_INT(sk_ipam_alloc(n, id, 0, "", &a, &e), 0);
		CHECK_INT(a, 0x0a010002 + i);
	}
	CHECK_INT(sk_ipam_alloc(n, "x", 0, "", &a, &e), -ENOSPC);
	CHECK_CONTAINS(e.msg, "no free address");
	sk_ipam_free(n);
}

TEST(record_roundtrip)
{
	struct sk_ipam_net *n = mknet("10.1.0.0/24", true), *m = NULL;
	struct sk_err e = { 0 };
	uint32_t a;
	char *t;

	CHECK(sk_ipam_alloc(n, "web.1", 0, "8080:80/tcp", &a, &e) >= 0);
	CHECK(sk_ipam_alloc(n, "db", 0, "", &a, &e) >= 0);
	t = sk_ipam_format(n);
	CHECK_CONTAINS(t,
		       "{\"version\":1,\"name\":\"t0\",\"mode\":\"nat\",\"subnet\":\"10.1.0.0/24\"");
	CHECK_CONTAINS(t, "\"leases\":[{\"id\":\"web.1\",\"ip\":\"10.1.0.2\",\"ports\":\"8080:80/tcp\"},"
			  "{\"id\":\"db\",\"ip\":\"10.1.0.3\",\"ports\":\"\"}]}");
	CHECK_INT(sk_ipam_parse(t, &m, &e), 0);
	CHECK_STR(m->name, "t0");
	CHECK_INT(m->mode, SK_NET_NAT);
	CHECK_INT(m->gateway, 0x0a010001);
	CHECK_INT(m->n_leases, 2);
	CHECK_STR(m->leases[0].ports, "8080:80/tcp");
	CHECK_STR(m->leases[1].ports, "");
	CHECK(m->owned);
	free(t);
	sk_ipam_free(m);
	m = NULL;
	CHECK_INT(sk_ipam_parse("{\"version\":1,\"name\":\"x\",\"mode\":\"nat\"}", &m, &e), -EINVAL);
	CHECK_STR(e.msg, "missing name, mode or subnet");
	CHECK_INT(sk_ipam_parse("{\"name\":\"x\",\"mode\":\"nat\",\"subnet\":\"10.0.0.0/8\","
				"\"leases\":[{\"id\":\"a\",\"ip\":\"notanip\"}]}",
				&m, &e),
		  -EINVAL);
	CHECK_STR(e.msg, "bad lease 1");
	CHECK_INT(sk_ipam_parse("{\"name\":\"x\",\"mode\":\"nat\",\"subn", &m, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "corrupt record: invalid JSON");

	/* version 0: an older skiff's text record */
	CHECK_INT(sk_ipam_parse("name x\nmode nat\nsubnet 10.0.0.0/8\ngateway -\nbridge x\n"
				"owned 1\nlease web.1 10.0.0.2 8080:80/tcp\nlease db 10.0.0.3 -\n",
				&m, &e),
		  0);
	CHECK_STR(m ? m->name : NULL, "x");
	CHECK_INT(m ? m->gateway : 1, 0);
	CHECK(m && m->owned);
	CHECK_INT(m ? m->n_leases : 0, 2);
	CHECK_STR(m ? m->leases[0].ports : NULL, "8080:80/tcp");
	CHECK_STR(m ? m->leases[1].ports : NULL, "");
	sk_ipam_free(m);
	m = NULL;
	CHECK_INT(sk_ipam_parse("name x\nmode nat\n", &m, &e), -EINVAL);
	CHECK_INT(sk_ipam_parse("name x\nmode nat\nsubnet 10.0.0.0/8\nlease a notanip\n", &m, &e),
		  -EINVAL);
	CHECK_CONTAINS(e.msg, "line 4");

	/* file store */
	CHECK_INT(sk_ipam_save(root, n, &e), 0);
	CHECK_INT(sk_ipam_load(root, "t0", &m, &e), 0);
	CHECK_INT(m ? m->n_leases : 0, 2);
	sk_ipam_free(m);
	m = NULL;
	CHECK_INT(sk_ipam_load(root, "nope", &m, &e), -ENOENT);
	CHECK_CONTAINS(e.msg, "network nope does not exist");
	{
		char **names = NULL;
		CHECK_INT(sk_ipam_list(root, &names, &e), 0);
		CHECK_INT(sk_strv_len(names), 1);
		CHECK_STR(names[0], "t0");
		sk_strv_free(names);
	}
	CHECK_INT(sk_ipam_remove(root, "t0", &e), 0);
	CHECK_INT(sk_ipam_load(root, "t0", &m, &e), -ENOENT);
	sk_ipam_free(n);
}

TEST(stale_reclaim)
{
	struct sk_ipam_net *n = mknet("10.1.0.0/24", true);
	struct sk_err e = { 0 };
	char **ids = NULL, *p = sk_xasprintf("%s/alive", root);
	uint32_t a;

	mkdir(p, 0700);
	CHECK(sk_ipam_alloc(n, "gone", 0, "", &a, &e) >= 0);
	CHECK(sk_ipam_alloc(n, "alive", 0, "", &a, &e) >= 0);
	CHECK_INT(sk_ipam_reclaim(n, root, &ids), 1);
	CHECK_INT(sk_strv_len(ids), 1);
	CHECK_STR(ids ? ids[0] : NULL, "gone");
	CHECK_INT(n->n_leases, 1);
	CHECK_STR(n->leases[0].id, "alive");
	CHECK_INT(sk_ipam_alloc(n, "new", 0, "", &a, &e), 0);
	CHECK_INT(a, 0x0a010002); /* gone's address is free again */
	rmdir(p);
	free(p);
	sk_strv_free(ids);
	sk_ipam_free(n);
}

/* Several processes allocate under the lock at once: all addresses distinct. */
TEST(concurrent_alloc)
{
	struct sk_err e = { 0 };
	struct sk_ipam_net *n = mknet("10.2.0.0/24", true);
	enum { PROCS = 8, EACH = 6 };

	CHECK(sk_ipam_save(root, n, &e) >= 0);
	sk_ipam_free(n);
	for (int p = 0; p < PROCS; p++) {
		if (fork() == 0) {
			for (int i = 0; i < EACH; i++) {
				int lock = -1;
				struct sk_ipam_net *m = NULL;
				char id[16];
				uint32_t a;
				snprintf(id, sizeof(id), "p%d-%d", p, i);
				if (sk_ipam_lock(root, &lock, &e) < 0 ||
				    sk_ipam_load(root, "t0", &m, &e) < 0 ||
				    sk_ipam_alloc(m, id, 0, "", &a, &e) < 0 ||
				    sk_ipam_save(root, m, &e) < 0)
					_exit(1);
				sk_ipam_free(m);
				close(lock);
			}
			_exit(0);
		}
	}
	for (int p = 0; p < PROCS; p++) {
		int st = 0;
		wait(&st);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	n = NULL;
	CHECK_INT(sk_ipam_load(root, "t0", &n, &e), 0);
	if (n) {
		CHECK_INT(n->n_leases, PROCS * EACH);
		for (size_t i = 0; i < n->n_leases; i++)
			for (size_t j = i + 1; j < n->n_leases; j++)
				CHECK(n->leases[i].ip != n->leases[j].ip);
		sk_ipam_free(n);
	}
	CHECK(sk_ipam_remove(root, "t0", &e) >= 0);
}

/* prepare + reserve + files + serialize/load + teardown (no links made). */
TEST(reserve_files_teardown)
{
	struct oci_kv kv[] = { KV("mode", "isolated"), KV("network", "tnet1"),
			       KV("subnet", "10.77.0.0/24"), KV("dns", "192.0.2.53") };
	struct oci_kv kv2[] = { KV("mode", "isolated"), KV("network", "tnet1"),
				KV("ip", "10.77.0.1") };
	struct oci_kv kv3[] = { KV("mode", "nat"), KV("network", "tnet1") };
	struct sk_net *n = NULL, *m = NULL, *l = NULL;
	struct sk_err e = { 0 };
	char *sd = mkstate("r1"), *sd2 = mkstate("r2"), *txt = NULL, *ser;
	const struct oci_mount *mnt;
	size_t cnt = 0;
	struct sk_ipam_net *rec = NULL;

	CHECK_INT(prep(kv, 4, "r1", &n, &e), 0);
	CHECK(n != NULL);
	if (!n)
		return;
	CHECK(sk_net_address(n) == NULL);
	CHECK_INT(sk_net_reserve(n, sd, &e), 0);
	CHECK_STR(sk_net_address(n), "10.77.0.1/24");
	mnt = sk_net_mounts(n, &cnt);
	CHECK_INT(cnt, 2);
	CHECK_STR(mnt[0].destination, "/etc/hosts");
	CHECK_CONTAINS(mnt[0].source, "/r1/hosts");
	CHECK_STR(mnt[1].destination, "/etc/resolv.conf");
	CHECK_INT(sk_read_file_at(AT_FDCWD, mnt[1].source, &txt, NULL, &e), 0);
	CHECK_CONTAINS(txt, "nameserver 192.0.2.53\n");
	free(txt);
	CHECK_INT(sk_read_file_at(AT_FDCWD, mnt[0].source, &txt, NULL, &e), 0);
	CHECK_CONTAINS(txt, "10.77.0.1\tr1\n");
	free(txt);

	/* the same static address for another container: refused at reserve */
	CHECK_INT(prep(kv2, 3, "r2", &m, &e), 0);
	CHECK_INT(sk_net_reserve(m, sd2, &e), -EADDRINUSE);
	CHECK_CONTAINS(e.msg, "already used by container r1");
	sk_net_free(m);
	m = NULL;
	/* another mode on the same network: refused at prepare */
	CHECK(prep(kv3, 2, "r2", &m, &e) < 0);
	CHECK_CONTAINS(e.msg, "exists with mode isolated");

	ser = sk_net_serialize(n);
	CHECK_INT(sk_net_load(NULL, root, ser, &l, &e), 0);
	CHECK_STR(l ? sk_net_address(l) : NULL, "10.77.0.1/24");
	free(ser);
	CHECK_INT(sk_net_teardown(l, &e), 0);
	CHECK_INT(sk_net_teardown(l, &e), 0); /* idempotent */
	CHECK_INT(sk_net_teardown(n, &e), 0);
	CHECK_INT(sk_ipam_load(root, "tnet1", &rec, &e), 0);
	CHECK_INT(rec ? rec->n_leases : 99, 0);
	sk_ipam_free(rec);
	CHECK_INT(sk_net_cli(NULL, root, 2, (char *[]){ (char *)"rm", (char *)"tnet1", NULL }, &e),
		  0);
	CHECK_INT(sk_ipam_load(root, "tnet1", &rec, &e), -ENOENT);

	sk_net_free(l);
	sk_net_free(n);
	sk_rm_rf(sd);
	sk_rm_rf(sd2);
	free(sd);
	free(sd2);
}

TEST(prepare_skips)
{
	struct oci_kv kv[] = { KV("mode", "nat") };
	struct oci_config cfg;
	struct sk_net *n = (struct sk_net *)1;
	struct sk_err e = { 0 };
	struct sk_log log = { .fd = -1 };

	memset(&cfg, 0, sizeof(cfg));
	cfg.annotations = kv;
	cfg.n_annotations = 1;
	cfg.lnx.namespaces[OCI_NS_NET].present = true;
	cfg.lnx.namespaces[OCI_NS_NET].path = (char *)"/proc/1/ns/net";
	CHECK_INT(sk_net_prepare(&log, root, "x", &cfg, &n, &e), 0);
	CHECK(n == NULL); /* someone else owns the network */
	cfg.lnx.namespaces[OCI_NS_NET].path = NULL;
	cfg.lnx.namespaces[OCI_NS_NET].present = false;
	CHECK(sk_net_prepare(&log, root, "x", &cfg, &n, &e) < 0);
	CHECK_CONTAINS(e.msg, "needs a new network namespace");
	cfg.n_annotations = 0;
	CHECK_INT(sk_net_prepare(&log, root, "x", &cfg, &n, &e), 0);
	CHECK(n == NULL); /* mode none */
}

/* The network record: written as a versioned record; an older skiff's
 * key=value text (version 0) still loads, to the same record. */
TEST(net_record_versions)
{
	const char *v0 = "version=1\nid=r9\nmode=nat\nnetwork=skiff0\nbridge=skiff0\n"
			 "subnet=10.88.0.0/24\nip=10.88.0.5\ngateway=10.88.0.1\nports=8080:80/tcp\n"
			 "dns=192.0.2.1,192.0.2.2\nhostname=h\nstate_dir=/x\nreserved=1\n";
	struct sk_net *n = NULL, *m = NULL;
	struct sk_err e = { 0 };
	char *s, *v1;

	CHECK_INT(sk_net_load(NULL, root, v0, &n, &e), 0);
	if (!n)
		return;
	CHECK_STR(sk_net_address(n), "10.88.0.5/24");
	v1 = sk_net_serialize(n);
	CHECK_CONTAINS(v1, "{\"version\":1,\"id\":\"r9\",\"mode\":\"nat\",");
	CHECK_CONTAINS(v1, "\"dns\":[\"192.0.2.1\",\"192.0.2.2\"],\"hostname\":\"h\",");
	CHECK_INT(sk_net_load(NULL, root, v1, &m, &e), 0);
	if (m) {
		s = sk_net_serialize(m);
		CHECK_STR(s, v1);
		free(s);
		CHECK_STR(m->hostname, "h");
		CHECK_INT(m->cfg.n_ports, 1);
	}
	free(v1);
	sk_net_free(m);
	sk_net_free(n);
	m = NULL;
	CHECK(sk_net_load(NULL, root, "{\"version\":1,\"id\":\"r9\",\"mode\":\"bogus\"}", &m, &e) < 0);
	CHECK_STR(e.msg, "network state: bad mode \"bogus\"");
	CHECK(sk_net_load(NULL, root, "{\"version\":1,\"mode\":\"nat\"}", &m, &e) < 0);
	CHECK_STR(e.msg, "network state: missing or invalid id");
	CHECK(sk_net_load(NULL, root, "{\"version\":1,\"id\":\"r9\",\"mo", &m, &e) < 0);
	CHECK_CONTAINS(e.msg, "network state: corrupt record: invalid JSON");
	CHECK(sk_net_load(NULL, root, "{\"version\":1,\"id\":\"r9\",\"hostname\":7}", &m, &e) < 0);
	CHECK_STR(e.msg, "network state: corrupt record: hostname: not a string");
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/skiff-test-ipam.XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	if (geteuid() == 0)
		(void)!unshare(CLONE_NEWNET); /* never touch the host's links */
	RUN(alloc_sequential);
	RUN(alloc_static_and_errors);
	RUN(alloc_full);
	RUN(record_roundtrip);
	RUN(net_record_versions);
	RUN(stale_reclaim);
	RUN(concurrent_alloc);
	RUN(reserve_files_teardown);
	RUN(prepare_skips);
	sk_rm_rf(root);
	return unit_done();
}

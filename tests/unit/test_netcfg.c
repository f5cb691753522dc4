/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_netcfg.c - netsetup/: CIDR, ports, annotations, names, nft scripts, files. */
#include "unit.h"
#include "../../netsetup/internal.h"

#include <errno.h>

TEST(cidr_parse)
{
	struct sk_cidr c;
	char b[16];

	CHECK_INT(sk_cidr_parse("10.89.0.0/24", true, &c), 0);
	CHECK_INT(c.addr, 0x0a590000);
	CHECK_INT(c.prefix, 24);
	CHECK_STR(sk_ip4_str(sk_cidr_broadcast(&c), b), "10.89.0.255");
	CHECK(sk_cidr_contains(&c, 0x0a5900fe));
	CHECK(!sk_cidr_contains(&c, 0x0a590100));
	CHECK_INT(sk_cidr_parse("10.89.0.5", false, &c), 0);
	CHECK_INT(c.prefix, 32);
	CHECK_INT(sk_cidr_parse("10.89.0.5", true, &c), -EINVAL);
	CHECK_INT(sk_cidr_parse("10.89.0.0/33", true, &c), -EINVAL);
	CHECK_INT(sk_cidr_parse("10.89.0.0/", true, &c), -EINVAL);
	CHECK_INT(sk_cidr_parse("10.89.0.0/024", true, &c), -EINVAL);
	CHECK_INT(sk_cidr_parse("10.89.0/24", true, &c), -EINVAL);
	CHECK_INT(sk_cidr_parse("10.89.0.256/24", true, &c), -EINVAL);
	CHECK_INT(sk_cidr_parse("010.89.0.1/24", true, &c), -EINVAL);
	CHECK_INT(sk_cidr_parse("/24", true, &c), -EINVAL);
	CHECK_INT(sk_cidr_parse("", false, &c), -EINVAL);
	CHECK_INT(sk_cidr_parse("0.0.0.0/0", true, &c), 0);
	CHECK_INT(sk_cidr_mask(0), 0);
	CHECK_INT(sk_cidr_mask(32), 0xffffffffu);
}

TEST(cidr_overlap)
{
	struct sk_cidr a, b;
	sk_cidr_parse("10.89.0.0/16", true, &a);
	sk_cidr_parse("10.89.3.0/24", true, &b);
	CHECK(sk_cidr_overlap(&a, &b));
	CHECK(sk_cidr_overlap(&b, &a));
	sk_cidr_parse("10.90.0.0/24", true, &b);
	CHECK(!sk_cidr_overlap(&a, &b));
}

TEST(ports_parse)
{
	struct sk_port *p = NULL;
	size_t n = 0;
	struct sk_err e = { 0 };
	char *s;

	CHECK_INT(sk_ports_parse("8080:80/tcp,5353:53/udp, 443", &p, &n, &e), 0);
	CHECK_INT(n, 3);
	CHECK_INT(p[0].host, 8080);
	CHECK_INT(p[0].container, 80);
	CHECK_INT(p[0].proto, SK_PROTO_TCP);
	CHECK_INT(p[1].proto, SK_PROTO_UDP);
	CHECK_INT(p[2].host, 443);
	CHECK_INT(p[2].container, 443);
	s = sk_ports_str(p, n);
	CHECK_STR(s, "8080:80/tcp,5353:53/udp,443:443/tcp");
	free(s);
	free(p);
	p = NULL;

	CHECK_INT(sk_ports_parse("9000-9002:8000-8002/udp", &p, &n, &e), 0);
	CHECK_INT(n, 3);
	CHECK_INT(p[2].host, 9002);
	CHECK_INT(p[2].container, 8002);
	free(p);
	p = NULL;
	/* the same host port on tcp and udp is fine */
	CHECK_INT(sk_ports_parse("53/tcp,53/udp", &p, &n, &e), 0);
	free(p);
	p = NULL;

	CHECK_INT(sk_ports_parse("0:80", &p, &n, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "org.skiff.net.ports");
	CHECK_INT(sk_ports_parse("65536:80", &p, &n, &e), -EINVAL);
	CHECK_INT(sk_ports_parse("80:", &p, &n, &e), -EINVAL);
	CHECK_INT(sk_ports_parse("a:80", &p, &n, &e), -EINVAL);
	CHECK_INT(sk_ports_parse("80:80/sctp", &p, &n, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "tcp or udp");
	CHECK_INT(sk_ports_parse("80,,81", &p, &n, &e), -EINVAL);
	CHECK_INT(sk_ports_parse("80,", &p, &n, &e), -EINVAL);
	CHECK_INT(sk_ports_parse("9000-9002:80-81", &p, &n, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "differ in length");
	CHECK_INT(sk_ports_parse("9002-9000:80-82", &p, &n, &e), -EINVAL);
	CHECK_INT(sk_ports_parse("8080:80,8080:81", &p, &n, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "8080/tcp given twice");
	CHECK_INT(sk_ports_parse("1-2000", &p, &n, &e), -E2BIG);
	CHECK(p == NULL);
}

#define KV(k, v)                                        \
	{                                               \
		(char *)"org.skiff.net." k, (char *)(v) \
	}

static int parse(struct oci_kv *kv, size_t n, struct sk_netcfg *c, struct sk_err *e)
{
	return sk_netcfg_parse(kv, n, c, e);
}

TEST(annotations_ok)
{
	struct sk_netcfg c;
	struct sk_err e = { 0 };
	struct oci_kv a[] = { KV("mode", "nat"), KV("ports", "8080:80"),
			      KV("dns", "1.1.1.1,2606:4700::1111") };
	struct oci_kv b[] = { KV("mode", "bridged"), KV("bridge", "br0"),
			      KV("ip", "192.168.7.50/24"), KV("gateway", "192.168.7.1") };
	struct oci_kv d[] = { { (char *)"other", (char *)"x" } };

	CHECK_INT(parse(a, 3, &c, &e), 0);
	CHECK_INT(c.mode, SK_NET_NAT);
	CHECK_STR(c.network, "skiff0");
	CHECK(!c.has_subnet); /* the default is applied when the network is made */
	CHECK_INT(c.n_ports, 1);
	CHECK_INT(sk_strv_len(c.dns), 2);
	sk_netcfg_clear(&c);

	CHECK_INT(parse(b, 4, &c, &e), 0);
	CHECK_STR(c.network, "br0");
	CHECK_STR(c.bridge, "br0");
	CHECK(c.has_subnet);
	CHECK_INT(c.subnet.addr, 0xc0a80700);
	CHECK_INT(c.ip, 0xc0a80732);
	CHECK_INT(c.gateway, 0xc0a80701);
	sk_netcfg_clear(&c);

	CHECK_INT(parse(d, 1, &c, &e), 0);
	CHECK_INT(c.mode, SK_NET_NONE);
	CHECK_INT(parse(NULL, 0, &c, &e), 0);
	CHECK_INT(c.mode, SK_NET_NONE);
}

static void expect_err(struct oci_kv *kv, size_t n, const char *needle)
{
	struct sk_netcfg c;
	struct sk_err e = { 0 };
	int r = parse(kv, n, &c, &e);
	CHECK(r < 0);
	CHECK_CONTAINS(e.msg, needle);
	if (r == 0)
		sk_netcfg_clear(&c);
}

TEST(annotations_errors)
{
	/* annotations (at most 4) and what the error names */
	struct {
		struct oci_kv kv[4];
		const char *needle;
	} t[] = {
		{ { KV("mode", "bridge") }, "org.skiff.net.mode" },
		{ { KV("ports", "80") }, "mode is none" },
		{ { KV("mode", "routed"), KV("ports", "80") }, "need mode nat" },
		{ { KV("mode", "nat"), KV("subnet", "10.1.2.3/24") }, "host bits set" },
		{ { KV("mode", "nat"), KV("subnet", "10.1.2.0/31") }, "/8 to /30" },
		{ { KV("mode", "nat"), KV("subnet", "10.1.2.0/24"), KV("ip", "10.1.3.4") },
		  "outside subnet" },
		{ { KV("mode", "nat"), KV("subnet", "10.1.2.0/24"), KV("ip", "10.1.2.255") },
		  "broadcast" },
		{ { KV("mode", "bridged"), KV("ip", "192.168.1.5/24") },
		  "org.skiff.net.bridge: required" },
		{ { KV("mode", "bridged"), KV("bridge", "br0") }, "org.skiff.net.ip: required" },
		{ { KV("mode", "bridged"), KV("bridge", "br0"), KV("ip", "192.168.1.5") },
		  "prefix length" },
		{ { KV("mode", "nat"), KV("network", "a-very-long-network-name") },
		  "org.skiff.net.network" },
		{ { KV("mode", "nat"), KV("dns", "8.8.8.8,nope") }, "\"nope\"" },
		{ { KV("mode", "nat"), KV("prots", "80") }, "org.skiff.net.prots: unknown" },
		{ { KV("mode", "isolated"), KV("bridge", "br0") }, "only for mode bridged" },
		{ { KV("mode", "bridged"), KV("bridge", "br0"), KV("ip", "192.168.1.5/24"),
		    KV("gateway", "192.168.2.1") },
		  "org.skiff.net.gateway" },
		{ { KV("mode", "nat"), KV("ip", "10.89.0.7/16"), KV("subnet", "10.89.0.0/24") },
		  "not in subnet" },
		{ { KV("mode", "nat"), KV("dns", "1.1.1.1,1.0.0.1,8.8.8.8,8.8.4.4") }, "at most 3" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n = 0;

		while (n < 4 && t[i].kv[n].key)
			n++;
		expect_err(t[i].kv, n, t[i].needle);
	}
}

TEST(names)
{
	char b[16], h[12], b2[16];

	CHECK(sk_net_name_valid("skiff0"));
	CHECK(sk_net_name_valid("my-net.1_x"));
	CHECK(sk_net_name_valid("abcdefghijklmno"));   /* 15 */
	CHECK(!sk_net_name_valid("abcdefghijklmnop")); /* 16 */
	CHECK(!sk_net_name_valid(""));
	CHECK(!sk_net_name_valid(".."));
	CHECK(!sk_net_name_valid("a/b"));
	CHECK(!sk_net_name_valid("a b"));
	CHECK(sk_net_id_valid("my-container_1.x+y"));
	CHECK(!sk_net_id_valid("a b"));
	CHECK(!sk_net_id_valid("a\"b"));
	CHECK(!sk_net_id_valid("../x"));

	sk_net_ifname("container-1", b);
	CHECK_INT(strlen(b), 13);
	CHECK(!strncmp(b, "sk", 2));
	CHECK(sk_net_name_valid(b));
	CHECK_STR(sk_net_ifname("container-1", b2), b); /* stable */
	CHECK(strcmp(sk_net_ifname("container-2", b2), b) != 0);
	CHECK_STR(b + 2, sk_net_hash("container-1", h));
	CHECK_STR(sk_net_mode_name(SK_NET_BRIDGED), "bridged");
}

TEST(nft_scripts)
{
	struct sk_port ports[] = { { 8080, 80, SK_PROTO_TCP }, { 5353, 53, SK_PROTO_UDP } };
	struct sk_nft_rules r = { .id = "c1",
				  .hash = "0123456789a",
				  .mode = SK_NET_NAT,
				  .bridge = "skiff0",
				  .subnet = { 0x0a590000, 24 },
				  .ip = 0x0a590002,
				  .ports = ports,
				  .n_ports = 2 };
	char *s = sk_nft_container_script(&r);

	CHECK_CONTAINS(s, "add table ip skiff\n");
	CHECK_CONTAINS(s, "delete chain ip skiff c-0123456789a-dnat\n");
	CHECK_CONTAINS(s, "ip saddr 10.89.0.2 oifname != \"skiff0\" masquerade");
	CHECK_CONTAINS(s,
		       "c-0123456789a-dnat fib daddr type local tcp dport 8080 dnat to 10.89.0.2:80");
	CHECK_CONTAINS(s,
		       "c-0123456789a-out fib daddr type local udp dport 5353 dnat to 10.89.0.2:53");
	CHECK_CONTAINS(s, "ip saddr 127.0.0.0/8 ip daddr 10.89.0.2 masquerade");
	CHECK_CONTAINS(s, "iifname \"skiff0\" ip daddr 127.0.0.0/8 drop");
	CHECK_CONTAINS(s, "comment \"skiff:c1\"");
	free(s);

	r.mode = SK_NET_ROUTED;
	s = sk_nft_container_script(&r);
	CHECK(!strstr(s, "masquerade"));
	CHECK(!strstr(s, "dnat to"));
	CHECK_CONTAINS(s, "oifname \"skiff0\" ip daddr 10.89.0.2 accept");
	free(s);

	r.mode = SK_NET_ISOLATED;
	s = sk_nft_container_script(&r);
	CHECK_CONTAINS(s, "iifname \"skiff0\" oifname != \"skiff0\" drop");
	CHECK_CONTAINS(s, "c-0123456789a-in iifname \"skiff0\" drop");
	CHECK(!strstr(s, "accept"));
	free(s);

	r.mode = SK_NET_BRIDGED;
	CHECK(sk_nft_container_script(&r) == NULL);

	s = sk_nft_delete_script("0123456789a");
	CHECK_CONTAINS(s,
		       "add chain ip skiff c-0123456789a-fwd\ndelete chain ip skiff c-0123456789a-fwd\n");
	free(s);
}

TEST(files)
{
	char *dns[] = { (char *)"1.1.1.1", (char *)"9.9.9.9", NULL };
	char *s = sk_net_resolv_text(dns, "nameserver 127.0.0.53\n");
	CHECK_CONTAINS(s, "nameserver 1.1.1.1\nnameserver 9.9.9.9\n");
	CHECK(!strstr(s, "127.0.0.53"));
	free(s);
	s = sk_net_resolv_text(NULL,
			       "search example.org\nnameserver 127.0.0.53\nnameserver 10.0.0.1\n");
	CHECK_CONTAINS(s, "search example.org\n");
	CHECK_CONTAINS(s, "nameserver 10.0.0.1\n");
	CHECK(!strstr(s, "127.0.0.53"));
	free(s);
	CHECK(sk_net_resolv_text(NULL, "nameserver 127.0.0.53\n") == NULL);
	CHECK(sk_net_resolv_text(NULL, NULL) == NULL);
	s = sk_net_hosts_text("web", 0x0a590002);
	CHECK_CONTAINS(s, "127.0.0.1\tlocalhost\n");
	CHECK_CONTAINS(s, "10.89.0.2\tweb\n");
	free(s);
}

int main(void)
{
	RUN(cidr_parse);
	RUN(cidr_overlap);
	RUN(ports_parse);
	RUN(annotations_ok);
	RUN(annotations_errors);
	RUN(names);
	RUN(nft_scripts);
	RUN(files);
	return unit_done();
}

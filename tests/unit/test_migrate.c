/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_migrate.c - migrate's pure parts: the wire frames and image file
 * messages, address parsing, timeouts on a silent peer, the pre-copy
 * stopping rule, the config match, the report, and the page-server
 * command lines. */
#include "../../criu/internal.h"
#include "../../runtime/internal.h"
#include "unit.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static const char *joined(char **v)
{
	static char buf[4096];
	size_t n = 0;

	buf[0] = '\0';
	for (; v && *v; v++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? " " : "", *v);
	return buf;
}

TEST(header_round_trip)
{
	uint8_t h[SK_WIRE_HDR];
	uint32_t type, len;
	struct sk_err e = { 0 };

	sk_wire_header(h, SK_WIRE_FILE, 70000);
	CHECK(!memcmp(h, "SKMG", 4));
	CHECK_INT(sk_wire_parse_header(h, &type, &len, &e), 0);
	CHECK_INT(type, SK_WIRE_FILE);
	CHECK_INT(len, 70000);
	h[0] = 'X';
	CHECK_INT(sk_wire_parse_header(h, &type, &len, &e), -EPROTO);
	CHECK_CONTAINS(e.msg, "bad frame magic");
	sk_wire_header(h, 99, 1);
	CHECK_INT(sk_wire_parse_header(h, &type, &len, &e), -EPROTO);
	CHECK_CONTAINS(e.msg, "unknown message type 99");
	sk_wire_header(h, SK_WIRE_HELLO, SK_WIRE_MAX_PAYLOAD + 1);
	CHECK_INT(sk_wire_parse_header(h, &type, &len, &e), -EPROTO);
	CHECK_CONTAINS(e.msg, "HELLO message of");
	CHECK_STR(sk_wire_type_name(SK_WIRE_RUNNING), "RUNNING");
	CHECK_STR(sk_wire_type_name(SK_WIRE_RESTORED), "RESTORED");
	CHECK_STR(sk_wire_type_name(SK_WIRE_COMMIT), "COMMIT");
	/* every type has a name, and the last is a known type */
	for (uint32_t t = SK_WIRE_HELLO; t < SK_WIRE__MAX; t++)
		CHECK(strcmp(sk_wire_type_name(t), "unknown") != 0);
	sk_wire_header(h, SK_WIRE_COMMIT, 0);
	CHECK_INT(sk_wire_parse_header(h, &type, &len, &e), 0);
	CHECK_INT(type, SK_WIRE_COMMIT);
	CHECK_STR(sk_wire_type_name(1000), "unknown");
}

TEST(file_pack_unpack)
{
	struct sk_err e = { 0 };
	struct sk_wire_file f;
	size_t len;
	char *p = sk_wire_file_pack("core-1.img", "hello", 5, &len);

	CHECK_INT(len, 2 + 10 + 16 + 5);
	CHECK_INT(sk_wire_file_unpack(p, len, &f, &e), 0);
	CHECK_STR(f.name, "core-1.img");
	CHECK_INT(f.size, 5);
	CHECK(!memcmp(f.data, "hello", 5));
	/* truncated: one byte short */
	CHECK_INT(sk_wire_file_unpack(p, len - 1, &f, &e), -EIO);
	CHECK_STR(e.msg, "migrate: image core-1.img is truncated: 4 of 5 bytes");
	/* a flipped byte */
	p[len - 1] ^= 1;
	CHECK_INT(sk_wire_file_unpack(p, len, &f, &e), -EIO);
	CHECK_CONTAINS(e.msg, "image core-1.img is corrupted");
	free(p);
	/* names with a slash or dot-dot are refused */
	p = sk_wire_file_pack("../x", "a", 1, &len);
	CHECK_INT(sk_wire_file_unpack(p, len, &f, &e), -EPROTO);
	free(p);
	p = sk_wire_file_pack("..", "a", 1, &len);
	CHECK_INT(sk_wire_file_unpack(p, len, &f, &e), -EPROTO);
	free(p);
	CHECK_INT(sk_wire_file_unpack("\0", 1, &f, &e), -EPROTO);
	/* an empty file is fine */
	p = sk_wire_file_pack("empty", "", 0, &len);
	CHECK_INT(sk_wire_file_unpack(p, len, &f, &e), 0);
	CHECK_INT(f.size, 0);
	free(p);
	CHECK(sk_wire_sum("a", 1) != sk_wire_sum("b", 1));
}

TEST(addresses)
{
	struct sk_wire_addr a;
	struct sk_err e = { 0 };

	CHECK_INT(sk_wire_parse_addr("tcp://10.1.2.3:7000", &a, &e), 0);
	CHECK_STR(a.host, "10.1.2.3");
	CHECK_INT(a.port, 7000);
	CHECK_INT(a.ss.ss_family, AF_INET);
	CHECK_INT(sk_wire_parse_addr("127.0.0.1:1", &a, &e), 0);
	CHECK_INT(sk_wire_parse_addr("tcp://[::1]:65535", &a, &e), 0);
	CHECK_STR(a.host, "::1");
	CHECK_INT(a.ss.ss_family, AF_INET6);
	CHECK_INT(sk_wire_parse_addr("10.0.0.1", &a, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "expected HOST:PORT");
	CHECK_INT(sk_wire_parse_addr("10.0.0.1:0", &a, &e), -EINVAL);
	CHECK_INT(sk_wire_parse_addr("10.0.0.1:65536", &a, &e), -EINVAL);
	CHECK_INT(sk_wire_parse_addr("10.0.0.1:x", &a, &e), -EINVAL);
	CHECK_INT(sk_wire_parse_addr("example.com:80", &a, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "not a numeric");
	CHECK_INT(sk_wire_parse_addr("::1:80", &a, &e), -EINVAL);
	CHECK_INT(sk_wire_parse_addr(":80", &a, &e), -EINVAL);
}

TEST(send_recv_and_timeouts)
{
	int sv[2];
	struct sk_err e = { 0 };
	struct sk_wire_msg m;

	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	struct sk_wire a = { .fd = sv[0], .cancel_fd = -1, .timeout_ms = 200 };
	struct sk_wire b = { .fd = sv[1], .cancel_fd = -1, .timeout_ms = 200 };
	CHECK_INT(sk_wire_send_str(&a, SK_WIRE_READY, "4001", &e), 0);
	CHECK_INT(sk_wire_expect(&b, SK_WIRE_READY, &m, &e), 0);
	CHECK_STR(m.data, "4001");
	free(m.data);
	/* an ERROR where something else was expected is its line */
	CHECK_INT(sk_wire_send_str(&a, SK_WIRE_ERROR, "the target says no", &e), 0);
	CHECK_INT(sk_wire_expect(&b, SK_WIRE_RUNNING, &m, &e), -EREMOTEIO);
	CHECK_STR(e.msg, "the target says no");
	/* another type is a protocol error */
	CHECK_INT(sk_wire_send(&a, SK_WIRE_OK, NULL, 0, &e), 0);
	CHECK_INT(sk_wire_expect(&b, SK_WIRE_RUNNING, &m, &e), -EPROTO);
	CHECK_CONTAINS(e.msg, "expected RUNNING from the peer, got OK");
	/* a silent peer: the deadline */
	CHECK_INT(sk_wire_recv(&b, &m, &e), -ETIMEDOUT);
	CHECK_CONTAINS(e.msg, "timed out");
	/* half a header, then the peer goes */
	CHECK_INT(write(sv[0], "SKMG", 4), 4);
	close(sv[0]);
	CHECK_INT(sk_wire_recv(&b, &m, &e), -ECONNRESET);
	CHECK_CONTAINS(e.msg, "connection closed");
	close(sv[1]);
}

TEST(round_rule)
{
	uint64_t b[] = { 64 << 20, 9 << 20, (9 << 20) - (1 << 19), 1 << 20 };
	uint64_t shrink[] = { 64 << 20, 32 << 20, 16 << 20, 8 << 20, 4 << 20 };
	uint64_t tiny[] = { 64 << 20, 100 << 10 };

	CHECK(!sk_migrate_more_rounds(b, 0, 0)); /* --rounds 0 */
	CHECK(sk_migrate_more_rounds(b, 0, 4));
	CHECK(sk_migrate_more_rounds(b, 1, 4)); /* always a second */
	CHECK(!sk_migrate_more_rounds(b, 1, 1));
	CHECK(sk_migrate_more_rounds(b, 2, 4));	 /* 64 -> 9: shrinking */
	CHECK(!sk_migrate_more_rounds(b, 3, 4)); /* 9 -> 8.5: by less than a tenth */
	CHECK(sk_migrate_more_rounds(shrink, 4, 5));
	CHECK(!sk_migrate_more_rounds(shrink, 4, 4)); /* the bound */
	CHECK(!sk_migrate_more_rounds(tiny, 2, 4));   /* small enough */
}

static char *args1[] = { "sh", "-c", "x", NULL };
static char *args2[] = { "sh", "-c", "y", NULL };
static char *env1[] = { "PATH=/bin", NULL };
static char *ro[] = { "ro", NULL };
static char *rw[] = { "rw", NULL };

TEST(config_match)
{
	struct oci_process pa = { .cwd = "/", .args = args1, .n_args = 3, .env = env1, .n_env = 1 };
	struct oci_process pb = pa;
	struct oci_mount ma[] = {
		{ .destination = "/proc", .type = "proc", .source = "proc" },
		{ .destination = "/d", .source = "/srv", .options = ro, .n_options = 1 }
	};
	struct oci_mount mb[2];
	struct oci_config a = { .process = &pa, .mounts = ma, .n_mounts = 2 };
	struct oci_config b = { .process = &pb, .mounts = mb, .n_mounts = 2 };
	struct sk_err e = { 0 };

	memcpy(mb, ma, sizeof(ma));
	CHECK_INT(sk_migrate_config_match(&a, "/b/rootfs", &b, "/b/rootfs", &e), 0);
	CHECK_INT(sk_migrate_config_match(&a, "/b/rootfs", &b, "/c/rootfs", &e), -EINVAL);
	CHECK_STR(e.msg, "the target's config differs from the container's: root.path "
			 "(/c/rootfs, not /b/rootfs)");
	mb[1].options = rw;
	CHECK_INT(sk_migrate_config_match(&a, "/r", &b, "/r", &e), -EINVAL);
	CHECK_STR(e.msg, "the target's config differs from the container's: mounts[1] (/d)");
	b.n_mounts = 1;
	CHECK_INT(sk_migrate_config_match(&a, "/r", &b, "/r", &e), -EINVAL);
	CHECK_CONTAINS(e.msg, ": mounts");
	pb.args = args2;
	CHECK_INT(sk_migrate_config_match(&a, "/r", &b, "/r", &e), -EINVAL);
	CHECK_CONTAINS(e.msg, ": process.args");
	pb.args = args1;
	pb.n_env = 0;
	CHECK_INT(sk_migrate_config_match(&a, "/r", &b, "/r", &e), -EINVAL);
	CHECK_CONTAINS(e.msg, ": process.env");
	pb.n_env = 1;
	pb.cwd = "/tmp";
	CHECK_INT(sk_migrate_config_match(&a, "/r", &b, "/r", &e), -EINVAL);
	CHECK_CONTAINS(e.msg, ": process.cwd");
}

TEST(report)
{
	struct sk_migrate_report r = { .rounds = 2,
				       .n_bytes = 3,
				       .pid = 42,
				       .total_s = 12.5,
				       .downtime_s = 3.25,
				       .frozen_dump_s = 1,
				       .image_bytes = 9 };
	r.bytes[0] = 67108864;
	r.bytes[1] = 8388608;
	r.bytes[2] = 4096;
	char *s = sk_migrate_report_format(&r, "c\"1", true);
	CHECK_STR(s, "{\"id\":\"c\\\"1\",\"pid\":42,\"rounds\":2,\"bytes\":[67108864,8388608,4096],"
		     "\"imageBytes\":9,\"totalSeconds\":12.500,\"downtimeSeconds\":3.250,"
		     "\"frozenDumpSeconds\":1.000}\n");
	free(s);
	s = sk_migrate_report_format(&r, "c1", false);
	CHECK_CONTAINS(s, "total time: 12.500 s\n");
	CHECK_CONTAINS(s, "pre-copy rounds: 2\n");
	CHECK_CONTAINS(s, "round 1: 67108864 bytes (64.0 MiB)\n");
	CHECK_CONTAINS(s, "final dump 3: 4096 bytes");
	CHECK_CONTAINS(s, "downtime: 3.250 s");
	free(s);
}

TEST(page_server_argv)
{
	struct sk_criu_page_server ps = {
		.images_dir = "/t/2", .prev_dir = "../1", .address = "10.0.0.2", .port = 7001
	};
	char **v = criu_page_server_argv(&ps, "/t/2/page-server.log");

	CHECK_STR(joined(v), "criu page-server --images-dir /t/2 --work-dir /t/2 --log-file "
			     "/t/2/page-server.log -v4 --address 10.0.0.2 --port 7001 "
			     "--status-fd 3 --prev-images-dir ../1");
	sk_strv_free(v);
	struct sk_criu_opts o = { .image_path = "/l/2",
				  .parent_path = "../1",
				  .pre_dump = true,
				  .ps_address = "10.0.0.2",
				  .ps_port = 7001 };
	v = criu_dump_argv(&o, 9, NULL, "/l/2/pre-dump.log");
	CHECK_CONTAINS(joined(v), " --prev-images-dir ../1 --track-mem --page-server --address "
				  "10.0.0.2 --port 7001");
	sk_strv_free(v);
}

int main(void)
{
	RUN(header_round_trip);
	RUN(file_pack_unpack);
	RUN(addresses);
	RUN(send_recv_and_timeouts);
	RUN(round_rule);
	RUN(config_match);
	RUN(report);
	RUN(page_server_argv);
	return unit_done();
}

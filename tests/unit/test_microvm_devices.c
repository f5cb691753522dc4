/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of microvm/: UART model, I/O bus, sizing, process
 * description, kernel resolution. */
#include "microvm_fixture.h"

/* ------------------------------------------------------------ UART */

TEST(uart_probe_registers)
{
	struct sk_uart u;
	uint8_t tx = 0;
	sk_uart_init(&u);
	/* scratch */
	sk_uart_write(&u, 7, 0xa5, &tx);
	CHECK_INT(sk_uart_read(&u, 7), 0xa5);
	/* IER keeps its 4 low bits */
	sk_uart_write(&u, 1, 0xff, &tx);
	CHECK_INT(sk_uart_read(&u, 1), 0x0f);
	sk_uart_write(&u, 1, 0, &tx);
	/* divisor latch */
	sk_uart_write(&u, 3, 0x80, &tx);
	sk_uart_write(&u, 0, 0x01, &tx);
	sk_uart_write(&u, 1, 0x02, &tx);
	CHECK_INT(sk_uart_read(&u, 0), 0x01);
	CHECK_INT(sk_uart_read(&u, 1), 0x02);
	sk_uart_write(&u, 3, 0x03, &tx);
	/* FIFO bits: 16550A, no 64-byte FIFO */
	CHECK_INT(sk_uart_read(&u, 2) & 0xc0, 0);
	sk_uart_write(&u, 2, 0xe7, &tx);
	CHECK_INT(sk_uart_read(&u, 2) & 0xe0, 0xc0);
	/* loopback: MCR -> MSR, THR -> RBR, nothing transmitted */
	sk_uart_write(&u, 4, 0x10 | 0x0a, &tx);
	CHECK_INT(sk_uart_read(&u, 6) & 0xf0, 0x90);
	CHECK_INT(sk_uart_write(&u, 0, 'Z', &tx), 0);
	CHECK(sk_uart_read(&u, 5) & 0x01);
	CHECK_INT(sk_uart_read(&u, 0), 'Z');
	CHECK_INT(sk_uart_read(&u, 5) & 0x01, 0);
	sk_uart_write(&u, 4, 0x0b, &tx);
	/* transmit */
	CHECK_INT(sk_uart_write(&u, 0, 'A', &tx), 1);
	CHECK_INT(tx, 'A');
	CHECK_INT(sk_uart_read(&u, 5) & 0x60, 0x60);
}

TEST(uart_interrupts)
{
	struct sk_uart u;
	uint8_t tx;
	sk_uart_init(&u);
	CHECK(!sk_uart_irq(&u));
	/* enabling THRI with an empty transmitter raises THRE */
	sk_uart_write(&u, 1, 0x02, &tx);
	CHECK(sk_uart_irq(&u));
	CHECK_INT(sk_uart_read(&u, 2) & 0x0f, 0x02);
	/* reading IIR cleared it */
	CHECK(!sk_uart_irq(&u));
	CHECK_INT(sk_uart_read(&u, 2) & 0x0f, 0x01);
	/* a THR write raises it again */
	sk_uart_write(&u, 0, 'x', &tx);
	CHECK(sk_uart_irq(&u));
	sk_uart_read(&u, 2);
	/* received data has priority, cleared by reading it */
	sk_uart_write(&u, 1, 0x03, &tx);
	sk_uart_read(&u, 2);
	CHECK_INT(sk_uart_rx_push(&u, (const uint8_t *)"hi", 2), 2);
	CHECK(sk_uart_irq(&u));
	CHECK_INT(sk_uart_read(&u, 2) & 0x0f, 0x04);
	CHECK_INT(sk_uart_read(&u, 0), 'h');
	CHECK_INT(sk_uart_read(&u, 0), 'i');
	CHECK(!sk_uart_irq(&u));
	/* RX buffer bound */
	uint8_t big[SK_UART_RXBUF + 10];
	memset(big, 'q', sizeof(big));
	CHECK_INT(sk_uart_rx_push(&u, big, sizeof(big)), SK_UART_RXBUF);
	CHECK_INT(sk_uart_rx_room(&u), 0);
	/* FCR clear-receiver empties it */
	sk_uart_write(&u, 2, 0x03, &tx);
	CHECK_INT(sk_uart_rx_room(&u), SK_UART_RXBUF);
}

/* ------------------------------------------------------------- bus */

struct bus_probe {
	uint64_t off;
	unsigned len, calls;
	bool is_write;
	uint8_t val;
};

static void bus_probe_fn(void *opaque, uint64_t off, bool is_write, uint8_t *data, unsigned len)
{
	struct bus_probe *p = opaque;

	p->off = off;
	p->len = len;
	p->is_write = is_write;
	p->calls++;
	if (is_write)
		p->val = data[0];
	else
		memset(data, p->val, len);
}

TEST(bus_dispatch)
{
	struct sk_err e = { 0 };
	struct sk_bus b = { .kind = "port" };
	struct bus_probe com1 = { .val = 0x11 }, com2 = { .val = 0x22 }, exitp = { .val = 0 };
	uint8_t d[4] = { 0 };

	/* registered out of order; kept sorted */
	CHECK_INT(sk_bus_register(&b, 0x3f8, 8, "com1", bus_probe_fn, &com1, &e), 0);
	CHECK_INT(sk_bus_register(&b, 0x501, 1, "exit", bus_probe_fn, &exitp, &e), 0);
	CHECK_INT(sk_bus_register(&b, 0x2f8, 8, "com2", bus_probe_fn, &com2, &e), 0);
	CHECK_INT(b.n, 3);
	CHECK_INT(b.devs[0].base, 0x2f8);
	CHECK_INT(b.devs[2].base, 0x501);
	/* overlaps and empty ranges are refused, naming both devices */
	CHECK_INT(sk_bus_register(&b, 0x3ff, 2, "late", bus_probe_fn, NULL, &e), -EBUSY);
	CHECK_CONTAINS(e.msg, "late");
	CHECK_CONTAINS(e.msg, "com1");
	CHECK_INT(sk_bus_register(&b, 0x2f0, 9, "early", bus_probe_fn, NULL, &e), -EBUSY);
	CHECK_CONTAINS(e.msg, "com2");
	CHECK_INT(sk_bus_register(&b, 0x400, 0, "empty", bus_probe_fn, NULL, &e), -EINVAL);
	CHECK_INT(sk_bus_register(&b, UINT64_MAX, 2, "wrap", bus_probe_fn, NULL, &e), -EINVAL);
	CHECK_INT(b.n, 3);
	/* adjacent ranges are fine */
	CHECK_INT(sk_bus_register(&b, 0x500, 1, "below", bus_probe_fn, NULL, &e), 0);
	CHECK_INT(sk_bus_register(&b, 0x502, 1, "above", bus_probe_fn, NULL, &e), 0);
	CHECK_INT(b.n, 5);
	/* the device gets the offset into its range */
	CHECK(sk_bus_access(&b, 0x3fd, false, d, 1));
	CHECK_INT(com1.calls, 1);
	CHECK_INT(com1.off, 5);
	CHECK_INT(d[0], 0x11);
	d[0] = 'x';
	CHECK(sk_bus_access(&b, 0x2f8, true, d, 1));
	CHECK_INT(com2.val, 'x');
	CHECK(com2.is_write);
	CHECK(sk_bus_access(&b, 0x501, true, d, 4));
	CHECK_INT(exitp.off, 0);
	CHECK_INT(exitp.len, 4);
	/* nothing there: reads are all ones, writes dropped */
	memset(d, 0, sizeof(d));
	CHECK(!sk_bus_access(&b, 0x64, false, d, 2));
	CHECK_INT(d[0], 0xff);
	CHECK_INT(d[1], 0xff);
	CHECK_INT(d[2], 0);
	CHECK(!sk_bus_access(&b, 0x400, true, d, 1));
	CHECK(!sk_bus_find(&b, 0x2f7));
	CHECK(!sk_bus_find(&b, 0x300));
	CHECK_STR(sk_bus_find(&b, 0x2ff)->name, "com2");
	CHECK_INT(com1.calls + com2.calls + exitp.calls, 3);
	sk_bus_free(&b);
	CHECK_INT(b.n, 0);
}

/* ---------------------------------------------------------- sizing */

TEST(guest_memory)
{
	struct sk_err e = { 0 };
	uint64_t g = 0;
	CHECK_INT(sk_vm_guest_mem(0, 1 << 20, &g, &e), 0);
	CHECK_INT(g, 256ULL << 20);
	CHECK_INT(sk_vm_guest_mem(512ULL << 20, 1 << 20, &g, &e), 0);
	CHECK(g < (512ULL << 20) - SK_VM_RESERVE);
	CHECK(g >= SK_VM_MIN_MEM);
	CHECK_INT(g % (2 << 20), 0);
	CHECK_INT(sk_vm_guest_mem(100ULL << 20, 1 << 20, &g, &e), -ENOMEM);
	CHECK_CONTAINS(e.msg, "memory limit 100 MiB too small");
	/* a big initramfs needs more */
	CHECK_INT(sk_vm_guest_mem(256ULL << 20, 100ULL << 20, &g, &e), -ENOMEM);
}

TEST(vcpu_count)
{
	struct sk_err e = { 0 };
	int n = 0, cpus[256];
	CHECK_INT(sk_vm_vcpus_from(NULL, 0, 0, &n, cpus, &e), 0);
	CHECK_INT(n, 1);
	CHECK_INT(sk_vm_vcpus_from("2-3,5", 0, 0, &n, cpus, &e), 3);
	CHECK_INT(n, 3);
	CHECK_INT(cpus[0], 2);
	CHECK_INT(cpus[2], 5);
	CHECK_INT(sk_vm_vcpus_from(NULL, 150000, 100000, &n, cpus, &e), 0);
	CHECK_INT(n, 2);
	CHECK_INT(sk_vm_vcpus_from("0-3", 100000, 100000, &n, cpus, &e), 4);
	CHECK_INT(n, 1);
	CHECK_INT(sk_vm_vcpus_from("3-1", 0, 0, &n, cpus, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "3-1");
	CHECK_INT(sk_vm_vcpus_from("a", 0, 0, &n, cpus, &e), -EINVAL);
}

TEST(cmdline)
{
	char *c = sk_vm_cmdline(1, "foo=bar");
	CHECK_CONTAINS(c, "panic=-1");
	CHECK_CONTAINS(c, "rdinit=/.skiff/init");
	CHECK_CONTAINS(c, " foo=bar");
	free(c);
}

/* ------------------------------------------------------ procdesc */

TEST(process_description)
{
	char *args[] = { "/bin/sh", "-c", "echo hi", NULL };
	char *env[] = { "A=1", "PATH=/bin", NULL };
	struct oci_process p;
	memset(&p, 0, sizeof(p));
	p.args = args;
	p.n_args = 3;
	p.env = env;
	p.n_env = 2;
	p.cwd = "/tmp";
	p.user.uid = 1000;
	p.user.gid = 100;
	struct oci_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.process = &p;
	cfg.hostname = "box";
	char *out = NULL;
	size_t len = 0;
	struct sk_err e = { 0 };
	CHECK_INT(sk_vm_procdesc(&cfg, &out, &len, &e), 0);
	static const char want[] =
		"a/bin/sh\0a-c\0aecho hi\0eA=1\0ePATH=/bin\0c/tmp\0hbox\0u1000\0g100";
	CHECK_INT(len, sizeof(want));
	CHECK(out && !memcmp(out, want, sizeof(want)));
	free(out);
	cfg.process = NULL;
	CHECK_INT(sk_vm_procdesc(&cfg, &out, &len, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "process.args");
}

/* The config's tmpfs mounts outside /dev, /proc and /sys become T
 * records, in order; other types and the shim's own places do not. */
TEST(process_description_tmpfs)
{
	char *args[] = { "/bin/true", NULL };
	char *o1[] = { "nosuid", "size=1m", "mode=700", NULL };
	struct oci_mount mnt[] = {
		{ .destination = "/dev/shm", .type = "tmpfs", .source = "shm" },
		{ .destination = "/run/x", .type = "tmpfs", .source = "tmpfs", .options = o1 },
		{ .destination = "/proc", .type = "proc", .source = "proc" },
		{ .destination = "/data", .type = "bind", .source = "/srv" },
		{ .destination = "/sysfoo", .type = "tmpfs", .source = "tmpfs" },
		{ .destination = "/sys/x", .type = "tmpfs", .source = "tmpfs" },
	};
	struct oci_process p;
	memset(&p, 0, sizeof(p));
	p.args = args;
	p.n_args = 1;
	struct oci_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.process = &p;
	cfg.mounts = mnt;
	cfg.n_mounts = sizeof(mnt) / sizeof(mnt[0]);
	char *out = NULL;
	size_t len = 0;
	struct sk_err e = { 0 };
	CHECK_INT(sk_vm_procdesc(&cfg, &out, &len, &e), 0);
	static const char want[] = "a/bin/true\0c/\0u0\0g0\0T/run/x\x1fnosuid,size=1m,mode=700\0"
				   "T/sysfoo\x1f";
	CHECK_INT(len, sizeof(want));
	CHECK(out && !memcmp(out, want, sizeof(want)));
	free(out);
}

/* ------------------------------------------------- kernel resolve */

TEST(kernel_resolution)
{
	char tmpl[] = "/tmp/skiff-test-kernel.XXXXXX";
	char *dir = test_tmpdir(tmpl);
	if (!dir)
		return;
	struct oci_kv ann = { "org.skiff.vm.kernel", NULL };
	struct oci_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.annotations = &ann;
	cfg.n_annotations = 1;
	struct sk_err e = { 0 };
	char *path = NULL;
	char p[256], q[256];

	snprintf(p, sizeof(p), "%s/missing", dir);
	ann.value = p;
	CHECK_INT(sk_vm_resolve_kernel(&cfg, &path, &e), -ENOENT);
	CHECK_CONTAINS(e.msg, "org.skiff.vm.kernel");
	CHECK_CONTAINS(e.msg, p);

	snprintf(p, sizeof(p), "%s/garbage", dir);
	CHECK(sk_write_file_at(AT_FDCWD, p, "not a kernel at all", 19, O_CREAT | O_WRONLY, 0644,
			       &e) >= 0);
	CHECK_INT(sk_vm_resolve_kernel(&cfg, &path, &e), -ENOEXEC);
	CHECK_CONTAINS(e.msg, "not a Linux kernel");

	size_t len;
	uint8_t *bz = fake_bzimage(&len);
	snprintf(p, sizeof(p), "%s/vmlinuz-1.0", dir);
	CHECK(sk_write_file_at(AT_FDCWD, p, bz, len, O_CREAT | O_WRONLY, 0644, &e) >= 0);
	CHECK_INT(sk_vm_resolve_kernel(&cfg, &path, &e), 0);
	CHECK_STR(path, p);
	free(path);
	free(bz);

	/* the environment is used without the annotation */
	cfg.n_annotations = 0;
	setenv("SKIFF_VM_KERNEL", p, 1);
	path = NULL;
	CHECK_INT(sk_vm_resolve_kernel(&cfg, &path, &e), 0);
	CHECK_STR(path, p);
	free(path);

	/* a vmlinux ELF beside it is preferred */
	uint8_t elf[sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr)];
	memset(elf, 0, sizeof(elf));
	elf_header(elf);
	snprintf(q, sizeof(q), "%s/vmlinux-1.0", dir);
	CHECK(sk_write_file_at(AT_FDCWD, q, elf, sizeof(elf), O_CREAT | O_WRONLY, 0644, &e) >= 0);
	path = NULL;
	CHECK_INT(sk_vm_resolve_kernel(&cfg, &path, &e), 0);
	CHECK_STR(path, q);
	free(path);
	unsetenv("SKIFF_VM_KERNEL");
	sk_rm_rf(dir);
}

int main(void)
{
	RUN(uart_probe_registers);
	RUN(uart_interrupts);
	RUN(bus_dispatch);
	RUN(guest_memory);
	RUN(vcpu_count);
	RUN(cmdline);
	RUN(process_description);
	RUN(process_description_tmpfs);
	RUN(kernel_resolution);
	return unit_done();
}

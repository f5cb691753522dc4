/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * acpi.c - minimal ACPI tables for an SMP guest: RSDP, XSDT, a
 * hardware-reduced FADT (no CMOS, no 8042, no VGA), a MADT with the
 * local APICs and the IOAPIC, and a DSDT whose hand-assembled AML
 * declares the two UARTs as PNP0501 devices and each virtio-mmio device
 * as LNRO0005 (Linux's virtio_mmio driver binds to that ACPI id: Debian's
 * kernels lack CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES, so the command line
 * cannot announce them).
 */
#include "internal.h"

#include <errno.h>
#include <string.h>

#define OFF_XSDT 0x40
#define OFF_FADT 0x100
#define OFF_DSDT 0x1000 /* after the MADT of 254 CPUs */
#define OFF_MADT 0x400
#define ACPI_SIZE 0x2000

uint8_t sk_vm_acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;
	for (size_t i = 0; i < len; i++)
		s += b[i];
	return (uint8_t)(0 - s);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}
static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* Standard 36-byte description header. */
static void hdr(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "SKIFF ", 6);
	memcpy(t + 16, "SKIFFVM ", 8);
	put32(t + 24, 1);
	memcpy(t + 28, "SKIF", 4);
	put32(t + 32, 1);
}
static void finish(uint8_t *t)
{
	uint32_t len;
	memcpy(&len, t + 4, 4);
	t[9] = 0;
	t[9] = sk_vm_acpi_checksum(t, len);
}

/* AML: wrap @body (n bytes) with a PkgLength into @out after @op. */
static size_t aml_pkg(uint8_t *out, const uint8_t *op, size_t oplen, const uint8_t *body, size_t n)
{
	size_t o = 0;
	memcpy(out, op, oplen);
	o += oplen;
	size_t len = n + 1;
	if (len < 0x40) {
		out[o++] = (uint8_t)len;
	} else {
		len = n + 2;
		out[o++] = 0x40 | (len & 0xf);
		out[o++] = (uint8_t)(len >> 4);
	}
	memcpy(out + o, body, n);
	return o + n;
}

static size_t aml_uart(uint8_t *out, const char *name, int uid, uint16_t port, int irq)
{
	uint8_t crs[13] = {
		0x47,
		0x01,
		port & 0xff,
		port >> 8,
		port & 0xff,
		port >> 8,
		0x01,
		0x08,
		0x22,
		(uint8_t)(1u << irq),
		(uint8_t)((1u << irq) >> 8),
		0x79,
		0x00,
	};
	uint8_t body[128], buf[64];
	size_t n = 0;
	memcpy(body, name, 4);
	n = 4;
	/* Name(_HID, EisaId("PNP0501")) */
	static const uint8_t hid[] = { 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01 };
	memcpy(body + n, hid, sizeof(hid));
	n += sizeof(hid);
	/* Name(_UID, uid) */
	const uint8_t u[] = { 0x08, '_', 'U', 'I', 'D', 0x0a, (uint8_t)uid };
	memcpy(body + n, u, sizeof(u));
	n += sizeof(u);
	/* Name(_CRS, Buffer(13) {...}) */
	static const uint8_t name_crs[] = { 0x08, '_', 'C', 'R', 'S' };
	memcpy(body + n, name_crs, sizeof(name_crs));
	n += sizeof(name_crs);
	uint8_t bufbody[2 + sizeof(crs)] = { 0x0a, sizeof(crs) };
	memcpy(bufbody + 2, crs, sizeof(crs));
	static const uint8_t op_buffer[] = { 0x11 };
	size_t bl = aml_pkg(buf, op_buffer, 1, bufbody, sizeof(bufbody));
	memcpy(body + n, buf, bl);
	n += bl;
	static const uint8_t op_device[] = { 0x5b, 0x82 };
	return aml_pkg(out, op_device, 2, body, n);
}

/* Device(VRnn) { _HID "LNRO0005", _UID n, _CRS { Memory32Fixed(RW, base,
 * len), Interrupt(Consumer, Edge, ActiveHigh, Exclusive) { irq } } } */
static size_t aml_virtio(uint8_t *out, int idx, const struct sk_vm_acpi_mmio *d)
{
	uint8_t crs[23] = { 0x86, 0x09, 0x00, 0x01 }; /* Memory32Fixed, read-write */
	uint8_t body[128], buf[64];
	uint32_t v;
	size_t n;

	v = (uint32_t)d->base;
	memcpy(crs + 4, &v, 4);
	v = (uint32_t)d->len;
	memcpy(crs + 8, &v, 4);
	crs[12] = 0x89; /* extended interrupt descriptor, 6 bytes */
	crs[13] = 0x06;
	crs[14] = 0x00;
	crs[15] = 0x03; /* consumer, edge, active high, exclusive */
	crs[16] = 1;
	v = (uint32_t)d->irq;
	memcpy(crs + 17, &v, 4);
	crs[21] = 0x79; /* end tag */
	crs[22] = 0x00;
	body[0] = 'V';
	body[1] = 'R';
	body[2] = "0123456789ABCDEF"[(idx >> 4) & 15];
	body[3] = "0123456789ABCDEF"[idx & 15];
	n = 4;
	static const uint8_t hid[] = { 0x08, '_', 'H', 'I', 'D', 0x0d, 'L', 'N',
				       'R',  'O', '0', '0', '0', '5',  0x00 };
	memcpy(body + n, hid, sizeof(hid));
	n += sizeof(hid);
	const uint8_t u[] = { 0x08, '_', 'U', 'I', 'D', 0x0a, (uint8_t)idx };
	memcpy(body + n, u, sizeof(u));
	n += sizeof(u);
	static const uint8_t name_crs[] = { 0x08, '_', 'C', 'R', 'S' };
	memcpy(body + n, name_crs, sizeof(name_crs));
	n += sizeof(name_crs);
	uint8_t bufbody[2 + sizeof(crs)] = { 0x0a, sizeof(crs) };
	memcpy(bufbody + 2, crs, sizeof(crs));
	static const uint8_t op_buffer[] = { 0x11 };
	size_t bl = aml_pkg(buf, op_buffer, 1, bufbody, sizeof(bufbody));
	memcpy(body + n, buf, bl);
	n += bl;
	static const uint8_t op_device[] = { 0x5b, 0x82 };
	return aml_pkg(out, op_device, 2, body, n);
}

int sk_vm_acpi_build(const struct sk_vm_mem *m, uint64_t base, int nr_cpus,
		     const struct sk_vm_acpi_mmio *virtio, int nr_virtio, uint64_t *rsdp,
		     struct sk_err *e)
{
	if (nr_cpus < 1 || nr_cpus > 254)
		return sk_err_set(e, EINVAL, "microvm: %d vCPUs not supported (1-254)", nr_cpus);
	if (nr_virtio < 0 || nr_virtio > SK_VM_ACPI_MAX_VIRTIO)
		return sk_err_set(e, EINVAL, "microvm: %d virtio devices: at most %d", nr_virtio,
				  SK_VM_ACPI_MAX_VIRTIO);
	uint8_t *a = sk_vm_gpa(m, base, ACPI_SIZE);
	if (!a)
		return sk_err_set(e, ENOMEM, "microvm: no room for ACPI tables");
	memset(a, 0, ACPI_SIZE);

	/* DSDT */
	uint8_t *dsdt = a + OFF_DSDT;
	uint8_t devs[1024], scope[1100];
	size_t dn = aml_uart(devs, "COM1", 1, SK_VM_COM1, 4);
	dn += aml_uart(devs + dn, "COM2", 2, SK_VM_COM2, 3);
	for (int i = 0; i < nr_virtio; i++)
		dn += aml_virtio(devs + dn, i, &virtio[i]);
	uint8_t sb[1100];
	static const uint8_t sbname[] = { '\\', '_', 'S', 'B', '_' };
	memcpy(sb, sbname, sizeof(sbname));
	memcpy(sb + sizeof(sbname), devs, dn);
	static const uint8_t op_scope[] = { 0x10 };
	size_t sn = aml_pkg(scope, op_scope, 1, sb, sizeof(sbname) + dn);
	hdr(dsdt, "DSDT", 36 + sn, 2);
	memcpy(dsdt + 36, scope, sn);
	finish(dsdt);

	/* FADT, revision 6 (276 bytes) */
	uint8_t *fadt = a + OFF_FADT;
	hdr(fadt, "FACP", 276, 6);
	put32(fadt + 40, (uint32_t)(base + OFF_DSDT)); /* DSDT */
	fadt[45] = 0;				       /* preferred PM profile */
	fadt[109] = 0x24; /* IAPC_BOOT_ARCH: VGA not present, CMOS RTC not present */
	put32(fadt + 112, (1u << 20) | (1u << 4)); /* HW_REDUCED_ACPI | PWR_BUTTON (none) */
	fadt[131] = 5;				   /* FADT minor version */
	put64(fadt + 140, base + OFF_DSDT);	   /* X_DSDT */
	memcpy(fadt + 268, "SKIFFVMM", 8);	   /* hypervisor vendor */
	finish(fadt);

	/* MADT */
	uint8_t *madt = a + OFF_MADT;
	uint32_t ml = 44;
	put32(madt + 36, 0xfee00000);
	put32(madt + 40, 1); /* PCAT_COMPAT: there is an 8259 pair */
	for (int i = 0; i < nr_cpus; i++) {
		uint8_t *p = madt + ml;
		p[0] = 0; /* processor local APIC */
		p[1] = 8;
		p[2] = (uint8_t)i;
		p[3] = (uint8_t)i;
		put32(p + 4, 1); /* enabled */
		ml += 8;
	}
	uint8_t *io = madt + ml;
	io[0] = 1; /* IOAPIC */
	io[1] = 12;
	io[2] = (uint8_t)nr_cpus; /* IOAPIC id after the CPUs */
	put32(io + 4, 0xfec00000);
	put32(io + 8, 0);
	ml += 12;
	hdr(madt, "APIC", ml, 5);
	finish(madt);

	/* XSDT */
	uint8_t *xsdt = a + OFF_XSDT;
	hdr(xsdt, "XSDT", 36 + 16, 1);
	put64(xsdt + 36, base + OFF_FADT);
	put64(xsdt + 44, base + OFF_MADT);
	finish(xsdt);

	/* RSDP, revision 2 */
	uint8_t *r = a;
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "SKIFF ", 6);
	r[15] = 2;
	put32(r + 16, 0);
	put32(r + 20, 36);
	put64(r + 24, base + OFF_XSDT);
	r[8] = sk_vm_acpi_checksum(r, 20);
	r[32] = sk_vm_acpi_checksum(r, 36);
	*rsdp = base;
	return 0;
}

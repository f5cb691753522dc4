/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_cgroups_systemd.c - the pure parts of the systemd cgroup driver:
 * the scope's names from cgroupsPath, and the resources as the unit
 * properties StartTransientUnit gets (read back with dbus/'s reader).
 */
#include "../../cgroups/internal.h"
#include "../../dbus/internal.h"
#include "unit.h"

#include <errno.h>

/* The next @n entries of a property list: (want[i], "t" vals[i]). */
static void expect_u64_props(struct sk_dbus_r *rd, const char *const *want, const uint64_t *vals,
			     int n)
{
	const char *name, *sig;
	uint64_t v;

	for (int i = 0; i < n; i++) {
		rd->pos = (rd->pos + 7) / 8 * 8;
		CHECK_INT(sk_dbus_get_str(rd, &name), 0);
		CHECK_STR(name, want[i]);
		CHECK_INT(sk_dbus_get_sig(rd, &sig), 0);
		CHECK_STR(sig, "t");
		CHECK_INT(sk_dbus_get_u64(rd, &v), 0);
		if (v != vals[i])
			UNIT_FAIL("%s = %" PRIu64 ", want %" PRIu64, want[i], v, vals[i]);
	}
}

TEST(sd_names_from_cgroups_path)
{
	char *slice = NULL, *unit = NULL, *path = NULL;
	struct sk_err e;

	CHECK_INT(cg_sd_names("system.slice:skiff-test:abc", "abc", false, &slice, &unit, &path, &e),
		  0);
	CHECK_STR(slice, "system.slice");
	CHECK_STR(unit, "skiff-test-abc.scope");
	CHECK_STR(path, "/system.slice/skiff-test-abc.scope");
	free(slice), free(unit), free(path);
	CHECK_INT(cg_sd_names(NULL, "abc", false, &slice, &unit, &path, &e), 0);
	CHECK_STR(unit, "skiff-abc.scope");
	CHECK_STR(path, "/system.slice/skiff-abc.scope");
	free(slice), free(unit), free(path);
	/* rootless: the user's systemd, its user.slice */
	CHECK_INT(cg_sd_names(NULL, "abc", true, &slice, &unit, &path, &e), 0);
	CHECK_STR(slice, "user.slice");
	CHECK_STR(path, "/user.slice/skiff-abc.scope");
	free(slice), free(unit), free(path);
	CHECK_INT(cg_sd_names("machine-a.slice::x.scope", "abc", false, &slice, &unit, &path, &e), 0);
	CHECK_STR(slice, "machine-a.slice");
	CHECK_STR(unit, "x.scope");
	CHECK_STR(path, "/machine.slice/machine-a.slice/x.scope");
	free(slice), free(unit), free(path);
	slice = unit = path = NULL;
	CHECK_INT(cg_sd_names("/skiff/abc", "abc", false, &slice, &unit, &path, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "slice:prefix:name");
	CHECK_INT(cg_sd_names("bad:p:abc", "abc", false, &slice, &unit, &path, &e), -EINVAL);
	CHECK_INT(cg_sd_names("system.slice:p:abc.slice", "abc", false, &slice, &unit, &path, &e),
		  -EINVAL);
	CHECK_CONTAINS(e.msg, "not a child of \"system.slice\"");
	CHECK_INT(cg_sd_names("system.slice:p:abc.service", "abc", false, &slice, &unit, &path, &e),
		  -EINVAL);
	CHECK_CONTAINS(e.msg, "neither a scope nor a slice");
	CHECK(!slice && !unit && !path);
	/* a slice of its own: a child of the parent, no prefix (runc) */
	CHECK_INT(cg_sd_names("kubepods-besteffort.slice:cri:kubepods-besteffort-pod1.slice", "abc",
			      false, &slice, &unit, &path, &e),
		  0);
	CHECK_STR(slice, "kubepods-besteffort.slice");
	CHECK_STR(unit, "kubepods-besteffort-pod1.slice");
	CHECK(cg_sd_is_slice(unit));
	CHECK_STR(path, "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice");
	free(slice), free(unit), free(path);
	CHECK_INT(cg_sd_names("-.slice:p:top.slice", "abc", false, &slice, &unit, &path, &e), 0);
	CHECK_STR(path, "/top.slice");
	CHECK(!cg_sd_is_slice("x.scope"));
	free(slice), free(unit), free(path);
	slice = unit = path = NULL;
	CHECK_INT(cg_sd_names("-.slice:p:a-b.slice", "abc", false, &slice, &unit, &path, &e),
		  -EINVAL);
	CHECK_INT(cg_sd_names("system.slice:p:system-.slice", "abc", false, &slice, &unit, &path, &e),
		  -EINVAL);
	CHECK(!slice && !unit && !path);
}

/* cgroup v1: the names systemd has there, and no cpuset properties */
TEST(sd_props_v1)
{
	struct oci_resources r = { 0 };
	_cleanup_dbus_w_ struct sk_dbus_w w = { 0 };
	struct sk_dbus_r rd;
	struct sk_err e;

	r.memory.limit.set = true, r.memory.limit.v = 32 << 20;
	r.cpu.shares.set = true, r.cpu.shares.v = 512;
	r.cpu.cpus = "1";
	CHECK_INT(cg_sd_props(&w, &r, true, &e), 0);
	rd = (struct sk_dbus_r){ .b = w.b, .n = w.n };
	const char *want[] = { "MemoryLimit", "CPUShares" };
	const uint64_t vals[] = { 32 << 20, 512 };
	expect_u64_props(&rd, want, vals, 2);
	CHECK_INT(rd.pos, rd.n);
}

/* v1 device rules as systemd's DevicePolicy=strict + DeviceAllow= */
TEST(sd_device_allow)
{
	static const char proc_devices[] = "Character devices:\n  1 mem\n  4 /dev/vc/0\n  4 tty\n"
					   "  5 ptmx\n136 pts\n180 usb\n181 usb\n\n"
					   "Block devices:\n  7 loop\n  8 sd\n";
	const struct oci_device_rule rules[] = {
		{ false, 'a', -1, -1, "rwm" }, { true, 'c', -1, -1, "m" },
		{ true, 'c', 1, 3, "rwm" },    { true, 'c', 136, -1, "rwm" },
		{ true, 'c', 4, -1, "rw" },    { true, 'b', 8, -1, "r" },
		{ true, 'c', 180, -1, "r" },   { true, 'c', -1, 5, "r" },
		{ true, 'c', 1, 9, "rw" },     { false, 'c', 1, 9, "w" },
	};
	const char *want[][2] = { { "char-*", "m" },	 { "/dev/char/1:3", "rwm" },
				  { "char-pts", "rwm" }, { "char-tty", "rw" },
				  { "block-sd", "r" },	 { "/dev/char/1:9", "r" } };
	_cleanup_(sk_strv_buf_freep) struct sk_strv_buf p = { 0 }, a = { 0 };

	CHECK_INT(cg_devices_sd_allow(rules, sizeof(rules) / sizeof(rules[0]), proc_devices, &p, &a),
		  1);
	/* usb names two majors, *:5 has no form: both left out */
	CHECK_INT(p.n, 6);
	for (size_t i = 0; i < p.n && i < 6; i++) {
		CHECK_STR(p.v[i], want[i][0]);
		CHECK_STR(a.v[i], want[i][1]);
	}
	/* allow by default: strict cannot say it */
	const struct oci_device_rule open[] = { { true, 'a', -1, -1, "rwm" },
						{ false, 'c', 1, 3, "rwm" } };
	CHECK_INT(cg_devices_sd_allow(open, 2, proc_devices, &p, &a), 0);
	CHECK_INT(p.n, 6);
}

TEST(sd_props_from_resources)
{
	struct oci_resources r = { 0 };
	_cleanup_dbus_w_ struct sk_dbus_w w = { 0 };
	struct sk_dbus_r rd;
	struct sk_err e;
	const char *name, *sig;
	uint64_t v;
	uint32_t len;
	uint8_t b;

	r.memory.limit.set = true, r.memory.limit.v = 64 << 20;
	r.cpu.quota.set = true, r.cpu.quota.v = 30000;
	r.cpu.period.set = true, r.cpu.period.v = 60000;
	r.pids.limit.set = true, r.pids.limit.v = -1;
	r.cpu.shares.set = true, r.cpu.shares.v = 512;
	r.cpu.cpus = "1,9";
	sk_dbus_open_array(&w, 8);
	CHECK_INT(cg_sd_props(&w, &r, false, &e), 0);
	sk_dbus_close_array(&w);
	rd = (struct sk_dbus_r){ .b = w.b, .n = w.n };
	CHECK_INT(sk_dbus_get_u32(&rd, &len), 0);
	const char *want[] = { "MemoryMax", "CPUWeight", "CPUQuotaPeriodUSec", "CPUQuotaPerSecUSec",
			       "TasksMax" };
	const uint64_t vals[] = { 64 << 20, 59, 60000, 500000, UINT64_MAX }; /* 59: as cpu.weight */
	expect_u64_props(&rd, want, vals, 5);
	rd.pos = (rd.pos + 7) / 8 * 8;
	CHECK_INT(sk_dbus_get_str(&rd, &name), 0);
	CHECK_STR(name, "AllowedCPUs");
	CHECK_INT(sk_dbus_get_sig(&rd, &sig), 0);
	CHECK_STR(sig, "ay");
	CHECK_INT(sk_dbus_get_u32(&rd, &len), 0);
	CHECK_INT(len, 2);
	CHECK_INT(sk_dbus_get_byte(&rd, &b), 0);
	CHECK_INT(b, 0x02);
	CHECK_INT(sk_dbus_get_byte(&rd, &b), 0);
	CHECK_INT(b, 0x02);
	CHECK_INT(rd.pos, rd.n);

	/* a quota that is not a whole 1% step is rounded up; a bad list fails */
	sk_dbus_w_free(&w);
	r = (struct oci_resources){ 0 };
	r.cpu.quota.set = true, r.cpu.quota.v = 12345; /* per 100 ms: 123450 us/s */
	CHECK_INT(cg_sd_props(&w, &r, false, &e), 0);
	rd = (struct sk_dbus_r){ .b = w.b, .n = w.n };
	CHECK_INT(sk_dbus_get_str(&rd, &name), 0);
	CHECK_STR(name, "CPUQuotaPerSecUSec");
	CHECK_INT(sk_dbus_get_sig(&rd, &sig), 0);
	CHECK_INT(sk_dbus_get_u64(&rd, &v), 0);
	CHECK_INT(v, 130000);
	r.cpu.mems = "0-x";
	CHECK_INT(cg_sd_props(&w, &r, false, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "AllowedMemoryNodes");
}

int main(void)
{
	RUN(sd_names_from_cgroups_path);
	RUN(sd_props_from_resources);
	RUN(sd_props_v1);
	RUN(sd_device_allow);
	return unit_done();
}

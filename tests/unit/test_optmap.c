/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_optmap.c - rootfs/optmap.c against util-linux libmount itself: every
 * entry of libmount's built-in Linux and userspace maps must mean the same
 * to skiff, and option strings must split the way libmount splits them.
 * (This test links libmount; skiff does not.)
 */
#include "../../rootfs/internal.h"
#include "../../oci/internal.h"
#include "unit.h"

#include <errno.h>
#include <libmount.h>
#include <string.h>

/* libmount's "user[=]" / "comment=" / "x-" spellings, as option strings. */
static void spellings(const char *entry, char out[][64], int *n)
{
	size_t len = strlen(entry);
	*n = 0;
	if (len > 3 && !strcmp(entry + len - 3, "[=]")) {
		snprintf(out[(*n)++], 64, "%.*s", (int)(len - 3), entry);
		snprintf(out[(*n)++], 64, "%.*s=v", (int)(len - 3), entry);
	} else if (entry[len - 1] == '=') {
		snprintf(out[(*n)++], 64, "%sv", entry);
	} else if (entry[len - 1] == '-') {
		snprintf(out[(*n)++], 64, "%sanything", entry);
	} else {
		snprintf(out[(*n)++], 64, "%s", entry);
	}
}

TEST(linux_map_matches_libmount)
{
	const struct libmnt_optmap *m = mnt_get_builtin_optmap(MNT_LINUX_MAP);
	int count = 0;

	for (; m->name; m++, count++) {
		unsigned long flag = 0;
		bool invert = true;
		CHECK_INT(rootfs_vfs_option(m->name, &flag, &invert), 0);
		CHECK_INT(flag, (unsigned long)m->id);
		CHECK_INT(invert, !!(m->mask & MNT_INVERT));
		CHECK(!rootfs_userspace_option(m->name));
	}
	CHECK(count >= 40);
}

TEST(userspace_map_matches_libmount)
{
	const struct libmnt_optmap *m = mnt_get_builtin_optmap(MNT_USERSPACE_MAP);

	for (; m->name; m++) {
		char s[2][64];
		int n;
		spellings(m->name, s, &n);
		for (int i = 0; i < n; i++) {
			unsigned long flag;
			bool invert;
			CHECK(rootfs_userspace_option(s[i]));
			CHECK_INT(rootfs_vfs_option(s[i], &flag, &invert), -ENOENT);
		}
	}
}

/* Names libmount leaves to the filesystem are filesystem data for skiff too. */
TEST(fs_options_are_neither)
{
	const char *fs[] = { "size=64k",    "mode=755", "newinstance", "ptmxmode=0666",
			     "gid=5",	    "userx",	"nofail=1",    "ro=1",
			     "lowerdir=/a", "nobind",	"move" };
	for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
		_cleanup_free_ char *user = NULL, *vfs = NULL, *fsopt = NULL;
		unsigned long flag;
		bool invert;
		CHECK_INT(mnt_split_optstr(fs[i], &user, &vfs, &fsopt, 0, 0), 0);
		CHECK(!user && !vfs && fsopt);
		CHECK(!rootfs_userspace_option(fs[i]));
		CHECK_INT(rootfs_vfs_option(fs[i], &flag, &invert), -ENOENT);
	}
}

TEST(optstr_split_like_libmount)
{
	const char *cases[] = {
		"ro,nosuid,size=65536k",
		"context=\"system_u:object_r:t:s0:c1,c2\",ro",
		",,a,,b=,=c,",
		"mode=1777",
		"",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_free_ char *copy = strdup(cases[i]);
		char *theirs = copy, *tn, *tv;
		const char *ours = cases[i], *on, *ov;
		size_t tns, tvs, ons, ovs;
		int tr, mine;

		do {
			tr = mnt_optstr_next_option(&theirs, &tn, &tns, &tv, &tvs);
			mine = rootfs_optstr_next(&ours, &on, &ons, &ov, &ovs);
			CHECK_INT(mine, tr);
			if (tr || mine)
				break;
			CHECK_INT(ons, tns);
			CHECK(!strncmp(on, tn, ons));
			CHECK_INT(!ov, !tv);
			if (ov && tv) {
				CHECK_INT(ovs, tvs);
				CHECK(!strncmp(ov, tv, ovs));
			}
		} while (1);
	}
	const char *bad = "a=\"b,c", *n, *v;
	size_t ns, vs;
	CHECK_INT(rootfs_optstr_next(&bad, &n, &ns, &v, &vs), -EINVAL);
}

/* rootfs takes @opt as an option of its own on a tmpfs mount (not as
 * filesystem data); "remount" is known but refused in a mount entry. */
static bool understood(const char *opt)
{
	char *opts[] = { (char *)opt, NULL };
	struct oci_mount m = { .destination = "/t", .type = "tmpfs", .options = opts };
	struct rootfs_mount_opts o;
	struct sk_err e = { 0 };
	int r = rootfs_parse_mount_opts(&m, "mount /t", &o, &e);
	bool data = r == 0 && o.data;

	if (r == 0)
		rootfs_mount_opts_free(&o);
	return (r == 0 && !data) || (r < 0 && strstr(e.msg, "is not allowed here"));
}

static bool advertised(const char *opt)
{
	for (const char *const *p = cj_mount_options; *p; p++)
		if (!strcmp(*p, opt))
			return true;
	return false;
}

/* `skiff features` lists exactly the mount options rootfs understands:
 * every listed one is understood; every VFS option of libmount's map, its
 * recursive "r" form when understood, and skiff's own are listed. */
TEST(features_mount_options_are_understood)
{
	const struct libmnt_optmap *m = mnt_get_builtin_optmap(MNT_LINUX_MAP);
	const char *own[] = { "bind", "rbind", "tmpcopyup", "defaults" };

	for (const char *const *p = cj_mount_options; *p; p++) {
		if (!understood(*p))
			printf("# advertised, not understood: %s\n", *p);
		CHECK(understood(*p));
	}
	for (; m->name; m++) {
		char r[64];

		snprintf(r, sizeof(r), "r%s", m->name);
		CHECK(advertised(m->name));
		if (understood(r) && !advertised(r))
			printf("# understood, not advertised: %s\n", r);
		CHECK(!understood(r) || advertised(r));
	}
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		CHECK(advertised(own[i]));
	CHECK(!understood("bogus"));
}

int main(void)
{
	RUN(linux_map_matches_libmount);
	RUN(userspace_map_matches_libmount);
	RUN(fs_options_are_neither);
	RUN(optstr_split_like_libmount);
	RUN(features_mount_options_are_understood);
	return unit_done();
}

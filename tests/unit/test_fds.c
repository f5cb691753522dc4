/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_fds.c - runtime/fds.c: closing all but the kept fds, refusing to
 * keep a directory, close-on-exec marking and the preserved-fd
 * placeholders.  Works on fds 200 and up, far from stdio and the harness.
 */
#include "unit.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void open_at(int fd)
{
	int t = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (t != fd) {
		dup2(t, fd);
		close(t);
	}
}

TEST(close_except_keeps_only_the_listed)
{
	struct sk_err e = { 0 };
	int keep[] = { 207, -1, 203, 150, 207 };

	for (int fd = 200; fd < 212; fd++)
		open_at(fd);
	open_at(150);
	CHECK_INT(sk_fds_close_except(200, keep, 5, &e), 0);
	for (int fd = 200; fd < 212; fd++)
		CHECK_INT(is_open(fd), fd == 203 || fd == 207);
	CHECK(is_open(150)); /* below first: untouched */
	CHECK(is_open(1));
	close(150);
	close(203);
	close(207);
}

TEST(close_except_refuses_a_directory)
{
	struct sk_err e = { 0 };
	int d = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd = fcntl(d, F_DUPFD_CLOEXEC, 220);
	int keep[] = { fd };

	close(d);
	CHECK_INT(sk_fds_close_except(220, keep, 1, &e), -EISDIR);
	CHECK_CONTAINS(e.msg, "directory");
	close(fd);
}

TEST(cloexec_from_marks_everything_above)
{
	open_at(230);
	fcntl(230, F_SETFD, 0);
	CHECK_INT(sk_fds_cloexec_from(230), 0);
	CHECK_INT(fcntl(230, F_GETFD), FD_CLOEXEC);
	close(230);
}

TEST(reserve_plugs_the_holes_and_moves_the_log)
{
	struct sk_err e = { 0 };
	int *holes = NULL, log_fd;
	size_t n = 0;

	open_at(241);
	fcntl(241, F_SETFD, 0);
	open_at(242);
	log_fd = 242; /* the --log fd sits on a preserved number */
	CHECK_INT(sk_fds_reserve(240, 245, &log_fd, &holes, &n, &e), 0);
	CHECK(log_fd >= 245);
	CHECK(is_open(log_fd));
	CHECK_INT(n, 4);
	if (n == 4) {
		CHECK_INT(holes[0], 240);
		CHECK_INT(holes[1], 242);
		CHECK_INT(holes[2], 243);
		CHECK_INT(holes[3], 244);
	}
	for (int fd = 240; fd < 245; fd++)
		CHECK(is_open(fd));
	/* the caller's fd is untouched */
	CHECK_INT(fcntl(241, F_GETFD), 0);
	sk_fds_close_list(holes, n);
	CHECK(!is_open(240));
	CHECK(is_open(241));
	free(holes);
	close(241);
	close(log_fd);
}

int main(void)
{
	RUN(close_except_keeps_only_the_listed);
	RUN(close_except_refuses_a_directory);
	RUN(cloexec_from_marks_everything_above);
	RUN(reserve_plugs_the_holes_and_moves_the_log);
	return unit_done();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_channel.c - runtime/channel.c: messages between skiff and the
 * container's init, of any size (a state JSON with 10,000 annotations
 * is larger than one SEQPACKET record can be), with an fd.
 */
#include "unit.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* @len bytes of a pattern that shows misplaced chunks */
static char *pattern(size_t len)
{
	char *p = malloc(len + 1);

	for (size_t i = 0; i < len; i++)
		p[i] = (char)('a' + (i / 7 + i) % 26);
	p[len] = '\0';
	return p;
}

/* Send messages of each size in @sizes from a child, the first with an
 * fd; receive and compare them here. */
static void roundtrip(const size_t *sizes, size_t n)
{
	int sv[2];
	pid_t pid;

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		for (size_t i = 0; i < n; i++) {
			char *p = pattern(sizes[i]);
			int fd = i == 0 ? open("/dev/null", O_RDONLY | O_CLOEXEC) : -1;
			if (sk_msg_send(sv[1], SK_MSG_HOOKS_DONE, (int)i, p, sizes[i], fd) < 0)
				_exit(1);
			free(p);
		}
		_exit(0);
	}
	close(sv[1]);
	for (size_t i = 0; i < n; i++) {
		char *data = NULL, *want = pattern(sizes[i]);
		size_t len = 0;
		int code = -1, fd = -1;
		int t = sk_msg_recv(sv[0], &code, &data, &len, &fd);

		CHECK_INT(t, SK_MSG_HOOKS_DONE);
		CHECK_INT(code, (int)i);
		CHECK_INT(len, sizes[i]);
		CHECK(data && len == sizes[i] && !memcmp(data, want, len) && data[len] == '\0');
		if (i == 0) {
			struct stat st;
			CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISCHR(st.st_mode));
		} else {
			CHECK_INT(fd, -1);
		}
		if (fd >= 0)
			close(fd);
		free(data);
		free(want);
	}
	/* EOF after the last message */
	CHECK_INT(sk_msg_recv(sv[0], NULL, NULL, NULL, NULL), 0);
	close(sv[0]);
	int status = -1;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(small_and_empty_messages)
{
	const size_t sizes[] = { 5, 0, 1 };
	roundtrip(sizes, 3);
}

TEST(messages_larger_than_one_record)
{
	/* around the chunk size, and a state JSON of 100,000 annotations */
	const size_t sizes[] = { 4 << 20, 64 * 1024, 64 * 1024 + 1, 64 * 1024 - 1, 300 * 1024, 7 };
	roundtrip(sizes, 6);
}

int main(void)
{
	RUN(small_and_empty_messages);
	RUN(messages_larger_than_one_record);
	return unit_done();
}

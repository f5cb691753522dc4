/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memhog.c - the workload of tests/vm/migrate.bats, built static and run
 * as a container's process: `memhog MIB HOT_MIB`.
 *
 * It holds MIB MiB of anonymous memory, every word a function of its
 * index; the first HOT_MIB MiB are rewritten again and again, each pass
 * with a new generation mixed in.  After each pass it writes "GEN" to
 * /gen, and every fourth pass it checks all of its memory against what
 * it must hold and writes "OK GEN" (or "BAD GEN WORD") to /verify: after
 * a migration the restored copy proves its own memory came across.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static uint64_t mix(uint64_t i)
{
	i ^= i >> 33;
	i *= 0xff51afd7ed558ccdULL;
	i ^= i >> 33;
	return i;
}

static void put(const char *path, const char *text)
{
	char tmp[64];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
	rename(tmp, path);
}

int main(int argc, char **argv)
{
	size_t words, hot;
	uint64_t *m, gen = 0;
	char line[128], bad_line[128] = "";

	if (argc < 3)
		return 2;
	words = (size_t)atol(argv[1]) << 17; /* MiB / 8 */
	hot = (size_t)atol(argv[2]) << 17;
	m = mmap(NULL, words * 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 1;
	for (size_t i = 0; i < words; i++)
		m[i] = mix(i);
	for (;;) {
		gen++;
		for (size_t i = 0; i < hot; i++)
			m[i] = mix(i) ^ gen;
		snprintf(line, sizeof(line), "%llu\n", (unsigned long long)gen);
		put("/gen", line);
		if (gen % 4 == 0) {
			size_t bad = words;
			for (size_t i = 0; i < words && bad == words; i++)
				if (m[i] != (i < hot ? mix(i) ^ gen : mix(i)))
					bad = i;
			if (bad != words && !bad_line[0]) /* sticky */
				snprintf(bad_line, sizeof(bad_line), "BAD %llu %zu\n",
					 (unsigned long long)gen, bad);
			snprintf(line, sizeof(line), "OK %llu\n", (unsigned long long)gen);
			put("/verify", bad_line[0] ? bad_line : line);
		}
		usleep(20000);
	}
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unit.h - a tiny TAP-producing unit test harness.
 *
 *   TEST(parses_minimal) { CHECK(x == 1); CHECK_STR(a, "b"); }
 *   int main(void) { RUN(parses_minimal); return unit_done(); }
 *
 * Each RUN prints "ok N name" or "not ok N name" with the failed checks
 * as "# file:line: ..." comments; tests/run-all counts those lines.
 */
#ifndef SKIFF_UNIT_H
#define SKIFF_UNIT_H
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct unit_state {
	int n, failed_tests, cur_failed;
};
static struct unit_state unit_st; /* test programs only */

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			printf("# %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			unit_st.cur_failed++;                                          \
		}                                                                      \
	} while (0)

#define CHECK_INT(a, b)                                                                 \
	do {                                                                            \
		long long _a = (long long)(a), _b = (long long)(b);                     \
		if (_a != _b) {                                                         \
			printf("# %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, \
			       #a, _a, _b);                                             \
			unit_st.cur_failed++;                                           \
		}                                                                       \
	} while (0)

#define CHECK_STR(a, b)                                                                   \
	do {                                                                              \
		const char *_a = (a), *_b = (b);                                          \
		if (!_a || !_b || strcmp(_a, _b)) {                                       \
			printf("# %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
			       #a, _a ? _a : "(null)", _b ? _b : "(null)");               \
			unit_st.cur_failed++;                                             \
		}                                                                         \
	} while (0)

/* Message contains substring. */
#define CHECK_CONTAINS(hay, needle)                                                        \
	do {                                                                               \
		const char *_h = (hay), *_n = (needle);                                    \
		if (!_h || !strstr(_h, _n)) {                                              \
			printf("# %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__, \
			       _h ? _h : "(null)", _n);                                    \
			unit_st.cur_failed++;                                              \
		}                                                                          \
	} while (0)

#define TEST(name) static void name(void)

#define RUN(name)                                                                         \
	do {                                                                              \
		unit_st.cur_failed = 0;                                                   \
		name();                                                                   \
		unit_st.n++;                                                              \
		if (unit_st.cur_failed)                                                   \
			unit_st.failed_tests++;                                           \
		printf("%sok %d %s\n", unit_st.cur_failed ? "not " : "", unit_st.n, #name); \
		fflush(stdout);                                                           \
	} while (0)

static inline int unit_done(void)
{
	printf("1..%d\n", unit_st.n);
	return unit_st.failed_tests ? 1 : 0;
}
#endif

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

/* Report a failed check at the caller's line: "# file:line: MESSAGE". */
#define UNIT_FAIL(fmt, ...)                                                    \
	do {                                                                   \
		printf("# %s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__); \
		unit_st.cur_failed++;                                          \
	} while (0)

#define CHECK(cond)                                           \
	do {                                                  \
		if (!(cond))                                  \
			UNIT_FAIL("CHECK(%s) failed", #cond); \
	} while (0)

#define CHECK_INT(a, b)                                                     \
	do {                                                                \
		long long _a = (long long)(a), _b = (long long)(b);         \
		if (_a != _b)                                               \
			UNIT_FAIL("%s == %lld, expected %lld", #a, _a, _b); \
	} while (0)

#define CHECK_STR(a, b)                                                                    \
	do {                                                                               \
		const char *_a = (a), *_b = (b);                                           \
		if (!_a || !_b || strcmp(_a, _b))                                          \
			UNIT_FAIL("%s == \"%s\", expected \"%s\"", #a, _a ? _a : "(null)", \
				  _b ? _b : "(null)");                                     \
	} while (0)

/* Message contains substring. */
#define CHECK_CONTAINS(hay, needle)                                                          \
	do {                                                                                 \
		const char *_h = (hay), *_n = (needle);                                      \
		if (!_h || !strstr(_h, _n))                                                  \
			UNIT_FAIL("\"%s\" does not contain \"%s\"", _h ? _h : "(null)", _n); \
	} while (0)

#define TEST(name) static void name(void)

#define RUN(name)                                                                           \
	do {                                                                                \
		unit_st.cur_failed = 0;                                                     \
		name();                                                                     \
		unit_st.n++;                                                                \
		if (unit_st.cur_failed)                                                     \
			unit_st.failed_tests++;                                             \
		printf("%sok %d %s\n", unit_st.cur_failed ? "not " : "", unit_st.n, #name); \
		fflush(stdout);                                                             \
	} while (0)

static inline int unit_done(void)
{
	printf("1..%d\n", unit_st.n);
	return unit_st.failed_tests ? 1 : 0;
}
#endif

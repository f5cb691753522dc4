/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_xxh64.c - base/xxh64.c against XXH64's reference values (computed
 * with libxxhash 0.8.1), and streaming in pieces equals one buffer. */
#include "unit.h"
#include "../../base/base.h"

TEST(xxh64_reference_values)
{
	const char *s33 = "0123456789abcdef0123456789ABCDEF!";
	unsigned char big[1027];

	for (int i = 0; i < 1024; i++)
		big[i] = (unsigned char)i;
	memcpy(big + 1024, "xyz", 3);
	CHECK(sk_xxh64("", 0, 0) == 0xef46db3751d8e999ULL);
	CHECK(sk_xxh64("a", 1, 0) == 0xd24ec4f1a98c6e5bULL);
	CHECK(sk_xxh64("abc", 3, 0) == 0x44bc2cf5ad770999ULL);
	CHECK(sk_xxh64("abc", 3, 42) == 0x13c1d910702770e6ULL);
	CHECK(sk_xxh64(s33, 33, 0) == 0xad975d3afaeec04bULL);
	CHECK(sk_xxh64(big, sizeof(big), 0) == 0xe146cb31b65bc21aULL);
}

TEST(xxh64_streaming_in_any_pieces)
{
	unsigned char big[1027];
	uint64_t want;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7 + 3);
	want = sk_xxh64(big, sizeof(big), 0);
	for (size_t step = 1; step <= 67; step += 3) {
		struct sk_xxh64 h;
		sk_xxh64_init(&h, 0);
		for (size_t off = 0; off < sizeof(big); off += step)
			sk_xxh64_update(&h, big + off,
					off + step > sizeof(big) ? sizeof(big) - off : step);
		if (sk_xxh64_digest(&h) != want)
			UNIT_FAIL("pieces of %zu differ", step);
	}
	/* one changed byte changes the sum */
	big[500] ^= 1;
	CHECK(sk_xxh64(big, sizeof(big), 0) != want);
}

int main(void)
{
	RUN(xxh64_reference_values);
	RUN(xxh64_streaming_in_any_pieces);
	return unit_done();
}

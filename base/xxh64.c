/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xxh64.c - XXH64, the 64-bit non-cryptographic hash of the xxHash
 * family (its published specification), written for skiff.  It reads 8
 * bytes at a time into four independent lanes, so it runs at memory
 * speed even under an emulator (TCG), where SHA-256 costs more than
 * criu's dump itself; skiff uses it to check criu's images against
 * accidents (truncation, a flipped byte), not against an attacker.
 *
 * Streaming: sk_xxh64_init, sk_xxh64_update any number of times,
 * sk_xxh64_digest; sk_xxh64() for one buffer.  Pure functions.
 */
#include "base.h"

#include <endian.h>
#include <string.h>

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static inline uint64_t rotl(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t read64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return le64toh(v);
}

static inline uint32_t read32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return le32toh(v);
}

static inline uint64_t lane_round(uint64_t acc, uint64_t lane)
{
	acc += lane * P2;
	return rotl(acc, 31) * P1;
}

static inline uint64_t merge(uint64_t acc, uint64_t v)
{
	acc ^= lane_round(0, v);
	return acc * P1 + P4;
}

void sk_xxh64_init(struct sk_xxh64 *h, uint64_t seed)
{
	memset(h, 0, sizeof(*h));
	h->v[0] = seed + P1 + P2;
	h->v[1] = seed + P2;
	h->v[2] = seed;
	h->v[3] = seed - P1;
	h->seed = seed;
}

static void stripe(uint64_t v[4], const unsigned char *p)
{
	v[0] = lane_round(v[0], read64(p));
	v[1] = lane_round(v[1], read64(p + 8));
	v[2] = lane_round(v[2], read64(p + 16));
	v[3] = lane_round(v[3], read64(p + 24));
}

void sk_xxh64_update(struct sk_xxh64 *h, const void *data, size_t len)
{
	const unsigned char *p = data;

	h->total += len;
	if (h->buffered) {
		size_t n = 32 - h->buffered;
		if (n > len)
			n = len;
		memcpy(h->buf + h->buffered, p, n);
		h->buffered += n;
		p += n;
		len -= n;
		if (h->buffered < 32)
			return;
		stripe(h->v, h->buf);
		h->buffered = 0;
	}
	for (; len >= 32; p += 32, len -= 32)
		stripe(h->v, p);
	memcpy(h->buf, p, len);
	h->buffered = len;
}

uint64_t sk_xxh64_digest(const struct sk_xxh64 *h)
{
	const unsigned char *p = h->buf;
	size_t left = h->buffered;
	uint64_t acc;

	if (h->total >= 32) {
		acc = rotl(h->v[0], 1) + rotl(h->v[1], 7) + rotl(h->v[2], 12) + rotl(h->v[3], 18);
		for (int i = 0; i < 4; i++)
			acc = merge(acc, h->v[i]);
	} else {
		acc = h->seed + P5;
	}
	acc += h->total;
	for (; left >= 8; p += 8, left -= 8)
		acc = rotl(acc ^ lane_round(0, read64(p)), 27) * P1 + P4;
	if (left >= 4) {
		acc = rotl(acc ^ (uint64_t)read32(p) * P1, 23) * P2 + P3;
		p += 4;
		left -= 4;
	}
	for (; left; p++, left--)
		acc = rotl(acc ^ *p * P5, 11) * P1;
	acc ^= acc >> 33;
	acc *= P2;
	acc ^= acc >> 29;
	acc *= P3;
	acc ^= acc >> 32;
	return acc;
}

uint64_t sk_xxh64(const void *data, size_t len, uint64_t seed)
{
	struct sk_xxh64 h;

	sk_xxh64_init(&h, seed);
	sk_xxh64_update(&h, data, len);
	return sk_xxh64_digest(&h);
}

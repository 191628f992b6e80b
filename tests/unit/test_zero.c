/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_zero.c: unit tests for src/core/zero.h: ovk_is_zero and the run
 * walker ovk_next_data_run, both against naive byte loops written here.
 *
 * Every buffer is malloc'ed to the exact length under test, so that the
 * sanitizer build catches a read past either end; bytes just outside the
 * range under test are made non-zero, so that reading them changes the
 * answer in the plain build too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/zero.h"

/* The sizes around ovk_is_zero's internal edges (16 bytes, a 4096-byte
 * page of zeros) and the engine's blocks. */
static const size_t big_sizes[] = {
	4095, 4096, 4097, 4096 + 15, 4096 + 16, 4096 + 17, 8191, 8192, 8193,
	3 * 4096 + 300, 65536, 65536 + 1, 1 << 20,
};

static int ref_is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* A zeroed buffer of exactly n bytes (at least 1, for malloc(0)). */
static uint8_t *zbuf(size_t n)
{
	uint8_t *p = calloc(n ? n : 1, 1);

	assert_non_null(p);
	return p;
}

/* Zero, and one non-zero byte at position i, for every i < n. */
static void check_every_position(uint8_t *p, size_t n, uint8_t val)
{
	assert_true(ovk_is_zero(p, n));
	for (size_t i = 0; i < n; i++) {
		p[i] = val;
		if (ovk_is_zero(p, n))
			fail_msg("length %zu, 0x%02x at %zu: reported all zero", n, val, i);
		p[i] = 0;
	}
	assert_true(ovk_is_zero(p, n));
}

static void test_is_zero_small_lengths(void **state)
{
	static const uint8_t vals[] = {0x01, 0x80, 0xff};

	(void)state;
	for (size_t n = 0; n <= 300; n++) {
		uint8_t *p = zbuf(n);

		for (size_t v = 0; v < sizeof vals; v++)
			check_every_position(p, n, vals[v]);
		free(p);
	}
}

/* Large buffers: the first and last 32 bytes, and 17 bytes either side of
 * each page edge and a byte mid-page in the first, last and middle pages. */
static void test_is_zero_large_lengths(void **state)
{
	(void)state;
	for (size_t s = 0; s < sizeof big_sizes / sizeof big_sizes[0]; s++) {
		size_t n = big_sizes[s];
		uint8_t *p = zbuf(n);

		assert_true(ovk_is_zero(p, n));
		for (size_t i = 0; i < n; i++) {
			size_t in_page = i % 4096, page = i / 4096;
			int near = page < 3 || (n - i) / 4096 < 3 || page == n / 8192;
			int probe = i < 32 || n - i <= 32 ||
				    (near && (in_page < 17 || in_page >= 4096 - 17 || in_page == 2048));

			if (!probe)
				continue;
			p[i] = 1;
			if (ovk_is_zero(p, n))
				fail_msg("length %zu, non-zero at %zu: reported all zero", n, i);
			p[i] = 0;
		}
		assert_true(ovk_is_zero(p, n));
		free(p);
	}
}

/* Start at every misalignment 0..31 into an allocation, with non-zero
 * guard bytes right before and right after the range. */
static void test_is_zero_unaligned_and_bounds(void **state)
{
	static const size_t lens[] = {0, 1, 15, 16, 17, 31, 32, 33, 255, 4095, 4096, 4097, 9000};

	(void)state;
	for (size_t off = 0; off < 32; off++) {
		for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
			size_t n = lens[l];
			uint8_t *p = zbuf(off + n + 1);
			uint8_t *q = p + off;

			memset(p, 0xa5, off);
			p[off + n] = 0xa5;
			assert_true(ovk_is_zero(q, n));
			if (n) {
				q[0] = 1;
				assert_false(ovk_is_zero(q, n));
				q[0] = 0;
				q[n - 1] = 1;
				assert_false(ovk_is_zero(q, n));
				q[n - 1] = 0;
				q[n / 2] = 1;
				assert_false(ovk_is_zero(q, n));
			}
			free(p);
		}
	}
}

/* Pseudo-random contents with few non-zero bytes, compared with the
 * naive loop over random sub-ranges. */
static void test_is_zero_random(void **state)
{
	enum { N = 20000 };
	uint8_t *p = zbuf(N);
	uint32_t x = 12345;

	(void)state;
	for (int round = 0; round < 4000; round++) {
		size_t a, b;

		x = x * 1103515245u + 12345u;
		if ((x >> 16) % 8 == 0)
			p[(x >> 8) % N] ^= (uint8_t)(x | 1);
		x = x * 1103515245u + 12345u;
		a = (x >> 4) % N;
		x = x * 1103515245u + 12345u;
		b = a + (x >> 4) % (N - a + 1);
		if (ovk_is_zero(p + a, b - a) != ref_is_zero(p + a, b - a))
			fail_msg("round %d: [%zu, %zu) disagrees with the byte loop", round, a, b);
	}
	free(p);
}

/* ------------------------------------------------------ run walker */

struct run {
	size_t start, end;
};

/* The walker's contract written naively: from pos, block by block (the
 * last one short), coalesce the blocks that hold a non-zero byte. */
static size_t ref_runs(const uint8_t *buf, size_t len, size_t block, size_t pos,
		       struct run *runs)
{
	size_t nr = 0;
	int in_run = 0;

	for (size_t i = pos; i < len; i += block) {
		size_t n = len - i < block ? len - i : block;
		int data = !ref_is_zero(buf + i, n);

		if (data && !in_run)
			runs[nr].start = i;
		if (data)
			runs[nr].end = i + n;
		if (!data && in_run)
			nr++;
		in_run = data;
	}
	return nr + (size_t)in_run;
}

static size_t walk(const uint8_t *buf, size_t len, size_t block, size_t pos, struct run *runs)
{
	size_t nr = 0, start = 0, end = 0;

	while (ovk_next_data_run(buf, len, block, &pos, &start, &end)) {
		assert_true(end > start);
		assert_int_equal(pos, end);
		runs[nr].start = start;
		runs[nr].end = end;
		nr++;
	}
	/* The end stays the end. */
	assert_int_equal(ovk_next_data_run(buf, len, block, &pos, &start, &end), 0);
	return nr;
}

static void check_walk(const uint8_t *buf, size_t len, size_t block, size_t pos)
{
	struct run got[64], want[64];
	size_t ng = walk(buf, len, block, pos, got);
	size_t nw = ref_runs(buf, len, block, pos, want);

	if (ng != nw)
		fail_msg("len %zu block %zu pos %zu: %zu runs, want %zu", len, block, pos, ng, nw);
	for (size_t i = 0; i < nw; i++)
		if (got[i].start != want[i].start || got[i].end != want[i].end)
			fail_msg("len %zu block %zu pos %zu: run %zu is [%zu, %zu), want [%zu, %zu)",
				 len, block, pos, i, got[i].start, got[i].end, want[i].start,
				 want[i].end);
}

/* Every pattern of up to 9 blocks (the last whole or short), with each
 * data block's one non-zero byte placed first, last or in the middle. */
static void test_runs_all_patterns(void **state)
{
	static const size_t blocks[] = {1, 7, 16, 512};

	(void)state;
	for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
		size_t block = blocks[b];

		for (size_t nb = 0; nb <= 9; nb++) {
			for (size_t tail = 0; tail < 3; tail++) {
				/* tail 0: whole last block; 1: one byte; 2: block - 1 */
				size_t last = tail == 0 ? block : tail == 1 ? 1 : block - 1;
				size_t len = nb ? (nb - 1) * block + last : 0;
				uint8_t *buf;

				if (nb && last == 0)
					continue;
				buf = zbuf(len);
				for (unsigned pat = 0; pat < 1u << nb; pat++) {
					memset(buf, 0, len);
					for (size_t k = 0; k < nb; k++) {
						size_t n = k + 1 == nb ? last : block;
						size_t where = (pat + k) % 3 == 0 ? 0 :
							       (pat + k) % 3 == 1 ? n - 1 : n / 2;

						if (pat & 1u << k)
							buf[k * block + where] = 0x80;
					}
					check_walk(buf, len, block, 0);
				}
				free(buf);
			}
		}
	}
}

static void test_runs_explicit(void **state)
{
	/* block 4: Z D D Z Z D | short data tail of 2 bytes */
	uint8_t *buf = zbuf(26);
	size_t pos = 0, start = 99, end = 99;

	(void)state;
	buf[5] = 1;
	buf[11] = 1;
	buf[20] = 1;
	buf[25] = 1;
	assert_int_equal(ovk_next_data_run(buf, 26, 4, &pos, &start, &end), 1);
	assert_int_equal(start, 4);
	assert_int_equal(end, 12);
	assert_int_equal(pos, 12);
	assert_int_equal(ovk_next_data_run(buf, 26, 4, &pos, &start, &end), 1);
	assert_int_equal(start, 20);
	assert_int_equal(end, 26);
	assert_int_equal(ovk_next_data_run(buf, 26, 4, &pos, &start, &end), 0);

	/* All zero, or empty: no run at all. */
	memset(buf, 0, 26);
	pos = 0;
	assert_int_equal(ovk_next_data_run(buf, 26, 4, &pos, &start, &end), 0);
	pos = 0;
	assert_int_equal(ovk_next_data_run(buf, 0, 4, &pos, &start, &end), 0);

	/* A block larger than the buffer: one short block. */
	buf[25] = 1;
	pos = 0;
	assert_int_equal(ovk_next_data_run(buf, 26, 65536, &pos, &start, &end), 1);
	assert_int_equal(start, 0);
	assert_int_equal(end, 26);
	free(buf);
}

/* Blocks count from *pos, not from the buffer's start: a caller that
 * resumes mid-buffer gets blocks aligned to where it resumed. */
static void test_runs_from_unaligned_pos(void **state)
{
	enum { LEN = 300 };
	uint8_t *buf = zbuf(LEN);
	uint32_t x = 7;

	(void)state;
	for (int round = 0; round < 300; round++) {
		memset(buf, 0, LEN);
		for (int k = 0; k < 6; k++) {
			x = x * 1103515245u + 12345u;
			buf[(x >> 8) % LEN] = (uint8_t)(x >> 24 | 1);
		}
		x = x * 1103515245u + 12345u;
		check_walk(buf, LEN, 1 + (x >> 8) % 40, (x >> 16) % (LEN + 1));
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_zero_small_lengths),
		cmocka_unit_test(test_is_zero_large_lengths),
		cmocka_unit_test(test_is_zero_unaligned_and_bounds),
		cmocka_unit_test(test_is_zero_random),
		cmocka_unit_test(test_runs_all_patterns),
		cmocka_unit_test(test_runs_explicit),
		cmocka_unit_test(test_runs_from_unaligned_pos),
	};

	return cmocka_run_group_tests_name("zero", tests, NULL, NULL);
}

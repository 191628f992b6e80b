/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_writeback.c: unit tests for src/core/writeback.h, the bounded
 * write-behind of synced outputs.
 *
 * What writeback.h promises, and how it is seen here:
 *  - the window bookkeeping (struct ovk_writeback is public): a window is
 *    started once the frontier has passed its end, never before, each one
 *    once, in order, however far one call moves the frontier;
 *  - disabled, or on an fd where the calls fail, advancing does nothing
 *    that shows (the state, the file) and never fails;
 *  - the data written is the data read back, with writes below the
 *    frontier (metadata) after their window was dropped;
 *  - at most two windows stay in the page cache: the ones before the last
 *    two are written and dropped.  Seen with mincore() on a mapping of the
 *    file; skipped on a file system that keeps no separate page cache
 *    (tmpfs), where dropping means nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/writeback.h"
#include "unit_support.h"

#define W OVK_WRITEBACK_WINDOW
#define CHUNK ((size_t)1 << 20)
#define TMPFS_MAGIC_ 0x01021994

static int wb_setup(void **state)
{
	(void)state;
	return ut_scratch_setup("test_writeback", 0);
}

static int wb_teardown(void **state)
{
	(void)state;
	return ut_scratch_teardown();
}

static void expect_state(const struct ovk_writeback *wb, uint64_t next, int have_prev,
			 uint64_t prev)
{
	assert_true(wb->next == next);
	assert_int_equal(wb->have_prev, have_prev);
	if (have_prev)
		assert_true(wb->prev == prev);
}

static void test_writeback_windows(void **state)
{
	struct ovk_writeback wb;
	int p[2];

	(void)state;
	/* A pipe: every sync_file_range and fadvise fails (ESPIPE), which
	 * the bookkeeping must not notice. */
	assert_int_equal(pipe(p), 0);
	memset(&wb, 0xa5, sizeof wb);
	ovk_writeback_init(&wb, p[1], 1);
	assert_int_equal(wb.fd, p[1]);
	expect_state(&wb, 0, 0, 0);

	ovk_writeback_advance(&wb, 0);
	ovk_writeback_advance(&wb, W - 1);
	expect_state(&wb, 0, 0, 0);
	ovk_writeback_advance(&wb, W);
	expect_state(&wb, W, 1, 0);
	ovk_writeback_advance(&wb, 2 * W - 1);
	expect_state(&wb, W, 1, 0);
	/* A write below the frontier (metadata) moves nothing back. */
	ovk_writeback_advance(&wb, 4096);
	expect_state(&wb, W, 1, 0);
	ovk_writeback_advance(&wb, 2 * W + 5);
	expect_state(&wb, 2 * W, 1, W);
	/* A jump over a hole of many windows: every one is started, and the
	 * last started is the one before the new frontier's window. */
	ovk_writeback_advance(&wb, 10 * W + W / 2);
	expect_state(&wb, 10 * W, 1, 9 * W);
	ovk_writeback_advance(&wb, 0);
	expect_state(&wb, 10 * W, 1, 9 * W);

	/* init starts over. */
	ovk_writeback_init(&wb, p[1], 1);
	expect_state(&wb, 0, 0, 0);
	ovk_writeback_advance(&wb, 3 * W);
	expect_state(&wb, 3 * W, 1, 2 * W);
	close(p[0]);
	close(p[1]);
}

static void test_writeback_disabled(void **state)
{
	struct ovk_writeback wb;

	(void)state;
	/* Disabled on an fd that is not even open: advancing must not look
	 * at it. */
	ovk_writeback_init(&wb, -1, 0);
	assert_int_equal(wb.enabled, 0);
	ovk_writeback_advance(&wb, W);
	ovk_writeback_advance(&wb, 100 * W);
	expect_state(&wb, 0, 0, 0);
}

static uint8_t pattern_byte(uint64_t off)
{
	uint64_t x = off * 0x9e3779b97f4a7c15ull;

	return (uint8_t)(x >> 56) | 1;
}

static void fill(uint8_t *buf, uint64_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = pattern_byte(off + i);
}

/* Resident pages of [off, off + len) of the mapping. */
static size_t resident(uint8_t *map, uint64_t off, uint64_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t n = len / page, count = 0;
	unsigned char *vec = malloc(n);

	assert_non_null(vec);
	assert_int_equal(mincore(map + off, len, vec), 0);
	for (size_t i = 0; i < n; i++)
		count += vec[i] & 1;
	free(vec);
	return count;
}

/* Three windows and a short tail, written 1 MiB at a time with advance()
 * after each write, as a sink does, then a header rewritten at offset 0. */
static void test_writeback_real_file(void **state)
{
	const uint64_t size = 3 * W + 12345;
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	const size_t wpages = W / page;
	struct ovk_writeback wb;
	struct statfs sfs;
	char path[4200];
	uint8_t *buf = malloc(CHUNK), *back = malloc(CHUNK), *map;
	uint64_t off;
	int fd;

	(void)state;
	assert_non_null(buf);
	assert_non_null(back);
	snprintf(path, sizeof path, "%s/out.raw", ut_tmpdir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	ovk_writeback_init(&wb, fd, 1);
	for (off = 0; off < size; off += CHUNK) {
		size_t n = size - off < CHUNK ? (size_t)(size - off) : CHUNK;

		fill(buf, off, n);
		assert_int_equal(pwrite(fd, buf, n, (off_t)off), (ssize_t)n);
		ovk_writeback_advance(&wb, off + n);
	}
	expect_state(&wb, 3 * W, 1, 2 * W);

	/* Two windows were waited for and dropped; the third only started.
	 * The third still cached is the control: the cache held what we
	 * wrote, so the first two are gone because they were dropped. */
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(fstatfs(fd, &sfs), 0);
	if (sfs.f_type != TMPFS_MAGIC_) {
		size_t r0 = resident(map, 0, W), r1 = resident(map, W, W);
		size_t r2 = resident(map, 2 * W, W);

		if (r2 < wpages / 2)
			print_message("the started window is not cached (%zu of %zu pages): the "
				      "page cache is under pressure; residency not checked\n",
				      r2, wpages);
		else if (r0 > wpages / 16 || r1 > wpages / 16)
			fail_msg("windows 0 and 1 keep %zu and %zu of %zu pages cached", r0, r1,
				 wpages);
	}
	munmap(map, size);

	/* A header rewritten in a dropped window, then the final fsync. */
	memset(buf, 0x5a, 4096);
	assert_int_equal(pwrite(fd, buf, 4096, 0), 4096);
	ovk_writeback_advance(&wb, 4096);
	assert_int_equal(fsync(fd), 0);
	assert_int_equal(lseek(fd, 0, SEEK_END), (off_t)size);
	for (off = 0; off < size; off += CHUNK) {
		size_t n = size - off < CHUNK ? (size_t)(size - off) : CHUNK;

		fill(buf, off, n);
		if (off == 0)
			memset(buf, 0x5a, 4096);
		assert_int_equal(pread(fd, back, n, (off_t)off), (ssize_t)n);
		if (memcmp(buf, back, n) != 0)
			fail_msg("the bytes at [%llu, %llu) differ from what was written",
				 (unsigned long long)off, (unsigned long long)(off + n));
	}
	close(fd);
	unlink(path);
	free(buf);
	free(back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writeback_windows),
		cmocka_unit_test(test_writeback_disabled),
		cmocka_unit_test_setup_teardown(test_writeback_real_file, wb_setup, wb_teardown),
	};

	return cmocka_run_group_tests_name("writeback", tests, NULL, NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_core.c: unit tests for src/core: endian loads and stores, checked
 * arithmetic, the -o option helpers and size parser, the path check every
 * resolver relies on, error prefixing, blobs (mapped, windows, streams), and
 * the open context (core/open.h): siblings and the copy of a stream to a
 * temp file.
 *
 * The expected values are written out by hand from the contracts in the
 * headers, never computed by the code under test.
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
#include <unistd.h>

#include <cmocka.h>

#include "core/blob.h"
#include "core/checked.h"
#include "core/endian.h"
#include "core/error.h"
#include "core/extent.h"
#include "core/open.h"

/* ------------------------------------------------------------ endian */

static void test_endian_loads(void **state)
{
	/* One byte of slack in front, so that the loads are unaligned. */
	static const uint8_t buf[] = {0xee, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
	const uint8_t *p = buf + 1;

	(void)state;
	assert_int_equal(le16_load(p), 0x0201);
	assert_int_equal(be16_load(p), 0x0102);
	assert_int_equal(le32_load(p), 0x04030201u);
	assert_int_equal(be32_load(p), 0x01020304u);
	assert_true(le64_load(p) == 0x0807060504030201ull);
	assert_true(be64_load(p) == 0x0102030405060708ull);
}

static void test_endian_high_bits(void **state)
{
	/* Sign extension of a promoted byte would show in the top bits. */
	static const uint8_t ff[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80};

	(void)state;
	assert_int_equal(le16_load(ff), 0xffff);
	assert_int_equal(le32_load(ff), 0xffffffffu);
	assert_true(le64_load(ff) == 0x80ffffffffffffffull);
	assert_true(be64_load(ff) == 0xffffffffffffff80ull);
	assert_int_equal(be32_load(ff + 4), 0xffffff80u);
}

static void test_endian_stores(void **state)
{
	uint8_t b[10];
	static const uint8_t le[8] = {0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
	static const uint8_t be[8] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};

	(void)state;
	memset(b, 0xaa, sizeof b);
	le64_store(b + 1, 0x0102030405060708ull);
	assert_memory_equal(b + 1, le, 8);
	assert_int_equal(b[0], 0xaa);
	assert_int_equal(b[9], 0xaa);
	be64_store(b + 1, 0x0102030405060708ull);
	assert_memory_equal(b + 1, be, 8);

	memset(b, 0, sizeof b);
	le32_store(b, 0xdeadbeefu);
	assert_int_equal(b[0], 0xef);
	assert_int_equal(b[3], 0xde);
	be32_store(b, 0xdeadbeefu);
	assert_int_equal(b[0], 0xde);
	assert_int_equal(b[3], 0xef);
	le16_store(b, 0xbeef);
	assert_int_equal(b[0], 0xef);
	assert_int_equal(b[1], 0xbe);
	be16_store(b, 0xbeef);
	assert_int_equal(b[0], 0xbe);
	assert_int_equal(b[1], 0xef);
}

static void test_endian_round_trip(void **state)
{
	static const uint64_t vals[] = {0, 1, 0x80, 0xff, 0x8000, 0x80000000u,
					0x8000000000000000ull, UINT64_MAX, 0x0123456789abcdefull};
	uint8_t b[8];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		le64_store(b, vals[i]);
		assert_true(le64_load(b) == vals[i]);
		be64_store(b, vals[i]);
		assert_true(be64_load(b) == vals[i]);
		le32_store(b, (uint32_t)vals[i]);
		assert_true(le32_load(b) == (uint32_t)vals[i]);
		be32_store(b, (uint32_t)vals[i]);
		assert_true(be32_load(b) == (uint32_t)vals[i]);
		le16_store(b, (uint16_t)vals[i]);
		assert_true(le16_load(b) == (uint16_t)vals[i]);
		be16_store(b, (uint16_t)vals[i]);
		assert_true(be16_load(b) == (uint16_t)vals[i]);
	}
}

/* ----------------------------------------------------------- checked */

static void test_checked_overflow(void **state)
{
	uint64_t r;
	uint32_t r32;

	(void)state;
	assert_false(ovk_add_overflow(UINT64_MAX - 1, (uint64_t)1, &r));
	assert_true(r == UINT64_MAX);
	assert_true(ovk_add_overflow(UINT64_MAX, (uint64_t)1, &r));
	assert_false(ovk_mul_overflow((uint64_t)1 << 31, (uint64_t)1 << 32, &r));
	assert_true(r == (uint64_t)1 << 63);
	assert_true(ovk_mul_overflow((uint64_t)1 << 32, (uint64_t)1 << 32, &r));
	/* VMDK capacity in sectors times 512: the classic. */
	assert_true(ovk_mul_overflow((uint64_t)1 << 55, (uint64_t)512, &r));
	assert_true(ovk_sub_overflow((uint64_t)0, (uint64_t)1, &r));
	assert_false(ovk_sub_overflow((uint64_t)5, (uint64_t)5, &r));
	assert_true(r == 0);
	/* The result type decides: a 64-bit sum does not fit 32 bits. */
	assert_true(ovk_add_overflow((uint64_t)UINT32_MAX, (uint64_t)1, &r32));
}

static void test_checked_pow2(void **state)
{
	(void)state;
	assert_false(ovk_is_pow2(0));
	assert_true(ovk_is_pow2(1));
	assert_true(ovk_is_pow2(2));
	assert_false(ovk_is_pow2(3));
	assert_true(ovk_is_pow2(65536));
	assert_false(ovk_is_pow2(65536 + 512));
	assert_true(ovk_is_pow2((uint64_t)1 << 63));
	assert_false(ovk_is_pow2(UINT64_MAX));
}

static void test_checked_range(void **state)
{
	(void)state;
	assert_true(ovk_range_ok(0, 0, 0));
	assert_true(ovk_range_ok(0, 4096, 4096));
	assert_true(ovk_range_ok(4096, 0, 4096));
	assert_false(ovk_range_ok(4096, 1, 4096));
	assert_false(ovk_range_ok(1, 4096, 4096));
	assert_false(ovk_range_ok(4097, 0, 4096));
	/* off + len wraps to a small number: must still be refused. */
	assert_false(ovk_range_ok(UINT64_MAX, 2, 4096));
	assert_false(ovk_range_ok(2, UINT64_MAX, UINT64_MAX));
	assert_true(ovk_range_ok(1, UINT64_MAX - 1, UINT64_MAX));
}

static void test_checked_align_min_max(void **state)
{
	uint64_t r = 0;

	(void)state;
	assert_false(ovk_align_up_overflow(0, 512, &r));
	assert_true(r == 0);
	assert_false(ovk_align_up_overflow(1, 512, &r));
	assert_true(r == 512);
	assert_false(ovk_align_up_overflow(512, 512, &r));
	assert_true(r == 512);
	assert_false(ovk_align_up_overflow(513, 65536, &r));
	assert_true(r == 65536);
	assert_true(ovk_align_up_overflow(UINT64_MAX - 10, 512, &r));
	assert_false(ovk_align_up_overflow(UINT64_MAX - 511, 512, &r));
	assert_true(r == UINT64_MAX - 511);
	assert_true(ovk_min_u64(3, UINT64_MAX) == 3);
	assert_true(ovk_max_u64(3, UINT64_MAX) == UINT64_MAX);
}

/* ----------------------------------------------------------- options */

static void test_option_get(void **state)
{
	char buf[32];
	char small[4];

	(void)state;
	assert_int_equal(ovk_option_get("cluster_size=65536,compression_type=zstd",
					"cluster_size", buf, sizeof buf), 1);
	assert_string_equal(buf, "65536");
	assert_int_equal(ovk_option_get("cluster_size=65536,compression_type=zstd",
					"compression_type", buf, sizeof buf), 1);
	assert_string_equal(buf, "zstd");
	/* A key is a whole key, not a prefix or a suffix of one. */
	assert_int_equal(ovk_option_get("cluster_size=65536", "cluster", buf, sizeof buf), 0);
	assert_int_equal(ovk_option_get("xcluster_size=1", "cluster_size", buf, sizeof buf), 0);
	assert_int_equal(ovk_option_get("a=1", "b", buf, sizeof buf), 0);
	assert_int_equal(ovk_option_get("", "a", buf, sizeof buf), 0);
	assert_int_equal(ovk_option_get(NULL, "a", buf, sizeof buf), 0);
	/* An empty value is a value. */
	assert_int_equal(ovk_option_get("a=,b=2", "a", buf, sizeof buf), 1);
	assert_string_equal(buf, "");
	/* "1234" needs 5 bytes. */
	assert_int_equal(ovk_option_get("a=1234", "a", small, sizeof small), -1);
	assert_int_equal(ovk_option_get("a=123", "a", small, sizeof small), 1);
	assert_string_equal(small, "123");
}

static void test_options_check(void **state)
{
	static const char *const known[] = {"cluster_size", "compression_type", NULL};
	struct ovk_error err;

	(void)state;
	memset(&err, 0, sizeof err);
	assert_int_equal(ovk_options_check(NULL, known, "qcow2", &err), 0);
	assert_int_equal(ovk_options_check("cluster_size=4096", known, "qcow2", &err), 0);
	assert_int_equal(ovk_options_check("cluster_size=4096,compression_type=zlib", known,
					   "qcow2", &err), 0);
	assert_int_equal(ovk_options_check("cluster_size=4096,bogus=1", known, "qcow2", &err), -1);
	assert_non_null(strstr(err.msg, "bogus"));
	memset(&err, 0, sizeof err);
	/* A prefix of a known key is not that key. */
	assert_int_equal(ovk_options_check("cluster=4096", known, "qcow2", &err), -1);
	assert_non_null(strstr(err.msg, "cluster"));
	memset(&err, 0, sizeof err);
	assert_int_equal(ovk_options_check("a=1", NULL, "raw", &err), -1);
	assert_non_null(strstr(err.msg, "a"));
	assert_int_equal(ovk_options_check("bogus=1", known, "qcow2", NULL), -1);
}

static void test_parse_size(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(ovk_parse_size("0", &v), 0);
	assert_true(v == 0);
	assert_int_equal(ovk_parse_size("512", &v), 0);
	assert_true(v == 512);
	assert_int_equal(ovk_parse_size("64K", &v), 0);
	assert_true(v == 65536);
	assert_int_equal(ovk_parse_size("64k", &v), 0);
	assert_true(v == 65536);
	assert_int_equal(ovk_parse_size("2M", &v), 0);
	assert_true(v == 2097152);
	assert_int_equal(ovk_parse_size("5G", &v), 0);
	assert_true(v == 5368709120ull);
	assert_int_equal(ovk_parse_size("8T", &v), 0);
	assert_true(v == 8796093022208ull);
	assert_int_equal(ovk_parse_size("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);

	assert_int_equal(ovk_parse_size("", &v), -1);
	assert_int_equal(ovk_parse_size("K", &v), -1);
	assert_int_equal(ovk_parse_size("abc", &v), -1);
	assert_int_equal(ovk_parse_size("12x", &v), -1);
	assert_int_equal(ovk_parse_size("12KK", &v), -1);
	assert_int_equal(ovk_parse_size("-1", &v), -1);
	assert_int_equal(ovk_parse_size("18446744073709551616", &v), -1);
	/* 2^54 T overflows 64 bits only after the multiplication. */
	assert_int_equal(ovk_parse_size("16777216T", &v), -1);
	assert_int_equal(ovk_parse_size("99999999999999999999999G", &v), -1);
}

/* -------------------------------------------------------------- paths */

static void test_path_is_contained(void **state)
{
	(void)state;
	assert_true(ovk_path_is_contained("disk1.vmdk"));
	assert_true(ovk_path_is_contained("a/b"));
	assert_true(ovk_path_is_contained("a/b/c-flat.vmdk"));
	assert_true(ovk_path_is_contained("..a"));
	assert_true(ovk_path_is_contained("a.."));
	assert_true(ovk_path_is_contained("a/..b/c"));
	assert_true(ovk_path_is_contained("a/b.."));

	assert_false(ovk_path_is_contained(""));
	assert_false(ovk_path_is_contained("/etc/passwd"));
	assert_false(ovk_path_is_contained("/"));
	assert_false(ovk_path_is_contained(".."));
	assert_false(ovk_path_is_contained("../x"));
	assert_false(ovk_path_is_contained("a/../b"));
	assert_false(ovk_path_is_contained("a/.."));
	assert_false(ovk_path_is_contained("a/b/../../../etc/passwd"));
}

/* -------------------------------------------------------------- errors */

static void test_error_set_and_prefix(void **state)
{
	struct ovk_error err;

	(void)state;
	memset(&err, 0, sizeof err);
	assert_int_equal(ovk_error_set(&err, EINVAL, "grain table %d at sector %d: beyond end of file",
				       12, 8301), -1);
	assert_int_equal(err.errnum, EINVAL);
	assert_string_equal(err.msg, "grain table 12 at sector 8301: beyond end of file");
	assert_int_equal(ovk_error_prefix(&err, "%s", "disk1.vmdk"), -1);
	assert_int_equal(ovk_error_prefix(&err, "x.ova"), -1);
	assert_string_equal(err.msg, "x.ova: disk1.vmdk: grain table 12 at sector 8301: beyond end of file");
	assert_int_equal(err.errnum, EINVAL);

	assert_int_equal(ovk_error_sys(&err, ENOENT, "open %s", "a.raw"), -1);
	assert_int_equal(err.errnum, ENOENT);
	assert_string_equal(err.msg, "open a.raw: No such file or directory");

	/* NULL err is allowed everywhere. */
	assert_int_equal(ovk_error_set(NULL, EIO, "x"), -1);
	assert_int_equal(ovk_error_sys(NULL, EIO, "x"), -1);
	assert_int_equal(ovk_error_prefix(NULL, "x"), -1);
}

static void test_error_truncation(void **state)
{
	struct ovk_error err;
	char big[2000];
	int i;

	(void)state;
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	memset(&err, 0, sizeof err);
	ovk_error_set(&err, 0, "%s", big);
	assert_int_equal(strlen(err.msg), sizeof err.msg - 1);
	/* Prefixing a full message keeps it terminated and starts with the
	 * outer context. */
	for (i = 0; i < 3; i++)
		ovk_error_prefix(&err, "outer%d", i);
	assert_int_equal(strlen(err.msg), sizeof err.msg - 1);
	assert_memory_equal(err.msg, "outer2: outer1: outer0: xxx", 27);
	ovk_error_sys(&err, EIO, "%s", big);
	assert_int_equal(strlen(err.msg), sizeof err.msg - 1);
}

/* A list of names for one message: comma-separated, cut short and still
 * terminated when full, and nothing more added then. */
static void test_error_list(void **state)
{
	char list[16] = "";

	(void)state;
	ovk_error_list_add(list, sizeof list, "'%s'", "a");
	assert_string_equal(list, "'a'");
	ovk_error_list_add(list, sizeof list, "'%s'", "b");
	assert_string_equal(list, "'a', 'b'");
	ovk_error_list_add(list, sizeof list, "'%s'", "long name");
	assert_string_equal(list, "'a', 'b', 'long");
	ovk_error_list_add(list, sizeof list, "'%s'", "c");
	assert_string_equal(list, "'a', 'b', 'long");
}

/* --------------------------------------------------------------- blobs */

#define BLOB_SIZE (256 * 1024 + 100)   /* not a page multiple */

struct blob_fixture {
	char path[64];
	uint8_t *bytes;
};

static int blob_setup(void **state)
{
	struct blob_fixture *f = calloc(1, sizeof *f);
	size_t i;
	int fd;

	if (!f)
		return -1;
	f->bytes = malloc(BLOB_SIZE);
	if (!f->bytes)
		return -1;
	for (i = 0; i < BLOB_SIZE; i++)
		f->bytes[i] = (uint8_t)(i * 7 + (i >> 9));
	snprintf(f->path, sizeof f->path, "/tmp/ovk-test-core-XXXXXX");
	fd = mkstemp(f->path);
	if (fd < 0 || write(fd, f->bytes, BLOB_SIZE) != BLOB_SIZE || close(fd) != 0)
		return -1;
	*state = f;
	return 0;
}

static int blob_teardown(void **state)
{
	struct blob_fixture *f = *state;

	unlink(f->path);
	free(f->bytes);
	free(f);
	return 0;
}

static void test_blob_file(void **state)
{
	struct blob_fixture *f = *state;
	struct ovk_blob *b = NULL;
	struct ovk_error err;
	uint8_t buf[300];

	memset(&err, 0, sizeof err);
	assert_int_equal(ovk_blob_open_file(f->path, &b, &err), 0);
	assert_non_null(b);
	assert_true(ovk_blob_size(b) == BLOB_SIZE);
	assert_non_null(ovk_blob_data(b));
	assert_memory_equal(ovk_blob_data(b), f->bytes, BLOB_SIZE);
	assert_non_null(ovk_blob_name(b));
	assert_non_null(strstr(ovk_blob_name(b), "ovk-test-core-"));
	/* A file sits at its path: its siblings are resolved from there. */
	assert_string_equal(ovk_blob_location(b), f->path);
	assert_false(ovk_blob_is_block_device(b));
	assert_false(ovk_blob_is_stream(b));
	assert_true(ovk_blob_untouched(b));

	assert_int_equal(ovk_blob_pread(b, 1000, buf, sizeof buf, &err), 0);
	assert_memory_equal(buf, f->bytes + 1000, sizeof buf);
	assert_int_equal(ovk_blob_pread(b, BLOB_SIZE - sizeof buf, buf, sizeof buf, &err), 0);
	assert_memory_equal(buf, f->bytes + BLOB_SIZE - sizeof buf, sizeof buf);
	assert_int_equal(ovk_blob_pread(b, BLOB_SIZE - sizeof buf + 1, buf, sizeof buf, &err), -1);
	assert_true(err.msg[0] != '\0');
	assert_int_equal(ovk_blob_pread(b, UINT64_MAX - 10, buf, sizeof buf, &err), -1);

	/* The cursor API works on a mapped blob too. */
	assert_int_equal(ovk_blob_read(b, buf, 100, &err), 100);
	assert_memory_equal(buf, f->bytes, 100);
	assert_int_equal(ovk_blob_skip(b, 900, &err), 0);
	assert_int_equal(ovk_blob_read(b, buf, 100, &err), 100);
	assert_memory_equal(buf, f->bytes + 1000, 100);
	assert_int_equal(ovk_blob_skip(b, BLOB_SIZE - 1100 - 50, &err), 0);
	assert_int_equal(ovk_blob_read(b, buf, 100, &err), 50);
	assert_memory_equal(buf, f->bytes + BLOB_SIZE - 50, 50);
	assert_int_equal(ovk_blob_read(b, buf, 100, &err), 0);
	assert_false(ovk_blob_untouched(b));
	assert_true(ovk_blob_consumed(b) == BLOB_SIZE);

	ovk_blob_release_range(b, 0, BLOB_SIZE / 2);
	ovk_blob_release_range(b, 4096, 8192);
	/* Released pages are still readable (they come back from the file). */
	assert_memory_equal(ovk_blob_data(b), f->bytes, BLOB_SIZE);
	ovk_blob_free(b);
	ovk_blob_free(NULL);
}

static void test_blob_open_errors(void **state)
{
	struct ovk_blob *b = NULL;
	struct ovk_error err;

	(void)state;
	memset(&err, 0, sizeof err);
	assert_int_equal(ovk_blob_open_file("/nonexistent/ovk/x.raw", &b, &err), -1);
	assert_null(b);
	assert_int_equal(err.errnum, ENOENT);
	assert_non_null(strstr(err.msg, "No such file"));
	memset(&err, 0, sizeof err);
	assert_int_equal(ovk_blob_open_file("/tmp", &b, &err), -1);
	assert_null(b);
	assert_true(err.msg[0] != '\0');
}

static void test_blob_window(void **state)
{
	struct blob_fixture *f = *state;
	struct ovk_blob *b = NULL, *w = NULL, *w2 = NULL;
	struct ovk_error err;
	uint8_t buf[64];

	memset(&err, 0, sizeof err);
	assert_int_equal(ovk_blob_open_file(f->path, &b, &err), 0);
	assert_int_equal(ovk_blob_window(b, 4096, 10000, "x.ova:disk1.vmdk", "disk1.vmdk", &w,
					 &err), 0);
	assert_true(ovk_blob_size(w) == 10000);
	assert_ptr_equal(ovk_blob_data(w), ovk_blob_data(b) + 4096);
	assert_string_equal(ovk_blob_name(w), "x.ova:disk1.vmdk");
	assert_string_equal(ovk_blob_location(w), "disk1.vmdk");
	assert_int_equal(ovk_blob_pread(w, 0, buf, sizeof buf, &err), 0);
	assert_memory_equal(buf, f->bytes + 4096, sizeof buf);
	assert_int_equal(ovk_blob_pread(w, 10000 - 1, buf, 2, &err), -1);

	/* Out of range or wrapping windows are refused. */
	assert_int_equal(ovk_blob_window(b, BLOB_SIZE - 10, 11, "w", "w", &w2, &err), -1);
	assert_int_equal(ovk_blob_window(b, UINT64_MAX, 2, "w", "w", &w2, &err), -1);
	assert_null(w2);

	/* The window keeps the mapping alive after its parent is freed. */
	ovk_blob_free(b);
	assert_memory_equal(ovk_blob_data(w), f->bytes + 4096, 10000);
	ovk_blob_free(w);
}

/* A stream that hands out at most `step` bytes per call, like a
 * decompressor does. */
struct mem_stream {
	const uint8_t *bytes;
	size_t len, pos, step;
	int *closed;
};

static ssize_t mem_read(void *opaque, void *buf, size_t len, struct ovk_error *err)
{
	struct mem_stream *s = opaque;
	size_t n = len < s->step ? len : s->step;

	(void)err;
	if (n > s->len - s->pos)
		n = s->len - s->pos;
	memcpy(buf, s->bytes + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

static void mem_close(void *opaque)
{
	struct mem_stream *s = opaque;

	(*s->closed)++;
}

static void test_blob_stream(void **state)
{
	struct blob_fixture *f = *state;
	struct ovk_blob *b = NULL;
	struct ovk_error err;
	struct mem_stream s;
	const uint8_t *p = NULL;
	size_t got = 0;
	uint8_t *buf = malloc(BLOB_SIZE);
	int closed = 0;

	assert_non_null(buf);
	memset(&err, 0, sizeof err);
	s = (struct mem_stream){f->bytes, BLOB_SIZE, 0, 777, &closed};
	assert_int_equal(ovk_blob_stream("x.ova:disk1.vmdk", "disk1.vmdk", UINT64_MAX, mem_read,
					 &s, mem_close, &b, &err), 0);
	assert_null(ovk_blob_data(b));
	assert_true(ovk_blob_is_stream(b));
	assert_true(ovk_blob_size(b) == UINT64_MAX);
	assert_string_equal(ovk_blob_location(b), "disk1.vmdk");
	assert_true(ovk_blob_untouched(b));

	/* Peek more than one read call returns; peeking again is idempotent. */
	assert_int_equal(ovk_blob_peek(b, 4096, &p, &got, &err), 0);
	assert_int_equal(got, 4096);
	assert_memory_equal(p, f->bytes, 4096);
	assert_int_equal(ovk_blob_peek(b, 512, &p, &got, &err), 0);
	assert_int_equal(got, 512);
	assert_memory_equal(p, f->bytes, 512);
	/* Peeked bytes are not consumed. */
	assert_false(ovk_blob_untouched(b));
	assert_true(ovk_blob_consumed(b) == 0);

	/* Reads return the peeked bytes first, then continue the stream. */
	assert_int_equal(ovk_blob_read(b, buf, 100, &err), 100);
	assert_memory_equal(buf, f->bytes, 100);
	assert_int_equal(ovk_blob_read(b, buf, 5000, &err), 5000);
	assert_memory_equal(buf, f->bytes + 100, 5000);
	assert_int_equal(ovk_blob_skip(b, 10000, &err), 0);
	assert_int_equal(ovk_blob_read(b, buf, 1000, &err), 1000);
	assert_memory_equal(buf, f->bytes + 15100, 1000);
	assert_true(ovk_blob_consumed(b) == 16100);

	/* Short only at the end. */
	assert_int_equal(ovk_blob_read(b, buf, BLOB_SIZE, &err), BLOB_SIZE - 16100);
	assert_memory_equal(buf, f->bytes + 16100, BLOB_SIZE - 16100);
	assert_int_equal(ovk_blob_read(b, buf, 10, &err), 0);
	assert_int_equal(ovk_blob_peek(b, 10, &p, &got, &err), 0);
	assert_int_equal(got, 0);

	/* A stream has no random access. */
	assert_int_equal(ovk_blob_pread(b, 0, buf, 10, &err), -1);

	ovk_blob_free(b);
	assert_int_equal(closed, 1);
	free(buf);
}

/* A stream spilled to a temp file: the same bytes, mapped, from the byte
 * after what was consumed (peeked bytes included), with the stream's name
 * and location; the producer is read once, to its end; the stream is freed
 * as the copy is made; no file is left. */
static void note_count(void *opaque, const char *msg)
{
	(void)msg;
	(*(int *)opaque)++;
}

static void test_blob_spill(void **state)
{
	struct blob_fixture *f = *state;
	struct ovk_blob *b = NULL, *copy = NULL;
	struct ovk_error err;
	struct mem_stream s;
	const uint8_t *p;
	uint8_t buf[100];
	size_t got;
	int closed = 0, notes = 0;
	volatile sig_atomic_t cancel = 0;
	char dir[] = "/tmp/ovk-test-spill-XXXXXX";
	const struct ovk_spill_policy nowhere = { "/nonexistent-dir", NULL, NULL, NULL };
	const struct ovk_spill_policy here = { dir, &cancel, note_count, &notes };
	struct ovk_open_ctx ctx = { 0 };

	assert_non_null(mkdtemp(dir));
	s = (struct mem_stream){f->bytes, BLOB_SIZE, 0, 3000, &closed};
	assert_int_equal(ovk_blob_stream("x.ova:d.vmdk", "d.vmdk", BLOB_SIZE, mem_read, &s,
					 mem_close, &b, &err), 0);
	assert_int_equal(ovk_blob_read(b, buf, sizeof buf, &err), sizeof buf);
	assert_int_equal(ovk_blob_peek(b, 4096, &p, &got, &err), 0);

	/* No spill policy: refused, saying why. */
	assert_int_equal(ovk_spill(&ctx, b, "it needs random access", &copy, &err), -1);
	assert_int_equal(err.errnum, ENOTSUP);
	assert_non_null(strstr(err.msg, "it needs random access"));
	ctx.spill = &nowhere;
	assert_int_equal(ovk_spill(&ctx, b, "why", &copy, &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent-dir"));
	assert_int_equal(closed, 0);     /* the caller still owns it */

	ctx.spill = &here;
	assert_int_equal(ovk_spill(&ctx, b, "why", &copy, &err), 0);
	assert_int_equal(notes, 1);
	assert_non_null(ovk_blob_data(copy));
	assert_false(ovk_blob_is_stream(copy));
	assert_int_equal(ovk_blob_size(copy), BLOB_SIZE - sizeof buf);
	assert_memory_equal(ovk_blob_data(copy), f->bytes + sizeof buf, BLOB_SIZE - sizeof buf);
	assert_string_equal(ovk_blob_name(copy), "x.ova:d.vmdk");
	assert_string_equal(ovk_blob_location(copy), "d.vmdk");
	/* Every byte came from the producer once, in order, and the stream
	 * went with the copy's making. */
	assert_int_equal(s.pos, BLOB_SIZE);
	assert_int_equal(closed, 1);
	assert_int_equal(rmdir(dir), 0);   /* empty: the copy has no name */
	ovk_blob_free(copy);
	assert_int_equal(closed, 1);

	/* Cancelled: an error, and the caller keeps the stream. */
	assert_non_null(mkdtemp(strcpy(dir, "/tmp/ovk-test-spill-XXXXXX")));
	s = (struct mem_stream){f->bytes, BLOB_SIZE, 0, 3000, &closed};
	assert_int_equal(ovk_blob_stream("s", "s", BLOB_SIZE, mem_read, &s, mem_close, &b, &err),
			 0);
	cancel = 1;
	assert_int_equal(ovk_spill(&ctx, b, "why", &copy, &err), -1);
	assert_int_equal(err.errnum, ECANCELED);
	assert_int_equal(closed, 1);
	ovk_blob_free(b);
	assert_int_equal(closed, 2);
	assert_int_equal(rmdir(dir), 0);
}

/* A resolver that records the location it is asked for and hands out a
 * window of one blob. */
struct rec_resolver {
	struct ovk_resolver r;
	const struct ovk_blob *target;
	char asked[256];
	unsigned flags;
};

static int rec_open(const struct ovk_resolver *r, const char *location, unsigned flags,
		    struct ovk_blob **out, struct ovk_error *err)
{
	struct rec_resolver *rr = (struct rec_resolver *)r;

	snprintf(rr->asked, sizeof rr->asked, "%s", location);
	rr->flags = flags;
	return ovk_blob_window(rr->target, 0, ovk_blob_size(rr->target), location, location, out,
			       err);
}

/* Siblings: a name is joined to the directory of the blob that names it,
 * refused when absolute or climbing out (unless unsafe paths are allowed),
 * and opened through the context's resolver (the host's by default). */
static void test_open_sibling(void **state)
{
	struct blob_fixture *f = *state;
	struct rec_resolver rr = { .r = { rec_open } };
	struct ovk_open_ctx ctx = { 0 };
	struct ovk_blob *b = NULL, *desc = NULL, *sib = NULL;
	struct ovk_error err;
	const char *base = strrchr(f->path, '/') + 1;

	memset(&err, 0, sizeof err);
	assert_int_equal(ovk_blob_open_file(f->path, &b, &err), 0);

	/* The host file system: beside the file. */
	assert_int_equal(ovk_open_sibling(&ctx, b, base, &sib, &err), 0);
	assert_string_equal(ovk_blob_location(sib), f->path);
	assert_memory_equal(ovk_blob_data(sib), f->bytes, BLOB_SIZE);
	ovk_blob_free(sib);
	sib = NULL;
	assert_int_equal(ovk_open_sibling(&ctx, b, "../etc/passwd", &sib, &err), -1);
	assert_int_equal(err.errnum, EPERM);
	assert_null(sib);
	assert_int_equal(ovk_open_sibling(&ctx, b, f->path, &sib, &err), -1);
	assert_int_equal(err.errnum, EPERM);
	assert_null(sib);
	ctx.flags = OVK_OPEN_UNSAFE_PATHS;
	assert_int_equal(ovk_open_sibling(&ctx, b, f->path, &sib, &err), 0);
	assert_int_equal(ovk_blob_size(sib), BLOB_SIZE);
	ovk_blob_free(sib);
	sib = NULL;

	/* Another resolver: it is asked for the joined location, with the
	 * context's flags. */
	rr.target = b;
	ctx.flags = 0;
	ctx.resolver = &rr.r;
	assert_int_equal(ovk_blob_window(b, 0, 512, "x.ova:sub/d.vmdk", "sub/d.vmdk", &desc, &err),
			 0);
	assert_int_equal(ovk_open_sibling(&ctx, desc, "d-flat.vmdk", &sib, &err), 0);
	assert_string_equal(rr.asked, "sub/d-flat.vmdk");
	assert_int_equal(rr.flags, 0);
	ovk_blob_free(sib);
	sib = NULL;
	rr.asked[0] = '\0';
	assert_int_equal(ovk_open_sibling(&ctx, desc, "../d-flat.vmdk", &sib, &err), -1);
	assert_string_equal(rr.asked, "");     /* refused before the resolver */
	ctx.flags = OVK_OPEN_UNSAFE_PATHS;
	assert_int_equal(ovk_open_sibling(&ctx, desc, "../d-flat.vmdk", &sib, &err), 0);
	assert_string_equal(rr.asked, "sub/../d-flat.vmdk");
	assert_int_equal(rr.flags, OVK_OPEN_UNSAFE_PATHS);
	ovk_blob_free(sib);
	ovk_blob_free(desc);
	ovk_blob_free(b);
}

static void test_blob_stream_short_peek(void **state)
{
	static const uint8_t bytes[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	struct ovk_blob *b = NULL;
	struct ovk_error err;
	struct mem_stream s;
	const uint8_t *p = NULL;
	size_t got = 0;
	uint8_t buf[16];
	int closed = 0;

	(void)state;
	s = (struct mem_stream){bytes, sizeof bytes, 0, 3, &closed};
	assert_int_equal(ovk_blob_stream("s", "s", sizeof bytes, mem_read, &s, mem_close, &b, &err),
			 0);
	assert_int_equal(ovk_blob_peek(b, 4096, &p, &got, &err), 0);
	assert_int_equal(got, sizeof bytes);
	assert_memory_equal(p, bytes, sizeof bytes);
	assert_int_equal(ovk_blob_read(b, buf, sizeof buf, &err), sizeof bytes);
	assert_memory_equal(buf, bytes, sizeof bytes);
	/* Skipping past the end is an error: the data the caller expected is
	 * not there. */
	assert_int_equal(ovk_blob_skip(b, 1, &err), -1);
	ovk_blob_free(b);
	assert_int_equal(closed, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endian_loads),
		cmocka_unit_test(test_endian_high_bits),
		cmocka_unit_test(test_endian_stores),
		cmocka_unit_test(test_endian_round_trip),
		cmocka_unit_test(test_checked_overflow),
		cmocka_unit_test(test_checked_pow2),
		cmocka_unit_test(test_checked_range),
		cmocka_unit_test(test_checked_align_min_max),
		cmocka_unit_test(test_option_get),
		cmocka_unit_test(test_options_check),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_path_is_contained),
		cmocka_unit_test(test_error_set_and_prefix),
		cmocka_unit_test(test_error_truncation),
		cmocka_unit_test(test_error_list),
		cmocka_unit_test(test_blob_open_errors),
		cmocka_unit_test_setup_teardown(test_blob_file, blob_setup, blob_teardown),
		cmocka_unit_test_setup_teardown(test_blob_window, blob_setup, blob_teardown),
		cmocka_unit_test_setup_teardown(test_blob_stream, blob_setup, blob_teardown),
		cmocka_unit_test_setup_teardown(test_blob_spill, blob_setup, blob_teardown),
		cmocka_unit_test_setup_teardown(test_open_sibling, blob_setup, blob_teardown),
		cmocka_unit_test(test_blob_stream_short_peek),
	};

	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}

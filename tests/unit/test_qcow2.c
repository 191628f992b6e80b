/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_qcow2.c: the qcow2 writer and reader (src/qcow2) through their
 * internals.
 *
 * What only a unit test can check:
 *   - the writer fed extents directly, as no conversion feeds them: pieces
 *     that start and end inside clusters, DATA that is all zero, a tail
 *     that is not a whole sector; `qemu-img check` must find no errors or
 *     leaks and `qemu-img compare` must find the layout, and our reader
 *     must read it back (deferred extents for compressed clusters);
 *   - the writer's option errors, the reader's backing name and format,
 *     its extent types and its refusal of an absolute backing path;
 *   - hostile headers and tables, built by poking one field of a valid
 *     image (as qemu-iotests do), refused with a message naming the
 *     problem, the intact image read back first as a control.
 *
 * The qemu-img matrices (cluster sizes, compression, images of many shapes
 * written by qemu-img and read back, overlays) are
 * tests/images/test_qcow2.sh's, through ova-convert.
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit_support.h"

#include "core/blob.h"
#include "core/endian.h"
#include "core/extent.h"
#include "core/format.h"
#include "core/zero.h"
#include "engine/engine.h"
#include "extent_support.h"
#include "qcow2/qcow2.h"

/* The format's ops table, which only the engine's registry names. */
extern const struct ovk_format ovk_format_qcow2;


static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", ut_tmpdir, name);
}

/* qemu-img check: clean and no leaks (exit 0 covers both). */
static void assert_qemu_clean(const char *qcow2)
{
	int rc = ut_sh("qemu-img check -q '%s' >/dev/null 2>&1", qcow2);

	if (rc != 0) {
		ut_sh("qemu-img check '%s' | head -20 >&2", qcow2);
		fail_msg("qemu-img check %s: exit %d", qcow2, rc);
	}
}

static void assert_qemu_same(const char *raw, const char *qcow2)
{
	int rc = ut_sh("qemu-img compare -q -f raw -F qcow2 '%s' '%s' 2>&1", raw, qcow2);

	if (rc != 0)
		fail_msg("qemu-img compare %s %s: exit %d", raw, qcow2, rc);
}

static void write_file(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *buf;

	assert_non_null(f);
	assert_int_equal(fstat(fileno(f), &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

/* Deterministic bytes: random-looking, or text that compresses. */
static void fill(uint8_t *p, size_t len, uint32_t seed, int compressible)
{
	static const char text[] = "qcow2 clusters, L2 tables and refcounts. ";

	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = compressible ? (uint8_t)text[(i + (seed >> 28)) % (sizeof text - 1)]
				    : (uint8_t)(seed >> 16);
	}
}

/* ------------------------------------------------------------- writer */

struct piece {
	uint64_t len;
	enum ovk_extent_type type;
	int content;   /* DATA: 0 random, 1 compressible, 2 all zero */
};

/* A disk that exercises every path: data that straddles clusters, a zero
 * run, data that is all zero, a tail that is not a whole sector. */
static const struct piece layout[] = {
	{ 100 << 10, OVK_EXTENT_DATA, 0 },
	{ 900 << 10, OVK_EXTENT_ZERO, 0 },
	{ 300, OVK_EXTENT_DATA, 0 },
	{ (1 << 20) - 300, OVK_EXTENT_UNALLOCATED, 0 },
	{ 3 << 19, OVK_EXTENT_DATA, 1 },
	{ 200 << 10, OVK_EXTENT_DATA, 2 },
	{ (1 << 20) - (200 << 10) - (1 << 19), OVK_EXTENT_UNALLOCATED, 0 },
	{ (1 << 20) + 1000, OVK_EXTENT_DATA, 1 },
};

static uint64_t layout_size(void)
{
	uint64_t s = 0;

	for (size_t i = 0; i < sizeof layout / sizeof layout[0]; i++)
		s += layout[i].len;
	return s;
}

static uint8_t *layout_bytes(void)
{
	uint64_t off = 0, size = layout_size();
	uint8_t *buf = calloc(1, (size_t)size);

	assert_non_null(buf);
	for (size_t i = 0; i < sizeof layout / sizeof layout[0]; i++) {
		if (layout[i].type == OVK_EXTENT_DATA && layout[i].content != 2)
			fill(buf + off, (size_t)layout[i].len, (uint32_t)i + 1, layout[i].content);
		off += layout[i].len;
	}
	return buf;
}

static int open_sink(const char *path, uint64_t size, const char *options, int compress,
		     struct ovk_sink **sink, struct ovk_error *err)
{
	struct ovk_sink_params p = { 0 };
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	p.fd = fd;
	p.name = path;
	p.size = size;
	p.compress = compress;
	p.options = options;
	return ovk_format_qcow2.open_sink(&p, sink, err);
}

/* Feed the whole disk as the engine does (core/extent.h): whole clusters,
 * all-zero ones as ZERO runs, the others as DATA, one by one and with
 * their encoding when the sink names a codec (encoded_len 0 when it does
 * not shrink the cluster). */
static void feed_disk(struct ovk_sink *sink, const uint8_t *disk, uint64_t size)
{
	struct ovk_error err = { 0 };
	uint64_t bs = sink->block_size;
	uint8_t *padded = calloc(1, bs), *enc = calloc(1, bs);

	assert_non_null(padded);
	assert_non_null(enc);
	for (uint64_t off = 0; off < size; off += bs) {
		uint64_t len = size - off < bs ? size - off : bs;
		struct ovk_block_run r = { off, len, OVK_EXTENT_ZERO, NULL, NULL, 0 };

		if (!ovk_is_zero(disk + off, (size_t)len)) {
			r.type = OVK_EXTENT_DATA;
			r.data = disk + off;
		}
		if (r.type == OVK_EXTENT_DATA && sink->codec != OVK_CODEC_NONE) {
			memset(padded, 0, bs);
			memcpy(padded, disk + off, (size_t)len);
			if (ovk_codec_encode(sink->codec, sink->codec_level, padded, bs, enc,
					     sink->encode_cap, &r.encoded_len, &err) < 0)
				fail_msg("encode: %s", err.msg);
			r.encoded = enc;
		}
		if (sink->ops->write(sink, &r, &err) < 0)
			fail_msg("write: %s", err.msg);
	}
	free(padded);
	free(enc);
}

static void write_layout(const char *options, int compress)
{
	char raw[4200], q[4200];
	struct ovk_error err = { 0 };
	struct ovk_sink *sink;
	uint64_t size = layout_size();
	uint8_t *disk = layout_bytes();

	path_of(raw, sizeof raw, "layout.raw");
	path_of(q, sizeof q, "layout.qcow2");
	write_file(raw, disk, (size_t)size);
	if (open_sink(q, size, options, compress, &sink, &err) < 0)
		fail_msg("open_sink(%s): %s", options, err.msg);
	feed_disk(sink, disk, size);
	if (sink->ops->finish(sink, &err) < 0)
		fail_msg("finish(%s): %s", options, err.msg);
	assert_qemu_clean(q);
	assert_qemu_same(raw, q);
	free(disk);
}

static void test_writer_options(void **state)
{
	char q[4200];
	struct ovk_error err = { 0 };
	struct ovk_sink *sink = NULL;

	(void)state;
	path_of(q, sizeof q, "opt.qcow2");
	assert_int_equal(open_sink(q, 1 << 20, "cluster_size=3000", 0, &sink, &err), -1);
	assert_non_null(strstr(err.msg, "cluster_size"));
	assert_int_equal(open_sink(q, 1 << 20, "cluster_size=4M", 0, &sink, &err), -1);
	assert_int_equal(open_sink(q, 1 << 20, "cluster_size=256", 0, &sink, &err), -1);
	assert_int_equal(open_sink(q, 1 << 20, "compression_type=lz4", 0, &sink, &err), -1);
	assert_non_null(strstr(err.msg, "compression_type"));
	assert_int_equal(open_sink(q, 1 << 20, "preallocation=full", 0, &sink, &err), -1);
	/* 512-byte clusters map at most 128 GiB (qemu's 32 MiB L1 limit). */
	assert_int_equal(open_sink(q, (uint64_t)1 << 40, "cluster_size=512", 0, &sink, &err), -1);
	assert_non_null(strstr(err.msg, "too large"));
	assert_int_equal(open_sink(q, 1 << 20, "cluster_size=64k", 0, &sink, &err), 0);
	assert_int_equal(sink->block_size, 65536);
	sink->ops->abort(sink);
}

/* ------------------------------------------------------------- reader */

struct walk {
	uint8_t *buf;
	uint64_t size;
	unsigned stored, encoded, zero, unalloc;
	char backing[256], backing_format[64];
};

/* Open path with its backing chain, as the engine does, and close it. */
static int open_chain(const char *path, unsigned flags, struct ovk_error *err)
{
	const struct ovk_open_ctx ctx = { .flags = flags };
	struct ovk_chain chain;
	struct ovk_blob *blob;

	if (ovk_blob_open_file(path, &blob, err) < 0 ||
	    ovk_chain_open_blob(blob, NULL, &ctx, &chain, err) < 0)
		return -1;
	ovk_chain_close(&chain);
	return 0;
}

static int walk_image(const char *path, unsigned flags, struct walk *w, struct ovk_error *err)
{
	const struct ovk_open_ctx ctx = { .flags = flags };
	struct ovk_blob *blob = NULL;
	struct ovk_source *src = NULL;
	struct ovk_extent e;
	uint64_t pos = 0;
	int r;

	memset(w, 0, sizeof *w);
	if (ovk_blob_open_file(path, &blob, err) < 0)
		return -1;
	if (ovk_format_qcow2.open_source(blob, &ctx, &src, err) < 0) {
		ovk_blob_free(blob);
		return -1;
	}
	w->size = src->size;
	w->buf = calloc(1, (size_t)src->size + 1);
	assert_non_null(w->buf);
	snprintf(w->backing, sizeof w->backing, "%s", src->backing_name ? src->backing_name : "");
	snprintf(w->backing_format, sizeof w->backing_format, "%s",
		 src->backing_format ? src->backing_format : "");
	while ((r = src->ops->next(src, &e, err)) == 1) {
		assert_true(e.offset == pos && e.length > 0);
		if (e.type == OVK_EXTENT_DATA) {
			if (ut_extent_bytes(src, &e, 0, e.length, w->buf + e.offset, err) < 0) {
				r = -1;
				break;
			}
			if (e.encoded)
				w->encoded++;
			else
				w->stored++;
		} else if (e.type == OVK_EXTENT_ZERO) {
			w->zero++;
		} else {
			w->unalloc++;
		}
		pos += e.length;
	}
	if (r == 0)
		assert_true(pos == src->size);
	ovk_source_close(src);
	return r;
}

static void make_raw(const char *path, uint64_t size)
{
	uint8_t *buf = calloc(1, (size_t)size);

	assert_non_null(buf);
	fill(buf, 1 << 20, 7, 0);
	fill(buf + (2 << 20), 1 << 20, 8, 1);
	fill(buf + size - 5000, 5000, 9, 1);
	write_file(path, buf, (size_t)size);
	free(buf);
}

/* Read a qemu-made image back through our source: the bytes of `raw`, and
 * some extents deferred (compressed clusters) or direct. */
static void read_back(const char *q, const char *raw, int want_encoded)
{
	struct ovk_error err = { 0 };
	struct walk w;
	size_t len;
	uint8_t *ref;

	if (walk_image(q, 0, &w, &err) < 0)
		fail_msg("%s: %s", q, err.msg);
	ref = read_file(raw, &len);
	assert_true(w.size == len);
	assert_memory_equal(w.buf, ref, len);
	assert_true(want_encoded ? w.encoded > 0 : w.stored > 0);
	free(ref);
	free(w.buf);
}

static void test_reader_zero_and_backing(void **state)
{
	char base[4200], top[4200], ref[4200];
	struct ovk_error err = { 0 };
	struct walk w;

	(void)state;
	path_of(base, sizeof base, "base.raw");
	path_of(top, sizeof top, "top.qcow2");
	path_of(ref, sizeof ref, "top.raw");
	make_raw(base, 4 << 20);
	assert_int_equal(ut_sh("cd '%s' && qemu-img create -q -f qcow2 -b base.raw -F raw top.qcow2 && "
			    "qemu-io -c 'write -P 0x5a 64k 64k' -c 'write -z 1M 128k' top.qcow2 >/dev/null",
			    ut_tmpdir), 0);
	if (walk_image(top, 0, &w, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(w.backing, "base.raw");
	assert_string_equal(w.backing_format, "raw");
	assert_true(w.zero >= 1 && w.unalloc >= 1 && w.stored >= 1);
	/* Only what the overlay holds is checked here; the engine layers. */
	for (size_t i = 64 << 10; i < 128 << 10; i++)
		assert_int_equal(w.buf[i], 0x5a);
	for (size_t i = 1 << 20; i < (1 << 20) + (128 << 10); i++)
		assert_int_equal(w.buf[i], 0);
	free(w.buf);

	/* An absolute backing path is recorded as it is, and refused where
	 * the engine opens it, unless asked for. */
	assert_int_equal(ut_sh("cd '%s' && qemu-img create -q -f qcow2 -b '%s' -F raw abs.qcow2",
			    ut_tmpdir, base), 0);
	path_of(top, sizeof top, "abs.qcow2");
	assert_int_equal(walk_image(top, 0, &w, &err), 0);
	assert_string_equal(w.backing, base);
	free(w.buf);
	assert_int_equal(open_chain(top, 0, &err), -1);
	assert_non_null(strstr(err.msg, "backing file of"));
	assert_non_null(strstr(err.msg, "absolute"));
	assert_int_equal(open_chain(top, OVK_OPEN_UNSAFE_PATHS, &err), 0);
}

/* The layout fed straight into the sink, judged by qemu-img, then read
 * back by our reader: plain at 2 MiB clusters (no piece ends on a cluster
 * boundary), and compressed at 4 KiB (clusters encoded one by one,
 * as the engine does, partial ones not). */
static void round_trip(const char *options, int compress)
{
	char q[4200];
	struct ovk_error err = { 0 };
	struct walk w;
	uint8_t *disk = layout_bytes();

	write_layout(options, compress);
	path_of(q, sizeof q, "layout.qcow2");
	if (walk_image(q, 0, &w, &err) < 0)
		fail_msg("%s", err.msg);
	/* qemu's view: the size rounded up to a sector. */
	assert_true(w.size == (layout_size() + 511) / 512 * 512);
	assert_memory_equal(w.buf, disk, (size_t)layout_size());
	assert_true(compress ? w.encoded > 0 : w.stored > 0);
	free(w.buf);
	free(disk);
}

static void test_round_trip(void **state)
{
	(void)state;
	round_trip("cluster_size=2M", 0);
	round_trip("cluster_size=4k,compression_type=zstd", 1);
}

/* ------------------------------------------------------------- hostile */

/* Poke `len` bytes at `off` of a copy of a valid image, write it, and
 * expect opening or walking it to fail with `want` in the message. */
static void expect_refused(const uint8_t *img, size_t img_len, size_t off, const void *bytes,
			   size_t len, const char *want)
{
	char bad[4200];
	struct ovk_error err = { 0 };
	struct walk w;
	uint8_t *copy = malloc(img_len);

	assert_non_null(copy);
	memcpy(copy, img, img_len);
	memcpy(copy + off, bytes, len);
	path_of(bad, sizeof bad, "bad.qcow2");
	write_file(bad, copy, img_len);
	if (walk_image(bad, 0, &w, &err) == 0)
		fail_msg("poke at %zu accepted (wanted '%s')", off, want);
	if (!strstr(err.msg, want))
		fail_msg("poke at %zu: '%s' does not mention '%s'", off, err.msg, want);
	free(w.buf);   /* a walk that failed midway */
	free(copy);
}

static void be32(uint8_t b[4], uint32_t v)
{
	be32_store(b, v);
}

static void test_hostile_headers(void **state)
{
	char raw[4200], q[4200];
	uint8_t b4[4], b8[8];
	uint64_t l1_off, l2_off;
	size_t len;
	uint8_t *img;

	(void)state;
	path_of(raw, sizeof raw, "h.raw");
	path_of(q, sizeof q, "h.qcow2");
	make_raw(raw, 4 << 20);
	assert_int_equal(ut_sh("qemu-img convert -f raw -O qcow2 '%s' '%s'", raw, q), 0);
	read_back(q, raw, 0);   /* the control: intact, it reads */
	img = read_file(q, &len);
	l1_off = be64_load(img + 40);
	l2_off = be64_load(img + l1_off) & QCOW2_OFFSET_MASK;

	be32(b4, 3);
	expect_refused(img, len, 20, b4, 4, "cluster_bits");          /* 8-byte clusters */
	be32(b4, 22);
	expect_refused(img, len, 20, b4, 4, "cluster_bits");          /* 4 MiB clusters */
	be32(b4, 4);
	expect_refused(img, len, 4, b4, 4, "version");
	be32(b4, 1);
	expect_refused(img, len, 32, b4, 4, "encrypted");
	be32(b4, 0);
	expect_refused(img, len, 36, b4, 4, "too small");             /* L1 size 0 */
	be32(b4, 5u << 20);
	expect_refused(img, len, 36, b4, 4, "L1 table");              /* above qemu's limit */
	be64_store(b8, (uint64_t)1 << 40);
	expect_refused(img, len, 40, b8, 8, "beyond end of file");    /* L1 offset */
	be64_store(b8, l1_off + 8);
	expect_refused(img, len, 40, b8, 8, "not aligned");
	be64_store(b8, 1ull << 5);
	expect_refused(img, len, 72, b8, 8, "unsupported incompatible");
	be64_store(b8, QCOW2_INCOMPAT_DATA_FILE);
	expect_refused(img, len, 72, b8, 8, "external data");
	/* The bit turns 8-byte L2 entries into 16-byte ones: the data entries
	 * of this image then read as bitmaps that allocate subclusters at host
	 * offset 0, which must be refused, not read. */
	be64_store(b8, QCOW2_INCOMPAT_EXTL2);
	expect_refused(img, len, 72, b8, 8, "subcluster");
	be64_store(b8, QCOW2_INCOMPAT_COMPRESSION);
	expect_refused(img, len, 72, b8, 8, "compression");           /* type still 0 */
	be32(b4, 7);
	expect_refused(img, len, 96, b4, 4, "refcount_order");
	be32(b4, 100);
	expect_refused(img, len, 100, b4, 4, "header_length");
	be64_store(b8, 65530);
	expect_refused(img, len, 8, b8, 8, "backing file name");      /* name past cluster 0 */
	be32(b4, 1u << 30);
	expect_refused(img, len, 56, b4, 4, "refcount table");
	/* Tables: an L2 table beyond the file, reserved bits, unaligned data. */
	be64_store(b8, QCOW2_OFLAG_COPIED | ((uint64_t)1 << 40));
	expect_refused(img, len, (size_t)l1_off, b8, 8, "beyond end of file");
	be64_store(b8, QCOW2_OFLAG_COPIED | l2_off | 1);
	expect_refused(img, len, (size_t)l1_off, b8, 8, "reserved bits");
	be64_store(b8, QCOW2_OFLAG_COPIED | (l2_off + 4096));
	expect_refused(img, len, (size_t)l2_off, b8, 8, "not cluster aligned");
	be64_store(b8, QCOW2_OFLAG_COPIED);
	expect_refused(img, len, (size_t)l2_off, b8, 8, "host offset 0");
	be64_store(b8, QCOW2_OFLAG_COMPRESSED | ((uint64_t)1 << 50));
	expect_refused(img, len, (size_t)l2_off, b8, 8, "outside the file");
	expect_refused(img, 50, 0, "Q", 1, "too short");
	free(img);
}

/* Deflate data that does not fill a cluster is refused, as zlib agrees. */
static void test_bad_compressed_data(void **state)
{
	char raw[4200], q[4200];
	uint8_t b8[8];
	size_t len;
	uint8_t *img;
	uint64_t l1_off, l2_off, e, host;

	(void)state;
	path_of(raw, sizeof raw, "c.raw");
	path_of(q, sizeof q, "c.qcow2");
	make_raw(raw, 4 << 20);
	assert_int_equal(ut_sh("qemu-img convert -c -f raw -O qcow2 '%s' '%s'", raw, q), 0);
	read_back(q, raw, 1);   /* the control: intact, it reads, deferred */
	img = read_file(q, &len);
	l1_off = be64_load(img + 40);
	l2_off = be64_load(img + l1_off) & QCOW2_OFFSET_MASK;
	/* cluster 32 (2 MiB) holds compressible text: compressed by qemu */
	e = be64_load(img + l2_off + 8 * 32);
	assert_true(e & QCOW2_OFLAG_COMPRESSED);
	host = e & ((1ull << ovk_qcow2_csize_shift(16)) - 1);
	memset(b8, 0xff, sizeof b8);
	expect_refused(img, len, (size_t)host, b8, 8, "compressed cluster");
	free(img);
}

static void test_probe(void **state)
{
	uint8_t head[512] = { 0 };

	(void)state;
	assert_int_equal(ovk_format_qcow2.probe(head, sizeof head, sizeof head), OVK_PROBE_NO);
	be32_store(head, QCOW2_MAGIC);
	be32_store(head + 4, 3);
	be32_store(head + 20, 16);
	assert_int_equal(ovk_format_qcow2.probe(head, sizeof head, sizeof head), OVK_PROBE_SURE);
	assert_int_equal(ovk_format_qcow2.probe(head, 10, 10), OVK_PROBE_NO);
}

static int setup(void **state)
{
	(void)state;
	return ut_scratch_setup("test_qcow2", 1);
}

static int teardown(void **state)
{
	(void)state;
	return ut_scratch_teardown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_writer_options),
		cmocka_unit_test(test_reader_zero_and_backing),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_hostile_headers),
		cmocka_unit_test(test_bad_compressed_data),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

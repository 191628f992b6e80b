/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_engine.c: the engine's pipeline and layers against a scripted source
 * and a recording sink (STYLE.md #3), with 1 and with 8 threads.
 *
 * A scripted source yields extents from a table: holes, DATA stored in a
 * file (the engine preads it), DATA in buffers it hands over (a stream's),
 * and DATA encoded (XOR 0x5a, decoded by read(), deferred to the workers),
 * with failures at chosen points.  The guest bytes are a function of the
 * offset, so the recording sink can rebuild the image and compare it with
 * what the script says, while it checks every promise of the sink contract
 * (core/extent.h): runs ascending and tiling [0, size), whole blocks, no
 * all-zero DATA block, one block per encoding.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/codec.h"
#include "core/error.h"
#include "engine/engine.h"

#define KIB 1024u
#define MIB (1024u * 1024u)
#define XOR_KEY 0x5a

/* ------------------------------------------------------------ the script */

enum form { HOLE_UNALLOC, HOLE_ZERO, STORED, BUFFER, ENCODED, ZERO_DATA };

struct step {
	enum form form;
	uint64_t length;
};

struct script_src {
	struct ovk_source src;
	const struct step *steps;
	size_t n_steps, next;
	uint64_t pos;
	uint8_t seed;
	struct ovk_blob *file;          /* STORED and ENCODED bytes */
	int fail_next_at;               /* next() fails at this step, or -1 */
	int fail_read_at;               /* read() fails for this step, or -1 */
	int reads;                      /* read() calls (workers: atomic) */
};

/* Guest byte at off of a source with this seed: never a zero run by chance. */
static uint8_t pattern(uint8_t seed, uint64_t off)
{
	return (uint8_t)(((off * 2654435761u) >> 13) ^ seed) | 1;
}

static int script_next(struct ovk_source *s, struct ovk_extent *e, struct ovk_error *err)
{
	struct script_src *ss = (struct script_src *)s;
	const struct step *st;
	uint8_t *buf;

	if (ss->next == ss->n_steps)
		return 0;
	if ((int)ss->next == ss->fail_next_at)
		return ovk_error_set(err, EIO, "script: next() fails at step %zu", ss->next);
	st = &ss->steps[ss->next];
	switch (st->form) {
	case HOLE_UNALLOC:
		ovk_extent_hole(e, ss->pos, st->length, OVK_EXTENT_UNALLOCATED);
		break;
	case HOLE_ZERO:
		ovk_extent_hole(e, ss->pos, st->length, OVK_EXTENT_ZERO);
		break;
	case STORED:
	case ZERO_DATA:
		ovk_extent_stored(e, ss->pos, st->length, ss->file, ss->pos);
		break;
	case BUFFER:
		assert_non_null(buf = malloc(st->length));
		for (uint64_t i = 0; i < st->length; i++)
			buf[i] = pattern(ss->seed, ss->pos + i);
		ovk_extent_buffer(e, ss->pos, st->length, buf, st->length, 0);
		break;
	case ENCODED:
		/* the file holds the XORed bytes at the guest offset */
		ovk_extent_encoded(e, ss->pos, st->length, ss->file, ss->pos, st->length);
		e->token = ss->next;
		break;
	}
	ss->pos += st->length;
	ss->next++;
	return 1;
}

static int script_read(const struct ovk_source *s, const struct ovk_extent *e, uint8_t *dst,
		       struct ovk_error *err)
{
	struct script_src *ss = (struct script_src *)s;
	const uint8_t *in;
	size_t len;

	/* Workers call this: no cmocka assertion here, a failed run says it. */
	__atomic_add_fetch(&ss->reads, 1, __ATOMIC_RELAXED);
	if ((int)e->token == ss->fail_read_at)
		return ovk_error_set(err, EINVAL, "script: read() fails for step %d",
				     (int)e->token);
	in = ovk_extent_encoded_bytes(e, &len);
	if (!in || len != e->length)
		return ovk_error_set(err, EINVAL, "contract: read() got %zu input bytes for "
				     "%llu", in ? len : 0, (unsigned long long)e->length);
	for (size_t i = 0; i < len; i++)
		dst[i] = in[i] ^ XOR_KEY;
	return 0;
}

static void script_close(struct ovk_source *s)
{
	(void)s;
}

static const struct ovk_source_ops script_ops = {
	.next = script_next, .read = script_read, .close = script_close,
};

/* The expected guest byte at off of a script (0 in holes). */
static uint8_t expected_at(const struct script_src *ss, uint64_t off)
{
	uint64_t pos = 0;

	for (size_t i = 0; i < ss->n_steps; i++) {
		if (off < pos + ss->steps[i].length) {
			enum form f = ss->steps[i].form;

			return f == HOLE_UNALLOC || f == HOLE_ZERO || f == ZERO_DATA ?
				       0 : pattern(ss->seed, off);
		}
		pos += ss->steps[i].length;
	}
	return 0;
}

static void script_init(struct script_src *ss, const struct step *steps, size_t n, uint8_t seed)
{
	struct ovk_error err = { 0 };
	uint64_t size = 0, pos = 0;
	uint8_t *bytes;

	memset(ss, 0, sizeof *ss);
	for (size_t i = 0; i < n; i++)
		size += steps[i].length;
	assert_non_null(bytes = calloc(1, size ? size : 1));
	for (size_t i = 0; i < n; pos += steps[i].length, i++) {
		if (steps[i].form != STORED && steps[i].form != ENCODED)
			continue;
		for (uint64_t k = pos; k < pos + steps[i].length; k++)
			bytes[k] = (uint8_t)(pattern(seed, k) ^
					     (steps[i].form == ENCODED ? XOR_KEY : 0));
	}
	assert_int_equal(ovk_blob_from_memory("script", bytes, size, &ss->file, &err), 0);
	free(bytes);
	ss->steps = steps;
	ss->n_steps = n;
	ss->seed = seed;
	ss->fail_next_at = ss->fail_read_at = -1;
	ss->src = (struct ovk_source){ .ops = &script_ops, .format = "script", .size = size };
}

static void script_free(struct script_src *ss)
{
	ovk_blob_free(ss->file);
}

/* ------------------------------------------------------ the recording sink */

struct recorder {
	struct ovk_sink sink;
	uint8_t *image;                 /* what the runs wrote */
	uint64_t pos;                   /* next offset expected */
	size_t runs, data_runs, zero_runs, encoded_runs;
	int fail_write_at;              /* write() fails at this run, or -1 */
	volatile sig_atomic_t *cancel_at_run_flag;
	size_t cancel_at_run;
};

/* A broken promise of the sink contract, as the run's error (the writer
 * thread must not run cmocka's assertions). */
#define BROKEN(...) return ovk_error_set(err, EPROTO, "contract: " __VA_ARGS__)

static int check_data_run(const struct ovk_sink *s, const struct ovk_block_run *r,
			  struct ovk_error *err)
{
	uint64_t bs = s->block_size, end = r->offset + r->length;
	uint8_t *dec = NULL;
	size_t got;
	int ret = -1;

	for (uint64_t b = r->offset; b < end; b += bs) {
		uint64_t n = end - b < bs ? end - b : bs, i = 0;

		while (i < n && r->data[b - r->offset + i] == 0)
			i++;
		if (i == n)
			BROKEN("an all-zero DATA block at %llu", (unsigned long long)b);
	}
	if (s->codec == OVK_CODEC_NONE || !r->encoded_len)
		return r->encoded_len ? ovk_error_set(err, EPROTO, "contract: an encoding "
						      "without a codec") : 0;
	if (r->length > bs)
		BROKEN("an encoded run of %llu bytes", (unsigned long long)r->length);
	if (!(dec = calloc(1, bs)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	if (ovk_codec_decode(s->codec, OVK_DECODE_FILL, r->encoded, r->encoded_len, dec, bs, &got,
			     err) < 0)
		goto out;
	if (memcmp(dec, r->data, r->length) != 0) {
		ovk_error_set(err, EPROTO, "contract: an encoding of other bytes");
		goto out;
	}
	for (uint64_t i = r->length; i < bs; i++)
		if (dec[i]) {
			ovk_error_set(err, EPROTO, "contract: a short block padded with non-zero");
			goto out;
		}
	ret = 0;
out:
	free(dec);
	return ret;
}

static int rec_write(struct ovk_sink *s, const struct ovk_block_run *r, struct ovk_error *err)
{
	struct recorder *rc = s->priv;
	uint64_t bs = s->block_size, end = r->offset + r->length;

	if (r->offset != rc->pos || r->length == 0 || end > s->size)
		BROKEN("run %llu+%llu after %llu", (unsigned long long)r->offset,
		       (unsigned long long)r->length, (unsigned long long)rc->pos);
	if (r->offset % bs || (end % bs && end != s->size))
		BROKEN("run %llu+%llu is not whole blocks", (unsigned long long)r->offset,
		       (unsigned long long)r->length);
	if ((int)rc->runs == rc->fail_write_at)
		return ovk_error_set(err, ENOSPC, "recorder: write fails at run %zu", rc->runs);
	if (rc->cancel_at_run_flag && rc->runs == rc->cancel_at_run)
		__atomic_store_n(rc->cancel_at_run_flag, 1, __ATOMIC_RELAXED);
	rc->runs++;
	rc->pos = end;
	if (r->type != OVK_EXTENT_DATA) {
		rc->zero_runs++;
		return 0;
	}
	if (check_data_run(s, r, err) < 0)
		return -1;
	rc->encoded_runs += r->encoded_len != 0;
	memcpy(rc->image + r->offset, r->data, r->length);
	rc->data_runs++;
	return 0;
}

static int rec_finish(struct ovk_sink *s, struct ovk_error *err)
{
	(void)s;
	(void)err;
	return 0;
}

static void rec_abort(struct ovk_sink *s)
{
	(void)s;
}

static const struct ovk_sink_ops rec_ops = {
	.write = rec_write, .finish = rec_finish, .abort = rec_abort,
};

static void recorder_init(struct recorder *rc, uint64_t size, uint32_t bs, enum ovk_codec codec)
{
	memset(rc, 0, sizeof *rc);
	assert_non_null(rc->image = calloc(1, size ? size : 1));
	rc->fail_write_at = -1;
	rc->sink = (struct ovk_sink){ .ops = &rec_ops, .format = "recorder", .size = size,
				      .block_size = bs, .codec = codec, .priv = rc };
	if (codec != OVK_CODEC_NONE) {
		rc->sink.codec_level = ovk_codec_default_level(codec);
		rc->sink.encode_cap = bs - 1;
	}
}

/* ------------------------------------------------------------ running */

static int run(struct ovk_source **srcs, int depth, struct recorder *rc, unsigned threads,
	       volatile sig_atomic_t *cancel, struct ovk_error *err)
{
	struct ovk_chain chain = { .depth = depth };
	struct ovk_pipeline_opts po = { .threads = threads, .cancel = cancel };

	for (int i = 0; i < depth; i++)
		chain.src[i] = srcs[i];
	return ovk_pipeline_run(&chain, rc ? &rc->sink : NULL, &po, err);
}

static void assert_image(const struct recorder *rc, const struct script_src *top,
			 const struct script_src *below)
{
	for (uint64_t off = 0; off < rc->sink.size; off++) {
		uint8_t want = expected_at(top, off);

		/* an UNALLOCATED top byte reads from the backing script */
		if (below && off < top->src.size) {
			uint64_t pos = 0;

			for (size_t i = 0; i < top->n_steps; pos += top->steps[i].length, i++)
				if (off < pos + top->steps[i].length) {
					if (top->steps[i].form == HOLE_UNALLOC &&
					    off < below->src.size)
						want = expected_at(below, off);
					break;
				}
		}
		if (rc->image[off] != want)
			fail_msg("byte %llu: %u, expected %u", (unsigned long long)off,
				 rc->image[off], want);
	}
}

/* Every form, odd lengths (not multiples of a block or a chunk), encoded
 * extents that cross chunk boundaries, zero data inside DATA. */
static const struct step mixed[] = {
	{ STORED, 3 * MIB + 513 },
	{ HOLE_UNALLOC, 70 * KIB },
	{ ENCODED, 64 * KIB },
	{ ENCODED, 2 * MIB },            /* crosses a 2 MiB chunk boundary */
	{ BUFFER, 1 * MIB + 7 },
	{ ZERO_DATA, 200 * KIB },        /* DATA that is all zero: ZERO runs */
	{ HOLE_ZERO, 5 * MIB },
	{ BUFFER, 100 },
	{ ENCODED, 4096 },
	{ STORED, 9 * MIB },
	{ HOLE_UNALLOC, 1 },
	{ ENCODED, 511 },
};

static void check_mixed(unsigned threads, uint32_t bs, enum ovk_codec codec)
{
	struct ovk_error err = { 0 };
	struct script_src ss;
	struct recorder rc;
	struct ovk_source *srcs[1];

	script_init(&ss, mixed, sizeof mixed / sizeof mixed[0], 0x33);
	recorder_init(&rc, ss.src.size, bs, codec);
	srcs[0] = &ss.src;
	if (run(srcs, 1, &rc, threads, NULL, &err) != 0)
		fail_msg("pipeline: %s", err.msg);
	assert_int_equal(rc.pos, ss.src.size);
	assert_image(&rc, &ss, NULL);
	assert_true(rc.zero_runs > 0);
	/* each encoded extent decoded at least once (twice when cut by a chunk) */
	assert_true(ss.reads >= 4);
	if (codec != OVK_CODEC_NONE)
		assert_true(rc.encoded_runs > 0);
	free(rc.image);
	script_free(&ss);
}

static void test_tiling_1_thread(void **state)
{
	(void)state;
	check_mixed(1, 4096, OVK_CODEC_NONE);
	check_mixed(1, 64 * KIB, OVK_CODEC_NONE);
	check_mixed(1, 512, OVK_CODEC_NONE);
}

static void test_tiling_8_threads(void **state)
{
	(void)state;
	check_mixed(8, 4096, OVK_CODEC_NONE);
	check_mixed(8, 64 * KIB, OVK_CODEC_NONE);
	check_mixed(8, 2 * MIB, OVK_CODEC_NONE);
}

static void test_encoding_sink(void **state)
{
	(void)state;
	check_mixed(1, 64 * KIB, OVK_CODEC_DEFLATE);
	check_mixed(8, 64 * KIB, OVK_CODEC_ZSTD);
	check_mixed(8, 4096, OVK_CODEC_ZLIB);
}

/* A top image over a longer and a shorter backing image. */
static void test_backing_chain(void **state)
{
	static const struct step top[] = {
		{ HOLE_UNALLOC, 3 * MIB }, { STORED, 64 * KIB }, { HOLE_UNALLOC, 1 * MIB + 5 },
		{ ENCODED, 64 * KIB }, { HOLE_UNALLOC, 4 * MIB },
	};
	static const struct step below[] = {
		{ BUFFER, 2 * MIB }, { HOLE_ZERO, 1 * MIB }, { ENCODED, 2 * MIB }, { STORED, 1 * MIB },
	};
	struct ovk_error err = { 0 };
	struct script_src t, b;
	struct recorder rc;
	struct ovk_source *srcs[2];
	unsigned threads[] = { 1, 8 };

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		script_init(&t, top, 5, 0x11);
		script_init(&b, below, 4, 0x77);   /* 6 MiB: shorter than the top */
		recorder_init(&rc, t.src.size, 4096, OVK_CODEC_NONE);
		srcs[0] = &t.src;
		srcs[1] = &b.src;
		if (run(srcs, 2, &rc, threads[k], NULL, &err) != 0)
			fail_msg("pipeline: %s", err.msg);
		assert_image(&rc, &t, &b);
		free(rc.image);
		script_free(&t);
		script_free(&b);
	}
}

/* next() fails, read() fails, write() fails: each surfaces, with its own
 * message, and nothing leaks (the buffers handed over are freed). */
static void test_errors(void **state)
{
	unsigned threads[] = { 1, 8 };

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		struct ovk_error err = { 0 };
		struct script_src ss;
		struct recorder rc;
		struct ovk_source *srcs[1];

		script_init(&ss, mixed, sizeof mixed / sizeof mixed[0], 0x44);
		recorder_init(&rc, ss.src.size, 4096, OVK_CODEC_NONE);
		srcs[0] = &ss.src;
		ss.fail_next_at = 8;
		assert_int_equal(run(srcs, 1, &rc, threads[k], NULL, &err), -1);
		assert_non_null(strstr(err.msg, "next() fails at step 8"));
		free(rc.image);
		script_free(&ss);

		script_init(&ss, mixed, sizeof mixed / sizeof mixed[0], 0x44);
		recorder_init(&rc, ss.src.size, 4096, OVK_CODEC_NONE);
		ss.fail_read_at = 3;
		assert_int_equal(run(srcs, 1, &rc, threads[k], NULL, &err), -1);
		assert_non_null(strstr(err.msg, "read() fails for step 3"));
		free(rc.image);
		script_free(&ss);

		script_init(&ss, mixed, sizeof mixed / sizeof mixed[0], 0x44);
		recorder_init(&rc, ss.src.size, 4096, OVK_CODEC_NONE);
		rc.fail_write_at = 5;
		assert_int_equal(run(srcs, 1, &rc, threads[k], NULL, &err), -1);
		assert_non_null(strstr(err.msg, "write fails at run 5"));
		assert_int_equal(err.errnum, ENOSPC);
		free(rc.image);
		script_free(&ss);
	}
}

/* A source that breaks the tiling promise is caught by the layers. */
static void test_bad_source(void **state)
{
	static const struct step steps[] = { { STORED, 4096 }, { STORED, 4096 } };
	struct ovk_error err = { 0 };
	struct script_src ss;
	struct ovk_source *srcs[1];

	(void)state;
	script_init(&ss, steps, 2, 1);
	ss.src.size += 4096;             /* the extents end before the size */
	srcs[0] = &ss.src;
	assert_int_equal(run(srcs, 1, NULL, 1, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "extents end at 8192, before the size 12288"));
	script_free(&ss);
}

/* Cancellation from the sink's side stops the run with ECANCELED. */
static void test_cancel(void **state)
{
	static const struct step big[] = { { STORED, 32 * MIB }, { BUFFER, 8 * MIB } };
	unsigned threads[] = { 1, 8 };

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		volatile sig_atomic_t cancel = 0;
		struct ovk_error err = { 0 };
		struct script_src ss;
		struct recorder rc;
		struct ovk_source *srcs[1];

		script_init(&ss, big, 2, 9);
		recorder_init(&rc, ss.src.size, 4096, OVK_CODEC_NONE);
		rc.cancel_at_run_flag = &cancel;
		rc.cancel_at_run = 2;
		srcs[0] = &ss.src;
		assert_int_equal(run(srcs, 1, &rc, threads[k], &cancel, &err), -1);
		assert_int_equal(err.errnum, ECANCELED);
		assert_true(rc.pos < ss.src.size);
		free(rc.image);
		script_free(&ss);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tiling_1_thread),
		cmocka_unit_test(test_tiling_8_threads),
		cmocka_unit_test(test_encoding_sink),
		cmocka_unit_test(test_backing_chain),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bad_source),
		cmocka_unit_test(test_cancel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_fwdtarget.c: the byte target on a forward-only stream (virt/
 * fwdtarget.h), which is how a qcow2 image streams into a libvirt volume.
 *
 *   - semantics: a scripted series of pwrite()s (forward with gaps,
 *     backwards, straddling the frontier, adjacent patches) and a final
 *     set_size(), sent to a memory "stream" and patched afterwards, must
 *     give byte for byte what the same calls give on a memory "file";
 *     the patch limit fails with EFBIG and names itself;
 *   - qcow2: the real qcow2 sink writes through the target with 512-byte
 *     clusters (a refcount block per 256 clusters, so dozens of ranges and
 *     patches in a few MiB), plain and compressed, and with the default
 *     64 KiB clusters.  The stream goes to a file with write() only, the
 *     patches are pwrite()n after it; the result must be byte-identical to
 *     the sink's output on an fd, clean for `qemu-img check`, and equal to
 *     the raw disk for `qemu-img compare`.  Without its patches the same
 *     file must fail `qemu-img check` (so the check can fail).
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

#include "core/codec.h"
#include "core/extent.h"
#include "core/format.h"
#include "engine/engine.h"
#include "virt/fwdtarget.h"


/* ------------------------------------------------------------ semantics */

#define MEM_CAP 4096

struct mem {
	uint8_t buf[MEM_CAP];
	size_t len;
};

static int mem_send(void *opaque, const void *buf, size_t len, struct ovk_error *err)
{
	struct mem *m = opaque;

	if (len > MEM_CAP - m->len)
		return ovk_error_set(err, ENOSPC, "memory stream full");
	memcpy(m->buf + m->len, buf, len);
	m->len += len;
	return 0;
}

/* What a new file would hold after the same calls. */
static void file_pwrite(struct mem *f, uint64_t off, const uint8_t *p, size_t len)
{
	assert_true(off + len <= MEM_CAP);
	memcpy(f->buf + off, p, len);
	if (off + len > f->len)
		f->len = off + len;
}

static void both_pwrite(struct ovk_fwd *fw, struct mem *file, uint64_t off, size_t len,
			uint8_t seed)
{
	uint8_t p[512];
	struct ovk_error err = { 0 };

	assert_true(len <= sizeof p);
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7 + 1);
	if (fw->target.pwrite(fw->target.opaque, off, p, len, &err) < 0)
		fail_msg("pwrite(%llu, %zu): %s", (unsigned long long)off, len, err.msg);
	file_pwrite(file, off, p, len);
}

static void test_semantics(void **state)
{
	static struct mem stream, file;
	struct ovk_fwd fw;
	struct ovk_error err = { 0 };

	(void)state;
	memset(&stream, 0, sizeof stream);
	memset(&file, 0, sizeof file);
	ovk_fwd_init(&fw, "mem", 1 << 20, mem_send, &stream);
	both_pwrite(&fw, &file, 512, 100, 1);     /* a gap first: zeros */
	both_pwrite(&fw, &file, 612, 50, 2);      /* right after */
	both_pwrite(&fw, &file, 1000, 200, 3);    /* a gap */
	both_pwrite(&fw, &file, 0, 64, 4);        /* backwards: a patch */
	both_pwrite(&fw, &file, 64, 64, 5);       /* adjacent: the same patch grows */
	both_pwrite(&fw, &file, 1100, 300, 6);    /* straddles: patch + stream */
	both_pwrite(&fw, &file, 520, 10, 7);      /* over an earlier write */
	both_pwrite(&fw, &file, 2000, 1, 8);
	assert_int_equal(fw.target.set_size(fw.target.opaque, 3000, &err), 0);
	file.len = 3000;
	assert_int_equal(stream.len, 3000);
	/* below the frontier: [0,128) merged, [1100,1200) (the rest of that
	 * write was streamed), [520,530) */
	assert_int_equal(fw.n_patches, 3);
	assert_int_equal(fw.patches[0].off, 0);
	assert_int_equal(fw.patches[0].len, 128);
	assert_int_equal(fw.patches[1].off, 1100);
	assert_int_equal(fw.patches[1].len, 100);
	assert_int_equal(fw.patch_bytes, 128 + 100 + 10);
	for (size_t i = 0; i < fw.n_patches; i++)
		memcpy(stream.buf + fw.patches[i].off, fw.patches[i].data, fw.patches[i].len);
	assert_memory_equal(stream.buf, file.buf, 3000);
	/* shrinking cannot be streamed */
	assert_int_equal(fw.target.set_size(fw.target.opaque, 2999, &err), -1);
	ovk_fwd_free(&fw);
}

static void test_patch_limit(void **state)
{
	static struct mem stream;
	struct ovk_fwd fw;
	struct ovk_error err = { 0 };
	uint8_t p[256] = { 1 };

	(void)state;
	memset(&stream, 0, sizeof stream);
	ovk_fwd_init(&fw, "vol", 300, mem_send, &stream);
	fw.patch_hint = "use raw";
	assert_int_equal(fw.target.pwrite(fw.target.opaque, 1024, p, 256, &err), 0);
	assert_int_equal(fw.target.pwrite(fw.target.opaque, 0, p, 256, &err), 0);
	assert_int_equal(fw.target.pwrite(fw.target.opaque, 512, p, 256, &err), -1);
	assert_int_equal(err.errnum, EFBIG);
	assert_non_null(strstr(err.msg, "vol: more than 0 MiB written behind the stream: use raw"));
	ovk_fwd_free(&fw);
}

/* ---------------------------------------------------------------- qcow2 */

static int fd_send(void *opaque, const void *buf, size_t len, struct ovk_error *err)
{
	int fd = *(int *)opaque;

	/* write(), not pwrite(): the file can only grow at its end */
	if (write(fd, buf, len) != (ssize_t)len)
		return ovk_error_sys(err, errno, "stream file");
	return 0;
}

static void fill(uint8_t *p, size_t len, uint32_t seed, int compressible)
{
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = compressible ? (uint8_t)("refcount "[(i + (seed >> 29)) % 9])
				    : (uint8_t)(seed >> 16);
	}
}

/* The engine's way (core/extent.h): one run per block, zero-checked, and
 * with the sink's codec, encoded whole (the short last block zero-padded). */
static void feed(struct ovk_sink *sink, const uint8_t *disk, uint64_t size)
{
	uint64_t bs = sink->block_size;
	int encoding = sink->codec != OVK_CODEC_NONE;
	uint8_t *enc = encoding ? malloc(sink->encode_cap) : NULL;
	uint8_t *block = malloc(bs);
	struct ovk_error err = { 0 };

	assert_non_null(block);
	assert_true(!encoding || enc);
	for (uint64_t off = 0; off < size; off += bs) {
		uint64_t len = size - off < bs ? size - off : bs;
		struct ovk_block_run run = { .offset = off, .length = len };
		int zero = 1;

		for (uint64_t i = 0; i < len && zero; i++)
			zero = disk[off + i] == 0;
		run.type = zero ? OVK_EXTENT_ZERO : OVK_EXTENT_DATA;
		run.data = zero ? NULL : disk + off;
		if (!zero && encoding) {
			memset(block, 0, bs);
			memcpy(block, disk + off, len);
			if (ovk_codec_encode(sink->codec, sink->codec_level, block, bs, enc,
					     sink->encode_cap, &run.encoded_len, &err) < 0)
				fail_msg("encode: %s", err.msg);
			run.encoded = enc;
		}
		if (sink->ops->write(sink, &run, &err) < 0)
			fail_msg("write: %s", err.msg);
	}
	free(block);
	free(enc);
}

static void write_qcow2(const struct ovk_sink_params *base, const uint8_t *disk, uint64_t size)
{
	const struct ovk_format *fmt = ovk_format_by_name("qcow2");
	struct ovk_sink *sink;
	struct ovk_error err = { 0 };

	assert_non_null(fmt);
	if (fmt->open_sink(base, &sink, &err) < 0)
		fail_msg("open_sink: %s", err.msg);
	feed(sink, disk, size);
	if (sink->ops->finish(sink, &err) < 0)
		fail_msg("finish: %s", err.msg);
}

static void stream_case(const char *options, int compress, size_t min_patches)
{
	char raw[4200], ref[4200], out[4200], nopatch[4200];
	uint64_t size = (uint64_t)6 << 20;
	uint8_t *disk = calloc(1, (size_t)size);
	struct ovk_sink_params p = { .size = size, .compress = compress, .options = options };
	struct ovk_fwd fw;
	int fd, rc;

	assert_non_null(disk);
	fill(disk, 2 << 20, 7, compress);                     /* data */
	fill(disk + (3 << 20), 1 << 20, 8, 0);                /* a hole before it */
	fill(disk + (5 << 20) + 4096, 1000, 9, compress);     /* a short piece */
	fill(disk + size - 300, 300, 10, 0);                  /* up to the end */
	snprintf(raw, sizeof raw, "%s/disk.raw", ut_tmpdir);
	snprintf(ref, sizeof ref, "%s/ref.qcow2", ut_tmpdir);
	snprintf(out, sizeof out, "%s/streamed.qcow2", ut_tmpdir);
	snprintf(nopatch, sizeof nopatch, "%s/nopatch.qcow2", ut_tmpdir);
	fd = open(raw, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, disk, (size_t)size), (ssize_t)size);
	close(fd);

	/* the reference: the sink on a file descriptor */
	p.fd = open(ref, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(p.fd >= 0);
	p.name = ref;
	write_qcow2(&p, disk, size);
	close(p.fd);

	/* through the target: write() for the stream, then the patches */
	fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	ovk_fwd_init(&fw, out, (size_t)16 << 20, fd_send, &fd);
	p.fd = -1;
	p.name = out;
	p.target = &fw.target;
	write_qcow2(&p, disk, size);
	assert_true(fw.n_patches >= min_patches);
	assert_int_equal(ut_sh("cp '%s' '%s'", out, nopatch), 0);
	for (size_t i = 0; i < fw.n_patches; i++)
		assert_int_equal(pwrite(fd, fw.patches[i].data, fw.patches[i].len,
					(off_t)fw.patches[i].off),
				 (ssize_t)fw.patches[i].len);
	close(fd);
	ovk_fwd_free(&fw);

	rc = ut_sh("cmp -s '%s' '%s'", ref, out);
	if (rc != 0)
		fail_msg("%s%s: streamed image differs from the one written to a file",
			 options ? options : "default", compress ? " -c" : "");
	rc = ut_sh("qemu-img check -q '%s' >/dev/null 2>&1", out);
	if (rc != 0)
		fail_msg("qemu-img check %s: exit %d", out, rc);
	rc = ut_sh("qemu-img compare -q -f raw -F qcow2 '%s' '%s'", raw, out);
	if (rc != 0)
		fail_msg("qemu-img compare: exit %d", rc);
	/* the control: the patches matter */
	rc = ut_sh("qemu-img check -q '%s' >/dev/null 2>&1", nopatch);
	if (rc == 0)
		fail_msg("the image without its patches passed qemu-img check");
	free(disk);
}

static void test_qcow2_small_clusters(void **state)
{
	(void)state;
	/* 6 MiB host in 512-byte clusters: ~50 ranges of 256 clusters */
	stream_case("cluster_size=512", 0, 40);
	stream_case("cluster_size=512", 1, 10);
	stream_case("cluster_size=4k,compression_type=zstd", 1, 2);
}

static void test_qcow2_default_clusters(void **state)
{
	(void)state;
	/* the header and the one refcount block */
	stream_case(NULL, 0, 2);
	stream_case(NULL, 1, 2);
}

static int setup(void **state)
{
	(void)state;
	return ut_scratch_setup("test_fwdtarget", 1);
}

static int teardown(void **state)
{
	(void)state;
	return ut_scratch_teardown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_semantics),
		cmocka_unit_test(test_patch_limit),
		cmocka_unit_test(test_qcow2_small_clusters),
		cmocka_unit_test(test_qcow2_default_clusters),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

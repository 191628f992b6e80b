/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_vmdk.c: the VMDK reader through its internals.
 *
 * What only a unit test can check: the three ways to open a stream (mapped,
 * mapped with OVK_OPEN_STREAM, and a forward-only ovk_blob_stream() over a
 * pipe-like read callback) walk the same extents, keeping the extent
 * contract (ascending, tiling, deferred extents inside one chunk); hand-made
 * descriptors; inflate and probe; the CID check of a delta disk.  Corrupt
 * images are built by poking header fields of qemu's output (as
 * qemu-iotests 059 does) and must be refused with a message naming the
 * field.
 *
 * The matrix of subformats and sizes that qemu-img writes, converted and
 * judged by qemu-img compare, is tests/images/test_vmdk_qemu.sh's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit_support.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/blob.h"
#include "core/checked.h"
#include "core/endian.h"
#include "core/format.h"
#include "engine/engine.h"
#include "extent_support.h"
#include "vmdk/vmdk.h"

/* The format's ops table, which only the engine's registry names. */
extern const struct ovk_format ovk_format_vmdk;


/* ------------------------------------------------------------ helpers */

static char *path_in(const char *name)
{
	static char buf[8][4352];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof buf[i], "%s/%s", ut_tmpdir, name);
	return buf[i];
}

/* A raw disk: random data with 64 KiB zero runs, odd size. */
static void make_raw(const char *name, uint64_t size)
{
	FILE *f = fopen(path_in(name), "wb");
	uint64_t off;
	uint32_t x = 12345;

	assert_non_null(f);
	for (off = 0; off < size; off++) {
		uint8_t c = 0;

		if ((off / 65536) % 3 != 1) {
			x = x * 1103515245u + 12345u;
			c = (uint8_t)(x >> 16);
		}
		fputc(c, f);
	}
	fclose(f);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

struct fd_stream {
	int fd;
};

static ssize_t fd_read(void *opaque, void *buf, size_t len, struct ovk_error *err)
{
	struct fd_stream *s = opaque;
	ssize_t n = read(s->fd, buf, len);

	if (n < 0)
		return ovk_error_sys(err, errno, "read");
	return n;
}

static void fd_close(void *opaque)
{
	struct fd_stream *s = opaque;

	close(s->fd);
	free(s);
}

static int stream_blob(const char *path, struct ovk_blob **out, struct ovk_error *err)
{
	struct fd_stream *fs = malloc(sizeof *fs);

	assert_non_null(fs);
	fs->fd = open(path, O_RDONLY);
	if (fs->fd < 0) {
		free(fs);
		return ovk_error_sys(err, errno, "%s", path);
	}
	return ovk_blob_stream(path, path, UINT64_MAX, fd_read, fs, fd_close, out, err);
}

/* Siblings of a stream blob are streams too, as inside a compressed OVA. */
static int stream_resolver_open(const struct ovk_resolver *r, const char *location,
				unsigned flags, struct ovk_blob **out, struct ovk_error *err)
{
	(void)r;
	(void)flags;
	return stream_blob(location, out, err);
}

static const struct ovk_resolver stream_resolver = { stream_resolver_open };

enum open_mode { MODE_MAP, MODE_MAP_STREAM, MODE_STREAM };

static int open_vmdk(const char *path, enum open_mode mode, unsigned flags,
		     struct ovk_source **src, struct ovk_error *err)
{
	struct ovk_open_ctx ctx = { .flags = flags };
	struct ovk_blob *b = NULL;

	if (mode == MODE_STREAM) {
		assert_int_equal(stream_blob(path, &b, err), 0);
		ctx.resolver = &stream_resolver;
	} else if (ovk_blob_open_file(path, &b, err) < 0) {
		return -1;
	}
	if (mode == MODE_MAP_STREAM)
		ctx.flags |= OVK_OPEN_STREAM;
	if (ovk_format_by_name("vmdk")->open_source(b, &ctx, src, err) < 0) {
		ovk_blob_free(b);
		return -1;
	}
	return 0;
}

/* Walk the whole source, checking the extent contract, and compare each
 * extent with `want` (NULL: just walk).  Memory stays at one piece. */
static int walk(struct ovk_source *src, const uint8_t *want, uint64_t want_len,
		struct ovk_error *err)
{
	static const uint8_t zero[65536];
	uint8_t *buf = malloc(OVK_MAX_ENCODED);
	struct ovk_extent x;
	uint64_t pos = 0, i, n;
	int r;

	assert_non_null(buf);
	if (want)
		assert_int_equal(src->size, want_len);
	while ((r = src->ops->next(src, &x, err)) == 1) {
		assert_int_equal(x.offset, pos);
		assert_true(x.length > 0);
		assert_true(x.offset + x.length <= src->size);
		for (i = 0; i < x.length; i += n) {
			n = ovk_min_u64(x.length - i, x.type != OVK_EXTENT_DATA ? sizeof zero
										 : OVK_MAX_ENCODED);
			if (x.type == OVK_EXTENT_DATA && ut_extent_bytes(src, &x, i, n, buf, err) < 0) {
				free(x.buf);
				free(buf);
				return -1;
			}
			if (want && memcmp(x.type != OVK_EXTENT_DATA ? zero : buf,
					   want + x.offset + i, n) != 0)
				fail_msg("content differs in [%llu, +%llu) (type %d)",
					 (unsigned long long)(x.offset + i), (unsigned long long)n, x.type);
		}
		free(x.buf);
		pos += x.length;
	}
	free(buf);
	if (r != 0)
		return -1;
	assert_int_equal(pos, src->size);
	return 0;
}

static void check_same(const char *vmdk, const char *raw, enum open_mode mode)
{
	struct ovk_error err = { 0 };
	struct ovk_source *src = NULL;
	struct ovk_blob *want = NULL;

	assert_int_equal(ovk_blob_open_file(raw, &want, &err), 0);
	if (open_vmdk(vmdk, mode, 0, &src, &err) < 0)
		fail_msg("open %s (mode %d): %s", vmdk, mode, err.msg);
	if (walk(src, ovk_blob_data(want), ovk_blob_size(want), &err) < 0)
		fail_msg("read %s (mode %d): %s", vmdk, mode, err.msg);
	ovk_blob_free(want);
	ovk_source_close(src);
}

/* Expect open or read to fail with a message containing `needle`. */
static void check_refused(const char *vmdk, enum open_mode mode, unsigned flags,
			  const char *needle)
{
	struct ovk_error err = { 0 };
	struct ovk_source *src = NULL;

	if (open_vmdk(vmdk, mode, flags, &src, &err) == 0) {
		if (walk(src, NULL, 0, &err) == 0) {
			ovk_source_close(src);
			fail_msg("%s: accepted, expected \"%s\"", vmdk, needle);
		}
		ovk_source_close(src);
	}
	if (!strstr(err.msg, needle))
		fail_msg("%s: error \"%s\" does not mention \"%s\"", vmdk, err.msg, needle);
}

static void convert(const char *raw, const char *sub, const char *vmdk)
{
	ut_run("qemu-img convert -q -f raw -O vmdk -o subformat=%s %s %s", sub, path_in(raw),
	    path_in(vmdk));
}

/* -------------------------------------------------------------- tests */

/* One stream, partial last grain, zero runs: every open mode reads it as
 * the raw disk it came from. */
static void test_stream_modes(void **state)
{
	(void)state;
	make_raw("st.raw", (1u << 20) + 512);
	convert("st.raw", "streamOptimized", "st.vmdk");
	check_same(path_in("st.vmdk"), path_in("st.raw"), MODE_MAP);
	check_same(path_in("st.vmdk"), path_in("st.raw"), MODE_MAP_STREAM);
	check_same(path_in("st.vmdk"), path_in("st.raw"), MODE_STREAM);
}

/* Copy a qemu image and overwrite bytes at `off`. */
static void poke(const char *from, const char *to, long off, const void *bytes, size_t n)
{
	FILE *f;

	ut_run("cp %s %s", path_in(from), path_in(to));
	f = fopen(path_in(to), "r+b");
	assert_non_null(f);
	fseek(f, off, SEEK_SET);
	assert_int_equal(fwrite(bytes, 1, n, f), n);
	fclose(f);
}

static void poke_u64(const char *from, const char *to, long off, uint64_t v)
{
	uint8_t b[8];

	le64_store(b, v);
	poke(from, to, off, b, 8);
}

static void test_bad_headers(void **state)
{
	uint8_t b[4];

	(void)state;
	make_raw("bad.raw", 1 << 20);
	convert("bad.raw", "monolithicSparse", "good.vmdk");
	convert("bad.raw", "streamOptimized", "goods.vmdk");
	poke_u64("good.vmdk", "b1.vmdk", 20, 100);             /* grainSize */
	check_refused(path_in("b1.vmdk"), MODE_MAP, 0, "grainSize 100");
	poke_u64("good.vmdk", "b2.vmdk", 20, 8192);            /* 4 MiB grain */
	check_refused(path_in("b2.vmdk"), MODE_MAP, 0, "grainSize 8192");
	poke_u64("good.vmdk", "b3.vmdk", 12, UINT64_MAX / 256); /* capacity */
	check_refused(path_in("b3.vmdk"), MODE_MAP, 0, "capacity");
	poke_u64("good.vmdk", "b4.vmdk", 56, 1u << 30);         /* gdOffset */
	check_refused(path_in("b4.vmdk"), MODE_MAP, 0, "gdOffset");
	le32_store(b, 0x7fffffff);                               /* GD[0] */
	{
		size_t n;
		uint8_t *img = slurp(path_in("good.vmdk"), &n);
		uint64_t gd = le64_load(img + 56);

		free(img);
		poke("good.vmdk", "b5.vmdk", (long)(gd * 512), b, 4);
	}
	check_refused(path_in("b5.vmdk"), MODE_MAP, 0, "grain table 0 at sector 2147483647");
	poke_u64("good.vmdk", "b6.vmdk", 4, 4);                /* version */
	check_refused(path_in("b6.vmdk"), MODE_MAP, 0, "version 4");
	poke_u64("good.vmdk", "b7.vmdk", 36, 4096);            /* descriptorSize 2 MiB */
	check_refused(path_in("b7.vmdk"), MODE_MAP, 0, "descriptorSize 4096");
	{
		/* First grain marker of the stream: compressed size 0 and huge. */
		size_t n;
		uint8_t *img = slurp(path_in("goods.vmdk"), &n);
		long first = (long)(le64_load(img + 64) * 512);
		uint8_t zero[4] = { 0 }, big[4];

		free(img);
		le32_store(big, 300000);
		poke("goods.vmdk", "b8.vmdk", first + 8, zero, 4);
		check_refused(path_in("b8.vmdk"), MODE_MAP, 0, "compressed size 0");
		poke("goods.vmdk", "b9.vmdk", first + 8, big, 4);
		check_refused(path_in("b9.vmdk"), MODE_MAP, 0, "compressed size 300000");
		check_refused(path_in("b9.vmdk"), MODE_STREAM, 0, "size 300000");
		/* Corrupt zlib data: refused, never zeros. */
		poke("goods.vmdk", "b10.vmdk", first + 12 + 40, "\xde\xad\xbe\xef", 4);
		check_refused(path_in("b10.vmdk"), MODE_MAP, 0, "zlib");
		check_refused(path_in("b10.vmdk"), MODE_STREAM, 0, "zlib");
	}
	/* A truncated stream: refused in both modes. */
	ut_run("head -c 300000 %s > %s", path_in("goods.vmdk"), path_in("b11.vmdk"));
	check_refused(path_in("b11.vmdk"), MODE_MAP, 0, "beyond end of file");
	check_refused(path_in("b11.vmdk"), MODE_STREAM, 0, "truncated");
}

static void write_text(const char *name, const char *text)
{
	FILE *f = fopen(path_in(name), "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_descriptors(void **state)
{
	char big[4096];
	FILE *f;
	size_t i;

	(void)state;
	make_raw("d.raw", 4096);
	convert("d.raw", "monolithicFlat", "d.vmdk");
	/* Extent paths that leave the directory are refused by default. */
	write_text("dotdot.vmdk", "# Disk DescriptorFile\nversion=1\nCID=12345678\n"
		   "parentCID=ffffffff\ncreateType=\"monolithicFlat\"\n"
		   "RW 8 FLAT \"../d-flat.vmdk\" 0\n");
	check_refused(path_in("dotdot.vmdk"), MODE_MAP, 0, "leaves the directory");
	write_text("abs.vmdk", "# Disk DescriptorFile\ncreateType=\"monolithicFlat\"\n"
		   "RW 8 FLAT \"/etc/passwd\" 0\n");
	check_refused(path_in("abs.vmdk"), MODE_MAP, 0, "absolute");
	/* Concatenated extents: ZERO, FLAT at an offset, and a RDONLY FLAT with
	 * no offset (VMFS).  qemu skips ZERO and RDONLY lines, so the expected
	 * disk is put together with dd from the flat file qemu wrote. */
	write_text("cat.vmdk", "# Disk DescriptorFile\nversion=1\nCID=fffffffe\n"
		   "parentCID=ffffffff\ncreateType=\"monolithicFlat\"\n"
		   "# Extent description\n"
		   "RW 3 ZERO\n"
		   "RW 4 FLAT \"d-flat.vmdk\" 2\n"
		   "RDONLY 8 VMFS \"d-flat.vmdk\"\n"
		   "\nddb.adapterType = \"ide\"");
	ut_run("cd %s && head -c 1536 /dev/zero > cat.raw && dd if=d-flat.vmdk bs=512 skip=2 count=4"
	    " status=none >> cat.raw && cat d-flat.vmdk >> cat.raw && cmp -s d-flat.vmdk d.raw",
	    ut_tmpdir);
	check_same(path_in("cat.vmdk"), path_in("cat.raw"), MODE_MAP);
	check_same(path_in("cat.vmdk"), path_in("cat.raw"), MODE_STREAM);
	/* seSparse is refused clearly; a missing extent names the file. */
	write_text("se.vmdk", "# Disk DescriptorFile\ncreateType=\"seSparse\"\n"
		   "RW 8 SESPARSE \"se-sesparse.vmdk\"\n");
	check_refused(path_in("se.vmdk"), MODE_MAP, 0, "SESPARSE");
	write_text("miss.vmdk", "# Disk DescriptorFile\ncreateType=\"vmfs\"\n"
		   "RW 8 VMFS \"miss-flat.vmdk\"\n");
	check_refused(path_in("miss.vmdk"), MODE_MAP, 0, "miss-flat.vmdk");
	/* Flat file shorter than the descriptor says. */
	write_text("short.vmdk", "# Disk DescriptorFile\ncreateType=\"vmfs\"\n"
		   "RW 800 VMFS \"d-flat.vmdk\"\n");
	check_refused(path_in("short.vmdk"), MODE_MAP, 0, "the descriptor needs");
	/* A descriptor over 1 MiB. */
	f = fopen(path_in("huge.vmdk"), "w");
	assert_non_null(f);
	fputs("# Disk DescriptorFile\ncreateType=\"vmfs\"\n", f);
	memset(big, '#', sizeof big - 2);
	big[sizeof big - 2] = '\n';
	big[sizeof big - 1] = '\0';
	for (i = 0; i < 300; i++)
		fputs(big, f);
	fclose(f);
	check_refused(path_in("huge.vmdk"), MODE_MAP, 0, "larger than 1048576");
	check_refused(path_in("huge.vmdk"), MODE_STREAM, 0, "larger than 1048576");
}

/* A delta disk reports its parent; check_backing compares the CIDs. */
static void test_delta(void **state)
{
	struct ovk_error err = { 0 };
	struct ovk_source *child = NULL, *parent = NULL, *other = NULL;

	(void)state;
	make_raw("p.raw", 65536 * 4);
	convert("p.raw", "monolithicSparse", "parent.vmdk");
	convert("p.raw", "monolithicSparse", "other.vmdk");
	ut_run("cd %s && qemu-img create -q -f vmdk -b parent.vmdk -F vmdk child.vmdk", ut_tmpdir);
	assert_int_equal(open_vmdk(path_in("child.vmdk"), MODE_MAP, 0, &child, &err), 0);
	assert_non_null(child->backing_name);
	assert_string_equal(child->backing_name, "parent.vmdk");
	assert_int_equal(open_vmdk(path_in("parent.vmdk"), MODE_MAP, 0, &parent, &err), 0);
	assert_int_equal(child->ops->check_backing(child, parent, &err), 0);
	/* Another image: another CID. */
	assert_int_equal(open_vmdk(path_in("other.vmdk"), MODE_MAP, 0, &other, &err), 0);
	if (child->ops->check_backing(child, other, &err) == 0) {
		/* qemu gives a fresh image a random CID; equal by chance is 2^-32. */
		fail_msg("CID check accepted another parent");
	}
	assert_non_null(strstr(err.msg, "parentCID"));
	ovk_source_close(child);
	ovk_source_close(parent);
	ovk_source_close(other);
}

/* Inflate rejects streams that decode to more or less than a grain, and
 * zlib agrees that the bad ones are bad. */
static void test_inflate(void **state)
{
	struct ovk_error err = { 0 };
	uint8_t grain[4096], big[8192], comp[16384], out[4096];
	uLongf clen = sizeof comp, zlen;
	struct ovk_vmdk_zgrain g = { 0 };

	(void)state;
	memset(grain, 'a', sizeof grain);
	memset(big, 'b', sizeof big);
	assert_int_equal(compress(comp, &clen, grain, sizeof grain), Z_OK);
	g.in = comp;
	g.in_len = clen;
	g.grain = g.need = g.len = sizeof grain;
	assert_int_equal(ovk_vmdk_inflate(&g, out, &err), 0);
	assert_memory_equal(out, grain, sizeof grain);
	/* Part of a grain through the scratch buffer. */
	g.skip = 100;
	g.len = 1000;
	assert_int_equal(ovk_vmdk_inflate(&g, out, &err), 0);
	assert_memory_equal(out, grain + 100, 1000);
	/* Too big for a grain. */
	clen = sizeof comp;
	assert_int_equal(compress(comp, &clen, big, sizeof big), Z_OK);
	g.in_len = clen;
	g.skip = 0;
	g.len = sizeof grain;
	assert_int_equal(ovk_vmdk_inflate(&g, out, &err), -1);
	assert_non_null(strstr(err.msg, "more than"));
	/* Too small: half a grain where a whole one is needed. */
	clen = sizeof comp;
	assert_int_equal(compress(comp, &clen, grain, sizeof grain / 2), Z_OK);
	g.in_len = clen;
	assert_int_equal(ovk_vmdk_inflate(&g, out, &err), -1);
	/* ...but fine for a short last grain that needs only that much. */
	g.need = g.len = sizeof grain / 2;
	assert_int_equal(ovk_vmdk_inflate(&g, out, &err), 0);
	/* A bad checksum: zlib and we both refuse. */
	comp[clen - 1] ^= 1;
	zlen = sizeof out;
	assert_int_not_equal(uncompress(out, &zlen, comp, clen), Z_OK);
	assert_int_equal(ovk_vmdk_inflate(&g, out, &err), -1);
	/* Raw deflate (no zlib header) is not a grain. */
	assert_int_equal(ovk_vmdk_inflate(&(struct ovk_vmdk_zgrain){ comp + 2, clen - 6, 4096,
							2048, 0, 2048 }, out, &err), -1);
}

static void test_probe(void **state)
{
	uint8_t head[512] = { 0 };
	static const char desc[] = "# Disk DescriptorFile\nversion=1\n";
	static const char desc2[] = "version=1\ncreateType=\"vmfs\"\n";

	(void)state;
	memcpy(head, "KDMV", 4);
	le32_store(head + 4, 1);
	le64_store(head + 12, 2048);
	le64_store(head + 20, 128);
	le32_store(head + 44, 512);
	assert_int_equal(ovk_format_vmdk.probe(head, sizeof head, 1 << 20), OVK_PROBE_SURE);
	le64_store(head + 20, 100);
	assert_int_equal(ovk_format_vmdk.probe(head, sizeof head, 1 << 20), OVK_PROBE_MAYBE);
	memcpy(head, "COWD", 4);
	assert_true(ovk_format_vmdk.probe(head, sizeof head, 1 << 20) > OVK_PROBE_NO);
	assert_int_equal(ovk_format_vmdk.probe((const uint8_t *)desc, sizeof desc - 1, 100),
			 OVK_PROBE_SURE);
	assert_int_equal(ovk_format_vmdk.probe((const uint8_t *)desc2, sizeof desc2 - 1, 100),
			 OVK_PROBE_MAYBE);
	assert_int_equal(ovk_format_vmdk.probe((const uint8_t *)"ABCD", 4, 4), OVK_PROBE_NO);
	memset(head, 0, sizeof head);
	assert_int_equal(ovk_format_vmdk.probe(head, sizeof head, 512), OVK_PROBE_NO);
}

static int setup(void **state)
{
	(void)state;
	return ut_scratch_setup("test_vmdk", 0);
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
		cmocka_unit_test(test_inflate),
		cmocka_unit_test(test_stream_modes),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_descriptors),
		cmocka_unit_test(test_delta),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

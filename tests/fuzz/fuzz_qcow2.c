/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_qcow2.c: libFuzzer target for the qcow2 reader (src/qcow2): the
 * header and its extensions, the L1/L2 walk, compressed-cluster
 * descriptors and their inflation (zlib and zstd).
 *
 * Input: the bytes of an image.  The header decoder runs on them directly;
 * then the image is opened as a source on a memory blob and walked.  Besides not
 * crashing, the walk must keep the source contract: extents ascending,
 * tiling [0, size) with no gap, direct pointers inside the file, deferred
 * extents never across a 2 MiB chunk, and a header that decoded must name
 * an L1 table (when it has entries) that lies inside the file.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/blob.h"
#include "core/checked.h"
#include "core/extent.h"
#include "core/open.h"
#include "qcow2/qcow2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Enough extents to reach deep into any table, few enough to stay fast on
 * an image that claims an exabyte of tiny unallocated runs. */
#define FUZZ_MAX_EXTENTS 4096

static void check_header(const uint8_t *data, size_t size)
{
	struct ovk_qcow2_header h;
	struct ovk_error err;

	if (ovk_qcow2_header_decode(data, size, size, &h, &err) < 0)
		return;
	if ((h.l1_size && !ovk_range_ok(h.l1_table_offset, (uint64_t)h.l1_size * 8, size)) ||
	    h.cluster_bits < QCOW2_MIN_CLUSTER_BITS || h.cluster_bits > QCOW2_MAX_CLUSTER_BITS)
		abort();
}

/* The DATA promises of one extent (core/extent.h): stored bytes lie in
 * the image file itself (qcow2 has no other input), encoded ones too, and
 * an encoding is no longer than OVK_MAX_ENCODED. */
static void check_data(const struct ovk_extent *e, const struct ovk_blob *blob)
{
	if (e->in != blob || !ovk_range_ok(e->in_off, e->in_len, ovk_blob_size(blob)))
		abort();
	if (!e->encoded && e->in_len != e->length)
		abort();
	if (e->encoded && e->length > OVK_MAX_ENCODED)
		abort();
}

static void walk(struct ovk_source *src, const struct ovk_blob *blob)
{
	struct ovk_error err;
	struct ovk_extent e;
	uint64_t pos = 0;
	uint8_t *buf = malloc(OVK_MAX_ENCODED);

	if (!buf)
		return;
	for (int n = 0; n < FUZZ_MAX_EXTENTS; n++) {
		int r = src->ops->next(src, &e, &err);

		if (r <= 0)
			break;
		if (e.offset != pos || e.length == 0 || e.offset + e.length > src->size)
			abort();
		if (e.type == OVK_EXTENT_DATA) {
			check_data(&e, blob);
			if (e.encoded)
				src->ops->read(src, &e, buf, &err);
		}
		free(e.buf);             /* handed over, as to the engine */
		pos += e.length;
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovk_blob *blob = NULL;
	struct ovk_source *src = NULL;
	struct ovk_open_ctx ctx = { 0 };
	struct ovk_error err;

	check_header(data, size);
	if (ovk_blob_from_memory("fuzz.qcow2", data, size, &blob, &err) < 0)
		return 0;
	if (ovk_qcow2_open_source(blob, &ctx, &src, &err) < 0) {
		ovk_blob_free(blob);
		return 0;
	}
	walk(src, blob);
	ovk_source_close(src);
	return 0;
}

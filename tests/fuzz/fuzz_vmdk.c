/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_vmdk.c: libFuzzer target for the VMDK reader (src/vmdk): the KDMV /
 * COWD header and footer, the text descriptor, the GD/GT walk, the stream
 * marker walker, and grain inflation.
 *
 * Input: the bytes of one file.  They go through
 *   1. the header decoder and validator, and the descriptor parser, directly;
 *   2. the registry's vmdk format on a mapped blob (a window over a memfd);
 *   3. the same as a forward-only stream (OVK_OPEN_STREAM over the same
 *      window, so the marker walker and its window run).
 * Siblings named by a descriptor resolve to the input itself, so extent
 * lists are exercised without touching the file system.
 *
 * Besides not crashing, the walk must keep the source contract
 * (core/extent.h): extents ascending and tiling [0, size); stored DATA
 * inside the file it names, and that file a window of the input's mapping;
 * a stream's buffers as long as they say; encoded DATA no longer than
 * OVK_MAX_ENCODED; and a header that validates must have a power-of-two
 * grain <= 2 MiB.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/blob.h"
#include "core/checked.h"
#include "core/extent.h"
#include "core/format.h"
#include "core/open.h"
#include "engine/engine.h"
#include "vmdk/vmdk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Enough extents to reach deep into any table, few enough to stay fast. */
#define FUZZ_MAX_EXTENTS 4096

static struct ovk_blob *g_file;      /* the memfd mapping of this input */

static int self_open(const struct ovk_resolver *r, const char *location, unsigned flags,
		     struct ovk_blob **out, struct ovk_error *err)
{
	(void)r;
	(void)flags;
	return ovk_blob_window(g_file, 0, ovk_blob_size(g_file), location, location, out, err);
}

static const struct ovk_resolver self_resolver = { self_open };

static const struct ovk_format *vmdk(void)
{
	const struct ovk_format *f = ovk_format_by_name("vmdk");

	if (!f)
		abort();
	return f;
}

static void check_parsers(const uint8_t *data, size_t size)
{
	struct ovk_vmdk_header h;
	struct ovk_vmdk_desc d;
	struct ovk_error err;

	if (size >= OVK_VMDK_SECTOR) {
		ovk_vmdk_header_decode(data, &h);
		if (ovk_vmdk_header_validate(&h, size, &err) == 0 &&
		    (!ovk_is_pow2(h.grain_size) || h.grain_size * OVK_VMDK_SECTOR > OVK_MAX_ENCODED))
			abort();
	}
	if (ovk_vmdk_desc_parse((const char *)data, size, &d, &err) == 0)
		ovk_vmdk_desc_clear(&d);
	vmdk()->probe(data, size < OVK_PROBE_BYTES ? size : OVK_PROBE_BYTES, size);
}

/* The DATA promises of one extent (core/extent.h).  Windows share the
 * memfd mapping, so any file an extent names is a part of it. */
static void check_data(const struct ovk_extent *e)
{
	const uint8_t *lo = ovk_blob_data(g_file), *in;

	if (e->encoded && e->length > OVK_MAX_ENCODED)
		abort();
	if (e->buf) {
		if (e->in || (!e->encoded && e->buf_len != e->length))
			abort();
		return;
	}
	if (!e->in || !ovk_range_ok(e->in_off, e->in_len, ovk_blob_size(e->in)))
		abort();
	if (!e->encoded && e->in_len != e->length)
		abort();
	in = ovk_blob_data(e->in);
	if (in && (!lo || in < lo || (uint64_t)(in - lo) > ovk_blob_size(g_file) ||
		   ovk_blob_size(e->in) > ovk_blob_size(g_file) - (uint64_t)(in - lo)))
		abort();
}

static void walk(struct ovk_source *src)
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
			check_data(&e);
			if (e.encoded)
				src->ops->read(src, &e, buf, &err);
		}
		free(e.buf);             /* handed over, as to the engine */
		pos += e.length;
	}
	free(buf);
}

static void open_and_walk(unsigned flags)
{
	struct ovk_blob *blob = NULL;
	struct ovk_source *src = NULL;
	struct ovk_open_ctx ctx = { .flags = flags, .resolver = &self_resolver };
	struct ovk_error err;

	if (ovk_blob_window(g_file, 0, ovk_blob_size(g_file), "fuzz.vmdk", "fuzz.vmdk", &blob,
			    &err) < 0)
		return;
	if (vmdk()->open_source(blob, &ctx, &src, &err) < 0) {
		ovk_blob_free(blob);
		return;
	}
	walk(src);
	ovk_source_close(src);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovk_error err;

	check_parsers(data, size);
	if (ovk_blob_from_memory("fuzz.vmdk", data, size, &g_file, &err) < 0)
		return 0;
	open_and_walk(0);
	open_and_walk(OVK_OPEN_STREAM);
	ovk_blob_free(g_file);
	g_file = NULL;
	return 0;
}

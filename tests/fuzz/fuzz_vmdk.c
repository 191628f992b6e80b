/*
 * fuzz_vmdk.c: libFuzzer target for the VMDK reader (src/vmdk): the KDMV /
 * COWD header and footer, the text descriptor, the GD/GT walk, the stream
 * marker walker, and grain inflation.
 *
 * Input: the bytes of one file.  They go through
 *   1. the header decoder and validator, and the descriptor parser, directly;
 *   2. ovk_format_vmdk as a mapped blob (a window over a memfd);
 *   3. ovk_format_vmdk as a forward-only stream (OVK_OPEN_STREAM over the
 *      same window, so the marker walker and its window run).
 * Siblings named by a descriptor resolve to the input itself, so extent
 * lists are exercised without touching the file system.
 *
 * Besides not crashing, the walk must keep the source contract: extents
 * ascending and tiling [0, size), direct pointers inside some mapping of
 * the input, deferred extents never across a 2 MiB chunk; and a header that
 * validates must have a power-of-two grain <= 2 MiB.
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
#include "vmdk/vmdk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Enough extents to reach deep into any table, few enough to stay fast. */
#define FUZZ_MAX_EXTENTS 4096

static struct ovk_blob *g_file;      /* the memfd mapping of this input */

static int self_open(struct ovk_resolver *r, const char *name, unsigned flags,
		     struct ovk_blob **out, struct ovk_error *err)
{
	(void)flags;
	return ovk_blob_window(g_file, 0, g_file->size, name, r, out, err);
}

static void self_noop(struct ovk_resolver *r)
{
	(void)r;
}

static struct ovk_resolver self_resolver = { self_open, self_noop, self_noop };

static void check_parsers(const uint8_t *data, size_t size)
{
	struct ovk_vmdk_header h;
	struct ovk_vmdk_desc d;
	struct ovk_error err;

	if (size >= OVK_VMDK_SECTOR) {
		ovk_vmdk_header_decode(data, &h);
		if (ovk_vmdk_header_validate(&h, size, &err) == 0 &&
		    (!ovk_is_pow2(h.grain_size) || h.grain_size * OVK_VMDK_SECTOR > OVK_CHUNK))
			abort();
	}
	if (ovk_vmdk_desc_parse((const char *)data, size, &d, &err) == 0)
		ovk_vmdk_desc_clear(&d);
	ovk_format_vmdk.probe(data, size < OVK_PROBE_BYTES ? size : OVK_PROBE_BYTES, size);
}

static void walk(struct ovk_source *src)
{
	struct ovk_error err;
	struct ovk_extent e;
	uint64_t pos = 0;
	uint8_t *buf = malloc(OVK_CHUNK);
	const uint8_t *lo = g_file->data, *hi = g_file->data + g_file->size;

	if (!buf)
		return;
	for (int n = 0; n < FUZZ_MAX_EXTENTS; n++) {
		int r = src->ops->next(src, &e, &err);

		if (r <= 0)
			break;
		if (e.offset != pos || e.length == 0 || e.offset + e.length > src->size)
			abort();
		if (e.type == OVK_EXTENT_DATA && e.data) {
			/* Windows share the memfd mapping: any direct pointer
			 * must lie inside it. */
			if (e.data < lo || e.data > hi || e.length > (uint64_t)(hi - e.data))
				abort();
		} else if (e.type == OVK_EXTENT_DATA) {
			if (e.offset / OVK_CHUNK != (e.offset + e.length - 1) / OVK_CHUNK)
				abort();
			src->ops->read(src, &e, buf, &err);
		}
		pos += e.length;
		if (src->ops->release)
			src->ops->release(src, pos);
	}
	free(buf);
}

static void open_and_walk(unsigned flags)
{
	struct ovk_blob *blob = NULL;
	struct ovk_source *src = NULL;
	struct ovk_error err;

	if (ovk_blob_window(g_file, 0, g_file->size, "fuzz.vmdk", &self_resolver, &blob, &err) < 0)
		return;
	if (ovk_format_vmdk.open_source(blob, flags, &src, &err) < 0) {
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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vdi.c: the VDI source: probe, open, the block map walk, info.
 *
 *   map[i] --> data block at data offset + map[i] x 1 MiB
 *
 * Entries are loaded from the mapping with le32_load as the walk needs
 * them; every allocated entry is checked against the file at open, so the
 * walk never meets a block beyond its end.  Runs of unallocated or
 * discarded blocks become one extent each; allocated blocks that follow
 * each other in the file become one stored extent (a fixed image is one),
 * so the engine reads large runs with pread.
 */
#include "vdi/vdi.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "core/blob.h"
#include "core/checked.h"
#include "core/endian.h"
#include "core/extent.h"
#include "core/info.h"

struct vdi_src {
	struct ovk_blob *blob;
	struct ovk_vdi_header h;
	const uint8_t *map;         /* in the mapping */
	uint64_t file_size;
	uint64_t size;              /* virtual */
	uint64_t pos;
};

static uint32_t map_entry(const struct vdi_src *s, uint64_t b)
{
	return le32_load(s->map + 4 * b);
}

static enum ovk_extent_type hole_type(uint32_t e)
{
	return e == OVK_VDI_MAP_ZERO ? OVK_EXTENT_ZERO : OVK_EXTENT_UNALLOCATED;
}

static uint64_t block_file_off(const struct vdi_src *s, uint32_t e)
{
	return s->h.offset_data + (uint64_t)e * OVK_VDI_BLOCK;
}

/* The extent at pos, for next() and pread() alike. */
static int vdi_extent_at(struct ovk_source *src, uint64_t pos, struct ovk_extent *x,
			 struct ovk_error *err)
{
	struct vdi_src *s = src->priv;
	uint64_t b = pos / OVK_VDI_BLOCK, n, end;
	uint32_t e, f;

	(void)err;
	e = map_entry(s, b);
	for (n = b + 1; n * OVK_VDI_BLOCK < s->size; n++) {
		f = map_entry(s, n);
		if (e >= OVK_VDI_MAP_ZERO ? f != e : f != e + (n - b))
			break;
	}
	end = ovk_min_u64(n * OVK_VDI_BLOCK, s->size);
	if (e >= OVK_VDI_MAP_ZERO)
		ovk_extent_hole(x, pos, end - pos, hole_type(e));
	else
		ovk_extent_stored(x, pos, end - pos, s->blob, block_file_off(s, e) + pos % OVK_VDI_BLOCK);
	return 0;
}

static int vdi_next(struct ovk_source *src, struct ovk_extent *x, struct ovk_error *err)
{
	struct vdi_src *s = src->priv;

	return ovk_source_next_walk(src, vdi_extent_at, &s->pos, ovk_blob_name(s->blob), x,
				    err);
}

/* Random access (engine/image.c): unallocated and discarded blocks read
 * as zero. */
static int vdi_pread(struct ovk_source *src, uint64_t off, void *buf, size_t len,
		     struct ovk_error *err)
{
	struct vdi_src *s = src->priv;

	return ovk_source_pread_walk(src, vdi_extent_at, ovk_blob_name(s->blob), off, buf,
				     len, err);
}

static int vdi_info(struct ovk_source *src, struct ovk_source_facts *facts,
		    struct ovk_info *info, struct ovk_error *err)
{
	struct vdi_src *s = src->priv;

	(void)err;
	facts->cluster_size = OVK_VDI_BLOCK;
	ovk_info_str(info, "subformat", s->h.image_type == OVK_VDI_TYPE_FIXED ? "fixed" : "normal");
	ovk_info_u64(info, "blocks-allocated", s->h.blocks_allocated);
	return 0;
}

static void vdi_close(struct ovk_source *src)
{
	struct vdi_src *s = src ? src->priv : NULL;

	if (s)
		ovk_blob_free(s->blob);
	free(s);
	ovk_source_free_shell(src);
}

static const struct ovk_source_ops vdi_ops = {
	.next = vdi_next,
	.pread = vdi_pread,
	.info = vdi_info,
	.close = vdi_close,
};

/* Every allocated block the guest sees lies inside the file. */
static int check_map(const struct vdi_src *s, struct ovk_error *err)
{
	uint64_t blocks = s->size / OVK_VDI_BLOCK + (s->size % OVK_VDI_BLOCK != 0);

	for (uint64_t b = 0; b < blocks; b++) {
		uint32_t e = map_entry(s, b);
		uint64_t need = ovk_min_u64(OVK_VDI_BLOCK, s->size - b * OVK_VDI_BLOCK);

		if (e < OVK_VDI_MAP_ZERO && !ovk_range_ok(block_file_off(s, e), need, s->file_size))
			return ovk_error_set(err, EINVAL, "block map entry %" PRIu64 ": block %" PRIu32
					     " at offset %" PRIu64 " beyond end of file (size %" PRIu64
					     ")", b, e, block_file_off(s, e), s->file_size);
	}
	return 0;
}

static int vdi_open_source(struct ovk_blob *blob, const struct ovk_open_ctx *ctx,
			   struct ovk_source **out, struct ovk_error *err)
{
	struct ovk_source *src = calloc(1, sizeof *src);
	struct vdi_src *s = calloc(1, sizeof *s);
	const uint8_t *data = ovk_blob_data(blob);
	int ret = -1;

	(void)ctx;
	if (!src || !s) {
		ovk_error_sys(err, ENOMEM, "vdi");
		goto out;
	}
	s->file_size = ovk_blob_size(blob);
	if (!data) {
		ovk_error_set(err, ENOTSUP, "a VDI needs random access and a mapping");
		goto out;
	}
	if (s->file_size < OVK_VDI_HEADER_BYTES) {
		ovk_error_set(err, EINVAL, "%" PRIu64 " bytes: too short for a VDI header", s->file_size);
		goto out;
	}
	ovk_vdi_header_decode(data, &s->h);
	if (ovk_vdi_header_validate(&s->h, s->file_size, err) < 0)
		goto out;
	s->map = data + s->h.offset_bmap;
	s->size = ovk_vdi_virtual_size(&s->h);
	if (check_map(s, err) < 0)
		goto out;
	s->blob = blob;
	ovk_blob_advise_sequential(blob);
	ovk_source_set(src, &vdi_ops, "vdi", s->size, s);
	*out = src;
	src = NULL;
	s = NULL;
	ret = 0;
out:
	free(s);
	free(src);
	return ret;
}

const struct ovk_format ovk_format_vdi = {
	.name = "vdi",
	.probe = ovk_vdi_probe,
	.open_source = vdi_open_source,
};

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vhd.c: the VHD source: probe, open, the walk of the block allocation
 * table and the sector bitmaps, info and the parent check.
 *
 * A fixed disk is its own data, [0, size) of the file, read like raw (the
 * file's holes become UNALLOCATED).  A dynamic or differencing disk is
 * cut into blocks; BAT entry b is the sector of block b's bitmap, and its
 * data follows the bitmap:
 *
 *   BAT[b] --> [bitmap: 1 bit per sector, MSB first][block_size bytes]
 *
 * A sector whose bit is set is stored in this file; a clear bit (or a
 * block whose entry is ~0) reads from the parent of a differencing disk,
 * and as zero otherwise: both are UNALLOCATED, which the engine reads
 * from the backing image when there is one.  qemu ignores the bitmap
 * (it always writes all ones); we honour it, as the format says.
 *
 * Metadata comes from the mapping (the BAT) or pread (the bitmaps, next to
 * the data, so that the walk never faults in data pages); the data is read
 * by the engine from stored extents, or by pread() (random access, through
 * the same walk: core/extent.c).  Every BAT entry is checked at open,
 * as qemu does ("The image has been truncated"), so the walk never meets
 * a block beyond the end of the file.
 */
#include "vhd/vhd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/blob.h"
#include "core/checked.h"
#include "core/endian.h"
#include "core/extent.h"
#include "core/info.h"

struct vhd_src {
	struct ovk_blob *blob;
	struct ovk_vhd_footer f;
	struct ovk_vhd_dyn d;       /* dynamic and differencing disks */
	const char *size_rule;
	uint64_t file_size;
	uint64_t size;              /* virtual */
	uint64_t pos;               /* next guest byte */
	const uint8_t *bat;         /* in the mapping */
	uint64_t bitmap_bytes;      /* per block, rounded up to a sector */
	uint8_t *bitmap;            /* the bitmap of block bitmap_block */
	uint64_t bitmap_block;      /* UINT64_MAX: none loaded */
};

static const struct ovk_source_ops vhd_ops;

/* ------------------------------------------------------------------ walk */

static uint32_t bat_entry(const struct vhd_src *s, uint64_t b)
{
	if (b >= s->d.max_table_entries)
		return OVK_VHD_BAT_UNUSED;
	return be32_load(s->bat + 4 * b);
}

static int fixed_at(struct vhd_src *s, uint64_t pos, struct ovk_extent *x)
{
	uint64_t data, hole;

	ovk_blob_find_data(s->blob, pos, &data, &hole);
	if (data > pos) {
		ovk_extent_hole(x, pos, ovk_min_u64(data, s->size) - pos, OVK_EXTENT_UNALLOCATED);
		return 0;
	}
	if (hole <= pos || hole > s->size)
		hole = s->size;
	ovk_extent_stored(x, pos, hole - pos, s->blob, pos);
	return 0;
}

static int load_bitmap(struct vhd_src *s, uint64_t b, uint32_t entry, struct ovk_error *err)
{
	if (s->bitmap_block == b)
		return 0;
	s->bitmap_block = UINT64_MAX;
	if (ovk_blob_pread(s->blob, (uint64_t)entry * OVK_VHD_SECTOR, s->bitmap, s->bitmap_bytes,
			   err) < 0)
		return ovk_error_prefix(err, "BAT entry %" PRIu64 ": bitmap at sector %" PRIu32, b,
					entry);
	s->bitmap_block = b;
	return 0;
}

static int bit_set(const struct vhd_src *s, uint64_t sector)
{
	return (s->bitmap[sector / 8] >> (7 - sector % 8)) & 1;
}

/* An allocated block: the run of sectors with the same bit from pos. */
static int block_at(struct vhd_src *s, uint64_t b, uint32_t entry, uint64_t pos,
		    struct ovk_extent *x, struct ovk_error *err)
{
	uint64_t bs = s->d.block_size, start = b * bs;
	uint64_t end = ovk_min_u64(start + bs, s->size);
	uint64_t sec = (pos - start) / OVK_VHD_SECTOR, last = (end - start) / OVK_VHD_SECTOR;
	uint64_t n;
	int set;

	if (load_bitmap(s, b, entry, err) < 0)
		return -1;
	set = bit_set(s, sec);
	for (n = sec + 1; n < last && bit_set(s, n) == set; n++)
		;
	if (!set) {
		ovk_extent_hole(x, pos, start + n * OVK_VHD_SECTOR - pos, OVK_EXTENT_UNALLOCATED);
		return 0;
	}
	ovk_extent_stored(x, pos, start + n * OVK_VHD_SECTOR - pos, s->blob,
			  (uint64_t)entry * OVK_VHD_SECTOR + s->bitmap_bytes + (pos - start));
	return 0;
}

static int dynamic_at(struct vhd_src *s, uint64_t pos, struct ovk_extent *x,
		      struct ovk_error *err)
{
	uint64_t bs = s->d.block_size, b = pos / bs, e;
	uint32_t entry = bat_entry(s, b);

	if (entry != OVK_VHD_BAT_UNUSED)
		return block_at(s, b, entry, pos, x, err);
	for (e = b + 1; e * bs < s->size && bat_entry(s, e) == OVK_VHD_BAT_UNUSED; e++)
		;
	ovk_extent_hole(x, pos, ovk_min_u64(e * bs, s->size) - pos, OVK_EXTENT_UNALLOCATED);
	return 0;
}

/* The extent at pos, for next() and pread() alike. */
static int vhd_extent_at(struct ovk_source *src, uint64_t pos, struct ovk_extent *x,
			 struct ovk_error *err)
{
	struct vhd_src *s = src->priv;

	if (s->f.type == OVK_VHD_TYPE_FIXED)
		return fixed_at(s, pos, x);
	return dynamic_at(s, pos, x, err);
}

static int vhd_next(struct ovk_source *src, struct ovk_extent *x, struct ovk_error *err)
{
	struct vhd_src *s = src->priv;

	return ovk_source_next_walk(src, vhd_extent_at, &s->pos, ovk_blob_name(s->blob), x,
				    err);
}

/* Random access (engine/image.c): clear bitmap bits and unused blocks
 * read as zero; a differencing disk's parent is not looked up. */
static int vhd_pread(struct ovk_source *src, uint64_t off, void *buf, size_t len,
		     struct ovk_error *err)
{
	struct vhd_src *s = src->priv;

	return ovk_source_pread_walk(src, vhd_extent_at, ovk_blob_name(s->blob), off, buf,
				     len, err);
}

/* ------------------------------------------------------------------ info */

static const char *subformat(uint32_t type)
{
	switch (type) {
	case OVK_VHD_TYPE_FIXED:
		return "fixed";
	case OVK_VHD_TYPE_DYNAMIC:
		return "dynamic";
	default:
		return "differencing";
	}
}

static void uuid_text(const uint8_t *u, char *out)
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		 u[13], u[14], u[15]);
}

static int vhd_info(struct ovk_source *src, struct ovk_source_facts *facts,
		    struct ovk_info *info, struct ovk_error *err)
{
	struct vhd_src *s = src->priv;
	char app[5], uuid[37];

	(void)err;
	memcpy(app, s->f.creator_app, 4);
	app[4] = '\0';
	for (int i = 0; i < 4; i++)
		if (app[i] < 0x20 || app[i] > 0x7e)
			app[i] = '?';
	ovk_info_str(info, "subformat", subformat(s->f.type));
	ovk_info_str(info, "creator-app", app);
	ovk_info_str(info, "size-rule", s->size_rule);
	ovk_info_u64(info, "current-size", s->f.current_size);
	uuid_text(s->f.uuid, uuid);
	ovk_info_str(info, "uuid", uuid);
	if (s->f.type != OVK_VHD_TYPE_FIXED)
		facts->cluster_size = s->d.block_size;
	if (s->f.type == OVK_VHD_TYPE_DIFFERENCING) {
		uuid_text(s->d.parent_uuid, uuid);
		ovk_info_str(info, "parent-uuid", uuid);
	}
	return 0;
}

/* A differencing disk records its parent's unique id.  (It also records
 * the parent's modification time, which tools compare with the parent
 * file's mtime; copies and tar extraction do not keep mtimes, so that is
 * not a check we can make.) */
static int vhd_check_backing(struct ovk_source *src, struct ovk_source *parent,
			     struct ovk_error *err)
{
	struct vhd_src *s = src->priv, *p;
	char want[37], have[37];

	if (parent->ops != &vhd_ops)
		return ovk_error_set(err, EINVAL, "%s: the parent of a differencing VHD must be a VHD, "
				     "not %s", ovk_blob_name(s->blob), parent->format);
	p = parent->priv;
	if (memcmp(p->f.uuid, s->d.parent_uuid, 16) == 0)
		return 0;
	uuid_text(s->d.parent_uuid, want);
	uuid_text(p->f.uuid, have);
	return ovk_error_set(err, EINVAL, "%s: parent unique id %s does not match id %s of parent %s "
			     "(the wrong file, or a parent that was replaced)",
			     ovk_blob_name(s->blob), want, have, ovk_blob_name(p->blob));
}

/* ------------------------------------------------------------ open/close */

static void src_free(struct vhd_src *s)
{
	if (!s)
		return;
	ovk_blob_free(s->blob);
	free(s->bitmap);
	free(s);
}

static void vhd_close(struct ovk_source *src)
{
	if (src)
		src_free(src->priv);
	ovk_source_free_shell(src);
}

static const struct ovk_source_ops vhd_ops = {
	.next = vhd_next,
	.pread = vhd_pread,
	.info = vhd_info,
	.check_backing = vhd_check_backing,
	.close = vhd_close,
};

/* The footer: its copy at offset 0 (dynamic and differencing disks), else
 * the last sector (fixed disks). */
static int read_footer(struct vhd_src *s, struct ovk_error *err)
{
	uint8_t b[OVK_VHD_FOOTER_BYTES];
	uint64_t at = 0;

	if (s->file_size < OVK_VHD_FOOTER_BYTES)
		return ovk_error_set(err, EINVAL, "%" PRIu64 " bytes: too short for a VHD footer",
				     s->file_size);
	if (ovk_blob_pread(s->blob, 0, b, sizeof b, err) < 0)
		return -1;
	if (memcmp(b, "conectix", 8) != 0) {
		at = s->file_size - OVK_VHD_FOOTER_BYTES;
		if (ovk_blob_pread(s->blob, at, b, sizeof b, err) < 0)
			return -1;
	}
	ovk_vhd_footer_decode(b, &s->f);
	if (ovk_vhd_footer_validate(&s->f, err) < 0)
		return ovk_error_prefix(err, "footer at offset %" PRIu64, at);
	if ((at == 0) != (s->f.type != OVK_VHD_TYPE_FIXED))
		return ovk_error_set(err, EINVAL, "footer at offset %" PRIu64 ": disk type %" PRIu32
				     " (%s), but %s", at, s->f.type, subformat(s->f.type),
				     at ? "no copy of the footer at offset 0"
					: "a fixed disk has no footer copy at offset 0");
	return ovk_vhd_virtual_size(&s->f, &s->size, &s->size_rule, err);
}

/* Every allocated block lies inside the file. */
static int check_bat(const struct vhd_src *s, struct ovk_error *err)
{
	uint64_t span = s->bitmap_bytes + s->d.block_size;

	for (uint64_t b = 0; b < s->d.max_table_entries; b++) {
		uint32_t e = bat_entry(s, b);

		if (e != OVK_VHD_BAT_UNUSED &&
		    !ovk_range_ok((uint64_t)e * OVK_VHD_SECTOR, span, s->file_size))
			return ovk_error_set(err, EINVAL, "BAT entry %" PRIu64 ": block at sector %"
					     PRIu32 " beyond end of file (size %" PRIu64 " sectors)",
					     b, e, s->file_size / OVK_VHD_SECTOR);
	}
	return 0;
}

static int open_dynamic(struct ovk_source *src, struct vhd_src *s, struct ovk_error *err)
{
	const uint8_t *data = ovk_blob_data(s->blob);

	if (!data)
		return ovk_error_set(err, ENOTSUP, "a dynamic VHD needs to be mapped");
	if (!ovk_range_ok(s->f.data_offset, OVK_VHD_DYN_BYTES, s->file_size))
		return ovk_error_set(err, EINVAL, "footer data offset %" PRIu64 ": the dynamic header is "
				     "beyond end of file (size %" PRIu64 ")", s->f.data_offset,
				     s->file_size);
	ovk_vhd_dyn_decode(data + s->f.data_offset, &s->d);
	if (ovk_vhd_dyn_validate(&s->d, s->size, s->file_size, err) < 0)
		return ovk_error_prefix(err, "dynamic header at offset %" PRIu64, s->f.data_offset);
	s->bat = data + s->d.table_offset;
	/* One bit per sector, rounded up to whole sectors (block >= 512). */
	s->bitmap_bytes = ((uint64_t)s->d.block_size / OVK_VHD_SECTOR / 8 + OVK_VHD_SECTOR - 1) &
			  ~(uint64_t)(OVK_VHD_SECTOR - 1);
	if (!(s->bitmap = malloc(s->bitmap_bytes)))
		return ovk_error_sys(err, ENOMEM, "sector bitmap");
	s->bitmap_block = UINT64_MAX;
	if (check_bat(s, err) < 0)
		return -1;
	if (s->f.type != OVK_VHD_TYPE_DIFFERENCING)
		return 0;
	if (ovk_vhd_parent_name(&s->d, data, s->file_size, &src->backing_name, err) < 0)
		return -1;
	if (!(src->backing_format = strdup("vhd")))
		return ovk_error_sys(err, ENOMEM, "backing format");
	return 0;
}

static int vhd_open_source(struct ovk_blob *blob, const struct ovk_open_ctx *ctx,
			   struct ovk_source **out, struct ovk_error *err)
{
	struct ovk_source *src = calloc(1, sizeof *src);
	struct vhd_src *s = calloc(1, sizeof *s);
	int ret = -1;

	(void)ctx;
	if (!src || !s) {
		ovk_error_sys(err, ENOMEM, "vhd");
		goto out;
	}
	s->blob = blob;
	s->file_size = ovk_blob_size(blob);
	if (ovk_blob_is_stream(blob)) {
		ovk_error_set(err, ENOTSUP, "a VHD needs random access; it cannot be read as a stream");
		goto out;
	}
	if (read_footer(s, err) < 0)
		goto out;
	if (s->f.type == OVK_VHD_TYPE_FIXED && s->size > s->file_size - OVK_VHD_FOOTER_BYTES) {
		ovk_error_set(err, EINVAL, "fixed disk of %" PRIu64 " bytes (%s), but the file holds "
			      "only %" PRIu64 " before its footer (truncated?)", s->size,
			      s->size_rule, s->file_size - OVK_VHD_FOOTER_BYTES);
		goto out;
	}
	if (s->f.type != OVK_VHD_TYPE_FIXED && open_dynamic(src, s, err) < 0)
		goto out;
	ovk_blob_advise_sequential(blob);
	ovk_source_set(src, &vhd_ops, "vhd", s->size, s);
	*out = src;
	src = NULL;
	s = NULL;
	ret = 0;
out:
	if (s)
		s->blob = NULL;     /* the caller keeps it on failure */
	src_free(s);
	if (src)
		vhd_close(src);
	return ret;
}

static int vhd_probe(const uint8_t *head, size_t len, uint64_t size)
{
	(void)size;
	return ovk_vhd_footer_probe(head, len, 0);
}

static int vhd_probe_tail(const uint8_t *tail, size_t len, uint64_t size)
{
	(void)size;
	return ovk_vhd_footer_probe(tail, len, 1);
}

const struct ovk_format ovk_format_vhd = {
	.name = "vhd",
	.probe = vhd_probe,
	.probe_tail = vhd_probe_tail,
	.open_source = vhd_open_source,
};

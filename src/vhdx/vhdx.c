/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vhdx.c: the VHDX source: probe, open, the BAT walk, info and the parent
 * check.
 *
 * The BAT interleaves payload and sector bitmap entries: after every
 * chunk_ratio payload blocks comes the entry of the 1 MiB sector bitmap
 * that covers them (chunk_ratio = 2^23 logical sectors / sectors per
 * block):
 *
 *   BAT: [P0 P1 ... P(cr-1) S0][P(cr) ... P(2cr-1) S1]...
 *   payload block b is entry b + b / cr; bitmap c is c * (cr + 1) + cr
 *
 *   payload state         this disk          a differencing disk
 *   NOT_PRESENT (0)       UNALLOCATED        UNALLOCATED: the parent's
 *   UNDEFINED (1)         UNALLOCATED        UNALLOCATED: the parent's
 *   ZERO (2), UNMAPPED (3) ZERO              ZERO
 *   FULLY_PRESENT (6)     stored at FileOffsetMB << 20
 *   PARTIALLY_PRESENT (7) refused            per logical sector, the bitmap
 *                                            bit (LSB first): set, stored;
 *                                            clear, the parent's
 *
 * Every entry the walk can meet is checked at open: a known state, a block
 * past the header section and inside the file, a present sector bitmap
 * for partially present blocks.  The BAT is read from the mapping; the
 * bitmaps with pread (they sit among the data); the data by the engine.
 * Fully present blocks that follow each other in the file become one
 * stored extent (a fixed disk is one).
 */
#include "vhdx/vhdx.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/blob.h"
#include "core/checked.h"
#include "core/endian.h"
#include "core/extent.h"
#include "core/info.h"
#include "core/utf16.h"

struct vhdx_src {
	struct ovk_blob *blob;
	struct ovk_vhdx_layout l;
	struct ovk_vhdx_meta m;
	uint64_t file_size;
	uint64_t size, pos;
	const uint8_t *bat;         /* in the mapping */
	uint64_t cr;                /* chunk ratio */
	uint64_t data_blocks;
	uint64_t spb;               /* logical sectors per block */
	uint8_t *bitmap;            /* the bits of block bitmap_block */
	uint64_t bitmap_block;      /* UINT64_MAX: none loaded */
};

static const struct ovk_source_ops vhdx_ops;

static uint64_t payload(const struct vhdx_src *s, uint64_t b)
{
	return le64_load(s->bat + 8 * (b + b / s->cr));
}

static uint64_t bitmap_entry(const struct vhdx_src *s, uint64_t b)
{
	return le64_load(s->bat + 8 * (b / s->cr * (s->cr + 1) + s->cr));
}

static unsigned state(uint64_t e)
{
	return (unsigned)(e & OVK_VHDX_BAT_STATE_MASK);
}

static uint64_t entry_off(uint64_t e)
{
	return e >> OVK_VHDX_BAT_OFFSET_SHIFT << OVK_VHDX_BAT_OFFSET_SHIFT;
}

/* ------------------------------------------------------------------ walk */

static enum ovk_extent_type hole_type(unsigned st)
{
	return st == OVK_VHDX_PAYLOAD_ZERO || st == OVK_VHDX_PAYLOAD_UNMAPPED ? OVK_EXTENT_ZERO
									     : OVK_EXTENT_UNALLOCATED;
}

static int load_bitmap(struct vhdx_src *s, uint64_t b, struct ovk_error *err)
{
	uint64_t bytes = s->spb / 8, at = entry_off(bitmap_entry(s, b)) + b % s->cr * bytes;

	if (s->bitmap_block == b)
		return 0;
	s->bitmap_block = UINT64_MAX;
	if (ovk_blob_pread(s->blob, at, s->bitmap, bytes, err) < 0)
		return ovk_error_prefix(err, "sector bitmap of block %" PRIu64, b);
	s->bitmap_block = b;
	return 0;
}

static int bit_set(const struct vhdx_src *s, uint64_t sector)
{
	return (s->bitmap[sector / 8] >> (sector % 8)) & 1;
}

static int partial_at(struct vhdx_src *s, uint64_t b, uint64_t pos, struct ovk_extent *x,
		      struct ovk_error *err)
{
	uint64_t bs = s->m.block_size, lss = s->m.logical_sector, start = b * bs;
	uint64_t last = (ovk_min_u64(start + bs, s->size) - start) / lss;
	uint64_t sec = (pos - start) / lss, n;
	int set;

	if (load_bitmap(s, b, err) < 0)
		return -1;
	set = bit_set(s, sec);
	for (n = sec + 1; n < last && bit_set(s, n) == set; n++)
		;
	if (set)
		ovk_extent_stored(x, pos, start + n * lss - pos, s->blob,
				  entry_off(payload(s, b)) + (pos - start));
	else
		ovk_extent_hole(x, pos, start + n * lss - pos, OVK_EXTENT_UNALLOCATED);
	return 0;
}

/* The extent at pos, for next() and pread() alike. */
static int vhdx_extent_at(struct ovk_source *src, uint64_t pos, struct ovk_extent *x,
			  struct ovk_error *err)
{
	struct vhdx_src *s = src->priv;
	uint64_t bs = s->m.block_size, b = pos / bs, e, n, f, end;
	unsigned st;

	e = payload(s, b);
	st = state(e);
	if (st == OVK_VHDX_PAYLOAD_PARTIALLY_PRESENT)
		return partial_at(s, b, pos, x, err);
	for (n = b + 1; n < s->data_blocks; n++) {
		f = payload(s, n);
		if (st == OVK_VHDX_PAYLOAD_FULLY_PRESENT
			    ? state(f) != st || entry_off(f) != entry_off(e) + (n - b) * bs
			    : state(f) == OVK_VHDX_PAYLOAD_FULLY_PRESENT ||
				      state(f) == OVK_VHDX_PAYLOAD_PARTIALLY_PRESENT ||
				      hole_type(state(f)) != hole_type(st))
			break;
	}
	end = ovk_min_u64(n * bs, s->size);
	if (st == OVK_VHDX_PAYLOAD_FULLY_PRESENT)
		ovk_extent_stored(x, pos, end - pos, s->blob, entry_off(e) + pos % bs);
	else
		ovk_extent_hole(x, pos, end - pos, hole_type(st));
	return 0;
}

static int vhdx_next(struct ovk_source *src, struct ovk_extent *x, struct ovk_error *err)
{
	struct vhdx_src *s = src->priv;

	return ovk_source_next_walk(src, vhdx_extent_at, &s->pos, ovk_blob_name(s->blob), x,
				    err);
}

/* Random access (engine/image.c): blocks not present, and the clear
 * sectors of partially present ones, read as zero; a differencing disk's
 * parent is not looked up. */
static int vhdx_pread(struct ovk_source *src, uint64_t off, void *buf, size_t len,
		      struct ovk_error *err)
{
	struct vhdx_src *s = src->priv;

	return ovk_source_pread_walk(src, vhdx_extent_at, ovk_blob_name(s->blob), off, buf,
				     len, err);
}

/* ------------------------------------------------------------------ info */

static int vhdx_info(struct ovk_source *src, struct ovk_source_facts *facts,
		     struct ovk_info *info, struct ovk_error *err)
{
	struct vhdx_src *s = src->priv;
	char text[OVK_VHDX_GUID_TEXT];

	(void)err;
	ovk_info_str(info, "subformat", s->m.has_parent ? "differencing" :
			    s->m.leave_allocated ? "fixed" : "dynamic");
	facts->cluster_size = s->m.block_size;
	ovk_info_u64(info, "logical-sector-size", s->m.logical_sector);
	ovk_info_u64(info, "physical-sector-size", s->m.physical_sector);
	ovk_info_u64(info, "header", (uint64_t)s->l.current);
	ovk_vhdx_guid_text(&s->l.h.data_write_guid, text);
	ovk_info_str(info, "data-write-guid", text);
	if (s->m.has_parent)
		ovk_info_str(info, "parent-linkage", s->m.parent_linkage);
	return 0;
}

/* The parent's data write GUID is what the child recorded as its
 * parent_linkage when it was made (or parent_linkage2, after a parent
 * was rewritten); anything else is another disk, or a parent written
 * since. */
static int vhdx_check_backing(struct ovk_source *src, struct ovk_source *parent,
			      struct ovk_error *err)
{
	struct vhdx_src *s = src->priv, *p;
	char have[OVK_VHDX_GUID_TEXT];

	if (parent->ops != &vhdx_ops)
		return ovk_error_set(err, EINVAL, "%s: the parent of a differencing VHDX must be a "
				     "VHDX, not %s", ovk_blob_name(s->blob), parent->format);
	p = parent->priv;
	ovk_vhdx_guid_text(&p->l.h.data_write_guid, have);
	if (strcasecmp(have, s->m.parent_linkage) == 0 ||
	    (s->m.parent_linkage2 && strcasecmp(have, s->m.parent_linkage2) == 0))
		return 0;
	return ovk_error_set(err, EINVAL, "%s: parent_linkage %s does not match the data write GUID "
			     "%s of parent %s (the wrong file, or a parent written since)",
			     ovk_blob_name(s->blob), s->m.parent_linkage, have,
			     ovk_blob_name(p->blob));
}

/* ------------------------------------------------------------ open/close */

static void src_free(struct vhdx_src *s)
{
	if (!s)
		return;
	ovk_blob_free(s->blob);
	ovk_vhdx_meta_clear(&s->m);
	free(s->bitmap);
	free(s);
}

static void vhdx_close(struct ovk_source *src)
{
	if (src)
		src_free(src->priv);
	ovk_source_free_shell(src);
}

static const struct ovk_source_ops vhdx_ops = {
	.next = vhdx_next,
	.pread = vhdx_pread,
	.info = vhdx_info,
	.check_backing = vhdx_check_backing,
	.close = vhdx_close,
};

/* A block at off of `need` bytes lies past the headers and inside the file. */
static int check_block(const struct vhdx_src *s, const char *what, uint64_t i, uint64_t e,
		       uint64_t need, struct ovk_error *err)
{
	uint64_t off = entry_off(e);

	if (off >= OVK_VHDX_HEADER_SECTION && ovk_range_ok(off, need, s->file_size))
		return 0;
	return ovk_error_set(err, EINVAL, "BAT entry %" PRIu64 ": %s at offset %" PRIu64 " (%" PRIu64
			     " bytes) beyond end of file (size %" PRIu64 ") or in the headers",
			     i, what, off, need, s->file_size);
}

/* Every payload entry (and the bitmap a partial block needs). */
static int check_bat(const struct vhdx_src *s, struct ovk_error *err)
{
	for (uint64_t b = 0; b < s->data_blocks; b++) {
		uint64_t e = payload(s, b), bm, i = b + b / s->cr;
		uint64_t need = ovk_min_u64(s->m.block_size, s->size - b * s->m.block_size);
		unsigned st = state(e);

		if (st == 4 || st == 5 || (st == OVK_VHDX_PAYLOAD_PARTIALLY_PRESENT && !s->m.has_parent))
			return ovk_error_set(err, EINVAL, "BAT entry %" PRIu64 ": block state %u is %s", i,
					     st, st == 7 ? "for differencing disks only" : "unknown");
		if (st < OVK_VHDX_PAYLOAD_FULLY_PRESENT)
			continue;
		if (check_block(s, "block", i, e, need, err) < 0)
			return -1;
		if (st != OVK_VHDX_PAYLOAD_PARTIALLY_PRESENT)
			continue;
		bm = bitmap_entry(s, b);
		i = b / s->cr * (s->cr + 1) + s->cr;
		if (state(bm) != OVK_VHDX_BITMAP_PRESENT)
			return ovk_error_set(err, EINVAL, "BAT entry %" PRIu64 ": the sector bitmap of a "
					     "partially present block is not present (state %u)", i,
					     state(bm));
		if (check_block(s, "sector bitmap", i, bm, OVK_VHDX_BITMAP_BLOCK, err) < 0)
			return -1;
	}
	return 0;
}

/* The BAT's geometry from the metadata, and that the region holds it. */
static int bat_setup(struct vhdx_src *s, struct ovk_error *err)
{
	uint64_t bs = s->m.block_size, entries, chunks;

	s->spb = bs / s->m.logical_sector;
	s->cr = OVK_VHDX_SECTORS_PER_BITMAP / s->spb;   /* 16..32768: both powers of two */
	s->data_blocks = s->size / bs + (s->size % bs != 0);
	chunks = s->data_blocks / s->cr + (s->data_blocks % s->cr != 0);
	if (s->m.has_parent)
		entries = chunks * (s->cr + 1);
	else
		entries = s->data_blocks ? s->data_blocks + (s->data_blocks - 1) / s->cr : 0;
	if (entries > s->l.bat.length / 8)
		return ovk_error_set(err, EINVAL, "BAT region of %" PRIu32 " bytes: too small for the %"
				     PRIu64 " entries of the virtual size", s->l.bat.length, entries);
	s->bat = ovk_blob_data(s->blob) + s->l.bat.offset;
	if (!(s->bitmap = malloc(s->spb / 8)))
		return ovk_error_sys(err, ENOMEM, "sector bitmap");
	s->bitmap_block = UINT64_MAX;
	return check_bat(s, err);
}

/* The parent's name: the relative path, else the file name of the
 * absolute one, looked for beside this disk (where an export puts it). */
static int set_backing(struct ovk_source *src, const struct vhdx_src *s, struct ovk_error *err)
{
	const char *path = s->m.relative_path ? s->m.relative_path : s->m.absolute_path;
	char *name, *base;

	if (!path)
		return ovk_error_set(err, EINVAL, "parent locator: no relative_path or "
				     "absolute_win32_path");
	if (!(name = strdup(path)))
		return ovk_error_sys(err, ENOMEM, "parent name");
	src->backing_name = name;
	if (ovk_windows_path_to_posix(name) && s->m.relative_path)
		return ovk_error_set(err, EINVAL, "parent locator: relative_path \"%s\" is absolute",
				     s->m.relative_path);
	if (!s->m.relative_path && (base = strrchr(name, '/')))
		memmove(name, base + 1, strlen(base + 1) + 1);
	if (!*name)
		return ovk_error_set(err, EINVAL, "parent locator: empty parent path");
	if (!(src->backing_format = strdup("vhdx")))
		return ovk_error_sys(err, ENOMEM, "backing format");
	return 0;
}

static int source_init(struct ovk_source *src, struct vhdx_src *s, struct ovk_error *err)
{
	const uint8_t *data = ovk_blob_data(s->blob);

	if (!data)
		return ovk_error_set(err, ENOTSUP, "a VHDX needs random access and a mapping");
	if (ovk_vhdx_layout_read(data, s->file_size, &s->l, err) < 0)
		return -1;
	if (ovk_vhdx_log_check(data, s->file_size, &s->l.h, err) < 0)
		return -1;
	if (ovk_vhdx_meta_read(data, s->file_size, &s->l.metadata, &s->m, err) < 0)
		return -1;
	s->size = s->m.virtual_size;
	if (bat_setup(s, err) < 0)
		return -1;
	return s->m.has_parent ? set_backing(src, s, err) : 0;
}

static int vhdx_open_source(struct ovk_blob *blob, const struct ovk_open_ctx *ctx,
			    struct ovk_source **out, struct ovk_error *err)
{
	struct ovk_source *src = calloc(1, sizeof *src);
	struct vhdx_src *s = calloc(1, sizeof *s);
	int ret = -1;

	(void)ctx;
	if (!src || !s) {
		ovk_error_sys(err, ENOMEM, "vhdx");
		goto out;
	}
	s->blob = blob;
	s->file_size = ovk_blob_size(blob);
	if (source_init(src, s, err) < 0)
		goto out;
	ovk_blob_advise_sequential(blob);
	ovk_source_set(src, &vhdx_ops, "vhdx", s->size, s);
	*out = src;
	src = NULL;
	s = NULL;
	ret = 0;
out:
	if (s)
		s->blob = NULL;     /* the caller keeps it on failure */
	src_free(s);
	vhdx_close(src);
	return ret;
}

const struct ovk_format ovk_format_vhdx = {
	.name = "vhdx",
	.probe = ovk_vhdx_probe,
	.open_source = vhdx_open_source,
};

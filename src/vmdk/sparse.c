/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sparse.c: the grain directory walk of a mapped sparse extent (KDMV hosted
 * sparse, streamOptimized read through its GD, and COWD).
 *
 *   GD (n_gt x u32) --> GT (gtes x u32) --> grain at sector GTE
 *
 *   GD entry 0        the whole table is unallocated
 *   GTE 0             unallocated grain (reads as zero, or from the parent)
 *   GTE 1             zeroed grain, when the header sets flag bit 2
 *   GTE n             grain at sector n: raw bytes, or for compressed extents
 *                     a marker {u64 lba; u32 size} and a zlib stream
 *
 * No table is copied: entries are loaded from the mapping with le32_load
 * when needed, and each table's range is checked before any entry of it is
 * read.  That keeps memory flat for any disk size.
 *
 * Extents handed out: runs of unallocated or zeroed grains become one
 * extent; uncompressed grains that follow each other in the file become one
 * stored extent, so the writer can issue large writes; each compressed grain
 * becomes an encoded extent that read() (vmdk.c) inflates on a worker
 * thread.
 */
#include "vmdk.h"

#include <errno.h>
#include <inttypes.h>

#include "core/checked.h"
#include "core/endian.h"

enum grain_kind {
	GRAIN_UNALLOCATED,
	GRAIN_ZERO,
	GRAIN_DATA,
	GRAIN_COMPRESSED,
};

struct grain_loc {
	enum grain_kind kind;
	uint64_t off;               /* DATA: the grain; COMPRESSED: the zlib stream */
	uint64_t clen;              /* COMPRESSED: stream length or bound */
};

int ovk_vmdk_sparse_setup(struct ovk_vmdk_sparse *sp, const struct ovk_blob *b,
			  const struct ovk_vmdk_header *h, struct ovk_error *err)
{
	uint64_t gd_bytes;

	sp->h = *h;
	sp->data = ovk_blob_data(b);
	sp->file_size = ovk_blob_size(b);
	if (!sp->data)
		return ovk_error_set(err, EINVAL, "a sparse extent needs to be mapped");
	if (h->magic == OVK_VMDK_MAGIC_KDMV && h->gd_offset == OVK_VMDK_GD_AT_END &&
	    ovk_vmdk_footer_read(sp->data, sp->file_size, &sp->h, err) < 0)
		return -1;
	h = &sp->h;
	sp->grain_bytes = h->grain_size * OVK_VMDK_SECTOR;     /* validated <= 2 MiB */
	sp->cap_bytes = h->capacity * OVK_VMDK_SECTOR;         /* validated: no overflow */
	sp->n_grains = sp->cap_bytes / sp->grain_bytes + (sp->cap_bytes % sp->grain_bytes != 0);
	sp->gtes = h->gtes;
	sp->n_gt = sp->n_grains / sp->gtes + (sp->n_grains % sp->gtes != 0);
	if (h->magic == OVK_VMDK_MAGIC_COWD && h->gd_entries < sp->n_gt)
		return ovk_error_set(err, EINVAL,
				     "numGDEntries %" PRIu32 ": fewer than the %" PRIu64 " tables of the capacity",
				     h->gd_entries, sp->n_gt);
	sp->compressed = h->magic == OVK_VMDK_MAGIC_KDMV && (h->flags & OVK_VMDK_FLAG_COMPRESSED);
	sp->markers = sp->compressed && (h->flags & OVK_VMDK_FLAG_MARKERS);
	sp->zero_grain = h->magic == OVK_VMDK_MAGIC_KDMV && (h->flags & OVK_VMDK_FLAG_ZERO_GRAIN);
	gd_bytes = sp->n_gt * 4;    /* n_gt <= 2^55 / 2^9: no overflow */
	if (ovk_mul_overflow(h->gd_offset, (uint64_t)OVK_VMDK_SECTOR, &sp->gd_off) ||
	    !ovk_range_ok(sp->gd_off, gd_bytes, sp->file_size))
		return ovk_error_set(err, EINVAL,
				     "gdOffset %" PRIu64 ": grain directory (%" PRIu64 " entries) beyond end of file (size %" PRIu64 " sectors)",
				     h->gd_offset, sp->n_gt, sp->file_size / OVK_VMDK_SECTOR);
	return 0;
}

static int lookup(const struct ovk_vmdk_extent *e, uint64_t g, uint32_t *gte,
		  struct ovk_error *err)
{
	const struct ovk_vmdk_sparse *sp = &e->sp;
	uint64_t t = g / sp->gtes, gt_off;
	uint32_t gde;

	*gte = 0;
	if (g >= sp->n_grains)      /* the descriptor is larger than the header */
		return 0;
	gde = le32_load(sp->data + sp->gd_off + t * 4);
	if (gde == 0)
		return 0;
	gt_off = (uint64_t)gde * OVK_VMDK_SECTOR;
	if (!ovk_range_ok(gt_off, (uint64_t)sp->gtes * 4, sp->file_size))
		return ovk_error_set(err, EINVAL,
				     "grain table %" PRIu64 " at sector %" PRIu32 ": beyond end of file (size %" PRIu64 " sectors)",
				     t, gde, sp->file_size / OVK_VMDK_SECTOR);
	*gte = le32_load(sp->data + gt_off + (g % sp->gtes) * 4);
	return 0;
}

static int locate_compressed(const struct ovk_vmdk_extent *e, uint64_t g, uint32_t gte,
			     struct grain_loc *gl, struct ovk_error *err)
{
	const struct ovk_vmdk_sparse *sp = &e->sp;
	uint64_t max = sp->grain_bytes * OVK_VMDK_MAX_COMPRESSED_GRAINS, lba;
	uint8_t marker[12];

	if (!sp->markers) {
		/* No length on disk: the stream ends where zlib says; bound it. */
		gl->clen = ovk_min_u64(sp->file_size - gl->off, max + OVK_VMDK_SECTOR);
		return 0;
	}
	if (!ovk_range_ok(gl->off, sizeof marker, sp->file_size))
		goto beyond;
	/* Read, not mapped: the grain's bytes are read by the engine with
	 * pread too, so the mapping never faults in the data pages. */
	if (ovk_blob_pread(e->blob, gl->off, marker, sizeof marker, err) < 0)
		return -1;
	lba = le64_load(marker);
	gl->clen = le32_load(marker + 8);
	if (gl->clen == 0 || gl->clen > max)
		return ovk_error_set(err, EINVAL,
				     "grain %" PRIu64 " at sector %" PRIu32 ": compressed size %" PRIu64 " not in 1..%" PRIu64,
				     g, gte, gl->clen, max);
	if (lba != g * sp->h.grain_size)
		return ovk_error_set(err, EINVAL,
				     "grain %" PRIu64 " at sector %" PRIu32 ": marker LBA %" PRIu64 ", expected %" PRIu64,
				     g, gte, lba, g * sp->h.grain_size);
	gl->off += 12;
	if (!ovk_range_ok(gl->off, gl->clen, sp->file_size))
		goto beyond;
	return 0;
beyond:
	return ovk_error_set(err, EINVAL,
			     "grain %" PRIu64 " at sector %" PRIu32 ": beyond end of file (size %" PRIu64 " sectors)",
			     g, gte, sp->file_size / OVK_VMDK_SECTOR);
}

/* Where grain g lives.  `need` is how many of its bytes the guest uses. */
static int classify(const struct ovk_vmdk_extent *e, uint64_t g, uint64_t need,
		    struct grain_loc *gl, struct ovk_error *err)
{
	const struct ovk_vmdk_sparse *sp = &e->sp;
	uint32_t gte;

	gl->off = 0;
	gl->clen = 0;
	if (lookup(e, g, &gte, err) < 0)
		return -1;
	if (gte == 0) {
		gl->kind = GRAIN_UNALLOCATED;
		return 0;
	}
	if (gte == OVK_VMDK_GTE_ZEROED && sp->zero_grain) {
		gl->kind = GRAIN_ZERO;
		return 0;
	}
	gl->off = (uint64_t)gte * OVK_VMDK_SECTOR;
	if (sp->compressed) {
		gl->kind = GRAIN_COMPRESSED;
		if (gl->off >= sp->file_size)
			return ovk_error_set(err, EINVAL,
					     "grain %" PRIu64 " at sector %" PRIu32 ": beyond end of file (size %" PRIu64 " sectors)",
					     g, gte, sp->file_size / OVK_VMDK_SECTOR);
		return locate_compressed(e, g, gte, gl, err);
	}
	gl->kind = GRAIN_DATA;
	if (!ovk_range_ok(gl->off, need, sp->file_size))
		return ovk_error_set(err, EINVAL,
				     "grain %" PRIu64 " at sector %" PRIu32 ": beyond end of file (size %" PRIu64 " sectors)",
				     g, gte, sp->file_size / OVK_VMDK_SECTOR);
	return 0;
}

uint64_t ovk_vmdk_grain_need(const struct ovk_vmdk_extent *e, uint64_t g)
{
	return ovk_min_u64(e->sp.grain_bytes, e->length - g * e->sp.grain_bytes);
}

/* True when grain g cannot be allocated: past the header's capacity, or in
 * a table that the GD leaves out.  Lets a run of holes skip a whole table
 * per step, so a hostile 2^55-sector capacity costs at most one step per GD
 * entry, and GD entries are bounded by the file size. */
static int table_absent(const struct ovk_vmdk_extent *e, uint64_t g)
{
	const struct ovk_vmdk_sparse *sp = &e->sp;

	return g >= sp->n_grains || le32_load(sp->data + sp->gd_off + g / sp->gtes * 4) == 0;
}

/* Grow a run of grains like the first one, up to `limit` bytes (extent
 * relative end).  Data runs must also be contiguous in the file. */
static int extend_run(const struct ovk_vmdk_extent *e, const struct grain_loc *first,
		      uint64_t first_g, uint64_t limit, uint64_t *end, struct ovk_error *err)
{
	const struct ovk_vmdk_sparse *sp = &e->sp;
	uint64_t gb = sp->grain_bytes, g = first_g + 1, next_off = first->off + gb;
	uint64_t g_lim = limit / gb + (limit % gb != 0);
	struct grain_loc gl;

	while (g < g_lim) {
		if (first->kind == GRAIN_UNALLOCATED && table_absent(e, g)) {
			g = g >= sp->n_grains ? g_lim : (g / sp->gtes + 1) * sp->gtes;
			continue;
		}
		if (classify(e, g, ovk_vmdk_grain_need(e, g), &gl, err) < 0)
			return -1;
		if (gl.kind != first->kind)
			break;
		if (gl.kind == GRAIN_DATA && gl.off != next_off)
			break;
		next_off += gb;
		g++;
	}
	*end = g >= g_lim ? limit : g * gb;
	return 0;
}

int ovk_vmdk_sparse_next(const struct ovk_vmdk_extent *e, uint64_t rel, uint64_t max_len,
			 struct ovk_extent *out, struct ovk_error *err)
{
	uint64_t gb = e->sp.grain_bytes, g = rel / gb, in = rel - g * gb;
	uint64_t limit = rel + ovk_min_u64(max_len, e->length - rel), end;
	struct grain_loc gl;

	if (classify(e, g, ovk_vmdk_grain_need(e, g), &gl, err) < 0)
		return -1;
	end = limit - g * gb > gb ? g * gb + gb : limit;   /* no overflow near 2^64 */
	switch (gl.kind) {
	case GRAIN_UNALLOCATED:
	case GRAIN_ZERO:
		if (extend_run(e, &gl, g, limit, &end, err) < 0)
			return -1;
		ovk_extent_hole(out, rel, end - rel,
				gl.kind == GRAIN_ZERO ? OVK_EXTENT_ZERO : OVK_EXTENT_UNALLOCATED);
		return 0;
	case GRAIN_DATA:
		if (extend_run(e, &gl, g, limit, &end, err) < 0)
			return -1;
		ovk_extent_stored(out, rel, end - rel, e->blob, gl.off + in);
		return 0;
	case GRAIN_COMPRESSED:
		ovk_extent_encoded(out, rel, end - rel, e->blob, gl.off, gl.clen);
		out->token = ovk_vmdk_grain_need(e, g);
		return 0;
	}
	return ovk_error_set(err, EINVAL, "grain %" PRIu64 ": unknown kind", g);
}

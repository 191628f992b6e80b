/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lvm.c: LVM2 physical volumes, their metadata areas, and the volume groups
 * and linear logical volumes they describe (see lvm.h).
 *
 * Label (in one of sectors 0..3, 512 bytes, little-endian; lvm2's
 * label_header, then its pv_header at `offset`, both inside the sector):
 *
 *   0   "LABELONE"         20  offset of pv_header from the label (32)
 *   8   sector u64 (its own number)   24  "LVM2 001"
 *   16  crc u32 (of bytes 20..511)    32  pv_header:
 *       0 PV UUID (32 chars, no dashes), 32 device size u64 (bytes),
 *       40 data areas {offset u64, size u64}... {0, 0},
 *          then metadata areas {offset u64, size u64}... {0, 0}  (bytes)
 *
 * Metadata area (at a metadata area's offset: a 512-byte mda_header, then
 * a circular buffer of text that wraps back to offset 512 of the area):
 *
 *   0   checksum u32 (of bytes 4..511)   32  size u64 (of the area)
 *   4   magic " LVM2 x[5A%r0N*>"         40  raw_locn[0]: offset u64 (from
 *   20  version u32 (1)                      the area's start), size u64,
 *   24  start u64 (the area's own            checksum u32 (of the text),
 *       offset on the device)                flags u32 (1 = ignored)
 *
 * Checksums are lvm2's calc_crc: CRC-32 without the final inversion,
 * seeded with 0xf597a6cf.  The text (lvm_text.c) names the VG, its PVs by
 * UUID with pe_start and pe_count, and its LVs with their segments; sizes
 * are in 512-byte sectors and extents.
 *
 * Invariants: a PV's label and mda_header passed their checksums and the
 * text its own; the text lies inside the metadata area and is at most
 * OVK_LVM_MAX_TEXT bytes; an LV's segments tile [0, extents) in order, each
 * inside its PV's pe_count, and byte offsets were computed with checked
 * arithmetic.  A VG is assembled from the copy with the highest seqno.
 */
#include "lvm_priv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/codec.h"
#include "core/endian.h"

#define LVM_SECTOR 512u
#define LVM_LABEL_SECTORS 4u      /* lvm2 looks for the label in sectors 0..3 */
#define LVM_INITIAL_CRC 0xf597a6cfu
#define LVM_MDA_HEADER 512u
#define LVM_FMTT_MAGIC " LVM2 x[5A%r0N*>"
#define LVM_RAW_LOCN_IGNORED 1u
/* Metadata areas per PV: lvm2 makes at most two (pvcreate
 * --pvmetadatacopies 2: one at the start, one at the end). */
#define LVM_MAX_MDAS 2u
/* VGs over the devices of one guest: each needs its own PVs, and a
 * guest with more than 64 is not one we inspect. */
#define LVM_MAX_VGS 64u

struct lvm_pv {
	struct ovk_gdisk *disk;   /* borrowed from the caller */
	char uuid[33];            /* as in the label: no dashes */
	uint64_t dev_size;
	uint64_t mda_off[LVM_MAX_MDAS], mda_size[LVM_MAX_MDAS];
	unsigned n_mda;
	char *text;               /* the newest metadata, NULL for none */
	size_t text_len;
};

struct mda_header {
	uint32_t checksum, computed;
	uint8_t magic[16];
	uint32_t version;
	uint64_t start, size;
	uint64_t rl_offset, rl_size;
	uint32_t rl_checksum, rl_flags;
};

static uint32_t lvm_crc(uint32_t crc, const void *buf, size_t len)
{
	return ~ovk_crc32(~crc, buf, len);
}

/* ------------------------------------------------------------ label */

/* The label in sector b (number s) of a device: 1 when it is one. */
static int label_at(const uint8_t *b, uint64_t s)
{
	return memcmp(b, "LABELONE", 8) == 0 && le64_load(b + 8) == s &&
	       le32_load(b + 16) == lvm_crc(LVM_INITIAL_CRC, b + 20, LVM_SECTOR - 20) &&
	       memcmp(b + 24, "LVM2 001", 8) == 0;
}

/* Find the label; its sector number, or -1 (none) / -2 (I/O error). */
static int label_find(struct ovk_gdisk *disk, uint8_t *b, struct ovk_error *err)
{
	for (unsigned s = 0; s < LVM_LABEL_SECTORS; s++) {
		if ((uint64_t)(s + 1) * LVM_SECTOR > ovk_gdisk_size(disk))
			return -1;
		if (ovk_gdisk_pread(disk, (uint64_t)s * LVM_SECTOR, b, LVM_SECTOR, err) < 0)
			return -2;
		if (label_at(b, s))
			return (int)s;
	}
	return -1;
}

int ovk_lvm_is_pv(struct ovk_gdisk *disk)
{
	uint8_t b[LVM_SECTOR];

	return label_find(disk, b, NULL) >= 0;
}

/* The pv_header of the label in b into pv: UUID, size, metadata areas. */
static int pv_header_decode(const uint8_t *b, struct lvm_pv *pv, struct ovk_error *err)
{
	uint32_t off = le32_load(b + 20);
	unsigned list = 0;

	if (off < 32 || off > LVM_SECTOR - 40 - 32)
		return ovk_error_set(err, EINVAL, "pv_header offset %" PRIu32 " not in 32..%u", off,
				     LVM_SECTOR - 72);
	memcpy(pv->uuid, b + off, 32);
	pv->uuid[32] = '\0';
	pv->dev_size = le64_load(b + off + 32);
	/* two {offset, size} lists ending in {0, 0}: data, then metadata */
	for (uint32_t at = off + 40; list < 2; at += 16) {
		uint64_t o, sz;

		if (at + 16 > LVM_SECTOR)
			return ovk_error_set(err, EINVAL, "pv_header area lists run past the "
					     "label sector");
		o = le64_load(b + at);
		sz = le64_load(b + at + 8);
		if (o == 0 && sz == 0) {
			list++;
			continue;
		}
		if (list == 1) {
			if (pv->n_mda == LVM_MAX_MDAS)
				return ovk_error_set(err, EINVAL, "more than %u metadata areas",
						     LVM_MAX_MDAS);
			pv->mda_off[pv->n_mda] = o;
			pv->mda_size[pv->n_mda++] = sz;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ metadata area */

static void mda_decode(const uint8_t *b, struct mda_header *h)
{
	h->checksum = le32_load(b);
	h->computed = lvm_crc(LVM_INITIAL_CRC, b + 4, LVM_MDA_HEADER - 4);
	memcpy(h->magic, b + 4, 16);
	h->version = le32_load(b + 20);
	h->start = le64_load(b + 24);
	h->size = le64_load(b + 32);
	h->rl_offset = le64_load(b + 40);
	h->rl_size = le64_load(b + 48);
	h->rl_checksum = le32_load(b + 56);
	h->rl_flags = le32_load(b + 60);
}

/* The header of the area [off, off + size) of a device of dev bytes. */
static int mda_validate(const struct mda_header *h, uint64_t off, uint64_t size, uint64_t dev,
			struct ovk_error *err)
{
	if (h->checksum != h->computed)
		return ovk_error_set(err, EINVAL, "header checksum %08" PRIx32 ", computed %08"
				     PRIx32, h->checksum, h->computed);
	if (memcmp(h->magic, LVM_FMTT_MAGIC, 16) != 0 || h->version != 1)
		return ovk_error_set(err, EINVAL, "not an LVM2 text metadata area (version %" PRIu32
				     ")", h->version);
	if (h->start != off || h->size != size || size <= LVM_MDA_HEADER ||
	    !ovk_range_ok(off, size, dev))
		return ovk_error_set(err, ERANGE, "area %" PRIu64 "+%" PRIu64 " (header says %"
				     PRIu64 "+%" PRIu64 ") not inside the device (%" PRIu64
				     " bytes)", off, size, h->start, h->size, dev);
	if (h->rl_size == 0 || (h->rl_flags & LVM_RAW_LOCN_IGNORED))
		return 0;
	if (h->rl_offset < LVM_MDA_HEADER || h->rl_offset >= size ||
	    h->rl_size > size - LVM_MDA_HEADER || h->rl_size > OVK_LVM_MAX_TEXT)
		return ovk_error_set(err, ERANGE, "text of %" PRIu64 " bytes at %" PRIu64 " not "
				     "inside the area (%" PRIu64 " bytes, at most %zu of text)",
				     h->rl_size, h->rl_offset, size, OVK_LVM_MAX_TEXT);
	return 0;
}

/* The text of a validated header, unwrapping the circular buffer. */
static int mda_text(struct ovk_gdisk *disk, uint64_t off, const struct mda_header *h,
		    struct lvm_pv *pv, struct ovk_error *err)
{
	size_t len = (size_t)h->rl_size;
	size_t first = (size_t)ovk_min_u64(len, h->size - h->rl_offset);
	char *t = malloc(len + 1);
	int ret = -1;

	if (!t) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (ovk_gdisk_pread(disk, off + h->rl_offset, t, first, err) < 0 ||
	    ovk_gdisk_pread(disk, off + LVM_MDA_HEADER, t + first, len - first, err) < 0)
		goto out;
	if (lvm_crc(LVM_INITIAL_CRC, t, len) != h->rl_checksum) {
		ovk_error_set(err, EINVAL, "text checksum %08" PRIx32 ", computed %08" PRIx32,
			      h->rl_checksum, lvm_crc(LVM_INITIAL_CRC, t, len));
		goto out;
	}
	t[len] = '\0';
	pv->text = t;
	pv->text_len = len;
	t = NULL;
	ret = 0;
out:
	free(t);
	return ret;
}

/* The metadata of pv: from the first area that has it. */
static int pv_metadata(struct ovk_gdisk *disk, struct lvm_pv *pv, struct ovk_error *err)
{
	uint8_t b[LVM_MDA_HEADER];
	struct mda_header h;

	for (unsigned i = 0; i < pv->n_mda && !pv->text; i++) {
		uint64_t off = pv->mda_off[i];

		if (!ovk_range_ok(off, LVM_MDA_HEADER, ovk_gdisk_size(disk)) ||
		    ovk_gdisk_pread(disk, off, b, sizeof b, err) < 0)
			return ovk_error_set(err, ERANGE, "LVM2 metadata area %u at %" PRIu64
					     ": beyond the device", i + 1, off);
		mda_decode(b, &h);
		if (mda_validate(&h, off, pv->mda_size[i], ovk_gdisk_size(disk), err) < 0 ||
		    (h.rl_size && !(h.rl_flags & LVM_RAW_LOCN_IGNORED) &&
		     mda_text(disk, off, &h, pv, err) < 0))
			return ovk_error_prefix(err, "LVM2 metadata area %u at %" PRIu64, i + 1,
						off);
	}
	return 0;
}

/* The PV on disk into *out: 0, 1 when disk has no label, -1. */
static int pv_read(struct ovk_gdisk *disk, struct lvm_pv **out, struct ovk_error *err)
{
	struct lvm_pv *pv = NULL;
	uint8_t b[LVM_SECTOR];
	int s, ret = -1;

	*out = NULL;
	if ((s = label_find(disk, b, err)) == -1)
		return 1;
	if (s < 0)
		goto out;
	if (!(pv = calloc(1, sizeof *pv))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	pv->disk = disk;
	if (pv_header_decode(b, pv, err) < 0) {
		ovk_error_prefix(err, "LVM2 label in sector %d", s);
		goto out;
	}
	if (pv_metadata(disk, pv, err) < 0)
		goto out;
	*out = pv;
	pv = NULL;
	ret = 0;
out:
	if (ret < 0)
		ovk_error_name(err, ovk_gdisk_name(disk));
	if (pv)
		free(pv->text);
	free(pv);
	return ret;
}

/* ------------------------------------------------------------ volume group */

/* A PV as the VG metadata names it, and the device found for it. */
struct vg_pv {
	const struct lvm_node *node;
	struct lvm_pv *pv;        /* NULL: not among the devices given */
	uint64_t pe_start, pe_count;
	char id[OVK_LVM_UUID];
};

struct vg_ctx {
	const struct lvm_cfg *c;
	struct ovk_vg *vg;
	uint64_t extent_sectors;
	struct vg_pv *pvs;
	size_t n_pvs;
};

/* An LVM UUID without its dashes, for comparing with a label's. */
static void undash(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in && n + 1 < cap; in++)
		if (*in != '-')
			out[n++] = *in;
	out[n] = '\0';
}

static int key_copy(const struct lvm_node *n, char *buf, size_t cap)
{
	if (n->key_len >= cap || memchr(n->key, '\0', n->key_len))
		return -1;
	memcpy(buf, n->key, n->key_len);
	buf[n->key_len] = '\0';
	return 0;
}

static int vg_pvs(struct vg_ctx *x, const struct lvm_node *vgs, struct lvm_pv *const *pvs,
		  size_t n_pv, struct ovk_error *err)
{
	const struct lvm_node *sec = ovk_lvm_find(x->c, vgs, "physical_volumes"), *n;
	char want[OVK_LVM_UUID];

	for (n = sec ? ovk_lvm_child(x->c, sec) : NULL; n; n = ovk_lvm_next(x->c, n))
		x->n_pvs++;
	if (x->n_pvs && !(x->pvs = calloc(x->n_pvs, sizeof *x->pvs)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	x->n_pvs = 0;
	for (n = sec ? ovk_lvm_child(x->c, sec) : NULL; n; n = ovk_lvm_next(x->c, n)) {
		struct vg_pv *p = &x->pvs[x->n_pvs++];

		p->node = n;
		if (n->type != LVM_SECTION || ovk_lvm_str(x->c, n, "id", p->id, sizeof p->id) < 0 ||
		    ovk_lvm_u64(x->c, n, "pe_start", &p->pe_start) < 0 ||
		    ovk_lvm_u64(x->c, n, "pe_count", &p->pe_count) < 0)
			return ovk_error_set(err, EINVAL, "physical volume %.*s: no id, pe_start "
					     "or pe_count", (int)ovk_min_u64(n->key_len, 64),
					     n->key);
		undash(p->id, want, sizeof want);
		for (size_t i = 0; i < n_pv && !p->pv; i++)
			if (strcmp(pvs[i]->uuid, want) == 0)
				p->pv = pvs[i];
		x->vg->n_pv_found += p->pv != NULL;
	}
	x->vg->n_pv = x->n_pvs;
	return 0;
}

/* What one segment contributes: its PV, offset and length in bytes.
 * Returns 1 (with lv->reason set) when the segment is not linear or its
 * PV is missing. */
static int segment(struct vg_ctx *x, const struct lvm_node *s, unsigned i, uint64_t count,
		   struct ovk_lv *lv, struct ovk_gdisk **base, uint64_t *off, uint64_t *len,
		   struct ovk_error *err)
{
	const struct lvm_node *st = ovk_lvm_find(x->c, s, "stripes"), *pvn, *pe;
	uint64_t stripes = 0, first, bytes;
	char type[32];
	struct vg_pv *p = NULL;

	if (ovk_lvm_str(x->c, s, "type", type, sizeof type) < 0)
		return ovk_error_set(err, EINVAL, "segment %u: no type", i);
	if (strcmp(type, "striped") != 0 ||
	    (ovk_lvm_u64(x->c, s, "stripe_count", &stripes) == 0 && stripes != 1)) {
		snprintf(lv->type, sizeof lv->type, "%s", type);
		snprintf(lv->reason, sizeof lv->reason, strcmp(type, "striped") ?
			 "segment %u is \"%s\"" : "segment %u is \"%s\" with %" PRIu64 " stripes",
			 i, type, stripes);
		return 1;
	}
	pvn = st && st->type == LVM_LIST ? ovk_lvm_child(x->c, st) : NULL;
	pe = pvn ? ovk_lvm_next(x->c, pvn) : NULL;
	if (!pe || pvn->type != LVM_STR || pe->type != LVM_INT || pe->num < 0 ||
	    ovk_lvm_next(x->c, pe))
		return ovk_error_set(err, EINVAL, "segment %u: stripes is not [\"pvN\", extent]", i);
	for (size_t k = 0; k < x->n_pvs && !p; k++)
		if (x->pvs[k].node->key_len == pvn->str_len &&
		    memcmp(x->pvs[k].node->key, pvn->str, pvn->str_len) == 0)
			p = &x->pvs[k];
	if (!p)
		return ovk_error_set(err, EINVAL, "segment %u: on a PV the VG does not list", i);
	first = (uint64_t)pe->num;
	if (first > p->pe_count || count > p->pe_count - first)
		return ovk_error_set(err, ERANGE, "segment %u: extents %" PRIu64 "+%" PRIu64
				     " beyond the PV's %" PRIu64, i, first, count, p->pe_count);
	if (!p->pv) {
		snprintf(lv->reason, sizeof lv->reason, "segment %u: PV %s not found", i, p->id);
		return 1;
	}
	if (ovk_mul_overflow(first, x->extent_sectors, &bytes) ||
	    ovk_add_overflow(bytes, p->pe_start, &bytes) ||
	    ovk_mul_overflow(bytes, (uint64_t)LVM_SECTOR, off) ||
	    ovk_mul_overflow(count, x->extent_sectors * LVM_SECTOR, len) ||
	    !ovk_range_ok(*off, *len, ovk_gdisk_size(p->pv->disk)))
		return ovk_error_set(err, ERANGE, "segment %u: extents %" PRIu64 "+%" PRIu64
				     " beyond %s", i, first, count, ovk_gdisk_name(p->pv->disk));
	*base = p->pv->disk;
	return 0;
}

/* The segments of LV section l, in order, into concatenation arrays. */
static int lv_segments(struct vg_ctx *x, const struct lvm_node *l, struct ovk_lv *lv,
		       struct ovk_gdisk **base, uint64_t *off, uint64_t *len, size_t *n,
		       struct ovk_error *err)
{
	uint64_t next = 0, start, count;
	int readable = 1, r;

	*n = 0;
	for (const struct lvm_node *s = ovk_lvm_child(x->c, l); s; s = ovk_lvm_next(x->c, s)) {
		unsigned i = (unsigned)*n + 1;

		if (s->type != LVM_SECTION || s->key_len < 7 || memcmp(s->key, "segment", 7))
			continue;
		if (ovk_lvm_u64(x->c, s, "start_extent", &start) < 0 ||
		    ovk_lvm_u64(x->c, s, "extent_count", &count) < 0 || count == 0)
			return ovk_error_set(err, EINVAL, "segment %u: no start_extent or "
					     "extent_count", i);
		if (start != next)
			return ovk_error_set(err, EINVAL, "segment %u starts at extent %" PRIu64
					     ", not %" PRIu64, i, start, next);
		if (ovk_add_overflow(next, count, &next))
			return ovk_error_set(err, ERANGE, "segment %u: too many extents", i);
		if (!readable)
			continue;   /* the reason is known; the rest is still checked */
		r = segment(x, s, i, count, lv, &base[*n], &off[*n], &len[*n], err);
		if (r < 0)
			return ovk_error_prefix(err, "LV %s", lv->name);
		readable = r == 0;
		(*n)++;
	}
	if (ovk_mul_overflow(next, x->extent_sectors * LVM_SECTOR, &lv->size))
		return ovk_error_set(err, ERANGE, "LV %s: %" PRIu64 " extents overflow a size",
				     lv->name, next);
	if (next == 0)
		return ovk_error_set(err, EINVAL, "LV %s: no segments", lv->name);
	return readable ? 0 : 1;
}

static int lv_build(struct vg_ctx *x, const struct lvm_node *l, struct ovk_lv *lv,
		    struct ovk_error *err)
{
	struct ovk_gdisk **base = NULL;
	uint64_t *off = NULL, *len = NULL;
	size_t n_seg = 0, n;
	char name[2 * OVK_LVM_NAME + 1];
	int r, ret = -1;

	if (l->type != LVM_SECTION || key_copy(l, lv->name, sizeof lv->name) < 0 ||
	    ovk_lvm_str(x->c, l, "id", lv->uuid, sizeof lv->uuid) < 0) {
		ovk_error_set(err, EINVAL, "a logical volume without a name or id");
		goto out;
	}
	lv->visible = ovk_lvm_has_flag(x->c, l, "status", "VISIBLE");
	snprintf(lv->type, sizeof lv->type, "linear");
	for (const struct lvm_node *s = ovk_lvm_child(x->c, l); s; s = ovk_lvm_next(x->c, s))
		n_seg += s->type == LVM_SECTION;
	if (n_seg > GDISK_MAX_SEGMENTS) {
		ovk_error_set(err, EINVAL, "LV %s: %zu segments, more than %u", lv->name, n_seg,
			      GDISK_MAX_SEGMENTS);
		goto out;
	}
	base = calloc(n_seg + 1, sizeof *base);
	off = calloc(n_seg + 1, sizeof *off);
	len = calloc(n_seg + 1, sizeof *len);
	if (!base || !off || !len) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if ((r = lv_segments(x, l, lv, base, off, len, &n, err)) < 0)
		goto out;
	snprintf(name, sizeof name, "%s/%s", x->vg->name, lv->name);
	if (r == 0 && ovk_gdisk_concat(base, off, len, n, name, &lv->disk, err) < 0)
		goto out;
	ret = 0;
out:
	free(base);
	free(off);
	free(len);
	return ret;
}

void ovk_lvm_vg_clear(struct ovk_vg *vg)
{
	for (size_t i = 0; i < vg->n_lv; i++)
		ovk_gdisk_free(vg->lv[i].disk);
	free(vg->lv);
	memset(vg, 0, sizeof *vg);
}

/* The VG section of a parsed text: its first section (lvm2 writes the VG,
 * then contents, version, ...). */
static const struct lvm_node *vg_section(const struct lvm_cfg *c)
{
	for (const struct lvm_node *n = ovk_lvm_child(c, &c->nodes[0]); n; n = ovk_lvm_next(c, n))
		if (n->type == LVM_SECTION)
			return n;
	return NULL;
}

/* An old-style snapshot is a hidden LV with a "snapshot" segment naming
 * its origin and its copy-on-write store; the store is a visible, linear
 * LV whose bytes are exceptions, not the snapshot's view: never read it. */
static void mark_snapshots(struct vg_ctx *x, const struct lvm_node *sec)
{
	char type[32], cow[OVK_LVM_NAME], origin[OVK_LVM_NAME];

	for (const struct lvm_node *n = ovk_lvm_child(x->c, sec); n; n = ovk_lvm_next(x->c, n))
		for (const struct lvm_node *s = ovk_lvm_child(x->c, n); s; s = ovk_lvm_next(x->c, s)) {
			if (s->type != LVM_SECTION ||
			    ovk_lvm_str(x->c, s, "type", type, sizeof type) < 0 ||
			    strcmp(type, "snapshot") != 0 ||
			    ovk_lvm_str(x->c, s, "cow_store", cow, sizeof cow) < 0)
				continue;
			if (ovk_lvm_str(x->c, s, "origin", origin, sizeof origin) < 0)
				snprintf(origin, sizeof origin, "?");
			for (size_t i = 0; i < x->vg->n_lv; i++) {
				struct ovk_lv *lv = &x->vg->lv[i];

				if (strcmp(lv->name, cow) != 0)
					continue;
				ovk_gdisk_free(lv->disk);
				lv->disk = NULL;
				snprintf(lv->type, sizeof lv->type, "snapshot");
				snprintf(lv->reason, sizeof lv->reason, "a snapshot of %.100s (its "
					 "copy-on-write store)", origin);
			}
		}
}

static int vg_lvs(struct vg_ctx *x, const struct lvm_node *vgs, struct ovk_error *err)
{
	const struct lvm_node *sec = ovk_lvm_find(x->c, vgs, "logical_volumes"), *n;
	size_t count = 0;

	for (n = sec ? ovk_lvm_child(x->c, sec) : NULL; n; n = ovk_lvm_next(x->c, n))
		count++;
	if (count && !(x->vg->lv = calloc(count, sizeof *x->vg->lv)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	for (n = sec ? ovk_lvm_child(x->c, sec) : NULL; n; n = ovk_lvm_next(x->c, n))
		if (lv_build(x, n, &x->vg->lv[x->vg->n_lv++], err) < 0)
			return -1;
	if (sec)
		mark_snapshots(x, sec);
	return 0;
}

int ovk_lvm_vg_assemble(const char *text, size_t len, struct lvm_pv *const *pvs, size_t n_pv,
			struct ovk_vg *vg, struct ovk_error *err)
{
	struct vg_ctx x = { .vg = vg };
	struct lvm_cfg *c = NULL;
	const struct lvm_node *vgs;
	int ret = -1;

	memset(vg, 0, sizeof *vg);
	if (ovk_lvm_cfg_parse(text, len, &c, err) < 0)
		goto out;
	x.c = c;
	if (!(vgs = vg_section(c)) || key_copy(vgs, vg->name, sizeof vg->name) < 0 ||
	    ovk_lvm_str(c, vgs, "id", vg->uuid, sizeof vg->uuid) < 0 ||
	    ovk_lvm_u64(c, vgs, "seqno", &vg->seqno) < 0 ||
	    ovk_lvm_u64(c, vgs, "extent_size", &x.extent_sectors) < 0) {
		ovk_error_set(err, EINVAL, "no volume group with a name, id, seqno and extent_size");
		goto out;
	}
	/* lvm2 keeps the extent size in 32 bits of sectors */
	if (x.extent_sectors == 0 || x.extent_sectors > UINT32_MAX) {
		ovk_error_set(err, EINVAL, "extent_size %" PRIu64 " sectors not in 1..%" PRIu32,
			      x.extent_sectors, UINT32_MAX);
		goto out;
	}
	vg->extent_size = x.extent_sectors * LVM_SECTOR;
	if (vg_pvs(&x, vgs, pvs, n_pv, err) < 0 || vg_lvs(&x, vgs, err) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0) {
		if (vg->name[0])
			ovk_error_prefix(err, "VG %s", vg->name);
		ovk_lvm_vg_clear(vg);
	}
	free(x.pvs);
	ovk_lvm_cfg_free(c);
	return ret;
}

/* ------------------------------------------------------------ scan */

/* The VG id and seqno of a PV's text (its newest copy wins). */
static int vg_identity(const struct lvm_pv *pv, char *id, uint64_t *seqno,
		       struct ovk_error *err)
{
	struct lvm_cfg *c = NULL;
	const struct lvm_node *vgs;
	int ret = -1;

	if (ovk_lvm_cfg_parse(pv->text, pv->text_len, &c, err) < 0)
		goto out;
	if (!(vgs = vg_section(c)) || ovk_lvm_str(c, vgs, "id", id, OVK_LVM_UUID) < 0 ||
	    ovk_lvm_u64(c, vgs, "seqno", seqno) < 0) {
		ovk_error_set(err, EINVAL, "no volume group id and seqno");
		goto out;
	}
	ret = 0;
out:
	if (ret < 0)
		ovk_error_prefix(err, "%s: LVM2 metadata", ovk_gdisk_name(pv->disk));
	ovk_lvm_cfg_free(c);
	return ret;
}

/* The newest text of each VG: best[v] is the PV holding it. */
static int pick_vgs(struct lvm_pv *const *pvs, size_t n, const struct lvm_pv **best,
		    size_t *n_best, struct ovk_error *err)
{
	char ids[LVM_MAX_VGS][OVK_LVM_UUID], id[OVK_LVM_UUID];
	uint64_t seqnos[LVM_MAX_VGS], seqno;
	size_t v;

	*n_best = 0;
	for (size_t i = 0; i < n; i++) {
		if (!pvs[i]->text)
			continue;
		if (vg_identity(pvs[i], id, &seqno, err) < 0)
			return -1;
		for (v = 0; v < *n_best && strcmp(ids[v], id) != 0; v++)
			;
		if (v == *n_best) {
			if (v == LVM_MAX_VGS)
				return ovk_error_set(err, EINVAL, "more than %u volume groups",
						     LVM_MAX_VGS);
			memcpy(ids[v], id, sizeof id);
			seqnos[v] = 0;
			best[v] = NULL;
			(*n_best)++;
		}
		if (!best[v] || seqno > seqnos[v]) {
			best[v] = pvs[i];
			seqnos[v] = seqno;
		}
	}
	return 0;
}

void ovk_lvm_free(struct ovk_lvm *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n_vg; i++)
		ovk_lvm_vg_clear(&l->vg[i]);
	free(l->vg);
	free(l);
}

static void pvs_free(struct lvm_pv **pvs, size_t n)
{
	for (size_t i = 0; pvs && i < n; i++) {
		free(pvs[i]->text);
		free(pvs[i]);
	}
	free(pvs);
}

int ovk_lvm_scan(struct ovk_gdisk *const *devs, size_t n, struct ovk_lvm **out,
		 struct ovk_error *err)
{
	const struct lvm_pv *best[LVM_MAX_VGS];
	struct lvm_pv **pvs = calloc(n + 1, sizeof *pvs);
	struct ovk_lvm *l = calloc(1, sizeof *l);
	size_t n_pv = 0, n_vg = 0;
	int r, ret = -1;

	*out = NULL;
	if (!pvs || !l) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if ((r = pv_read(devs[i], &pvs[n_pv], err)) < 0)
			goto out;
		n_pv += r == 0;
	}
	if (pick_vgs(pvs, n_pv, best, &n_vg, err) < 0)
		goto out;
	if (n_vg && !(l->vg = calloc(n_vg, sizeof *l->vg))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (; l->n_vg < n_vg; l->n_vg++)
		if (ovk_lvm_vg_assemble(best[l->n_vg]->text, best[l->n_vg]->text_len, pvs, n_pv,
					&l->vg[l->n_vg], err) < 0) {
			ovk_error_prefix(err, "%s: LVM2 metadata",
					 ovk_gdisk_name(best[l->n_vg]->disk));
			goto out;
		}
	*out = l;
	l = NULL;
	ret = 0;
out:
	ovk_lvm_free(l);
	pvs_free(pvs, n_pv);
	return ret;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * header.c: the binary headers of VMDK extents, decoded once and validated
 * once (STYLE.md #9).
 *
 * Hosted sparse extent header ("KDMV", 512 bytes, little-endian):
 *
 *   0   magic       "KDMV"           44  numGTEsPerGT  u32 (512)
 *   4   version     u32 (1..3)       48  rgdOffset     u64 sectors
 *   8   flags       u32              56  gdOffset      u64 sectors or ~0
 *   12  capacity    u64 sectors      64  overHead      u64 sectors
 *   20  grainSize   u64 sectors      72  uncleanShutdown u8
 *   28  descriptorOffset u64 sectors 73  '\n' ' ' '\r' '\n' (newline test)
 *   36  descriptorSize   u64 sectors 77  compressAlgorithm u16, then pad
 *
 * The file then holds: [header][descriptor][RGD][RGTs][GD][GTs][grains...]
 * A GD entry is the sector of a grain table (0 = none); a GT entry is the
 * sector of a grain (0 = unallocated, 1 = zeroed when flag bit 2 is set).
 *
 * streamOptimized (flags bit 16 + 17): grains are zlib streams behind a
 * marker { u64 lba; u32 size; data[size] } padded to a sector.  Metadata
 * markers have size 0 and a u32 type at 12, then `lba` sectors of payload:
 *
 *   ... [grain markers] [GT marker + GT]* [GD marker + GD]
 *       [FOOTER marker][footer = header copy with real gdOffset][EOS marker]
 *
 * When the header's gdOffset is GD_AT_END the footer (at EOF - 1536) is the
 * header to use.
 *
 * COWD (ESX vmfsSparse, 2048-byte header, little-endian u32s):
 *   0 magic "COWD", 4 version, 8 flags, 12 numSectors, 16 grainSize,
 *   20 gdOffset (sectors), 24 numGDEntries, 28 freeSector.
 * Its grain tables always have 4096 entries.
 *
 * Invariants after ovk_vmdk_header_validate(): grain size is a power of two
 * <= OVK_VMDK_MAX_GRAIN_BYTES, capacity * 512 fits in 64 bits, the
 * descriptor lies inside the file and is <= 1 MiB, gtes is in
 * 1..OVK_VMDK_MAX_GTES (or 4096 for COWD), and compressAlgorithm is known.
 */
#include "vmdk.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "core/checked.h"
#include "core/endian.h"
#include "core/format.h"

#define FOOTER_BYTES (3 * OVK_VMDK_SECTOR)

void ovk_vmdk_header_decode(const uint8_t *b, struct ovk_vmdk_header *h)
{
	memset(h, 0, sizeof *h);
	h->magic = le32_load(b);
	if (h->magic == OVK_VMDK_MAGIC_COWD) {
		h->version = le32_load(b + 4);
		h->flags = le32_load(b + 8);
		h->capacity = le32_load(b + 12);
		h->grain_size = le32_load(b + 16);
		h->gd_offset = le32_load(b + 20);
		h->gd_entries = le32_load(b + 24);
		h->gtes = OVK_VMDK_COWD_GTES;
		return;
	}
	h->version = le32_load(b + 4);
	h->flags = le32_load(b + 8);
	h->capacity = le64_load(b + 12);
	h->grain_size = le64_load(b + 20);
	h->desc_offset = le64_load(b + 28);
	h->desc_size = le64_load(b + 36);
	h->gtes = le32_load(b + 44);
	h->rgd_offset = le64_load(b + 48);
	h->gd_offset = le64_load(b + 56);
	h->overhead = le64_load(b + 64);
	memcpy(h->nl, b + 73, 4);
	h->compress = le16_load(b + 77);
}

void ovk_vmdk_header_encode(const struct ovk_vmdk_header *h, uint8_t *b)
{
	static const uint8_t nl[4] = { '\n', ' ', '\r', '\n' };

	memset(b, 0, OVK_VMDK_SECTOR);
	le32_store(b, OVK_VMDK_MAGIC_KDMV);
	le32_store(b + 4, h->version);
	le32_store(b + 8, h->flags);
	le64_store(b + 12, h->capacity);
	le64_store(b + 20, h->grain_size);
	le64_store(b + 28, h->desc_offset);
	le64_store(b + 36, h->desc_size);
	le32_store(b + 44, h->gtes);
	le64_store(b + 48, h->rgd_offset);
	le64_store(b + 56, h->gd_offset);
	le64_store(b + 64, h->overhead);
	/* 72: uncleanShutdown, 0: the writer closed the file. */
	memcpy(b + 73, nl, sizeof nl);
	le16_store(b + 77, h->compress);
}

static int validate_grain(const struct ovk_vmdk_header *h, struct ovk_error *err)
{
	uint64_t bytes;

	if (!ovk_is_pow2(h->grain_size))
		return ovk_error_set(err, EINVAL, "grainSize %" PRIu64 ": not a power of two",
				     h->grain_size);
	if (ovk_mul_overflow(h->grain_size, (uint64_t)OVK_VMDK_SECTOR, &bytes) ||
	    bytes > OVK_VMDK_MAX_GRAIN_BYTES)
		return ovk_error_set(err, EINVAL,
				     "grainSize %" PRIu64 " sectors: larger than %" PRIu64 " bytes",
				     h->grain_size, (uint64_t)OVK_VMDK_MAX_GRAIN_BYTES);
	return 0;
}

static int validate_cowd(const struct ovk_vmdk_header *h, uint64_t file_size,
			 struct ovk_error *err)
{
	uint64_t gd_bytes, gd_off;

	if (h->version != 1)
		return ovk_error_set(err, ENOTSUP, "COWD version %" PRIu32 ": unsupported (1)",
				     h->version);
	if (validate_grain(h, err) < 0)
		return -1;
	gd_off = h->gd_offset * OVK_VMDK_SECTOR;   /* u32 * 512: no overflow */
	gd_bytes = (uint64_t)h->gd_entries * 4;
	if (file_size != UINT64_MAX && !ovk_range_ok(gd_off, gd_bytes, file_size))
		return ovk_error_set(err, EINVAL,
				     "gdOffset %" PRIu64 " (%" PRIu32 " entries): beyond end of file (size %" PRIu64 " bytes)",
				     h->gd_offset, h->gd_entries, file_size);
	return 0;
}

static int validate_newlines(const struct ovk_vmdk_header *h, struct ovk_error *err)
{
	static const uint8_t want[4] = { '\n', ' ', '\r', '\n' };

	if (!(h->flags & OVK_VMDK_FLAG_NL_TEST) || memcmp(h->nl, want, 4) == 0)
		return 0;
	return ovk_error_set(err, EINVAL,
			     "newline test bytes %02x %02x %02x %02x: corrupted (transferred as text?)",
			     h->nl[0], h->nl[1], h->nl[2], h->nl[3]);
}

int ovk_vmdk_header_validate(const struct ovk_vmdk_header *h, uint64_t file_size,
			     struct ovk_error *err)
{
	uint64_t cap_bytes, desc_off, desc_bytes;

	if (h->magic == OVK_VMDK_MAGIC_COWD)
		return validate_cowd(h, file_size, err);
	if (h->magic != OVK_VMDK_MAGIC_KDMV)
		return ovk_error_set(err, EINVAL, "magic %08" PRIx32 ": not a VMDK sparse extent",
				     h->magic);
	if (h->version < 1 || h->version > 3)
		return ovk_error_set(err, ENOTSUP, "version %" PRIu32 ": unsupported (1..3)",
				     h->version);
	if (validate_newlines(h, err) < 0 || validate_grain(h, err) < 0)
		return -1;
	if (ovk_mul_overflow(h->capacity, (uint64_t)OVK_VMDK_SECTOR, &cap_bytes))
		return ovk_error_set(err, EINVAL, "capacity %" PRIu64 " sectors: overflows a byte count",
				     h->capacity);
	if (h->gtes == 0 || h->gtes > OVK_VMDK_MAX_GTES)
		return ovk_error_set(err, EINVAL, "numGTEsPerGT %" PRIu32 ": not in 1..%u", h->gtes,
				     OVK_VMDK_MAX_GTES);
	if (h->compress != OVK_VMDK_COMPRESS_NONE && h->compress != OVK_VMDK_COMPRESS_DEFLATE)
		return ovk_error_set(err, ENOTSUP, "compressAlgorithm %u: unsupported",
				     (unsigned)h->compress);
	if ((h->flags & OVK_VMDK_FLAG_COMPRESSED) && h->compress != OVK_VMDK_COMPRESS_DEFLATE)
		return ovk_error_set(err, EINVAL,
				     "flags %08" PRIx32 " say compressed but compressAlgorithm is %u",
				     h->flags, (unsigned)h->compress);
	if (h->desc_size > OVK_VMDK_MAX_DESCRIPTOR / OVK_VMDK_SECTOR)
		return ovk_error_set(err, EINVAL,
				     "descriptorSize %" PRIu64 " sectors: larger than %zu bytes",
				     h->desc_size, OVK_VMDK_MAX_DESCRIPTOR);
	if (h->desc_offset != 0 && h->desc_size != 0) {
		desc_bytes = h->desc_size * OVK_VMDK_SECTOR;
		if (ovk_mul_overflow(h->desc_offset, (uint64_t)OVK_VMDK_SECTOR, &desc_off) ||
		    (file_size != UINT64_MAX && !ovk_range_ok(desc_off, desc_bytes, file_size)))
			return ovk_error_set(err, EINVAL,
					     "descriptorOffset %" PRIu64 " (+%" PRIu64 " sectors): beyond end of file (size %" PRIu64 " bytes)",
					     h->desc_offset, h->desc_size, file_size);
	}
	return 0;
}

/* The footer and the EOS marker that follows it, at the end of a mapped
 * streamOptimized file. */
int ovk_vmdk_footer_read(const uint8_t *data, uint64_t size, struct ovk_vmdk_header *h,
			 struct ovk_error *err)
{
	const uint8_t *f, *eos;
	uint64_t at;

	if (size < FOOTER_BYTES + OVK_VMDK_SECTOR)
		return ovk_error_set(err, EINVAL, "gdOffset is GD_AT_END but the file (%" PRIu64
				     " bytes) is too short for a footer", size);
	at = size - FOOTER_BYTES;
	f = data + at;
	eos = f + 2 * OVK_VMDK_SECTOR;
	if (le32_load(f + 8) != 0 || le32_load(f + 12) != OVK_VMDK_MARKER_FOOTER ||
	    le32_load(f + OVK_VMDK_SECTOR) != OVK_VMDK_MAGIC_KDMV)
		return ovk_error_set(err, EINVAL,
				     "footer at offset %" PRIu64 ": no footer marker and header "
				     "(truncated stream?)", at);
	if (le64_load(eos) != 0 || le32_load(eos + 8) != 0 ||
	    le32_load(eos + 12) != OVK_VMDK_MARKER_EOS)
		return ovk_error_set(err, EINVAL,
				     "end-of-stream marker at offset %" PRIu64 ": missing (truncated stream?)",
				     at + 2 * OVK_VMDK_SECTOR);
	ovk_vmdk_header_decode(f + OVK_VMDK_SECTOR, h);
	if (h->gd_offset == OVK_VMDK_GD_AT_END)
		return ovk_error_set(err, EINVAL, "footer at offset %" PRIu64 ": gdOffset is GD_AT_END too",
				     at);
	if (ovk_vmdk_header_validate(h, size, err) < 0)
		return ovk_error_prefix(err, "footer at offset %" PRIu64, at);
	return 0;
}

int ovk_vmdk_header_is_stream(const struct ovk_vmdk_header *h)
{
	return h->magic == OVK_VMDK_MAGIC_KDMV && (h->flags & OVK_VMDK_FLAG_COMPRESSED) &&
	       (h->flags & OVK_VMDK_FLAG_MARKERS);
}

int ovk_vmdk_header_probe(const uint8_t *head, size_t len)
{
	struct ovk_vmdk_header h;
	uint32_t magic;

	if (len < 4)
		return OVK_PROBE_NO;
	magic = le32_load(head);
	if (magic != OVK_VMDK_MAGIC_KDMV && magic != OVK_VMDK_MAGIC_COWD)
		return OVK_PROBE_NO;
	if (len < OVK_VMDK_SECTOR)
		return OVK_PROBE_MAYBE;
	ovk_vmdk_header_decode(head, &h);
	/* A magic with a broken header is still ours: open() then says which
	 * field is wrong instead of the raw reader copying it silently. */
	if (ovk_vmdk_header_validate(&h, UINT64_MAX, NULL) < 0)
		return OVK_PROBE_MAYBE;
	return OVK_PROBE_SURE;
}

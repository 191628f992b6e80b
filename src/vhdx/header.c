/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * header.c: the fixed structures at the start of a VHDX file, decoded once
 * and validated once (STYLE.md #9).
 *
 *   0       file identifier: "vhdxfile", creator (UTF-16LE, 512 bytes)
 *   64 KiB  header 1 (4 KiB)        192 KiB  region table 1 (64 KiB)
 *   128 KiB header 2 (4 KiB)        256 KiB  region table 2 (64 KiB)
 *   1 MiB.. the log, the BAT, the metadata region, blocks (1 MiB aligned)
 *
 * Header (little-endian):
 *   0  signature "head"      16 file write guid   64 log version u16 (0)
 *   4  checksum u32          32 data write guid   66 version u16 (1)
 *   8  sequence number u64   48 log guid          68 log length u32
 *                                                 72 log offset u64
 * Region table:
 *   0  signature "regi", 4 checksum u32, 8 entry count u32 (<= 2047),
 *   16 entries of 32 bytes: guid [16], file offset u64, length u32,
 *      flags u32 (bit 0: required)
 *
 * Checksums are CRC-32C over the whole 4 KiB header or 64 KiB table with
 * the checksum field taken as zero.
 *
 * Which header is current: the valid one (signature, checksum, version)
 * with the higher sequence number, as qemu and Hyper-V choose; two valid
 * headers with the same number are refused (qemu does too: which one a
 * writer meant is unknowable).  The second region table is read when the
 * first one's checksum fails.
 *
 * Invariants after ovk_vhdx_layout_read(): the header is valid, the BAT
 * and metadata regions exist once each, are 1 MiB aligned, lie inside the
 * file past the header section, and no region we do not know is required.
 */
#include "vhdx/vhdx.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/checked.h"
#include "core/crc32c.h"
#include "core/endian.h"

#define HEADER_SIGNATURE 0x64616568u     /* "head" */
#define REGION_SIGNATURE 0x69676572u     /* "regi" */
#define HEADER_VERSION 1u
#define REGION_ENTRY_BYTES 32u
#define REGION_REQUIRED 1u

/* {2DC27766-F623-4200-9D64-115E9BFD4A08} and {8B7CA206-4790-4B9A-B8FE-575F050F886E},
 * as stored. */
static const struct ovk_vhdx_guid bat_guid = { { 0x66, 0x77, 0xc2, 0x2d, 0x23, 0xf6, 0x00, 0x42,
						 0x9d, 0x64, 0x11, 0x5e, 0x9b, 0xfd, 0x4a, 0x08 } };
static const struct ovk_vhdx_guid meta_guid = { { 0x06, 0xa2, 0x7c, 0x8b, 0x90, 0x47, 0x9a, 0x4b,
						  0xb8, 0xfe, 0x57, 0x5f, 0x05, 0x0f, 0x88, 0x6e } };

void ovk_vhdx_guid_text(const struct ovk_vhdx_guid *g, char *out)
{
	const uint8_t *b = g->b;

	snprintf(out, OVK_VHDX_GUID_TEXT,
		 "{%08" PRIX32 "-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", le32_load(b),
		 le16_load(b + 4), le16_load(b + 6), b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
}

int ovk_vhdx_guid_is_zero(const struct ovk_vhdx_guid *g)
{
	static const struct ovk_vhdx_guid zero;

	return memcmp(g->b, zero.b, 16) == 0;
}

/* CRC-32C of len bytes, the 4 bytes at 4 taken as zero. */
static uint32_t crc_without_field(const uint8_t *b, size_t len)
{
	static const uint8_t zero[4];
	uint32_t crc = ovk_crc32c_update(0, b, 4);

	crc = ovk_crc32c_update(crc, zero, 4);
	return ovk_crc32c_update(crc, b + 8, len - 8);
}

void ovk_vhdx_header_decode(const uint8_t *b, struct ovk_vhdx_header *h)
{
	memset(h, 0, sizeof *h);
	h->signature = le32_load(b);
	h->checksum = le32_load(b + 4);
	h->computed = crc_without_field(b, OVK_VHDX_HEADER_BYTES);
	h->sequence = le64_load(b + 8);
	memcpy(h->file_write_guid.b, b + 16, 16);
	memcpy(h->data_write_guid.b, b + 32, 16);
	memcpy(h->log_guid.b, b + 48, 16);
	h->log_version = le16_load(b + 64);
	h->version = le16_load(b + 66);
	h->log_length = le32_load(b + 68);
	h->log_offset = le64_load(b + 72);
}

static int header_validate(const struct ovk_vhdx_header *h, uint64_t file_size,
			   struct ovk_error *err)
{
	if (h->signature != HEADER_SIGNATURE)
		return ovk_error_set(err, EINVAL, "signature %08" PRIx32 ": not \"head\"", h->signature);
	if (h->checksum != h->computed)
		return ovk_error_set(err, EINVAL, "checksum %08" PRIx32 ": CRC-32C is %08" PRIx32
				     " (corrupt)", h->checksum, h->computed);
	if (h->version != HEADER_VERSION || h->log_version != 0)
		return ovk_error_set(err, ENOTSUP, "version %u, log version %u: unsupported (1, 0)",
				     h->version, h->log_version);
	if (h->log_offset % OVK_VHDX_MIB || h->log_length % OVK_VHDX_MIB ||
	    (h->log_length && h->log_offset < OVK_VHDX_HEADER_SECTION) ||
	    !ovk_range_ok(h->log_offset, h->log_length, file_size))
		return ovk_error_set(err, EINVAL, "log at offset %" PRIu64 " (%" PRIu32 " bytes): not "
				     "1 MiB aligned inside the file (size %" PRIu64 ")", h->log_offset,
				     h->log_length, file_size);
	return 0;
}

/* The current header of the two, as the comment at the top says. */
static int pick_header(const uint8_t *data, uint64_t file_size, struct ovk_vhdx_layout *l,
		       struct ovk_error *err)
{
	struct ovk_vhdx_header h[2];
	struct ovk_error e[2];
	int ok[2];

	for (int i = 0; i < 2; i++) {
		ovk_vhdx_header_decode(data + (i ? OVK_VHDX_HEADER2_OFF : OVK_VHDX_HEADER1_OFF), &h[i]);
		ok[i] = header_validate(&h[i], file_size, &e[i]) == 0;
	}
	if (!ok[0] && !ok[1])
		return ovk_error_set(err, EINVAL, "no valid header: header 1: %s; header 2: %s",
				     e[0].msg, e[1].msg);
	if (ok[0] && ok[1] && h[0].sequence == h[1].sequence)
		return ovk_error_set(err, EINVAL, "headers 1 and 2 both valid with sequence number %"
				     PRIu64 ": which one is current is unknown", h[0].sequence);
	l->current = ok[0] && (!ok[1] || h[0].sequence > h[1].sequence) ? 1 : 2;
	l->h = h[l->current - 1];
	return 0;
}

/* One region table entry, kept when it is the BAT or the metadata. */
static int region_entry(const uint8_t *e, uint32_t i, uint64_t file_size,
			struct ovk_vhdx_layout *l, struct ovk_error *err)
{
	struct ovk_vhdx_guid g;
	struct ovk_vhdx_region r = { .offset = le64_load(e + 16), .length = le32_load(e + 24),
				     .present = 1 };
	uint32_t flags = le32_load(e + 28);
	struct ovk_vhdx_region *slot = NULL;
	char text[OVK_VHDX_GUID_TEXT];

	memcpy(g.b, e, 16);
	if (memcmp(&g, &bat_guid, 16) == 0)
		slot = &l->bat;
	else if (memcmp(&g, &meta_guid, 16) == 0)
		slot = &l->metadata;
	ovk_vhdx_guid_text(&g, text);
	if (!slot)
		return (flags & REGION_REQUIRED) ?
			       ovk_error_set(err, ENOTSUP, "region %" PRIu32 " %s: unknown and required",
					     i, text) : 0;
	if (slot->present)
		return ovk_error_set(err, EINVAL, "region %" PRIu32 " %s: listed twice", i, text);
	if (r.offset % OVK_VHDX_MIB || r.length % OVK_VHDX_MIB || r.length == 0 ||
	    r.offset < OVK_VHDX_HEADER_SECTION || !ovk_range_ok(r.offset, r.length, file_size))
		return ovk_error_set(err, EINVAL, "region %" PRIu32 " %s at offset %" PRIu64 " (%" PRIu32
				     " bytes): not 1 MiB aligned inside the file (size %" PRIu64 ")",
				     i, text, r.offset, r.length, file_size);
	*slot = r;
	return 0;
}

static int region_table(const uint8_t *t, uint64_t file_size, struct ovk_vhdx_layout *l,
			struct ovk_error *err)
{
	uint32_t sig = le32_load(t), sum = le32_load(t + 4), n = le32_load(t + 8);
	uint32_t crc = crc_without_field(t, OVK_VHDX_REGION_BYTES);

	l->bat.present = l->metadata.present = 0;
	if (sig != REGION_SIGNATURE)
		return ovk_error_set(err, EINVAL, "signature %08" PRIx32 ": not \"regi\"", sig);
	if (sum != crc)
		return ovk_error_set(err, EINVAL, "checksum %08" PRIx32 ": CRC-32C is %08" PRIx32
				     " (corrupt)", sum, crc);
	if (n > OVK_VHDX_MAX_ENTRIES)
		return ovk_error_set(err, EINVAL, "entry count %" PRIu32 ": above %u", n,
				     OVK_VHDX_MAX_ENTRIES);
	for (uint32_t i = 0; i < n; i++)
		if (region_entry(t + 16 + REGION_ENTRY_BYTES * i, i, file_size, l, err) < 0)
			return -1;
	if (!l->bat.present || !l->metadata.present)
		return ovk_error_set(err, EINVAL, "no %s region", l->bat.present ? "metadata" : "BAT");
	if (l->bat.offset < l->metadata.offset + l->metadata.length &&
	    l->metadata.offset < l->bat.offset + l->bat.length)
		return ovk_error_set(err, EINVAL, "the BAT and metadata regions overlap");
	return 0;
}

int ovk_vhdx_layout_read(const uint8_t *data, uint64_t file_size, struct ovk_vhdx_layout *l,
			 struct ovk_error *err)
{
	struct ovk_error first;

	memset(l, 0, sizeof *l);
	if (file_size < OVK_VHDX_HEADER_SECTION)
		return ovk_error_set(err, EINVAL, "%" PRIu64 " bytes: shorter than the 1 MiB of headers",
				     file_size);
	if (memcmp(data, "vhdxfile", 8) != 0)
		return ovk_error_set(err, EINVAL, "no \"vhdxfile\" identifier");
	if (pick_header(data, file_size, l, err) < 0)
		return -1;
	if (region_table(data + OVK_VHDX_REGION1_OFF, file_size, l, &first) == 0)
		return 0;
	if (region_table(data + OVK_VHDX_REGION2_OFF, file_size, l, err) == 0)
		return 0;
	return ovk_error_prefix(err, "region table 1: %s; region table 2", first.msg);
}

int ovk_vhdx_probe(const uint8_t *head, size_t len, uint64_t size)
{
	(void)size;
	return len >= 8 && memcmp(head, "vhdxfile", 8) == 0 ? OVK_PROBE_SURE : OVK_PROBE_NO;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * header.c: the VHD footer and dynamic disk header, decoded once and
 * validated once (STYLE.md #9); the virtual size; the parent locators.
 *
 * Footer (512 bytes, big-endian; at the end of every VHD, and copied at
 * offset 0 of dynamic and differencing disks):
 *
 *   0   cookie "conectix"            40  original size u64 (bytes)
 *   8   features u32                 48  current size u64 (bytes)
 *   12  format version u32           56  cylinders u16, heads u8,
 *   16  data offset u64 (~0: fixed)      sectors per track u8
 *   24  timestamp u32                60  disk type u32 (2 fixed,
 *   28  creator application [4]          3 dynamic, 4 differencing)
 *   32  creator version u32          64  checksum u32
 *   36  creator host os u32          68  unique id [16]
 *                                    84  saved state u8, then zeros
 *
 * Dynamic disk header (1024 bytes at the footer's data offset):
 *
 *   0   cookie "cxsparse"       36  checksum u32
 *   8   data offset u64 (~0)    40  parent unique id [16]
 *   16  table offset u64 (BAT)  56  parent timestamp u32
 *   24  header version u32      64  parent unicode name [512] UTF-16BE
 *   28  max table entries u32   576 parent locators, 8 x 24 bytes:
 *   32  block size u32              code u32, data space u32,
 *                                   data length u32, reserved u32,
 *                                   data offset u64
 *
 * Both checksums are the one's complement of the sum of the structure's
 * bytes with the checksum field taken as zero.
 *
 * The file: [footer copy][dynamic header][BAT: max_table_entries x u32]
 * then blocks, each [sector bitmap, rounded up to a sector][block_size
 * bytes], and the footer.  A fixed disk is its data, then the footer.
 *
 * Invariants after validation: the checksums match, the type is known,
 * the virtual size is at most OVK_VHD_MAX_SECTORS sectors, the block size
 * is a power of two in OVK_VHD_MIN_BLOCK..OVK_VHD_MAX_BLOCK, the BAT lies
 * inside the file and has an entry for every block of the virtual size.
 */
#include "vhd/vhd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/endian.h"
#include "core/utf16.h"

#define VHD_VERSION 0x00010000u

/* One's complement of the byte sum, the checksum field (4 bytes at `at`)
 * taken as zero. */
static uint32_t vhd_checksum(const uint8_t *b, size_t len, size_t at)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i++)
		if (i < at || i >= at + 4)
			sum += b[i];
	return ~sum;
}

void ovk_vhd_footer_decode(const uint8_t *b, struct ovk_vhd_footer *f)
{
	memset(f, 0, sizeof *f);
	memcpy(f->cookie, b, 8);
	f->features = be32_load(b + 8);
	f->version = be32_load(b + 12);
	f->data_offset = be64_load(b + 16);
	f->timestamp = be32_load(b + 24);
	memcpy(f->creator_app, b + 28, 4);
	f->creator_version = be32_load(b + 32);
	f->creator_os = be32_load(b + 36);
	f->original_size = be64_load(b + 40);
	f->current_size = be64_load(b + 48);
	f->cylinders = be16_load(b + 56);
	f->heads = b[58];
	f->sectors = b[59];
	f->type = be32_load(b + 60);
	f->checksum = be32_load(b + 64);
	f->computed = vhd_checksum(b, OVK_VHD_FOOTER_BYTES, 64);
	memcpy(f->uuid, b + 68, 16);
	f->saved_state = b[84];
}

int ovk_vhd_footer_validate(const struct ovk_vhd_footer *f, struct ovk_error *err)
{
	if (memcmp(f->cookie, "conectix", 8) != 0)
		return ovk_error_set(err, EINVAL, "footer: no \"conectix\" cookie");
	if (f->checksum != f->computed)
		return ovk_error_set(err, EINVAL, "footer checksum %08" PRIx32 ": the footer sums to %08"
				     PRIx32 " (corrupt)", f->checksum, f->computed);
	if (f->version >> 16 != VHD_VERSION >> 16)
		return ovk_error_set(err, ENOTSUP, "footer format version %08" PRIx32 ": unsupported (1.x)",
				     f->version);
	if (f->type != OVK_VHD_TYPE_FIXED && f->type != OVK_VHD_TYPE_DYNAMIC &&
	    f->type != OVK_VHD_TYPE_DIFFERENCING)
		return ovk_error_set(err, ENOTSUP, "footer disk type %" PRIu32 ": not fixed (2), "
				     "dynamic (3) or differencing (4)", f->type);
	return 0;
}

/* Virtual PC sizes a disk by its CHS geometry, which rounds down; Hyper-V
 * and the tools that follow it use current_size.  qemu-img 7.2 (our oracle,
 * block/vpc.c) decides by the creator application: current_size for
 * "win " (Hyper-V), "qem2" (qemu with force_size), "d2v " (Disk2vhd),
 * "CTXS" (XenConverter) and "tap\0" (XenServer), CHS for every other
 * ("vpc ", "qemu", ...), and current_size whenever the geometry is the
 * largest there is (the disk is larger than CHS can say).  Sizes are whole
 * sectors: qemu drops a current_size's odd tail. */
int ovk_vhd_virtual_size(const struct ovk_vhd_footer *f, uint64_t *size, const char **rule,
			 struct ovk_error *err)
{
	static const char *const by_size[] = { "win ", "qem2", "d2v ", "CTXS" };
	uint64_t sectors = (uint64_t)f->cylinders * f->heads * f->sectors;
	int use_chs = memcmp(f->creator_app, "tap\0", 4) != 0;

	for (size_t i = 0; i < sizeof by_size / sizeof by_size[0]; i++)
		if (memcmp(f->creator_app, by_size[i], 4) == 0)
			use_chs = 0;
	*rule = "chs";
	if (!use_chs || sectors == OVK_VHD_MAX_GEOMETRY) {
		sectors = f->current_size / OVK_VHD_SECTOR;
		*rule = "current_size";
	}
	if (sectors > OVK_VHD_MAX_SECTORS)
		return ovk_error_set(err, EFBIG, "virtual size of %" PRIu64 " sectors (%s): above the "
				     "VHD maximum of %llu (2040 GiB)", sectors, *rule,
				     OVK_VHD_MAX_SECTORS);
	*size = sectors * OVK_VHD_SECTOR;
	return 0;
}

void ovk_vhd_dyn_decode(const uint8_t *b, struct ovk_vhd_dyn *d)
{
	memset(d, 0, sizeof *d);
	memcpy(d->cookie, b, 8);
	d->data_offset = be64_load(b + 8);
	d->table_offset = be64_load(b + 16);
	d->version = be32_load(b + 24);
	d->max_table_entries = be32_load(b + 28);
	d->block_size = be32_load(b + 32);
	d->checksum = be32_load(b + 36);
	d->computed = vhd_checksum(b, OVK_VHD_DYN_BYTES, 36);
	memcpy(d->parent_uuid, b + 40, 16);
	d->parent_timestamp = be32_load(b + 56);
	memcpy(d->parent_name, b + 64, sizeof d->parent_name);
	for (int i = 0; i < OVK_VHD_LOCATORS; i++) {
		const uint8_t *l = b + 576 + 24 * i;

		d->loc[i].code = be32_load(l);
		d->loc[i].space = be32_load(l + 4);
		d->loc[i].length = be32_load(l + 8);
		d->loc[i].offset = be64_load(l + 16);
	}
}

int ovk_vhd_dyn_validate(const struct ovk_vhd_dyn *d, uint64_t vsize, uint64_t file_size,
			 struct ovk_error *err)
{
	uint64_t blocks, bat_bytes;

	if (memcmp(d->cookie, "cxsparse", 8) != 0)
		return ovk_error_set(err, EINVAL, "dynamic header: no \"cxsparse\" cookie");
	if (d->checksum != d->computed)
		return ovk_error_set(err, EINVAL, "dynamic header checksum %08" PRIx32 ": the header "
				     "sums to %08" PRIx32 " (corrupt)", d->checksum, d->computed);
	if (d->version >> 16 != VHD_VERSION >> 16)
		return ovk_error_set(err, ENOTSUP, "dynamic header version %08" PRIx32 ": unsupported (1.x)",
				     d->version);
	if (!ovk_is_pow2(d->block_size) || d->block_size < OVK_VHD_MIN_BLOCK ||
	    d->block_size > OVK_VHD_MAX_BLOCK)
		return ovk_error_set(err, EINVAL, "block size %" PRIu32 ": not a power of two in %u..%llu",
				     d->block_size, OVK_VHD_MIN_BLOCK,
				     (unsigned long long)OVK_VHD_MAX_BLOCK);
	blocks = vsize / d->block_size + (vsize % d->block_size != 0);
	if (d->max_table_entries < blocks)
		return ovk_error_set(err, EINVAL, "max table entries %" PRIu32 ": fewer than the %" PRIu64
				     " blocks of the virtual size %" PRIu64, d->max_table_entries,
				     blocks, vsize);
	bat_bytes = (uint64_t)d->max_table_entries * 4;
	if (!ovk_range_ok(d->table_offset, bat_bytes, file_size))
		return ovk_error_set(err, EINVAL, "BAT at offset %" PRIu64 " (%" PRIu32 " entries): beyond "
				     "end of file (size %" PRIu64 ")", d->table_offset,
				     d->max_table_entries, file_size);
	return 0;
}

/* The text of locator i, from the mapping. */
static int locator_text(const struct ovk_vhd_dyn *d, int i, const uint8_t *data,
			uint64_t file_size, char **out, struct ovk_error *err)
{
	const struct ovk_vhd_locator *l = &d->loc[i];

	if (l->length == 0 || l->length > OVK_VHD_MAX_LOCATOR)
		return ovk_error_set(err, EINVAL, "parent locator %d: data length %" PRIu32 " not in 1..%"
				     PRIu32, i, l->length, OVK_VHD_MAX_LOCATOR);
	if (!ovk_range_ok(l->offset, l->length, file_size))
		return ovk_error_set(err, EINVAL, "parent locator %d at offset %" PRIu64 ": beyond end of "
				     "file (size %" PRIu64 ")", i, l->offset, file_size);
	return ovk_utf16_to_utf8(data + l->offset, l->length, 0, OVK_VHD_MAX_PATH,
				 "parent locator", out, err);
}

/* A differencing disk names its parent three ways: an absolute Windows
 * path (W2ku), a relative one (W2ru), and the bare file name.  The
 * relative locator is what moves with a directory of disks; an absolute
 * one names a place on another machine, so without a relative locator the
 * parent is looked for beside the child under its own name, as Hyper-V
 * does when an export is imported elsewhere. */
int ovk_vhd_parent_name(const struct ovk_vhd_dyn *d, const uint8_t *data, uint64_t file_size,
			char **out, struct ovk_error *err)
{
	char *name = NULL;

	*out = NULL;
	for (int i = 0; i < OVK_VHD_LOCATORS; i++) {
		if (d->loc[i].code != OVK_VHD_PLAT_W2RU)
			continue;
		if (locator_text(d, i, data, file_size, &name, err) < 0)
			return -1;
		break;
	}
	if (!name || !*name) {
		free(name);
		if (ovk_utf16_to_utf8(d->parent_name, sizeof d->parent_name, 1, OVK_VHD_MAX_PATH,
				      "parent unicode name", &name, err) < 0)
			return -1;
	}
	if (!*name) {
		free(name);
		return ovk_error_set(err, EINVAL, "differencing disk without a parent name or a "
				     "relative parent locator");
	}
	if (ovk_windows_path_to_posix(name)) {
		ovk_error_set(err, EINVAL, "parent path \"%s\": absolute on Windows, where a relative "
			      "one was expected", name);
		free(name);
		return -1;
	}
	*out = name;
	return 0;
}

int ovk_vhd_footer_probe(const uint8_t *b, size_t len, int tail)
{
	struct ovk_vhd_footer f;

	if (len < 8 || memcmp(b, "conectix", 8) != 0)
		return OVK_PROBE_NO;
	if (len < OVK_VHD_FOOTER_BYTES)
		return OVK_PROBE_MAYBE;
	ovk_vhd_footer_decode(b, &f);
	/* Only a fixed disk has its footer at the end alone. */
	if (tail && f.type != OVK_VHD_TYPE_FIXED)
		return OVK_PROBE_NO;
	/* A broken footer is still ours: open() names the field. */
	return ovk_vhd_footer_validate(&f, NULL) < 0 ? OVK_PROBE_MAYBE : OVK_PROBE_SURE;
}

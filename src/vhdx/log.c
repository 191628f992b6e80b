/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * log.c: whether a VHDX log holds entries that were never written back.
 *
 * A writer puts each metadata update in the log first (a circular region
 * of 4 KiB sectors), then applies it in place; while it is open the
 * header carries the log's GUID.  An image closed without applying its
 * log (a host crash) has entries whose GUID matches the header's: reading
 * the BAT or the metadata in place would then give the state before the
 * last updates, so such an image is refused, never read as it stands.
 *
 * Log entry (little-endian, 4 KiB aligned in the log, may wrap around):
 *   0  signature "loge"        24 descriptor count u32
 *   4  checksum u32            28 reserved u32
 *   8  entry length u32        32 log guid [16]
 *   12 tail u32                48 flushed file offset u64
 *   16 sequence number u64     56 last file offset u64
 *   64 descriptors (32 bytes: "zero" or "desc"), then 4 KiB data sectors
 * The checksum is CRC-32C over the whole entry, the field taken as zero.
 *
 * An entry needs replaying when its header is well formed, its GUID is
 * the header's log GUID and its checksum holds: the test qemu makes
 * before it replays (block/vhdx-log.c), which qemu-img also refuses to do
 * on a read-only open.  We do not replay: the refusal says how to.
 */
#include "vhdx/vhdx.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "core/checked.h"
#include "core/crc32c.h"
#include "core/endian.h"

#define LOG_SIGNATURE 0x65676f6cu    /* "loge" */
#define LOG_HEADER_BYTES 64u
#define LOG_DESCRIPTOR_BYTES 32u
/* Checksumming candidates costs their length: a hostile log could make
 * every sector a candidate as long as the log.  A log that is really an
 * unreplayed sequence has entries that do not overlap, so checking more
 * than twice its length means it is damaged beyond judging. */
#define LOG_SCAN_FACTOR 2u

struct log_view {
	const uint8_t *log;
	uint64_t len;
};

/* CRC-32C of the entry at `off` (entry_len bytes, wrapping at the log's
 * end), its checksum field taken as zero. */
static uint32_t entry_crc(const struct log_view *v, uint64_t off, uint64_t entry_len)
{
	static const uint8_t zero[4];
	uint64_t first = ovk_min_u64(entry_len, v->len - off);
	uint32_t crc = ovk_crc32c_update(0, v->log + off, 4);

	crc = ovk_crc32c_update(crc, zero, 4);
	crc = ovk_crc32c_update(crc, v->log + off + 8, (size_t)(first - 8));
	return ovk_crc32c_update(crc, v->log, (size_t)(entry_len - first));
}

/* Whether the header at `off` is a candidate: its checksum is judged next. */
static int well_formed(const struct log_view *v, uint64_t off, const struct ovk_vhdx_header *h,
		       uint32_t *entry_len)
{
	const uint8_t *e = v->log + off;
	uint32_t len = le32_load(e + 8), dc = le32_load(e + 24);
	uint64_t head = LOG_HEADER_BYTES + (uint64_t)dc * LOG_DESCRIPTOR_BYTES;

	*entry_len = len;
	return le32_load(e) == LOG_SIGNATURE && memcmp(e + 32, h->log_guid.b, 16) == 0 &&
	       len && len % OVK_VHDX_LOG_SECTOR == 0 && len <= v->len && head <= len &&
	       le32_load(e + 12) % OVK_VHDX_LOG_SECTOR == 0 && le32_load(e + 12) < v->len &&
	       le64_load(e + 16) != 0;
}

int ovk_vhdx_log_check(const uint8_t *data, uint64_t file_size,
		       const struct ovk_vhdx_header *h, struct ovk_error *err)
{
	struct log_view v = { data + h->log_offset, h->log_length };
	uint64_t budget = (uint64_t)h->log_length * LOG_SCAN_FACTOR, valid = 0, seq = 0, at = 0;
	char text[OVK_VHDX_GUID_TEXT];
	uint32_t len;

	(void)file_size;            /* the log is inside the file (header.c) */
	if (ovk_vhdx_guid_is_zero(&h->log_guid) || h->log_length == 0)
		return 0;
	for (uint64_t off = 0; off + OVK_VHDX_LOG_SECTOR <= v.len; off += OVK_VHDX_LOG_SECTOR) {
		if (!well_formed(&v, off, h, &len))
			continue;
		if (len > budget)
			return ovk_error_set(err, EINVAL, "log at offset %" PRIu64 ": entries of more than "
					     "%u times its length to check (damaged)", h->log_offset,
					     LOG_SCAN_FACTOR);
		budget -= len;
		if (entry_crc(&v, off, len) != le32_load(v.log + off + 4))
			continue;
		if (!valid++ || le64_load(v.log + off + 16) > seq) {
			seq = le64_load(v.log + off + 16);
			at = off;
		}
	}
	if (!valid)
		return 0;
	ovk_vhdx_guid_text(&h->log_guid, text);
	return ovk_error_set(err, ENOTSUP, "log %s holds %" PRIu64 " entries never written back (the "
			     "newest, sequence %" PRIu64 ", at log offset %" PRIu64 "): the image was "
			     "not closed cleanly, and ovakit does not replay VHDX logs; open it once "
			     "in Hyper-V, or run 'qemu-img check -r all' on a copy", text, valid,
			     seq, at);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_vhdx.c: libFuzzer target for the VHDX reader (src/vhdx): headers,
 * region tables, the metadata table and items, the parent locator, the
 * log search and the BAT walk.
 *
 * A VHDX is at least a few MiB (its structures sit at fixed 64 KiB and
 * 1 MiB offsets) and every header and table carries a CRC-32C, so raw files
 * make poor fuzz inputs: mutations would die at the checksum or be slow to
 * run.  The input is a compact form instead, laid out here into an image:
 *
 *   input          what it becomes (qemu-img's layout)
 *   [0, 1)         flags: bit 0 keeps the checksums as given (the CRC
 *                  checks are fuzzed too), bit 1 drops header 2
 *   [1, 81)        header 1's first 80 bytes (at 64 KiB; header 2 at
 *                  128 KiB is the same with sequence + 1)
 *   [81, 209)      region table 1 and 2's first 128 bytes (192, 256 KiB)
 *   [209, 8401)    the first 8 KiB at 1 MiB (where qemu puts the log)
 *   [8401, 9425)   the first 1 KiB at 2 MiB (qemu's BAT)
 *   [9425, 9937)   the first 512 bytes at 3 MiB (qemu's metadata table)
 *   [9937, 10193)  the items at 3 MiB + 64 KiB
 *   [10193, ..)    the bytes from 8 MiB on (qemu's first block, sector
 *                  bitmaps)
 *
 * Seeds are compact forms of qemu-img's images and of a differencing
 * child (tests/fuzz/make_vfmt_seeds.sh).
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/crc32c.h"
#include "core/endian.h"
#include "fuzz_walk.h"
#include "vhdx/vhdx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MIB ((size_t)1 << 20)
#define KIB ((size_t)1 << 10)
#define DATA_AT (8 * MIB)
/* The blocks of an input are at most this long: enough for a few 1 MiB
 * blocks and a sector bitmap, small enough to stay fast. */
#define MAX_TAIL (4 * MIB)

/* Headers and region tables: the first 320 KiB. */
#define HEAD_BYTES (320 * KIB)

/* Where the input's pieces go; the first two are laid out with their
 * copies and checksums (lay_out_headers), the rest written as they are. */
static const struct {
	size_t at, len;
} pieces[] = {
	{ 64 * KIB, 80 }, { 192 * KIB, 128 }, { MIB, 8 * KIB }, { 2 * MIB, KIB }, { 3 * MIB, 512 },
	{ 3 * MIB + 64 * KIB, 256 },
};

static void fix_crc(uint8_t *b, size_t len)
{
	le32_store(b + 4, 0);
	le32_store(b + 4, ovk_crc32c(b, len));
}

/* The fixed structures of the first 320 KiB, from the input's pieces. */
static void lay_out_headers(uint8_t *img, const uint8_t *data, size_t size, uint8_t flags)
{
	memcpy(img, "vhdxfile", 8);
	if (size > 1)
		memcpy(img + 64 * KIB, data + 1, size - 1 < 80 ? size - 1 : 80);
	if (size > 81)
		memcpy(img + 192 * KIB, data + 81, size - 81 < 128 ? size - 81 : 128);
	if (!(flags & 2)) {
		memcpy(img + 128 * KIB, img + 64 * KIB, 80);
		le64_store(img + 128 * KIB + 8, le64_load(img + 64 * KIB + 8) + 1);
	}
	memcpy(img + 256 * KIB, img + 192 * KIB, 128);
	if (!(flags & 1)) {
		fix_crc(img + 64 * KIB, 4 * KIB);
		if (!(flags & 2))
			fix_crc(img + 128 * KIB, 4 * KIB);
		fix_crc(img + 192 * KIB, 64 * KIB);
		fix_crc(img + 256 * KIB, 64 * KIB);
	}
}

/* The image as a sparse memfd: only the pieces are written, so an input
 * costs its own size, not the 8 MiB its layout spans. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t head[HEAD_BYTES];
	struct ovk_blob *blob = NULL;
	struct ovk_error err;
	size_t pos = 1 + 80 + 128, tail;
	int fd = -1;

	if (size < 1)
		return 0;
	for (size_t i = 2; i < sizeof pieces / sizeof pieces[0]; i++)
		pos += pieces[i].len;
	tail = size > pos ? size - pos : 0;
	if (tail > MAX_TAIL || (fd = memfd_create("fuzz.vhdx", 0)) < 0)
		return 0;
	memset(head, 0, sizeof head);
	lay_out_headers(head, data, size, data[0]);
	if (ftruncate(fd, (off_t)(DATA_AT + tail)) < 0 || pwrite(fd, head, sizeof head, 0) < 0)
		goto out;
	pos = 1 + 80 + 128;
	for (size_t i = 2; i < sizeof pieces / sizeof pieces[0] && pos < size; i++) {
		size_t n = size - pos < pieces[i].len ? size - pos : pieces[i].len;

		if (pwrite(fd, data + pos, n, (off_t)pieces[i].at) < 0)
			goto out;
		pos += pieces[i].len;
	}
	if (tail && pwrite(fd, data + size - tail, tail, DATA_AT) < 0)
		goto out;
	if (ovk_blob_open_fd(fd, "fuzz.vhdx", "fuzz.vhdx", &blob, &err) == 0)
		fuzz_blob(&ovk_format_vhdx, blob);
out:
	close(fd);
	return 0;
}

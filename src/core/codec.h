/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * codec.h: the one door to zlib, libdeflate and libzstd (STYLE.md #5).
 *
 * Every compressed byte ovakit reads or writes goes through here: VMDK
 * grains, qcow2 clusters (both ways), the gzip'ed Files of an OVA, and any
 * later writer.  One pool of idle contexts per (codec, direction, level)
 * serves every caller and thread: a call borrows a context and gives it
 * back, so a worker pays for a context once, not per block.
 *
 * Codecs:
 *   ZLIB     RFC 1950 (zlib header, raw deflate, Adler-32): VMDK grains.
 *            Decoded with libdeflate.
 *   DEFLATE  RFC 1951 raw deflate: qcow2's "zlib" clusters.  qemu inflates
 *            them with a 4 KiB window, so the encoder keeps to one (zlib,
 *            windowBits -12, memLevel 9: what qemu writes); libdeflate
 *            decodes, zlib takes over for what libdeflate refuses.
 *   ZSTD     one zstd frame per block: qcow2's zstd clusters.
 *   gzip     RFC 1952, streamed (ovk_gunzip_*): an OVA File with
 *            compression="gzip".
 */
#ifndef OVK_CORE_CODEC_H
#define OVK_CORE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum ovk_codec {
	OVK_CODEC_NONE = 0,
	OVK_CODEC_ZLIB,
	OVK_CODEC_DEFLATE,
	OVK_CODEC_ZSTD,
};

/* How much a decode must give. */
enum ovk_decode_mode {
	/* One whole stream (or frame), any output up to the capacity: more is
	 * an error, *got says how much came. */
	OVK_DECODE_STREAM,
	/* Exactly the capacity; what follows it in the input (the rest of a
	 * sector, the next cluster) is ignored, and a stream cut right after
	 * the last output byte is accepted (qemu's rule for qcow2). */
	OVK_DECODE_FILL,
};

/* "zlib", "deflate", "zstd" (for messages). */
const char *ovk_codec_name(enum ovk_codec c);
/* The level a writer uses unless told otherwise (qemu's choices for
 * DEFLATE and ZSTD). */
int ovk_codec_default_level(enum ovk_codec c);

/* Decode in[0, in_len) into out (capacity cap); *got is the output length. */
int ovk_codec_decode(enum ovk_codec c, enum ovk_decode_mode mode, const uint8_t *in,
		     size_t in_len, uint8_t *out, size_t cap, size_t *got,
		     struct ovk_error *err);

/* Encode in[0, len) into out; *out_len is 0 when the result would not fit
 * in cap bytes (the caller then stores the block as is). */
int ovk_codec_encode(enum ovk_codec c, int level, const uint8_t *in, size_t len, uint8_t *out,
		     size_t cap, size_t *out_len, struct ovk_error *err);

/* CRC-32 (IEEE 802.3, as zlib and GPT compute it) of buf, continuing
 * from crc (0 to start). */
uint32_t ovk_crc32(uint32_t crc, const void *buf, size_t len);

/* ---- gzip, streamed ---- */

struct ovk_gunzip;

int ovk_gunzip_new(struct ovk_gunzip **out, struct ovk_error *err);
/* Inflate from *in into *out as far as either goes, advancing both.
 * Returns 1 when a gzip member ended (its CRC-32 and length checked; call
 * ovk_gunzip_reset() to read another that may follow), 0 when it needs
 * more input or more room, -1 on corrupt data. */
int ovk_gunzip_step(struct ovk_gunzip *g, const uint8_t **in, size_t *in_len, uint8_t **out,
		    size_t *out_len, struct ovk_error *err);
void ovk_gunzip_reset(struct ovk_gunzip *g);
void ovk_gunzip_free(struct ovk_gunzip *g);

#endif

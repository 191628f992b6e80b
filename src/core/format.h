/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * format.h: the ops table one disk format fills for the engine's registry.
 *
 * Each format directory defines one `const struct ovk_format
 * ovk_format_NAME` and nothing else is visible to the engine; only the
 * registry (engine/registry.c) names them.  The registry probes every
 * format by content and picks the highest score (STYLE.md #2); names and
 * extensions are never looked at.
 */
#ifndef OVK_CORE_FORMAT_H
#define OVK_CORE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "blob.h"
#include "error.h"
#include "extent.h"
#include "open.h"

/* Probe scores. */
#define OVK_PROBE_NO 0
#define OVK_PROBE_FALLBACK 1   /* raw: anything */
#define OVK_PROBE_MAYBE 50     /* e.g. a text descriptor */
#define OVK_PROBE_SURE 100     /* a magic number plus a sane header */

/* The bytes a probe may look at: the head of the file. */
#define OVK_PROBE_BYTES 4096
/* ... and its tail, where some formats keep their only signature (a
 * fixed VHD's footer, a DMG's koly block): one 512-byte sector. */
#define OVK_PROBE_TAIL_BYTES 512

struct ovk_format {
	const char *name;
	/* Score the head of a file (up to OVK_PROBE_BYTES; fewer if the file is
	 * shorter); `size` is the whole blob's size (UINT64_MAX if unknown). */
	int (*probe)(const uint8_t *head, size_t len, uint64_t size);
	/* Score the last OVK_PROBE_TAIL_BYTES of a file of `size` bytes; NULL
	 * when the format has nothing there.  Only asked where the tail can be
	 * read: never of a forward-only stream (the registry copies a stream
	 * that no head claims to a file first, then asks). */
	int (*probe_tail)(const uint8_t *tail, size_t len, uint64_t size);
	/* Whether a forward-only stream that starts with `head` can be read
	 * as it comes; NULL: never.  The engine copies any other stream to a
	 * temp file first (ovk_spill). */
	int (*streamable)(const uint8_t *head, size_t len);
	/* Open a source on `blob`.  On success the source owns the blob (and
	 * frees it on close); on failure the caller still owns it.  Files the
	 * image names are opened through `ctx`, during this call only.  NULL
	 * if the format cannot be read. */
	int (*open_source)(struct ovk_blob *blob, const struct ovk_open_ctx *ctx,
			   struct ovk_source **out, struct ovk_error *err);
	/* Open a sink.  NULL if the format cannot be written. */
	int (*open_sink)(const struct ovk_sink_params *params, struct ovk_sink **out,
			 struct ovk_error *err);
	/* Check a sink's -o string, keys and values, before anything is
	 * opened; NULL when the sink takes no options. */
	int (*check_sink_options)(const char *options, struct ovk_error *err);
	/* Whether the sink can record a backing file (overlay creation). */
	int supports_backing;
	/* Whether the sink compresses (-c). */
	int supports_compression;
	/* Whether the sink writes front to back without seeking, so that it
	 * can write into a pipe (ovk_sink_params.stream). */
	int supports_stream;
};

#endif

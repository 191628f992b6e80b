/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qcow2.c: the qcow2 entry in the format registry: probe by content (the
 * magic plus a sane version and cluster size), the reader (reader.c), the
 * writer (writer.c), and the compression types both use.
 */
#include "qcow2/qcow2.h"

#include "core/endian.h"
#include "core/format.h"

enum ovk_codec ovk_qcow2_codec(unsigned type)
{
	return type == QCOW2_COMPRESSION_ZSTD ? OVK_CODEC_ZSTD : OVK_CODEC_DEFLATE;
}

const char *ovk_qcow2_compression_name(unsigned type)
{
	switch (type) {
	case QCOW2_COMPRESSION_ZLIB:
		return "zlib";
	case QCOW2_COMPRESSION_ZSTD:
		return "zstd";
	default:
		return NULL;
	}
}

int ovk_qcow2_probe(const uint8_t *head, size_t len, uint64_t size)
{
	uint32_t version, cluster_bits;

	(void)size;
	if (len < QCOW2_V2_HEADER_LEN || be32_load(head) != QCOW2_MAGIC)
		return OVK_PROBE_NO;
	version = be32_load(head + 4);
	cluster_bits = be32_load(head + 20);
	/* A qcow2 magic with a version we do not read is still qcow2: claim it
	 * so the user gets our error, not a raw copy of the container. */
	if (version < 2 || version > 3 || cluster_bits < QCOW2_MIN_CLUSTER_BITS ||
	    cluster_bits > QCOW2_MAX_CLUSTER_BITS)
		return OVK_PROBE_MAYBE;
	return OVK_PROBE_SURE;
}

const struct ovk_format ovk_format_qcow2 = {
	.name = "qcow2",
	.probe = ovk_qcow2_probe,
	.open_source = ovk_qcow2_open_source,
	.open_sink = ovk_qcow2_open_sink,
	.check_sink_options = ovk_qcow2_check_sink_options,
	.supports_backing = 1,
	.supports_compression = 1,
};

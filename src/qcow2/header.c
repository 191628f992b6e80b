/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * header.c: the qcow2 header (cluster 0) and its extensions, decoded once
 * from bytes into struct ovk_qcow2_header and validated in one place, and
 * encoded again for the writer.  The layout diagram is in qcow2.h.
 *
 * Everything here is hostile input: a header only passes when every offset
 * it names lies inside the file, every table fits qemu's own limits, and no
 * feature we cannot honour (encryption, external data files, unknown
 * incompatible bits) is set.
 */
#include "qcow2/qcow2.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/checked.h"
#include "core/endian.h"

/* qemu's QCOW_MAX_REFTABLE_SIZE: a refcount table above 8 MiB is refused. */
#define QCOW2_MAX_REFTABLE_BYTES ((uint64_t)8 << 20)
/* refcount_order above 6 would mean entries wider than 64 bits. */
#define QCOW2_MAX_REFCOUNT_ORDER 6u
/* One feature name table entry: type, bit, 46 name bytes. */
#define QCOW2_FEATURE_ENTRY 48u
#define QCOW2_FEATURE_NAME 46u

uint64_t ovk_qcow2_l1_entries_for(uint64_t size, uint32_t cluster_bits, uint32_t l2_bits)
{
	/* One L1 entry maps cluster_size << l2_bits guest bytes. */
	uint32_t shift = cluster_bits + l2_bits;
	uint64_t n = (size >> shift) + ((size & (((uint64_t)1 << shift) - 1)) != 0);

	return n > QCOW2_MAX_L1_ENTRIES ? 0 : n;
}

static void header_load_fixed(const uint8_t *b, struct ovk_qcow2_header *h)
{
	h->version = be32_load(b + 4);
	h->backing_file_offset = be64_load(b + 8);
	h->backing_file_size = be32_load(b + 16);
	h->cluster_bits = be32_load(b + 20);
	h->size = be64_load(b + 24);
	h->crypt_method = be32_load(b + 32);
	h->l1_size = be32_load(b + 36);
	h->l1_table_offset = be64_load(b + 40);
	h->refcount_table_offset = be64_load(b + 48);
	h->refcount_table_clusters = be32_load(b + 56);
	h->nb_snapshots = be32_load(b + 60);
	h->snapshots_offset = be64_load(b + 64);
}

/* Name the set bits of `unknown` from the feature name table, if any. */
static void feature_names(const uint8_t *d, uint32_t len, uint64_t unknown,
			  struct ovk_qcow2_header *h)
{
	size_t used = strlen(h->unknown_incompat);

	for (uint32_t i = 0; i + QCOW2_FEATURE_ENTRY <= len; i += QCOW2_FEATURE_ENTRY) {
		char name[QCOW2_FEATURE_NAME + 1];

		if (d[i] != 0 || d[i + 1] > 63 || !(unknown & (1ull << d[i + 1])))
			continue;
		memcpy(name, d + i + 2, QCOW2_FEATURE_NAME);
		name[QCOW2_FEATURE_NAME] = '\0';
		for (char *p = name; *p; p++)
			if (*p < 0x20 || *p > 0x7e)
				*p = '?';
		used += (size_t)snprintf(h->unknown_incompat + used,
					 used < sizeof h->unknown_incompat ?
					 sizeof h->unknown_incompat - used : 0,
					 "%s%s", used ? ", " : "", name);
		if (used >= sizeof h->unknown_incompat)
			break;
	}
}

/* Walk the extensions between the header and the end of cluster 0. */
static int header_load_extensions(const uint8_t *b, size_t end, struct ovk_qcow2_header *h,
				  struct ovk_error *err)
{
	size_t pos = h->header_length;
	const uint8_t *feat = NULL;
	uint32_t feat_len = 0;

	for (;;) {
		uint32_t type, len;
		size_t padded;

		/* A file that ends inside cluster 0 reads as zeros past its end,
		 * which is the end marker. */
		if (pos + 8 > end && end < ((size_t)1 << h->cluster_bits))
			break;
		if (pos + 8 > end)
			return ovk_error_set(err, EINVAL,
					     "header extension at byte %zu: beyond the first cluster",
					     pos);
		type = be32_load(b + pos);
		len = be32_load(b + pos + 4);
		if (type == QCOW2_EXT_END)
			break;
		pos += 8;
		padded = ((size_t)len + 7) & ~(size_t)7;
		if (len > end || padded > end - pos)
			return ovk_error_set(err, EINVAL,
					     "header extension 0x%08x at byte %zu: length %u runs past the first cluster",
					     type, pos - 8, len);
		switch (type) {
		case QCOW2_EXT_BACKING_FORMAT:
			if (len > QCOW2_MAX_FORMAT_NAME)
				return ovk_error_set(err, EINVAL,
						     "backing format name of %u bytes: longer than %u",
						     len, QCOW2_MAX_FORMAT_NAME);
			memcpy(h->backing_format, b + pos, len);
			h->backing_format[len] = '\0';
			if (strlen(h->backing_format) != len)
				return ovk_error_set(err, EINVAL, "backing format name contains NUL");
			break;
		case QCOW2_EXT_FEATURE_TABLE:
			feat = b + pos;
			feat_len = len;
			break;
		case QCOW2_EXT_DATA_FILE:
			h->has_data_file_ext = 1;
			break;
		case QCOW2_EXT_CRYPTO:
			h->has_crypto_ext = 1;
			break;
		default:
			break;   /* bitmaps and unknown extensions: safe to ignore */
		}
		pos += padded;
	}
	if (feat && (h->incompatible & ~QCOW2_INCOMPAT_KNOWN))
		feature_names(feat, feat_len, h->incompatible & ~QCOW2_INCOMPAT_KNOWN, h);
	return 0;
}

static int header_validate_features(const struct ovk_qcow2_header *h, struct ovk_error *err)
{
	uint64_t unknown = h->incompatible & ~QCOW2_INCOMPAT_KNOWN;

	if (unknown)
		return ovk_error_set(err, ENOTSUP, "unsupported incompatible features 0x%llx%s%s%s",
				     (unsigned long long)unknown, h->unknown_incompat[0] ? " (" : "",
				     h->unknown_incompat, h->unknown_incompat[0] ? ")" : "");
	if ((h->incompatible & QCOW2_INCOMPAT_DATA_FILE) || h->has_data_file_ext)
		return ovk_error_set(err, ENOTSUP, "external data files are not supported");
	if (h->crypt_method != 0 || h->has_crypto_ext)
		return ovk_error_set(err, ENOTSUP, "encrypted images are not supported (crypt_method %u)",
				     h->crypt_method);
	if (h->incompatible & QCOW2_INCOMPAT_COMPRESSION) {
		if (h->compression_type == QCOW2_COMPRESSION_ZLIB)
			return ovk_error_set(err, EINVAL,
					     "compression type bit set, but compression_type is 0");
	} else if (h->compression_type != QCOW2_COMPRESSION_ZLIB) {
		return ovk_error_set(err, EINVAL,
				     "compression_type %u without the compression type bit",
				     h->compression_type);
	}
	if (!ovk_qcow2_compression_name(h->compression_type))
		return ovk_error_set(err, ENOTSUP, "unknown compression type %u", h->compression_type);
	return 0;
}

/* A table of `bytes` at `off` is cluster aligned, clear of the header
 * cluster, and inside the file. */
static int table_validate(const char *what, uint64_t off, uint64_t bytes, uint64_t cluster,
			  uint64_t file_size, struct ovk_error *err)
{
	if (bytes == 0)
		return 0;
	if (off & (cluster - 1))
		return ovk_error_set(err, EINVAL, "%s offset 0x%llx: not aligned to the cluster size %llu",
				     what, (unsigned long long)off, (unsigned long long)cluster);
	if (off == 0)
		return ovk_error_set(err, EINVAL, "%s at offset 0: overlaps the header", what);
	if (!ovk_range_ok(off, bytes, file_size))
		return ovk_error_set(err, EINVAL,
				     "%s at 0x%llx (%llu bytes): beyond end of file (size %llu)",
				     what, (unsigned long long)off, (unsigned long long)bytes,
				     (unsigned long long)file_size);
	return 0;
}

static int header_validate(const struct ovk_qcow2_header *h, uint64_t file_size,
			   struct ovk_error *err)
{
	uint64_t cluster, need, reft_bytes;

	if (h->cluster_bits < QCOW2_MIN_CLUSTER_BITS || h->cluster_bits > QCOW2_MAX_CLUSTER_BITS)
		return ovk_error_set(err, EINVAL, "cluster_bits %u: outside %u..%u", h->cluster_bits,
				     QCOW2_MIN_CLUSTER_BITS, QCOW2_MAX_CLUSTER_BITS);
	cluster = (uint64_t)1 << h->cluster_bits;
	if (h->refcount_order > QCOW2_MAX_REFCOUNT_ORDER)
		return ovk_error_set(err, EINVAL, "refcount_order %u: above %u", h->refcount_order,
				     QCOW2_MAX_REFCOUNT_ORDER);
	if (header_validate_features(h, err) < 0)
		return -1;
	if ((h->incompatible & QCOW2_INCOMPAT_EXTL2) && h->cluster_bits < 14)
		return ovk_error_set(err, EINVAL, "extended L2 entries need clusters of 16 KiB or more");
	if (h->l1_size > QCOW2_MAX_L1_ENTRIES)
		return ovk_error_set(err, EINVAL, "L1 table of %u entries: above qemu's limit of %llu",
				     h->l1_size, (unsigned long long)QCOW2_MAX_L1_ENTRIES);
	/* Extended L2 entries are 16 bytes: half as many per table. */
	need = ovk_qcow2_l1_entries_for(h->size, h->cluster_bits, ovk_qcow2_l2_bits(h));
	if (h->size && (need == 0 || need > h->l1_size))
		return ovk_error_set(err, EINVAL,
				     "L1 table of %u entries: too small for virtual size %llu",
				     h->l1_size, (unsigned long long)h->size);
	if (table_validate("L1 table", h->l1_table_offset, (uint64_t)h->l1_size * 8, cluster,
			   file_size, err) < 0)
		return -1;
	reft_bytes = (uint64_t)h->refcount_table_clusters << h->cluster_bits;
	if (reft_bytes > QCOW2_MAX_REFTABLE_BYTES)
		return ovk_error_set(err, EINVAL,
				     "refcount table of %u clusters: above qemu's limit of %llu bytes",
				     h->refcount_table_clusters,
				     (unsigned long long)QCOW2_MAX_REFTABLE_BYTES);
	if (table_validate("refcount table", h->refcount_table_offset, reft_bytes, cluster,
			   file_size, err) < 0)
		return -1;
	if (h->refcount_table_clusters && h->l1_size &&
	    h->refcount_table_offset < h->l1_table_offset + (uint64_t)h->l1_size * 8 &&
	    h->l1_table_offset < h->refcount_table_offset + reft_bytes)
		return ovk_error_set(err, EINVAL, "refcount table overlaps the L1 table");
	if (h->backing_file_offset) {
		if (h->backing_file_size == 0 || h->backing_file_size > QCOW2_MAX_BACKING_NAME)
			return ovk_error_set(err, EINVAL, "backing file name of %u bytes: not 1..%u",
					     h->backing_file_size, QCOW2_MAX_BACKING_NAME);
		if (!ovk_range_ok(h->backing_file_offset, h->backing_file_size,
				  ovk_min_u64(cluster, file_size)))
			return ovk_error_set(err, EINVAL,
					     "backing file name at byte %llu: outside the first cluster",
					     (unsigned long long)h->backing_file_offset);
	}
	return 0;
}

int ovk_qcow2_header_decode(const uint8_t *buf, size_t len, uint64_t file_size,
			    struct ovk_qcow2_header *h, struct ovk_error *err)
{
	size_t end;

	memset(h, 0, sizeof *h);
	if (len < QCOW2_V2_HEADER_LEN)
		return ovk_error_set(err, EINVAL, "file of %zu bytes: too short for a qcow2 header", len);
	if (be32_load(buf) != QCOW2_MAGIC)
		return ovk_error_set(err, EINVAL, "not a qcow2 image (bad magic)");
	header_load_fixed(buf, h);
	if (h->version != 2 && h->version != 3)
		return ovk_error_set(err, ENOTSUP, "qcow2 version %u: only 2 and 3 are supported",
				     h->version);
	if (h->cluster_bits < QCOW2_MIN_CLUSTER_BITS || h->cluster_bits > QCOW2_MAX_CLUSTER_BITS)
		return ovk_error_set(err, EINVAL, "cluster_bits %u: outside %u..%u", h->cluster_bits,
				     QCOW2_MIN_CLUSTER_BITS, QCOW2_MAX_CLUSTER_BITS);
	end = (size_t)ovk_min_u64(len, (uint64_t)1 << h->cluster_bits);
	if (h->version == 2) {
		h->header_length = QCOW2_V2_HEADER_LEN;
		h->refcount_order = QCOW2_REFCOUNT_ORDER;
	} else {
		if (end < QCOW2_V3_MIN_HEADER_LEN)
			return ovk_error_set(err, EINVAL, "file too short for a version 3 header");
		h->incompatible = be64_load(buf + 72);
		h->compatible = be64_load(buf + 80);
		h->autoclear = be64_load(buf + 88);
		h->refcount_order = be32_load(buf + 96);
		h->header_length = be32_load(buf + 100);
		if (h->header_length < QCOW2_V3_MIN_HEADER_LEN || h->header_length % 8 ||
		    h->header_length > end)
			return ovk_error_set(err, EINVAL,
					     "header_length %u: not a multiple of 8 in %u..%zu",
					     h->header_length, QCOW2_V3_MIN_HEADER_LEN, end);
		if (h->header_length > 104)
			h->compression_type = buf[104];
	}
	if (header_load_extensions(buf, end, h, err) < 0)
		return -1;
	return header_validate(h, file_size, err);
}

static size_t put_ext(uint8_t *buf, size_t pos, uint32_t type, const void *data, uint32_t len)
{
	be32_store(buf + pos, type);
	be32_store(buf + pos + 4, len);
	memcpy(buf + pos + 8, data, len);
	return pos + 8 + (((size_t)len + 7) & ~(size_t)7);
}

/* The names qemu records, so that older tools can explain what they lack. */
static const struct {
	uint8_t type, bit;
	const char *name;
} feature_table[] = {
	{ 0, 0, "dirty bit" },
	{ 0, 1, "corrupt bit" },
	{ 0, 2, "external data file" },
	{ 0, 3, "compression type" },
	{ 0, 4, "extended L2 entries" },
	{ 1, 0, "lazy refcounts" },
	{ 2, 0, "bitmaps" },
	{ 2, 1, "raw external data" },
};

int ovk_qcow2_header_encode(const struct ovk_qcow2_header *h, const char *backing_name,
			    uint8_t *buf, size_t cap, size_t *used, struct ovk_error *err)
{
	enum { NFEAT = sizeof feature_table / sizeof feature_table[0] };
	uint8_t feat[NFEAT * QCOW2_FEATURE_ENTRY];
	size_t fmt_len = strlen(h->backing_format);
	size_t name_len = backing_name ? strlen(backing_name) : 0;
	size_t pos = QCOW2_V3_HEADER_LEN, need;

	if (name_len > QCOW2_MAX_BACKING_NAME)
		return ovk_error_set(err, ENAMETOOLONG, "backing file name of %zu bytes: above %u",
				     name_len, QCOW2_MAX_BACKING_NAME);
	need = pos + (fmt_len ? 8 + ((fmt_len + 7) & ~(size_t)7) : 0) + 8 + name_len;
	if (need > cap)
		return ovk_error_set(err, ENOSPC,
				     "header with backing file name does not fit a %zu-byte cluster", cap);
	be32_store(buf, QCOW2_MAGIC);
	be32_store(buf + 4, 3);
	be32_store(buf + 20, h->cluster_bits);
	be64_store(buf + 24, h->size);
	be32_store(buf + 36, h->l1_size);
	be64_store(buf + 40, h->l1_table_offset);
	be64_store(buf + 48, h->refcount_table_offset);
	be32_store(buf + 56, h->refcount_table_clusters);
	be64_store(buf + 72, h->incompatible);
	be64_store(buf + 80, h->compatible);
	be64_store(buf + 88, h->autoclear);
	be32_store(buf + 96, h->refcount_order);
	be32_store(buf + 100, QCOW2_V3_HEADER_LEN);
	buf[104] = h->compression_type;
	if (fmt_len)
		pos = put_ext(buf, pos, QCOW2_EXT_BACKING_FORMAT, h->backing_format,
			      (uint32_t)fmt_len);
	/* Like qemu, drop the feature name table when cluster 0 is too small. */
	if (need + 8 + sizeof feat <= cap) {
		memset(feat, 0, sizeof feat);
		for (size_t i = 0; i < NFEAT; i++) {
			feat[i * QCOW2_FEATURE_ENTRY] = feature_table[i].type;
			feat[i * QCOW2_FEATURE_ENTRY + 1] = feature_table[i].bit;
			memcpy(feat + i * QCOW2_FEATURE_ENTRY + 2, feature_table[i].name,
			       strlen(feature_table[i].name));
		}
		pos = put_ext(buf, pos, QCOW2_EXT_FEATURE_TABLE, feat, sizeof feat);
	}
	pos += 8;   /* end of extensions: type 0, length 0 (already zero) */
	if (name_len) {
		be64_store(buf + 8, pos);
		be32_store(buf + 16, (uint32_t)name_len);
		memcpy(buf + pos, backing_name, name_len);
		pos += name_len;
	}
	*used = pos;
	return 0;
}

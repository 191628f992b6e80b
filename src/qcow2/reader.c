/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reader.c: the qcow2 source.  Walks the active L1/L2 tables of an image
 * in guest order and yields
 *   - DATA, stored: standard clusters, at their host offset; clusters that
 *     follow each other in the file become one extent;
 *   - DATA, encoded: one per compressed cluster (the host bytes to read),
 *     inflated by read() on the workers;
 *   - ZERO: clusters with the zero flag (v3);
 *   - UNALLOCATED: no L2 table or an empty entry (the engine reads the
 *     backing file there).
 * With extended L2 entries (128 bits: the standard entry, then a bitmap
 * with an "allocated" bit 0..31 and a "reads as zero" bit 32..63 per
 * subcluster) the walk goes subcluster by subcluster; compressed clusters
 * have no subclusters and a bitmap of zero.
 * Snapshots and refcounts are not needed to read the active image and are
 * not walked.  Every table entry is checked when it is used: reserved bits
 * clear, offsets aligned and inside the file (layout in qcow2.h).
 *
 * Nothing is read through a mapping: the header and the L1 table are read
 * whole at open, one L2 table at a time as the walk or a random read needs
 * it, all with pread.  So the same code reads a local file, one too large
 * to map, and a ranged blob whose bytes come from elsewhere (a libvirt
 * volume read back in pieces), and random reads (pread(): the guest
 * reader) share the walk's table lookups.
 */
#include "qcow2/qcow2.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/endian.h"
#include "core/format.h"

struct qcow2_source {
	struct ovk_blob *blob;
	struct ovk_qcow2_header h;
	uint64_t cs;
	uint32_t l2_bits;
	uint32_t entry_bytes;          /* L2 entry: 8, or 16 with extended L2 */
	uint32_t sub_bits;             /* log2 subclusters per cluster: 0, or 5 */
	uint64_t us;                   /* subcluster size: the unit of the walk */
	uint64_t pos;                  /* next guest byte */
	enum ovk_codec codec;          /* of compressed clusters */
	uint64_t file_size;
	uint64_t *l1;                  /* host order, h.l1_size entries */
	uint8_t *l2;                   /* one L2 table, as stored */
	uint64_t l2_off;               /* its offset in the file, or 0 */
};

/* What one guest cluster maps to. */
struct mapping {
	enum ovk_extent_type type;
	int compressed;
	uint64_t host;                 /* data: host byte offset */
	uint64_t host_len;             /* compressed: bytes to read */
	uint64_t run_end;              /* unallocated L2 range: guest byte it ends at */
};

static uint64_t cluster_len(const struct qcow2_source *s, uint64_t gc)
{
	return ovk_min_u64(s->cs, s->h.size - gc * s->cs);
}

/* Guest bytes of unit u (a subcluster, or a cluster without them). */
static uint64_t unit_len(const struct qcow2_source *s, uint64_t u)
{
	return ovk_min_u64(s->us, s->h.size - u * s->us);
}

/* The L2 table of L1 index i: *l2 NULL when unallocated. */
static int l2_table(struct qcow2_source *s, uint64_t i, const uint8_t **l2, struct ovk_error *err)
{
	uint64_t e = s->l1[i];
	uint64_t off = e & QCOW2_OFFSET_MASK;

	*l2 = NULL;
	if (e & QCOW2_L1_RESERVED)
		return ovk_error_set(err, EINVAL, "L1 entry %llu (0x%016llx): reserved bits set",
				     (unsigned long long)i, (unsigned long long)e);
	if (off == 0)
		return 0;
	if (off & (s->cs - 1))
		return ovk_error_set(err, EINVAL, "L1 entry %llu: L2 table at 0x%llx not cluster aligned",
				     (unsigned long long)i, (unsigned long long)off);
	if (!ovk_range_ok(off, s->cs, s->file_size))
		return ovk_error_set(err, EINVAL,
				     "L1 entry %llu: L2 table at 0x%llx beyond end of file (size %llu)",
				     (unsigned long long)i, (unsigned long long)off,
				     (unsigned long long)s->file_size);
	if (off != s->l2_off) {
		s->l2_off = 0;
		if (ovk_blob_pread(s->blob, off, s->l2, (size_t)s->cs, err) < 0)
			return -1;
		s->l2_off = off;
	}
	*l2 = s->l2;
	return 0;
}

static int map_compressed(struct qcow2_source *s, uint64_t gc, uint64_t e, struct mapping *m,
			  struct ovk_error *err)
{
	uint32_t shift = ovk_qcow2_csize_shift(s->h.cluster_bits);
	uint64_t host = e & (((uint64_t)1 << shift) - 1);
	uint64_t sectors = ((e & ~(QCOW2_OFLAG_COMPRESSED | QCOW2_OFLAG_COPIED)) >> shift) + 1;
	uint64_t len = sectors * QCOW2_SECTOR - (host & (QCOW2_SECTOR - 1));

	if (e & QCOW2_OFLAG_COPIED)
		return ovk_error_set(err, EINVAL, "cluster %llu: compressed entry with COPIED set",
				     (unsigned long long)gc);
	if (host < s->cs || host >= s->file_size)
		return ovk_error_set(err, EINVAL,
				     "cluster %llu: compressed data at 0x%llx outside the file (size %llu)",
				     (unsigned long long)gc, (unsigned long long)host,
				     (unsigned long long)s->file_size);
	/* The last sector of the last compressed cluster may pass the end of
	 * the file: qemu does not pad it. */
	m->type = OVK_EXTENT_DATA;
	m->compressed = 1;
	m->host = host;
	m->host_len = ovk_min_u64(len, s->file_size - host);
	return 0;
}

/* A host offset, wherever an entry has one (zero and unallocated entries
 * too, as qemu checks), is a cluster boundary. */
static int check_host_aligned(const struct qcow2_source *s, uint64_t gc, uint64_t host,
			      struct ovk_error *err)
{
	if (host & (s->cs - 1))
		return ovk_error_set(err, EINVAL, "cluster %llu: host offset 0x%llx not cluster "
				     "aligned", (unsigned long long)gc, (unsigned long long)host);
	return 0;
}

/* Subcluster `sub` of a standard cluster with extended L2 entry (e, bitmap). */
static int map_subcluster(struct qcow2_source *s, uint64_t gc, uint32_t sub, uint64_t e,
			  uint64_t bitmap, struct mapping *m, struct ovk_error *err)
{
	uint64_t host = e & QCOW2_OFFSET_MASK;
	int alloc = (bitmap >> sub) & 1, zero = (bitmap >> (32 + sub)) & 1;

	if (e & (QCOW2_L2_RESERVED | QCOW2_OFLAG_ZERO))
		return ovk_error_set(err, EINVAL, "cluster %llu: extended L2 entry 0x%016llx has "
				     "reserved bits set", (unsigned long long)gc,
				     (unsigned long long)e);
	if (check_host_aligned(s, gc, host, err) < 0)
		return -1;
	if (alloc && zero)
		return ovk_error_set(err, EINVAL, "cluster %llu: subcluster %u both allocated and "
				     "zero (bitmap 0x%016llx)", (unsigned long long)gc, sub,
				     (unsigned long long)bitmap);
	if (zero) {
		m->type = OVK_EXTENT_ZERO;
		return 0;
	}
	if (!alloc) {
		m->type = OVK_EXTENT_UNALLOCATED;
		return 0;
	}
	if (host == 0)
		return ovk_error_set(err, EINVAL, "cluster %llu: subcluster %u allocated at host "
				     "offset 0 (the header)", (unsigned long long)gc, sub);
	host += (uint64_t)sub * s->us;
	if (!ovk_range_ok(host, unit_len(s, (gc << s->sub_bits) + sub), s->file_size))
		return ovk_error_set(err, EINVAL, "cluster %llu: subcluster %u at 0x%llx beyond end "
				     "of file (size %llu)", (unsigned long long)gc, sub,
				     (unsigned long long)host, (unsigned long long)s->file_size);
	m->type = OVK_EXTENT_DATA;
	m->host = host;
	return 0;
}

static int map_standard(struct qcow2_source *s, uint64_t gc, uint64_t e, struct mapping *m,
			struct ovk_error *err)
{
	uint64_t host = e & QCOW2_OFFSET_MASK;

	if (e & QCOW2_L2_RESERVED)
		return ovk_error_set(err, EINVAL, "cluster %llu: L2 entry 0x%016llx has reserved bits set",
				     (unsigned long long)gc, (unsigned long long)e);
	if (check_host_aligned(s, gc, host, err) < 0)
		return -1;
	if (e & QCOW2_OFLAG_ZERO) {
		if (s->h.version < 3)
			return ovk_error_set(err, EINVAL, "cluster %llu: zero flag in a version 2 image",
					     (unsigned long long)gc);
		m->type = OVK_EXTENT_ZERO;
		return 0;
	}
	if (host == 0) {
		if (e & QCOW2_OFLAG_COPIED)
			return ovk_error_set(err, EINVAL,
					     "cluster %llu: host offset 0 (the header) without an external data file",
					     (unsigned long long)gc);
		m->type = OVK_EXTENT_UNALLOCATED;
		return 0;
	}
	if (!ovk_range_ok(host, cluster_len(s, gc), s->file_size))
		return ovk_error_set(err, EINVAL,
				     "cluster %llu: data at 0x%llx beyond end of file (size %llu)",
				     (unsigned long long)gc, (unsigned long long)host,
				     (unsigned long long)s->file_size);
	m->type = OVK_EXTENT_DATA;
	m->host = host;
	return 0;
}

/* What walk unit u (a subcluster, or a whole cluster without them) maps to. */
static int map_unit(struct qcow2_source *s, uint64_t u, struct mapping *m, struct ovk_error *err)
{
	uint64_t gc = u >> s->sub_bits, l1i = gc >> s->l2_bits, e, bitmap;
	uint32_t sub = (uint32_t)(u & (((uint64_t)1 << s->sub_bits) - 1));
	const uint8_t *l2, *entry;

	memset(m, 0, sizeof *m);
	if (l2_table(s, l1i, &l2, err) < 0)
		return -1;
	if (!l2) {
		m->type = OVK_EXTENT_UNALLOCATED;
		m->run_end = ovk_min_u64(s->h.size, (l1i + 1) << (s->l2_bits + s->h.cluster_bits));
		return 0;
	}
	entry = l2 + (uint64_t)s->entry_bytes * (gc & (((uint64_t)1 << s->l2_bits) - 1));
	e = be64_load(entry);
	bitmap = s->sub_bits ? be64_load(entry + 8) : 0;
	if (e & QCOW2_OFLAG_COMPRESSED) {
		/* Compressed clusters are whole: no bitmap (the walk meets them
		 * at their start; a random read anywhere in them). */
		if (bitmap)
			return ovk_error_set(err, EINVAL, "cluster %llu: compressed cluster with a "
					     "subcluster bitmap 0x%016llx", (unsigned long long)gc,
					     (unsigned long long)bitmap);
		return map_compressed(s, gc, e, m, err);
	}
	if (s->sub_bits)
		return map_subcluster(s, gc, sub, e, bitmap, m, err);
	return map_standard(s, gc, e, m, err);
}

static int qcow2_next(struct ovk_source *src, struct ovk_extent *ext, struct ovk_error *err)
{
	struct qcow2_source *s = src->priv;
	struct mapping first, m;
	uint64_t u, end;

	if (s->pos >= s->h.size)
		return 0;
	u = s->pos / s->us;
	if (map_unit(s, u, &first, err) < 0)
		return ovk_error_prefix(err, "%s", ovk_blob_name(s->blob));
	if (first.compressed) {
		ovk_extent_encoded(ext, s->pos, cluster_len(s, u >> s->sub_bits), s->blob,
				   first.host, first.host_len);
		s->pos += ext->length;
		return 1;
	}
	/* Extend over units of the same kind (data: contiguous in the file). */
	end = first.run_end ? first.run_end : s->pos + unit_len(s, u);
	while (end < s->h.size) {
		uint64_t nu = end / s->us;

		if (map_unit(s, nu, &m, err) < 0)
			return ovk_error_prefix(err, "%s", ovk_blob_name(s->blob));
		if (m.compressed || m.type != first.type ||
		    (m.type == OVK_EXTENT_DATA && m.host != first.host + (end - s->pos)))
			break;
		end = m.run_end ? m.run_end : end + unit_len(s, nu);
	}
	if (first.type == OVK_EXTENT_DATA)
		ovk_extent_stored(ext, s->pos, end - s->pos, s->blob, first.host);
	else
		ovk_extent_hole(ext, s->pos, end - s->pos, first.type);
	s->pos = end;
	return 1;
}

static int qcow2_read(const struct ovk_source *src, const struct ovk_extent *ext, uint8_t *dst,
		      struct ovk_error *err)
{
	const struct qcow2_source *s = src->priv;
	const char *name = ovk_blob_name(s->blob);
	const uint8_t *in;
	uint8_t *tmp = NULL;
	size_t in_len, got;
	int ret = -1;

	in = ovk_extent_encoded_bytes(ext, &in_len);
	if (!in || ext->length > s->cs) {
		ovk_error_set(err, EINVAL, "%s: bad compressed extent at %llu", name,
			      (unsigned long long)ext->offset);
		goto out;
	}
	/* Compressed clusters always inflate to a whole cluster. */
	if (ext->length < s->cs && !(tmp = malloc(s->cs))) {
		ovk_error_sys(err, ENOMEM, "%s: cluster buffer", name);
		goto out;
	}
	if (ovk_codec_decode(s->codec, OVK_DECODE_FILL, in, in_len, tmp ? tmp : dst, s->cs, &got,
			     err) < 0) {
		ovk_error_prefix(err, "%s: compressed cluster at guest offset %llu", name,
				 (unsigned long long)ext->offset);
		goto out;
	}
	if (tmp)
		memcpy(dst, tmp, ext->length);
	ret = 0;
out:
	free(tmp);
	return ret;
}

/* qemu-img's names (QAPI ImageInfoSpecificQCow2) where it has the field;
 * version, l1-size and snapshots are ours. */
static int qcow2_info(struct ovk_source *src, struct ovk_source_facts *facts,
		      struct ovk_info *info, struct ovk_error *err)
{
	struct qcow2_source *s = src->priv;
	const struct ovk_qcow2_header *h = &s->h;

	(void)err;
	facts->cluster_size = s->cs;
	facts->dirty = !!(h->incompatible & QCOW2_INCOMPAT_DIRTY);
	ovk_info_str(info, "compat", h->version == 2 ? "0.10" : "1.1");
	ovk_info_u64(info, "version", h->version);
	ovk_info_str(info, "compression-type", ovk_qcow2_compression_name(h->compression_type));
	ovk_info_u64(info, "refcount-bits", (uint64_t)1 << h->refcount_order);
	ovk_info_u64(info, "l1-size", h->l1_size);
	ovk_info_u64(info, "snapshots", h->nb_snapshots);
	ovk_info_bool(info, "lazy-refcounts", !!(h->compatible & QCOW2_COMPAT_LAZY_REFCOUNTS));
	ovk_info_bool(info, "corrupt", !!(h->incompatible & QCOW2_INCOMPAT_CORRUPT));
	ovk_info_bool(info, "extended-l2", !!(h->incompatible & QCOW2_INCOMPAT_EXTL2));
	return 0;
}

static void qcow2_close(struct ovk_source *src)
{
	struct qcow2_source *s;

	if (!src)
		return;
	s = src->priv;
	if (s) {
		ovk_blob_free(s->blob);
		free(s->l1);
		free(s->l2);
		free(s);
	}
	free(src->backing_name);
	free(src->backing_format);
	free(src);
}

/* A compressed cluster, read and inflated whole into cluster (cs bytes). */
static int inflate_cluster(const struct qcow2_source *s, const struct mapping *m,
			   uint8_t *cluster, struct ovk_error *err)
{
	uint8_t *in = malloc((size_t)m->host_len);
	size_t got;
	int ret = -1;

	if (!in)
		return ovk_error_sys(err, ENOMEM, "compressed cluster");
	if (ovk_blob_pread(s->blob, m->host, in, (size_t)m->host_len, err) == 0)
		ret = ovk_codec_decode(s->codec, OVK_DECODE_FILL, in, (size_t)m->host_len, cluster,
				       (size_t)s->cs, &got, err);
	free(in);
	return ret;
}

static int qcow2_pread(struct ovk_source *src, uint64_t off, void *buf, size_t len,
		       struct ovk_error *err)
{
	struct qcow2_source *s = src->priv;
	uint8_t *out = buf, *cluster = NULL;
	struct mapping m;
	int ret = -1;

	if (!ovk_range_ok(off, len, s->h.size)) {
		ovk_error_set(err, ERANGE, "read of %zu bytes at %llu: beyond the virtual size %llu",
			      len, (unsigned long long)off, (unsigned long long)s->h.size);
		goto out;
	}
	while (len > 0) {
		uint64_t u = off / s->us, gc = off / s->cs;
		uint64_t in = off - u * s->us, n = ovk_min_u64(len, unit_len(s, u) - in);

		if (map_unit(s, u, &m, err) < 0)
			goto out;
		if (m.compressed) {
			/* whole clusters, without subclusters */
			n = ovk_min_u64(len, cluster_len(s, gc) - (off - gc * s->cs));
			if ((!cluster && !(cluster = malloc((size_t)s->cs))) ||
			    inflate_cluster(s, &m, cluster, err) < 0) {
				if (!cluster)
					ovk_error_sys(err, ENOMEM, "cluster buffer");
				goto out;
			}
			memcpy(out, cluster + (off - gc * s->cs), (size_t)n);
		} else if (m.type == OVK_EXTENT_DATA) {
			if (ovk_blob_pread(s->blob, m.host + in, out, (size_t)n, err) < 0)
				goto out;
		} else {
			memset(out, 0, (size_t)n);
		}
		off += n;
		out += n;
		len -= (size_t)n;
	}
	ret = 0;
out:
	if (ret < 0)
		ovk_error_name(err, ovk_blob_name(s->blob));
	free(cluster);
	return ret;
}

static const struct ovk_source_ops qcow2_source_ops = {
	.next = qcow2_next,
	.read = qcow2_read,
	.pread = qcow2_pread,
	.info = qcow2_info,
	.close = qcow2_close,
};

/* The backing file name: a hostile path like any other. */
static int backing_load(struct ovk_source *src, const struct qcow2_source *s,
			struct ovk_error *err)
{
	const struct ovk_qcow2_header *h = &s->h;
	char *name;

	if (!h->backing_file_offset)
		return 0;
	name = malloc(h->backing_file_size + 1);
	if (!name)
		return ovk_error_sys(err, ENOMEM, "backing file name");
	src->backing_name = name;
	if (ovk_blob_pread(s->blob, h->backing_file_offset, name, h->backing_file_size, err) < 0)
		return -1;
	name[h->backing_file_size] = '\0';
	/* Where the name leads is the engine's to check, as it opens it. */
	if (strlen(name) != h->backing_file_size)
		return ovk_error_set(err, EINVAL, "backing file name contains NUL");
	if (h->backing_format[0] && !(src->backing_format = strdup(h->backing_format)))
		return ovk_error_sys(err, ENOMEM, "backing format");
	return 0;
}

/* Cluster 0 (or the file, when shorter): the header and its extensions. */
static int header_read(struct qcow2_source *s, struct ovk_error *err)
{
	uint8_t *buf = NULL;
	uint32_t bits;
	size_t len = (size_t)ovk_min_u64(s->file_size, QCOW2_V3_HEADER_LEN);
	int ret = -1;

	if (!(buf = calloc(1, (size_t)1 << QCOW2_MAX_CLUSTER_BITS))) {
		ovk_error_sys(err, ENOMEM, "qcow2 header");
		goto out;
	}
	if (ovk_blob_pread(s->blob, 0, buf, len, err) < 0)
		goto out;
	/* The cluster size says how much of the file is the header's; a
	 * nonsense one is the decoder's to refuse. */
	bits = len >= 24 ? be32_load(buf + 20) : 0;
	if (bits >= QCOW2_MIN_CLUSTER_BITS && bits <= QCOW2_MAX_CLUSTER_BITS)
		len = (size_t)ovk_min_u64(s->file_size, (uint64_t)1 << bits);
	if (ovk_blob_pread(s->blob, 0, buf, len, err) < 0)
		goto out;
	ret = ovk_qcow2_header_decode(buf, len, s->file_size, &s->h, err);
out:
	free(buf);
	return ret;
}

static int l1_read(struct qcow2_source *s, struct ovk_error *err)
{
	uint8_t *raw = NULL;
	int ret = -1;

	s->l1 = calloc(s->h.l1_size ? s->h.l1_size : 1, sizeof *s->l1);
	raw = malloc(s->h.l1_size ? (size_t)s->h.l1_size * 8 : 1);
	if (!s->l1 || !raw || !(s->l2 = malloc((size_t)s->cs))) {
		ovk_error_sys(err, ENOMEM, "qcow2 tables");
		goto out;
	}
	if (ovk_blob_pread(s->blob, s->h.l1_table_offset, raw, (size_t)s->h.l1_size * 8, err) < 0)
		goto out;
	for (uint32_t i = 0; i < s->h.l1_size; i++)
		s->l1[i] = be64_load(raw + 8 * (size_t)i);
	ret = 0;
out:
	free(raw);
	return ret;
}

static int source_init(struct ovk_source *src, struct qcow2_source *s, struct ovk_error *err)
{
	s->file_size = ovk_blob_size(s->blob);
	if (ovk_blob_is_stream(s->blob))
		return ovk_error_set(err, ENOTSUP,
				     "qcow2 needs random access; it cannot be read as a stream");
	if (header_read(s, err) < 0)
		return -1;
	s->cs = (uint64_t)1 << s->h.cluster_bits;
	s->l2_bits = ovk_qcow2_l2_bits(&s->h);
	s->sub_bits = (s->h.incompatible & QCOW2_INCOMPAT_EXTL2) ? QCOW2_SUBCLUSTER_BITS : 0;
	s->entry_bytes = s->sub_bits ? 16 : 8;
	s->us = s->cs >> s->sub_bits;
	s->codec = ovk_qcow2_codec(s->h.compression_type);
	if (l1_read(s, err) < 0 || backing_load(src, s, err) < 0)
		return -1;
	src->ops = &qcow2_source_ops;
	src->format = "qcow2";
	src->size = s->h.size;
	return 0;
}

int ovk_qcow2_open_source(struct ovk_blob *blob, const struct ovk_open_ctx *ctx,
			  struct ovk_source **out, struct ovk_error *err)
{
	struct ovk_source *src = calloc(1, sizeof *src);
	struct qcow2_source *s = calloc(1, sizeof *s);
	int ret = -1;

	(void)ctx;
	if (!src || !s) {
		free(src);
		free(s);
		return ovk_error_sys(err, ENOMEM, "qcow2 reader");
	}
	src->priv = s;
	s->blob = blob;
	if (source_init(src, s, err) < 0) {
		s->blob = NULL;   /* on failure the blob stays the caller's */
		goto out;
	}
	*out = src;
	src = NULL;
	ret = 0;
out:
	qcow2_close(src);
	return ret;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vmdk.c: the VMDK source: probe, open, the extent concatenation that makes
 * one guest disk of several extent files, read, info and the CID check.
 *
 * A VMDK disk is a list of extents in guest order:
 *
 *   guest  0 ........ e1 ........ e2 ........ size
 *          [ SPARSE   ][ FLAT      ][ ZERO     ]
 *             |            |
 *             x-s001.vmdk  x-f002.vmdk @ offset
 *
 * A file that starts with KDMV or COWD is a one-extent disk (its embedded
 * descriptor gives only CID, parentCID and createType, as in qemu); any
 * other file must be a text descriptor that lists the extents, each opened
 * through ovk_blob_open_sibling() so that the same code reads a directory
 * and an OVA.  Extent names that are absolute or climb out with ".." are
 * refused unless OVK_OPEN_UNSAFE_PATHS (CVE-2024-44082).
 *
 * Each extent is read one of two ways:
 *   - mapped (the default): sparse.c walks the GD/GTs in the mapping; data
 *     is handed out as stored extents, compressed grains as encoded extents
 *     that read() inflates on worker threads;
 *   - forward only (a stream, or OVK_OPEN_STREAM): stream.c walks the
 *     markers, and flat extents are read in pieces.  Every buffer read from
 *     a stream goes to the engine with its extent.
 *
 * Invariants: extents tile [0, size) with no overflow (checked at open);
 * read() looks only at its extent and at state fixed at open, so it needs
 * no lock.
 */
#include "vmdk.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/endian.h"
#include "core/format.h"
#include "core/info.h"
#include "core/open.h"

struct vmdk_src {
	struct ovk_blob *blob;      /* the file we were opened on */
	int stream;                 /* OVK_OPEN_STREAM: read forward only */
	struct ovk_vmdk_desc desc;
	struct ovk_vmdk_extent *ext;
	size_t n_ext;
	size_t cur;                 /* extent of the cursor */
	uint64_t pos;               /* guest cursor */
};

static const struct ovk_source_ops vmdk_ops;

/* ------------------------------------------------------------------ next */

static int flat_stream_next(struct ovk_vmdk_extent *e, uint64_t rel, struct ovk_extent *x,
			    struct ovk_error *err)
{
	uint64_t len = ovk_min_u64(e->length - rel, OVK_VMDK_STREAM_FLAT_PIECE);
	uint8_t *buf = NULL;
	ssize_t n;
	int ret = -1;

	if (e->stream_pos == 0 && e->file_off && ovk_blob_skip(e->blob, e->file_off, err) < 0)
		goto out;
	e->stream_pos = e->file_off + rel;
	if (!(buf = malloc(len))) {
		ovk_error_sys(err, ENOMEM, "extent buffer");
		goto out;
	}
	n = ovk_blob_read(e->blob, buf, len, err);
	if (n < 0)
		goto out;
	if ((uint64_t)n != len) {
		ovk_error_set(err, EINVAL, "ends at byte %" PRIu64 ", the descriptor needs %" PRIu64,
			      e->stream_pos + (uint64_t)n, e->file_off + e->length);
		goto out;
	}
	e->stream_pos += len;
	ovk_extent_buffer(x, rel, len, buf, len, 0);
	buf = NULL;
	ret = 0;
out:
	free(buf);
	return ret;
}

/* The next extent of e at the guest cursor, with an extent-relative offset. */
static int extent_next(struct vmdk_src *s, struct ovk_vmdk_extent *e, struct ovk_extent *x,
		       struct ovk_error *err)
{
	uint64_t rel = s->pos - e->guest_off, rem = e->length - rel;

	switch (e->kind) {
	case OVK_VMDK_EXT_ZERO:
		ovk_extent_hole(x, rel, rem, OVK_EXTENT_ZERO);
		return 0;
	case OVK_VMDK_EXT_FLAT:
		if (e->streaming)
			return flat_stream_next(e, rel, x, err);
		ovk_extent_stored(x, rel, rem, e->blob, e->file_off + rel);
		return 0;
	case OVK_VMDK_EXT_SPARSE:
	case OVK_VMDK_EXT_COWD:
		break;
	}
	if (e->streaming)
		return ovk_vmdk_stream_next(e->stream, rel, rem, x, err);
	return ovk_vmdk_sparse_next(e, rel, rem, x, err);
}

static int vmdk_next(struct ovk_source *src, struct ovk_extent *x, struct ovk_error *err)
{
	struct vmdk_src *s = src->priv;
	struct ovk_vmdk_extent *e;

	while (s->cur < s->n_ext) {
		e = &s->ext[s->cur];
		if (s->pos < e->guest_off + e->length) {
			if (extent_next(s, e, x, err) < 0)
				return ovk_error_name(err, e->file);
			x->offset += e->guest_off;
			if (x->type == OVK_EXTENT_DATA && x->encoded)
				x->token_ref = e;
			s->pos += x->length;
			return 1;
		}
		if (e->stream && ovk_vmdk_stream_finish(e->stream, err) < 0)
			return ovk_error_name(err, e->file);
		s->cur++;
	}
	return 0;
}

static int vmdk_read(const struct ovk_source *src, const struct ovk_extent *x, uint8_t *dst,
		     struct ovk_error *err)
{
	const struct ovk_vmdk_extent *e = x->token_ref;
	uint64_t gb = e->sp.grain_bytes, rel = x->offset - e->guest_off;
	struct ovk_vmdk_zgrain zg;

	(void)src;
	zg.in = ovk_extent_encoded_bytes(x, &zg.in_len);
	zg.grain = gb;
	zg.need = x->token;
	zg.skip = rel % gb;
	zg.len = x->length;
	if (!zg.in)
		return ovk_error_set(err, EINVAL, "%s: grain at guest offset %" PRIu64 ": no bytes",
				     e->file, x->offset);
	if (ovk_vmdk_inflate(&zg, dst, err) < 0)
		return ovk_error_prefix(err, "%s: grain at guest offset %" PRIu64, e->file,
					x->offset - zg.skip);
	return 0;
}

/* ---------------------------------------------------------------- pread */

/* The extent holding guest byte off (< the disk's size). */
static struct ovk_vmdk_extent *extent_at(const struct vmdk_src *s, uint64_t off)
{
	size_t lo = 0, hi = s->n_ext;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->ext[mid].guest_off <= off)
			lo = mid;
		else
			hi = mid;
	}
	return &s->ext[lo];
}

/* Random access (engine/image.c, for the guest reader): each piece is the
 * extent next() would give at that offset, read the way the engine reads
 * it.  Extents read forward only cannot be. */
static int vmdk_pread(struct ovk_source *src, uint64_t off, void *buf, size_t len,
		      struct ovk_error *err)
{
	struct vmdk_src *s = src->priv;
	uint8_t *out = buf;

	if (!ovk_range_ok(off, len, src->size))
		return ovk_error_set(err, ERANGE, "%s: read of %zu bytes at %" PRIu64 ": beyond "
				     "the virtual size %" PRIu64, ovk_blob_name(s->blob), len, off,
				     src->size);
	while (len > 0) {
		struct ovk_vmdk_extent *e = extent_at(s, off);
		uint64_t rel = off - e->guest_off;
		struct ovk_extent x;
		size_t n;

		if (e->streaming)
			return ovk_error_set(err, ENOTSUP, "%s: read forward only, not at random",
					     e->file);
		/* Only as far as asked: next()'s runs would walk the grain
		 * tables to the extent's end on every call. */
		if (e->kind == OVK_VMDK_EXT_ZERO)
			ovk_extent_hole(&x, rel, e->length - rel, OVK_EXTENT_ZERO);
		else if (e->kind == OVK_VMDK_EXT_FLAT)
			ovk_extent_stored(&x, rel, e->length - rel, e->blob, e->file_off + rel);
		else if (ovk_vmdk_sparse_next(e, rel, len, &x, err) < 0)
			return ovk_error_name(err, e->file);
		n = (size_t)ovk_min_u64(len, x.length);
		if (x.type != OVK_EXTENT_DATA) {
			memset(out, 0, n);
		} else if (x.encoded) {
			/* The part of the grain asked for, decoded. */
			x.offset = off;
			x.length = n;
			x.token_ref = e;
			if (vmdk_read(src, &x, out, err) < 0)
				return -1;
		} else if (ovk_blob_pread(x.in, x.in_off, out, n, err) < 0) {
			return ovk_error_name(err, e->file);
		}
		off += n;
		out += n;
		len -= n;
	}
	return 0;
}

/* ----------------------------------------------------------------- info */

static const char *create_type(const struct vmdk_src *s)
{
	if (s->desc.create_type)
		return s->desc.create_type;
	if (s->n_ext == 1 && s->ext[0].kind == OVK_VMDK_EXT_COWD)
		return "vmfsSparse";
	if (s->n_ext == 1 && s->ext[0].sp.compressed)
		return "streamOptimized";
	return "monolithicSparse";
}

static const struct ovk_vmdk_extent *first_sparse(const struct vmdk_src *s)
{
	size_t i;

	for (i = 0; i < s->n_ext; i++)
		if (s->ext[i].kind == OVK_VMDK_EXT_SPARSE || s->ext[i].kind == OVK_VMDK_EXT_COWD)
			return &s->ext[i];
	return NULL;
}

/* qemu-img's names (QAPI ImageInfoSpecificVmdk, ImageInfo for extents)
 * where it has the field; version, compression, access and offset are
 * ours.  The parent hint is the image's backing-filename. */
static int vmdk_info(struct ovk_source *src, struct ovk_source_facts *facts,
		     struct ovk_info *info, struct ovk_error *err)
{
	struct vmdk_src *s = src->priv;
	const struct ovk_vmdk_extent *sp = first_sparse(s), *e;
	size_t i;

	(void)err;
	if (sp)
		facts->cluster_size = sp->sp.grain_bytes;
	ovk_info_str(info, "create-type", create_type(s));
	ovk_info_u64(info, "version", sp ? sp->sp.h.version : s->desc.version);
	if (s->desc.has_cid)
		ovk_info_u64(info, "cid", s->desc.cid);
	if (s->desc.has_parent_cid)
		ovk_info_u64(info, "parent-cid", s->desc.parent_cid);
	ovk_info_str(info, "compression", sp && sp->sp.compressed ? "deflate" : "none");
	ovk_info_begin_list(info, "extents");
	for (i = 0; i < s->n_ext; i++) {
		e = &s->ext[i];
		ovk_info_begin_object(info, NULL);
		ovk_info_str(info, "format", e->type);
		ovk_info_str(info, "access", e->rdonly ? "RDONLY" : "RW");
		if (e->file)
			ovk_info_str(info, "filename", e->file);
		ovk_info_u64(info, "virtual-size", e->length);
		ovk_info_u64(info, "offset", e->file_off);
		if (e->kind == OVK_VMDK_EXT_SPARSE || e->kind == OVK_VMDK_EXT_COWD) {
			ovk_info_u64(info, "cluster-size", e->streaming ? e->sp.h.grain_size * OVK_VMDK_SECTOR
								       : e->sp.grain_bytes);
			ovk_info_bool(info, "compressed", (e->sp.h.flags & OVK_VMDK_FLAG_COMPRESSED) != 0);
		}
		ovk_info_end(info);
	}
	ovk_info_end(info);
	return 0;
}

/* A delta disk records its parent's CID when it is created; a parent that
 * was written since (or is the wrong file) has another one. */
static int vmdk_check_backing(struct ovk_source *src, struct ovk_source *parent,
			      struct ovk_error *err)
{
	struct vmdk_src *s = src->priv, *p;

	if (!s->desc.has_parent_cid || s->desc.parent_cid == OVK_VMDK_CID_NONE)
		return 0;
	if (parent->ops != &vmdk_ops)
		return 0;   /* a converted parent has no CID to compare */
	p = parent->priv;
	if (!p->desc.has_cid)
		return ovk_error_set(err, EINVAL, "parent %s has no CID; expected %08" PRIx32,
				     ovk_blob_name(p->blob), s->desc.parent_cid);
	if (p->desc.cid != s->desc.parent_cid)
		return ovk_error_set(err, EINVAL,
				     "parentCID %08" PRIx32 " does not match CID %08" PRIx32 " of parent %s (the parent changed after the snapshot)",
				     s->desc.parent_cid, p->desc.cid, ovk_blob_name(p->blob));
	return 0;
}

/* ------------------------------------------------------------ open/close */

static void extent_clear(struct ovk_vmdk_extent *e)
{
	ovk_vmdk_stream_free(e->stream);
	if (e->owns_blob)
		ovk_blob_free(e->blob);
	free(e->file);
}

static void src_free(struct vmdk_src *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_ext; i++)
		extent_clear(&s->ext[i]);
	free(s->ext);
	ovk_vmdk_desc_clear(&s->desc);
	free(s);
}

static void vmdk_close(struct ovk_source *src)
{
	struct vmdk_src *s;

	if (!src)
		return;
	s = src->priv;
	if (s) {
		struct ovk_blob *b = s->blob;

		src_free(s);
		ovk_blob_free(b);
	}
	free(src->backing_name);
	free(src->backing_format);
	free(src);
}

static const struct ovk_source_ops vmdk_ops = {
	.next = vmdk_next,
	.read = vmdk_read,
	.pread = vmdk_pread,
	.info = vmdk_info,
	.check_backing = vmdk_check_backing,
	.close = vmdk_close,
};

static int use_stream(const struct vmdk_src *s, const struct ovk_blob *b)
{
	return !ovk_blob_data(b) || s->stream;
}

/* Read the first sector of a binary extent into *h, validated. */
static int read_header(const struct vmdk_src *s, struct ovk_blob *b, struct ovk_vmdk_header *h,
		       struct ovk_error *err)
{
	uint8_t sec[OVK_VMDK_SECTOR];
	ssize_t n;

	if (!use_stream(s, b)) {
		if (ovk_blob_size(b) < OVK_VMDK_SECTOR)
			return ovk_error_set(err, EINVAL, "%" PRIu64 " bytes: too short for a header",
					     ovk_blob_size(b));
		ovk_vmdk_header_decode(ovk_blob_data(b), h);
	} else {
		n = ovk_blob_read(b, sec, sizeof sec, err);
		if (n < 0)
			return -1;
		if ((size_t)n < sizeof sec)
			return ovk_error_set(err, EINVAL, "%zd bytes: too short for a header", n);
		ovk_vmdk_header_decode(sec, h);
	}
	return ovk_vmdk_header_validate(h, ovk_blob_size(b), err);
}

/* What qemu refuses in a sparse extent's size, checked once the embedded
 * descriptor has had its say (so a zeroed descriptor is reported as such,
 * as qemu does):
 *   - grains start at overHead: a file that ends before it lost its tail,
 *     even when the tables it still has read as all zeros ("File
 *     truncated, expecting at least N bytes");
 *   - qemu reads the redundant GD too, so one outside the file makes the
 *     image unreadable there; we read only the primary, but an image qemu
 *     cannot open must not convert here either. */
static int check_extent_size(const struct ovk_vmdk_header *h, uint64_t size,
			     struct ovk_error *err)
{
	if (h->magic != OVK_VMDK_MAGIC_KDMV || size == UINT64_MAX)
		return 0;
	if (h->overhead > size / OVK_VMDK_SECTOR)
		return ovk_error_set(err, EINVAL, "overHead %" PRIu64 " sectors: beyond end of file "
				     "(size %" PRIu64 " bytes; truncated?)", h->overhead, size);
	if ((h->flags & OVK_VMDK_FLAG_RGD) && h->rgd_offset != OVK_VMDK_GD_AT_END &&
	    h->rgd_offset >= size / OVK_VMDK_SECTOR)
		return ovk_error_set(err, EINVAL, "rgdOffset %" PRIu64 ": beyond end of file (size %"
				     PRIu64 " bytes)", h->rgd_offset, size);
	return 0;
}

/* Set up extent e (kind, guest_off, length set) on binary blob b.  Fills
 * *desc_text with the embedded descriptor when asked and present. */
static int open_binary(struct vmdk_src *s, struct ovk_vmdk_extent *e, struct ovk_blob *b,
		       char **desc_text, size_t *desc_len, struct ovk_error *err)
{
	struct ovk_vmdk_header h;
	char *text = NULL;
	size_t len = 0;
	int ret = -1;

	e->blob = b;
	if (read_header(s, b, &h, err) < 0)
		goto out;
	e->kind = h.magic == OVK_VMDK_MAGIC_COWD ? OVK_VMDK_EXT_COWD : OVK_VMDK_EXT_SPARSE;
	if (use_stream(s, b)) {
		e->streaming = 1;
		e->sp.h = h;
		e->sp.compressed = 1;
		e->sp.grain_bytes = h.grain_size * OVK_VMDK_SECTOR;
		if (ovk_vmdk_stream_open(b, &h, &e->stream, &text, &len, err) < 0)
			goto out;
		e->sp.cap_bytes = ovk_vmdk_stream_capacity(e->stream);
	} else {
		if (ovk_vmdk_sparse_setup(&e->sp, b, &h, err) < 0)
			goto out;
		if (h.desc_offset && h.desc_size) {
			len = h.desc_size * OVK_VMDK_SECTOR;
			text = malloc(len);
			if (!text) {
				ovk_error_sys(err, ENOMEM, "descriptor");
				goto out;
			}
			memcpy(text, ovk_blob_data(b) + h.desc_offset * OVK_VMDK_SECTOR, len);
		}
	}
	if (desc_text) {
		*desc_text = text;
		*desc_len = len;
		text = NULL;
	}
	ret = 0;
out:
	free(text);
	return ret;
}

static int add_extent(struct vmdk_src *s, struct ovk_vmdk_extent **out, struct ovk_error *err)
{
	struct ovk_vmdk_extent *n = realloc(s->ext, (s->n_ext + 1) * sizeof *n);

	if (!n)
		return ovk_error_sys(err, ENOMEM, "extents");
	s->ext = n;
	*out = &s->ext[s->n_ext++];
	memset(*out, 0, sizeof **out);
	return 0;
}

/* A KDMV or COWD file alone: one extent, and the embedded descriptor for
 * the CIDs and the parent. */
static int open_monolithic(struct vmdk_src *s, struct ovk_error *err)
{
	struct ovk_vmdk_extent *e;
	char *text = NULL;
	size_t len = 0;
	int ret = -1;

	if (add_extent(s, &e, err) < 0)
		goto out;
	e->file = strdup(ovk_blob_name(s->blob));
	if (!e->file) {
		ovk_error_sys(err, ENOMEM, "extent");
		goto out;
	}
	if (open_binary(s, e, s->blob, &text, &len, err) < 0)
		goto out;
	e->type = e->kind == OVK_VMDK_EXT_COWD ? "VMFSSPARSE" : "SPARSE";
	e->length = e->sp.cap_bytes ? e->sp.cap_bytes : e->sp.h.capacity * OVK_VMDK_SECTOR;
	if (text) {
		if (ovk_vmdk_desc_parse(text, len, &s->desc, err) < 0) {
			ovk_error_prefix(err, "embedded descriptor");
			goto out;
		}
		if (!s->desc.has_cid) {
			ovk_error_set(err, EINVAL,
				      "embedded descriptor at sector %" PRIu64 ": no CID (zeroed or corrupt)",
				      e->sp.h.desc_offset);
			goto out;
		}
		/* The file is the one extent whatever its line names (as for
		 * qemu), but the line says how it may be used. */
		e->rdonly = s->desc.n_ext > 0 && s->desc.ext[0].rdonly;
	}
	if (check_extent_size(&e->sp.h, ovk_blob_size(s->blob), err) < 0)
		goto out;
	ret = 0;
out:
	free(text);
	return ret;
}

/* A text descriptor reads forward (its extents are opened, and judged, on
 * their own); of the binary extents only streamOptimized does. */
static int vmdk_streamable(const uint8_t *head, size_t len)
{
	struct ovk_vmdk_header h;

	if (ovk_vmdk_header_probe(head, len) == OVK_PROBE_NO)
		return 1;
	if (len < OVK_VMDK_SECTOR)
		return 0;
	ovk_vmdk_header_decode(head, &h);
	return ovk_vmdk_header_is_stream(&h);
}

/* A sparse extent other than streamOptimized, met in a stream (a
 * descriptor's extent in a compressed OVA), needs random access: it is
 * copied to a file first, where the open context allows (core/open.h). */
static int spill_sparse_extent(const struct ovk_open_ctx *ctx, struct ovk_vmdk_extent *e,
			       struct ovk_error *err)
{
	struct ovk_blob *copy;
	const uint8_t *head;
	size_t got;

	if (!ovk_blob_is_stream(e->blob))
		return 0;
	if (ovk_blob_peek(e->blob, OVK_VMDK_SECTOR, &head, &got, err) < 0)
		return -1;
	/* Too short: open_binary() says so. */
	if (got < OVK_VMDK_SECTOR || vmdk_streamable(head, got))
		return 0;
	if (ovk_spill(ctx, e->blob, "this sparse extent needs random access", &copy, err) < 0)
		return -1;
	e->blob = copy;
	return 0;
}

static int open_extent_file(struct vmdk_src *s, const struct ovk_open_ctx *ctx,
			    const struct ovk_vmdk_desc_extent *d, struct ovk_vmdk_extent *e,
			    struct ovk_error *err)
{
	struct ovk_blob *b = NULL;
	int ret = -1;

	if (ovk_open_sibling(ctx, s->blob, d->file, &b, err) < 0)
		goto out;
	e->blob = b;
	e->owns_blob = 1;
	b = NULL;
	if (d->kind == OVK_VMDK_EXT_FLAT) {
		e->streaming = use_stream(s, e->blob);
		if (!e->streaming && !ovk_range_ok(e->file_off, e->length, ovk_blob_size(e->blob))) {
			ovk_error_set(err, EINVAL,
				      "%" PRIu64 " bytes, the descriptor needs %" PRIu64 " from offset %" PRIu64,
				      ovk_blob_size(e->blob), e->length, e->file_off);
			goto out;
		}
	} else {
		if (spill_sparse_extent(ctx, e, err) < 0 ||
		    open_binary(s, e, e->blob, NULL, NULL, err) < 0 ||
		    check_extent_size(&e->sp.h, ovk_blob_size(e->blob), err) < 0)
			goto out;
		if ((d->kind == OVK_VMDK_EXT_COWD) != (e->kind == OVK_VMDK_EXT_COWD)) {
			ovk_error_set(err, EINVAL, "extent type %s, but the file is %s", d->type,
				      e->kind == OVK_VMDK_EXT_COWD ? "COWD" : "KDMV");
			goto out;
		}
	}
	ret = 0;
out:
	ovk_blob_free(b);
	return ret;
}

/* Extents of one file share the first one's blob: a descriptor may cut a
 * file into thousands of extents, and a blob each would cost an fd and a
 * mapping each.  `owners` holds the indices of the extents that opened a
 * mapped FLAT file.  1 when shared, 0 to open, -1 on error. */
static int share_extent_file(struct vmdk_src *s, const size_t *owners, size_t n_owners,
			     struct ovk_vmdk_extent *e, struct ovk_error *err)
{
	for (size_t j = n_owners; j-- > 0;) {
		const struct ovk_vmdk_extent *o = &s->ext[owners[j]];

		if (strcmp(o->file, e->file) != 0)
			continue;
		e->blob = o->blob;
		e->owns_blob = 0;
		if (!ovk_range_ok(e->file_off, e->length, ovk_blob_size(e->blob)))
			return ovk_error_set(err, EINVAL, "extent \"%s\": %" PRIu64 " bytes, the "
					     "descriptor needs %" PRIu64 " from offset %" PRIu64,
					     e->file, ovk_blob_size(e->blob), e->length,
					     e->file_off);
		return 1;
	}
	return 0;
}

static int open_extents(struct vmdk_src *s, const struct ovk_open_ctx *ctx, uint64_t *size,
			struct ovk_error *err)
{
	const struct ovk_vmdk_desc_extent *d;
	struct ovk_vmdk_extent *e;
	uint64_t guest = 0;
	size_t i, *owners = NULL, n_owners = 0, n_files = 0;
	int r, ret = -1;

	if (s->desc.n_ext == 0)
		return ovk_error_set(err, EINVAL, "descriptor: no extents");
	owners = calloc(OVK_VMDK_MAX_EXTENT_FILES, sizeof *owners);
	if (!owners)
		return ovk_error_sys(err, ENOMEM, "extents");
	for (i = 0; i < s->desc.n_ext; i++) {
		d = &s->desc.ext[i];
		if (add_extent(s, &e, err) < 0)
			goto out;
		e->kind = d->kind;
		e->type = d->type;
		e->rdonly = d->rdonly;
		e->guest_off = guest;
		e->length = d->sectors * OVK_VMDK_SECTOR;      /* checked by the parser */
		e->file_off = d->offset * OVK_VMDK_SECTOR;
		if (ovk_add_overflow(guest, e->length, &guest)) {
			ovk_error_set(err, EINVAL, "extent %zu: total size overflows", i + 1);
			goto out;
		}
		if (d->kind == OVK_VMDK_EXT_ZERO)
			continue;
		e->file = strdup(d->file);
		if (!e->file) {
			ovk_error_sys(err, ENOMEM, "extent");
			goto out;
		}
		if (d->kind == OVK_VMDK_EXT_FLAT &&
		    (r = share_extent_file(s, owners, n_owners, e, err)) != 0) {
			if (r < 0)
				goto out;
			continue;
		}
		if (n_files++ == OVK_VMDK_MAX_EXTENT_FILES) {
			ovk_error_set(err, E2BIG, "extent \"%s\": more than %u distinct extent "
				      "files", d->file, OVK_VMDK_MAX_EXTENT_FILES);
			goto out;
		}
		/* Name the extent, once (a refused path names itself). */
		if (open_extent_file(s, ctx, d, e, err) < 0) {
			if (strstr(err->msg, d->file))
				ovk_error_prefix(err, "extent");
			else
				ovk_error_prefix(err, "extent \"%s\"", d->file);
			goto out;
		}
		if (d->kind == OVK_VMDK_EXT_FLAT && !e->streaming)
			owners[n_owners++] = s->n_ext - 1;
	}
	*size = guest;
	ret = 0;
out:
	free(owners);
	return ret;
}

/* Load the text of a descriptor file, mapped or streamed, bounded. */
static int load_text(struct ovk_blob *b, char **out, size_t *len, struct ovk_error *err)
{
	size_t cap = OVK_VMDK_MAX_DESCRIPTOR + 1;
	uint64_t size = ovk_blob_size(b);
	const uint8_t *data = ovk_blob_data(b);
	ssize_t n;
	char *buf;

	if (size != UINT64_MAX && size > OVK_VMDK_MAX_DESCRIPTOR)
		return ovk_error_set(err, EFBIG, "descriptor of %" PRIu64 " bytes: larger than %zu",
				     size, OVK_VMDK_MAX_DESCRIPTOR);
	if (data)
		cap = (size_t)size;
	buf = malloc(cap ? cap : 1);
	if (!buf)
		return ovk_error_sys(err, ENOMEM, "descriptor");
	if (data) {
		memcpy(buf, data, cap);
		n = (ssize_t)cap;
	} else {
		n = ovk_blob_read(b, buf, cap, err);
		if (n < 0) {
			free(buf);
			return -1;
		}
		if ((size_t)n > OVK_VMDK_MAX_DESCRIPTOR) {
			free(buf);
			return ovk_error_set(err, EFBIG, "descriptor larger than %zu bytes",
					     OVK_VMDK_MAX_DESCRIPTOR);
		}
	}
	*out = buf;
	*len = (size_t)n;
	return 0;
}

static int open_descriptor(struct vmdk_src *s, const struct ovk_open_ctx *ctx, uint64_t *size,
			   struct ovk_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int ret = -1;

	if (load_text(s->blob, &text, &len, err) < 0)
		goto out;
	if (ovk_vmdk_desc_probe((const uint8_t *)text, ovk_min_u64(len, OVK_PROBE_BYTES)) == OVK_PROBE_NO) {
		ovk_error_set(err, EINVAL, "not a VMDK: no KDMV or COWD magic and no descriptor");
		goto out;
	}
	if (ovk_vmdk_desc_parse(text, len, &s->desc, err) < 0)
		goto out;
	if (!s->desc.create_type) {
		ovk_error_set(err, EINVAL, "descriptor: no createType");
		goto out;
	}
	if (open_extents(s, ctx, size, err) < 0)
		goto out;
	ret = 0;
out:
	free(text);
	return ret;
}

static int peek_magic(struct vmdk_src *s, uint32_t *magic, struct ovk_error *err)
{
	const uint8_t *p;
	size_t got = 0;

	*magic = 0;
	if (ovk_blob_data(s->blob)) {
		if (ovk_blob_size(s->blob) >= 4)
			*magic = le32_load(ovk_blob_data(s->blob));
		return 0;
	}
	if (ovk_blob_peek(s->blob, 4, &p, &got, err) < 0)
		return -1;
	if (got >= 4)
		*magic = le32_load(p);
	return 0;
}

static int set_backing(struct ovk_source *src, const struct vmdk_src *s, struct ovk_error *err)
{
	if (!s->desc.has_parent_cid || s->desc.parent_cid == OVK_VMDK_CID_NONE)
		return 0;
	if (!s->desc.parent_hint || !*s->desc.parent_hint)
		return ovk_error_set(err, EINVAL,
				     "delta disk (parentCID %08" PRIx32 ") without parentFileNameHint",
				     s->desc.parent_cid);
	src->backing_name = strdup(s->desc.parent_hint);
	if (!src->backing_name)
		return ovk_error_sys(err, ENOMEM, "backing name");
	return 0;
}

static int vmdk_open_source(struct ovk_blob *blob, const struct ovk_open_ctx *ctx,
			    struct ovk_source **out, struct ovk_error *err)
{
	struct ovk_source *src = NULL;
	struct vmdk_src *s = NULL;
	uint32_t magic;
	uint64_t size = 0;
	int ret = -1;

	src = calloc(1, sizeof *src);
	s = calloc(1, sizeof *s);
	if (!src || !s) {
		ovk_error_sys(err, ENOMEM, "vmdk");
		goto out;
	}
	s->blob = blob;
	s->stream = (ctx->flags & OVK_OPEN_STREAM) != 0;
	if (peek_magic(s, &magic, err) < 0)
		goto out;
	if (magic == OVK_VMDK_MAGIC_KDMV || magic == OVK_VMDK_MAGIC_COWD) {
		if (open_monolithic(s, err) < 0)
			goto out;
		size = s->ext[0].length;
	} else if (open_descriptor(s, ctx, &size, err) < 0) {
		goto out;
	}
	if (set_backing(src, s, err) < 0)
		goto out;
	if (!use_stream(s, blob))
		ovk_blob_advise_sequential(blob);
	src->ops = &vmdk_ops;
	src->format = "vmdk";
	src->size = size;
	src->priv = s;
	*out = src;
	src = NULL;
	s = NULL;
	ret = 0;
out:
	if (s)
		s->blob = NULL;     /* the caller keeps it on failure */
	src_free(s);
	if (src)
		free(src->backing_name);
	free(src);
	return ret;
}

static int vmdk_probe(const uint8_t *head, size_t len, uint64_t size)
{
	int score = ovk_vmdk_header_probe(head, len);

	(void)size;
	if (score != OVK_PROBE_NO)
		return score;
	return ovk_vmdk_desc_probe(head, len);
}

const struct ovk_format ovk_format_vmdk = {
	.name = "vmdk",
	.probe = vmdk_probe,
	.streamable = vmdk_streamable,
	.open_source = vmdk_open_source,
	.open_sink = ovk_vmdk_open_sink,
	.check_sink_options = ovk_vmdk_check_sink_options,
	.supports_backing = 0,
	/* -c is accepted: streamOptimized (the default) is always compressed. */
	.supports_compression = 1,
};

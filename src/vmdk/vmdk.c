/*
 * vmdk.c: the VMDK source: probe, open, the extent concatenation that makes
 * one guest disk of several extent files, release, info and the CID check.
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
 *     is handed out as direct pointers, compressed grains as deferred
 *     extents that read() inflates on worker threads;
 *   - forward only (blob->data == NULL, or OVK_OPEN_STREAM): stream.c walks
 *     the markers, and flat extents are read in chunk-sized pieces.  Every
 *     buffer read from a stream is owned here, on the `emitted` list, until
 *     release() says the guest cursor is past it.
 *
 * Invariants: extents tile [0, size) with no overflow (checked at open);
 * deferred extents never cross an OVK_CHUNK boundary (split here); the
 * state touched by release() and read() is under `lock` or immutable.
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

/* Records of mapped file ranges handed out, for release(); when full the
 * oldest is dropped, which only makes one release coarser. */
#define RELEASE_RING 4096u

struct release_rec {
	uint64_t guest_end;
	struct ovk_blob *blob;
	uint64_t file_lo, file_hi;
};

struct vmdk_src {
	struct ovk_blob *blob;      /* the file we were opened on */
	unsigned flags;
	struct ovk_vmdk_desc desc;
	struct ovk_vmdk_extent *ext;
	size_t n_ext;
	size_t cur;                 /* extent of the cursor */
	uint64_t pos;               /* guest cursor */
	struct ovk_vmdk_zpool *zp;

	pthread_mutex_t lock;       /* guards the two lists below */
	struct release_rec ring[RELEASE_RING];
	size_t ring_head, ring_n;
	struct ovk_vmdk_sbuf *emitted, *emitted_tail;
};

static const struct ovk_source_ops vmdk_ops;

/* ------------------------------------------------------------- release */

static void note_mapped(struct vmdk_src *s, const struct ovk_extent *x, struct ovk_blob *b,
			uint64_t file_lo, uint64_t file_hi)
{
	struct release_rec *r;

	pthread_mutex_lock(&s->lock);
	if (s->ring_n == RELEASE_RING) {
		s->ring_head = (s->ring_head + 1) % RELEASE_RING;
		s->ring_n--;
	}
	r = &s->ring[(s->ring_head + s->ring_n) % RELEASE_RING];
	r->guest_end = x->offset + x->length;
	r->blob = b;
	r->file_lo = file_lo;
	r->file_hi = file_hi;
	s->ring_n++;
	pthread_mutex_unlock(&s->lock);
}

static void note_sbuf(struct vmdk_src *s, struct ovk_vmdk_sbuf *sb)
{
	pthread_mutex_lock(&s->lock);
	sb->next = NULL;
	if (s->emitted_tail)
		s->emitted_tail->next = sb;
	else
		s->emitted = sb;
	s->emitted_tail = sb;
	pthread_mutex_unlock(&s->lock);
}

static uint64_t sbuf_guest_end(const struct ovk_vmdk_sbuf *sb)
{
	return sb->guest_start + (sb->compressed ? sb->need : sb->len);
}

/* Drop pages behind the cursor: for each blob, everything below the file
 * offset of the first range not yet consumed.  Grains are nearly always in
 * file order; when not, a page dropped too early just faults in again. */
static void vmdk_release(struct ovk_source *src, uint64_t done)
{
	struct vmdk_src *s = src->priv;
	struct ovk_vmdk_sbuf *sb, *free_list = NULL;
	struct ovk_blob *b = NULL;
	struct release_rec *r;
	uint64_t hi = 0;

	pthread_mutex_lock(&s->lock);
	while (s->ring_n && s->ring[s->ring_head].guest_end <= done) {
		r = &s->ring[s->ring_head];
		if (b && r->blob != b)
			ovk_blob_release(b, hi);
		if (r->blob != b)
			hi = 0;
		b = r->blob;
		hi = ovk_max_u64(hi, r->file_hi);
		s->ring_head = (s->ring_head + 1) % RELEASE_RING;
		s->ring_n--;
	}
	if (b && s->ring_n && s->ring[s->ring_head].blob == b)
		hi = ovk_min_u64(hi, s->ring[s->ring_head].file_lo);
	while (s->emitted && sbuf_guest_end(s->emitted) <= done) {
		sb = s->emitted;
		s->emitted = sb->next;
		sb->next = free_list;
		free_list = sb;
	}
	if (!s->emitted)
		s->emitted_tail = NULL;
	pthread_mutex_unlock(&s->lock);
	if (b)
		ovk_blob_release(b, hi);
	while (free_list) {
		sb = free_list;
		free_list = sb->next;
		ovk_vmdk_sbuf_free(sb);
	}
}

/* ------------------------------------------------------------------ next */

/* Deferred extents must not cross a chunk boundary. */
static void clip_to_chunk(struct ovk_extent *x)
{
	uint64_t chunk_end = (x->offset / OVK_CHUNK + 1) * OVK_CHUNK;

	if (x->type == OVK_EXTENT_DATA && !x->data && x->offset + x->length > chunk_end)
		x->length = chunk_end - x->offset;
}

static int flat_stream_next(struct vmdk_src *s, struct ovk_vmdk_extent *e, uint64_t rel,
			    struct ovk_extent *x, struct ovk_error *err)
{
	uint64_t abs = e->guest_off + rel;
	uint64_t len = ovk_min_u64(e->length - rel, OVK_VMDK_STREAM_FLAT_PIECE - abs % OVK_CHUNK);
	struct ovk_vmdk_sbuf *sb = NULL;
	ssize_t n;
	int ret = -1;

	if (e->stream_pos == 0 && e->file_off && ovk_blob_skip(e->blob, e->file_off, err) < 0)
		goto out;
	e->stream_pos = e->file_off + rel;
	sb = calloc(1, sizeof *sb);
	if (sb)
		sb->buf = malloc(len);
	if (!sb || !sb->buf) {
		ovk_error_sys(err, ENOMEM, "extent buffer");
		goto out;
	}
	sb->ref_kind = OVK_VMDK_REF_SBUF;
	sb->len = len;
	sb->guest_start = abs;
	n = ovk_blob_read(e->blob, sb->buf, len, err);
	if (n < 0)
		goto out;
	if ((uint64_t)n != len) {
		ovk_error_set(err, EINVAL, "ends at byte %" PRIu64 ", the descriptor needs %" PRIu64,
			      e->stream_pos + (uint64_t)n, e->file_off + e->length);
		goto out;
	}
	e->stream_pos += len;
	ovk_extent_set(x, abs, len, OVK_EXTENT_DATA, NULL);
	x->ref = sb;
	x->loc_len = len;
	note_sbuf(s, sb);
	sb = NULL;
	ret = 0;
out:
	ovk_vmdk_sbuf_free(sb);
	return ret;
}

static int extent_next(struct vmdk_src *s, struct ovk_vmdk_extent *e, struct ovk_extent *x,
		       struct ovk_error *err)
{
	uint64_t rel = s->pos - e->guest_off, rem = e->length - rel, lo;
	struct ovk_vmdk_sbuf *taken;

	switch (e->kind) {
	case OVK_VMDK_EXT_ZERO:
		ovk_extent_set(x, s->pos, rem, OVK_EXTENT_ZERO, NULL);
		return 0;
	case OVK_VMDK_EXT_FLAT:
		if (e->streaming)
			return flat_stream_next(s, e, rel, x, err);
		lo = e->file_off + rel;
		ovk_extent_set(x, s->pos, ovk_min_u64(rem, OVK_VMDK_MAX_DIRECT), OVK_EXTENT_DATA,
			       e->blob->data + lo);
		note_mapped(s, x, e->blob, lo, lo + x->length);
		return 0;
	case OVK_VMDK_EXT_SPARSE:
	case OVK_VMDK_EXT_COWD:
		break;
	}
	if (e->streaming) {
		if (ovk_vmdk_stream_next(e->stream, e->guest_off, rel, rem, x, &taken, err) < 0)
			return -1;
		if (taken)
			note_sbuf(s, taken);
		x->offset += e->guest_off;
		clip_to_chunk(x);
		return 0;
	}
	if (ovk_vmdk_sparse_next(e, rel, rem, x, &lo, err) < 0)
		return -1;
	x->offset += e->guest_off;
	clip_to_chunk(x);
	if (lo != UINT64_MAX)
		note_mapped(s, x, e->blob, lo, lo + (x->data ? x->length : x->loc_len));
	return 0;
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
			s->pos += x->length;
			return 1;
		}
		if (e->stream && ovk_vmdk_stream_finish(e->stream, err) < 0)
			return ovk_error_name(err, e->file);
		s->cur++;
	}
	return 0;
}

static int vmdk_read(struct ovk_source *src, const struct ovk_extent *x, uint8_t *dst,
		     struct ovk_error *err)
{
	struct vmdk_src *s = src->priv;
	const enum ovk_vmdk_ref_kind *kind = x->ref;
	const struct ovk_vmdk_extent *e;
	const struct ovk_vmdk_sbuf *sb;
	struct ovk_vmdk_zgrain zg;

	if (*kind == OVK_VMDK_REF_EXTENT) {
		e = x->ref;
		if (ovk_vmdk_sparse_read(e, s->zp, x, dst, err) < 0)
			return ovk_error_name(err, e->file);
		return 0;
	}
	sb = x->ref;
	if (!sb->compressed) {
		memcpy(dst, sb->buf + (x->offset - sb->guest_start), x->length);
		return 0;
	}
	zg.in = sb->buf;
	zg.in_len = sb->len;
	zg.grain = sb->grain;
	zg.need = sb->need;
	zg.skip = x->offset - sb->guest_start;
	zg.len = x->length;
	if (ovk_vmdk_inflate(s->zp, &zg, dst, err) < 0)
		return ovk_error_prefix(err, "grain at guest offset %" PRIu64, sb->guest_start);
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

static int vmdk_info(struct ovk_source *src, struct ovk_info *info, struct ovk_error *err)
{
	struct vmdk_src *s = src->priv;
	const struct ovk_vmdk_extent *sp = first_sparse(s), *e;
	size_t i;

	(void)err;
	ovk_info_str(info, "create_type", create_type(s));
	ovk_info_u64(info, "version", sp ? sp->sp.h.version : s->desc.version);
	if (s->desc.has_cid)
		ovk_info_u64(info, "cid", s->desc.cid);
	if (s->desc.has_parent_cid)
		ovk_info_u64(info, "parent_cid", s->desc.parent_cid);
	if (s->desc.parent_hint)
		ovk_info_str(info, "parent_file_name_hint", s->desc.parent_hint);
	if (sp)
		ovk_info_u64(info, "cluster_size", sp->sp.grain_bytes);
	ovk_info_str(info, "compression", sp && sp->sp.compressed ? "deflate" : "none");
	ovk_info_begin_list(info, "extents");
	for (i = 0; i < s->n_ext; i++) {
		e = &s->ext[i];
		ovk_info_begin_object(info, NULL);
		ovk_info_str(info, "type", e->type);
		ovk_info_str(info, "access", e->rdonly ? "RDONLY" : "RW");
		if (e->file)
			ovk_info_str(info, "file", e->file);
		ovk_info_u64(info, "size", e->length);
		ovk_info_u64(info, "offset", e->file_off);
		if (e->kind == OVK_VMDK_EXT_SPARSE || e->kind == OVK_VMDK_EXT_COWD) {
			ovk_info_u64(info, "cluster_size", e->streaming ? e->sp.h.grain_size * OVK_VMDK_SECTOR
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
				     p->blob->name, s->desc.parent_cid);
	if (p->desc.cid != s->desc.parent_cid)
		return ovk_error_set(err, EINVAL,
				     "parentCID %08" PRIx32 " does not match CID %08" PRIx32 " of parent %s (the parent changed after the snapshot)",
				     s->desc.parent_cid, p->desc.cid, p->blob->name);
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
	struct ovk_vmdk_sbuf *sb;
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_ext; i++)
		extent_clear(&s->ext[i]);
	free(s->ext);
	while (s->emitted) {
		sb = s->emitted;
		s->emitted = sb->next;
		ovk_vmdk_sbuf_free(sb);
	}
	ovk_vmdk_desc_clear(&s->desc);
	ovk_vmdk_zpool_free(s->zp);
	pthread_mutex_destroy(&s->lock);
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
	.release = vmdk_release,
	.info = vmdk_info,
	.check_backing = vmdk_check_backing,
	.close = vmdk_close,
};

static int use_stream(const struct vmdk_src *s, const struct ovk_blob *b)
{
	return !b->data || (s->flags & OVK_OPEN_STREAM);
}

/* Read the first sector of a binary extent into *h, validated. */
static int read_header(const struct vmdk_src *s, struct ovk_blob *b, struct ovk_vmdk_header *h,
		       struct ovk_error *err)
{
	uint8_t sec[OVK_VMDK_SECTOR];
	ssize_t n;

	if (!use_stream(s, b)) {
		if (b->size < OVK_VMDK_SECTOR)
			return ovk_error_set(err, EINVAL, "%" PRIu64 " bytes: too short for a header",
					     b->size);
		ovk_vmdk_header_decode(b->data, h);
	} else {
		n = ovk_blob_read(b, sec, sizeof sec, err);
		if (n < 0)
			return -1;
		if ((size_t)n < sizeof sec)
			return ovk_error_set(err, EINVAL, "%zd bytes: too short for a header", n);
		ovk_vmdk_header_decode(sec, h);
	}
	return ovk_vmdk_header_validate(h, b->size, err);
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
			memcpy(text, b->data + h.desc_offset * OVK_VMDK_SECTOR, len);
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
	(*out)->ref_kind = OVK_VMDK_REF_EXTENT;
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
	e->file = strdup(s->blob->name ? s->blob->name : "");
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
	}
	if (check_extent_size(&e->sp.h, s->blob->size, err) < 0)
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
 * copied to a file first, where the engine allows (blob.h). */
static int spill_sparse_extent(struct ovk_vmdk_extent *e, struct ovk_error *err)
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
	if (ovk_blob_spill(e->blob, "this sparse extent needs random access", &copy, err) < 0)
		return -1;
	e->blob = copy;   /* which owns the stream now */
	return 0;
}

static int open_extent_file(struct vmdk_src *s, const struct ovk_vmdk_desc_extent *d,
			    struct ovk_vmdk_extent *e, struct ovk_error *err)
{
	struct ovk_blob *b = NULL;
	int ret = -1;

	if (!(s->flags & OVK_OPEN_UNSAFE_PATHS) && !ovk_path_is_contained(d->file)) {
		ovk_error_set(err, EPERM,
			      "path is absolute or leaves the descriptor's directory "
			      "(allow with unsafe paths)");
		goto out;
	}
	if (ovk_blob_open_sibling(s->blob, d->file, s->flags, &b, err) < 0)
		goto out;
	e->blob = b;
	e->owns_blob = 1;
	b = NULL;
	if (d->kind == OVK_VMDK_EXT_FLAT) {
		e->streaming = use_stream(s, e->blob);
		if (!e->streaming && !ovk_range_ok(e->file_off, e->length, e->blob->size)) {
			ovk_error_set(err, EINVAL,
				      "%" PRIu64 " bytes, the descriptor needs %" PRIu64 " from offset %" PRIu64,
				      e->blob->size, e->length, e->file_off);
			goto out;
		}
	} else {
		if (spill_sparse_extent(e, err) < 0 ||
		    open_binary(s, e, e->blob, NULL, NULL, err) < 0 ||
		    check_extent_size(&e->sp.h, e->blob->size, err) < 0)
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

static int open_extents(struct vmdk_src *s, uint64_t *size, struct ovk_error *err)
{
	const struct ovk_vmdk_desc_extent *d;
	struct ovk_vmdk_extent *e;
	uint64_t guest = 0;
	size_t i;

	if (s->desc.n_ext == 0)
		return ovk_error_set(err, EINVAL, "descriptor: no extents");
	for (i = 0; i < s->desc.n_ext; i++) {
		d = &s->desc.ext[i];
		if (add_extent(s, &e, err) < 0)
			return -1;
		e->kind = d->kind;
		e->type = d->type;
		e->rdonly = d->rdonly;
		e->guest_off = guest;
		e->length = d->sectors * OVK_VMDK_SECTOR;      /* checked by the parser */
		e->file_off = d->offset * OVK_VMDK_SECTOR;
		if (ovk_add_overflow(guest, e->length, &guest))
			return ovk_error_set(err, EINVAL, "extent %zu: total size overflows", i + 1);
		if (d->kind == OVK_VMDK_EXT_ZERO)
			continue;
		e->file = strdup(d->file);
		if (!e->file)
			return ovk_error_sys(err, ENOMEM, "extent");
		if (open_extent_file(s, d, e, err) < 0)
			return ovk_error_prefix(err, "extent \"%s\"", d->file);
	}
	*size = guest;
	return 0;
}

/* Load the text of a descriptor file, mapped or streamed, bounded. */
static int load_text(struct ovk_blob *b, char **out, size_t *len, struct ovk_error *err)
{
	size_t cap = OVK_VMDK_MAX_DESCRIPTOR + 1;
	ssize_t n;
	char *buf;

	if (b->size != UINT64_MAX && b->size > OVK_VMDK_MAX_DESCRIPTOR)
		return ovk_error_set(err, EFBIG, "descriptor of %" PRIu64 " bytes: larger than %zu",
				     b->size, OVK_VMDK_MAX_DESCRIPTOR);
	if (b->data) {
		cap = b->size;
	}
	buf = malloc(cap ? cap : 1);
	if (!buf)
		return ovk_error_sys(err, ENOMEM, "descriptor");
	if (b->data) {
		memcpy(buf, b->data, cap);
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

static int open_descriptor(struct vmdk_src *s, uint64_t *size, struct ovk_error *err)
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
	if (open_extents(s, size, err) < 0)
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
	if (s->blob->data) {
		if (s->blob->size >= 4)
			*magic = le32_load(s->blob->data);
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

static int vmdk_open_source(struct ovk_blob *blob, unsigned flags, struct ovk_source **out,
			    struct ovk_error *err)
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
	pthread_mutex_init(&s->lock, NULL);
	s->blob = blob;
	s->flags = flags;
	if (ovk_vmdk_zpool_new(&s->zp, err) < 0 || peek_magic(s, &magic, err) < 0)
		goto out;
	if (magic == OVK_VMDK_MAGIC_KDMV || magic == OVK_VMDK_MAGIC_COWD) {
		if (open_monolithic(s, err) < 0)
			goto out;
		size = s->ext[0].length;
	} else if (open_descriptor(s, &size, err) < 0) {
		goto out;
	}
	if (set_backing(src, s, err) < 0)
		goto out;
	if (blob->data && !(flags & OVK_OPEN_STREAM))
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
	.open_sink = NULL,
	.supports_backing = 0,
};

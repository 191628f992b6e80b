/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gdisk.c: a guest's disk and its views (see gdisk.h): the root reads
 * through its producer and a block cache; a window adds an offset; a
 * concatenation finds the segment of each byte.
 */
#include "gdisk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "engine/engine.h"

/* Reads at least this long skip the cache: a big file (an initramfs) read
 * through it would evict everything inspection keeps coming back to. */
#define GDISK_DIRECT_MIN (4 * GDISK_BLOCK)

enum kind { ROOT, WINDOW, CONCAT };

struct cache_entry {
	uint64_t block;           /* block number, or UINT64_MAX when empty */
	uint64_t used;            /* the clock when it was last used */
	uint8_t *data;
};

struct segment {
	struct ovk_gdisk *base;
	uint64_t off, len;
	uint64_t start;           /* where it starts in the concatenation */
};

struct ovk_gdisk {
	int refs;
	enum kind kind;
	char *name;
	uint64_t size;
	/* ROOT */
	ovk_gdisk_read_fn fn;
	void *opaque;
	void (*close)(void *opaque);
	struct cache_entry cache[GDISK_CACHE_BLOCKS];
	uint64_t clock;
	/* WINDOW: base and off; CONCAT: segs */
	struct ovk_gdisk *base;
	uint64_t off;
	struct segment *segs;
	size_t n_segs;
};

static struct ovk_gdisk *gdisk_alloc(enum kind kind, const char *name, uint64_t size)
{
	struct ovk_gdisk *d = calloc(1, sizeof *d);

	if (!d)
		return NULL;
	if (!(d->name = strdup(name))) {
		free(d);
		return NULL;
	}
	d->refs = 1;
	d->kind = kind;
	d->size = size;
	for (unsigned i = 0; i < GDISK_CACHE_BLOCKS; i++)
		d->cache[i].block = UINT64_MAX;
	return d;
}

int ovk_gdisk_new(const char *name, uint64_t size, ovk_gdisk_read_fn fn, void *opaque,
		  void (*close)(void *opaque), struct ovk_gdisk **out, struct ovk_error *err)
{
	struct ovk_gdisk *d = gdisk_alloc(ROOT, name, size);

	if (!d)
		return ovk_error_set(err, ENOMEM, "out of memory");
	d->fn = fn;
	d->opaque = opaque;
	d->close = close;
	*out = d;
	return 0;
}

static int image_read(void *opaque, uint64_t off, void *buf, size_t len, struct ovk_error *err)
{
	return ovk_image_pread(opaque, off, buf, len, err);
}

static void image_close(void *opaque)
{
	ovk_image_close(opaque);
}

int ovk_gdisk_open_image(struct ovk_blob *blob, const char *format,
			 const struct ovk_open_ctx *ctx, const char *name,
			 struct ovk_gdisk **out, struct ovk_error *err)
{
	struct ovk_image *img;

	if (ovk_image_open(blob, format, ctx, &img, err) < 0)
		return -1;
	if (ovk_gdisk_new(name, ovk_image_size(img), image_read, img, image_close, out,
			  err) < 0) {
		ovk_image_close(img);
		return -1;
	}
	return 0;
}

int ovk_gdisk_window(struct ovk_gdisk *base, uint64_t off, uint64_t len, const char *name,
		     struct ovk_gdisk **out, struct ovk_error *err)
{
	struct ovk_gdisk *d;

	if (!ovk_range_ok(off, len, base->size))
		return ovk_error_set(err, ERANGE, "%s: %llu bytes at %llu: beyond the end of %s "
				     "(%llu bytes)", name, (unsigned long long)len,
				     (unsigned long long)off, base->name,
				     (unsigned long long)base->size);
	if (!(d = gdisk_alloc(WINDOW, name, len)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	d->base = base;
	d->off = off;
	base->refs++;
	*out = d;
	return 0;
}

int ovk_gdisk_concat(struct ovk_gdisk *const *base, const uint64_t *off, const uint64_t *len,
		     size_t n, const char *name, struct ovk_gdisk **out, struct ovk_error *err)
{
	struct ovk_gdisk *d;
	uint64_t size = 0;

	if (n == 0 || n > GDISK_MAX_SEGMENTS)
		return ovk_error_set(err, EINVAL, "%s: %zu segments (1..%u)", name, n,
				     GDISK_MAX_SEGMENTS);
	for (size_t i = 0; i < n; i++)
		if (!ovk_range_ok(off[i], len[i], base[i]->size) ||
		    ovk_add_overflow(size, len[i], &size))
			return ovk_error_set(err, ERANGE, "%s: segment %zu (%llu bytes at %llu of "
					     "%s) is not inside it", name, i,
					     (unsigned long long)len[i], (unsigned long long)off[i],
					     base[i]->name);
	if (!(d = gdisk_alloc(CONCAT, name, size)) || !(d->segs = calloc(n, sizeof *d->segs))) {
		ovk_gdisk_free(d);
		return ovk_error_set(err, ENOMEM, "out of memory");
	}
	for (size_t i = 0, at = 0; i < n; at += len[i], i++) {
		d->segs[i] = (struct segment){ base[i], off[i], len[i], at };
		base[i]->refs++;
	}
	d->n_segs = n;
	*out = d;
	return 0;
}

uint64_t ovk_gdisk_size(const struct ovk_gdisk *d)
{
	return d->size;
}

const char *ovk_gdisk_name(const struct ovk_gdisk *d)
{
	return d->name;
}

/* The cache entry holding block b of a root disk, read in when missing. */
static int cached_block(struct ovk_gdisk *d, uint64_t b, struct cache_entry **out,
			struct ovk_error *err)
{
	struct cache_entry *victim = &d->cache[0];
	uint64_t start = b * GDISK_BLOCK;

	for (unsigned i = 0; i < GDISK_CACHE_BLOCKS; i++) {
		struct cache_entry *c = &d->cache[i];

		if (c->block == b) {
			c->used = ++d->clock;
			*out = c;
			return 0;
		}
		if (c->used < victim->used)
			victim = c;
	}
	if (!victim->data && !(victim->data = malloc(GDISK_BLOCK)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	victim->block = UINT64_MAX;
	if (d->fn(d->opaque, start, victim->data,
		  (size_t)ovk_min_u64(GDISK_BLOCK, d->size - start), err) < 0)
		return ovk_error_name(err, d->name);
	victim->block = b;
	victim->used = ++d->clock;
	*out = victim;
	return 0;
}

static int root_pread(struct ovk_gdisk *d, uint64_t off, uint8_t *buf, size_t len,
		      struct ovk_error *err)
{
	if (len >= GDISK_DIRECT_MIN)
		return d->fn(d->opaque, off, buf, len, err) < 0 ? ovk_error_name(err, d->name) : 0;
	while (len > 0) {
		struct cache_entry *c = NULL;
		uint64_t b = off / GDISK_BLOCK, in = off - b * GDISK_BLOCK;
		size_t n = (size_t)ovk_min_u64(len, GDISK_BLOCK - in);

		if (cached_block(d, b, &c, err) < 0)
			return -1;
		memcpy(buf, c->data + in, n);
		off += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static int concat_pread(struct ovk_gdisk *d, uint64_t off, uint8_t *buf, size_t len,
			struct ovk_error *err)
{
	size_t lo = 0, hi = d->n_segs;

	/* the segment that holds off: the last one starting at or before it */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->segs[mid].start <= off)
			lo = mid;
		else
			hi = mid;
	}
	for (size_t i = lo; len > 0 && i < d->n_segs; i++) {
		const struct segment *s = &d->segs[i];
		uint64_t in = off - s->start;
		size_t n = (size_t)ovk_min_u64(len, s->len - in);

		if (ovk_gdisk_pread(s->base, s->off + in, buf, n, err) < 0)
			return -1;
		off += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int ovk_gdisk_pread(struct ovk_gdisk *d, uint64_t off, void *buf, size_t len,
		    struct ovk_error *err)
{
	if (!ovk_range_ok(off, len, d->size))
		return ovk_error_set(err, ERANGE, "%s: read of %zu bytes at %llu: beyond the end "
				     "(%llu bytes)", d->name, len, (unsigned long long)off,
				     (unsigned long long)d->size);
	if (len == 0)
		return 0;
	switch (d->kind) {
	case ROOT:
		return root_pread(d, off, buf, len, err);
	case WINDOW:
		return ovk_gdisk_pread(d->base, d->off + off, buf, len, err);
	case CONCAT:
		return concat_pread(d, off, buf, len, err);
	}
	return ovk_error_set(err, EINVAL, "%s: not a disk", d->name);
}

void ovk_gdisk_free(struct ovk_gdisk *d)
{
	if (!d || --d->refs > 0)
		return;
	if (d->close)
		d->close(d->opaque);
	for (unsigned i = 0; i < GDISK_CACHE_BLOCKS; i++)
		free(d->cache[i].data);
	ovk_gdisk_free(d->base);
	for (size_t i = 0; i < d->n_segs; i++)
		ovk_gdisk_free(d->segs[i].base);
	free(d->segs);
	free(d->name);
	free(d);
}

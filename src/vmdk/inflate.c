/*
 * inflate.c: the only file of the VMDK reader that knows libdeflate
 * (STYLE.md #5).
 *
 * Grains are zlib streams (RFC 1950: a 2-byte header, raw deflate, Adler-32),
 * not raw deflate.  A grain must decode to exactly one grain of bytes; the
 * last grain of a disk whose capacity is not a multiple of the grain may be
 * short, but never shorter than the guest bytes it covers.  Anything else -
 * a bad stream, a bad checksum, too much or too little output - is an error
 * and never turns into zeros.
 *
 * Thread safety: read() runs on many workers at once.  A libdeflate
 * decompressor is not shareable, so each call borrows a {decompressor,
 * scratch} pair from a small mutex-protected free list and gives it back;
 * the list grows to the number of concurrent callers and is freed with the
 * source.
 */
#include "vmdk.h"

#include <errno.h>
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

struct zslot {
	struct libdeflate_decompressor *d;
	uint8_t *scratch;           /* OVK_VMDK_MAX_GRAIN_BYTES, allocated on first use */
	struct zslot *next;
};

struct ovk_vmdk_zpool {
	pthread_mutex_t lock;
	struct zslot *free;
};

int ovk_vmdk_zpool_new(struct ovk_vmdk_zpool **out, struct ovk_error *err)
{
	struct ovk_vmdk_zpool *p = calloc(1, sizeof *p);

	if (!p)
		return ovk_error_sys(err, ENOMEM, "decompressor pool");
	pthread_mutex_init(&p->lock, NULL);
	*out = p;
	return 0;
}

static void slot_free(struct zslot *s)
{
	if (!s)
		return;
	if (s->d)
		libdeflate_free_decompressor(s->d);
	free(s->scratch);
	free(s);
}

void ovk_vmdk_zpool_free(struct ovk_vmdk_zpool *p)
{
	struct zslot *s, *next;

	if (!p)
		return;
	for (s = p->free; s; s = next) {
		next = s->next;
		slot_free(s);
	}
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static struct zslot *slot_get(struct ovk_vmdk_zpool *p, struct ovk_error *err)
{
	struct zslot *s;

	pthread_mutex_lock(&p->lock);
	s = p->free;
	if (s)
		p->free = s->next;
	pthread_mutex_unlock(&p->lock);
	if (s)
		return s;
	s = calloc(1, sizeof *s);
	if (s)
		s->d = libdeflate_alloc_decompressor();
	if (!s || !s->d) {
		slot_free(s);
		ovk_error_sys(err, ENOMEM, "decompressor");
		return NULL;
	}
	return s;
}

static void slot_put(struct ovk_vmdk_zpool *p, struct zslot *s)
{
	pthread_mutex_lock(&p->lock);
	s->next = p->free;
	p->free = s;
	pthread_mutex_unlock(&p->lock);
}

static int decode(struct libdeflate_decompressor *d, const struct ovk_vmdk_zgrain *g,
		  uint8_t *out, size_t avail, size_t *got, struct ovk_error *err)
{
	enum libdeflate_result r;
	size_t in_used = 0;

	r = libdeflate_zlib_decompress_ex(d, g->in, g->in_len, out, avail, &in_used, got);
	switch (r) {
	case LIBDEFLATE_SUCCESS:
		break;
	case LIBDEFLATE_INSUFFICIENT_SPACE:
		return ovk_error_set(err, EINVAL, "compressed grain: inflates to more than %zu bytes",
				     avail);
	default:
		return ovk_error_set(err, EINVAL,
				     "compressed grain (%zu bytes): not a valid zlib stream",
				     g->in_len);
	}
	if (*got != g->grain && *got < g->need)
		return ovk_error_set(err, EINVAL,
				     "compressed grain: inflates to %zu bytes, expected %zu", *got,
				     g->grain);
	return 0;
}

int ovk_vmdk_inflate(struct ovk_vmdk_zpool *p, const struct ovk_vmdk_zgrain *g, uint8_t *dst,
		     struct ovk_error *err)
{
	struct zslot *s;
	size_t got;
	int ret = -1;

	if (g->grain > OVK_VMDK_MAX_GRAIN_BYTES || g->need > g->grain || g->skip > g->need ||
	    g->len > g->need - g->skip)
		return ovk_error_set(err, EINVAL, "compressed grain: bad request");
	s = slot_get(p, err);
	if (!s)
		return -1;
	if (g->skip == 0 && g->len == g->grain) {
		/* The common case: a whole grain straight into the caller's buffer. */
		ret = decode(s->d, g, dst, g->len, &got, err);
		goto out;
	}
	if (!s->scratch) {
		s->scratch = malloc(OVK_VMDK_MAX_GRAIN_BYTES);
		if (!s->scratch) {
			ovk_error_sys(err, ENOMEM, "grain buffer");
			goto out;
		}
	}
	if (decode(s->d, g, s->scratch, g->grain, &got, err) < 0)
		goto out;
	memcpy(dst, s->scratch + g->skip, g->len);
	ret = 0;
out:
	slot_put(p, s);
	return ret;
}

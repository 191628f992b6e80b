/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * extent_support.h: the bytes of a source's extent, for the unit tests that
 * walk a format's source by hand (the engine does this in pipeline.c):
 * stored ones read from their file or buffer, encoded ones decoded by the
 * source's read().  Header-only; include cmocka.h and engine/engine.h first.
 */
#ifndef OVK_EXTENT_SUPPORT_H
#define OVK_EXTENT_SUPPORT_H

#include <stdlib.h>
#include <string.h>

/* Copy [skip, skip + len) of DATA extent x of src into dst. */
static int ut_extent_bytes(const struct ovk_source *src, const struct ovk_extent *x,
			   uint64_t skip, uint64_t len, uint8_t *dst, struct ovk_error *err)
	__attribute__((unused));
static int ut_extent_bytes(const struct ovk_source *src, const struct ovk_extent *x,
			   uint64_t skip, uint64_t len, uint8_t *dst, struct ovk_error *err)
{
	uint8_t *whole;
	int r;

	assert_true(skip + len <= x->length);
	if (!x->encoded && x->buf) {
		memcpy(dst, x->buf + skip, len);
		return 0;
	}
	if (!x->encoded)
		return ovk_blob_pread(x->in, x->in_off + skip, dst, len, err);
	assert_true(x->length <= OVK_MAX_ENCODED);
	assert_non_null(src->ops->read);
	assert_non_null(whole = malloc(x->length));
	r = src->ops->read(src, x, whole, err);
	if (r == 0)
		memcpy(dst, whole + skip, len);
	free(whole);
	return r;
}

#endif

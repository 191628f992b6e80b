/*
 * zero.h: finding zero bytes, for the places that keep zeros out of an
 * output (the pipeline's per-block zero map, the qcow2 writer's clusters
 * and metadata, a spilled stream's copy).
 */
#ifndef OVK_CORE_ZERO_H
#define OVK_CORE_ZERO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Whether p[0, n) is all zero bytes.  memcmp against a page of zeros:
 * this runs on every block the engine converts. */
static inline int ovk_is_zero(const void *p, size_t n)
{
	static const uint8_t zeros[4096];
	const uint8_t *b = p;

	while (n >= sizeof zeros) {
		if (memcmp(b, zeros, sizeof zeros) != 0)
			return 0;
		b += sizeof zeros;
		n -= sizeof zeros;
	}
	return memcmp(b, zeros, n) == 0;
}

/* The next run [*start, *end) of blocks of buf[*pos, len) that are not all
 * zero (the last block may be short), with *pos moved past it; 0 when only
 * zero blocks are left.  For writing buf with its zero blocks as holes. */
static inline int ovk_next_data_run(const uint8_t *buf, size_t len, size_t block, size_t *pos,
				    size_t *start, size_t *end)
{
	size_t i = *pos;

	while (i < len && ovk_is_zero(buf + i, len - i < block ? len - i : block))
		i += len - i < block ? len - i : block;
	*start = i;
	while (i < len && !ovk_is_zero(buf + i, len - i < block ? len - i : block))
		i += len - i < block ? len - i : block;
	*end = *pos = i;
	return *end > *start;
}

#endif

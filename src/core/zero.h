/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * zero.h: finding zero bytes, for the places that keep zeros out of an
 * output (the pipeline's per-block zero map, the qcow2 writer's metadata, a
 * spilled stream's copy).
 */
#ifndef OVK_CORE_ZERO_H
#define OVK_CORE_ZERO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Whether p[0, n) is all zero bytes, as nbdkit's iszero.h does it: the
 * first 16 bytes one by one (most data fails there), then the buffer
 * compared with itself 16 bytes on, which memcmp does at memory speed and
 * which holds only when every byte equals the one 16 before it, that is
 * zero. */
static inline int ovk_is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t head = n < 16 ? n : 16;

	for (size_t i = 0; i < head; i++)
		if (b[i])
			return 0;
	return n <= 16 || memcmp(b, b + 16, n - 16) == 0;
}

/* The next run [*start, *end) of blocks of buf[*pos, len) that are not all
 * zero (the last block may be short; block > 0), with *pos moved past it;
 * 0 when only zero blocks are left.  For writing buf with its zero blocks
 * as holes. */
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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * checked.h: overflow-checked arithmetic for numbers that come from files.
 *
 * Every size, count and offset read from an image is hostile (STYLE.md #8).
 * These return true when the result overflowed, like the builtins they wrap,
 * so the idiom is `if (ovk_mul_overflow(a, b, &r)) return error...`.
 */
#ifndef OVK_CORE_CHECKED_H
#define OVK_CORE_CHECKED_H

#include <stdbool.h>
#include <stdint.h>

#define ovk_add_overflow(a, b, r) __builtin_add_overflow((a), (b), (r))
#define ovk_mul_overflow(a, b, r) __builtin_mul_overflow((a), (b), (r))
#define ovk_sub_overflow(a, b, r) __builtin_sub_overflow((a), (b), (r))

static inline bool ovk_is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* True when [off, off + len) lies inside [0, size), without overflow. */
static inline bool ovk_range_ok(uint64_t off, uint64_t len, uint64_t size)
{
	uint64_t end;

	return !ovk_add_overflow(off, len, &end) && end <= size;
}

static inline uint64_t ovk_min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t ovk_max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Round up to a multiple of align (a power of two); true on overflow. */
static inline bool ovk_align_up_overflow(uint64_t v, uint64_t align, uint64_t *r)
{
	uint64_t t;

	if (ovk_add_overflow(v, align - 1, &t))
		return true;
	*r = t & ~(align - 1);
	return false;
}

#endif

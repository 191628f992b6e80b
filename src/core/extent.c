/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * extent.c: next() and pread() for a source whose walk can start at any
 * guest offset.  A format with a map of stored blocks and holes (VHD,
 * VHDX, VDI) describes the extent at an offset once, in its extent_at
 * function, and both ops go through it, so that the sequential copy and
 * random access can never read a block differently.
 */
#include <errno.h>
#include <string.h>

#include "checked.h"
#include "extent.h"

int ovk_source_next_walk(struct ovk_source *src, ovk_extent_at_fn at, uint64_t *pos,
			 const char *name, struct ovk_extent *ext, struct ovk_error *err)
{
	if (*pos >= src->size)
		return 0;
	if (at(src, *pos, ext, err) < 0)
		return ovk_error_name(err, name);
	*pos += ext->length;
	return 1;
}

/* The bytes of [off, off + len), one extent at a time. */
static int pread_extents(struct ovk_source *src, ovk_extent_at_fn at, uint64_t off,
			 uint8_t *out, size_t len, struct ovk_error *err)
{
	while (len > 0) {
		struct ovk_extent x;
		uint64_t n;

		if (at(src, off, &x, err) < 0)
			return -1;
		if (x.offset != off || x.length == 0 || x.encoded || x.buf)
			return ovk_error_set(err, EIO, "extent at %llu: not a stored range or a hole "
					     "(the format's walk is wrong)", (unsigned long long)off);
		n = ovk_min_u64(len, x.length);
		if (x.type != OVK_EXTENT_DATA)
			memset(out, 0, (size_t)n);
		else if (ovk_blob_pread(x.in, x.in_off, out, (size_t)n, err) < 0)
			return -1;
		off += n;
		out += n;
		len -= (size_t)n;
	}
	return 0;
}

int ovk_source_pread_walk(struct ovk_source *src, ovk_extent_at_fn at, const char *name,
			  uint64_t off, void *buf, size_t len, struct ovk_error *err)
{
	if (!ovk_range_ok(off, len, src->size))
		ovk_error_set(err, ERANGE, "read of %zu bytes at %llu: beyond the virtual size %llu",
			      len, (unsigned long long)off, (unsigned long long)src->size);
	else if (pread_extents(src, at, off, buf, len, err) == 0)
		return 0;
	return ovk_error_name(err, name);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fwdtarget.c: see fwdtarget.h. */
#include "fwdtarget.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"

/* Zeros sent per call when filling a gap (gaps are a few clusters at most
 * in a qcow2 image: skipped all-zero metadata blocks, the header cluster). */
#define FWD_ZEROS ((size_t)64 << 10)

static const uint8_t fwd_zeros[FWD_ZEROS];

static int too_many(const struct ovk_fwd *f, struct ovk_error *err)
{
	return ovk_error_set(err, EFBIG, "%s: more than %zu MiB written behind the stream%s%s",
			     f->name, f->patch_max >> 20, f->patch_hint ? ": " : "",
			     f->patch_hint ? f->patch_hint : "");
}

static int new_patch(struct ovk_fwd *f, uint64_t off, const uint8_t *p, size_t len,
		     struct ovk_error *err)
{
	uint8_t *data;

	if (f->n_patches == f->cap_patches) {
		size_t cap = f->cap_patches ? 2 * f->cap_patches : 16;
		struct ovk_fwd_patch *a = realloc(f->patches, cap * sizeof(*a));

		if (!a)
			return ovk_error_set(err, ENOMEM, "out of memory");
		f->patches = a;
		f->cap_patches = cap;
	}
	if (!(data = malloc(len)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	memcpy(data, p, len);
	f->patches[f->n_patches++] = (struct ovk_fwd_patch){ off, len, data };
	return 0;
}

/* Keep `len` bytes for `off`; one right after the previous patch grows it,
 * so a table written in pieces is put in place with one upload. */
static int add_patch(struct ovk_fwd *f, uint64_t off, const uint8_t *p, size_t len,
		     struct ovk_error *err)
{
	struct ovk_fwd_patch *last = f->n_patches ? &f->patches[f->n_patches - 1] : NULL;

	if (len > f->patch_max - f->patch_bytes)
		return too_many(f, err);
	if (last && last->off + last->len == off) {
		uint8_t *data = realloc(last->data, last->len + len);

		if (!data)
			return ovk_error_set(err, ENOMEM, "out of memory");
		memcpy(data + last->len, p, len);
		last->data = data;
		last->len += len;
	} else if (new_patch(f, off, p, len, err) < 0) {
		return -1;
	}
	f->patch_bytes += len;
	return 0;
}

/* Move the frontier to `to` with zeros. */
static int zero_fill(struct ovk_fwd *f, uint64_t to, struct ovk_error *err)
{
	while (f->sent < to) {
		size_t n = (size_t)ovk_min_u64(to - f->sent, FWD_ZEROS);

		if (f->send(f->send_opaque, fwd_zeros, n, err) < 0)
			return -1;
		f->sent += n;
	}
	return 0;
}

static int fwd_pwrite(void *opaque, uint64_t off, const void *buf, size_t len,
		      struct ovk_error *err)
{
	struct ovk_fwd *f = opaque;
	const uint8_t *p = buf;
	uint64_t end;

	if (len == 0)
		return 0;
	if (ovk_add_overflow(off, (uint64_t)len, &end))
		return ovk_error_set(err, EFBIG, "%s: write beyond 2^64 bytes", f->name);
	if (off < f->sent) {
		size_t below = (size_t)ovk_min_u64(len, f->sent - off);

		if (add_patch(f, off, p, below, err) < 0)
			return -1;
		off += below;
		p += below;
		len -= below;
		if (len == 0)
			return 0;
	}
	if (zero_fill(f, off, err) < 0 || f->send(f->send_opaque, p, len, err) < 0)
		return -1;
	f->sent = end;
	return 0;
}

static int fwd_set_size(void *opaque, uint64_t size, struct ovk_error *err)
{
	struct ovk_fwd *f = opaque;

	if (size < f->sent)
		return ovk_error_set(err, EINVAL, "%s: cannot shrink to %llu bytes once %llu "
				     "are sent", f->name, (unsigned long long)size,
				     (unsigned long long)f->sent);
	return zero_fill(f, size, err);
}

void ovk_fwd_init(struct ovk_fwd *f, const char *name, size_t patch_max, ovk_fwd_send_fn send,
		  void *send_opaque)
{
	memset(f, 0, sizeof(*f));
	f->target = (struct ovk_byte_target){ fwd_pwrite, fwd_set_size, f };
	f->send = send;
	f->send_opaque = send_opaque;
	f->name = name;
	f->patch_max = patch_max;
}

void ovk_fwd_free(struct ovk_fwd *f)
{
	for (size_t i = 0; i < f->n_patches; i++)
		free(f->patches[i].data);
	free(f->patches);
	f->patches = NULL;
	f->n_patches = f->cap_patches = f->patch_bytes = 0;
}

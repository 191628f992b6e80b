/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iso.c: an ISO 9660 image of one file, written by libarchive into
 * memory (iso.h).  The image is small (tens of KiB for an environment),
 * so it is built whole and handed to the caller, who uploads it or writes
 * it like any other disk.
 */
#include "iso.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct membuf {
	uint8_t *p;
	size_t len, cap;
};

static la_ssize_t mem_write(struct archive *a, void *opaque, const void *buf, size_t n)
{
	struct membuf *m = opaque;
	size_t need;

	if (__builtin_add_overflow(m->len, n, &need) || need > OVK_ISO_MAX_SIZE) {
		archive_set_error(a, EFBIG, "image larger than %zu bytes", OVK_ISO_MAX_SIZE);
		return -1;
	}
	if (need > m->cap) {
		size_t cap = m->cap ? m->cap : 64 * 1024;
		uint8_t *p;

		while (cap < need)
			cap *= 2;
		if (!(p = realloc(m->p, cap))) {
			archive_set_error(a, ENOMEM, "out of memory");
			return -1;
		}
		m->p = p;
		m->cap = cap;
	}
	memcpy(m->p + m->len, buf, n);
	m->len = need;
	return (la_ssize_t)n;
}

static int fail(struct archive *a, struct ovk_error *err, const char *what)
{
	int e = archive_errno(a);

	return ovk_error_set(err, e > 0 ? e : EIO, "ISO image: %s: %s", what,
			     archive_error_string(a) ? archive_error_string(a) : "failed");
}

int ovk_iso_single_file(const char *volume_id, const char *name, const void *data,
			size_t len, uint8_t **out, size_t *out_len, struct ovk_error *err)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	struct membuf m = { 0 };
	int ret = -1;

	*out = NULL;
	*out_len = 0;
	if (!a || !e) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (archive_write_set_format_iso9660(a) != ARCHIVE_OK ||
	    archive_write_set_format_option(a, "iso9660", "volume-id", volume_id) != ARCHIVE_OK ||
	    /* no 300 KiB of trailing zeros: the image is read as a file */
	    archive_write_set_format_option(a, "iso9660", "pad", NULL) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK) {
		fail(a, err, "options");
		goto out;
	}
	if (archive_write_open(a, &m, NULL, mem_write, NULL) != ARCHIVE_OK) {
		fail(a, err, "open");
		goto out;
	}
	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0444);
	archive_entry_set_mtime(e, time(NULL), 0);
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		fail(a, err, name);
		goto out;
	}
	if (len && archive_write_data(a, data, len) != (la_ssize_t)len) {
		fail(a, err, name);
		goto out;
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		fail(a, err, "close");
		goto out;
	}
	*out = m.p;
	*out_len = m.len;
	m.p = NULL;
	ret = 0;
out:
	archive_entry_free(e);
	if (a)
		archive_write_free(a);
	free(m.p);
	return ret;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tar.c: OVA tar members through libarchive (see tar.h).
 *
 * Where a member's data is: libarchive consumes the header blocks (and any
 * pax extended header or GNU long-name blocks, 1-3 extra blocks) before
 * archive_read_next_header() returns, so archive_filter_bytes(a, 0) read
 * right then is the offset of the member's data in the uncompressed tar.
 * We do not trust that alone: reading from memory, libarchive hands back
 * the data block as a pointer into our buffer, so the index also checks
 * that the first block starts exactly at data + offset and holds the whole
 * member.  A member that fails this (sparse, truncated) is not windowed.
 */
#include "tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/blob.h"

/* libarchive's read block size for file descriptors: large enough that a
 * forward stream costs few syscalls. */
#define TAR_FD_BLOCK ((size_t)1 << 20)
/* Buckets of the duplicate-name set: 65536 names in 4096 chains of ~16. */
#define NAMESET_BUCKETS 4096

struct name_node {
	struct name_node *next;
	char name[];
};

struct nameset {
	struct name_node *b[NAMESET_BUCKETS];
	size_t count;
};

static size_t name_hash(const char *s)
{
	size_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % NAMESET_BUCKETS;
}

/* 1 if added, 0 if already there, -1 on allocation failure. */
static int nameset_add(struct nameset *set, const char *name)
{
	size_t h = name_hash(name), len = strlen(name);
	struct name_node *n;

	for (n = set->b[h]; n; n = n->next)
		if (strcmp(n->name, name) == 0)
			return 0;
	n = malloc(sizeof *n + len + 1);
	if (!n)
		return -1;
	memcpy(n->name, name, len + 1);
	n->next = set->b[h];
	set->b[h] = n;
	set->count++;
	return 1;
}

static void nameset_clear(struct nameset *set)
{
	for (size_t i = 0; i < NAMESET_BUCKETS; i++) {
		while (set->b[i]) {
			struct name_node *n = set->b[i];

			set->b[i] = n->next;
			free(n);
		}
	}
	set->count = 0;
}

int ovk_tar_check_name(const char *archive, const char *name, const char **norm,
		       struct ovk_error *err)
{
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	*norm = name;
	if (!ovk_path_is_contained(name))
		return ovk_error_set(err, EPERM, "%s: member '%s': absolute names and '..' are "
				     "refused", archive, name);
	return 0;
}

/* The rules every member obeys, indexed or streamed: 0 to use the member,
 * 1 to pass over it (a directory entry, as `tar -C dir .` writes "./"),
 * -1 to refuse the archive. */
static int check_entry(const char *archive, struct archive_entry *e, struct nameset *seen,
		       const char **norm, struct ovk_error *err)
{
	const char *name = archive_entry_pathname(e);
	int r;

	if (!name)
		return ovk_error_set(err, EINVAL, "%s: a member without a name", archive);
	if (archive_entry_hardlink(e) || archive_entry_symlink(e) ||
	    archive_entry_filetype(e) == AE_IFLNK)
		return ovk_error_set(err, EPERM, "%s: member '%s' is a link; links are refused",
				     archive, name);
	if (archive_entry_filetype(e) == AE_IFDIR)
		return 1;
	if (ovk_tar_check_name(archive, name, norm, err) != 0)
		return -1;
	if (archive_entry_filetype(e) != AE_IFREG)
		return ovk_error_set(err, EPERM, "%s: member '%s' is not a regular file", archive,
				     name);
	if (seen->count >= OVK_TAR_MAX_MEMBERS)
		return ovk_error_set(err, E2BIG, "%s: more than %d members", archive,
				     OVK_TAR_MAX_MEMBERS);
	r = nameset_add(seen, *norm);
	if (r < 0)
		return ovk_error_set(err, ENOMEM, "out of memory");
	if (r == 0)
		return ovk_error_set(err, EINVAL, "%s: member '%s' appears twice", archive, *norm);
	if (archive_entry_size(e) < 0)
		return ovk_error_set(err, EINVAL, "%s: member '%s' has a negative size", archive,
				     *norm);
	return 0;
}

static struct archive *new_reader(void)
{
	struct archive *a = archive_read_new();

	if (!a)
		return NULL;
	/* An OVA is a tar (ustar, pax or GNU), possibly gzip'ed or xz'ed
	 * whole; nothing else is bid for. */
	archive_read_support_format_tar(a);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_xz(a);
	return a;
}

static int arch_error(struct archive *a, const char *name, struct ovk_error *err)
{
	int e = archive_errno(a);

	return ovk_error_set(err, e > 0 ? e : EIO, "%s: %s", name,
			     archive_error_string(a) ? archive_error_string(a) : "tar error");
}

/* Is the member's data one run at data + off of its full size? */
static int contiguous(struct archive *a, const uint8_t *data, uint64_t off, uint64_t size)
{
	const void *buf;
	size_t len;
	la_int64_t boff;
	int r;

	if (size == 0)
		return 1;
	r = archive_read_data_block(a, &buf, &len, &boff);
	return r == ARCHIVE_OK && boff == 0 && buf == data + off && len == size;
}

static int index_entry(struct archive *a, struct archive_entry *e, const uint8_t *data,
		       size_t size, const char *name, struct nameset *seen,
		       struct ovk_tar_member **arr, size_t *n, struct ovk_error *err)
{
	struct ovk_tar_member *m;
	const char *norm;
	la_int64_t off = archive_filter_bytes(a, 0);
	int r = check_entry(name, e, seen, &norm, err);

	if (r != 0)
		return r < 0 ? -1 : 0;
	/* n < OVK_TAR_MAX_MEMBERS (checked above), so no overflow. */
	m = realloc(*arr, (*n + 1) * sizeof *m);
	if (!m)
		return ovk_error_set(err, ENOMEM, "out of memory");
	*arr = m;
	m = &m[*n];
	memset(m, 0, sizeof *m);
	m->name = strdup(norm);
	if (!m->name)
		return ovk_error_set(err, ENOMEM, "out of memory");
	(*n)++;
	m->size = (uint64_t)archive_entry_size(e);
	m->offset = off < 0 ? 0 : (uint64_t)off;
	m->sparse = archive_entry_sparse_count(e) > 0;
	if (off < 0 || m->offset > size || m->size > size - m->offset)
		return ovk_error_set(err, EIO, "%s: member '%s' (%llu bytes at %lld) runs past the "
				     "end of the file (truncated?)", name, m->name,
				     (unsigned long long)m->size, (long long)off);
	if (!m->sparse && !contiguous(a, data, m->offset, m->size))
		return ovk_error_set(err, EIO, "%s: member '%s': data is not one run at offset "
				     "%llu", name, m->name, (unsigned long long)m->offset);
	return 0;
}

int ovk_tar_index(const uint8_t *data, size_t size, const char *name,
		  struct ovk_tar_member **out, size_t *n_out, int *compressed,
		  struct ovk_error *err)
{
	struct archive *a = new_reader();
	struct archive_entry *e;
	struct ovk_tar_member *arr = NULL;
	struct nameset *seen = calloc(1, sizeof *seen);
	size_t n = 0;
	int r, ret = -1;

	*out = NULL;
	*n_out = 0;
	*compressed = 0;
	if (!a || !seen) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (archive_read_open_memory(a, data, size) != ARCHIVE_OK) {
		arch_error(a, name, err);
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		if (archive_filter_count(a) > 1) {
			*compressed = 1;
			goto out;
		}
		if (index_entry(a, e, data, size, name, seen, &arr, &n, err) != 0)
			goto out;
	}
	if (r != ARCHIVE_EOF) {
		arch_error(a, name, err);
		goto out;
	}
	*out = arr;
	*n_out = n;
	arr = NULL;
	ret = 0;
out:
	ovk_tar_members_free(arr, n);
	if (seen)
		nameset_clear(seen);
	free(seen);
	archive_read_free(a);
	return ret;
}

void ovk_tar_members_free(struct ovk_tar_member *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++)
		free(m[i].name);
	free(m);
}

/* ------------------------------------------------------------ streams */

struct ovk_tar_stream {
	struct archive *a;
	char *name;
	struct nameset seen;
	int in_member;
	/* ovk_tar_stream_open_blob: the tar's bytes, and libarchive's buffer */
	struct ovk_blob *blob;
	uint8_t *buf;
	struct ovk_error blob_err;
	int blob_failed;
};

static int stream_new(const char *name, struct ovk_tar_stream **out, struct ovk_error *err)
{
	struct ovk_tar_stream *s = calloc(1, sizeof *s);

	if (!s || !(s->name = strdup(name)) || !(s->a = new_reader())) {
		ovk_tar_stream_free(s);
		return ovk_error_set(err, ENOMEM, "out of memory");
	}
	*out = s;
	return 0;
}

int ovk_tar_stream_open_fd(int fd, const char *name, struct ovk_tar_stream **out,
			   struct ovk_error *err)
{
	struct ovk_tar_stream *s;

	if (stream_new(name, &s, err) != 0)
		return -1;
	if (archive_read_open_fd(s->a, fd, TAR_FD_BLOCK) != ARCHIVE_OK) {
		arch_error(s->a, name, err);
		ovk_tar_stream_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

/* libarchive's error, or the blob's, which libarchive may have replaced
 * with its own ("Truncated input file") while skipping. */
static int stream_error(struct ovk_tar_stream *s, struct ovk_error *err)
{
	const char *m, *last = NULL;

	if (!s->blob_failed)
		return arch_error(s->a, s->name, err);
	/* The blob layers each named themselves; the archive's name and the
	 * inflater's own words are what tell. */
	for (m = s->blob_err.msg; (m = strstr(m, "gzip: ")) != NULL; m++)
		last = m;
	return ovk_error_set(err, s->blob_err.errnum, "%s: %s", s->name,
			     last ? last : s->blob_err.msg);
}

static la_ssize_t blob_read_cb(struct archive *a, void *opaque, const void **buf)
{
	struct ovk_tar_stream *s = opaque;
	ssize_t n = ovk_blob_read(s->blob, s->buf, TAR_FD_BLOCK, &s->blob_err);

	/* No producer writes a gzip'ed gzip, and each layer multiplies what
	 * one stored byte may inflate to by a thousand. */
	if (n >= 2 && ovk_blob_consumed(s->blob) == (uint64_t)n && s->buf[0] == 0x1f &&
	    s->buf[1] == 0x8b) {
		ovk_error_set(&s->blob_err, EINVAL, "a gzip'ed gzip, not an OVA (a compressed OVA "
			      "is a tar compressed once)");
		n = -1;
	}
	if (n < 0) {
		s->blob_failed = 1;
		archive_set_error(a, s->blob_err.errnum ? s->blob_err.errnum : EIO, "%s",
				  s->blob_err.msg);
		return -1;
	}
	*buf = s->buf;
	return (la_ssize_t)n;
}

int ovk_tar_stream_open_blob(struct ovk_blob *b, const char *name, struct ovk_tar_stream **out,
			     struct ovk_error *err)
{
	struct ovk_tar_stream *s = calloc(1, sizeof *s);

	/* Format tar alone: what the blob holds must be a tar, not another
	 * compressed layer. */
	if (!s || !(s->name = strdup(name)) || !(s->a = archive_read_new()) ||
	    !(s->buf = malloc(TAR_FD_BLOCK))) {
		ovk_blob_free(b);
		ovk_tar_stream_free(s);
		return ovk_error_set(err, ENOMEM, "out of memory");
	}
	s->blob = b;
	archive_read_support_format_tar(s->a);
	if (archive_read_open(s->a, s, NULL, blob_read_cb, NULL) != ARCHIVE_OK) {
		stream_error(s, err);
		ovk_tar_stream_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

/* After the tar's end: the rest of the blob, bounded, to its end. */
static int blob_rest(struct ovk_tar_stream *s, struct ovk_error *err)
{
	uint64_t rest = 0;
	ssize_t n;

	while ((n = ovk_blob_read(s->blob, s->buf, TAR_FD_BLOCK, &s->blob_err)) > 0) {
		rest += (uint64_t)n;
		if (rest > OVK_TAR_MAX_TRAILING)
			return ovk_error_set(err, EFBIG, "%s: more than %llu bytes after the end of "
					     "the tar", s->name,
					     (unsigned long long)OVK_TAR_MAX_TRAILING);
	}
	if (n < 0) {
		s->blob_failed = 1;
		return stream_error(s, err);
	}
	return 0;
}

int ovk_tar_stream_open_memory(const uint8_t *data, size_t size, const char *name,
			       struct ovk_tar_stream **out, struct ovk_error *err)
{
	struct ovk_tar_stream *s;

	if (stream_new(name, &s, err) != 0)
		return -1;
	if (archive_read_open_memory(s->a, data, size) != ARCHIVE_OK) {
		arch_error(s->a, name, err);
		ovk_tar_stream_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

int ovk_tar_stream_next(struct ovk_tar_stream *s, const char **name, uint64_t *size,
			struct ovk_error *err)
{
	struct archive_entry *e;
	int r;

	s->in_member = 0;
	do {
		r = archive_read_next_header(s->a, &e);
		if (r == ARCHIVE_EOF)
			return s->blob ? blob_rest(s, err) : 0;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return stream_error(s, err);
		r = check_entry(s->name, e, &s->seen, name, err);
		if (r < 0)
			return -1;
	} while (r == 1);
	if (archive_entry_sparse_count(e) > 0)
		return ovk_error_set(err, ENOTSUP, "%s: member '%s' is a sparse file; not "
				     "supported", s->name, *name);
	*size = (uint64_t)archive_entry_size(e);
	s->in_member = 1;
	return 1;
}

ssize_t ovk_tar_stream_read(struct ovk_tar_stream *s, void *buf, size_t len,
			    struct ovk_error *err)
{
	la_ssize_t n;

	if (!s->in_member)
		return 0;
	n = archive_read_data(s->a, buf, len);
	if (n < 0)
		return stream_error(s, err);
	return (ssize_t)n;
}

int ovk_tar_stream_compressed(const struct ovk_tar_stream *s)
{
	return s->blob != NULL || archive_filter_count(s->a) > 1;
}

void ovk_tar_stream_free(struct ovk_tar_stream *s)
{
	if (!s)
		return;
	archive_read_free(s->a);
	ovk_blob_free(s->blob);
	free(s->buf);
	nameset_clear(&s->seen);
	free(s->name);
	free(s);
}

/* ------------------------------------------------------------- writing */

/* A ustar header, as ovftool's are: mode 0644, owner 64/64 ("someone"), the
 * size in octal, or base-256 (GNU's form, which libarchive, GNU tar,
 * Python and VMware read) for a member of 8 GiB or more. */
#define USTAR_OCTAL_SIZE_MAX 077777777777ull

static void octal(uint8_t *field, size_t width, uint64_t v)
{
	/* width - 1 digits and a NUL, as POSIX writes them. */
	field[width - 1] = 0;
	for (size_t i = width - 1; i-- > 0; v >>= 3)
		field[i] = (uint8_t)('0' + (v & 7));
}

int ovk_tar_header(const char *name, uint64_t size, uint64_t mtime,
		   uint8_t hdr[OVK_TAR_BLOCK], struct ovk_error *err)
{
	size_t len = strlen(name);
	unsigned sum = 0;

	if (len == 0 || len >= 100)
		return ovk_error_set(err, ENAMETOOLONG, "%s: a tar member name is 1 to 99 bytes",
				     name);
	memset(hdr, 0, OVK_TAR_BLOCK);
	memcpy(hdr, name, len);
	octal(hdr + 100, 8, 0644);
	octal(hdr + 108, 8, 64);
	octal(hdr + 116, 8, 64);
	if (size <= USTAR_OCTAL_SIZE_MAX) {
		octal(hdr + 124, 12, size);
	} else {
		hdr[124] = 0x80;
		for (int i = 11; i >= 4; i--, size >>= 8)
			hdr[124 + i] = (uint8_t)size;
	}
	octal(hdr + 136, 12, mtime & USTAR_OCTAL_SIZE_MAX);
	hdr[156] = '0';
	memcpy(hdr + 257, "ustar", 6);
	memcpy(hdr + 263, "00", 2);
	memcpy(hdr + 265, "someone", 7);
	memcpy(hdr + 297, "someone", 7);
	memset(hdr + 148, ' ', 8);
	for (size_t i = 0; i < OVK_TAR_BLOCK; i++)
		sum += hdr[i];
	octal(hdr + 148, 7, sum);
	hdr[155] = ' ';
	return 0;
}

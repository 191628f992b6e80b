/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * initramfs.c: listing an initramfs (see initramfs.h), with libarchive's
 * decompressors: the guest layer's only door to libarchive (src/ova/tar.c
 * is ova's).
 *
 * The image is read through the gfs (ovk_gfs pread), in pieces, never
 * whole, as a sequence of streams:
 *
 *   [cpio ... TRAILER!!!][zeros][cpio ... TRAILER!!!][zeros][gzip|xz|zstd...]
 *    \_ read directly from the file _________________/      \_ decompressed _/
 *
 * Uncompressed archives are read in place; at a compression magic, the
 * rest of the file is one compressed stream that libarchive decompresses
 * (its "raw" format: the bytes, no archive format), and the archives in it
 * follow each other the same way.  What ends a compressed stream cannot be
 * known without decompressing it, so nothing after it is read (see
 * initramfs.h).
 *
 * The cpio headers are parsed here, not by libarchive's cpio reader: that
 * one reads a name of whatever length the header says into one buffer (a
 * hostile 4 GiB name is a 4 GiB allocation), and it cannot tell where an
 * archive ends.  Layout (ASCII; newc and crc in hex, odc in octal):
 *
 *   newc/crc: "070701"|"070702" ino mode uid gid nlink mtime FILESIZE
 *             devmajor devminor rdevmajor rdevminor NAMESIZE check
 *             (13 x 8 hex digits), name (NAMESIZE bytes with its NUL),
 *             padded to 4 with the header; data, padded to 4
 *   odc:      "070707" dev ino mode uid gid nlink rdev mtime (6 octal
 *             digits each but mtime, 11) NAMESIZE (6) FILESIZE (11), name,
 *             data; no padding
 *
 * An archive ends with the name "TRAILER!!!".  Names longer than
 * GFS_MAX_PATH are refused before they are read.
 *
 * Decompressors: only those libarchive has built in.  Registering one
 * that it lacks would make it run an external program (lz4, lzop, ...);
 * archive_read_support_filter_*() says so by returning ARCHIVE_WARN, so
 * each is tried once on a scratch reader and used only when it returned
 * ARCHIVE_OK.
 */
#include "initramfs.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"

/* Bytes per read from the file system: at least the gdisk's direct-read
 * size (4 cache blocks), so an initramfs does not wash out its cache. */
#define IR_CHUNK ((size_t)256 << 10)

enum ir_filter { IR_GZIP, IR_BZIP2, IR_XZ, IR_LZMA, IR_ZSTD, IR_LZ4, IR_N_FILTERS };

static const struct {
	const char *name;
	int (*support)(struct archive *);
} ir_filters[IR_N_FILTERS] = {
	[IR_GZIP] = { "gzip", archive_read_support_filter_gzip },
	[IR_BZIP2] = { "bzip2", archive_read_support_filter_bzip2 },
	[IR_XZ] = { "xz", archive_read_support_filter_xz },
	[IR_LZMA] = { "lzma", archive_read_support_filter_lzma },
	[IR_ZSTD] = { "zstd", archive_read_support_filter_zstd },
	[IR_LZ4] = { "lz4", archive_read_support_filter_lz4 },
};

static int ir_builtin[IR_N_FILTERS];
static pthread_once_t ir_once = PTHREAD_ONCE_INIT;

static void ir_init_once(void)
{
	for (int i = 0; i < IR_N_FILTERS; i++) {
		struct archive *a = archive_read_new();

		ir_builtin[i] = a && ir_filters[i].support(a) == ARCHIVE_OK;
		archive_read_free(a);
	}
}

/* What a segment starts with. */
static int ir_magic(const uint8_t *b, size_t n, const char **what)
{
	static const struct {
		const char *magic;
		size_t len;
		int filter;           /* -1: uncompressed cpio; -2: known, unsupported */
		const char *name;
	} tab[] = {
		{ "070701", 6, -1, "cpio" }, { "070702", 6, -1, "cpio" },
		{ "070707", 6, -1, "cpio" },
		{ "\x1f\x8b", 2, IR_GZIP, "gzip" }, { "BZh", 3, IR_BZIP2, "bzip2" },
		{ "\xfd" "7zXZ\0", 6, IR_XZ, "xz" }, { "\x5d\0\0", 3, IR_LZMA, "lzma" },
		{ "\x28\xb5\x2f\xfd", 4, IR_ZSTD, "zstd" },
		{ "\x02\x21\x4c\x18", 4, IR_LZ4, "lz4" }, { "\x04\x22\x4d\x18", 4, IR_LZ4, "lz4" },
		{ "\x89LZO", 4, -2, "lzo" },
	};

	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (n >= tab[i].len && memcmp(b, tab[i].magic, tab[i].len) == 0) {
			*what = tab[i].name;
			if (tab[i].filter >= 0 && !ir_builtin[tab[i].filter])
				return -2;
			return tab[i].filter;
		}
	*what = NULL;
	return -3;
}

/* Where bytes come from: the file itself at pos, or libarchive's
 * decompression of the file from `start`. */
struct ir_src {
	struct ovk_gfs *fs;
	const struct ovk_gfs_file *f;
	uint64_t pos;             /* file offset (direct), or next byte to hand libarchive */
	struct archive *a;        /* NULL: direct */
	uint64_t unpacked;        /* bytes decompressed so far */
	uint8_t *buf;             /* IR_CHUNK bytes for libarchive's reads */
	uint8_t *look;            /* IR_CHUNK bytes read ahead of the parser: */
	size_t lo, hi;            /* [lo, hi) not yet handed to it */
	struct ovk_error err;
	int failed;
};

static la_ssize_t ir_read_cb(struct archive *a, void *opaque, const void **out)
{
	struct ir_src *s = opaque;
	int64_t n;

	*out = s->buf;
	if (s->pos >= s->f->size)
		return 0;
	n = s->fs->ops->pread(s->fs, s->f, s->pos, s->buf,
			      (size_t)ovk_min_u64(IR_CHUNK, s->f->size - s->pos), &s->err);
	if (n < 0) {
		s->failed = 1;
		archive_set_error(a, EIO, "read error");
		return -1;
	}
	s->pos += (uint64_t)n;
	return (la_ssize_t)n;
}

/* Up to len bytes of the current stream, past what was read ahead: the
 * count, short only at its end, or -1. */
static int64_t ir_raw(struct ir_src *s, uint8_t *p, size_t len, struct ovk_error *err)
{
	size_t done = 0;

	while (done < len) {
		int64_t n;

		if (!s->a) {
			n = s->pos >= s->f->size ? 0 :
			    s->fs->ops->pread(s->fs, s->f, s->pos, p + done,
					      (size_t)ovk_min_u64(len - done, s->f->size - s->pos),
					      err);
		} else if ((n = archive_read_data(s->a, p + done, len - done)) < 0 && !s->failed) {
			return ovk_error_set(err, archive_errno(s->a) > 0 ? archive_errno(s->a) :
					     EINVAL, "%s", archive_error_string(s->a) ?
					     archive_error_string(s->a) : "decompression error");
		}
		if (n < 0) {
			if (s->failed)
				*err = s->err;
			return -1;
		}
		if (n == 0)
			break;
		if (!s->a)
			s->pos += (uint64_t)n;
		else if ((s->unpacked += (uint64_t)n) > OVK_INITRAMFS_MAX_UNPACKED)
			return ovk_error_set(err, EFBIG, "more than %" PRIu64 " bytes unpacked",
					     OVK_INITRAMFS_MAX_UNPACKED);
		done += (size_t)n;
	}
	return (int64_t)done;
}

static int64_t ir_get(struct ir_src *s, void *out, size_t len, struct ovk_error *err)
{
	size_t have = ovk_min_u64(len, s->hi - s->lo);
	int64_t n;

	memcpy(out, s->look + s->lo, have);
	s->lo += have;
	if (have == len)
		return (int64_t)len;
	if ((n = ir_raw(s, (uint8_t *)out + have, len - have, err)) < 0)
		return -1;
	return (int64_t)have + n;
}

/* Exactly len bytes, or -1 naming what was cut. */
static int ir_need(struct ir_src *s, void *out, size_t len, const char *what,
		   struct ovk_error *err)
{
	int64_t n = ir_get(s, out, len, err);

	if (n < 0)
		return -1;
	if ((size_t)n < len)
		return ovk_error_set(err, EIO, "cut short in %s", what);
	return 0;
}

/* Pass over len bytes of the stream. */
static int ir_skip(struct ir_src *s, uint64_t len, struct ovk_error *err)
{
	uint64_t have = ovk_min_u64(len, s->hi - s->lo);

	s->lo += (size_t)have;
	len -= have;
	if (!s->a) {
		if (len > s->f->size - s->pos)
			return ovk_error_set(err, EIO, "cut short in a file's data");
		s->pos += len;
		return 0;
	}
	while (len > 0) {
		size_t n = (size_t)ovk_min_u64(len, IR_CHUNK);
		int64_t got = ir_raw(s, s->look, n, err);

		s->lo = s->hi = 0;
		if (got < 0)
			return -1;
		if ((size_t)got < n)
			return ovk_error_set(err, EIO, "cut short in a file's data");
		len -= n;
	}
	return 0;
}

/* n digits of base at p as a number; -1 when one is not a digit. */
static int64_t ir_num(const uint8_t *p, size_t n, unsigned base)
{
	int64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		int d = p[i] >= '0' && p[i] <= '9' ? p[i] - '0' :
			p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10 :
			p[i] >= 'A' && p[i] <= 'F' ? p[i] - 'A' + 10 : 99;

		if (d >= (int)base)
			return -1;
		v = v * base + d;
	}
	return v;
}

struct ir_list {
	struct ovk_initramfs *ir;
	size_t cap;
};

static int ir_add(struct ir_list *l, const char *path, struct ovk_error *err)
{
	struct ovk_initramfs *ir = l->ir;

	while (path[0] == '.' && path[1] == '/')
		path += 2;
	while (path[0] == '/')
		path++;
	if (!path[0] || strcmp(path, ".") == 0)
		return 0;
	return ovk_names_push(&ir->paths, &ir->n, &l->cap, OVK_INITRAMFS_MAX_FILES, path, err);
}

/* One cpio entry whose 6-byte magic was read: 1 for an entry, 0 for the
 * trailer, -1. */
static int ir_entry(struct ir_list *l, struct ir_src *s, const uint8_t *magic,
		    struct ovk_error *err)
{
	uint8_t h[104];
	char name[GFS_MAX_PATH + 2];
	int newc = magic[5] != '7';
	size_t hlen = newc ? 104 : 70;
	int64_t namesize, filesize;

	if (ir_need(s, h, hlen, "a cpio header", err) < 0)
		return -1;
	namesize = newc ? ir_num(h + 88, 8, 16) : ir_num(h + 53, 6, 8);
	filesize = newc ? ir_num(h + 48, 8, 16) : ir_num(h + 59, 11, 8);
	if (namesize < 2 || namesize > GFS_MAX_PATH + 1 || filesize < 0)
		return ovk_error_set(err, EINVAL, "a cpio header with a name of %lld bytes or a "
				     "size of %lld", (long long)namesize, (long long)filesize);
	if (ir_need(s, name, (size_t)namesize, "a name", err) < 0)
		return -1;
	name[namesize - 1] = '\0';     /* the NUL it ends with */
	if (newc && (ir_skip(s, (4 - (110 + (uint64_t)namesize) % 4) % 4, err) < 0 ||
		     (strcmp(name, "TRAILER!!!") != 0 &&
		      ir_skip(s, (uint64_t)filesize + (4 - (uint64_t)filesize % 4) % 4, err) < 0)))
		return -1;
	if (!newc && strcmp(name, "TRAILER!!!") != 0 && ir_skip(s, (uint64_t)filesize, err) < 0)
		return -1;
	if (strcmp(name, "TRAILER!!!") == 0)
		return 0;
	return ir_add(l, name, err) < 0 ? -1 : 1;
}

/* Past zero bytes to the next others, at least 8 of them read ahead
 * (fewer at the end): 1, or 0 at the end of the stream. */
static int ir_peek(struct ir_src *s, struct ovk_error *err)
{
	int64_t n;

	for (;;) {
		while (s->lo < s->hi && s->look[s->lo] == 0)
			s->lo++;
		if (s->lo < s->hi && s->hi - s->lo >= 8)
			return 1;
		/* keep what is left at the front, and read more after it */
		memmove(s->look, s->look + s->lo, s->hi - s->lo);
		s->hi -= s->lo;
		s->lo = 0;
		if ((n = ir_raw(s, s->look + s->hi, IR_CHUNK - s->hi, err)) < 0)
			return -1;
		s->hi += (size_t)n;
		if (n == 0)
			return s->hi > 0;
	}
}

/* Open the rest of the file, from s->pos, as one compressed stream. */
static int ir_decompress(struct ir_src *s, int filter, struct ovk_error *err)
{
	struct archive_entry *e;

	if (!(s->a = archive_read_new()))
		return ovk_error_set(err, ENOMEM, "out of memory");
	archive_read_support_format_raw(s->a);
	ir_filters[filter].support(s->a);
	archive_read_set_callback_data(s->a, s);
	archive_read_set_read_callback(s->a, ir_read_cb);
	if (archive_read_open1(s->a) != ARCHIVE_OK || archive_read_next_header(s->a, &e) != ARCHIVE_OK) {
		if (s->failed) {
			*err = s->err;
			return -1;
		}
		return ovk_error_set(err, EINVAL, "%s", archive_error_string(s->a) ?
				     archive_error_string(s->a) : "cannot decompress");
	}
	return 0;
}

/* The archives of the file, one after another. */
static int ir_walk(struct ir_list *l, struct ir_src *s, struct ovk_error *err)
{
	const char *what;
	int r, filter;

	while ((r = ir_peek(s, err)) > 0) {
		const uint8_t *m = s->look + s->lo;
		size_t n = s->hi - s->lo;
		uint64_t at = s->a ? s->unpacked - n : s->pos - n;   /* the magic's offset */

		if (l->ir->segments >= OVK_INITRAMFS_MAX_SEGMENTS)
			return ovk_error_set(err, E2BIG, "more than %d archives",
					     OVK_INITRAMFS_MAX_SEGMENTS);
		filter = ir_magic(m, n, &what);
		if (filter == -2)
			return ovk_error_set(err, ENOTSUP, "%s compression, which this libarchive "
					     "cannot decompress", what);
		if (filter == -3 || (filter >= 0 && s->a))
			return ovk_error_set(err, EINVAL, "neither cpio nor a known compression "
					     "(%02x %02x %02x %02x) at byte %" PRIu64 "%s", m[0],
					     n > 1 ? m[1] : 0, n > 2 ? m[2] : 0, n > 3 ? m[3] : 0, at,
					     s->a ? " unpacked" : "");
		if (filter >= 0) {
			s->pos = at;           /* the read-ahead bytes are the stream's */
			s->lo = s->hi = 0;
			if (ir_decompress(s, filter, err) < 0)
				return -1;
			snprintf(l->ir->compression, sizeof l->ir->compression, "%s", what);
			continue;
		}
		l->ir->segments++;
		if (!s->a)
			snprintf(l->ir->compression, sizeof l->ir->compression, "none");
		for (uint8_t hm[6]; (r = ir_need(s, hm, 6, "a cpio header", err)) == 0;) {
			if (ir_magic(hm, 6, &what) != -1)
				return ovk_error_set(err, EINVAL, "a cpio entry without its magic");
			if ((r = ir_entry(l, s, hm, err)) <= 0)
				break;
		}
		if (r < 0)
			return -1;
	}
	return r;
}

int ovk_initramfs_list(struct ovk_gfs *fs, const struct ovk_gfs_file *f, const char *name,
		       struct ovk_initramfs **out, struct ovk_error *err)
{
	struct ir_src s = { .fs = fs, .f = f };
	struct ir_list l = { 0 };
	int ret = -1;

	*out = NULL;
	pthread_once(&ir_once, ir_init_once);
	if (f->type != OVK_GFS_REG) {
		ovk_error_set(err, EINVAL, "not a regular file");
		goto out;
	}
	if (!(l.ir = calloc(1, sizeof *l.ir)) || !(s.buf = malloc(IR_CHUNK)) ||
	    !(s.look = malloc(IR_CHUNK))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (ir_walk(&l, &s, err) < 0)
		goto out;
	if (l.ir->segments == 0) {
		ovk_error_set(err, EINVAL, "empty");
		goto out;
	}
	*out = l.ir;
	l.ir = NULL;
	ret = 0;
out:
	if (ret < 0)
		ovk_error_prefix(err, "initramfs %s", name);
	ovk_initramfs_free(l.ir);
	archive_read_free(s.a);
	free(s.buf);
	free(s.look);
	return ret;
}

void ovk_initramfs_free(struct ovk_initramfs *ir)
{
	if (!ir)
		return;
	for (size_t i = 0; i < ir->n; i++)
		free(ir->paths[i]);
	free(ir->paths);
	free(ir);
}

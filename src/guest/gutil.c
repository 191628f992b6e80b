/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gutil.c: GUIDs, UTF-16 names and the path walk the guest readers share
 * (see gutil.h).
 *
 * The path walk keeps a stack of the directories it went through, so ".."
 * pops one (never the root) without asking the file system for a parent:
 * FAT's ".." entries and XFS's shortform parent pointers need not agree
 * with the way we came, and a hostile one could point anywhere.  A link's
 * target replaces the component it names: the rest of the path is appended
 * to it and the walk goes on from the link's directory (or from the root
 * when the target is absolute).  Invariants: the stack never holds more
 * than OVK_GPATH_MAX_DEPTH files, the path being walked never exceeds
 * GFS_MAX_PATH bytes, and at most GFS_MAX_SYMLINKS links are followed.
 */
#include "gutil.h"

#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/endian.h"

/* Directories deep in one walk: a path of GFS_MAX_PATH bytes has at most
 * half as many components ("a/a/a..."), and links only replace the path,
 * so a deeper stack is refused rather than grown. */
#define OVK_GPATH_MAX_DEPTH (GFS_MAX_PATH / 2 + 1)

void ovk_guid_str(const uint8_t g[16], char out[OVK_UUID_STR])
{
	snprintf(out, OVK_UUID_STR, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X",
		 le32_load(g), le16_load(g + 4), le16_load(g + 6), g[8], g[9], g[10], g[11],
		 g[12], g[13], g[14], g[15]);
}

void ovk_uuid_str(const uint8_t u[16], char out[OVK_UUID_STR])
{
	snprintf(out, OVK_UUID_STR, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 be32_load(u), be16_load(u + 4), be16_load(u + 6), u[8], u[9], u[10], u[11],
		 u[12], u[13], u[14], u[15]);
}

/* The UTF-8 bytes of code point c into b (4 bytes of room); their count. */
static size_t utf8_put(uint32_t c, char *b)
{
	if (c < 0x80) {
		b[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		b[0] = (char)(0xc0 | c >> 6);
		b[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		b[0] = (char)(0xe0 | c >> 12);
		b[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		b[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	b[0] = (char)(0xf0 | c >> 18);
	b[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	b[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	b[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

size_t ovk_utf16le_to_utf8(const uint8_t *in, size_t units, char *out, size_t cap)
{
	size_t n = 0;

	if (cap == 0)
		return 0;
	for (size_t i = 0; i < units; i++) {
		uint32_t c = le16_load(in + 2 * i);
		char b[4];
		size_t k;

		if (c == 0)
			break;
		if (c >= 0xd800 && c < 0xdc00 && i + 1 < units) {
			uint32_t lo = le16_load(in + 2 * (i + 1));

			if (lo >= 0xdc00 && lo < 0xe000) {
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				i++;
			}
		}
		if (c >= 0xd800 && c < 0xe000)
			c = 0xfffd;
		k = utf8_put(c, b);
		if (n + k >= cap)
			break;
		memcpy(out + n, b, k);
		n += k;
	}
	out[n] = '\0';
	return n;
}

void ovk_error_printable(struct ovk_error *err)
{
	if (!err)
		return;
	for (char *c = err->msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

int ovk_gfs_attach(struct ovk_gfs *fs, const struct ovk_gfs_ops *ops, struct ovk_gdisk *disk,
		   struct ovk_error *err)
{
	fs->ops = ops;
	return ovk_gdisk_window(disk, 0, ovk_gdisk_size(disk), ovk_gdisk_name(disk), &fs->disk,
				err);
}

int ovk_gtext(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= cap;
}

/* State of one walk. */
struct walk {
	struct ovk_gfs *fs;
	const struct ovk_gpath_ops *ops;
	struct ovk_gfs_file *stack;
	size_t depth;
	char *path;               /* what is left to walk */
	char *tmp;                /* a link's target, then the new path */
	int links;
};

/* Follow link f met at component end `rest` of w->path. */
static int follow(struct walk *w, const struct ovk_gfs_file *f, const char *rest,
		  struct ovk_error *err)
{
	size_t tlen, rlen = strlen(rest);

	if (++w->links > GFS_MAX_SYMLINKS)
		return ovk_error_set(err, ELOOP, "more than %d symbolic links", GFS_MAX_SYMLINKS);
	if (w->ops->readlink(w->fs, f, w->tmp, GFS_MAX_PATH + 1, err) < 0)
		return -1;
	tlen = strlen(w->tmp);
	if (tlen == 0)
		return ovk_error_set(err, ENOENT, "an empty symbolic link");
	if (tlen + 1 + rlen > GFS_MAX_PATH)
		return ovk_error_set(err, ENAMETOOLONG, "a symbolic link makes the path longer "
				     "than %d bytes", GFS_MAX_PATH);
	w->tmp[tlen] = '/';
	memcpy(w->tmp + tlen + 1, rest, rlen + 1);
	memcpy(w->path, w->tmp, tlen + 1 + rlen + 1);
	if (w->path[0] == '/')
		w->depth = 1;
	return 0;
}

/* One component [p, p + len) of the walk; *next is where the rest starts. */
static int step(struct walk *w, const char *p, size_t len, struct ovk_error *err)
{
	const struct ovk_gfs_file *top = &w->stack[w->depth - 1];
	struct ovk_gfs_file f;
	int r;

	if (len > GFS_MAX_NAME)
		return ovk_error_set(err, ENAMETOOLONG, "a name longer than %d bytes",
				     GFS_MAX_NAME);
	if (len == 1 && p[0] == '.')
		return 0;
	if (len == 2 && p[0] == '.' && p[1] == '.') {
		if (w->depth > 1)
			w->depth--;
		return 0;
	}
	if (top->type != OVK_GFS_DIR)
		return ovk_error_set(err, ENOTDIR, "\"%.*s\" is under a file that is not a "
				     "directory", (int)len, p);
	if ((r = w->ops->find(w->fs, top, p, len, &f, err)) < 0)
		return -1;
	if (r > 0)
		return ovk_error_set(err, ENOENT, "\"%.*s\" not found", (int)len, p);
	if (f.type == OVK_GFS_LINK && w->ops->readlink)
		return follow(w, &f, p + len, err) < 0 ? -1 : 1;
	if (w->depth >= OVK_GPATH_MAX_DEPTH)
		return ovk_error_set(err, ENAMETOOLONG, "more than %d directories deep",
				     OVK_GPATH_MAX_DEPTH);
	w->stack[w->depth++] = f;
	return 0;
}

int ovk_gpath_resolve(struct ovk_gfs *fs, const struct ovk_gfs_file *root,
		      const struct ovk_gpath_ops *ops, const char *path, struct ovk_gfs_file *out,
		      struct ovk_error *err)
{
	struct walk w = { .fs = fs, .ops = ops, .depth = 1 };
	size_t plen = strlen(path);
	const char *p;
	int ret = -1, r;

	if (path[0] != '/' || plen > GFS_MAX_PATH) {
		ovk_error_set(err, EINVAL, "not an absolute path of at most %d bytes",
			      GFS_MAX_PATH);
		goto out;
	}
	w.stack = malloc(OVK_GPATH_MAX_DEPTH * sizeof *w.stack);
	w.path = malloc(GFS_MAX_PATH + 2);
	w.tmp = malloc(GFS_MAX_PATH + 2);
	if (!w.stack || !w.path || !w.tmp) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	w.stack[0] = *root;
	memcpy(w.path, path, plen + 1);
	for (p = w.path;;) {
		const char *q;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		q = strchrnul(p, '/');
		if ((r = step(&w, p, (size_t)(q - p), err)) < 0)
			goto out;
		p = r > 0 ? w.path : q;   /* a link rewrote the path */
	}
	*out = w.stack[w.depth - 1];
	ret = 0;
out:
	if (ret < 0) {
		ovk_error_prefix(err, "%s on %s: %s", fs->ops->name, ovk_gdisk_name(fs->disk),
				 path);
		ovk_error_printable(err);
	}
	free(w.stack);
	free(w.path);
	free(w.tmp);
	return ret;
}

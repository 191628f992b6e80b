/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * container_io.c: Files whose bytes are not one member as stored.
 *
 *   chunked  (ovf:chunkSize)  href.000000000, href.000000001, ... read one
 *            after the other as one stream.  Chunks are opened lazily, so a
 *            streamed OVA still reads each once, in order.  The count comes
 *            from ovf:size when given, else chunks are read until the next
 *            one is missing.
 *   gzip     (ovf:compression="gzip")  inflated as a stream (core/codec.h);
 *            concatenated gzip members are inflated in turn, as gunzip does.
 * Both produce stream blobs (blob.h): the formats read them forward.
 * ovk_appliance_open_file() picks the way in for a File (and checks its
 * ovf:size); ovk_appliance_check_refs() checks every File before any is
 * read.  The
 * same gunzip inflates a whole-gzip OVA for the tar reader (tar.h).  The
 * OVF spec applies compression first and chunking second, so a File that
 * is both is joined first, then inflated.
 */
#include "container_priv.h"

#include <errno.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/checked.h"
#include "core/codec.h"

/* Input buffer for inflate: big enough to keep zlib's calls few. */
#define GZ_IN_BUF ((size_t)256 << 10)

char *ovk_appliance_chunk_name(const char *href, uint64_t i)
{
	char *s;

	if (asprintf(&s, "%s.%09llu", href, (unsigned long long)i) < 0)
		return NULL;
	return s;
}

/* ------------------------------------------------------------ chunks */

struct chunked {
	struct ovk_appliance *app;
	char *href;
	unsigned flags;
	uint64_t next;          /* index of the next chunk to open */
	uint64_t count;         /* chunks, or UINT64_MAX when unknown */
	uint64_t chunk_size;
	uint64_t expect;        /* total bytes, or UINT64_MAX when unknown */
	uint64_t done;
	struct ovk_blob *cur;
};

static void chunked_close(void *opaque)
{
	struct chunked *c = opaque;

	ovk_blob_free(c->cur);
	ovk_appliance_free(c->app);
	free(c->href);
	free(c);
}

/* Open the next chunk: 1 when open, 0 when there are no more. */
static int chunked_next(struct chunked *c, struct ovk_error *err)
{
	char *name;
	int r;

	if (c->next >= c->count)
		return 0;
	name = ovk_appliance_chunk_name(c->href, c->next);
	if (!name)
		return ovk_error_set(err, ENOMEM, "out of memory");
	r = ovk_appliance_open_member(c->app, name, c->flags, &c->cur, err);
	free(name);
	if (r != 0) {
		/* With no ovf:size, the first missing chunk after chunk 0 ends it. */
		if (c->count == UINT64_MAX && c->next > 0 && err && err->errnum == ENOENT)
			return 0;
		return -1;
	}
	if (ovk_blob_size(c->cur) != UINT64_MAX && ovk_blob_size(c->cur) > c->chunk_size)
		return ovk_error_set(err, EINVAL, "%s: chunk %llu has %llu bytes, more than "
				     "ovf:chunkSize %llu", c->href, (unsigned long long)c->next,
				     (unsigned long long)ovk_blob_size(c->cur),
				     (unsigned long long)c->chunk_size);
	c->next++;
	return 1;
}

static ssize_t chunked_read(void *opaque, void *buf, size_t len, struct ovk_error *err)
{
	struct chunked *c = opaque;

	for (;;) {
		ssize_t n;
		int r;

		if (!c->cur) {
			r = chunked_next(c, err);
			if (r < 0)
				return -1;
			if (r == 0)
				break;
		}
		n = ovk_blob_read(c->cur, buf, len, err);
		if (n < 0)
			return -1;
		if (n > 0) {
			c->done += (uint64_t)n;
			return n;
		}
		ovk_blob_free(c->cur);
		c->cur = NULL;
	}
	if (c->expect != UINT64_MAX && c->done != c->expect)
		return ovk_error_set(err, EIO, "%s: the chunks hold %llu bytes, but ovf:size is "
				     "%llu", c->href, (unsigned long long)c->done,
				     (unsigned long long)c->expect);
	return 0;
}

int ovk_appliance_open_chunked(struct ovk_appliance *app, const struct ovk_ovf_file *file,
			       unsigned flags, struct ovk_blob **out, struct ovk_error *err)
{
	struct chunked *c = calloc(1, sizeof *c);
	char *name = NULL;
	int ret = -1;

	if (!c || !(c->href = strdup(file->href))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	c->app = app;
	ovk_appliance_ref(app);
	c->flags = flags;
	c->chunk_size = file->chunk_size;
	c->count = UINT64_MAX;
	c->expect = UINT64_MAX;
	if (file->has_size) {
		/* size / chunk rounded up, without overflow. */
		c->count = file->size / file->chunk_size + (file->size % file->chunk_size != 0);
		if (c->count > OVK_APPLIANCE_MAX_CHUNKS) {
			ovk_error_set(err, E2BIG, "%s: File '%s' would have %llu chunks, more than "
				      "%d", app->path, file->href, (unsigned long long)c->count,
				      OVK_APPLIANCE_MAX_CHUNKS);
			goto out;
		}
		c->expect = file->size;
	}
	if (asprintf(&name, "%s:%s", app->path, file->href) < 0) {
		name = NULL;
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (ovk_blob_stream(name, file->href, c->expect, chunked_read, c, chunked_close, out,
			    err) != 0)
		goto out;
	c = NULL;
	ret = 0;
out:
	if (c)
		chunked_close(c);
	free(name);
	return ret;
}

/* ------------------------------------------------------------ gzip */

struct gunzip {
	struct ovk_blob *base;
	struct ovk_gunzip *z;
	uint64_t produced, max;
	int ended;              /* the last gzip member ended with no input left */
	uint8_t *in;
	const uint8_t *next_in;
	size_t avail_in;
};

static void gunzip_close(void *opaque)
{
	struct gunzip *g = opaque;

	ovk_gunzip_free(g->z);
	ovk_blob_free(g->base);
	free(g->in);
	free(g);
}

/* More input: 1, or 0 at the end of the base, -1 on error. */
static int gunzip_fill(struct gunzip *g, struct ovk_error *err)
{
	ssize_t n = ovk_blob_read(g->base, g->in, GZ_IN_BUF, err);

	if (n < 0)
		return -1;
	g->next_in = g->in;
	g->avail_in = (size_t)n;
	return n > 0;
}

static ssize_t gunzip_read(void *opaque, void *buf, size_t len, struct ovk_error *err)
{
	struct gunzip *g = opaque;
	uint8_t *out = buf;
	size_t room = len;
	int r;

	while (!g->ended && room == len) {
		if (g->avail_in == 0) {
			r = gunzip_fill(g, err);
			if (r < 0)
				return -1;
			if (r == 0)
				return ovk_error_set(err, EIO, "gzip data ends early");
		}
		r = ovk_gunzip_step(g->z, &g->next_in, &g->avail_in, &out, &room, err);
		/* The stream blob names itself ("NAME (gunzip)") in the error. */
		if (r < 0)
			return -1;
		if (r == 1) {
			/* Another gzip member may follow. */
			if (g->avail_in == 0 && (r = gunzip_fill(g, err)) <= 0) {
				if (r < 0)
					return -1;
				g->ended = 1;
				break;
			}
			ovk_gunzip_reset(g->z);
		}
	}
	g->produced += len - room;
	if (g->produced > g->max)
		return ovk_error_set(err, EFBIG, "inflates to more than %llu bytes, more than its "
				     "Disk's ovf:capacity allows (capacity + 1/%u + %llu MiB)",
				     (unsigned long long)g->max, OVK_OVA_INFLATE_SLACK_DIV,
				     (unsigned long long)(OVK_OVA_INFLATE_SLACK_BYTES >> 20));
	return (ssize_t)(len - room);
}

int ovk_ova_gunzip(struct ovk_blob *base, uint64_t max, struct ovk_blob **out,
		   struct ovk_error *err)
{
	struct gunzip *g = calloc(1, sizeof *g);
	char *bname = NULL;
	int ret = -1;

	if (!g || !(g->in = malloc(GZ_IN_BUF)) ||
	    asprintf(&bname, "%s (gunzip)", ovk_blob_name(base)) < 0) {
		bname = NULL;
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	g->base = base;
	g->max = max;
	base = NULL;
	if (ovk_gunzip_new(&g->z, err) < 0)
		goto out;
	if (ovk_blob_stream(bname, ovk_blob_location(g->base), UINT64_MAX, gunzip_read, g,
			    gunzip_close, out, err) != 0)
		goto out;
	g = NULL;
	ret = 0;
out:
	if (g)
		gunzip_close(g);
	ovk_blob_free(base);
	free(bname);
	return ret;
}

/* ------------------------------------------------------------ Files */

/* What a compressed File may inflate to: the disk image of its Disk's
 * capacity, and its metadata (OVK_OVA_INFLATE_SLACK); unbounded when no
 * Disk names it or the OVF is not known here. */
static uint64_t inflate_max(const struct ovk_appliance *app, const struct ovk_ovf_file *file)
{
	const struct ovk_ovf_envelope *env = app->named_env;
	uint64_t max = 0, m;

	for (size_t i = 0; env && i < env->n_disks; i++) {
		const struct ovk_ovf_disk *d = &env->disks[i];

		if (!d->file_ref || strcmp(d->file_ref, file->id) != 0)
			continue;
		if (ovk_add_overflow(d->capacity, d->capacity / OVK_OVA_INFLATE_SLACK_DIV, &m) ||
		    ovk_add_overflow(m, OVK_OVA_INFLATE_SLACK_BYTES, &m))
			return UINT64_MAX;
		max = m > max ? m : max;
	}
	return max ? max : UINT64_MAX;
}

/* A File's stored bytes against its ovf:size (size UINT64_MAX: not known
 * without reading). */
static int check_file_size(const struct ovk_appliance *app, const struct ovk_ovf_file *file,
			   uint64_t size, struct ovk_error *err)
{
	if (!file->has_size || size == UINT64_MAX || size == file->size)
		return 0;
	return ovk_error_set(err, EIO, "%s: File '%s' has %llu bytes, but the OVF says "
			     "ovf:size=%llu (truncated or altered?)", app->path, file->href,
			     (unsigned long long)size, (unsigned long long)file->size);
}

int ovk_appliance_open_file(struct ovk_appliance *app, const struct ovk_ovf_file *file,
			    unsigned flags, struct ovk_blob **out, struct ovk_error *err)
{
	struct ovk_blob *b = NULL;

	*out = NULL;
	if (file->chunk_size) {
		if (ovk_appliance_open_chunked(app, file, flags, &b, err) != 0)
			return -1;
	} else {
		if (ovk_appliance_open_member(app, file->href, flags, &b, err) != 0)
			return -1;
		if (check_file_size(app, file, ovk_blob_size(b), err) < 0) {
			ovk_blob_free(b);
			return -1;
		}
	}
	if (file->compression)
		return ovk_ova_gunzip(b, inflate_max(app, file), out, err);
	*out = b;
	return 0;
}

/* Whether the package holds `name` (a stream's members ahead of us are not
 * known yet: reading them says), and its stored size when that is known
 * without reading (else UINT64_MAX: a stream, a sparse member, a name that
 * is not a regular file, which its open refuses). */
static int find_ref(const struct ovk_appliance *app, const char *name, uint64_t *size)
{
	const struct ovk_tar_member *m;
	struct stat st;
	char *p = NULL;
	int found;

	*size = UINT64_MAX;
	if (app->kind == OVK_APPLIANCE_OVA) {
		m = ovk_appliance_find_member(app, name);
		if (m && !m->sparse)
			*size = m->size;
		return m != NULL;
	}
	if (app->kind != OVK_APPLIANCE_OVF)
		return 1;
	if (asprintf(&p, "%s/%s", app->dir, name) < 0)
		return 0;
	if (lstat(p, &st) == 0 && S_ISREG(st.st_mode)) {
		*size = (uint64_t)st.st_size;
		found = 1;
	} else {
		found = stat(p, &st) == 0;
	}
	free(p);
	return found;
}

/* Every File is inside the package and present; all the missing ones are
 * named at once, so that a user fetches them in one go.  A present File
 * whose size is not its ovf:size fails here, before any disk converts. */
int ovk_appliance_check_refs(struct ovk_appliance *app, const struct ovk_ovf_envelope *env,
			     struct ovk_error *err)
{
	char missing[OVK_ERROR_MAX] = "";
	size_t n_missing = 0;
	char *first = NULL;
	uint64_t size;
	int ret = -1;

	for (size_t i = 0; i < env->n_files; i++) {
		const struct ovk_ovf_file *f = &env->files[i];

		free(first);
		first = f->chunk_size ? ovk_appliance_chunk_name(f->href, 0) : NULL;
		if (f->chunk_size && !first) {
			ovk_error_set(err, ENOMEM, "out of memory");
			goto out;
		}
		if (strstr(f->href, "://") || (!ovk_path_is_contained(f->href) &&
					       (app->kind != OVK_APPLIANCE_OVF ||
						!(app->flags & OVK_OPEN_UNSAFE_PATHS)))) {
			ovk_error_set(err, EPERM, "%s: File '%s': href '%s' is not inside the package",
				      app->path, f->id, f->href);
			goto out;
		}
		if (!find_ref(app, first ? first : f->href, &size)) {
			ovk_error_list_add(missing, sizeof missing, "File '%s': '%s'", f->id,
					   first ? first : f->href);
			n_missing++;
		} else if (!first && check_file_size(app, f, size, err) < 0) {
			goto out;
		}
	}
	if (n_missing == 1)
		ovk_error_set(err, ENOENT, "%s: %s is missing from the package", app->path, missing);
	else if (n_missing > 1)
		ovk_error_set(err, ENOENT, "%s: %zu files are missing from the package: %s", app->path,
			      n_missing, missing);
	else
		ret = 0;
out:
	free(first);
	return ret;
}

/* ------------------------------------------------------------ whole-OVA gzip */

static ssize_t fd_read(void *opaque, void *buf, size_t len, struct ovk_error *err)
{
	const struct ovk_appliance *app = opaque;
	ssize_t n;

	do
		n = read(app->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ovk_error_sys(err, errno, "%s", app->path);
	return n;
}

/* A whole-gzip OVA is inflated here (ovk_ova_gunzip, zlib), not
 * by libarchive, whose gzip filter never checks a member's CRC-32 and
 * ISIZE; the tar stream reads the gzip to its end after the tar's, so the
 * last trailer is checked too, and refuses a gzip inside the gzip.  0 when
 * `head` is not gzip (libarchive reads it). */
int ovk_appliance_open_gzip_stream(struct ovk_appliance *app, const uint8_t *head, size_t len,
				   struct ovk_error *err)
{
	struct ovk_blob *base = NULL, *gz = NULL;

	if (len < 2 || head[0] != 0x1f || head[1] != 0x8b)
		return 0;
	if (app->file ? ovk_blob_window(app->file, 0, ovk_blob_size(app->file), "OVA",
					app->path, &base, err) < 0
		      : ovk_blob_stream("OVA", app->path, UINT64_MAX, fd_read, app, NULL, &base,
					err) < 0)
		return -1;
	if (ovk_ova_gunzip(base, UINT64_MAX, &gz, err) < 0)
		return -1;
	return ovk_tar_stream_open_blob(gz, app->path, &app->ts, err) < 0 ? -1 : 1;
}

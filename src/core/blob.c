/*
 * blob.c: input bytes for the formats (see blob.h).
 *
 * Mapped blobs share one refcounted mapping (struct ovk_blob_map), so an OVA
 * member window outlives nothing it points into.  Zero-length files cannot
 * be mapped; they get data pointing at a static empty byte so that every
 * mapped blob has a non-NULL data.
 */
#include "blob.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checked.h"
#include "fileio.h"
#include "zero.h"

/* Bytes copied per read while spilling a stream to a file. */
#define SPILL_STEP ((size_t)1 << 20)
/* Zero detection in the copy: the file system's allocation unit. */
#define SPILL_BLOCK ((size_t)4096)

struct ovk_blob_map {
	int refs;
	void *addr;
	size_t len;
	int fd;
};

static const uint8_t empty_file[1];

static void map_unref(struct ovk_blob_map *m)
{
	if (!m || --m->refs > 0)
		return;
	if (m->addr && m->len)
		munmap(m->addr, m->len);
	if (m->fd >= 0)
		close(m->fd);
	free(m);
}

char *ovk_path_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* The default resolver: siblings are files in the directory of the blob. */
struct dir_resolver {
	struct ovk_resolver base;
	int refs;
	char *dir;
};

static int dir_resolver_open(struct ovk_resolver *r, const char *name, unsigned flags,
			     struct ovk_blob **out, struct ovk_error *err)
{
	struct dir_resolver *d = (struct dir_resolver *)r;
	char *path = NULL;
	int ret = -1;

	if (!(flags & OVK_OPEN_UNSAFE_PATHS) && !ovk_path_is_contained(name)) {
		ovk_error_set(err, EPERM,
			      "%s: refusing a path that is absolute or leaves the directory", name);
		goto out;
	}
	if (name[0] == '/')
		path = strdup(name);
	else if (asprintf(&path, "%s/%s", d->dir, name) < 0)
		path = NULL;
	if (!path) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	ret = ovk_blob_open_file(path, out, err);
out:
	free(path);
	return ret;
}

static void dir_resolver_ref(struct ovk_resolver *r)
{
	((struct dir_resolver *)r)->refs++;
}

static void dir_resolver_unref(struct ovk_resolver *r)
{
	struct dir_resolver *d = (struct dir_resolver *)r;

	if (--d->refs > 0)
		return;
	free(d->dir);
	free(d);
}

static struct ovk_resolver *dir_resolver_new(const char *path)
{
	struct dir_resolver *d = calloc(1, sizeof *d);

	if (!d)
		return NULL;
	d->dir = ovk_path_dir(path);
	if (!d->dir) {
		free(d);
		return NULL;
	}
	d->refs = 1;
	d->base.open = dir_resolver_open;
	d->base.ref = dir_resolver_ref;
	d->base.unref = dir_resolver_unref;
	return &d->base;
}

static int file_size(int fd, const struct stat *st, const char *path, uint64_t *size,
		     struct ovk_error *err)
{
	if (S_ISREG(st->st_mode)) {
		*size = (uint64_t)st->st_size;
		return 0;
	}
	if (S_ISBLK(st->st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, size) < 0)
			return ovk_error_sys(err, errno, "%s: cannot get block device size", path);
		return 0;
	}
	if (S_ISDIR(st->st_mode))
		return ovk_error_set(err, EISDIR, "%s: is a directory", path);
	return ovk_error_set(err, EINVAL, "%s: not a regular file or block device", path);
}

int ovk_blob_open_file(const char *path, struct ovk_blob **out, struct ovk_error *err)
{
	struct ovk_blob *b = NULL;
	struct stat st;
	uint64_t size = 0;
	int fd = -1;
	int ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ovk_error_sys(err, errno, "%s", path);
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		ovk_error_sys(err, errno, "%s: stat", path);
		goto out;
	}
	if (file_size(fd, &st, path, &size, err) < 0)
		goto out;
	if (size > SIZE_MAX) {
		ovk_error_set(err, EFBIG, "%s: too large to map", path);
		goto out;
	}
	b = calloc(1, sizeof *b);
	if (!b || !(b->map = calloc(1, sizeof *b->map)) || !(b->name = strdup(path))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	b->map->refs = 1;
	b->map->fd = -1;
	if (size > 0) {
		void *addr = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);

		/* ENOMEM: more than the address space we may have (ulimit -v,
		 * a 1 TiB sparse raw disk).  Such a file is read with pread. */
		if (addr == MAP_FAILED && errno != ENOMEM) {
			ovk_error_sys(err, errno, "%s: mmap", path);
			goto out;
		}
		if (addr != MAP_FAILED) {
			b->map->addr = addr;
			b->map->len = (size_t)size;
			b->data = addr;
		}
	} else {
		b->data = empty_file;
	}
	b->map->fd = fd;
	b->fd = fd;
	fd = -1;
	b->size = size;
	b->is_block_device = S_ISBLK(st.st_mode);
	b->alloc_bytes = S_ISREG(st.st_mode) ? (uint64_t)st.st_blocks * 512 : size;
	b->resolver = dir_resolver_new(path);
	if (!b->resolver) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	*out = b;
	b = NULL;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	ovk_blob_free(b);
	return ret;
}

/* A mapped blob on the file behind fd (which the caller still closes),
 * called `name`, resolving siblings through `resolver` (may be NULL). */
static int blob_from_fd(int fd, const char *name, struct ovk_resolver *resolver,
			struct ovk_blob **out, struct ovk_error *err)
{
	struct ovk_blob *b = NULL;
	char path[64];
	int ret = -1;

	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (ovk_blob_open_file(path, &b, err) < 0)
		goto out;
	free(b->name);
	if (!(b->name = strdup(name))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	/* Siblings are not beside /proc/self/fd. */
	b->resolver->unref(b->resolver);
	b->resolver = resolver;
	if (resolver)
		resolver->ref(resolver);
	*out = b;
	b = NULL;
	ret = 0;
out:
	ovk_blob_free(b);
	return ret;
}

int ovk_blob_from_memory(const char *name, const void *data, size_t size,
			 struct ovk_blob **out, struct ovk_error *err)
{
	int fd, ret = -1;

	fd = memfd_create("ovk_blob", MFD_CLOEXEC);
	if (fd < 0)
		return ovk_error_sys(err, errno, "%s: memfd", name);
	if (size && write(fd, data, size) != (ssize_t)size) {
		ovk_error_sys(err, errno, "%s: memfd write", name);
		goto out;
	}
	ret = blob_from_fd(fd, name, NULL, out, err);
out:
	close(fd);   /* the blob holds its own descriptor */
	return ret;
}

/* An unnamed file in dir: O_TMPFILE, or where the file system lacks it, a
 * name unlinked at once.  Either way nothing is left if we die. */
static int unnamed_temp_file(const char *dir, struct ovk_error *err)
{
	char *path = NULL;
	int fd;

	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || !ovk_tmpfile_unsupported(errno))
		goto out;
	if (asprintf(&path, "%s/.ovk-spill-XXXXXX", dir) < 0) {
		errno = ENOMEM;
		goto out;
	}
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
out:
	if (fd < 0)
		ovk_error_sys(err, errno, "cannot create a temp file in %s", dir);
	free(path);
	return fd;
}

/* Write buf at off, leaving its all-zero SPILL_BLOCKs as holes: a raw disk
 * is mostly zeros, and its copy should cost what its data does. */
static int write_sparse(int fd, const uint8_t *buf, size_t len, uint64_t off)
{
	size_t pos = 0, start, end;

	while (ovk_next_data_run(buf, len, SPILL_BLOCK, &pos, &start, &end))
		if (ovk_pwrite_all(fd, buf + start, end - start, off + start) < 0)
			return -1;
	return 0;
}

int ovk_blob_spill(struct ovk_blob *stream, const char *why, struct ovk_blob **out,
		   struct ovk_error *err)
{
	const struct ovk_spill *sp = stream->spill;
	uint8_t *buf = NULL;
	uint64_t size = 0;
	char *msg = NULL;
	int fd = -1, ret = -1;
	ssize_t n;

	if (!sp)
		return ovk_error_set(err, ENOTSUP, "%s: %s, and a stream cannot be copied here",
				     stream->name, why);
	if (sp->note && asprintf(&msg, "%s: %s, which a stream lacks: copying it to a temp "
				 "file in %s first", stream->name, why, sp->dir) >= 0)
		sp->note(sp->note_opaque, msg);
	if ((fd = unnamed_temp_file(sp->dir, err)) < 0)
		goto out;
	if (!(buf = malloc(SPILL_STEP))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	while ((n = ovk_blob_read(stream, buf, SPILL_STEP, err)) > 0) {
		if (sp->cancel && *sp->cancel) {
			ovk_error_set(err, ECANCELED, "%s: interrupted", stream->name);
			goto out;
		}
		if (write_sparse(fd, buf, (size_t)n, size) < 0) {
			ovk_error_sys(err, errno, "%s: copying to a temp file in %s", stream->name,
				      sp->dir);
			goto out;
		}
		size += (uint64_t)n;
	}
	if (n < 0)
		goto out;
	if (ftruncate(fd, (off_t)size) < 0) {
		ovk_error_sys(err, errno, "%s: copying to a temp file in %s", stream->name, sp->dir);
		goto out;
	}
	if (blob_from_fd(fd, stream->name, stream->resolver, out, err) < 0)
		goto out;
	(*out)->origin = stream;
	(*out)->spill = sp;
	ret = 0;
out:
	free(msg);
	free(buf);
	if (fd >= 0)
		close(fd);   /* the blob holds its own descriptor */
	return ret;
}

int ovk_blob_window(struct ovk_blob *parent, uint64_t off, uint64_t len, const char *name,
		    struct ovk_resolver *resolver, struct ovk_blob **out, struct ovk_error *err)
{
	struct ovk_blob *b;

	if (ovk_blob_is_stream(parent))
		return ovk_error_set(err, EINVAL, "%s: cannot window a stream", parent->name);
	if (!ovk_range_ok(off, len, parent->size))
		return ovk_error_set(err, ERANGE,
				     "%s: window %llu+%llu beyond end of file (size %llu)",
				     parent->name, (unsigned long long)off,
				     (unsigned long long)len, (unsigned long long)parent->size);
	b = calloc(1, sizeof *b);
	if (!b || !(b->name = strdup(name))) {
		free(b);
		return ovk_error_set(err, ENOMEM, "out of memory");
	}
	b->data = parent->data ? parent->data + off : NULL;
	b->size = len;
	b->fd = parent->fd;
	b->fd_offset = parent->fd_offset + off;
	b->alloc_bytes = len;
	b->map = parent->map;
	if (b->map)
		b->map->refs++;
	b->resolver = resolver;
	if (resolver)
		resolver->ref(resolver);
	*out = b;
	return 0;
}

int ovk_blob_stream(const char *name, uint64_t size, ovk_blob_read_fn fn, void *opaque,
		    void (*close_fn)(void *opaque), struct ovk_resolver *resolver,
		    struct ovk_blob **out, struct ovk_error *err)
{
	struct ovk_blob *b = calloc(1, sizeof *b);

	if (!b || !(b->name = strdup(name))) {
		free(b);
		return ovk_error_set(err, ENOMEM, "out of memory");
	}
	b->size = size;
	b->fd = -1;
	b->read_fn = fn;
	b->read_opaque = opaque;
	b->read_close = close_fn;
	b->resolver = resolver;
	if (resolver)
		resolver->ref(resolver);
	*out = b;
	return 0;
}

/* Read from the underlying stream or mapping, past any peeked bytes. */
static ssize_t raw_read(struct ovk_blob *b, uint8_t *buf, size_t len, struct ovk_error *err)
{
	size_t got = 0;

	if (!ovk_blob_is_stream(b)) {
		uint64_t left = b->size - ovk_min_u64(b->stream_pos, b->size);
		size_t n = (size_t)ovk_min_u64(left, len);

		if (ovk_blob_pread(b, b->stream_pos, buf, n, err) < 0)
			return -1;
		b->stream_pos += n;
		return (ssize_t)n;
	}
	while (got < len) {
		ssize_t n = b->read_fn(b->read_opaque, buf + got, len - got, err);

		if (n < 0)
			return ovk_error_name(err, b->name);
		if (n == 0)
			break;
		if (b->tap)
			b->tap(b->tap_opaque, buf + got, (size_t)n);
		got += (size_t)n;
	}
	b->stream_pos += got;
	return (ssize_t)got;
}

ssize_t ovk_blob_read(struct ovk_blob *b, void *buf, size_t len, struct ovk_error *err)
{
	uint8_t *p = buf;
	size_t from_peek = 0;
	ssize_t n;

	if (b->peek_pos < b->peek_len) {
		from_peek = ovk_min_u64(len, b->peek_len - b->peek_pos);
		memcpy(p, b->peek_buf + b->peek_pos, from_peek);
		b->peek_pos += from_peek;
		if (b->peek_pos == b->peek_len) {
			free(b->peek_buf);
			b->peek_buf = NULL;
			b->peek_len = b->peek_pos = 0;
		}
	}
	if (from_peek == len)
		return (ssize_t)len;
	n = raw_read(b, p + from_peek, len - from_peek, err);
	if (n < 0)
		return -1;
	return (ssize_t)from_peek + n;
}

int ovk_blob_peek(struct ovk_blob *b, size_t len, const uint8_t **p, size_t *got,
		  struct ovk_error *err)
{
	size_t have = b->peek_len - b->peek_pos;
	uint8_t *nb;
	ssize_t n;

	if (b->data && b->peek_len == 0) {
		uint64_t pos = b->stream_pos;

		*p = b->data + ovk_min_u64(pos, b->size);
		*got = (size_t)ovk_min_u64(len, b->size - ovk_min_u64(pos, b->size));
		return 0;
	}
	if (have < len) {
		nb = malloc(len);
		if (!nb)
			return ovk_error_set(err, ENOMEM, "out of memory");
		if (have)
			memcpy(nb, b->peek_buf + b->peek_pos, have);
		n = raw_read(b, nb + have, len - have, err);
		if (n < 0) {
			free(nb);
			return -1;
		}
		free(b->peek_buf);
		b->peek_buf = nb;
		b->peek_pos = 0;
		b->peek_len = have + (size_t)n;
	}
	*p = b->peek_buf + b->peek_pos;
	*got = ovk_min_u64(len, b->peek_len - b->peek_pos);
	return 0;
}

int ovk_blob_skip(struct ovk_blob *b, uint64_t n, struct ovk_error *err)
{
	uint8_t scratch[65536];

	if (!ovk_blob_is_stream(b) && b->peek_len == 0) {
		if (ovk_add_overflow(b->stream_pos, n, &b->stream_pos))
			return ovk_error_set(err, ERANGE, "%s: skip overflows", b->name);
		return 0;
	}
	while (n > 0) {
		size_t want = (size_t)ovk_min_u64(n, sizeof scratch);
		ssize_t got = ovk_blob_read(b, scratch, want, err);

		if (got < 0)
			return -1;
		if (got == 0)
			return ovk_error_set(err, EIO, "%s: unexpected end of stream", b->name);
		n -= (uint64_t)got;
	}
	return 0;
}

int ovk_blob_pread(const struct ovk_blob *b, uint64_t off, void *buf, size_t len,
		   struct ovk_error *err)
{
	uint8_t *p = buf;

	if (ovk_blob_is_stream(b))
		return ovk_error_set(err, EINVAL, "%s: random access on a stream", b->name);
	if (!ovk_range_ok(off, len, b->size))
		return ovk_error_set(err, ERANGE,
				     "%s: read of %zu bytes at %llu beyond end of file (size %llu)",
				     b->name, len, (unsigned long long)off,
				     (unsigned long long)b->size);
	if (b->data) {
		memcpy(buf, b->data + off, len);
		return 0;
	}
	while (len > 0) {
		ssize_t n = pread(b->fd, p, len, (off_t)(b->fd_offset + off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ovk_error_sys(err, n < 0 ? errno : EIO,
					     "%s: read at offset %llu", b->name,
					     (unsigned long long)off);
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int ovk_blob_open_sibling(struct ovk_blob *b, const char *name, unsigned flags,
			  struct ovk_blob **out, struct ovk_error *err)
{
	if (!b->resolver)
		return ovk_error_set(err, ENOENT, "%s: no way to open %s beside it", b->name, name);
	if (b->resolver->open(b->resolver, name, flags, out, err) < 0)
		return -1;
	(*out)->spill = b->spill;
	return 0;
}

void ovk_blob_advise_sequential(struct ovk_blob *b)
{
	if (b->data && b->map && b->map->addr && b->size)
		madvise(b->map->addr, b->map->len, MADV_SEQUENTIAL);
}

void ovk_blob_release_range(struct ovk_blob *b, uint64_t off, uint64_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start, end, lo, hi;

	if (!b->data || !b->map || !b->map->addr || len == 0)
		return;
	if (!ovk_range_ok(off, len, b->size))
		len = off < b->size ? b->size - off : 0;
	if (len == 0)
		return;
	/* Only whole pages inside the window, so a neighbour's pages stay. */
	start = (uintptr_t)(b->data + off);
	end = start + (uintptr_t)len;
	lo = (start + page - 1) & ~(page - 1);
	hi = end & ~(page - 1);
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

void ovk_blob_release(struct ovk_blob *b, uint64_t upto)
{
	ovk_blob_release_range(b, 0, upto);
}

void ovk_blob_free(struct ovk_blob *b)
{
	if (!b)
		return;
	if (b->read_close)
		b->read_close(b->read_opaque);
	if (b->resolver)
		b->resolver->unref(b->resolver);
	map_unref(b->map);
	ovk_blob_free(b->origin);
	free(b->peek_buf);
	free(b->name);
	free(b);
}

int ovk_path_is_contained(const char *name)
{
	const char *p = name;

	if (!name || !*name || name[0] == '/')
		return 0;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 0;
		p += n;
		while (*p == '/')
			p++;
	}
	return 1;
}

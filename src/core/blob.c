/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * blob.c: input bytes for the formats (see blob.h): files and windows of
 * them, mapped or read with pread, and forward-only streams with a peek
 * buffer.
 *
 * Mapped blobs share one refcounted mapping (struct blob_map), so an OVA
 * member window outlives nothing it points into.  Zero-length files cannot
 * be mapped; they get data pointing at a static empty byte so that every
 * mapped blob has a non-NULL data.
 */
#include "blob.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checked.h"

/* What a stream's skip reads into. */
#define SKIP_STEP ((size_t)64 << 10)

struct blob_map {
	int refs;
	void *addr;
	size_t len;
	int fd;
};

struct ovk_blob {
	char *name;
	char *location;
	const uint8_t *data;      /* mapped bytes, or NULL */
	uint64_t size;            /* UINT64_MAX: a stream of unknown size */
	int fd;                   /* the file behind a mapped or unmapped blob, or -1 */
	uint64_t fd_offset;       /* where byte 0 sits in fd (windows) */
	int is_block_device;
	uint64_t alloc_bytes;
	struct blob_map *map;     /* shared, refcounted; NULL for streams */

	uint64_t pos;             /* the read cursor */
	ovk_blob_read_fn read_fn; /* streams */
	ovk_blob_pread_fn pread_fn;   /* ranged blobs */
	void *read_opaque;        /* the producer's, for either */
	void (*read_close)(void *opaque);
	uint8_t *peek_buf;        /* stream bytes peeked but not yet consumed */
	size_t peek_len, peek_pos;
	int touched;
};

static const uint8_t empty_file[1];

static void map_unref(struct blob_map *m)
{
	if (!m || --m->refs > 0)
		return;
	if (m->addr && m->len)
		munmap(m->addr, m->len);
	if (m->fd >= 0)
		close(m->fd);
	free(m);
}

/* A blob with its two names set, everything else empty. */
static struct ovk_blob *blob_new(const char *name, const char *location)
{
	struct ovk_blob *b = calloc(1, sizeof *b);

	if (!b)
		return NULL;
	b->fd = -1;
	b->name = strdup(name);
	b->location = strdup(location);
	if (!b->name || !b->location) {
		ovk_blob_free(b);
		return NULL;
	}
	return b;
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

/* Map the file behind fd (taken over, also on failure) into a new blob. */
static int blob_map_fd(int fd, const char *name, const char *location, struct ovk_blob **out,
		       struct ovk_error *err)
{
	struct ovk_blob *b = NULL;
	struct stat st;
	uint64_t size = 0;
	int ret = -1;

	if (fstat(fd, &st) < 0) {
		ovk_error_sys(err, errno, "%s: stat", name);
		goto out;
	}
	if (file_size(fd, &st, name, &size, err) < 0)
		goto out;
	if (size > SIZE_MAX) {
		ovk_error_set(err, EFBIG, "%s: too large to map", name);
		goto out;
	}
	if (!(b = blob_new(name, location)) || !(b->map = calloc(1, sizeof *b->map))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	b->map->refs = 1;
	b->map->fd = fd;
	b->fd = fd;
	fd = -1;
	if (size > 0) {
		void *addr = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, b->fd, 0);

		/* ENOMEM: more than the address space we may have (ulimit -v,
		 * a 1 TiB sparse raw disk).  Such a file is read with pread. */
		if (addr == MAP_FAILED && errno != ENOMEM) {
			ovk_error_sys(err, errno, "%s: mmap", name);
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
	b->size = size;
	b->is_block_device = S_ISBLK(st.st_mode);
	b->alloc_bytes = S_ISREG(st.st_mode) ? (uint64_t)st.st_blocks * 512 : size;
	*out = b;
	b = NULL;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	ovk_blob_free(b);
	return ret;
}

int ovk_blob_open_file(const char *path, struct ovk_blob **out, struct ovk_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return ovk_error_sys(err, errno, "%s", path);
	return blob_map_fd(fd, path, path, out, err);
}

int ovk_blob_open_fd(int fd, const char *name, const char *location, struct ovk_blob **out,
		     struct ovk_error *err)
{
	int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	if (own < 0)
		return ovk_error_sys(err, errno, "%s", name);
	return blob_map_fd(own, name, location, out, err);
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
	ret = ovk_blob_open_fd(fd, name, name, out, err);
out:
	close(fd);
	return ret;
}

int ovk_blob_window(const struct ovk_blob *parent, uint64_t off, uint64_t len, const char *name,
		    const char *location, struct ovk_blob **out, struct ovk_error *err)
{
	struct ovk_blob *b;

	if (!parent->map)
		return ovk_error_set(err, EINVAL, "%s: only a file can be windowed", parent->name);
	if (!ovk_range_ok(off, len, parent->size))
		return ovk_error_set(err, ERANGE,
				     "%s: window %llu+%llu beyond end of file (size %llu)",
				     parent->name, (unsigned long long)off,
				     (unsigned long long)len, (unsigned long long)parent->size);
	if (!(b = blob_new(name, location)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	b->data = parent->data ? parent->data + off : NULL;
	b->size = len;
	b->fd = parent->fd;
	b->fd_offset = parent->fd_offset + off;
	b->alloc_bytes = len;
	b->map = parent->map;
	b->map->refs++;
	*out = b;
	return 0;
}

int ovk_blob_stream(const char *name, const char *location, uint64_t size, ovk_blob_read_fn fn,
		    void *opaque, void (*close_fn)(void *opaque), struct ovk_blob **out,
		    struct ovk_error *err)
{
	struct ovk_blob *b = blob_new(name, location);

	if (!b)
		return ovk_error_set(err, ENOMEM, "out of memory");
	b->size = size;
	b->read_fn = fn;
	b->read_opaque = opaque;
	b->read_close = close_fn;
	*out = b;
	return 0;
}

int ovk_blob_ranged(const char *name, const char *location, uint64_t size, ovk_blob_pread_fn fn,
		    void *opaque, void (*close_fn)(void *opaque), struct ovk_blob **out,
		    struct ovk_error *err)
{
	struct ovk_blob *b = blob_new(name, location);

	if (!b)
		return ovk_error_set(err, ENOMEM, "out of memory");
	b->size = size;
	b->alloc_bytes = size;
	b->pread_fn = fn;
	b->read_opaque = opaque;
	b->read_close = close_fn;
	*out = b;
	return 0;
}

const char *ovk_blob_name(const struct ovk_blob *b)
{
	return b->name;
}

const char *ovk_blob_location(const struct ovk_blob *b)
{
	return b->location;
}

uint64_t ovk_blob_size(const struct ovk_blob *b)
{
	return b->size;
}

const uint8_t *ovk_blob_data(const struct ovk_blob *b)
{
	return b->data;
}

int ovk_blob_is_stream(const struct ovk_blob *b)
{
	return b->read_fn != NULL;
}

int ovk_blob_is_block_device(const struct ovk_blob *b)
{
	return b->is_block_device;
}

uint64_t ovk_blob_allocated(const struct ovk_blob *b)
{
	return b->alloc_bytes;
}

uint64_t ovk_blob_consumed(const struct ovk_blob *b)
{
	return b->pos - (b->peek_len - b->peek_pos);
}

int ovk_blob_untouched(const struct ovk_blob *b)
{
	return !b->touched;
}

/* Read from the producer or the file, past any peeked bytes. */
static ssize_t fill(struct ovk_blob *b, uint8_t *buf, size_t len, struct ovk_error *err)
{
	size_t got = 0;

	b->touched = 1;
	if (!ovk_blob_is_stream(b)) {
		uint64_t left = b->size - ovk_min_u64(b->pos, b->size);
		size_t n = (size_t)ovk_min_u64(left, len);

		if (ovk_blob_pread(b, b->pos, buf, n, err) < 0)
			return -1;
		b->pos += n;
		return (ssize_t)n;
	}
	while (got < len) {
		ssize_t n = b->read_fn(b->read_opaque, buf + got, len - got, err);

		if (n < 0)
			return ovk_error_name(err, b->name);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	b->pos += got;
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
	n = fill(b, p + from_peek, len - from_peek, err);
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

	b->touched = 1;
	if (b->data && b->peek_len == 0) {
		*p = b->data + ovk_min_u64(b->pos, b->size);
		*got = (size_t)ovk_min_u64(len, b->size - ovk_min_u64(b->pos, b->size));
		return 0;
	}
	if (have < len) {
		nb = malloc(len);
		if (!nb)
			return ovk_error_set(err, ENOMEM, "out of memory");
		if (have)
			memcpy(nb, b->peek_buf + b->peek_pos, have);
		n = fill(b, nb + have, len - have, err);
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

/* Read and drop n bytes of a stream; its end before them is an error
 * unless `end_ok`. */
static int discard(struct ovk_blob *b, uint64_t n, int end_ok, struct ovk_error *err)
{
	uint8_t *scratch;
	int ret = -1;

	if (!(scratch = malloc(SKIP_STEP)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	while (n > 0) {
		size_t want = (size_t)ovk_min_u64(n, SKIP_STEP);
		ssize_t got = ovk_blob_read(b, scratch, want, err);

		if (got < 0)
			goto out;
		if (got == 0) {
			if (end_ok)
				break;
			ovk_error_set(err, EIO, "%s: unexpected end of stream", b->name);
			goto out;
		}
		n -= (uint64_t)got;
	}
	ret = 0;
out:
	free(scratch);
	return ret;
}

int ovk_blob_skip(struct ovk_blob *b, uint64_t n, struct ovk_error *err)
{
	b->touched = 1;
	if (!ovk_blob_is_stream(b) && b->peek_len == 0) {
		if (ovk_add_overflow(b->pos, n, &b->pos))
			return ovk_error_set(err, ERANGE, "%s: skip overflows", b->name);
		return 0;
	}
	return discard(b, n, 0, err);
}

int ovk_blob_read_to_end(struct ovk_blob *b, struct ovk_error *err)
{
	return ovk_blob_is_stream(b) ? discard(b, UINT64_MAX, 1, err) : 0;
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
	if (b->pread_fn)
		return b->pread_fn(b->read_opaque, off, buf, len, err) < 0 ?
			       ovk_error_name(err, b->name) : 0;
	/* pread even where the file is mapped: the bytes come from the page
	 * cache either way, and a copy costs far less than the faults that
	 * would map them (engine/pipeline.c). */
	while (len > 0) {
		ssize_t n = pread(b->fd, p, len, (off_t)(b->fd_offset + off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ovk_error_sys(err, errno, "%s: read at offset %llu", b->name,
					     (unsigned long long)off);
		if (n == 0)
			return ovk_error_set(err, EIO, "%s: the file ends before offset %llu: "
					     "it changed size while it was read", b->name,
					     (unsigned long long)off);
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

void ovk_blob_find_data(const struct ovk_blob *b, uint64_t pos, uint64_t *data,
			uint64_t *hole)
{
	off_t d, h;

	*data = pos;
	*hole = b->size;
	if (ovk_blob_is_stream(b) || b->is_block_device || b->fd < 0)
		return;
	d = lseek(b->fd, (off_t)(b->fd_offset + pos), SEEK_DATA);
	if (d < 0) {
		/* ENXIO: no data after pos.  Anything else: treat as data. */
		if (errno == ENXIO)
			*data = b->size;
		return;
	}
	*data = ovk_min_u64((uint64_t)d - b->fd_offset, b->size);
	h = lseek(b->fd, d, SEEK_HOLE);
	if (h >= 0)
		*hole = ovk_min_u64((uint64_t)h - b->fd_offset, b->size);
}

void ovk_blob_advise_sequential(const struct ovk_blob *b)
{
	if (b->data && b->map && b->map->addr && b->size)
		madvise(b->map->addr, b->map->len, MADV_SEQUENTIAL);
}

void ovk_blob_release_range(const struct ovk_blob *b, uint64_t off, uint64_t len)
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

void ovk_blob_free(struct ovk_blob *b)
{
	if (!b)
		return;
	if (b->read_close)
		b->read_close(b->read_opaque);
	map_unref(b->map);
	free(b->peek_buf);
	free(b->name);
	free(b->location);
	free(b);
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

int ovk_unnamed_temp_file(const char *dir, struct ovk_error *err)
{
	char *path = NULL;
	int fd;

	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || !ovk_tmpfile_unsupported(errno))
		goto out;
	if (asprintf(&path, "%s/.ovk-tmp-XXXXXX", dir) < 0) {
		path = NULL;
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

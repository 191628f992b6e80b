/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * open.c: opening the files an image names (see open.h): the host file
 * system resolver, sibling names joined to the asking file's directory and
 * checked, and the temp-file copy of a stream that needs random access.
 */
#include "open.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "cancel.h"
#include "fileio.h"
#include "zero.h"

/* Bytes copied per read while spilling a stream to a file. */
#define SPILL_STEP ((size_t)1 << 20)
/* Zero detection in the copy: the file system's allocation unit. */
#define SPILL_BLOCK ((size_t)4096)

/* What a file that is not regular is, for the message. */
static const char *file_kind(mode_t mode)
{
	return S_ISFIFO(mode) ? "a FIFO" : S_ISBLK(mode) ? "a block device" :
	       S_ISCHR(mode) ? "a character device" : S_ISSOCK(mode) ? "a socket" :
	       S_ISDIR(mode) ? "a directory" : "not a regular file";
}

/* openat2() beneath dirfd with no link followed; -1 with errno, ENOSYS on
 * a kernel before 5.6 (glibc 2.36 has no wrapper). */
static int open_beneath(int dirfd, const char *name, int oflags)
{
	struct open_how how = {
		.flags = (uint64_t)oflags,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, dirfd, name, &how, sizeof how);
}

int ovk_open_named_file(const char *dir, const char *name, int unsafe, const char *shown,
			int *fd, struct ovk_error *err)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	const int oflags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	int dirfd = -1, f = -1, ret = -1;
	struct stat st;

	*fd = -1;
	if (unsafe && name[0] == '/') {
		f = open(name, oflags);
	} else if ((dirfd = open(dir[0] ? dir : ".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		ovk_error_sys(err, errno, "%s: its directory %s", shown, dir);
		goto out;
	} else if (unsafe) {
		f = openat(dirfd, name, oflags);
	} else if ((f = open_beneath(dirfd, name, oflags)) < 0 && errno == ENOSYS) {
		f = openat(dirfd, name, oflags | O_NOFOLLOW);
	}
	if (f < 0) {
		if (errno == ELOOP)
			ovk_error_set(err, ELOOP, "%s: a symbolic link on the way; links named "
				      "by an appliance or image are not followed", shown);
		else if (errno == EXDEV)
			ovk_error_set(err, EPERM, "%s: leaves the directory that names it",
				      shown);
		else
			ovk_error_sys(err, errno, "%s", shown);
		goto out;
	}
	if (fstat(f, &st) < 0) {
		ovk_error_sys(err, errno, "%s", shown);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ovk_error_set(err, EPERM, "%s: %s; only regular files are read where an "
			      "appliance or image names them", shown, file_kind(st.st_mode));
		goto out;
	}
	if (fcntl(f, F_SETFL, fcntl(f, F_GETFL) & ~O_NONBLOCK) < 0) {
		ovk_error_sys(err, errno, "%s", shown);
		goto out;
	}
	*fd = f;
	f = -1;
	ret = 0;
out:
	if (f >= 0)
		close(f);
	if (dirfd >= 0)
		close(dirfd);
	return ret;
}

/* The host resolver, for a location a caller already trusts;
 * ovk_open_sibling() opens the host's siblings itself, beneath their
 * directory. */
static int fs_open(const struct ovk_resolver *r, const char *location, unsigned flags,
		   struct ovk_blob **out, struct ovk_error *err)
{
	(void)r;
	(void)flags;
	return ovk_blob_open_file(location, out, err);
}

const struct ovk_resolver ovk_fs_resolver = { .open = fs_open };

/* `name` as seen from the directory of `base`: "dir/name", or name itself
 * when absolute or when base has no directory.  malloc'ed. */
static char *join_to_dir_of(const char *base, const char *name)
{
	const char *slash = strrchr(base, '/');
	char *path = NULL;

	if (name[0] == '/' || !slash)
		return strdup(name);
	if (asprintf(&path, "%.*s/%s", (int)(slash - base), base, name) < 0)
		return NULL;
	return path;
}

/* A sibling on the host: name, beneath the directory of base. */
static int open_host_sibling(const char *base, const char *name, unsigned flags,
			     const char *location, struct ovk_blob **out, struct ovk_error *err)
{
	const char *slash = strrchr(base, '/');
	char *dir = slash ? strndup(base, (size_t)(slash - base) + (slash == base)) : strdup("");
	int fd = -1, ret = -1;

	if (!dir)
		return ovk_error_set(err, ENOMEM, "out of memory");
	if (ovk_open_named_file(dir, name, (flags & OVK_OPEN_UNSAFE_PATHS) != 0, location, &fd,
				err) == 0)
		ret = ovk_blob_open_fd(fd, location, location, out, err);
	if (fd >= 0)
		close(fd);
	free(dir);
	return ret;
}

int ovk_open_sibling(const struct ovk_open_ctx *ctx, const struct ovk_blob *of,
		     const char *name, struct ovk_blob **out, struct ovk_error *err)
{
	const struct ovk_resolver *r = ctx->resolver ? ctx->resolver : &ovk_fs_resolver;
	char *location = NULL;
	int ret = -1;

	if (!(ctx->flags & OVK_OPEN_UNSAFE_PATHS) && !ovk_path_is_contained(name)) {
		ovk_error_set(err, EPERM, "\"%s\": refusing a path that is absolute or leaves "
			      "the directory of the image that names it (allow with unsafe paths)",
			      name);
		goto out;
	}
	if (!(location = join_to_dir_of(ovk_blob_location(of), name))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (r == &ovk_fs_resolver)
		ret = open_host_sibling(ovk_blob_location(of), name, ctx->flags, location, out,
					err);
	else
		ret = r->open(r, location, ctx->flags, out, err);
out:
	free(location);
	return ret;
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

/* Copy the rest of `stream` into fd; *size is what was copied. */
static int copy_stream(const struct ovk_spill_policy *sp, struct ovk_blob *stream, int fd,
		       uint64_t *size, struct ovk_error *err)
{
	uint8_t *buf = malloc(SPILL_STEP);
	int ret = -1;
	ssize_t n;

	*size = 0;
	if (!buf)
		return ovk_error_set(err, ENOMEM, "out of memory");
	while ((n = ovk_blob_read(stream, buf, SPILL_STEP, err)) > 0) {
		if (ovk_cancelled(sp->cancel)) {
			ovk_error_set(err, ECANCELED, "%s: interrupted", ovk_blob_name(stream));
			goto out;
		}
		if (write_sparse(fd, buf, (size_t)n, *size) < 0)
			goto fail;
		*size += (uint64_t)n;
	}
	if (n < 0)
		goto out;
	if (ftruncate(fd, (off_t)*size) < 0)
		goto fail;
	ret = 0;
	goto out;
fail:
	ovk_error_sys(err, errno, "%s: copying to a temp file in %s", ovk_blob_name(stream),
		      sp->dir);
out:
	free(buf);
	return ret;
}

int ovk_spill(const struct ovk_open_ctx *ctx, struct ovk_blob *stream, const char *why,
	      struct ovk_blob **out, struct ovk_error *err)
{
	const struct ovk_spill_policy *sp = ctx->spill;
	const char *name = ovk_blob_name(stream);
	uint64_t size;
	char *msg = NULL;
	int fd = -1, ret = -1;

	if (!sp)
		return ovk_error_set(err, ENOTSUP, "%s: %s, and a stream cannot be copied here",
				     name, why);
	if (sp->note) {
		if (asprintf(&msg, "%s: %s, which a stream lacks: copying it to a temp file in "
			     "%s first", name, why, sp->dir) < 0)
			msg = NULL;
		if (msg)
			sp->note(sp->note_opaque, msg);
	}
	if ((fd = ovk_unnamed_temp_file(sp->dir, err)) < 0 ||
	    copy_stream(sp, stream, fd, &size, err) < 0 ||
	    ovk_blob_open_fd(fd, name, ovk_blob_location(stream), out, err) < 0)
		goto out;
	ovk_blob_free(stream);
	ret = 0;
out:
	free(msg);
	if (fd >= 0)
		close(fd);   /* the blob holds its own descriptor */
	return ret;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * output.c: no partial output, ever.
 *
 * A new output is created as an anonymous O_TMPFILE in the target directory
 * and linked into place only when complete, so even SIGKILL leaves nothing
 * behind.  Where the file system lacks O_TMPFILE, a named hidden temp file
 * is used and unlinked on failure.  With --force the complete file is linked
 * under a temp name and renamed over the old one, which is atomic.  A block
 * device the user named is written in place: there is nothing to rename.
 * An existing name is looked at with lstat: a symbolic link is a name that
 * exists (--force replaces the link, never what it points to), so neither
 * a link to a device nor one planted in the output directory redirects
 * the bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"

/* Tries at finding a free temp name before giving up. */
#define TEMP_NAME_TRIES 100

/* A hidden name beside path.  The random part comes from getrandom(), not
 * random(): the library must not touch the process's random state. */
static int make_temp_name(const char *path, char **out)
{
	char *dir = ovk_path_dir(path);
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	uint32_t nonce = 0;
	int r;

	if (!dir)
		return -1;
	if (getrandom(&nonce, sizeof nonce, GRND_NONBLOCK) != (ssize_t)sizeof nonce)
		nonce = (uint32_t)(uintptr_t)&nonce ^ (uint32_t)time(NULL);
	r = asprintf(out, "%s/.%s.%ld.%08x.tmp", dir, base, (long)getpid(), (unsigned)nonce);
	free(dir);
	return r < 0 ? -1 : 0;
}

char *ovk_output_stage_name(const char *path)
{
	char *name = NULL;

	return make_temp_name(path, &name) < 0 ? NULL : name;
}

static int open_named_temp(struct ovk_output *o, struct ovk_error *err)
{
	for (int i = 0; i < TEMP_NAME_TRIES; i++) {
		free(o->tmp_path);
		o->tmp_path = NULL;
		if (make_temp_name(o->path, &o->tmp_path) < 0)
			return ovk_error_set(err, ENOMEM, "out of memory");
		o->fd = open(o->tmp_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (o->fd >= 0)
			return 0;
		if (errno != EEXIST)
			return ovk_error_sys(err, errno, "%s: cannot create", o->path);
	}
	return ovk_error_set(err, EEXIST, "%s: no free temporary name", o->path);
}

int ovk_output_check(const char *path, int force, int named_by_user, const char *force_option,
		     struct ovk_error *err)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : ovk_error_sys(err, errno, "%s", path);
	if (S_ISBLK(st.st_mode))
		return named_by_user ? 2 : ovk_error_set(err, EEXIST, "%s: a block device where a "
							 "disk file is to be made; not written",
							 path);
	if (S_ISDIR(st.st_mode))
		return ovk_error_set(err, EISDIR, "%s: is a directory", path);
	if (!force)
		return ovk_error_set(err, EEXIST, "%s: already exists%s (use %s to %s)", path,
				     S_ISLNK(st.st_mode) ? " as a symbolic link" :
				     S_ISREG(st.st_mode) ? "" : " and is not a regular file",
				     force_option, S_ISLNK(st.st_mode) ? "replace the link, not what it points to" :
				     S_ISREG(st.st_mode) ? "overwrite" : "replace it");
	return 1;
}

int ovk_output_open(const char *path, int force, int named_by_user, struct ovk_output *o,
		    struct ovk_error *err)
{
	char *dir = NULL;
	int ret = -1, exists;

	memset(o, 0, sizeof *o);
	o->fd = -1;
	if (!(o->path = strdup(path))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if ((exists = ovk_output_check(path, force, named_by_user, "--force", err)) < 0)
		goto out;
	if (exists == 2) {
		o->fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (o->fd < 0) {
			ovk_error_sys(err, errno, "%s", path);
			goto out;
		}
		o->is_block_device = 1;
		ret = 0;
		goto out;
	}
	if (!(dir = ovk_path_dir(path))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	o->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
	if (o->fd >= 0) {
		o->anonymous = 1;
	} else if (ovk_tmpfile_unsupported(errno)) {
		if (open_named_temp(o, err) < 0)
			goto out;
	} else {
		ovk_error_sys(err, errno, "%s: cannot create", path);
		goto out;
	}
	ret = 0;
out:
	free(dir);
	if (ret < 0)
		ovk_output_discard(o);
	return ret;
}

/* Give the anonymous file the name `name` (which must not exist). */
static int link_anonymous(int fd, const char *name)
{
	char proc[64];

	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno == ENOENT)  /* no /proc: needs CAP_DAC_READ_SEARCH */
		return linkat(fd, "", AT_FDCWD, name, AT_EMPTY_PATH);
	return -1;
}

int ovk_output_commit(struct ovk_output *o, int force, struct ovk_error *err)
{
	int ret = -1;

	if (o->is_block_device) {
		ret = 0;
		goto out;
	}
	if (o->anonymous && !force) {
		if (link_anonymous(o->fd, o->path) < 0) {
			ovk_error_sys(err, errno, "%s: cannot create", o->path);
			goto out;
		}
		ret = 0;
		goto out;
	}
	if (o->anonymous) {
		for (int i = 0; i < TEMP_NAME_TRIES && !o->tmp_path; i++) {
			if (make_temp_name(o->path, &o->tmp_path) < 0) {
				ovk_error_set(err, ENOMEM, "out of memory");
				goto out;
			}
			if (link_anonymous(o->fd, o->tmp_path) < 0) {
				int e = errno;

				free(o->tmp_path);
				o->tmp_path = NULL;
				if (e != EEXIST) {
					ovk_error_sys(err, e, "%s: cannot create", o->path);
					goto out;
				}
			}
		}
	}
	if (!o->tmp_path || rename(o->tmp_path, o->path) < 0) {
		ovk_error_sys(err, errno, "%s: cannot rename into place", o->path);
		goto out;
	}
	free(o->tmp_path);
	o->tmp_path = NULL;
	ret = 0;
out:
	if (ret == 0) {
		close(o->fd);
		o->fd = -1;
		free(o->path);
		o->path = NULL;
	}
	ovk_output_discard(o);
	return ret;
}

void ovk_output_discard(struct ovk_output *o)
{
	if (o->tmp_path) {
		unlink(o->tmp_path);
		free(o->tmp_path);
		o->tmp_path = NULL;
	}
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	free(o->path);
	o->path = NULL;
}

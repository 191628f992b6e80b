/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * container.c: opening an appliance (.ova, .ovf, or a directory), its
 * metadata members, member blobs, and the resolver through which the
 * engine opens the members an image names.
 *
 * The three shapes share one entry point, ovk_appliance_open_member(), so
 * that everything above (chunked Files, gzip, the plan, VMDK siblings) is
 * written once, and once a verifier is set every member it opens is
 * wrapped by it (verify.h):
 *   OVA         index lookup, then a window of the mapping;
 *   OVA_STREAM  skip forward to the member, then a stream blob reading
 *               libarchive's data; metadata members met on the way are kept;
 *   OVF         a file inside the descriptor's directory, mapped.
 *
 * Invariants of a streamed appliance: the tar is read once, forward; at
 * most one member is MEMBER_OPEN, and a blob holds the `generation` it was
 * opened in, so that reading it after the stream moved on fails instead of
 * returning another member's bytes.
 */
#include "container_priv.h"

#include <dirent.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ova/manifest.h"

/* The head we look at to tell a tar from an OVF: one tar header. */
#define PROBE_LEN 512

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

static const char *base_name(const char *s)
{
	const char *slash = strrchr(s, '/');

	return slash ? slash + 1 : s;
}

void ovk_appliance_ref(struct ovk_appliance *app)
{
	app->refs++;
}

static void meta_clear(struct meta *m)
{
	free(m->name);
	free(m->buf);
	memset(m, 0, sizeof *m);
}

void ovk_appliance_free(struct ovk_appliance *app)
{
	if (!app || --app->refs > 0)
		return;
	meta_clear(&app->ovf);
	meta_clear(&app->mf);
	meta_clear(&app->cert);
	ovk_tar_stream_free(app->ts);
	if (app->fd >= 0)
		close(app->fd);
	ovk_tar_members_free(app->members, app->n_members);
	ovk_blob_free(app->file);
	free(app->cur_name);
	for (size_t i = 0; i < app->n_seen; i++)
		free(app->seen[i]);
	free(app->seen);
	free(app->path);
	free(app->dir);
	free(app);
}

/* ------------------------------------------------------------ resolver */

/* Siblings of a member are members: locations are member names (or, for a
 * directory appliance with unsafe paths, any path).  Only a directory
 * appliance may reach out, and only when asked. */
static int resolver_open(const struct ovk_resolver *r, const char *location, unsigned flags,
			 struct ovk_blob **out, struct ovk_error *err)
{
	struct ovk_appliance *app = (struct ovk_appliance *)((const char *)r -
							     offsetof(struct ovk_appliance, resolver));

	return ovk_appliance_open_member(app, location, flags, out, err);
}

const struct ovk_resolver *ovk_appliance_resolver(struct ovk_appliance *app)
{
	return &app->resolver;
}

/* ------------------------------------------------------------ streams */

struct member_stream {
	struct ovk_appliance *app;
	uint64_t generation;
	uint64_t size, consumed;
};

static ssize_t member_stream_read(void *opaque, void *buf, size_t len, struct ovk_error *err)
{
	struct member_stream *ms = opaque;
	struct ovk_appliance *app = ms->app;
	ssize_t n;

	if (app->generation != ms->generation || app->cur_state != MEMBER_OPEN) {
		/* Read whole before the stream moved on (a descriptor, then its
		 * extent): nothing was skipped, so this is just the end. */
		if (ms->consumed == ms->size)
			return 0;
		return ovk_error_set(err, EINVAL, "the stream has moved past this member "
				     "(a streamed OVA is read once, in order)");
	}
	n = ovk_tar_stream_read(app->ts, buf, len, err);
	if (n > 0)
		ms->consumed += (uint64_t)n;
	return n;
}

static void member_stream_close(void *opaque)
{
	struct member_stream *ms = opaque;

	ovk_appliance_free(ms->app);
	free(ms);
}

/* Read the pending member whole into m (metadata only). */
static int stream_slurp(struct ovk_appliance *app, struct meta *m, struct ovk_error *err)
{
	size_t got = 0;

	if (app->cur_size > OVK_APPLIANCE_MAX_META)
		return ovk_error_set(err, EFBIG, "%s: member '%s' has %llu bytes; too large for "
				     "metadata", app->path, app->cur_name,
				     (unsigned long long)app->cur_size);
	meta_clear(m);
	m->name = strdup(app->cur_name);
	m->buf = malloc(app->cur_size ? app->cur_size : 1);
	if (!m->name || !m->buf)
		return ovk_error_set(err, ENOMEM, "out of memory");
	while (got < app->cur_size) {
		ssize_t n = ovk_tar_stream_read(app->ts, m->buf + got, app->cur_size - got, err);

		if (n < 0)
			return -1;
		if (n == 0)
			return ovk_error_set(err, EIO, "%s: member '%s' is truncated", app->path,
					     m->name);
		got += (size_t)n;
	}
	m->len = got;
	app->cur_state = MEMBER_NONE;
	return 0;
}

/* The one rule for which manifest and certificate count, for plain and
 * compressed OVAs alike: those named after the descriptor (x.ovf: x.mf and
 * x.cert), wherever they are in the archive.  Another .mf or .cert is
 * refused, not ignored: producers write one of each, and a second one
 * is there so that two tools, each picking its own, see different
 * manifests; a warning would let the package through for the tool that
 * picked the forged one. */
static int companion_check(const struct ovk_appliance *app, const char *ovf, const char *name,
			   struct ovk_error *err)
{
	size_t stem = strlen(ovf) - strlen(".ovf");
	const char *ext = strrchr(name, '.');

	if (ext && (size_t)(ext - name) == stem && strncmp(name, ovf, stem) == 0)
		return 0;
	return ovk_error_set(err, EINVAL, "%s: member '%s' is not named after the descriptor "
			     "'%s': only '%.*s.mf' and '%.*s.cert' count, and another manifest or "
			     "certificate is refused", app->path, name, ovf, (int)stem, ovf,
			     (int)stem, ovf);
}

/* A stream meets its metadata in archive order: a second manifest (or
 * certificate) is refused whenever it comes, a misnamed one as soon as the
 * descriptor is known. */
static int stream_meta_check(const struct ovk_appliance *app, const struct meta *slot,
			     const char *name, struct ovk_error *err)
{
	if (slot == &app->ovf) {
		if (app->ovf.buf)
			return ovk_error_set(err, EINVAL, "%s: two descriptors, '%s' and '%s'",
					     app->path, app->ovf.name, name);
		if (app->mf.buf && companion_check(app, name, app->mf.name, err) < 0)
			return -1;
		return app->cert.buf ? companion_check(app, name, app->cert.name, err) : 0;
	}
	if (slot->buf)
		return ovk_error_set(err, EINVAL, "%s: two %s, '%s' and '%s'; only the one named "
				     "after the descriptor counts, and another is refused",
				     app->path, slot == &app->mf ? "manifests" : "certificates",
				     slot->name, name);
	return app->ovf.buf ? companion_check(app, app->ovf.name, name, err) : 0;
}

/* Where a metadata member goes, or NULL for data. */
static struct meta *meta_slot(struct ovk_appliance *app, const char *name)
{
	if (ends_with(name, ".ovf"))
		return &app->ovf;
	if (ends_with(name, ".mf"))
		return &app->mf;
	if (ends_with(name, ".cert"))
		return &app->cert;
	return NULL;
}

static int remember_seen(struct ovk_appliance *app, const char *name, struct ovk_error *err)
{
	if (app->n_seen == OVK_APPLIANCE_MAX_STREAM_MEMBERS)
		return ovk_error_set(err, E2BIG, "%s: more than %d members", app->path,
				     OVK_APPLIANCE_MAX_STREAM_MEMBERS);
	if (app->n_seen == app->seen_cap) {
		size_t cap = app->seen_cap ? app->seen_cap * 2 : 16;
		char **n = realloc(app->seen, cap * sizeof *n);

		if (!n)
			return ovk_error_set(err, ENOMEM, "out of memory");
		app->seen = n;
		app->seen_cap = cap;
	}
	if (!(app->seen[app->n_seen] = strdup(name)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	app->n_seen++;
	return 0;
}

static int open_member(struct ovk_appliance *app, const char *name, unsigned flags,
		       struct ovk_blob **out, struct ovk_error *err);

int ovk_appliance_has_member(struct ovk_appliance *app, const char *name)
{
	struct ovk_blob *b = NULL;
	struct ovk_error ignored;

	if (app->kind == OVK_APPLIANCE_OVA_STREAM) {
		for (size_t i = 0; i < app->n_seen; i++)
			if (strcmp(app->seen[i], name) == 0)
				return 1;
		return 0;
	}
	/* Not ovk_appliance_open_member(): looking is not reading, and must
	 * not hash the member. */
	if (open_member(app, name, 0, &b, &ignored) < 0)
		return 0;
	ovk_blob_free(b);
	return 1;
}

void ovk_appliance_set_named(struct ovk_appliance *app, const struct ovk_ovf_envelope *env,
			     const struct ovk_manifest *mf)
{
	app->named_env = env;
	app->named_mf = mf;
}

/* Whether the OVF or the manifest names member `name`: a File's href, a
 * chunk of a chunked File (href.NNNNNNNNN), a manifest entry. */
static int member_named(const struct ovk_appliance *app, const char *name)
{
	const struct ovk_ovf_envelope *env = app->named_env;
	size_t n = strlen(name);

	for (size_t i = 0; env && i < env->n_files; i++) {
		const struct ovk_ovf_file *f = &env->files[i];
		size_t h = strlen(f->href);

		if (strcmp(f->href, name) == 0)
			return 1;
		if (f->chunk_size && n == h + 10 && strncmp(name, f->href, h) == 0 &&
		    name[h] == '.' && strspn(name + h + 1, "0123456789") == 9)
			return 1;
	}
	for (size_t i = 0; app->named_mf && i < app->named_mf->n_entries; i++)
		if (strcmp(app->named_mf->entries[i].name, name) == 0)
			return 1;
	return 0;
}

/* Passing the pending member unread: in a compressed stream that costs
 * inflating it, allowed for what the package names and for small ones. */
static int stream_may_pass(const struct ovk_appliance *app, struct ovk_error *err)
{
	if (app->cur_state != MEMBER_PENDING || !app->named_env ||
	    app->cur_size <= OVK_APPLIANCE_MAX_UNNAMED_SKIP || !ovk_tar_stream_compressed(app->ts) ||
	    member_named(app, app->cur_name))
		return 0;
	return ovk_error_set(err, EFBIG, "%s: member '%s' (%llu bytes) is named by neither the "
			     "OVF nor the manifest; a compressed OVA cannot skip it without "
			     "inflating it, so it is refused (more than %llu bytes)", app->path,
			     app->cur_name, (unsigned long long)app->cur_size,
			     (unsigned long long)OVK_APPLIANCE_MAX_UNNAMED_SKIP);
}

/* Move to the next header; metadata members are read and kept on the way.
 * 1 when a data member is pending, 0 at the end. */
static int stream_advance(struct ovk_appliance *app, struct ovk_error *err)
{
	/* A member being verified is read to its end first: moving on would
	 * skip its rest unhashed. */
	if (app->verify && app->cur_state == MEMBER_OPEN && ovk_verify_drain(app->verify, err) < 0)
		return -1;
	if (stream_may_pass(app, err) < 0)
		return -1;
	for (;;) {
		const char *name;
		uint64_t size;
		struct meta *slot;
		int r;

		app->generation++;
		app->cur_state = MEMBER_NONE;
		r = ovk_tar_stream_next(app->ts, &name, &size, err);
		if (r <= 0) {
			app->at_end = r == 0;
			return r;
		}
		free(app->cur_name);
		app->cur_name = strdup(name);
		if (!app->cur_name)
			return ovk_error_set(err, ENOMEM, "out of memory");
		if (remember_seen(app, name, err) < 0)
			return -1;
		app->cur_size = size;
		app->cur_state = MEMBER_PENDING;
		slot = meta_slot(app, name);
		if (!slot)
			return 1;
		if (stream_meta_check(app, slot, name, err) < 0)
			return -1;
		if (stream_slurp(app, slot, err) != 0)
			return -1;
	}
}

static int stream_open_member(struct ovk_appliance *app, const char *name,
			      struct ovk_blob **out, struct ovk_error *err)
{
	struct member_stream *ms;
	char *bname = NULL;
	int ret = -1;

	while (!(app->cur_state == MEMBER_PENDING && strcmp(app->cur_name, name) == 0)) {
		int r;

		if (app->at_end) {
			ovk_error_set(err, ENOENT, "%s: no member '%s' ahead in the archive (a "
				      "streamed OVA is read once, in order)", app->path, name);
			goto out;
		}
		r = stream_advance(app, err);
		if (r < 0)
			goto out;
	}
	ms = calloc(1, sizeof *ms);
	if (!ms || asprintf(&bname, "%s:%s", app->path, name) < 0) {
		bname = NULL;
		free(ms);
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	ms->app = app;
	ms->generation = app->generation;
	ms->size = app->cur_size;
	ovk_appliance_ref(app);
	if (ovk_blob_stream(bname, name, app->cur_size, member_stream_read, ms,
			    member_stream_close, out, err) != 0) {
		member_stream_close(ms);
		goto out;
	}
	app->cur_state = MEMBER_OPEN;
	ret = 0;
out:
	free(bname);
	return ret;
}

/* ------------------------------------------------------------ members */

const struct ovk_tar_member *ovk_appliance_find_member(const struct ovk_appliance *app,
						       const char *name)
{
	for (size_t i = 0; i < app->n_members; i++)
		if (strcmp(app->members[i].name, name) == 0)
			return &app->members[i];
	return NULL;
}

static int ova_open_member(struct ovk_appliance *app, const char *name, struct ovk_blob **out,
			   struct ovk_error *err)
{
	const struct ovk_tar_member *m = ovk_appliance_find_member(app, name);
	char *bname = NULL;
	int ret = -1;

	if (!m) {
		ovk_error_set(err, ENOENT, "%s: no member '%s'", app->path, name);
		goto out;
	}
	if (m->sparse) {
		ovk_error_set(err, ENOTSUP, "%s: member '%s' is a sparse file; not supported",
			      app->path, name);
		goto out;
	}
	if (asprintf(&bname, "%s:%s", app->path, name) < 0) {
		bname = NULL;
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	ret = ovk_blob_window(app->file, m->offset, m->size, bname, name, out, err);
out:
	free(bname);
	return ret;
}

/* A file inside the descriptor's directory: a regular file reached with
 * no link (ovk_open_named_file).  Named by its path for messages, located
 * by the member name: its siblings (extents, backing files) are members
 * too, checked the same way, so a linked extent cannot read a host file
 * into the guest disk, and with the paths unsafe, what it reads must still
 * be in the manifest. */
static int dir_open_member(struct ovk_appliance *app, const char *name, unsigned flags,
			   struct ovk_blob **out, struct ovk_error *err)
{
	char *path = NULL;
	int fd = -1, ret = -1;

	/* Absolute only with OVK_OPEN_UNSAFE_PATHS (ovk_appliance_open_member). */
	if (name[0] == '/' ? !(path = strdup(name)) : asprintf(&path, "%s/%s", app->dir, name) < 0) {
		path = NULL;
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (ovk_open_named_file(app->dir, name, (flags & OVK_OPEN_UNSAFE_PATHS) != 0, path, &fd,
				err) < 0)
		goto out;
	ret = ovk_blob_open_fd(fd, path, name, out, err);
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return ret;
}

/* A member by name, unchecked. */
static int open_member(struct ovk_appliance *app, const char *name, unsigned flags,
		       struct ovk_blob **out, struct ovk_error *err)
{
	*out = NULL;
	if (strstr(name, "://"))
		return ovk_error_set(err, ENOTSUP, "%s: '%s' is a URL; only files inside the "
				     "package are read", app->path, name);
	if (!ovk_path_is_contained(name) &&
	    (app->kind != OVK_APPLIANCE_OVF || !(flags & OVK_OPEN_UNSAFE_PATHS)))
		return ovk_error_set(err, EPERM, "%s: '%s' is absolute or leaves the package",
				     app->path, name);
	switch (app->kind) {
	case OVK_APPLIANCE_OVA:
		return ova_open_member(app, name, out, err);
	case OVK_APPLIANCE_OVA_STREAM:
		return stream_open_member(app, name, out, err);
	case OVK_APPLIANCE_OVF:
		return dir_open_member(app, name, flags, out, err);
	}
	return ovk_error_set(err, EINVAL, "bad appliance");
}

int ovk_appliance_open_member(struct ovk_appliance *app, const char *name, unsigned flags,
			      struct ovk_blob **out, struct ovk_error *err)
{
	struct ovk_blob *b;

	if (open_member(app, name, flags, &b, err) < 0)
		return -1;
	if (!app->verify) {
		*out = b;
		return 0;
	}
	return ovk_verify_wrap(app->verify, name, b, out, err);
}

void ovk_appliance_set_verify(struct ovk_appliance *app, struct ovk_verify *v)
{
	app->verify = v;
}

/* ------------------------------------------------------------ opening */

static int copy_meta(struct ovk_appliance *app, const struct ovk_tar_member *m,
		     struct meta *slot, struct ovk_error *err)
{
	if (m->size > OVK_APPLIANCE_MAX_META)
		return ovk_error_set(err, EFBIG, "%s: member '%s' has %llu bytes; too large for "
				     "metadata", app->path, m->name, (unsigned long long)m->size);
	slot->name = strdup(m->name);
	slot->buf = malloc(m->size ? m->size : 1);
	if (!slot->name || !slot->buf)
		return ovk_error_set(err, ENOMEM, "out of memory");
	memcpy(slot->buf, ovk_blob_data(app->file) + m->offset, m->size);
	slot->len = m->size;
	return 0;
}

/* Pick the .ovf (exactly one), and the .mf and .cert named after it
 * (companion_check: any other is refused). */
static int ova_pick_meta(struct ovk_appliance *app, struct ovk_error *err)
{
	const struct ovk_tar_member *ovf = NULL, *mf = NULL, *cert = NULL;

	for (size_t i = 0; i < app->n_members; i++) {
		const struct ovk_tar_member *m = &app->members[i];

		if (!ends_with(m->name, ".ovf"))
			continue;
		if (ovf)
			return ovk_error_set(err, EINVAL, "%s: two descriptors, '%s' and '%s'",
					     app->path, ovf->name, m->name);
		ovf = m;
	}
	if (!ovf)
		return ovk_error_set(err, ENOENT, "%s: no .ovf descriptor in the archive",
				     app->path);
	for (size_t i = 0; i < app->n_members; i++) {
		const struct ovk_tar_member *m = &app->members[i];
		int is_mf = ends_with(m->name, ".mf");

		if (!is_mf && !ends_with(m->name, ".cert"))
			continue;
		if (companion_check(app, ovf->name, m->name, err) < 0)
			return -1;
		*(is_mf ? &mf : &cert) = m;
	}
	if (copy_meta(app, ovf, &app->ovf, err) != 0 ||
	    (mf && copy_meta(app, mf, &app->mf, err) != 0) ||
	    (cert && copy_meta(app, cert, &app->cert, err) != 0))
		return -1;
	return 0;
}

static int open_ova(struct ovk_appliance *app, struct ovk_error *err)
{
	int compressed = 0, r;
	uint8_t head[2];
	ssize_t n;

	if (!(app->flags & OVK_OPEN_STREAM)) {
		if (ovk_blob_open_file(app->path, &app->file, err) != 0)
			return -1;
		if (ovk_blob_data(app->file) == NULL)
			return ovk_error_set(err, EFBIG, "%s: too large to map; read it as a "
					     "stream", app->path);
		if (ovk_tar_index(ovk_blob_data(app->file), ovk_blob_size(app->file), app->path,
				  &app->members, &app->n_members, &compressed, err) != 0 &&
		    !compressed)
			return -1;
		if (!compressed) {
			app->kind = OVK_APPLIANCE_OVA;
			return ova_pick_meta(app, err);
		}
		r = ovk_appliance_open_gzip_stream(app, ovk_blob_data(app->file), ovk_blob_size(app->file), err);
		if (r < 0 || (r == 0 && ovk_tar_stream_open_memory(ovk_blob_data(app->file),
								   ovk_blob_size(app->file),
								   app->path, &app->ts, err) != 0))
			return -1;
	} else {
		app->fd = open(app->path, O_RDONLY | O_CLOEXEC);
		if (app->fd < 0)
			return ovk_error_sys(err, errno, "%s", app->path);
		n = pread(app->fd, head, sizeof head, 0);
		r = ovk_appliance_open_gzip_stream(app, head, n > 0 ? (size_t)n : 0, err);
		if (r < 0 || (r == 0 && ovk_tar_stream_open_fd(app->fd, app->path, &app->ts,
							       err) != 0))
			return -1;
	}
	app->kind = OVK_APPLIANCE_OVA_STREAM;
	/* The descriptor must come before the disks: they cannot be read
	 * again once passed. */
	if (stream_advance(app, err) < 0)
		return -1;
	if (!app->ovf.buf)
		return ovk_error_set(err, ENOENT, "%s: %s before any .ovf descriptor (in a "
				     "streamed OVA the descriptor must come first)", app->path,
				     app->at_end ? "end of archive" : app->cur_name);
	return 0;
}

/* The descriptor or a companion into m.  `named`: the file was not named
 * by the user but found beside another (a companion, the .ovf of a
 * directory), so it opens as ovk_open_named_file() says. */
static int read_small_file(const struct ovk_appliance *app, const char *path, int named,
			   struct meta *m, struct ovk_error *err)
{
	struct ovk_blob *b = NULL;
	int fd = -1, ret = -1;

	if (named ? ovk_open_named_file(app->dir, base_name(path), 0, path, &fd, err) < 0 ||
		    ovk_blob_open_fd(fd, path, path, &b, err) < 0
		  : ovk_blob_open_file(path, &b, err) < 0)
		goto out;
	if (ovk_blob_size(b) > OVK_APPLIANCE_MAX_META) {
		ovk_error_set(err, EFBIG, "%s: %llu bytes; too large for metadata", path,
			      (unsigned long long)ovk_blob_size(b));
		goto out;
	}
	m->name = strdup(base_name(path));
	m->buf = malloc(ovk_blob_size(b) ? ovk_blob_size(b) : 1);
	if (!m->name || !m->buf) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	memcpy(m->buf, ovk_blob_data(b), ovk_blob_size(b));
	m->len = ovk_blob_size(b);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	ovk_blob_free(b);
	return ret;
}

/* An optional companion of the .ovf: same stem, other extension. */
static int read_companion(const struct ovk_appliance *app, const char *ovf_path, const char *ext,
			  struct meta *m, struct ovk_error *err)
{
	size_t stem = strlen(ovf_path) - 4;
	struct stat st;
	char *path = NULL;
	int ret = -1;

	if (asprintf(&path, "%.*s%s", (int)stem, ovf_path, ext) < 0) {
		path = NULL;
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	/* lstat: a link there is refused by name, not taken for absence */
	ret = lstat(path, &st) == 0 ? read_small_file(app, path, 1, m, err) : 0;
out:
	free(path);
	return ret;
}

/* The .ovf at ovf_path: named by the user, or found in their directory. */
static int open_ovf_file(struct ovk_appliance *app, const char *ovf_path, int found,
			 struct ovk_error *err)
{
	const char *slash = strrchr(ovf_path, '/');

	app->kind = OVK_APPLIANCE_OVF;
	app->dir = slash ? strndup(ovf_path, (size_t)(slash - ovf_path) + (slash == ovf_path))
			 : strdup(".");
	if (!app->dir)
		return ovk_error_set(err, ENOMEM, "out of memory");
	if (read_small_file(app, ovf_path, found, &app->ovf, err) != 0)
		return -1;
	if (!ends_with(ovf_path, ".ovf"))
		return 0;
	if (read_companion(app, ovf_path, ".mf", &app->mf, err) != 0 ||
	    read_companion(app, ovf_path, ".cert", &app->cert, err) != 0)
		return -1;
	return 0;
}

static int open_dir(struct ovk_appliance *app, struct ovk_error *err)
{
	DIR *d = opendir(app->path);
	struct dirent *de;
	char *found = NULL, *path = NULL;
	int ret = -1;

	if (!d)
		return ovk_error_sys(err, errno, "%s", app->path);
	while ((de = readdir(d))) {
		if (!ends_with(de->d_name, ".ovf") || de->d_name[0] == '.')
			continue;
		if (found) {
			ovk_error_set(err, EINVAL, "%s: several .ovf files ('%s', '%s'); give the "
				      "one to use", app->path, found, de->d_name);
			goto out;
		}
		found = strdup(de->d_name);
		if (!found) {
			ovk_error_set(err, ENOMEM, "out of memory");
			goto out;
		}
	}
	if (!found) {
		ovk_error_set(err, ENOENT, "%s: no .ovf file in the directory", app->path);
		goto out;
	}
	if (asprintf(&path, "%s/%s", app->path, found) < 0) {
		path = NULL;
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	ret = open_ovf_file(app, path, 1, err);
out:
	closedir(d);
	free(found);
	free(path);
	return ret;
}

enum shape { SHAPE_TAR, SHAPE_XML, SHAPE_UNKNOWN };

/* An XML declaration, a comment, or an OVF root element (any prefix):
 * a raw disk whose first byte happens to be '<' is no descriptor. */
static int looks_like_ovf(const uint8_t *p, size_t n)
{
	static const char root[] = "Envelope";
	size_t k = 1;

	if ((n >= 5 && memcmp(p, "<?xml", 5) == 0) || (n >= 4 && memcmp(p, "<!--", 4) == 0))
		return 1;
	if (n < 2 || p[0] != '<')
		return 0;
	while (k < n && (isalnum(p[k]) || p[k] == '_' || p[k] == '-' || p[k] == '.' || p[k] == ':'))
		k++;
	return k - 1 >= sizeof root - 1 && memcmp(p + k - (sizeof root - 1), root,
						  sizeof root - 1) == 0;
}

static enum shape probe(const uint8_t *h, size_t n)
{
	static const uint8_t xz[6] = {0xfd, '7', 'z', 'X', 'Z', 0};
	size_t i = 0;

	if (n >= 262 && memcmp(h + 257, "ustar", 5) == 0)
		return SHAPE_TAR;
	if ((n >= 2 && h[0] == 0x1f && h[1] == 0x8b) || (n >= 6 && memcmp(h, xz, 6) == 0))
		return SHAPE_TAR;
	if (n >= 3 && h[0] == 0xef && h[1] == 0xbb && h[2] == 0xbf)
		i = 3;  /* UTF-8 byte order mark */
	while (i < n && (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' || h[i] == '\n'))
		i++;
	return looks_like_ovf(h + i, n - i) ? SHAPE_XML : SHAPE_UNKNOWN;
}

static int open_by_content(struct ovk_appliance *app, struct ovk_error *err)
{
	uint8_t head[PROBE_LEN];
	ssize_t n;
	int fd = open(app->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return ovk_error_sys(err, errno, "%s", app->path);
	n = read(fd, head, sizeof head);
	close(fd);
	if (n < 0)
		return ovk_error_sys(err, errno, "%s", app->path);
	switch (probe(head, (size_t)n)) {
	case SHAPE_TAR:
		return open_ova(app, err);
	case SHAPE_XML:
		return open_ovf_file(app, app->path, 0, err);
	case SHAPE_UNKNOWN:
		break;
	}
	return ovk_error_set(err, EINVAL, "%s: neither an OVA (tar) nor an OVF (XML)", app->path);
}

int ovk_is_appliance(const char *path)
{
	uint8_t head[PROBE_LEN];
	struct stat st;
	ssize_t n;
	int fd;

	if (stat(path, &st) != 0)
		return 0;
	if (S_ISDIR(st.st_mode))
		return 1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, head, sizeof head);
	close(fd);
	return n > 0 && probe(head, (size_t)n) != SHAPE_UNKNOWN;
}

int ovk_appliance_open(const char *path, unsigned flags, struct ovk_appliance **out,
		       struct ovk_error *err)
{
	struct ovk_appliance *app = calloc(1, sizeof *app);
	struct stat st;
	int ret = -1;

	*out = NULL;
	if (!app || !(app->path = strdup(path))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	app->refs = 1;
	app->fd = -1;
	app->flags = flags;
	app->resolver.open = resolver_open;
	if (stat(path, &st) != 0) {
		ovk_error_sys(err, errno, "%s", path);
		goto out;
	}
	if (S_ISDIR(st.st_mode) ? open_dir(app, err) != 0 : open_by_content(app, err) != 0)
		goto out;
	*out = app;
	app = NULL;
	ret = 0;
out:
	ovk_appliance_free(app);
	return ret;
}

/* ------------------------------------------------------------ accessors */

enum ovk_appliance_kind ovk_appliance_kind(const struct ovk_appliance *app)
{
	return app->kind;
}

const char *ovk_appliance_path(const struct ovk_appliance *app)
{
	return app->path;
}

const char *ovk_appliance_ovf_name(const struct ovk_appliance *app)
{
	return app->ovf.name;
}

void ovk_appliance_ovf(const struct ovk_appliance *app, const uint8_t **buf, size_t *len)
{
	*buf = app->ovf.buf;
	*len = app->ovf.len;
}

static int get_meta(const struct meta *m, const char **name, const uint8_t **buf, size_t *len)
{
	if (!m->buf)
		return 1;
	*name = m->name;
	*buf = m->buf;
	*len = m->len;
	return 0;
}

int ovk_appliance_manifest(const struct ovk_appliance *app, const char **name,
			   const uint8_t **buf, size_t *len)
{
	return get_meta(&app->mf, name, buf, len);
}

int ovk_appliance_cert(const struct ovk_appliance *app, const char **name,
		       const uint8_t **buf, size_t *len)
{
	return get_meta(&app->cert, name, buf, len);
}

int ovk_appliance_drain(struct ovk_appliance *app, struct ovk_error *err)
{
	if (app->kind != OVK_APPLIANCE_OVA_STREAM)
		return 0;
	while (!app->at_end)
		if (stream_advance(app, err) < 0)
			return -1;
	return 0;
}

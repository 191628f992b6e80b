/*
 * member_check.c: the manifest's digests of the members read through the
 * container, i.e. every member that gives a disk bytes other than a plain
 * File's own member: the chunks of a chunked File (each listed by its
 * member name), the stored (compressed) bytes of a gzip'ed File, and the
 * extents and parents a VMDK descriptor opens through its resolver.  A
 * plain File's member is not checked here: the engine hashes it in the
 * conversion's own pass (package.c), which is the common case and costs
 * no extra read.
 *
 * How, by shape of the appliance:
 *   mapped OVA, directory  the member is hashed whole when it is opened
 *       (a pre-pass over its window) and a mismatch fails the open.  A
 *       window is read at random by the formats and never "to its end",
 *       so a tap could not tell when to compare; the pre-pass reads the
 *       bytes once more, but only for these rarer shapes, and leaves them
 *       in the page cache for the conversion that follows.
 *   stream  the member is hashed as it is read (container.c's
 *       member_stream_read) and compared when its last byte comes, so the
 *       read that ends it fails on a mismatch.  What the reader leaves
 *       unread (a gzip trailer, an extent longer than the descriptor says)
 *       is read into the hash before the stream moves on (stream_advance)
 *       and by ovk_appliance_settle(), which package.c runs from the
 *       engine's hash_check: before the output is committed.
 *   A manifest after the disks (streams only): the digests are collected,
 *   with the algorithms package.c asks for, and compared by
 *   ovk_appliance_verify_collected() once the manifest has come.
 * A member the manifest does not list is refused when it is opened: a
 * manifest that covers a disk must cover all of its bytes.
 *
 * Invariant: in a stream at most one member is being hashed (`cur`), the
 * open one; it is complete (compared or collected) before the stream
 * moves past it.
 */
#include "container_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/hash.h"
#include "ova/manifest.h"

/* Bytes hashed per step of a pre-pass, with the pages released behind
 * it, and the buffer a drain reads into: large enough to keep the calls
 * few, small enough not to matter. */
#define CHECK_STEP ((uint64_t)4 << 20)
#define DRAIN_BUF ((size_t)256 << 10)

/* A member being hashed. */
struct member_hash {
	char *name;
	enum ovk_hash_alg algs[OVK_MEMBER_CHECK_ALGS + 1];
	struct ovk_hash *h[OVK_MEMBER_CHECK_ALGS];
	int n;
	uint64_t size, done;
	uint64_t generation;           /* streams: the member's, in the appliance */
	int failed;                    /* compared and found wrong: err says how */
	struct ovk_error err;
};

/* Digests collected for a manifest that comes later, in `collect` order. */
struct collected {
	char *name;
	uint8_t digests[OVK_MEMBER_CHECK_ALGS][OVK_HASH_MAX_DIGEST];
};

struct ovk_member_checks {
	const struct ovk_manifest *mf;           /* compare at each member's end */
	enum ovk_hash_alg collect[OVK_MEMBER_CHECK_ALGS + 1];  /* with no mf */
	struct member_hash *cur;
	struct collected *got;
	size_t n_got, cap_got;
};

static void member_hash_free(struct member_hash *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->n; i++)
		ovk_hash_free(m->h[i]);
	free(m->name);
	free(m);
}

void ovk_member_checks_free(struct ovk_member_checks *c)
{
	if (!c)
		return;
	member_hash_free(c->cur);
	for (size_t i = 0; i < c->n_got; i++)
		free(c->got[i].name);
	free(c->got);
	free(c);
}

int ovk_appliance_check_members(struct ovk_appliance *app, const struct ovk_manifest *mf,
				const enum ovk_hash_alg *collect, struct ovk_error *err)
{
	struct ovk_member_checks *c = calloc(1, sizeof *c);
	int n = 0;

	if (!c)
		return ovk_error_set(err, ENOMEM, "out of memory");
	c->mf = mf;
	for (; !mf && collect && n < OVK_MEMBER_CHECK_ALGS && collect[n] != OVK_HASH_NONE; n++)
		c->collect[n] = collect[n];
	c->collect[n] = OVK_HASH_NONE;
	ovk_member_checks_free(app->checks);
	app->checks = c;
	return 0;
}

/* The algorithms to hash `name` with: those the manifest lists for it,
 * strongest first, or the ones to collect.  Unlisted is an error. */
static int algs_for(const struct ovk_appliance *app, const char *name,
		    enum ovk_hash_alg *algs, struct ovk_error *err)
{
	static const enum ovk_hash_alg order[] = {
		OVK_HASH_SHA512, OVK_HASH_SHA256, OVK_HASH_SHA1, OVK_HASH_MD5,
	};
	const struct ovk_member_checks *c = app->checks;
	int n = 0;

	if (!c->mf) {
		memcpy(algs, c->collect, sizeof c->collect);
		return 0;
	}
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if (ovk_manifest_find(c->mf, name, order[i]))
			algs[n++] = order[i];
	algs[n] = OVK_HASH_NONE;
	if (n == 0)
		return ovk_error_set(err, EBADMSG, "member '%s' is not listed in the manifest "
				     "(every file a disk reads must be)", name);
	return 0;
}

static int member_hash_new(const struct ovk_appliance *app, const char *name, uint64_t size,
			   struct member_hash **out, struct ovk_error *err)
{
	struct member_hash *m = calloc(1, sizeof *m);
	int ret = -1;

	*out = NULL;
	if (!m || !(m->name = strdup(name))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	m->size = size;
	if (algs_for(app, name, m->algs, err) < 0)
		goto out;
	for (; m->algs[m->n] != OVK_HASH_NONE; m->n++)
		if (ovk_hash_new(m->algs[m->n], &m->h[m->n], err) < 0)
			goto out;
	*out = m;
	m = NULL;
	ret = 0;
out:
	member_hash_free(m);
	return ret;
}

static int collect(struct ovk_member_checks *c, const struct member_hash *m,
		   uint8_t (*d)[OVK_HASH_MAX_DIGEST], struct ovk_error *err)
{
	struct collected *g;

	if (c->n_got == OVK_APPLIANCE_MAX_STREAM_MEMBERS)
		return ovk_error_set(err, E2BIG, "more than %d members to verify",
				     OVK_APPLIANCE_MAX_STREAM_MEMBERS);
	if (c->n_got == c->cap_got) {
		size_t cap = c->cap_got ? c->cap_got * 2 : 16;

		if (!(g = realloc(c->got, cap * sizeof *g)))
			return ovk_error_set(err, ENOMEM, "out of memory");
		c->got = g;
		c->cap_got = cap;
	}
	g = &c->got[c->n_got];
	if (!(g->name = strdup(m->name)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	memcpy(g->digests, d, sizeof g->digests);
	c->n_got++;
	return 0;
}

/* All of m's bytes are in: compare with the manifest, or keep for later. */
static int member_hash_end(struct ovk_appliance *app, struct member_hash *m,
			   struct ovk_error *err)
{
	uint8_t d[OVK_MEMBER_CHECK_ALGS][OVK_HASH_MAX_DIGEST];

	memset(d, 0, sizeof d);
	for (int i = 0; i < m->n; i++)
		if (ovk_hash_final(m->h[i], d[i], err) < 0)
			return -1;
	if (!app->checks->mf)
		return collect(app->checks, m, d, err);
	for (int i = 0; i < m->n; i++)
		if (ovk_manifest_verify(app->checks->mf, m->name, m->algs[i], d[i],
					ovk_hash_size(m->algs[i]), err) < 0)
			return -1;
	return 0;
}

/* ------------------------------------------------------------ mapped */

int ovk_member_check_blob(struct ovk_appliance *app, const char *name, struct ovk_blob *b,
			  struct ovk_error *err)
{
	struct member_hash *m = NULL;
	uint8_t *buf = NULL;
	int ret = -1;

	if (member_hash_new(app, name, b->size, &m, err) < 0)
		goto out;
	/* An unmapped file (too large to map) is read with pread. */
	if (!b->data && !(buf = malloc(CHECK_STEP))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (uint64_t pos = 0; pos < b->size; pos += CHECK_STEP) {
		size_t n = (size_t)ovk_min_u64(CHECK_STEP, b->size - pos);
		const uint8_t *p = b->data ? b->data + pos : buf;

		if (buf && ovk_blob_pread(b, pos, buf, n, err) < 0)
			goto out;
		for (int i = 0; i < m->n; i++)
			ovk_hash_update(m->h[i], p, n);
		ovk_blob_release_range(b, pos, n);
	}
	ret = member_hash_end(app, m, err);
out:
	member_hash_free(m);
	free(buf);
	return ret;
}

/* ------------------------------------------------------------ streams */

int ovk_member_check_start(struct ovk_appliance *app, const char *name, uint64_t size,
			   uint64_t generation, struct ovk_error *err)
{
	struct ovk_member_checks *c = app->checks;
	struct member_hash *m;

	/* The stream settles its member before it moves on, so none is left. */
	if (ovk_appliance_settle(app, err) < 0)
		return -1;
	if (member_hash_new(app, name, size, &m, err) < 0)
		return -1;
	m->generation = generation;
	member_hash_free(c->cur);
	c->cur = m;
	if (size == 0 && member_hash_end(app, m, err) < 0) {
		m->failed = 1;
		m->err = *err;
		return -1;
	}
	return 0;
}

int ovk_member_check_feed(struct ovk_appliance *app, uint64_t generation, const void *buf,
			  size_t len, struct ovk_error *err)
{
	struct member_hash *m = app->checks ? app->checks->cur : NULL;

	if (!m || m->generation != generation || len == 0)
		return 0;
	if (m->failed) {
		*err = m->err;
		return -1;
	}
	if (len > m->size - m->done)
		return ovk_error_set(err, EIO, "%s: member '%s' gives more than its %llu bytes",
				     app->path, m->name, (unsigned long long)m->size);
	for (int i = 0; i < m->n; i++)
		ovk_hash_update(m->h[i], buf, len);
	m->done += len;
	if (m->done < m->size)
		return 0;
	if (member_hash_end(app, m, err) < 0) {
		m->failed = 1;
		m->err = *err;
		return -1;
	}
	return 0;
}

/* Read the rest of the open member into its hash. */
static int drain(struct ovk_appliance *app, struct member_hash *m, struct ovk_error *err)
{
	uint8_t *buf = malloc(DRAIN_BUF);
	int ret = -1;

	if (!buf)
		return ovk_error_set(err, ENOMEM, "out of memory");
	while (m->done < m->size) {
		ssize_t n = ovk_tar_stream_read(app->ts, buf, DRAIN_BUF, err);

		if (n < 0)
			goto out;
		if (n == 0) {
			ovk_error_set(err, EIO, "%s: member '%s' is truncated", app->path, m->name);
			goto out;
		}
		if (ovk_member_check_feed(app, m->generation, buf, (size_t)n, err) < 0)
			goto out;
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

int ovk_appliance_settle(struct ovk_appliance *app, struct ovk_error *err)
{
	struct member_hash *m = app->checks ? app->checks->cur : NULL;

	if (!m)
		return 0;
	if (m->failed) {
		*err = m->err;
		return -1;
	}
	if (m->done == m->size)
		return 0;
	if (app->generation != m->generation || app->cur_state != MEMBER_OPEN)
		return ovk_error_set(err, EIO, "%s: member '%s' was passed before it was read "
				     "whole, so it is not verified", app->path, m->name);
	return drain(app, m, err);
}

/* ------------------------------------------------------------ later */

int ovk_appliance_verify_collected(const struct ovk_appliance *app,
				   const struct ovk_manifest *mf, struct ovk_error *err)
{
	const struct ovk_member_checks *c = app->checks;

	for (size_t i = 0; c && i < c->n_got; i++) {
		const struct collected *g = &c->got[i];
		const struct ovk_manifest_entry *e;
		int checked = 0;

		for (int k = 0; c->collect[k] != OVK_HASH_NONE; k++) {
			if (!ovk_manifest_find(mf, g->name, c->collect[k]))
				continue;
			if (ovk_manifest_verify(mf, g->name, c->collect[k], g->digests[k],
						ovk_hash_size(c->collect[k]), err) < 0)
				return -1;
			checked++;
		}
		if (checked)
			continue;
		if (!(e = ovk_manifest_find(mf, g->name, OVK_HASH_NONE)))
			return ovk_error_set(err, EBADMSG, "member '%s' is not listed in the "
					     "manifest (every file a disk reads must be)", g->name);
		return ovk_error_set(err, ENOTSUP, "%s: the manifest lists it with %s only, which "
				     "is not computed for a manifest that follows the disks",
				     g->name, ovk_hash_name(e->alg));
	}
	return 0;
}

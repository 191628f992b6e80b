/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * verify.c: members hashed as a conversion reads them, and judged against
 * the manifest before its output is committed (see verify.h).
 *
 * Each wrapped member is a record on the verifier's list until the next
 * settle.  A record is judged (compared, or collected) exactly once, when
 * its last byte is hashed: by the wrapper's read, by a drain, or by the
 * hashing thread for mapped members.  Records are reference counted: the
 * list holds one, a stream wrapper another (it may outlive a settle or an
 * abort, until the conversion closes its blobs).
 *
 * Invariant: a record is `ended` once all its bytes are hashed and it is
 * judged; `failed` records carry the error that judging (or reading) gave.
 */
#include "verify.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/cancel.h"
#include "core/checked.h"
#include "core/clock.h"
#include "core/hash.h"
#include "ova/container.h"

/* Bytes hashed per step of a mapped member, and what a drain reads at a
 * time. */
#define HASH_STEP ((uint64_t)4 << 20)
#define DRAIN_BUF ((size_t)256 << 10)
/* Collected digests: one per member a stream can hold. */
#define MAX_COLLECTED OVK_APPLIANCE_MAX_STREAM_MEMBERS

struct member {
	int refs;
	struct ovk_verify *v;          /* NULL once settled or aborted */
	char *name;
	enum ovk_hash_alg algs[OVK_VERIFY_ALGS + 1];
	struct ovk_hash *h[OVK_VERIFY_ALGS];
	int n;
	uint64_t size, done;           /* size UINT64_MAX: a stream of unknown size */
	int mapped;
	int claimed;                   /* mapped: the thread has taken it */
	/* Stream: the member, until its wrapper is freed.  Mapped: the
	 * thread's own window of it. */
	struct ovk_blob *inner;
	int ended, failed;
	struct ovk_error err;
	struct member *next;
};

/* Digests collected for a manifest that comes later, in `collect` order. */
struct collected {
	char *name;
	uint8_t digests[OVK_VERIFY_ALGS][OVK_HASH_MAX_DIGEST];
};

struct ovk_verify {
	const struct ovk_manifest *mf;
	enum ovk_hash_alg collect[OVK_VERIFY_ALGS + 1];
	struct collected *got;
	size_t n_got, cap_got;
	volatile sig_atomic_t *cancel;
	pthread_mutex_t lock;          /* the list, the records' state, got, seconds */
	pthread_cond_t cond;
	struct member *members, **tail;
	pthread_t thread;
	int thread_started, closing;
	volatile int stop;             /* read by the thread as it hashes */
	double seconds;
};

static void member_unref(struct member *m)
{
	if (!m || --m->refs > 0)
		return;
	for (int i = 0; i < m->n; i++)
		ovk_hash_free(m->h[i]);
	ovk_blob_free(m->inner);
	free(m->name);
	free(m);
}

int ovk_verify_new(const struct ovk_manifest *mf, const enum ovk_hash_alg *collect,
		   volatile sig_atomic_t *cancel, struct ovk_verify **out, struct ovk_error *err)
{
	struct ovk_verify *v = calloc(1, sizeof *v);
	int n = 0;

	if (!v)
		return ovk_error_set(err, ENOMEM, "out of memory");
	v->mf = mf;
	for (; !mf && collect && n < OVK_VERIFY_ALGS && collect[n] != OVK_HASH_NONE; n++)
		v->collect[n] = collect[n];
	v->collect[n] = OVK_HASH_NONE;
	v->cancel = cancel;
	v->tail = &v->members;
	pthread_mutex_init(&v->lock, NULL);
	pthread_cond_init(&v->cond, NULL);
	*out = v;
	return 0;
}

/* ---------------------------------------------------------------- judging */

/* The algorithms to hash `name` with: those the manifest lists for it,
 * strongest first, or the ones to collect.  Unlisted is an error. */
static int algs_for(const struct ovk_verify *v, const char *name, enum ovk_hash_alg *algs,
		    struct ovk_error *err)
{
	static const enum ovk_hash_alg order[] = {
		OVK_HASH_SHA512, OVK_HASH_SHA256, OVK_HASH_SHA1, OVK_HASH_MD5,
	};
	int n = 0;

	if (!v->mf) {
		memcpy(algs, v->collect, sizeof v->collect);
		return 0;
	}
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if (ovk_manifest_find(v->mf, name, order[i]))
			algs[n++] = order[i];
	algs[n] = OVK_HASH_NONE;
	if (n == 0)
		return ovk_error_set(err, EBADMSG, "member '%s' is not listed in the manifest "
				     "(every file a disk reads must be)", name);
	return 0;
}

static int collect(struct ovk_verify *v, const struct member *m,
		   uint8_t (*d)[OVK_HASH_MAX_DIGEST], struct ovk_error *err)
{
	struct collected *g;

	if (v->n_got == MAX_COLLECTED)
		return ovk_error_set(err, E2BIG, "more than %d members to verify", MAX_COLLECTED);
	if (v->n_got == v->cap_got) {
		size_t cap = v->cap_got ? v->cap_got * 2 : 16;

		if (!(g = realloc(v->got, cap * sizeof *g)))
			return ovk_error_set(err, ENOMEM, "out of memory");
		v->got = g;
		v->cap_got = cap;
	}
	g = &v->got[v->n_got];
	if (!(g->name = strdup(m->name)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	memcpy(g->digests, d, sizeof g->digests);
	v->n_got++;
	return 0;
}

/* All of m's bytes are hashed: compare, or keep for later.  Called with
 * the lock held.  A failure is kept in m, and returned. */
static int judge(struct ovk_verify *v, struct member *m, struct ovk_error *err)
{
	uint8_t d[OVK_VERIFY_ALGS][OVK_HASH_MAX_DIGEST];
	int ret = -1;

	memset(d, 0, sizeof d);
	m->ended = 1;
	for (int i = 0; i < m->n; i++)
		if (ovk_hash_final(m->h[i], d[i], &m->err) < 0)
			goto out;
	if (!v->mf) {
		ret = collect(v, m, d, &m->err);
		goto out;
	}
	for (int i = 0; i < m->n; i++)
		if (ovk_manifest_verify(v->mf, m->name, m->algs[i], d[i], ovk_hash_size(m->algs[i]),
					&m->err) < 0)
			goto out;
	ret = 0;
out:
	m->failed = ret < 0;
	if (ret < 0 && err)
		*err = m->err;
	return ret;
}

static void hash_update(struct member *m, const void *buf, size_t len)
{
	for (int i = 0; i < m->n; i++)
		ovk_hash_update(m->h[i], buf, len);
	m->done += len;
}

/* ---------------------------------------------------------------- streams */

/* Bytes of a stream member come in: hash them, and judge at the last. */
static int feed(struct member *m, const void *buf, size_t len, struct ovk_error *err)
{
	struct ovk_verify *v = m->v;
	double t0 = ovk_now_seconds();
	int ret = 0;

	if (!v || len == 0)
		return 0;
	if (m->size != UINT64_MAX && len > m->size - m->done)
		return ovk_error_set(err, EIO, "member '%s' gives more than its %llu bytes",
				     m->name, (unsigned long long)m->size);
	hash_update(m, buf, len);
	pthread_mutex_lock(&v->lock);
	if (m->done == m->size)
		ret = judge(v, m, err);
	v->seconds += ovk_now_seconds() - t0;
	pthread_mutex_unlock(&v->lock);
	return ret;
}

/* The end of a stream member came (its producer said so). */
static int stream_end(struct member *m, struct ovk_error *err)
{
	struct ovk_verify *v = m->v;
	int ret = 0;

	if (!v || m->ended)
		return 0;
	if (m->size != UINT64_MAX && m->done != m->size)
		return ovk_error_set(err, EIO, "member '%s' is truncated (%llu of %llu bytes)",
				     m->name, (unsigned long long)m->done,
				     (unsigned long long)m->size);
	pthread_mutex_lock(&v->lock);
	ret = judge(v, m, err);
	pthread_mutex_unlock(&v->lock);
	return ret;
}

static ssize_t wrap_read(void *opaque, void *buf, size_t len, struct ovk_error *err)
{
	struct member *m = opaque;
	ssize_t n;

	if (m->failed) {
		if (err)
			*err = m->err;
		return -1;
	}
	n = ovk_blob_read(m->inner, buf, len, err);
	if (n < 0)
		return -1;
	if (n == 0)
		return stream_end(m, err) < 0 ? -1 : 0;
	return feed(m, buf, (size_t)n, err) < 0 ? -1 : n;
}

static void wrap_close(void *opaque)
{
	struct member *m = opaque;
	struct ovk_verify *v = m->v;

	if (v)
		pthread_mutex_lock(&v->lock);
	ovk_blob_free(m->inner);
	m->inner = NULL;
	if (v) {
		member_unref(m);
		pthread_mutex_unlock(&v->lock);
	} else {
		member_unref(m);
	}
}

/* Read what is left of a stream member into its hash. */
static int drain_member(struct member *m, struct ovk_error *err)
{
	uint8_t *buf;
	int ret = -1;
	ssize_t n;

	if (m->mapped || m->ended || !m->inner)
		return 0;
	if (!(buf = malloc(DRAIN_BUF)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	while ((n = wrap_read(m, buf, DRAIN_BUF, err)) > 0)
		if (m->v && ovk_cancelled(m->v->cancel)) {
			ovk_error_set(err, ECANCELED, "interrupted");
			goto out;
		}
	ret = n < 0 ? -1 : 0;
out:
	free(buf);
	return ret;
}

int ovk_verify_drain(struct ovk_verify *v, struct ovk_error *err)
{
	for (struct member *m = v->members; m; m = m->next)
		if (drain_member(m, err) < 0)
			return -1;
	return 0;
}

/* ---------------------------------------------------------------- mapped */

struct hash_job {
	struct ovk_verify *v;
	struct member *m;
};

static int hash_mapped(const struct hash_job *j, struct ovk_error *err)
{
	struct member *m = j->m;
	uint8_t *buf = malloc(HASH_STEP);
	int ret = -1;

	/* Read with pread, as the engine reads data (pipeline.c says why). */
	if (!buf)
		return ovk_error_set(err, ENOMEM, "out of memory");
	for (uint64_t pos = 0; pos < m->size; pos += HASH_STEP) {
		size_t n = (size_t)ovk_min_u64(HASH_STEP, m->size - pos);

		if (j->v->stop || ovk_cancelled(j->v->cancel)) {
			ovk_error_set(err, ECANCELED, "interrupted");
			goto out;
		}
		if (ovk_blob_pread(m->inner, pos, buf, n, err) < 0)
			goto out;
		hash_update(m, buf, n);
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

static struct member *next_mapped(struct ovk_verify *v)
{
	for (struct member *m = v->members; m; m = m->next)
		if (m->mapped && !m->claimed)
			return m;
	return NULL;
}

static void *hasher_main(void *arg)
{
	struct ovk_verify *v = arg;
	struct member *m;

	pthread_mutex_lock(&v->lock);
	for (;;) {
		struct hash_job j = { v, NULL };
		struct ovk_error e = { 0 };
		double t0;
		int r;

		if (!(m = next_mapped(v))) {
			if (v->closing || v->stop)
				break;
			pthread_cond_wait(&v->cond, &v->lock);
			continue;
		}
		m->claimed = 1;
		m->refs++;
		pthread_mutex_unlock(&v->lock);
		j.m = m;
		t0 = ovk_now_seconds();
		r = hash_mapped(&j, &e);
		pthread_mutex_lock(&v->lock);
		v->seconds += ovk_now_seconds() - t0;
		if (r < 0) {
			m->ended = m->failed = 1;
			m->err = e;
		} else {
			judge(v, m, NULL);
		}
		member_unref(m);
		pthread_cond_broadcast(&v->cond);
	}
	pthread_mutex_unlock(&v->lock);
	return NULL;
}

/* ---------------------------------------------------------------- wrapping */

static int member_new(struct ovk_verify *v, const char *name, struct ovk_blob *inner,
		      struct member **out, struct ovk_error *err)
{
	struct member *m = calloc(1, sizeof *m);
	int ret = -1;

	if (!m || !(m->name = strdup(name))) {
		free(m);
		return ovk_error_set(err, ENOMEM, "out of memory");
	}
	m->refs = 1;
	m->v = v;
	m->size = ovk_blob_size(inner);
	m->mapped = !ovk_blob_is_stream(inner);
	if (algs_for(v, name, m->algs, err) < 0)
		goto out;
	for (; m->algs[m->n] != OVK_HASH_NONE; m->n++)
		if (ovk_hash_new(m->algs[m->n], &m->h[m->n], err) < 0)
			goto out;
	*out = m;
	m = NULL;
	ret = 0;
out:
	member_unref(m);
	return ret;
}

/* Put m on the list (which takes its reference); start the hashing thread
 * for a mapped member. */
static int enlist(struct ovk_verify *v, struct member *m, struct ovk_error *err)
{
	int ret = 0;

	pthread_mutex_lock(&v->lock);
	*v->tail = m;
	v->tail = &m->next;
	if (m->mapped && !v->thread_started) {
		v->closing = 0;
		if (pthread_create(&v->thread, NULL, hasher_main, v) != 0)
			ret = ovk_error_set(err, EAGAIN, "cannot start the hashing thread");
		else
			v->thread_started = 1;
	}
	pthread_cond_broadcast(&v->cond);
	pthread_mutex_unlock(&v->lock);
	return ret;
}

int ovk_verify_wrap(struct ovk_verify *v, const char *name, struct ovk_blob *inner,
		    struct ovk_blob **out, struct ovk_error *err)
{
	struct member *m = NULL;
	int ret = -1;

	*out = NULL;
	if (member_new(v, name, inner, &m, err) < 0)
		goto out;
	if (m->mapped) {
		/* The formats read a window; the thread hashes the member. */
		if (ovk_blob_window(inner, 0, m->size, ovk_blob_name(inner),
				    ovk_blob_location(inner), out, err) < 0)
			goto out;
		m->inner = inner;
		inner = NULL;
	} else {
		if (ovk_blob_stream(ovk_blob_name(inner), ovk_blob_location(inner), m->size,
				    wrap_read, m, wrap_close, out, err) < 0)
			goto out;
		m->inner = inner;
		inner = NULL;
		m->refs++;   /* the wrapper's */
	}
	/* On failure the record stays listed; settle or abort frees it. */
	ret = enlist(v, m, err);
	m = NULL;
	if (ret < 0) {
		ovk_blob_free(*out);
		*out = NULL;
	}
out:
	member_unref(m);
	ovk_blob_free(inner);
	return ret;
}

/* ---------------------------------------------------------------- settling */

/* Stop the thread (stop: at once; else once it has hashed everything) and
 * take the list; the records are detached from the verifier. */
static struct member *take_list(struct ovk_verify *v, int stop)
{
	struct member *list;

	pthread_mutex_lock(&v->lock);
	v->closing = 1;
	v->stop = stop;
	pthread_cond_broadcast(&v->cond);
	pthread_mutex_unlock(&v->lock);
	if (v->thread_started)
		pthread_join(v->thread, NULL);
	pthread_mutex_lock(&v->lock);
	v->thread_started = 0;
	v->stop = 0;
	list = v->members;
	v->members = NULL;
	v->tail = &v->members;
	pthread_mutex_unlock(&v->lock);
	return list;
}

static void release_list(struct ovk_verify *v, struct member *list)
{
	pthread_mutex_lock(&v->lock);
	while (list) {
		struct member *m = list;

		list = m->next;
		m->v = NULL;
		member_unref(m);
	}
	pthread_mutex_unlock(&v->lock);
}

int ovk_verify_settle(void *opaque, struct ovk_error *err)
{
	struct ovk_verify *v = opaque;
	struct member *list, *m;
	int ret = 0;

	/* Streams first, while the thread finishes the mapped members. */
	if (ovk_verify_drain(v, err) < 0)
		ret = -1;
	list = take_list(v, ret < 0);
	for (m = list; ret == 0 && m; m = m->next) {
		if (m->failed) {
			if (err)
				*err = m->err;
			ret = -1;
		} else if (!m->ended) {
			ret = ovk_error_set(err, EIO, "member '%s' was passed before it was read "
					    "whole, so it is not verified", m->name);
		}
	}
	release_list(v, list);
	return ret;
}

void ovk_verify_abort(struct ovk_verify *v)
{
	if (v)
		release_list(v, take_list(v, 1));
}

void ovk_verify_free(struct ovk_verify *v)
{
	if (!v)
		return;
	ovk_verify_abort(v);
	for (size_t i = 0; i < v->n_got; i++)
		free(v->got[i].name);
	free(v->got);
	pthread_cond_destroy(&v->cond);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

double ovk_verify_seconds(const struct ovk_verify *v)
{
	return v->seconds;
}

int ovk_verify_collected(const struct ovk_verify *v, const struct ovk_manifest *mf,
			 struct ovk_error *err)
{
	/* A member still listed was never settled: its digest is missing,
	 * not good. */
	if (v->members)
		return ovk_error_set(err, EIO, "member '%s' was not read whole, so it is not "
				     "verified", v->members->name);
	for (size_t i = 0; i < v->n_got; i++) {
		const struct collected *g = &v->got[i];
		const struct ovk_manifest_entry *e;
		int checked = 0;

		for (int k = 0; v->collect[k] != OVK_HASH_NONE; k++) {
			if (!ovk_manifest_find(mf, g->name, v->collect[k]))
				continue;
			if (ovk_manifest_verify(mf, g->name, v->collect[k], g->digests[k],
						ovk_hash_size(v->collect[k]), err) < 0)
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

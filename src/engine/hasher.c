/*
 * hasher.c: the input's digests for manifest checks, in the conversion's
 * own pass (see engine.h).  Mapped input: a thread walks the mapping in
 * order, dropping pages behind it so RSS stays flat; the workers read the
 * same pages, so the disk is read once.  Streamed input: the blob's tap
 * sees every byte once, in order, whoever reads it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/clock.h"
#include "core/guard.h"
#include "core/hash.h"
#include "engine.h"

/* Manifests list at most a few algorithms per file; we take four. */
#define MAX_HASHES 4
#define HASH_STEP ((uint64_t)4 << 20)

struct ovk_hasher {
	struct ovk_blob *blob;    /* for a stream: valid only while converting */
	int is_stream;
	struct ovk_hash *h[MAX_HASHES];
	int n;
	volatile sig_atomic_t *cancel;
	volatile int stop;
	pthread_t thread;
	int started;
	struct ovk_error err;
	int failed;
	double seconds;
};

static int hash_file(void *arg, struct ovk_error *err)
{
	struct ovk_hasher *hs = arg;
	struct ovk_blob *b = hs->blob;
	uint8_t *buf = NULL;
	int ret = -1;

	/* An unmapped file (too large to map) is read with pread. */
	if (!b->data && !(buf = malloc(HASH_STEP)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	for (uint64_t pos = 0; pos < b->size; pos += HASH_STEP) {
		size_t n = (size_t)ovk_min_u64(HASH_STEP, b->size - pos);
		const uint8_t *p = b->data ? b->data + pos : buf;

		if (hs->stop || (hs->cancel && *hs->cancel)) {
			ovk_error_set(err, ECANCELED, "interrupted");
			goto out;
		}
		if (buf && ovk_blob_pread(b, pos, buf, n, err) < 0)
			goto out;
		for (int i = 0; i < hs->n; i++)
			ovk_hash_update(hs->h[i], p, n);
		/* The workers may still want these pages; they fault back in
		 * from the page cache.  Dropping them keeps RSS flat. */
		ovk_blob_release_range(b, pos, n);
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

static void *hasher_main(void *arg)
{
	struct ovk_hasher *hs = arg;
	double t0 = ovk_now_seconds();

	if (ovk_guarded(hash_file, hs, hs->blob->name, &hs->err) < 0)
		hs->failed = 1;
	hs->seconds = ovk_now_seconds() - t0;
	return NULL;
}

static void hash_tap(void *opaque, const void *buf, size_t len)
{
	struct ovk_hasher *hs = opaque;
	double t0 = ovk_now_seconds();

	for (int i = 0; i < hs->n; i++)
		ovk_hash_update(hs->h[i], buf, len);
	hs->seconds += ovk_now_seconds() - t0;
}

static void hasher_free(struct ovk_hasher *hs)
{
	for (int i = 0; i < hs->n; i++)
		ovk_hash_free(hs->h[i]);
	free(hs);
}

int ovk_hasher_start(struct ovk_blob *blob, const enum ovk_hash_alg *algs,
		     volatile sig_atomic_t *cancel, struct ovk_hasher **out, struct ovk_error *err)
{
	struct ovk_hasher *hs;

	*out = NULL;
	/* A stream gets a hasher even with nothing to hash: finishing it
	 * reads the stream to its end, so whatever checks the bytes as they
	 * pass (a container's member digests) sees them all before commit. */
	if ((!algs || algs[0] == OVK_HASH_NONE) && !ovk_blob_is_stream(blob))
		return 0;
	if (ovk_blob_is_stream(blob) && (blob->stream_pos != 0 || blob->peek_len != 0))
		return ovk_error_set(err, EINVAL, "%s: stream already partly read", blob->name);
	if (!(hs = calloc(1, sizeof *hs)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	hs->blob = blob;
	hs->is_stream = ovk_blob_is_stream(blob);
	hs->cancel = cancel;
	for (; algs && hs->n < MAX_HASHES && algs[hs->n] != OVK_HASH_NONE; hs->n++) {
		if (ovk_hash_new(algs[hs->n], &hs->h[hs->n], err) < 0) {
			hasher_free(hs);
			return -1;
		}
	}
	if (hs->is_stream) {
		blob->tap = hash_tap;
		blob->tap_opaque = hs;
	} else if (pthread_create(&hs->thread, NULL, hasher_main, hs) != 0) {
		hasher_free(hs);
		return ovk_error_set(err, EAGAIN, "cannot start the hashing thread");
	} else {
		hs->started = 1;
	}
	*out = hs;
	return 0;
}

/* A stream's bytes after what the format needed (a footer, padding) count
 * too: read them through the tap. */
static int drain_stream(struct ovk_blob *b, struct ovk_error *err)
{
	uint8_t buf[65536];
	ssize_t n;

	while ((n = ovk_blob_read(b, buf, sizeof buf, err)) > 0)
		;
	return n < 0 ? -1 : 0;
}

int ovk_hasher_finish(struct ovk_hasher *hs, int ok, uint8_t (*out)[OVK_HASH_MAX_DIGEST],
		      double *seconds, struct ovk_error *err)
{
	int ret = ok ? 0 : -1;

	if (!hs)
		return ret;
	if (!ok)
		hs->stop = 1;
	if (hs->started)
		pthread_join(hs->thread, NULL);
	if (ret == 0 && hs->failed) {
		if (err)
			*err = hs->err;
		ret = -1;
	}
	/* After a failure a stream blob may be gone already: leave it be. */
	if (hs->is_stream && ret == 0) {
		if (drain_stream(hs->blob, err) < 0)
			ret = -1;
		hs->blob->tap = NULL;
	}
	for (int i = 0; ret == 0 && i < hs->n; i++)
		if (ovk_hash_final(hs->h[i], out[i], err) < 0)
			ret = -1;
	if (seconds)
		*seconds = hs->seconds;
	hasher_free(hs);
	return ret;
}

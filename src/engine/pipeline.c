/*
 * pipeline.c: the conversion data path.
 *
 *   producer (calling thread)  walks the layered extents and cuts them into
 *                              work items: a DATA item is at most one
 *                              OVK_CHUNK-aligned chunk, widened to whole
 *                              sink blocks; a HOLE item is a run of ZERO or
 *                              UNALLOCATED guest bytes of any length.
 *   workers (N threads)        materialize DATA items (memcpy, or the
 *                              source's read() for deferred extents such as
 *                              compressed grains), mark all-zero sink blocks,
 *                              and call the sink's encode() when it has one.
 *   writer (1 thread)          hands items to the sink strictly in order.
 * (The input's digest is taken beside this, by hasher.c.)
 *
 * Items live in a ring of slots; a slot is reused only after the writer is
 * done with it, so memory is bounded by the ring (a few MiB per thread) and
 * not by the disk.  A DATA item that is one direct extent (raw, flat and
 * uncompressed sparse inputs) is not copied at all: workers and writer use
 * the pointer into the mmap.
 *
 * Invariants: items have increasing seq and tile [0, size); a DATA item's
 * start and end are multiples of the sink block size, or the end of the
 * disk; the writer sees item seq only after the producer published it and a
 * worker (or, for holes, the producer) marked it DONE.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/checked.h"
#include "core/zero.h"
#include "core/clock.h"
#include "core/guard.h"
#include "engine.h"

/* Slots per worker thread, plus a few so the writer never starves the
 * producer: 2 per worker keeps both busy while one item is being written. */
#define SLOTS_PER_THREAD 2
#define SLOTS_EXTRA 4
/* Release input pages and report progress at this cadence. */
#define RELEASE_EVERY ((uint64_t)16 << 20)
#define PROGRESS_NS 200000000LL
/* The most worker threads we start, whatever the caller asks. */
#define MAX_THREADS 256

enum slot_state { SLOT_FREE, SLOT_FILLING, SLOT_QUEUED, SLOT_WORKING, SLOT_DONE };

struct item {
	enum slot_state state;
	uint64_t seq;
	int is_hole;
	uint64_t off, len;
	struct ovk_part *parts;
	size_t nparts, cap;
	const uint8_t *data;      /* the item's bytes, once materialized */
	uint8_t *buf;             /* OVK_CHUNK bytes, allocated on first use */
	uint8_t *zero;            /* per sink block: all zero */
	uint8_t *enc;             /* per sink block: encode_cap bytes */
	size_t *enc_len;
};

struct pipeline {
	pthread_mutex_t lock;
	pthread_cond_t cond_work, cond_done, cond_free;
	struct item *slots;
	unsigned nslots;
	uint64_t next_seq, work_seq, write_seq;
	int producer_done;
	int stop;
	struct ovk_error err;     /* the first error */

	struct ovk_chain *chain;
	struct ovk_sink *sink;
	uint64_t size;
	uint32_t bs;              /* zero detection block */
	size_t nblocks_max;
	const struct ovk_pipeline_opts *opts;

	double t_read, t_decode, t_encode, t_write, t_stall;
	uint64_t data_bytes;
};

static int cancelled(const struct pipeline *pl)
{
	return pl->opts->cancel && *pl->opts->cancel;
}

/* Record the first failure and wake everybody.  Called with the lock held. */
static void fail_locked(struct pipeline *pl, const struct ovk_error *err)
{
	if (!pl->stop && err)
		pl->err = *err;
	pl->stop = 1;
	pthread_cond_broadcast(&pl->cond_work);
	pthread_cond_broadcast(&pl->cond_done);
	pthread_cond_broadcast(&pl->cond_free);
}

static void fail(struct pipeline *pl, const struct ovk_error *err)
{
	pthread_mutex_lock(&pl->lock);
	fail_locked(pl, err);
	pthread_mutex_unlock(&pl->lock);
}

static struct item *slot_of(struct pipeline *pl, uint64_t seq)
{
	return &pl->slots[seq % pl->nslots];
}

/* ---------------------------------------------------------------- workers */

/* Stage times of one worker, added to the pipeline's once, when it ends:
 * no lock per part on the hot path. */
struct worker_times {
	double read, decode, encode;
};

/* Copy or decode one part into dst.  A deferred extent that is only partly
 * wanted (a backing grain under a smaller top cluster) is decoded whole into
 * scratch first. */
static int fill_part(struct worker_times *wt, const struct ovk_part *p, uint8_t *dst,
		     uint8_t **scratch, struct ovk_error *err)
{
	const struct ovk_extent *e = &p->ext;
	uint64_t skip = p->off - e->offset;
	double t0 = ovk_now_seconds();
	int ret = -1;

	if (e->type != OVK_EXTENT_DATA) {
		memset(dst, 0, p->len);
		ret = 0;
	} else if (e->data) {
		memcpy(dst, e->data + skip, p->len);
		ret = 0;
	} else if (skip == 0 && p->len == e->length) {
		ret = p->origin->ops->read(p->origin, e, dst, err);
	} else {
		if (!*scratch && !(*scratch = malloc(OVK_CHUNK)))
			return ovk_error_set(err, ENOMEM, "out of memory");
		ret = p->origin->ops->read(p->origin, e, *scratch, err);
		if (ret == 0)
			memcpy(dst, *scratch + skip, p->len);
	}
	if (e->type == OVK_EXTENT_DATA && !e->data)
		wt->decode += ovk_now_seconds() - t0;
	else
		wt->read += ovk_now_seconds() - t0;
	return ret;
}

static int materialize(struct worker_times *wt, struct item *it, uint8_t **scratch,
		       struct ovk_error *err)
{
	const struct ovk_part *p0 = &it->parts[0];

	if (it->nparts == 1 && p0->ext.type == OVK_EXTENT_DATA && p0->ext.data) {
		it->data = p0->ext.data + (p0->off - p0->ext.offset);
		return 0;
	}
	if (!it->buf && !(it->buf = malloc(OVK_CHUNK)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < it->nparts; i++)
		if (fill_part(wt, &it->parts[i], it->buf + (it->parts[i].off - it->off), scratch,
			      err) < 0)
			return -1;
	it->data = it->buf;
	return 0;
}

static int classify(struct pipeline *pl, struct worker_times *wt, struct item *it,
		    struct ovk_error *err)
{
	struct ovk_sink *sink = pl->sink;
	size_t nblocks = (size_t)((it->len + pl->bs - 1) / pl->bs);
	double t0 = ovk_now_seconds();

	for (size_t b = 0; b < nblocks; b++) {
		uint64_t boff = (uint64_t)b * pl->bs;
		size_t blen = (size_t)ovk_min_u64(pl->bs, it->len - boff);

		it->zero[b] = (uint8_t)ovk_is_zero(it->data + boff, blen);
		it->enc_len[b] = 0;
		if (!it->zero[b] && sink && sink->ops->encode &&
		    sink->ops->encode(sink, it->data + boff, blen, it->enc + b * sink->encode_cap,
				      sink->encode_cap, &it->enc_len[b], err) < 0)
			return -1;
	}
	wt->encode += ovk_now_seconds() - t0;
	return 0;
}

struct work {
	struct pipeline *pl;
	struct item *it;
	uint8_t **scratch;
	struct worker_times *times;
};

/* Everything a worker does with mapped input, under the SIGBUS guard. */
static int work_item(void *arg, struct ovk_error *err)
{
	struct work *w = arg;

	if (materialize(w->times, w->it, w->scratch, err) < 0)
		return -1;
	return classify(w->pl, w->times, w->it, err);
}

static const char *input_name(const struct pipeline *pl)
{
	return pl->chain->top_blob ? pl->chain->top_blob->name : "blank disk";
}

static void *worker_main(void *arg)
{
	struct pipeline *pl = arg;
	uint8_t *scratch = NULL;
	struct worker_times times = { 0 };
	struct ovk_error err = { 0 };

	pthread_mutex_lock(&pl->lock);
	for (;;) {
		struct work w = { pl, NULL, &scratch, &times };
		struct item *it;
		int r;

		while (!pl->stop) {
			if (pl->work_seq < pl->next_seq) {
				it = slot_of(pl, pl->work_seq);
				if (it->seq == pl->work_seq && it->state == SLOT_QUEUED)
					break;
				pl->work_seq++;      /* a hole, or already written */
				continue;
			}
			if (pl->producer_done)
				break;
			pthread_cond_wait(&pl->cond_work, &pl->lock);
		}
		if (pl->stop || pl->work_seq >= pl->next_seq)
			break;
		it = slot_of(pl, pl->work_seq++);
		it->state = SLOT_WORKING;
		pthread_mutex_unlock(&pl->lock);

		w.it = it;
		r = ovk_guarded(work_item, &w, input_name(pl), &err);

		pthread_mutex_lock(&pl->lock);
		if (r < 0) {
			fail_locked(pl, &err);
			break;
		}
		it->state = SLOT_DONE;
		pthread_cond_broadcast(&pl->cond_done);
	}
	pl->t_read += times.read;
	pl->t_decode += times.decode;
	pl->t_encode += times.encode;
	pthread_mutex_unlock(&pl->lock);
	free(scratch);
	return NULL;
}

/* ----------------------------------------------------------------- writer */

static int sink_write(struct pipeline *pl, uint64_t off, uint64_t len, enum ovk_extent_type type,
		      const uint8_t *data, const uint8_t *enc, size_t enc_len, struct ovk_error *err)
{
	struct ovk_extent e;

	if (!pl->sink)
		return 0;
	ovk_extent_set(&e, off, len, type, data);
	return pl->sink->ops->write(pl->sink, &e, enc, enc_len, err);
}

/* Runs of zero blocks become ZERO extents, runs of data blocks one DATA
 * extent (one large pwrite), and encoded blocks go one by one. */
static int write_item(struct pipeline *pl, struct item *it, struct ovk_error *err);

struct write_work {
	struct pipeline *pl;
	struct item *it;
};

/* A sink may copy straight from the input mapping: guard it too. */
static int write_guarded(void *arg, struct ovk_error *err)
{
	struct write_work *w = arg;

	return write_item(w->pl, w->it, err);
}

static int write_item(struct pipeline *pl, struct item *it, struct ovk_error *err)
{
	size_t nblocks, b = 0;
	int encoding = pl->sink && pl->sink->ops->encode;

	if (it->is_hole)
		return sink_write(pl, it->off, it->len, OVK_EXTENT_UNALLOCATED, NULL, NULL, 0, err);
	nblocks = (size_t)((it->len + pl->bs - 1) / pl->bs);
	while (b < nblocks) {
		size_t run = b + 1;
		uint64_t off = (uint64_t)b * pl->bs, end;

		if (encoding && !it->zero[b]) {
			end = ovk_min_u64(off + pl->bs, it->len);
			if (sink_write(pl, it->off + off, end - off, OVK_EXTENT_DATA, it->data + off,
				       it->enc + b * pl->sink->encode_cap, it->enc_len[b], err) < 0)
				return -1;
			pl->data_bytes += end - off;
			b++;
			continue;
		}
		while (run < nblocks && it->zero[run] == it->zero[b] && (it->zero[b] || !encoding))
			run++;
		end = ovk_min_u64((uint64_t)run * pl->bs, it->len);
		if (it->zero[b]) {
			if (sink_write(pl, it->off + off, end - off, OVK_EXTENT_ZERO, NULL, NULL, 0,
				       err) < 0)
				return -1;
		} else {
			if (sink_write(pl, it->off + off, end - off, OVK_EXTENT_DATA, it->data + off,
				       NULL, 0, err) < 0)
				return -1;
			pl->data_bytes += end - off;
		}
		b = run;
	}
	return 0;
}

static void release_inputs(struct pipeline *pl, uint64_t done)
{
	for (int i = 0; i < pl->chain->depth; i++) {
		struct ovk_source *s = pl->chain->src[i];

		if (s->ops->release)
			s->ops->release(s, ovk_min_u64(done, s->size));
	}
}

static void *writer_main(void *arg)
{
	struct pipeline *pl = arg;
	struct ovk_error err = { 0 };
	uint64_t released = 0;
	double last_progress = 0;

	pthread_mutex_lock(&pl->lock);
	for (;;) {
		struct write_work ww = { pl, NULL };
		double t0;
		int r;

		while (!pl->stop && !(pl->write_seq < pl->next_seq &&
				      slot_of(pl, pl->write_seq)->state == SLOT_DONE)) {
			if (pl->producer_done && pl->write_seq >= pl->next_seq)
				break;
			pthread_cond_wait(&pl->cond_done, &pl->lock);
		}
		if (pl->stop || pl->write_seq >= pl->next_seq)
			break;
		ww.it = slot_of(pl, pl->write_seq);
		pthread_mutex_unlock(&pl->lock);

		t0 = ovk_now_seconds();
		r = ovk_guarded(write_guarded, &ww, input_name(pl), &err);
		/* A sink that writes straight from the input's mapping gets
		 * EFAULT from the kernel, not SIGBUS, when the input shrank
		 * under it: the input is at fault, not the output. */
		if (r < 0 && err.errnum == EFAULT)
			ovk_error_set(&err, EIO, "%s: input file changed size or could not be read "
				      "while converting (bus error on the mapping)", input_name(pl));
		if (r == 0 && cancelled(pl))
			r = ovk_error_set(&err, ECANCELED, "interrupted");
		if (r == 0 && ww.it->off + ww.it->len - released >= RELEASE_EVERY) {
			released = ww.it->off + ww.it->len;
			release_inputs(pl, released);
		}
		if (r == 0 && pl->opts->progress && t0 - last_progress >= PROGRESS_NS / 1e9) {
			last_progress = t0;
			pl->opts->progress(pl->opts->progress_opaque, ww.it->off + ww.it->len,
					   pl->size);
		}

		pthread_mutex_lock(&pl->lock);
		pl->t_write += ovk_now_seconds() - t0;
		if (r < 0) {
			fail_locked(pl, &err);
			break;
		}
		ww.it->state = SLOT_FREE;
		pl->write_seq++;
		pthread_cond_broadcast(&pl->cond_free);
	}
	pthread_mutex_unlock(&pl->lock);
	return NULL;
}

/* --------------------------------------------------------------- producer */

static struct item *acquire(struct pipeline *pl)
{
	struct item *it;
	double t0 = ovk_now_seconds();

	pthread_mutex_lock(&pl->lock);
	while (!pl->stop && slot_of(pl, pl->next_seq)->state != SLOT_FREE)
		pthread_cond_wait(&pl->cond_free, &pl->lock);
	pl->t_stall += ovk_now_seconds() - t0;
	if (pl->stop) {
		pthread_mutex_unlock(&pl->lock);
		return NULL;
	}
	it = slot_of(pl, pl->next_seq);
	it->state = SLOT_FILLING;
	it->seq = pl->next_seq;
	pthread_mutex_unlock(&pl->lock);
	it->nparts = 0;
	it->is_hole = 0;
	it->data = NULL;
	return it;
}

static void publish(struct pipeline *pl, struct item *it)
{
	pthread_mutex_lock(&pl->lock);
	it->state = it->is_hole ? SLOT_DONE : SLOT_QUEUED;
	pl->next_seq++;
	pthread_cond_broadcast(&pl->cond_work);
	pthread_cond_broadcast(&pl->cond_done);
	pthread_mutex_unlock(&pl->lock);
}

static int add_part(struct item *it, const struct ovk_part *src, uint64_t off, uint64_t len,
		    struct ovk_error *err)
{
	struct ovk_part *p;

	if (it->nparts == it->cap) {
		size_t cap = it->cap ? it->cap * 2 : 16;
		struct ovk_part *np = realloc(it->parts, cap * sizeof *np);

		if (!np)
			return ovk_error_set(err, ENOMEM, "out of memory");
		it->parts = np;
		it->cap = cap;
	}
	p = &it->parts[it->nparts++];
	if (src) {
		*p = *src;
	} else {
		memset(p, 0, sizeof *p);
		ovk_extent_set(&p->ext, off, len, OVK_EXTENT_ZERO, NULL);
	}
	p->off = off;
	p->len = len;
	it->len = off + len - it->off;
	return 0;
}

struct producer {
	struct pipeline *pl;
	struct item *cur;          /* the open item, or NULL */
};

static int open_item(struct producer *pr, uint64_t off, int hole, struct ovk_error *err)
{
	pr->cur = acquire(pr->pl);
	if (!pr->cur)
		return ovk_error_set(err, ECANCELED, "stopped");
	pr->cur->off = off;
	pr->cur->len = 0;
	pr->cur->is_hole = hole;
	return 0;
}

static void close_item(struct producer *pr)
{
	if (pr->cur && pr->cur->len > 0)
		publish(pr->pl, pr->cur);
	else if (pr->cur)
		pr->cur->state = SLOT_FREE;  /* never published: nobody else saw it */
	pr->cur = NULL;
}

static uint64_t chunk_of(uint64_t off)
{
	return off & ~(OVK_CHUNK - 1);
}

static int produce_data(struct producer *pr, const struct ovk_part *p, uint64_t off,
			uint64_t len, struct ovk_error *err)
{
	struct pipeline *pl = pr->pl;
	struct item *cur = pr->cur;
	uint64_t start;

	if (cur && !cur->is_hole && chunk_of(cur->off) == chunk_of(off))
		return add_part(cur, p, off, len, err);
	/* A new DATA item starts at the sink block that holds off, and the
	 * hole before it gives up that block's head. */
	start = ovk_max_u64(off & ~((uint64_t)pl->bs - 1), chunk_of(off));
	if (cur && cur->is_hole) {
		cur->len = start - cur->off;
	}
	close_item(pr);
	if (open_item(pr, start, 0, err) < 0)
		return -1;
	if (start < off && add_part(pr->cur, NULL, start, off - start, err) < 0)
		return -1;
	return add_part(pr->cur, p, off, len, err);
}

static int produce_hole(struct producer *pr, uint64_t off, uint64_t len, struct ovk_error *err)
{
	struct pipeline *pl = pr->pl;
	struct item *cur = pr->cur;

	if (cur && !cur->is_hole) {
		/* Finish the current sink block with zeros: DATA items end on a
		 * block boundary. */
		uint64_t end = cur->off + cur->len;
		uint64_t block_end = ovk_min_u64((end + pl->bs - 1) & ~((uint64_t)pl->bs - 1),
						 ovk_min_u64(chunk_of(cur->off) + OVK_CHUNK, pl->size));
		uint64_t absorb = ovk_min_u64(block_end > end ? block_end - end : 0, len);

		if (absorb && add_part(cur, NULL, off, absorb, err) < 0)
			return -1;
		off += absorb;
		len -= absorb;
		if (len == 0)
			return 0;
		close_item(pr);
		cur = NULL;
	}
	if (!cur) {
		if (open_item(pr, off, 1, err) < 0)
			return -1;
		cur = pr->cur;
	}
	cur->len = off + len - cur->off;
	return 0;
}

struct next_work {
	struct ovk_layer *layers;
	struct ovk_part *part;
};

/* Walking metadata reads the mapping too (grain tables, L2 tables). */
static int next_part(void *arg, struct ovk_error *err)
{
	struct next_work *w = arg;

	return ovk_layers_next(w->layers, w->part, err);
}

static int produce(struct pipeline *pl, struct ovk_error *err)
{
	struct producer pr = { .pl = pl };
	struct ovk_layer *layers = NULL;
	struct ovk_part part;
	struct next_work nw = { NULL, &part };
	double t0 = ovk_now_seconds();
	int ret = -1;
	int r;

	if (ovk_layers_new(pl->chain, &layers, err) < 0)
		return -1;
	nw.layers = layers;

	while ((r = ovk_guarded(next_part, &nw, input_name(pl), err)) > 0) {
		uint64_t off = part.off, len = part.len;

		if (cancelled(pl)) {
			ovk_error_set(err, ECANCELED, "interrupted");
			goto out;
		}
		if (part.ext.type != OVK_EXTENT_DATA) {
			if (produce_hole(&pr, off, len, err) < 0)
				goto out;
		}
		while (part.ext.type == OVK_EXTENT_DATA && len > 0) {
			uint64_t n = ovk_min_u64(len, chunk_of(off) + OVK_CHUNK - off);

			if (produce_data(&pr, &part, off, n, err) < 0)
				goto out;
			off += n;
			len -= n;
		}
	}
	if (r < 0)
		goto out;
	ret = 0;
out:
	close_item(&pr);
	ovk_layers_free(layers);
	/* The walk's time, once (it includes waits for a free slot, which
	 * fill_stats takes out again as the stall). */
	pthread_mutex_lock(&pl->lock);
	pl->t_read += ovk_now_seconds() - t0;
	pthread_mutex_unlock(&pl->lock);
	return ret;
}

/* -------------------------------------------------------------------- run */

static int slots_new(struct pipeline *pl, struct ovk_error *err)
{
	size_t enc_cap = pl->sink && pl->sink->ops->encode ? pl->sink->encode_cap : 0;

	pl->slots = calloc(pl->nslots, sizeof *pl->slots);
	if (!pl->slots)
		return ovk_error_set(err, ENOMEM, "out of memory");
	for (unsigned i = 0; i < pl->nslots; i++) {
		struct item *it = &pl->slots[i];

		it->seq = UINT64_MAX;
		it->zero = malloc(pl->nblocks_max);
		it->enc_len = calloc(pl->nblocks_max, sizeof *it->enc_len);
		it->enc = enc_cap ? malloc(pl->nblocks_max * enc_cap) : NULL;
		if (!it->zero || !it->enc_len || (enc_cap && !it->enc))
			return ovk_error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

static void slots_free(struct pipeline *pl)
{
	for (unsigned i = 0; pl->slots && i < pl->nslots; i++) {
		free(pl->slots[i].parts);
		free(pl->slots[i].buf);
		free(pl->slots[i].zero);
		free(pl->slots[i].enc);
		free(pl->slots[i].enc_len);
	}
	free(pl->slots);
}

static unsigned thread_count(unsigned asked)
{
	long n = asked ? (long)asked : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	return n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

static void fill_stats(struct pipeline *pl, unsigned threads, double t0)
{
	struct ovk_convert_stats *st = pl->opts->stats;

	if (!st)
		return;
	st->bytes_in = pl->chain->top_blob ? pl->chain->top_blob->size : 0;
	st->bytes_out = pl->size;
	st->data_bytes = pl->data_bytes;
	st->read_seconds = pl->t_read - pl->t_stall;
	st->stall_seconds = pl->t_stall;
	st->decode_seconds = pl->t_decode;
	st->encode_seconds = pl->t_encode;
	st->write_seconds = pl->t_write;
	st->wall_seconds = ovk_now_seconds() - t0;
	st->threads = threads;
}

int ovk_pipeline_run(struct ovk_chain *chain, struct ovk_sink *sink,
		     const struct ovk_pipeline_opts *opts, struct ovk_error *err)
{
	struct pipeline pl = { 0 };
	pthread_t workers[MAX_THREADS], writer;
	unsigned threads = thread_count(opts->threads), started = 0;
	int writer_started = 0, ret = -1;
	double t0 = ovk_now_seconds();

	pthread_mutex_init(&pl.lock, NULL);
	pthread_cond_init(&pl.cond_work, NULL);
	pthread_cond_init(&pl.cond_done, NULL);
	pthread_cond_init(&pl.cond_free, NULL);
	pl.chain = chain;
	pl.sink = sink;
	pl.size = chain->src[0]->size;
	pl.bs = sink ? sink->block_size : 4096;
	pl.opts = opts;
	pl.nslots = threads * SLOTS_PER_THREAD + SLOTS_EXTRA;
	if (!ovk_is_pow2(pl.bs) || pl.bs > OVK_CHUNK) {
		ovk_error_set(err, EINVAL, "sink block size %u is not a power of two <= %llu",
			      pl.bs, (unsigned long long)OVK_CHUNK);
		goto out;
	}
	pl.nblocks_max = OVK_CHUNK / pl.bs;
	for (int i = 0; i < chain->depth; i++)
		if (chain->blob[i])
			ovk_blob_advise_sequential(chain->blob[i]);
	if (slots_new(&pl, err) < 0)
		goto out;
	if (pthread_create(&writer, NULL, writer_main, &pl) != 0) {
		ovk_error_set(err, EAGAIN, "cannot start the writer thread");
		goto out;
	}
	writer_started = 1;
	for (; started < threads; started++)
		if (pthread_create(&workers[started], NULL, worker_main, &pl) != 0)
			break;
	if (started == 0) {
		ovk_error_set(err, EAGAIN, "cannot start worker threads");
		fail(&pl, err);
	} else if (produce(&pl, err) < 0) {
		fail(&pl, err);
	}
	ret = 0;
out:
	pthread_mutex_lock(&pl.lock);
	pl.producer_done = 1;
	if (ret < 0)
		fail_locked(&pl, err);
	pthread_cond_broadcast(&pl.cond_work);
	pthread_cond_broadcast(&pl.cond_done);
	pthread_mutex_unlock(&pl.lock);
	for (unsigned i = 0; i < started; i++)
		pthread_join(workers[i], NULL);
	if (writer_started)
		pthread_join(writer, NULL);
	if (pl.stop) {
		if (err && ret == 0)
			*err = pl.err;
		ret = -1;
	}
	if (ret == 0) {
		if (opts->progress)
			opts->progress(opts->progress_opaque, pl.size, pl.size);
		fill_stats(&pl, threads, t0);
	}
	slots_free(&pl);
	pthread_cond_destroy(&pl.cond_work);
	pthread_cond_destroy(&pl.cond_done);
	pthread_cond_destroy(&pl.cond_free);
	pthread_mutex_destroy(&pl.lock);
	return ret;
}

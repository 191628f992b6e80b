/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pipeline.c: the conversion data path.
 *
 *   producer (calling thread)  walks the layered extents (layer.c) and cuts
 *                              them into work items: a DATA item is at most
 *                              one OVK_CHUNK-aligned chunk, widened to whole
 *                              sink blocks; a HOLE item is a run of ZERO or
 *                              UNALLOCATED guest bytes of any length.  It
 *                              also retires what the writer has passed.
 *   workers (N threads)        materialise DATA items (pread of stored
 *                              bytes, pread of encoded ones and the source's
 *                              read() to decode them), mark all-zero sink
 *                              blocks, and encode the others with the
 *                              sink's codec.
 *   writer (1 thread)          hands whole-block runs to the sink strictly
 *                              in order.
 *
 * Items live in a ring of slots; a slot is reused only after the writer is
 * done with it, so memory is bounded by the ring (a few MiB per thread) and
 * not by the disk.  A DATA item that is one buffer handed over by a stream
 * source is not copied at all: workers and writer use the pointer.
 *
 * Input data is read with pread into the items, not through the input's
 * mapping (which the formats keep for their metadata).  Both copy from the
 * page cache, but a mapping pays a page fault per 64 KiB as well, and a
 * fault is dear in a virtual machine: mapping the 862 MB reference VMDK
 * cost 0.45 s of CPU here, reading it 0.1 s.  Nothing of the input is then
 * resident beyond the items, whatever the disk's size.
 *
 * Invariants: items have increasing seq and tile [0, size); every item's
 * start and end are multiples of the sink block size, or the end of the
 * disk; the writer sees item seq only after the producer published it and a
 * worker (or, for holes, the producer) marked it DONE; an extent's buffer
 * and input pages are released only once the writer is past its end.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/cancel.h"
#include "core/checked.h"
#include "core/clock.h"
#include "core/guard.h"
#include "core/zero.h"
#include "engine.h"

/* The engine's unit of work: large enough that per-item costs vanish,
 * small enough that a few per thread stay a few MiB. */
#define OVK_CHUNK ((uint64_t)2 << 20)
/* Slots per worker thread, plus a few so the writer never starves the
 * producer: 2 per worker keeps both busy while one item is being written. */
#define SLOTS_PER_THREAD 2
#define SLOTS_EXTRA 4
/* Retire what the writer passed at least this often (guest bytes), and
 * report progress at most this often. */
#define RETIRE_EVERY ((uint64_t)4 << 20)
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
	const uint8_t *data;      /* the item's bytes, once materialised */
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
	uint64_t written;         /* guest bytes the writer has handed over */
	int producer_done;
	int stop;
	struct ovk_error err;     /* the first error */

	const struct ovk_chain *chain;
	struct ovk_layers *layers;
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
	return ovk_cancelled(pl->opts->cancel);
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

static const char *input_name(const struct pipeline *pl)
{
	return pl->chain->blob[0] ? ovk_blob_name(pl->chain->blob[0]) : "blank disk";
}

/* ---------------------------------------------------------------- workers */

/* Stage times of one worker, added to the pipeline's once, when it ends:
 * no lock per part on the hot path. */
struct worker_times {
	double read, decode, encode;
};

/* A pointer to a part's bytes when they need no work (stored in a buffer
 * handed over), else NULL. */
static const uint8_t *direct_bytes(const struct ovk_part *p)
{
	const struct ovk_extent *e = &p->ext;

	if (e->type != OVK_EXTENT_DATA || e->encoded || !e->buf)
		return NULL;
	return e->buf + (p->off - e->offset);
}

/* What one worker keeps between items. */
struct worker {
	struct worker_times times;
	uint8_t *scratch;         /* OVK_MAX_ENCODED: a whole encoded extent, a padded block */
	uint8_t *in;              /* an encoded extent's input bytes */
	size_t in_cap;
};

/* Decode an encoded extent into dst (ext->length bytes).  Its input bytes
 * in a file are read with pread first: see the top of the file. */
static int decode(struct worker *w, const struct ovk_part *p, uint8_t *dst,
		  struct ovk_error *err)
{
	struct ovk_extent e = p->ext;

	if (!e.buf) {
		if (e.in_len > w->in_cap) {
			uint8_t *n = realloc(w->in, (size_t)e.in_len);

			if (!n)
				return ovk_error_set(err, ENOMEM, "out of memory");
			w->in = n;
			w->in_cap = (size_t)e.in_len;
		}
		if (ovk_blob_pread(e.in, e.in_off, w->in, (size_t)e.in_len, err) < 0)
			return -1;
		e.buf = w->in;
		e.buf_len = (size_t)e.in_len;
	}
	return p->origin->ops->read(p->origin, &e, dst, err);
}

/* Copy, read or decode one part into dst.  An encoded extent that is only
 * partly wanted (cut at a chunk boundary, or under a smaller top cluster)
 * is decoded whole into scratch first. */
static int fill_part(struct worker *w, const struct ovk_part *p, uint8_t *dst,
		     struct ovk_error *err)
{
	const struct ovk_extent *e = &p->ext;
	uint64_t skip = p->off - e->offset;
	const uint8_t *src = direct_bytes(p);
	double t0 = ovk_now_seconds();
	int ret = -1;

	if (e->type != OVK_EXTENT_DATA) {
		memset(dst, 0, p->len);
		ret = 0;
	} else if (src) {
		memcpy(dst, src, p->len);
		ret = 0;
	} else if (!e->encoded) {
		ret = ovk_blob_pread(e->in, e->in_off + skip, dst, p->len, err);
	} else if (skip == 0 && p->len == e->length) {
		ret = decode(w, p, dst, err);
	} else {
		if (!w->scratch && !(w->scratch = malloc(OVK_MAX_ENCODED)))
			return ovk_error_set(err, ENOMEM, "out of memory");
		ret = decode(w, p, w->scratch, err);
		if (ret == 0)
			memcpy(dst, w->scratch + skip, p->len);
	}
	if (e->type == OVK_EXTENT_DATA && e->encoded)
		w->times.decode += ovk_now_seconds() - t0;
	else
		w->times.read += ovk_now_seconds() - t0;
	return ret;
}

/* A chunk buffer, aligned and backed by one huge page where the kernel
 * offers them: first touches fault once per buffer, not once per page. */
static uint8_t *chunk_alloc(void)
{
	void *p;

	if (posix_memalign(&p, OVK_CHUNK, OVK_CHUNK) != 0)
		return NULL;
	madvise(p, OVK_CHUNK, MADV_HUGEPAGE);
	return p;
}

static int materialize(struct worker *w, struct item *it, struct ovk_error *err)
{
	const uint8_t *direct = it->nparts == 1 ? direct_bytes(&it->parts[0]) : NULL;

	if (direct) {
		it->data = direct;
		return 0;
	}
	if (!it->buf && !(it->buf = chunk_alloc()))
		return ovk_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < it->nparts; i++)
		if (fill_part(w, &it->parts[i], it->buf + (it->parts[i].off - it->off), err) < 0)
			return -1;
	it->data = it->buf;
	return 0;
}

/* Encode one block of data, zero-padded to the block size when it is the
 * short last one (an encoding always covers a whole block). */
static int encode_block(const struct ovk_sink *sink, const uint8_t *block, size_t len,
			uint8_t *out, size_t *out_len, uint8_t **scratch, struct ovk_error *err)
{
	if (len < sink->block_size) {
		if (!*scratch && !(*scratch = malloc(OVK_MAX_ENCODED)))
			return ovk_error_set(err, ENOMEM, "out of memory");
		memcpy(*scratch, block, len);
		memset(*scratch + len, 0, sink->block_size - len);
		block = *scratch;
	}
	return ovk_codec_encode(sink->codec, sink->codec_level, block, sink->block_size, out,
				sink->encode_cap, out_len, err);
}

static int classify(struct pipeline *pl, struct worker *w, struct item *it,
		    struct ovk_error *err)
{
	const struct ovk_sink *sink = pl->sink;
	size_t nblocks = (size_t)((it->len + pl->bs - 1) / pl->bs);
	int encoding = sink && sink->codec != OVK_CODEC_NONE;
	double t0 = ovk_now_seconds();

	for (size_t b = 0; b < nblocks; b++) {
		uint64_t boff = (uint64_t)b * pl->bs;
		size_t blen = (size_t)ovk_min_u64(pl->bs, it->len - boff);

		it->zero[b] = (uint8_t)ovk_is_zero(it->data + boff, blen);
		it->enc_len[b] = 0;
		if (!it->zero[b] && encoding &&
		    encode_block(sink, it->data + boff, blen, it->enc + b * sink->encode_cap,
				 &it->enc_len[b], &w->scratch, err) < 0)
			return -1;
	}
	w->times.encode += ovk_now_seconds() - t0;
	return 0;
}

/* Everything a worker does with an item.  It reads the input with pread
 * only, so it needs no SIGBUS guard: a file that shrinks is a short read. */
static int work_item(struct pipeline *pl, struct worker *w, struct item *it,
		     struct ovk_error *err)
{
	if (materialize(w, it, err) < 0)
		return -1;
	return classify(pl, w, it, err);
}

static void *worker_main(void *arg)
{
	struct pipeline *pl = arg;
	struct worker wr = { 0 };
	struct ovk_error err = { 0 };

	pthread_mutex_lock(&pl->lock);
	for (;;) {
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

		r = work_item(pl, &wr, it, &err);

		pthread_mutex_lock(&pl->lock);
		if (r < 0) {
			fail_locked(pl, &err);
			break;
		}
		it->state = SLOT_DONE;
		pthread_cond_broadcast(&pl->cond_done);
	}
	pl->t_read += wr.times.read;
	pl->t_decode += wr.times.decode;
	pl->t_encode += wr.times.encode;
	pthread_mutex_unlock(&pl->lock);
	free(wr.scratch);
	free(wr.in);
	return NULL;
}

/* ----------------------------------------------------------------- writer */

static int sink_write(struct pipeline *pl, uint64_t off, uint64_t len, enum ovk_extent_type type,
		      const uint8_t *data, const uint8_t *enc, size_t enc_len, struct ovk_error *err)
{
	const struct ovk_block_run run = { off, len, type, data, enc, enc_len };

	if (type == OVK_EXTENT_DATA)
		pl->data_bytes += len;
	if (!pl->sink)
		return 0;
	return pl->sink->ops->write(pl->sink, &run, err);
}

/* Runs of zero blocks become ZERO runs, runs of data blocks one DATA run
 * (one large write), and encoded blocks go one by one. */
static int write_item(struct pipeline *pl, struct item *it, struct ovk_error *err)
{
	int encoding = pl->sink && pl->sink->codec != OVK_CODEC_NONE;
	size_t nblocks, b = 0;

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
			b++;
			continue;
		}
		while (run < nblocks && it->zero[run] == it->zero[b] && (it->zero[b] || !encoding))
			run++;
		end = ovk_min_u64((uint64_t)run * pl->bs, it->len);
		if (sink_write(pl, it->off + off, end - off,
			       it->zero[b] ? OVK_EXTENT_ZERO : OVK_EXTENT_DATA,
			       it->zero[b] ? NULL : it->data + off, NULL, 0, err) < 0)
			return -1;
		b = run;
	}
	return 0;
}

static void *writer_main(void *arg)
{
	struct pipeline *pl = arg;
	struct ovk_error err = { 0 };
	double last_progress = 0;

	pthread_mutex_lock(&pl->lock);
	for (;;) {
		struct item *it;
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
		it = slot_of(pl, pl->write_seq);
		pthread_mutex_unlock(&pl->lock);

		t0 = ovk_now_seconds();
		r = write_item(pl, it, &err);
		if (r == 0 && cancelled(pl))
			r = ovk_error_set(&err, ECANCELED, "interrupted");
		if (r == 0 && pl->opts->progress && t0 - last_progress >= PROGRESS_NS / 1e9) {
			last_progress = t0;
			pl->opts->progress(pl->opts->progress_opaque, it->off + it->len, pl->size);
		}

		pthread_mutex_lock(&pl->lock);
		pl->t_write += ovk_now_seconds() - t0;
		if (r < 0) {
			fail_locked(pl, &err);
			break;
		}
		pl->written = it->off + it->len;
		it->state = SLOT_FREE;
		pl->write_seq++;
		pthread_cond_broadcast(&pl->cond_free);
	}
	pthread_mutex_unlock(&pl->lock);
	return NULL;
}

/* --------------------------------------------------------------- producer */

struct producer {
	struct pipeline *pl;
	struct item *cur;          /* the open item, or NULL */
	uint64_t retired;          /* guest bytes retired so far */
};

/* The next free slot, retiring behind the writer on the way. */
static struct item *acquire(struct producer *pr)
{
	struct pipeline *pl = pr->pl;
	struct item *it;
	double t0 = ovk_now_seconds();
	uint64_t written;

	pthread_mutex_lock(&pl->lock);
	while (!pl->stop && slot_of(pl, pl->next_seq)->state != SLOT_FREE)
		pthread_cond_wait(&pl->cond_free, &pl->lock);
	pl->t_stall += ovk_now_seconds() - t0;
	written = pl->written;
	if (pl->stop) {
		pthread_mutex_unlock(&pl->lock);
		return NULL;
	}
	it = slot_of(pl, pl->next_seq);
	it->state = SLOT_FILLING;
	it->seq = pl->next_seq;
	pthread_mutex_unlock(&pl->lock);
	if (written - pr->retired >= RETIRE_EVERY) {
		ovk_layers_retire(pl->layers, written);
		pr->retired = written;
	}
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
		ovk_extent_hole(&p->ext, off, len, OVK_EXTENT_ZERO);
	}
	p->off = off;
	p->len = len;
	it->len = off + len - it->off;
	return 0;
}

static int open_item(struct producer *pr, uint64_t off, int hole, struct ovk_error *err)
{
	pr->cur = acquire(pr);
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
	if (cur && cur->is_hole)
		cur->len = start - cur->off;
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
	struct ovk_layers *layers;
	struct ovk_part *part;
};

/* The walk reads the formats' metadata (grain tables, L2 tables) through
 * the input's mapping: the one part of a conversion under the SIGBUS
 * guard. */
static int next_part(void *arg, struct ovk_error *err)
{
	struct next_work *w = arg;

	return ovk_layers_next(w->layers, w->part, err);
}

static int produce(struct pipeline *pl, struct ovk_error *err)
{
	struct producer pr = { .pl = pl };
	struct ovk_part part;
	struct next_work nw = { pl->layers, &part };
	double t0 = ovk_now_seconds();
	int ret = -1;
	int r;

	while ((r = ovk_guarded(next_part, &nw, input_name(pl), err)) > 0) {
		uint64_t off = part.off, len = part.len;

		if (cancelled(pl)) {
			ovk_error_set(err, ECANCELED, "interrupted");
			goto out;
		}
		if (part.ext.type != OVK_EXTENT_DATA && produce_hole(&pr, off, len, err) < 0)
			goto out;
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
	size_t enc_cap = pl->sink && pl->sink->codec != OVK_CODEC_NONE ? pl->sink->encode_cap : 0;

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
	st->bytes_in = pl->chain->blob[0] ? ovk_blob_size(pl->chain->blob[0]) : 0;
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

static int check_sink(const struct ovk_sink *sink, struct ovk_error *err)
{
	if (!ovk_is_pow2(sink->block_size) || sink->block_size > OVK_MAX_ENCODED)
		return ovk_error_set(err, EINVAL, "sink block size %u is not a power of two <= %llu",
				     sink->block_size, (unsigned long long)OVK_MAX_ENCODED);
	if (sink->codec != OVK_CODEC_NONE && sink->encode_cap == 0)
		return ovk_error_set(err, EINVAL, "sink with a codec and no room for encodings");
	return 0;
}

int ovk_pipeline_run(const struct ovk_chain *chain, struct ovk_sink *sink,
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
	pl.nblocks_max = OVK_CHUNK / pl.bs;
	if ((sink && check_sink(sink, err) < 0) || ovk_layers_new(chain, &pl.layers, err) < 0)
		goto out;
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
	/* After the threads: their parts point into what the layers hold. */
	ovk_layers_free(pl.layers);
	slots_free(&pl);
	pthread_cond_destroy(&pl.cond_work);
	pthread_cond_destroy(&pl.cond_done);
	pthread_cond_destroy(&pl.cond_free);
	pthread_mutex_destroy(&pl.lock);
	return ret;
}

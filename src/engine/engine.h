/*
 * engine.h: the engine's private interfaces.
 *
 *   registry.c  probes every format by content and opens sources, layering
 *               backing chains (layer.c);
 *   layer.c     walks a stack of sources (top over its backing files) as one
 *               ascending sequence of parts;
 *   pipeline.c  turns parts into 2 MiB work items, decodes them on worker
 *               threads, detects zeros, encodes, and feeds the sink in order;
 *   output.c    temp-file-and-rename handling of the output;
 *   convert.c   the public entry points (ovk_convert, ovk_info_open, ...).
 */
#ifndef OVK_ENGINE_H
#define OVK_ENGINE_H

#include <stdint.h>

#include "core/blob.h"
#include "core/extent.h"
#include "core/format.h"

/* Backing chains longer than this are refused: real chains are a few
 * snapshots deep, and a loop of files naming each other must end. */
#define OVK_MAX_CHAIN 16

/* An opened input: the top source and its backing sources. */
struct ovk_chain {
	struct ovk_source *src[OVK_MAX_CHAIN];
	struct ovk_blob *blob[OVK_MAX_CHAIN];  /* each source's file, borrowed */
	struct ovk_blob *top_blob;   /* blob[0]; the bytes to hash */
	int depth;
};

/* The format by name, or NULL. */
const struct ovk_format *ovk_format_by_name(const char *name);

/* Probe a blob; returns the best format or NULL (err filled). */
const struct ovk_format *ovk_probe_blob(struct ovk_blob *blob, struct ovk_error *err);

/* Open `blob` (taken over on success and on failure) as format `format`
 * (NULL: probe), then its backing chain. */
int ovk_chain_open_blob(struct ovk_blob *blob, const char *format, unsigned flags,
			struct ovk_chain *chain, struct ovk_error *err);
int ovk_chain_open(const char *path, const char *format, unsigned flags,
		   struct ovk_chain *chain, struct ovk_error *err);
void ovk_chain_close(struct ovk_chain *chain);

/* One piece of the guest view: a source extent (possibly a clipped part of
 * it: [off, off + len) lies inside [ext.offset, ext.offset + ext.length)). */
struct ovk_part {
	struct ovk_extent ext;
	struct ovk_source *origin;   /* whose read() materializes ext */
	uint64_t off, len;
};

struct ovk_layer;
int ovk_layers_new(struct ovk_chain *chain, struct ovk_layer **out, struct ovk_error *err);
/* The next part: 1, 0 at the end, -1 on error. */
int ovk_layers_next(struct ovk_layer *top, struct ovk_part *part, struct ovk_error *err);
void ovk_layers_free(struct ovk_layer *top);

struct ovk_pipeline_opts {
	unsigned threads;
	volatile sig_atomic_t *cancel;
	void (*progress)(void *opaque, uint64_t done, uint64_t total);
	void *progress_opaque;
	struct ovk_convert_stats *stats;
};

/* Run the whole conversion of chain into sink (NULL: discard).  Does not
 * finish or abort the sink. */
int ovk_pipeline_run(struct ovk_chain *chain, struct ovk_sink *sink,
		     const struct ovk_pipeline_opts *opts, struct ovk_error *err);

/* Digests of an input as stored, taken in the same pass as its conversion:
 * a mapped blob is read by a thread of its own (its pages are hot in the
 * page cache anyway); a stream is hashed through its tap as the source
 * reads it, so start before anything reads the stream.  `algs` ends with
 * OVK_HASH_NONE; *out is NULL when there is nothing to hash. */
struct ovk_hasher;
int ovk_hasher_start(struct ovk_blob *blob, const enum ovk_hash_alg *algs,
		     volatile sig_atomic_t *cancel, struct ovk_hasher **out, struct ovk_error *err);
/* Join (reading a stream to its end first when ok), write the digests to
 * out when ok, and free.  NULL-safe. */
int ovk_hasher_finish(struct ovk_hasher *h, int ok, uint8_t (*out)[OVK_HASH_MAX_DIGEST],
		      double *seconds, struct ovk_error *err);

/* ovk_convert() for an input that is already a blob (an OVA member window
 * or stream); the blob is taken over in every case. */
int ovk_convert_blob(struct ovk_blob *blob, const char *output,
		     const struct ovk_convert_opts *opts, struct ovk_error *err);

/* The same into a sink of the caller's (a libvirt upload stream, say):
 * open_sink is called once the input's virtual size is known, and the sink
 * is finished on success or aborted on failure. */
typedef int (*ovk_sink_opener)(void *opaque, uint64_t size, struct ovk_sink **out,
			       struct ovk_error *err);
int ovk_convert_blob_to(struct ovk_blob *blob, ovk_sink_opener open_sink, void *opaque,
			const struct ovk_convert_opts *opts, struct ovk_error *err);

/* An empty image of `size` bytes (an OVF disk with no File). */
int ovk_convert_blank(uint64_t size, const char *output, const struct ovk_convert_opts *opts,
		      struct ovk_error *err);
/* The same into a sink of the caller's, as ovk_convert_blob_to(). */
int ovk_convert_blank_to(uint64_t size, ovk_sink_opener open_sink, void *opaque,
			 const struct ovk_convert_opts *opts, struct ovk_error *err);

/* Output files: a temp file in the target directory, linked into place on
 * commit; a block device is written in place. */
struct ovk_output {
	int fd;
	int is_block_device;
	int anonymous;               /* O_TMPFILE: nothing to unlink on failure */
	char *path;                  /* final name */
	char *tmp_path;              /* named temp file, when not anonymous */
};
int ovk_output_open(const char *path, int force, struct ovk_output *o, struct ovk_error *err);
/* A hidden name beside `path`, in the pattern of the temp files above, for
 * an output that may replace an existing `path` only once a whole set of
 * outputs has succeeded (an appliance's disks, whose manifest may come
 * last): convert into it, then rename() it over `path`.  malloc'ed; NULL
 * when out of memory. */
char *ovk_output_stage_name(const char *path);
int ovk_output_commit(struct ovk_output *o, int force, struct ovk_error *err);
void ovk_output_discard(struct ovk_output *o);

#endif

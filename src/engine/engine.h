/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * engine.h: the engine's interfaces, for itself and the layers above it.
 *
 *   registry.c  every format (the only file that names them), probing by
 *               content, and opening an input with its backing chain;
 *   layer.c     walks a stack of sources (top over its backing files) as one
 *               ascending sequence of parts, and holds the buffers sources
 *               hand over until the writer is past them;
 *   pipeline.c  cuts parts into 2 MiB work items, materialises and decodes
 *               them on worker threads, detects zeros, encodes with the
 *               sink's codec, and feeds the sink whole blocks in order;
 *   output.c    temp-file-and-rename handling of the output;
 *   image.c     random access to an image's guest bytes (the guest reader);
 *   convert.c   one conversion end to end (ovk_engine_convert), and the
 *               public entry points (ovk_convert, ovk_info_open, ...).
 */
#ifndef OVK_ENGINE_H
#define OVK_ENGINE_H

#include <stdint.h>

#include "core/blob.h"
#include "core/extent.h"
#include "core/format.h"
#include "core/open.h"

/* Backing chains longer than this are refused: real chains are a few
 * snapshots deep, and a loop of files naming each other must end. */
#define OVK_MAX_CHAIN 16

/* An opened input: the top source and its backing sources. */
struct ovk_chain {
	struct ovk_source *src[OVK_MAX_CHAIN];
	/* Each source's first file (names, sizes, allocation), borrowed from
	 * the source that owns it; NULL for a blank disk.  Not const: a
	 * stream's rest is read through it after the last guest byte. */
	struct ovk_blob *blob[OVK_MAX_CHAIN];
	int depth;
};

/* The format by name, or NULL. */
const struct ovk_format *ovk_format_by_name(const char *name);

/* Probe a blob; returns the best format or NULL (err filled). */
const struct ovk_format *ovk_probe_blob(struct ovk_blob *blob, struct ovk_error *err);

/* Open `blob` (taken over on success and on failure) as format `format`
 * (NULL: probe), then its backing chain, through `ctx`. */
int ovk_chain_open_blob(struct ovk_blob *blob, const char *format,
			const struct ovk_open_ctx *ctx, struct ovk_chain *chain,
			struct ovk_error *err);
void ovk_chain_close(struct ovk_chain *chain);

/* One piece of the guest view: a source extent (possibly a clipped part of
 * it: [off, off + len) lies inside [ext.offset, ext.offset + ext.length)). */
struct ovk_part {
	struct ovk_extent ext;
	const struct ovk_source *origin;   /* whose read() materialises ext */
	uint64_t off, len;
};

struct ovk_layers;
int ovk_layers_new(const struct ovk_chain *chain, struct ovk_layers **out,
		   struct ovk_error *err);
/* The next part: 1, 0 at the end, -1 on error.  Its extent's buffer stays
 * held until ovk_layers_retire() passes its end. */
int ovk_layers_next(struct ovk_layers *ls, struct ovk_part *part, struct ovk_error *err);
/* Every guest byte below `done` is written: free the buffers behind it. */
void ovk_layers_retire(struct ovk_layers *ls, uint64_t done);
void ovk_layers_free(struct ovk_layers *ls);

struct ovk_pipeline_opts {
	unsigned threads;
	volatile sig_atomic_t *cancel;
	void (*progress)(void *opaque, uint64_t done, uint64_t total);
	void *progress_opaque;
	struct ovk_convert_stats *stats;   /* filled when not NULL */
};

/* Run the whole conversion of chain into sink (NULL: discard).  Does not
 * finish or abort the sink. */
int ovk_pipeline_run(const struct ovk_chain *chain, struct ovk_sink *sink,
		     const struct ovk_pipeline_opts *opts, struct ovk_error *err);

/* A sink of the caller's (a libvirt upload stream, say): opened once the
 * input's virtual size is known, finished on success, aborted on failure. */
typedef int (*ovk_sink_opener)(void *opaque, uint64_t size, struct ovk_sink **out,
			       struct ovk_error *err);

/* One conversion, for the layers above (an OVA member into a file, a disk
 * into a pool volume, a blank disk, a benchmark run). */
struct ovk_engine_job {
	/* The input, taken over in every case; NULL: a blank disk of
	 * blank_size bytes. */
	struct ovk_blob *blob;
	uint64_t blank_size;
	/* Where the files the input names are (extents, backing files); NULL:
	 * the host file system. */
	const struct ovk_resolver *resolver;
	/* Runs after the last byte is converted and before the output is
	 * committed (a container's digest check); -1 fails the conversion and
	 * leaves no output.  May be NULL. */
	int (*before_commit)(void *opaque, struct ovk_error *err);
	void *hook_opaque;
	/* Where it goes: a file (written to a temp name, renamed on success),
	 * or a sink of the caller's, or with neither, nowhere (a benchmark). */
	const char *output;
	/* output is a path the user gave: a block device there is written in
	 * place.  Otherwise it is a name made here (a disk of an appliance),
	 * which is never a device and never followed through a link. */
	int output_named_by_user;
	/* The output file is made mode 0600 (a guest's disk, as libvirt makes
	 * pool volumes), not 0644. */
	int output_private;
	ovk_sink_opener open_sink;
	void *sink_opaque;
};

/* Run a job with (full-size) options; stats filled when not NULL. */
int ovk_engine_convert(const struct ovk_engine_job *job, const struct ovk_convert_opts *opts,
		       struct ovk_convert_stats *stats, struct ovk_error *err);

/* A caller's option struct (any struct_size this library knows) as a
 * full-size one, unknown fields zero; -1 (EINVAL) for a size it does not
 * know.  `what` names the struct in the message. */
int ovk_opts_load(void *dst, size_t dst_size, const void *src, const char *what,
		  struct ovk_error *err);

/* Check an output format name, its -o options and -c; the format. */
const struct ovk_format *ovk_output_format(const char *name, const char *options,
					   int compress, struct ovk_error *err);
/* ovk_output_format() of opts, and one that can go where opts send it (a
 * stream wants a format that never seeks); `output` names it in messages. */
const struct ovk_format *ovk_output_format_for(const struct ovk_convert_opts *opts,
					       const char *output, struct ovk_error *err);

/* Random access to one whole image (no backing file), for the guest
 * reader: `blob` is taken over in every case; format NULL probes; the
 * files it names (VMDK extents) are found through `ctx` (NULL: on the
 * host, beside it). */
struct ovk_image;
int ovk_image_open(struct ovk_blob *blob, const char *format, const struct ovk_open_ctx *ctx,
		   struct ovk_image **out, struct ovk_error *err);
uint64_t ovk_image_size(const struct ovk_image *img);
int ovk_image_pread(struct ovk_image *img, uint64_t off, void *buf, size_t len,
		    struct ovk_error *err);
void ovk_image_close(struct ovk_image *img);

/* Output files: a temp file in the target directory, linked into place on
 * commit; a block device is written in place. */
struct ovk_output {
	int fd;
	int is_block_device;
	int anonymous;               /* O_TMPFILE: nothing to unlink on failure */
	char *path;                  /* final name */
	char *tmp_path;              /* named temp file, when not anonymous */
};
int ovk_output_open(const char *path, int force, int named_by_user, struct ovk_output *o,
		    struct ovk_error *err);
/* Whether path may be made an output (see output.c): 0 absent, 1 a file or
 * link that `force` replaces, 2 a block device the user named, or -1 with
 * err naming what is in the way and the option (force_option, "--force")
 * that would replace it. */
int ovk_output_check(const char *path, int force, int named_by_user, const char *force_option,
		     struct ovk_error *err);
/* A hidden name beside `path`, in the pattern of the temp files above, for
 * an output that may replace an existing `path` only once a whole set of
 * outputs has succeeded (an appliance's disks, whose manifest may come
 * last): convert into it, then rename() it over `path`.  malloc'ed; NULL
 * when out of memory. */
char *ovk_output_stage_name(const char *path);
int ovk_output_commit(struct ovk_output *o, int force, struct ovk_error *err);
void ovk_output_discard(struct ovk_output *o);

#endif

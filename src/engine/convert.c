/*
 * convert.c: the public entry points of the engine: ovk_convert(),
 * ovk_create_overlay() and ovk_info_open().  They open the input chain,
 * the output file and the sink, run the pipeline, and make sure a failure
 * anywhere leaves no output behind.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/clock.h"
#include "core/info.h"
#include "engine.h"

const char *ovk_version(void)
{
	return OVK_VERSION_STRING;
}

/* A directory is an appliance only when it holds exactly one .ovf; the OVA
 * layer handles that case, so here it is always an error. */
static int refuse_directory(const char *path, struct ovk_error *err)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	return ovk_error_set(err, EISDIR,
			     "%s: is a directory, not a disk image (an appliance directory "
			     "must hold exactly one .ovf)", path);
}

static int open_input(const char *path, const char *format, unsigned flags,
		      struct ovk_chain *chain, struct ovk_error *err)
{
	if (refuse_directory(path, err) < 0)
		return -1;
	return ovk_chain_open(path, format, flags, chain, err);
}

/* Every message names a file: errors from deep in the pipeline (a grain
 * that fails to inflate) get the input's name when they carry neither. */
static void name_a_file(struct ovk_error *err, const char *input, const char *output)
{
	if (err && (!output || !strstr(err->msg, output)))
		ovk_error_name(err, input);
}

/* The output format by name, with its -o options and -c checked. */
static const struct ovk_format *output_format(const char *name, const char *options,
					      int compress, struct ovk_error *err)
{
	const struct ovk_format *fmt = ovk_format_by_name(name ? name : "raw");

	if (!fmt || !fmt->open_sink) {
		ovk_error_set(err, EINVAL, "unknown output format '%s'", name);
		return NULL;
	}
	if (fmt->check_sink_options ? fmt->check_sink_options(options, err) < 0
				    : ovk_options_check(options, NULL, fmt->name, err) < 0)
		return NULL;
	if (compress && !fmt->supports_compression) {
		ovk_error_set(err, EINVAL, "-c: the %s format does not support compression",
			      fmt->name);
		return NULL;
	}
	return fmt;
}

int ovk_check_output(const char *format, const char *options, int compress,
		     struct ovk_error *err)
{
	return output_format(format, options, compress, err) ? 0 : -1;
}

static struct ovk_pipeline_opts pipeline_opts(const struct ovk_convert_opts *opts)
{
	struct ovk_pipeline_opts p = {
		.threads = opts->threads,
		.cancel = opts->cancel,
		.progress = opts->progress,
		.progress_opaque = opts->progress_opaque,
		.stats = opts->stats,
	};

	return p;
}

/* The one pass over the data: pipeline into the sink (NULL: discard) with
 * the digests taken beside it, then the caller's verdict on them.  Always
 * consumes hs. */
static int data_pass(struct ovk_chain *chain, struct ovk_sink *sink,
		     const struct ovk_convert_opts *opts, struct ovk_hasher *hs,
		     struct ovk_error *err)
{
	struct ovk_pipeline_opts popts = pipeline_opts(opts);
	double hash_seconds = 0;
	int ret;

	ret = ovk_pipeline_run(chain, sink, &popts, err);
	if (ovk_hasher_finish(hs, ret == 0, opts->hash_out, &hash_seconds, err) < 0)
		ret = -1;
	if (ret == 0 && opts->stats)
		opts->stats->hash_seconds = hash_seconds;
	if (ret == 0 && hs && opts->hash_check &&
	    opts->hash_check(opts->hash_check_opaque,
			     (const uint8_t (*)[OVK_HASH_MAX_DIGEST])opts->hash_out, err) < 0)
		ret = -1;
	return ret;
}

/* Open the output and its sink, run the data pass (none for an overlay),
 * and commit.  Always consumes hs. */
static int run_into_output(struct ovk_chain *chain, const struct ovk_format *fmt,
			   const char *output, const struct ovk_convert_opts *opts,
			   const char *backing, const char *backing_format,
			   struct ovk_hasher *hs, struct ovk_error *err)
{
	struct ovk_output out = { .fd = -1 };
	struct ovk_sink *sink = NULL;
	struct ovk_sink_params params = { 0 };
	double t0;
	int ret = -1;

	if (ovk_output_open(output, opts->force, &out, err) < 0)
		goto out;
	params.fd = out.fd;
	params.name = output;
	params.is_block_device = out.is_block_device;
	params.size = chain->src[0]->size;
	params.sync = !opts->no_sync;
	params.compress = opts->compress;
	params.options = opts->options;
	params.backing_name = backing;
	params.backing_format = backing_format;
	if (fmt->open_sink(&params, &sink, err) < 0)
		goto out;
	if (!backing) {
		ret = data_pass(chain, sink, opts, hs, err);
		hs = NULL;
		if (ret < 0)
			goto out;
	}
	t0 = ovk_now_seconds();
	ret = sink->ops->finish(sink, err);
	sink = NULL;
	if (ret == 0 && opts->stats)
		opts->stats->sync_seconds = ovk_now_seconds() - t0;
	if (ret == 0)
		ret = ovk_output_commit(&out, opts->force, err);
out:
	ovk_hasher_finish(hs, 0, NULL, NULL, NULL);
	if (sink)
		sink->ops->abort(sink);
	ovk_output_discard(&out);
	return ret;
}

/* Where a blob's conversion goes: a file of a format, or a caller's sink. */
struct destination {
	const struct ovk_format *fmt;
	const char *output;
	ovk_sink_opener open_sink;
	void *opaque;
};

static int run_into_sink(struct ovk_chain *chain, const struct destination *dst,
			 const struct ovk_convert_opts *opts, struct ovk_hasher *hs,
			 struct ovk_error *err)
{
	struct ovk_sink *sink = NULL;
	int ret;

	if (dst->open_sink(dst->opaque, chain->src[0]->size, &sink, err) < 0) {
		ovk_hasher_finish(hs, 0, NULL, NULL, NULL);
		return -1;
	}
	ret = data_pass(chain, sink, opts, hs, err);
	if (ret == 0)
		return sink->ops->finish(sink, err);
	sink->ops->abort(sink);
	return -1;
}

/* Where a stream that needs random access is copied when the caller names
 * no place and there is no output file (a custom sink). */
#define SPILL_DIR_DEFAULT "/var/tmp"

static int convert_blob(struct ovk_blob *blob, const struct destination *dst,
			const struct ovk_convert_opts *opts, struct ovk_error *err)
{
	static const struct ovk_convert_opts defaults;
	struct ovk_chain chain = { 0 };
	struct ovk_hasher *hs = NULL;
	struct ovk_spill spill = { 0 };
	char *input = NULL, *spill_dir = NULL;
	int is_stream = ovk_blob_is_stream(blob);
	int ret = -1;

	if (!opts)
		opts = &defaults;
	/* Streams that need random access (the input, or an extent it opens)
	 * are copied to opts->spill_dir, else beside the output. */
	if (opts->spill_dir)
		spill_dir = strdup(opts->spill_dir);
	else
		spill_dir = dst->output ? ovk_path_dir(dst->output) : strdup(SPILL_DIR_DEFAULT);
	if (!(input = strdup(blob->name)) || !spill_dir) {
		ovk_blob_free(blob);
		free(spill_dir);
		free(input);
		return ovk_error_set(err, ENOMEM, "out of memory");
	}
	spill = (struct ovk_spill){ spill_dir, opts->cancel, opts->note, opts->note_opaque };
	blob->spill = &spill;
	/* A stream is hashed from its first byte, before the probe reads it. */
	if (is_stream && ovk_hasher_start(blob, opts->hash_algs, opts->cancel, &hs, err) < 0) {
		ovk_blob_free(blob);
		goto out;
	}
	if (ovk_chain_open_blob(blob, opts->in_format, opts->open_flags, &chain, err) < 0 ||
	    (!is_stream &&
	     ovk_hasher_start(chain.top_blob, opts->hash_algs, opts->cancel, &hs, err) < 0))
		goto out;
	if (dst->open_sink)
		ret = run_into_sink(&chain, dst, opts, hs, err);
	else if (opts->discard_output)
		ret = data_pass(&chain, NULL, opts, hs, err);
	else
		ret = run_into_output(&chain, dst->fmt, dst->output, opts, NULL, NULL, hs, err);
	hs = NULL;
out:
	ovk_hasher_finish(hs, 0, NULL, NULL, NULL);
	if (ret < 0)
		name_a_file(err, input, dst->output);
	ovk_chain_close(&chain);
	free(spill_dir);
	free(input);
	return ret;
}

int ovk_convert_blob(struct ovk_blob *blob, const char *output,
		     const struct ovk_convert_opts *opts, struct ovk_error *err)
{
	struct destination dst = { .output = output };

	dst.fmt = output_format(opts ? opts->out_format : NULL, opts ? opts->options : NULL,
				opts ? opts->compress : 0, err);
	if (!dst.fmt) {
		ovk_blob_free(blob);
		return -1;
	}
	return convert_blob(blob, &dst, opts, err);
}

int ovk_convert_blob_to(struct ovk_blob *blob, ovk_sink_opener open_sink, void *opaque,
			const struct ovk_convert_opts *opts, struct ovk_error *err)
{
	struct destination dst = { .open_sink = open_sink, .opaque = opaque };

	return convert_blob(blob, &dst, opts, err);
}

/* The source of a blank disk: one UNALLOCATED extent. */
static int blank_next(struct ovk_source *src, struct ovk_extent *ext, struct ovk_error *err)
{
	(void)err;
	if (src->priv)
		return 0;
	ovk_extent_set(ext, 0, src->size, OVK_EXTENT_UNALLOCATED, NULL);
	src->priv = src;   /* done */
	return 1;
}

static void blank_close(struct ovk_source *src)
{
	(void)src;
}

static const struct ovk_source_ops blank_ops = { .next = blank_next, .close = blank_close };

int ovk_convert_blank(uint64_t size, const char *output, const struct ovk_convert_opts *opts,
		      struct ovk_error *err)
{
	struct ovk_source blank = { .ops = &blank_ops, .format = "blank", .size = size };
	struct ovk_chain chain = { .src = { &blank }, .depth = 1 };
	struct ovk_convert_opts o = *opts;
	const struct ovk_format *fmt = output_format(opts->out_format, opts->options, opts->compress, err);

	if (!fmt)
		return -1;
	o.hash_algs = NULL;
	if (size == 0)
		return ovk_error_set(err, EINVAL, "%s: a blank disk needs a capacity", output);
	return run_into_output(&chain, fmt, output, &o, NULL, NULL, NULL, err);
}

int ovk_convert_blank_to(uint64_t size, ovk_sink_opener open_sink, void *opaque,
			 const struct ovk_convert_opts *opts, struct ovk_error *err)
{
	struct ovk_source blank = { .ops = &blank_ops, .format = "blank", .size = size };
	struct ovk_chain chain = { .src = { &blank }, .depth = 1 };
	struct destination dst = { .open_sink = open_sink, .opaque = opaque };
	struct ovk_convert_opts o = *opts;

	o.hash_algs = NULL;
	if (size == 0)
		return ovk_error_set(err, EINVAL, "a blank disk needs a capacity");
	return run_into_sink(&chain, &dst, &o, NULL, err);
}

int ovk_convert(const char *input, const char *output, const struct ovk_convert_opts *opts,
		struct ovk_error *err)
{
	struct ovk_blob *blob;

	if (refuse_directory(input, err) < 0 || ovk_blob_open_file(input, &blob, err) < 0)
		return -1;
	return ovk_convert_blob(blob, output, opts, err);
}

/* qemu resolves a relative backing name from the overlay's directory. */
static char *backing_path_for_open(const char *backing, const char *output)
{
	const char *slash = strrchr(output, '/');
	char *path = NULL;

	if (backing[0] == '/' || !slash)
		return strdup(backing);
	if (asprintf(&path, "%.*s/%s", (int)(slash - output), output, backing) < 0)
		return NULL;
	return path;
}

int ovk_create_overlay(const char *backing, const char *backing_format, const char *output,
		       const struct ovk_convert_opts *opts, struct ovk_error *err)
{
	static const struct ovk_convert_opts defaults;
	struct ovk_chain chain = { 0 };
	const struct ovk_format *fmt;
	char *path = NULL;
	int ret = -1;

	if (!opts)
		opts = &defaults;
	if (!(fmt = output_format(opts->out_format ? opts->out_format : "qcow2", opts->options, 0,
				  err)))
		return -1;
	if (!fmt->supports_backing)
		return ovk_error_set(err, EINVAL, "the %s format cannot have a backing file",
				     fmt->name);
	if (!(path = backing_path_for_open(backing, output)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	/* Open the whole chain once: the overlay is only as good as its base. */
	if (open_input(path, backing_format, opts->open_flags, &chain, err) < 0)
		goto out;
	ret = run_into_output(&chain, fmt, output, opts, backing,
			      backing_format ? backing_format : chain.src[0]->format, NULL, err);
out:
	ovk_chain_close(&chain);
	free(path);
	return ret;
}

int ovk_info_open(const char *path, const char *format, unsigned flags, struct ovk_info **out,
		  struct ovk_error *err)
{
	struct ovk_chain chain = { 0 };
	struct ovk_info *info = NULL;
	struct ovk_source *src;
	int ret = -1;

	if (open_input(path, format, flags, &chain, err) < 0)
		return -1;
	src = chain.src[0];
	if (!(info = ovk_info_new())) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	ovk_info_str(info, "filename", path);
	ovk_info_str(info, "format", src->format);
	ovk_info_u64(info, "virtual_size", src->size);
	ovk_info_u64(info, "allocated_size",
		     src->allocated_bytes ? src->allocated_bytes : chain.top_blob->alloc_bytes);
	if (src->ops->info && src->ops->info(src, info, err) < 0)
		goto out;
	if (chain.depth > 1) {
		ovk_info_begin_list(info, "backing_chain");
		for (int i = 1; i < chain.depth; i++) {
			ovk_info_begin_object(info, NULL);
			ovk_info_str(info, "filename", chain.blob[i]->name);
			ovk_info_str(info, "format", chain.src[i]->format);
			ovk_info_u64(info, "virtual_size", chain.src[i]->size);
			ovk_info_end(info);
		}
		ovk_info_end(info);
	}
	*out = info;
	info = NULL;
	ret = 0;
out:
	ovk_info_free(info);
	ovk_chain_close(&chain);
	return ret;
}

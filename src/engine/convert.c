/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * convert.c: one conversion end to end (ovk_engine_convert: open the input
 * chain, the output and its sink, run the pipeline, let the caller's hook
 * judge, commit), and the engine's public entry points: ovk_convert(),
 * ovk_create_overlay(), ovk_info_open(), ovk_check_output().  A failure
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

/* Where a stream that needs random access is copied when the caller names
 * no place and there is no output file (a caller's sink, a benchmark). */
#define TMP_DIR_DEFAULT "/var/tmp"

const char *ovk_version(void)
{
	return OVK_VERSION_STRING;
}

/* OVK_FEATURES comes from CMakeLists.txt: "+libvirt +zstd" and the like. */
const char *ovk_features(void)
{
	return OVK_FEATURES;
}

int ovk_opts_load(void *dst, size_t dst_size, const void *src, const char *what,
		  struct ovk_error *err)
{
	size_t size = src ? *(const size_t *)src : 0;

	memset(dst, 0, dst_size);
	if (!src) {
		*(size_t *)dst = dst_size;
		return 0;
	}
	if (size < sizeof(size_t) || size > dst_size)
		return ovk_error_set(err, EINVAL, "struct %s: struct_size %zu is not one this "
				     "library (%s) knows", what, size, OVK_VERSION_STRING);
	memcpy(dst, src, size);
	*(size_t *)dst = dst_size;
	return 0;
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

/* Every message names a file: errors from deep in the pipeline (a grain
 * that fails to inflate) get the input's name when they carry neither. */
static void name_a_file(struct ovk_error *err, const char *input, const char *output)
{
	if (err && (!output || !strstr(err->msg, output)))
		ovk_error_name(err, input);
}

const struct ovk_format *ovk_output_format(const char *name, const char *options,
					   int compress, struct ovk_error *err)
{
	const struct ovk_format *fmt = ovk_format_by_name(name ? name : "raw");

	if (!fmt || !fmt->open_sink) {
		char known[128] = "";

		for (const char *const *n = ovk_output_formats(); *n; n++)
			ovk_error_list_add(known, sizeof known, "%s", *n);
		ovk_error_set(err, EINVAL, "unknown output format '%s' (one of: %s)", name, known);
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
	return ovk_output_format(format, options, compress, err) ? 0 : -1;
}

/* ------------------------------------------------------------ the pass */

/* Everything one conversion holds. */
struct run {
	const struct ovk_engine_job *job;
	const struct ovk_convert_opts *opts;
	struct ovk_convert_stats *stats;
	const struct ovk_format *fmt;       /* output format, for a file output */
	struct ovk_chain chain;
};

/* The pipeline into sink (NULL: discard), then the caller's verdict. */
static int data_pass(struct run *r, struct ovk_sink *sink, struct ovk_error *err)
{
	const struct ovk_pipeline_opts popts = {
		.threads = r->opts->threads,
		.cancel = r->opts->cancel,
		.progress = r->opts->progress,
		.progress_opaque = r->opts->progress_opaque,
		.stats = r->stats,
	};

	if (ovk_pipeline_run(&r->chain, sink, &popts, err) < 0)
		return -1;
	/* The format may stop at the guest's last byte, before the end of a
	 * stream that checks itself there (a gzip'ed File's trailer).  A
	 * stream that was copied to a file first was read whole then. */
	if (r->chain.blob[0] && ovk_blob_read_to_end(r->chain.blob[0], err) < 0)
		return -1;
	if (r->job->before_commit && r->job->before_commit(r->job->hook_opaque, err) < 0)
		return -1;
	return 0;
}

/* Finish a sink, timing it as the sync stage; frees the sink. */
static int finish_sink(struct run *r, struct ovk_sink *sink, struct ovk_error *err)
{
	double t0 = ovk_now_seconds();
	int ret = sink->ops->finish(sink, err);

	if (ret == 0 && r->stats)
		r->stats->sync_seconds = ovk_now_seconds() - t0;
	return ret;
}

/* Into the caller's stream, front to back: nothing to name or rename. */
static int into_stream(struct run *r, struct ovk_error *err)
{
	struct ovk_sink_params params = { 0 };
	struct ovk_sink *sink = NULL;

	params.fd = r->opts->stream_fd;
	params.name = r->job->output;
	params.stream = 1;
	params.size = r->chain.src[0]->size;
	params.options = r->opts->options;
	if (r->fmt->open_sink(&params, &sink, err) < 0)
		return -1;
	if (data_pass(r, sink, err) < 0) {
		sink->ops->abort(sink);
		return -1;
	}
	return finish_sink(r, sink, err);
}

const struct ovk_format *ovk_output_format_for(const struct ovk_convert_opts *opts,
					       const char *output, struct ovk_error *err)
{
	const struct ovk_format *fmt;

	if (!(fmt = ovk_output_format(opts->out_format, opts->options, opts->compress, err)))
		return NULL;
	if (opts->to_stream && !fmt->supports_stream) {
		ovk_error_set(err, ESPIPE, "%s: the %s format seeks in its output, so it cannot be "
			      "written to a stream (write a file, or use -O raw)", output, fmt->name);
		return NULL;
	}
	return fmt;
}

/* Into a new file (a temp name, linked into place on success).  With a
 * backing name: an overlay, created empty. */
static int into_file(struct run *r, const char *backing, const char *backing_format,
		     struct ovk_error *err)
{
	const struct ovk_convert_opts *opts = r->opts;
	struct ovk_output out = { .fd = -1 };
	struct ovk_sink_params params = { 0 };
	struct ovk_sink *sink = NULL;
	int ret = -1;

	if (ovk_output_open(r->job->output, opts->force, r->job->output_named_by_user, &out,
			    err) < 0)
		goto out;
	if (r->job->output_private && !out.is_block_device && fchmod(out.fd, 0600) < 0) {
		ovk_error_sys(err, errno, "%s: chmod 0600", r->job->output);
		goto out;
	}
	params.fd = out.fd;
	params.name = r->job->output;
	params.is_block_device = out.is_block_device;
	params.size = r->chain.src[0]->size;
	params.sync = !opts->no_sync;
	params.compress = opts->compress;
	params.options = opts->options;
	params.backing_name = backing;
	params.backing_format = backing_format;
	if (r->fmt->open_sink(&params, &sink, err) < 0)
		goto out;
	if (!backing && data_pass(r, sink, err) < 0)
		goto out;
	ret = finish_sink(r, sink, err);
	sink = NULL;
	if (ret == 0)
		ret = ovk_output_commit(&out, opts->force, err);
out:
	if (sink)
		sink->ops->abort(sink);
	ovk_output_discard(&out);
	return ret;
}

static int into_sink(struct run *r, struct ovk_error *err)
{
	struct ovk_sink *sink = NULL;

	if (r->job->open_sink(r->job->sink_opaque, r->chain.src[0]->size, &sink, err) < 0)
		return -1;
	if (data_pass(r, sink, err) < 0) {
		sink->ops->abort(sink);
		return -1;
	}
	return finish_sink(r, sink, err);
}

/* The source of a blank disk: one UNALLOCATED extent. */
static int blank_next(struct ovk_source *src, struct ovk_extent *ext, struct ovk_error *err)
{
	(void)err;
	if (src->priv)
		return 0;
	ovk_extent_hole(ext, 0, src->size, OVK_EXTENT_UNALLOCATED);
	src->priv = src;   /* done */
	return 1;
}

static void blank_close(struct ovk_source *src)
{
	(void)src;
}

static const struct ovk_source_ops blank_ops = { .next = blank_next, .close = blank_close };

static int open_chain(struct run *r, struct ovk_source *blank, const char *tmp_dir,
		      struct ovk_error *err)
{
	const struct ovk_convert_opts *opts = r->opts;
	const struct ovk_spill_policy spill = { tmp_dir, opts->cancel, opts->note,
						opts->note_opaque };
	const struct ovk_open_ctx ctx = { opts->open_flags, r->job->resolver, &spill };

	if (!r->job->blob) {
		if (r->job->blank_size == 0)
			return ovk_error_set(err, EINVAL, "a blank disk needs a capacity");
		blank->size = r->job->blank_size;
		r->chain.src[0] = blank;
		r->chain.depth = 1;
		return 0;
	}
	/* The spill policy is used while the chain opens, and only then. */
	return ovk_chain_open_blob(r->job->blob, opts->in_format, &ctx, &r->chain, err);
}

int ovk_engine_convert(const struct ovk_engine_job *job, const struct ovk_convert_opts *opts,
		       struct ovk_convert_stats *stats, struct ovk_error *err)
{
	struct ovk_source blank = { .ops = &blank_ops, .format = "blank" };
	struct run r = { .job = job, .opts = opts, .stats = stats };
	char *input = NULL, *tmp_dir = NULL;
	int ret = -1;

	if (job->blob)
		input = strdup(ovk_blob_name(job->blob));
	if (opts->tmp_dir)
		tmp_dir = strdup(opts->tmp_dir);
	else if (job->output && !opts->to_stream)
		tmp_dir = ovk_path_dir(job->output);
	else
		tmp_dir = strdup(TMP_DIR_DEFAULT);
	if ((job->blob && !input) || !tmp_dir) {
		ovk_blob_free(job->blob);
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (job->output && !(r.fmt = ovk_output_format_for(opts, job->output, err))) {
		ovk_blob_free(job->blob);
		goto out;
	}
	if (open_chain(&r, &blank, tmp_dir, err) < 0)
		goto out;
	if (job->output && opts->to_stream)
		ret = into_stream(&r, err);
	else if (job->output)
		ret = into_file(&r, NULL, NULL, err);
	else if (job->open_sink)
		ret = into_sink(&r, err);
	else
		ret = data_pass(&r, NULL, err);
out:
	if (ret < 0 && input)
		name_a_file(err, input, job->output);
	if (r.chain.src[0] != &blank)
		ovk_chain_close(&r.chain);
	free(tmp_dir);
	free(input);
	return ret;
}

/* ------------------------------------------------------------ public */

int ovk_convert(const char *input, const char *output, const struct ovk_convert_opts *opts,
		struct ovk_error *err)
{
	struct ovk_convert_opts o;
	struct ovk_engine_job job = { .output = output, .output_named_by_user = 1 };

	if (ovk_opts_load(&o, sizeof o, opts, "ovk_convert_opts", err) < 0 ||
	    refuse_directory(input, err) < 0 || ovk_blob_open_file(input, &job.blob, err) < 0)
		return -1;
	return ovk_engine_convert(&job, &o, NULL, err);
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

/* Open a file named on the command line as an image, with its chain. */
static int open_path(const char *path, const char *format, unsigned flags,
		     struct ovk_chain *chain, struct ovk_error *err)
{
	const struct ovk_open_ctx ctx = { .flags = flags };
	struct ovk_blob *blob;

	memset(chain, 0, sizeof *chain);
	if (refuse_directory(path, err) < 0 || ovk_blob_open_file(path, &blob, err) < 0)
		return -1;
	return ovk_chain_open_blob(blob, format, &ctx, chain, err);
}

int ovk_create_overlay(const char *backing, const char *backing_format, const char *output,
		       const struct ovk_convert_opts *opts, struct ovk_error *err)
{
	struct ovk_convert_opts o;
	struct ovk_engine_job job = { .output = output, .output_named_by_user = 1 };
	struct run r = { .job = &job, .opts = &o };
	char *path = NULL;
	int ret = -1;

	if (ovk_opts_load(&o, sizeof o, opts, "ovk_convert_opts", err) < 0)
		return -1;
	if (!(r.fmt = ovk_output_format(o.out_format ? o.out_format : "qcow2", o.options, 0, err)))
		return -1;
	if (!r.fmt->supports_backing)
		return ovk_error_set(err, EINVAL, "the %s format cannot have a backing file",
				     r.fmt->name);
	if (o.to_stream)
		return ovk_error_set(err, ESPIPE, "%s: an overlay is a file that names its "
				     "backing file; it cannot be written to a stream", output);
	if (!(path = backing_path_for_open(backing, output)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	/* Open the whole chain once: the overlay is only as good as its base. */
	if (open_path(path, backing_format, o.open_flags, &r.chain, err) < 0)
		goto out;
	ret = into_file(&r, backing, backing_format ? backing_format : r.chain.src[0]->format,
			err);
out:
	ovk_chain_close(&r.chain);
	free(path);
	return ret;
}

/* The top level follows `qemu-img info --output=json`: generic fields,
 * the facts the format knows, backing, then format-specific {type, data}. */
static int describe(const struct ovk_chain *chain, const char *path, struct ovk_info *info,
		    struct ovk_error *err)
{
	struct ovk_source *src = chain->src[0];
	struct ovk_source_facts facts = { .dirty = -1 };
	struct ovk_info *data = NULL;

	ovk_info_str(info, "filename", path);
	ovk_info_str(info, "format", src->format);
	ovk_info_u64(info, "virtual-size", src->size);
	ovk_info_u64(info, "actual-size",
		     src->allocated_bytes ? src->allocated_bytes : ovk_blob_allocated(chain->blob[0]));
	if (src->ops->info) {
		if (!(data = ovk_info_new()))
			return ovk_error_set(err, ENOMEM, "out of memory");
		if (src->ops->info(src, &facts, data, err) < 0) {
			ovk_info_free(data);
			return -1;
		}
	}
	if (facts.cluster_size)
		ovk_info_u64(info, "cluster-size", facts.cluster_size);
	if (facts.dirty >= 0)
		ovk_info_bool(info, "dirty-flag", facts.dirty);
	if (src->backing_name) {
		ovk_info_str(info, "backing-filename", src->backing_name);
		if (chain->depth > 1)
			ovk_info_str(info, "full-backing-filename", ovk_blob_name(chain->blob[1]));
		if (src->backing_format)
			ovk_info_str(info, "backing-filename-format", src->backing_format);
	}
	if (data) {
		ovk_info_begin_object(info, "format-specific");
		ovk_info_str(info, "type", src->format);
		ovk_info_graft(info, "data", data);
		ovk_info_end(info);
	}
	if (chain->depth > 1) {
		ovk_info_begin_list(info, "backing-chain");
		for (int i = 1; i < chain->depth; i++) {
			ovk_info_begin_object(info, NULL);
			ovk_info_str(info, "filename", ovk_blob_name(chain->blob[i]));
			ovk_info_str(info, "format", chain->src[i]->format);
			ovk_info_u64(info, "virtual-size", chain->src[i]->size);
			ovk_info_end(info);
		}
		ovk_info_end(info);
	}
	return 0;
}

int ovk_info_open(const char *path, const char *format, unsigned flags, struct ovk_info **out,
		  struct ovk_error *err)
{
	struct ovk_chain chain = { 0 };
	struct ovk_info *info = NULL;
	int ret = -1;

	if (open_path(path, format, flags, &chain, err) < 0)
		return -1;
	if (!(info = ovk_info_new())) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (describe(&chain, path, info, err) < 0)
		goto out;
	*out = info;
	info = NULL;
	ret = 0;
out:
	ovk_info_free(info);
	ovk_chain_close(&chain);
	return ret;
}

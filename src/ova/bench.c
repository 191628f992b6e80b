/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench.c: ovk_bench_convert(), one measured conversion for ova-bench: the
 * engine's stage times, the output optionally discarded, and the input
 * optionally hashed the way a manifest check hashes a member (through the
 * same verifier, collecting instead of comparing), so the figure is the
 * cost a real import pays.
 */
#include <errno.h>
#include <string.h>

#include "engine/engine.h"
#include "ova/verify.h"

int ovk_bench_convert(const char *input, const char *output,
		      const struct ovk_convert_opts *convert_opts,
		      const struct ovk_bench_opts *bench_opts, struct ovk_convert_stats *stats,
		      struct ovk_error *err)
{
	struct ovk_convert_opts o;
	struct ovk_bench_opts b;
	struct ovk_convert_stats st;
	struct ovk_engine_job job = { 0 };
	struct ovk_verify *v = NULL;
	struct ovk_blob *blob = NULL;
	int ret = -1;

	if (ovk_opts_load(&o, sizeof o, convert_opts, "ovk_convert_opts", err) < 0 ||
	    ovk_opts_load(&b, sizeof b, bench_opts, "ovk_bench_opts", err) < 0 ||
	    ovk_opts_load(&st, sizeof st, stats, "ovk_convert_stats", err) < 0)
		return -1;
	if (!b.discard_output && !output)
		return ovk_error_set(err, EINVAL, "no output to convert to");
	if (ovk_blob_open_file(input, &blob, err) < 0)
		return -1;
	if (b.hash != OVK_HASH_NONE) {
		const enum ovk_hash_alg algs[] = { b.hash, OVK_HASH_NONE };

		if (ovk_verify_new(NULL, algs, o.cancel, &v, err) < 0 ||
		    ovk_verify_wrap(v, input, blob, &job.blob, err) < 0)
			goto out;
		blob = NULL;
		job.before_commit = ovk_verify_settle;
		job.hook_opaque = v;
	} else {
		job.blob = blob;
		blob = NULL;
	}
	job.output = b.discard_output ? NULL : output;
	job.output_named_by_user = 1;
	ret = ovk_engine_convert(&job, &o, &st, err);
	if (v)
		st.hash_seconds = ovk_verify_seconds(v);
	if (ret == 0 && stats) {
		size_t theirs = stats->struct_size;

		memcpy(stats, &st, theirs);
		stats->struct_size = theirs;
	}
out:
	ovk_blob_free(blob);
	ovk_verify_free(v);
	return ret;
}

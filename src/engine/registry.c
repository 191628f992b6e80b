/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * registry.c: every format the engine knows (the one place that names
 * them, as libarchive's archive_read_support_format_all.c does), probing
 * by content (STYLE.md #2), and opening an input together with its backing
 * chain.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

extern const struct ovk_format ovk_format_raw;
extern const struct ovk_format ovk_format_vmdk;
extern const struct ovk_format ovk_format_qcow2;
extern const struct ovk_format ovk_format_vhd;
extern const struct ovk_format ovk_format_vhdx;
extern const struct ovk_format ovk_format_vdi;
extern const struct ovk_format ovk_format_known;

/* `known` reads nothing: it claims the signatures of formats we do not
 * read (QED, qcow 1, Parallels, Bochs, cloop, DMG, LUKS), so that they are
 * refused by name instead of falling to raw, which takes anything. */
static const struct ovk_format *const formats[] = {
	&ovk_format_qcow2,
	&ovk_format_vmdk,
	&ovk_format_vhd,
	&ovk_format_vhdx,
	&ovk_format_vdi,
	&ovk_format_known,
	&ovk_format_raw,
};
#define NFORMATS (sizeof formats / sizeof formats[0])

const struct ovk_format *ovk_format_by_name(const char *name)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (strcmp(formats[i]->name, name) == 0)
			return formats[i];
	return NULL;
}

const char *const *ovk_input_formats(void)
{
	static const char *names[NFORMATS + 1];

	/* `known` opens nothing, so it is no format to ask for. */
	for (size_t i = 0, n = 0; i < NFORMATS; i++)
		if (formats[i]->open_source && formats[i] != &ovk_format_known)
			names[n++] = formats[i]->name;
	return names;
}

const char *const *ovk_output_formats(void)
{
	static const char *names[NFORMATS + 1];

	for (size_t i = 0, n = 0; i < NFORMATS; i++)
		if (formats[i]->open_sink)
			names[n++] = formats[i]->name;
	return names;
}

static int probe_head(struct ovk_blob *blob, const uint8_t **head, size_t *len,
		      struct ovk_error *err)
{
	return ovk_blob_peek(blob, OVK_PROBE_BYTES, head, len, err);
}

/* The last sector, where a file has one that can be read (*len 0: none). */
static int probe_tail(struct ovk_blob *blob, uint8_t *tail, size_t *len, struct ovk_error *err)
{
	uint64_t size = ovk_blob_size(blob);

	*len = 0;
	if (ovk_blob_is_stream(blob) || size == UINT64_MAX || size < OVK_PROBE_TAIL_BYTES)
		return 0;
	if (ovk_blob_pread(blob, size - OVK_PROBE_TAIL_BYTES, tail, OVK_PROBE_TAIL_BYTES, err) < 0)
		return -1;
	*len = OVK_PROBE_TAIL_BYTES;
	return 0;
}

/* What each format scores on blob (head and tail); -1 on a read error. */
static int probe_scores(struct ovk_blob *blob, int *scores, struct ovk_error *err)
{
	uint8_t tail[OVK_PROBE_TAIL_BYTES];
	uint64_t size = ovk_blob_size(blob);
	const uint8_t *head;
	size_t len, tlen;

	if (probe_tail(blob, tail, &tlen, err) < 0 || probe_head(blob, &head, &len, err) < 0)
		return -1;
	for (size_t i = 0; i < NFORMATS; i++) {
		int s = OVK_PROBE_NO, t;

		if (formats[i]->open_source)
			s = formats[i]->probe(head, len, size);
		if (formats[i]->open_source && formats[i]->probe_tail && tlen &&
		    (t = formats[i]->probe_tail(tail, tlen, size)) > s)
			s = t;
		scores[i] = s;
	}
	return 0;
}

const struct ovk_format *ovk_probe_blob(struct ovk_blob *blob, struct ovk_error *err)
{
	const struct ovk_format *best = NULL;
	int scores[NFORMATS], best_score = OVK_PROBE_NO;

	if (probe_scores(blob, scores, err) < 0)
		return NULL;
	for (size_t i = 0; i < NFORMATS; i++) {
		if (scores[i] > best_score) {
			best_score = scores[i];
			best = formats[i];
		}
	}
	if (!best)
		ovk_error_set(err, EINVAL, "%s: unknown image format", ovk_blob_name(blob));
	return best;
}

/* Whether blob can be read as the format the caller named (its head or
 * tail say so); -1 with err set when not. */
static int check_claim(const struct ovk_format *fmt, struct ovk_blob *blob, const char *name,
		       struct ovk_error *err)
{
	int scores[NFORMATS];

	if (probe_scores(blob, scores, err) < 0)
		return -1;
	for (size_t i = 0; i < NFORMATS; i++)
		if (formats[i] == fmt && scores[i] != OVK_PROBE_NO)
			return 0;
	return ovk_error_set(err, EINVAL, "%s: not a %s image", name, fmt->name);
}

/* Open a source on *blobp (taken over: freed on failure).  A stream in a
 * format that needs random access (anything but a streamOptimized VMDK or
 * a descriptor) is first copied to a file (ovk_spill), and *blobp becomes
 * the copy, which the source then owns.  Only the copy has a tail to
 * probe, so an unnamed format is probed again there: a fixed VHD or a DMG
 * in a compressed OVA member looks like raw from its head. */
static int open_one(struct ovk_blob **blobp, const char *format, const struct ovk_open_ctx *ctx,
		    struct ovk_source **out, struct ovk_error *err)
{
	struct ovk_blob *blob = *blobp;
	const struct ovk_format *fmt;
	struct ovk_blob *copy;
	const uint8_t *head;
	char why[64];
	size_t len;
	char *name = NULL;
	int ret = -1, spilled = 0;

	if (!(name = strdup(ovk_blob_name(blob)))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (format) {
		fmt = ovk_format_by_name(format);
		if (!fmt || !fmt->open_source) {
			ovk_error_set(err, EINVAL, "%s: unknown input format '%s'", name, format);
			goto out;
		}
	} else if (!(fmt = ovk_probe_blob(blob, err))) {
		goto out;
	}
	/* A named format whose mark may be in the tail is judged on the copy. */
	if (format && (!ovk_blob_is_stream(blob) || !fmt->probe_tail) &&
	    check_claim(fmt, blob, name, err) < 0)
		goto out;
	if (ovk_blob_is_stream(blob)) {
		if (probe_head(blob, &head, &len, err) < 0)
			goto out;
		if (!fmt->streamable || !fmt->streamable(head, len)) {
			snprintf(why, sizeof why, "this %s image needs random access", fmt->name);
			if (ovk_spill(ctx, blob, why, &copy, err) < 0)
				goto out;
			*blobp = blob = copy;
			spilled = 1;
		}
	}
	if (spilled && !format && !(fmt = ovk_probe_blob(blob, err)))
		goto out;
	if (spilled && format && fmt->probe_tail && check_claim(fmt, blob, name, err) < 0)
		goto out;
	if (fmt->open_source(blob, ctx, out, err) < 0) {
		ovk_error_name(err, name);
		goto out;
	}
	blob = NULL;
	ret = 0;
out:
	ovk_blob_free(blob);
	free(name);
	return ret;
}

/* Open the next image of the chain; the chain borrows the blob its source
 * owns (the copy, for a spilled stream). */
static int push(struct ovk_chain *chain, struct ovk_blob *blob, const char *format,
		const struct ovk_open_ctx *ctx, struct ovk_error *err)
{
	struct ovk_source *src;

	if (open_one(&blob, format, ctx, &src, err) < 0)
		return -1;
	chain->src[chain->depth] = src;
	chain->blob[chain->depth] = blob;
	chain->depth++;
	return 0;
}

int ovk_chain_open_blob(struct ovk_blob *blob, const char *format,
			const struct ovk_open_ctx *ctx, struct ovk_chain *chain,
			struct ovk_error *err)
{
	int ret = -1;

	memset(chain, 0, sizeof *chain);
	if (push(chain, blob, format, ctx, err) < 0)
		return -1;
	while (chain->src[chain->depth - 1]->backing_name) {
		struct ovk_source *child = chain->src[chain->depth - 1];
		const struct ovk_blob *child_blob = chain->blob[chain->depth - 1];
		struct ovk_blob *pblob = NULL;

		if (chain->depth == OVK_MAX_CHAIN) {
			ovk_error_set(err, ELOOP, "backing chain longer than %d images",
				      OVK_MAX_CHAIN);
			goto out;
		}
		/* A backing name is relative to the image that names it. */
		if (ovk_open_sibling(ctx, child_blob, child->backing_name, &pblob, err) < 0) {
			ovk_error_prefix(err, "backing file of %s", ovk_blob_name(child_blob));
			goto out;
		}
		if (push(chain, pblob, child->backing_format, ctx, err) < 0)
			goto out;
		if (child->ops->check_backing &&
		    child->ops->check_backing(child, chain->src[chain->depth - 1], err) < 0)
			goto out;
	}
	ret = 0;
out:
	if (ret < 0)
		ovk_chain_close(chain);
	return ret;
}

void ovk_chain_close(struct ovk_chain *chain)
{
	for (int i = chain->depth - 1; i >= 0; i--)
		ovk_source_close(chain->src[i]);
	memset(chain, 0, sizeof *chain);
}

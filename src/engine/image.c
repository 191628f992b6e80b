/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * image.c: random access to the guest bytes of one image, for the guest
 * reader: a converted disk (raw or qcow2, a local file or a volume read
 * back in ranges) or an appliance's own (VMDK in every subformat but one
 * read forward only; VHD, VHDX and VDI, whose maps are read from the
 * file's mapping), opened through the registry, and read at any offset
 * through its format's pread().  No backing chain: the images read this
 * way are the engine's own outputs, which are whole.
 */
#include <errno.h>
#include <stdlib.h>

#include "engine.h"

struct ovk_image {
	struct ovk_chain chain;
};

int ovk_image_open(struct ovk_blob *blob, const char *format, const struct ovk_open_ctx *ctx,
		   struct ovk_image **out, struct ovk_error *err)
{
	const struct ovk_open_ctx host = { 0 };
	struct ovk_image *img = calloc(1, sizeof *img);
	const char *name;
	int ret = -1;

	if (!img) {
		ovk_blob_free(blob);
		return ovk_error_set(err, ENOMEM, "out of memory");
	}
	if (ovk_chain_open_blob(blob, format, ctx ? ctx : &host, &img->chain, err) < 0)
		goto out;
	name = ovk_blob_name(img->chain.blob[0]);
	if (img->chain.depth > 1) {
		ovk_error_set(err, ENOTSUP, "%s: has a backing file; only whole images are read "
			      "at random", name);
		goto out;
	}
	if (!img->chain.src[0]->ops->pread) {
		ovk_error_set(err, ENOTSUP, "%s: %s images are not read at random", name,
			      img->chain.src[0]->format);
		goto out;
	}
	*out = img;
	img = NULL;
	ret = 0;
out:
	ovk_image_close(img);
	return ret;
}

uint64_t ovk_image_size(const struct ovk_image *img)
{
	return img->chain.src[0]->size;
}

int ovk_image_pread(struct ovk_image *img, uint64_t off, void *buf, size_t len,
		    struct ovk_error *err)
{
	struct ovk_source *src = img->chain.src[0];

	return src->ops->pread(src, off, buf, len, err);
}

void ovk_image_close(struct ovk_image *img)
{
	if (!img)
		return;
	ovk_chain_close(&img->chain);
	free(img);
}

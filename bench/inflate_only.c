/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/inflate_only.c: the denominator of the engine's CPU goal (issue 11):
 * every encoded extent of an image (compressed grains or clusters) read
 * from its mapping and decoded once, on one thread, into one buffer.  No
 * pipeline, no zero detection, no output.  Prints the CPU and wall seconds
 * that took; bench/compare.sh sets them beside a conversion's.  The
 * image's pages are touched once before the clock starts, so the figure is
 * the decoding alone, not the faults that map the input in (which a
 * conversion pays too).
 *
 *   inflate-only IMAGE
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "core/error.h"
#include "engine/engine.h"

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double wall_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Touch every page of the mapped input. */
static void warm(const struct ovk_blob *b)
{
	const volatile uint8_t *p = ovk_blob_data(b);
	uint64_t size = ovk_blob_size(b);
	uint8_t sum = 0;

	for (uint64_t off = 0; p && off < size; off += 4096)
		sum ^= p[off];
	(void)sum;
}

int main(int argc, char **argv)
{
	const struct ovk_open_ctx ctx = { 0 };
	struct ovk_error err = { 0 };
	struct ovk_chain chain = { 0 };
	struct ovk_source *src;
	struct ovk_blob *blob;
	struct ovk_extent e;
	uint64_t n = 0, bytes = 0;
	uint8_t *buf = NULL;
	double c0, w0;
	int r, rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: inflate-only IMAGE\n");
		return 2;
	}
	if (ovk_blob_open_file(argv[1], &blob, &err) < 0 ||
	    ovk_chain_open_blob(blob, NULL, &ctx, &chain, &err) < 0)
		goto out;
	if (!(buf = malloc(OVK_MAX_ENCODED))) {
		ovk_error_set(&err, ENOMEM, "out of memory");
		goto out;
	}
	src = chain.src[0];
	warm(chain.blob[0]);
	c0 = cpu_seconds();
	w0 = wall_seconds();
	while ((r = src->ops->next(src, &e, &err)) > 0) {
		if (e.type == OVK_EXTENT_DATA && e.encoded) {
			if (src->ops->read(src, &e, buf, &err) < 0)
				goto out;
			n++;
			bytes += e.length;
		}
		free(e.buf);
	}
	if (r < 0)
		goto out;
	printf("inflate-only: %llu extents, %llu guest bytes, cpu %.2f s, wall %.2f s\n",
	       (unsigned long long)n, (unsigned long long)bytes, cpu_seconds() - c0,
	       wall_seconds() - w0);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "inflate-only: %s\n", err.msg);
	free(buf);
	ovk_chain_close(&chain);
	return rc;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_tar.c: libFuzzer target for OVA member handling through libarchive
 * (src/ova/tar.c, container.c, container_io.c, plan.c, package.c).
 *
 * Input: the bytes of an .ova (a tar, possibly gzip- or xz-compressed).
 * They go through
 *   1. ovk_tar_index() directly (the mapped, uncompressed path), and the
 *      forward stream over memory (ovk_tar_stream_*), every member read;
 *   2. ovk_package_open() on a memfd, mapped and as a stream
 *      (OVK_OPEN_STREAM): container, OVF, manifest, .cert, File
 *      references and the plan; then each planned disk's blob is opened
 *      and read a little, its members settled by the manifest verifier
 *      (ova/verify.h) as a conversion would, and the stream is drained;
 *   3. ovk_appliance_open_member() for every member name the index found.
 *
 * Besides not crashing or leaking, the index must keep tar.h's rules:
 * every member lies inside the archive, and its name is a contained
 * relative path (no "/" first, no ".." component) named once.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/blob.h"
#include "core/checked.h"
#include "ova/container.h"
#include "ova/package.h"
#include "ova/tar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bytes read from each blob: enough to pass a header and a few members'
 * worth of stream, few enough to keep each input fast. */
#define FUZZ_READ_BYTES ((size_t)256 << 10)

static void check_index(const uint8_t *data, size_t size, struct ovk_tar_member **out,
			size_t *n_out)
{
	struct ovk_error err;
	struct ovk_tar_member *m = NULL;
	size_t n = 0;
	int compressed = 0;

	*out = NULL;
	*n_out = 0;
	if (ovk_tar_index(data, size, "fuzz.ova", &m, &n, &compressed, &err) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		if (!m[i].sparse && !ovk_range_ok(m[i].offset, m[i].size, size))
			abort();
		if (!ovk_path_is_contained(m[i].name))
			abort();
		for (size_t j = 0; j < i; j++)
			if (strcmp(m[i].name, m[j].name) == 0)
				abort();
	}
	*out = m;
	*n_out = n;
}

static void walk_stream(const uint8_t *data, size_t size, uint8_t *buf)
{
	struct ovk_error err;
	struct ovk_tar_stream *s = NULL;
	const char *name;
	uint64_t msize;

	if (ovk_tar_stream_open_memory(data, size, "fuzz.ova", &s, &err) < 0)
		return;
	for (int i = 0; i < OVK_TAR_MAX_MEMBERS; i++) {
		size_t got = 0;
		ssize_t r;

		if (ovk_tar_stream_next(s, &name, &msize, &err) <= 0)
			break;
		if (!ovk_path_is_contained(name))
			abort();
		while (got < FUZZ_READ_BYTES &&
		       (r = ovk_tar_stream_read(s, buf, FUZZ_READ_BYTES - got, &err)) > 0)
			got += (size_t)r;
	}
	ovk_tar_stream_free(s);
}

static void read_blob(struct ovk_blob *b, uint8_t *buf)
{
	struct ovk_error err;

	if (ovk_blob_is_stream(b))
		(void)ovk_blob_read(b, buf, FUZZ_READ_BYTES, &err);
	else
		(void)ovk_blob_pread(b, 0, buf,
				     ovk_blob_size(b) < FUZZ_READ_BYTES ? ovk_blob_size(b) :
				     FUZZ_READ_BYTES, &err);
}

static void note(void *opaque, int warning, const char *msg)
{
	(void)opaque;
	(void)warning;
	(void)msg;
}

static void package(const char *path, unsigned flags, uint8_t *buf)
{
	struct ovk_package_opts o = {.open_flags = flags, .note = note};
	struct ovk_package *pkg = NULL;
	struct ovk_error err;

	if (ovk_package_open(path, &o, &pkg, &err) < 0)
		return;
	for (size_t i = 0; pkg->plan && i < pkg->plan->n_jobs; i++) {
		const struct ovk_ova_job *job = &pkg->plan->jobs[i];
		struct ovk_blob *b = NULL;

		if (!job->file)
			continue;
		if (ovk_appliance_open_file(pkg->app, job->file, flags, &b, &err) < 0)
			continue;
		read_blob(b, buf);
		ovk_blob_free(b);
		/* The conversion's before-commit check, on what was read. */
		if (pkg->verify)
			(void)ovk_verify_settle(pkg->verify, &err);
	}
	(void)ovk_appliance_drain(pkg->app, &err);
	ovk_package_free(pkg);
}

static void members(const char *path, const struct ovk_tar_member *m, size_t n, uint8_t *buf)
{
	struct ovk_appliance *app = NULL;
	struct ovk_error err;

	if (ovk_appliance_open(path, 0, &app, &err) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct ovk_blob *b = NULL;

		if (ovk_appliance_open_member(app, m[i].name, 0, &b, &err) < 0)
			continue;
		read_blob(b, buf);
		ovk_blob_free(b);
	}
	ovk_appliance_free(app);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovk_tar_member *m = NULL;
	char path[64];
	size_t n = 0;
	uint8_t *buf = malloc(FUZZ_READ_BYTES);
	int fd = memfd_create("fuzz.ova", MFD_CLOEXEC);

	if (!buf || fd < 0)
		abort();
	check_index(data, size, &m, &n);
	walk_stream(data, size, buf);
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	package(path, 0, buf);
	package(path, OVK_OPEN_STREAM, buf);
	members(path, m, n, buf);
	ovk_tar_members_free(m, n);
	close(fd);
	free(buf);
	return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * replay.c: a main() for the fuzz targets outside libFuzzer.
 *
 * ctest links every tests/fuzz/fuzz_*.c with this file and runs it over the
 * target's corpus and regression inputs (tests/fuzz/corpus/TARGET/,
 * tests/fuzz/regress/TARGET/), in the normal and the ASan+UBSan builds with
 * the ordinary compiler.  So every input that once crashed stays a test, and
 * the corpora are exercised even where clang's libFuzzer is not built.
 *
 * Usage: replay_TARGET PATH...   (files, or directories of files; a missing
 * PATH is skipped, since a target need not have regression inputs yet).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs bigger than this are not fuzz inputs: refuse rather than guess. */
#define REPLAY_MAX_INPUT ((size_t)64 << 20)

static int replay_file(const char *path)
{
	FILE *f = NULL;
	uint8_t *buf = NULL;
	struct stat st;
	size_t len;
	int ret = -1;

	f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		goto out;
	}
	if ((uint64_t)st.st_size > REPLAY_MAX_INPUT) {
		fprintf(stderr, "replay: %s: larger than %zu bytes\n", path, REPLAY_MAX_INPUT);
		goto out;
	}
	len = (size_t)st.st_size;
	/* Exactly len bytes (at least 1 for malloc), so ASan sees overreads. */
	buf = malloc(len ? len : 1);
	if (!buf || fread(buf, 1, len, f) != len) {
		fprintf(stderr, "replay: %s: short read\n", path);
		goto out;
	}
	LLVMFuzzerTestOneInput(buf, len);
	ret = 0;
out:
	free(buf);
	if (f)
		fclose(f);
	return ret;
}

/* Replay a file or every regular file of a directory; returns the count of
 * inputs run, or -1. */
static long replay_path(const char *path)
{
	char child[4096];
	struct dirent *de;
	struct stat st;
	DIR *d = NULL;
	long n = 0, ret = -1;

	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path) == 0 ? 1 : -1;
	d = opendir(path);
	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(child, sizeof child, "%s/%s", path, de->d_name) >= sizeof child)
			goto out;
		if (stat(child, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (replay_file(child) != 0)
			goto out;
		n++;
	}
	ret = n;
out:
	if (d)
		closedir(d);
	return ret;
}

int main(int argc, char **argv)
{
	long total = 0, n;
	int i;

	for (i = 1; i < argc; i++) {
		n = replay_path(argv[i]);
		if (n < 0)
			return 1;
		printf("replay: %s: %ld input(s)\n", argv[i], n);
		total += n;
	}
	printf("replay: %ld input(s) ran without a crash\n", total);
	return 0;
}

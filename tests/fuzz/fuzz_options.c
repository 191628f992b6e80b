/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz_options.c: libFuzzer target for the -o option helpers, the size
 * parser and the path check that every sibling resolver relies on
 * (src/core: ovk_option_get, ovk_options_check, ovk_parse_size,
 * ovk_path_is_contained).
 *
 * Input: an option string, a NUL, then a key (also used as a size and as a
 * path).  Besides not crashing, the results must hold these properties:
 *   - a value found by ovk_option_get fits the buffer, NUL-terminated;
 *   - a path called contained is non-empty, relative, and has no ".."
 *     component (checked here independently of the implementation).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/blob.h"
#include "core/extent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const known[] = {"cluster_size", "compression_type", "subformat", NULL};

/* Independent statement of ovk_path_is_contained's contract. */
static int has_dotdot_component(const char *p)
{
	const char *c = p;

	for (;;) {
		const char *end = strchr(c, '/');
		size_t len = end ? (size_t)(end - c) : strlen(c);

		if (len == 2 && c[0] == '.' && c[1] == '.')
			return 1;
		if (!end)
			return 0;
		c = end + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovk_error err;
	char *buf, *val;
	const char *opts, *key;
	uint64_t n;
	size_t vlen = 8;   /* small, so that "buffer too small" is reached */
	int r;

	buf = malloc(size + 2);
	val = malloc(vlen);   /* exact size: ASan sees any overrun */
	if (!buf || !val)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	buf[size + 1] = '\0';
	opts = buf;
	key = buf + strlen(buf) + 1;

	r = ovk_option_get(opts, key, val, vlen);
	if (r == 1 && strnlen(val, vlen) == vlen)
		abort();   /* found, but not terminated inside the buffer */
	if (r < -1 || r > 1)
		abort();
	(void)ovk_options_check(opts, known, "fuzz", &err);
	(void)ovk_parse_size(key, &n);
	(void)ovk_parse_size(opts, &n);
	if (ovk_path_is_contained(key) && (key[0] == '\0' || key[0] == '/' || has_dotdot_component(key)))
		abort();
	free(val);
	free(buf);
	return 0;
}

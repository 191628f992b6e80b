/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * utf16.c: UTF-16 to UTF-8, and Windows paths to POSIX ones (utf16.h).
 */
#include "utf16.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "endian.h"

static uint32_t unit_at(const uint8_t *p, int big_endian)
{
	return big_endian ? be16_load(p) : le16_load(p);
}

/* Append code point c (valid, not a surrogate) to out; bytes written. */
static size_t put_utf8(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

int ovk_utf16_to_utf8(const uint8_t *in, size_t len, int big_endian, size_t max_bytes,
		      const char *what, char **out, struct ovk_error *err)
{
	size_t i, n = 0;
	char *s = NULL;
	int ret = -1;

	*out = NULL;
	if (len % 2) {
		ovk_error_set(err, EINVAL, "%s: %zu bytes, not whole UTF-16 units", what, len);
		goto out;
	}
	/* Each unit makes at most 3 bytes (a pair of units at most 4). */
	if (!(s = malloc(len / 2 * 3 + 1))) {
		ovk_error_sys(err, ENOMEM, "%s", what);
		goto out;
	}
	for (i = 0; i + 2 <= len; i += 2) {
		uint32_t c = unit_at(in + i, big_endian), lo;

		if (c == 0)
			break;
		if (c >= 0xdc00 && c <= 0xdfff) {
			ovk_error_set(err, EINVAL, "%s: unpaired UTF-16 surrogate at byte %zu", what, i);
			goto out;
		}
		if (c >= 0xd800 && c <= 0xdbff) {
			lo = i + 4 <= len ? unit_at(in + i + 2, big_endian) : 0;
			if (lo < 0xdc00 || lo > 0xdfff) {
				ovk_error_set(err, EINVAL, "%s: unpaired UTF-16 surrogate at byte %zu",
					      what, i);
				goto out;
			}
			c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
			i += 2;
		}
		n += put_utf8(s + n, c);
		if (n > max_bytes) {
			ovk_error_set(err, ENAMETOOLONG, "%s: longer than %zu bytes", what, max_bytes);
			goto out;
		}
	}
	s[n] = '\0';
	*out = s;
	s = NULL;
	ret = 0;
out:
	free(s);
	return ret;
}

int ovk_windows_path_to_posix(char *path)
{
	int absolute;
	char *p;

	for (p = path; *p; p++)
		if (*p == '\\')
			*p = '/';
	absolute = path[0] == '/' ||
		   (((path[0] | 0x20) >= 'a' && (path[0] | 0x20) <= 'z') && path[1] == ':');
	while (!absolute && path[0] == '.' && path[1] == '/')
		memmove(path, path + 2, strlen(path + 2) + 1);
	return absolute;
}

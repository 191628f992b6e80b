/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * options.c: qemu-style option strings ("cluster_size=64k,compression_type=zstd")
 * and sizes with suffixes.  Option values never contain commas here, so the
 * qemu ",," escape is not supported.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "checked.h"
#include "extent.h"

int ovk_option_get(const char *options, const char *key, char *buf, size_t buflen)
{
	size_t klen = strlen(key);
	const char *p = options;

	while (p && *p) {
		size_t n = strcspn(p, ",");

		if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t vlen = n - klen - 1;

			if (vlen + 1 > buflen)
				return -1;
			memcpy(buf, p + klen + 1, vlen);
			buf[vlen] = '\0';
			return 1;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

int ovk_options_check(const char *options, const char *const *known, const char *what,
		      struct ovk_error *err)
{
	const char *p = options;

	while (p && *p) {
		size_t n = strcspn(p, ",");
		size_t klen = strcspn(p, "=,");
		int found = 0;

		if (klen == n)
			return ovk_error_set(err, EINVAL, "option '%.*s' needs a value (key=value)",
					     (int)n, p);
		for (const char *const *k = known; k && *k; k++)
			if (strlen(*k) == klen && strncmp(*k, p, klen) == 0)
				found = 1;
		if (!found)
			return ovk_error_set(err, EINVAL, "%s does not support option '%.*s'", what,
					     (int)klen, p);
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

int ovk_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: return -1;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end != '\0')
		return -1;
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

int ovk_sink_run_next(const struct ovk_block_run *run, uint64_t *pos, uint64_t size,
		      uint64_t block, const char *name, const char *what, struct ovk_error *err)
{
	uint64_t end;

	if (run->offset != *pos || run->length == 0 ||
	    ovk_add_overflow(run->offset, run->length, &end) || end > size ||
	    run->offset % block || (end % block && end != size))
		return ovk_error_set(err, EINVAL, "%s: run [%llu, +%llu) is not the next whole %s "
				     "(expected %llu)", name, (unsigned long long)run->offset,
				     (unsigned long long)run->length, what,
				     (unsigned long long)*pos);
	*pos = end;
	return 0;
}

void ovk_source_close(struct ovk_source *src)
{
	if (src)
		src->ops->close(src);
}

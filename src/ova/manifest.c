/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * manifest.c: parsing .mf files and comparing digests (see manifest.h).
 *
 * Line grammar, as written by ovftool, VirtualBox, and hand-made packages:
 *   line   := ws* ALG ws* "(" NAME ")" ws* "=" ws* HEX ws* [CR] LF
 * NAME may itself contain parentheses, so it ends at the last ")" that is
 * followed by "=".  HEX must have exactly the digest's length.  Blank lines
 * are skipped; anything else that does not match is an error with its line
 * number, and so is a second, different digest for the same file and
 * algorithm.
 */
#include "manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ovk_manifest_line(const char *line, size_t len, char **alg_out, char **name_out,
		      uint8_t *digest, size_t max, size_t *digest_len)
{
	const char *p = line, *end = line + len;
	const char *open, *close = NULL, *eq = NULL, *alg_end, *q;
	size_t n = 0;

	*alg_out = NULL;
	*name_out = NULL;
	while (p < end && is_ws(*p))
		p++;
	while (end > p && is_ws(end[-1]))
		end--;
	open = memchr(p, '(', (size_t)(end - p));
	if (!open)
		return -1;
	alg_end = open;
	while (alg_end > p && is_ws(alg_end[-1]))
		alg_end--;
	/* The last ")" that is followed by optional blanks and "=". */
	for (q = open + 1; q < end; q++) {
		const char *r = q + 1;

		if (*q != ')')
			continue;
		while (r < end && is_ws(*r))
			r++;
		if (r < end && *r == '=') {
			close = q;
			eq = r;
		}
	}
	if (alg_end == p || !close || close == open + 1)
		return -1;
	for (q = eq + 1; q < end && is_ws(*q); q++)
		;
	if (q == end || (size_t)(end - q) % 2 != 0 || (size_t)(end - q) / 2 > max)
		return -1;
	for (; q < end; q += 2, n++) {
		int hi = hexval(q[0]), lo = hexval(q[1]);

		if (hi < 0 || lo < 0)
			return -1;
		digest[n] = (uint8_t)(hi << 4 | lo);
	}
	*digest_len = n;
	*alg_out = strndup(p, (size_t)(alg_end - p));
	*name_out = strndup(open + 1, (size_t)(close - open - 1));
	if (!*alg_out || !*name_out) {
		free(*alg_out);
		free(*name_out);
		*alg_out = *name_out = NULL;
		return -2;
	}
	return 0;
}

static int add_entry(struct ovk_manifest *mf, const char *mfname, long lineno, char *name,
		     enum ovk_hash_alg alg, const uint8_t *digest, size_t dlen,
		     struct ovk_error *err)
{
	struct ovk_manifest_entry *e;
	const struct ovk_manifest_entry *old = ovk_manifest_find(mf, name, alg);

	if (old) {
		free(name);
		if (old->digest_len == dlen && memcmp(old->digest, digest, dlen) == 0)
			return 0;
		return ovk_error_set(err, EINVAL, "%s:%ld: a second, different %s digest for "
				     "'%s' (first on line %ld)", mfname, lineno,
				     ovk_hash_name(alg), old->name, old->line);
	}
	/* n_entries <= OVK_MANIFEST_MAX_LINES, so this never overflows. */
	e = realloc(mf->entries, (mf->n_entries + 1) * sizeof *e);
	if (!e) {
		free(name);
		return ovk_error_set(err, ENOMEM, "out of memory");
	}
	mf->entries = e;
	e = &mf->entries[mf->n_entries++];
	memset(e, 0, sizeof *e);
	e->name = name;
	e->alg = alg;
	memcpy(e->digest, digest, dlen);
	e->digest_len = dlen;
	e->line = lineno;
	return 0;
}

static int parse_line(struct ovk_manifest *mf, const char *mfname, long lineno,
		      const char *line, size_t len, struct ovk_error *err)
{
	uint8_t digest[OVK_HASH_MAX_DIGEST];
	char *alg_s = NULL, *name = NULL;
	enum ovk_hash_alg alg;
	size_t dlen = 0;
	int r, ret = -1;

	r = ovk_manifest_line(line, len, &alg_s, &name, digest, sizeof digest, &dlen);
	if (r == -2) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (r != 0) {
		ovk_error_set(err, EINVAL, "%s:%ld: not a manifest line 'ALG(file)= hex': '%.*s'",
			      mfname, lineno, (int)(len > 80 ? 80 : len), line);
		goto out;
	}
	alg = ovk_hash_from_name(alg_s);
	if (alg == OVK_HASH_NONE) {
		ovk_error_set(err, ENOTSUP, "%s:%ld: unknown digest algorithm '%s' for '%s' "
			      "(known: MD5, SHA1, SHA256, SHA512)", mfname, lineno, alg_s, name);
		goto out;
	}
	if (dlen != ovk_hash_size(alg)) {
		ovk_error_set(err, EINVAL, "%s:%ld: %s digest of '%s' has %zu bytes, not %zu",
			      mfname, lineno, ovk_hash_name(alg), name, dlen, ovk_hash_size(alg));
		goto out;
	}
	ret = add_entry(mf, mfname, lineno, name, alg, digest, dlen, err);
	name = NULL;
out:
	free(alg_s);
	free(name);
	return ret;
}

static int blank(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_ws(p[i]))
			return 0;
	return 1;
}

/* The last component of a path. */
static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int ovk_manifest_parse(const uint8_t *buf, size_t len, const char *name,
		       struct ovk_manifest **out, struct ovk_error *err)
{
	struct ovk_manifest *mf = NULL;
	const char *p = (const char *)buf, *end = p + len;
	long lineno = 0;
	int ret = -1;

	*out = NULL;
	if (len > OVK_MANIFEST_MAX_BYTES) {
		ovk_error_set(err, EFBIG, "%s: %zu bytes, more than a manifest may have (%zu)",
			      name, len, OVK_MANIFEST_MAX_BYTES);
		goto out;
	}
	if (memchr(buf, '\0', len)) {
		ovk_error_set(err, EINVAL, "%s: a NUL byte; not a text manifest", name);
		goto out;
	}
	mf = calloc(1, sizeof *mf);
	if (!mf) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (++lineno > OVK_MANIFEST_MAX_LINES) {
			ovk_error_set(err, E2BIG, "%s: more than %d lines", name,
				      OVK_MANIFEST_MAX_LINES);
			goto out;
		}
		if (!blank(p, l) && parse_line(mf, name, lineno, p, l, err) != 0)
			goto out;
		p += l + (nl ? 1 : 0);
	}
	if (mf->n_entries == 0) {
		ovk_error_set(err, EINVAL, "%s: no digests in the manifest", name);
		goto out;
	}
	/* A manifest cannot hold its own digest: such a line can only be a
	 * forgery's, so it is an error, not a line to skip. */
	for (size_t i = 0; i < mf->n_entries; i++)
		if (strcmp(mf->entries[i].name, base_of(name)) == 0) {
			ovk_error_set(err, EINVAL, "%s:%ld: a digest of the manifest itself",
				      name, mf->entries[i].line);
			goto out;
		}
	*out = mf;
	mf = NULL;
	ret = 0;
out:
	ovk_manifest_free(mf);
	return ret;
}

void ovk_manifest_free(struct ovk_manifest *mf)
{
	if (!mf)
		return;
	for (size_t i = 0; i < mf->n_entries; i++)
		free(mf->entries[i].name);
	free(mf->entries);
	free(mf);
}

/* Strongest first, for OVK_HASH_NONE lookups. */
static int strength(enum ovk_hash_alg alg)
{
	switch (alg) {
	case OVK_HASH_SHA512: return 4;
	case OVK_HASH_SHA256: return 3;
	case OVK_HASH_SHA1: return 2;
	case OVK_HASH_MD5: return 1;
	case OVK_HASH_NONE: break;
	}
	return 0;
}

const struct ovk_manifest_entry *ovk_manifest_find(const struct ovk_manifest *mf,
						   const char *file, enum ovk_hash_alg alg)
{
	const struct ovk_manifest_entry *best = NULL;

	for (size_t i = 0; mf && i < mf->n_entries; i++) {
		const struct ovk_manifest_entry *e = &mf->entries[i];

		if (strcmp(e->name, file) != 0)
			continue;
		if (alg != OVK_HASH_NONE) {
			if (e->alg == alg)
				return e;
		} else if (!best || strength(e->alg) > strength(best->alg)) {
			best = e;
		}
	}
	return best;
}

void ovk_hex(const uint8_t *d, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * n] = '\0';
}

int ovk_manifest_verify(const struct ovk_manifest *mf, const char *file, enum ovk_hash_alg alg,
			const uint8_t *digest, size_t len, struct ovk_error *err)
{
	const struct ovk_manifest_entry *e = ovk_manifest_find(mf, file, alg);
	char want[2 * OVK_HASH_MAX_DIGEST + 1], got[2 * OVK_HASH_MAX_DIGEST + 1];

	if (!e)
		return ovk_error_set(err, ENOENT, "%s: no %s digest in the manifest", file,
				     ovk_hash_name(alg) ? ovk_hash_name(alg) : "");
	if (len == e->digest_len && memcmp(digest, e->digest, len) == 0)
		return 0;
	ovk_hex(e->digest, e->digest_len, want);
	ovk_hex(digest, len > OVK_HASH_MAX_DIGEST ? OVK_HASH_MAX_DIGEST : len, got);
	return ovk_error_set(err, EBADMSG, "%s: %s digest mismatch (manifest %s, computed %s)",
			     file, ovk_hash_name(alg), want, got);
}

int ovk_manifest_verify_buffer(const struct ovk_manifest *mf, const char *file,
			       const uint8_t *buf, size_t len, struct ovk_error *err)
{
	int found = 0;

	for (size_t i = 0; mf && i < mf->n_entries; i++) {
		const struct ovk_manifest_entry *e = &mf->entries[i];
		uint8_t digest[OVK_HASH_MAX_DIGEST];
		struct ovk_hash *h = NULL;

		if (strcmp(e->name, file) != 0)
			continue;
		found = 1;
		if (ovk_hash_new(e->alg, &h, err) != 0)
			return -1;
		ovk_hash_update(h, buf, len);
		if (ovk_hash_final(h, digest, err) != 0) {
			ovk_hash_free(h);
			return -1;
		}
		ovk_hash_free(h);
		if (ovk_manifest_verify(mf, file, e->alg, digest, e->digest_len, err) != 0)
			return -1;
	}
	if (!found)
		return ovk_error_set(err, ENOENT, "%s: not listed in the manifest", file);
	return 0;
}

size_t ovk_manifest_line_len(enum ovk_hash_alg alg, const char *file, size_t digest_len)
{
	/* "ALG(" file ")= " hex "\n" */
	return strlen(ovk_hash_name(alg)) + 1 + strlen(file) + 3 + 2 * digest_len + 1;
}

void ovk_manifest_format_line(enum ovk_hash_alg alg, const char *file, const uint8_t *digest,
			      size_t digest_len, char *out)
{
	char *p = out + sprintf(out, "%s(%s)= ", ovk_hash_name(alg), file);

	ovk_hex(digest, digest_len, p);
	strcat(p, "\n");
}

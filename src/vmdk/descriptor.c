/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * descriptor.c: the VMDK text descriptor, embedded in a sparse extent or in
 * its own file.
 *
 *   # Disk DescriptorFile
 *   version=1
 *   CID=fb183c20                     hex; changes on every write
 *   parentCID=ffffffff               ffffffff: no parent
 *   parentFileNameHint="base.vmdk"   delta disks only
 *   createType="monolithicSparse"
 *
 *   # Extent description
 *   RW 4192256 SPARSE "test-s001.vmdk"
 *   RDONLY 2048 FLAT "test-flat.vmdk" 0      access sectors type file offset
 *   RW 4096 ZERO
 *
 *   ddb.adapterType = "ide"                  disk database: ignored
 *
 * Lines end in LF or CRLF; '#' starts a comment; the last line may lack a
 * newline; an embedded descriptor ends at the first NUL.  Keys are matched
 * exactly (VMware writes them in this case); unknown keys are ignored, as
 * VMware does.  Every number is checked: sector counts must fit in bytes,
 * and the CIDs must be 32-bit hex.
 */
#include "vmdk.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/format.h"

/* The longest line we parse; a file name of 4 KiB is already absurd. */
#define MAX_LINE 8192

struct ext_type {
	const char *name;
	enum ovk_vmdk_ext_kind kind;
	int supported;
};

static const struct ext_type ext_types[] = {
	{ "SPARSE", OVK_VMDK_EXT_SPARSE, 1 },
	{ "FLAT", OVK_VMDK_EXT_FLAT, 1 },
	{ "VMFS", OVK_VMDK_EXT_FLAT, 1 },
	{ "ZERO", OVK_VMDK_EXT_ZERO, 1 },
	{ "VMFSSPARSE", OVK_VMDK_EXT_COWD, 1 },
	{ "SESPARSE", OVK_VMDK_EXT_SPARSE, 0 },
	{ "VMFSRDM", OVK_VMDK_EXT_FLAT, 0 },
	{ "VMFSRAW", OVK_VMDK_EXT_FLAT, 0 },
};

void ovk_vmdk_desc_clear(struct ovk_vmdk_desc *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n_ext; i++)
		free(d->ext[i].file);
	free(d->ext);
	free(d->create_type);
	free(d->parent_hint);
	memset(d, 0, sizeof *d);
}

static char *skip_space(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static void trim_right(char *p)
{
	size_t n = strlen(p);

	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
		p[--n] = '\0';
}

/* Take a token: "quoted string" or a run of non-blanks.  NULL when none or
 * when a quote is not closed. */
static char *take_token(char **pp)
{
	char *p = skip_space(*pp), *start;

	if (*p == '\0')
		return NULL;
	if (*p == '"') {
		start = ++p;
		while (*p && *p != '"')
			p++;
		if (*p != '"')
			return NULL;
		*p++ = '\0';
	} else {
		start = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	*pp = p;
	return start;
}

static int parse_u64(const char *s, int base, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static int parse_cid(const char *key, const char *val, uint32_t *out, int *has,
		     struct ovk_error *err)
{
	uint64_t v;

	if (parse_u64(val, 16, &v) < 0 || v > UINT32_MAX)
		return ovk_error_set(err, EINVAL, "%s \"%s\": not a 32-bit hex number", key, val);
	*out = (uint32_t)v;
	*has = 1;
	return 0;
}

static int set_string(char **dst, const char *val, struct ovk_error *err)
{
	char *s = strdup(val);

	if (!s)
		return ovk_error_sys(err, ENOMEM, "descriptor");
	free(*dst);
	*dst = s;
	return 0;
}

static int parse_keyval(struct ovk_vmdk_desc *d, char *line, struct ovk_error *err)
{
	char *eq = strchr(line, '='), *key = line, *val;
	size_t n;
	uint64_t v;

	*eq = '\0';
	trim_right(key);
	val = skip_space(eq + 1);
	trim_right(val);
	n = strlen(val);
	if (n >= 2 && val[0] == '"' && val[n - 1] == '"') {
		val[n - 1] = '\0';
		val++;
	}
	if (strcmp(key, "CID") == 0)
		return parse_cid(key, val, &d->cid, &d->has_cid, err);
	if (strcmp(key, "parentCID") == 0)
		return parse_cid(key, val, &d->parent_cid, &d->has_parent_cid, err);
	if (strcmp(key, "createType") == 0)
		return set_string(&d->create_type, val, err);
	if (strcmp(key, "parentFileNameHint") == 0)
		return set_string(&d->parent_hint, val, err);
	if (strcmp(key, "version") == 0) {
		if (parse_u64(val, 10, &v) < 0 || v > 16)
			return ovk_error_set(err, EINVAL, "version \"%s\": not a small number", val);
		d->version = (unsigned)v;
	}
	return 0;
}

static const struct ext_type *find_type(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof ext_types / sizeof ext_types[0]; i++)
		if (strcmp(ext_types[i].name, name) == 0)
			return &ext_types[i];
	return NULL;
}

static int add_extent(struct ovk_vmdk_desc *d, struct ovk_vmdk_desc_extent *x,
		      struct ovk_error *err)
{
	struct ovk_vmdk_desc_extent *n;

	if (d->n_ext >= OVK_VMDK_MAX_EXTENTS)
		return ovk_error_set(err, EINVAL, "more than %u extents", OVK_VMDK_MAX_EXTENTS);
	n = realloc(d->ext, (d->n_ext + 1) * sizeof *n);
	if (!n)
		return ovk_error_sys(err, ENOMEM, "descriptor");
	d->ext = n;
	d->ext[d->n_ext++] = *x;
	return 0;
}

/* ACCESS SECTORS TYPE ["FILE" [OFFSET]] */
static int parse_extent(struct ovk_vmdk_desc *d, char *line, struct ovk_error *err)
{
	struct ovk_vmdk_desc_extent x = { 0 };
	const struct ext_type *t;
	char *p = line, *access, *sectors, *type, *file, *offset;
	uint64_t bytes;
	int ret = -1;

	access = take_token(&p);
	sectors = take_token(&p);
	type = take_token(&p);
	if (!access || !sectors || !type)
		return ovk_error_set(err, EINVAL, "extent line \"%s\": incomplete", line);
	if (parse_u64(sectors, 10, &x.sectors) < 0 ||
	    ovk_mul_overflow(x.sectors, (uint64_t)OVK_VMDK_SECTOR, &bytes) || x.sectors == 0)
		return ovk_error_set(err, EINVAL, "extent size \"%s\": not a sector count", sectors);
	t = find_type(type);
	if (!t)
		return ovk_error_set(err, ENOTSUP, "extent type \"%s\": unknown", type);
	if (!t->supported)
		return ovk_error_set(err, ENOTSUP,
				     "extent type %s: not supported (consolidate the snapshot "
				     "or map the device first)", type);
	x.kind = t->kind;
	snprintf(x.type, sizeof x.type, "%s", t->name);
	x.rdonly = strcmp(access, "RDONLY") == 0;
	file = take_token(&p);
	offset = take_token(&p);
	if (x.kind != OVK_VMDK_EXT_ZERO) {
		if (!file || !*file)
			return ovk_error_set(err, EINVAL, "extent type %s: no file name", type);
		if (offset && x.kind == OVK_VMDK_EXT_FLAT && parse_u64(offset, 10, &x.offset) < 0)
			return ovk_error_set(err, EINVAL, "extent offset \"%s\": not a number", offset);
		if (ovk_mul_overflow(x.offset, (uint64_t)OVK_VMDK_SECTOR, &bytes))
			return ovk_error_set(err, EINVAL, "extent offset %" PRIu64 ": overflows", x.offset);
		x.file = strdup(file);
		if (!x.file)
			return ovk_error_sys(err, ENOMEM, "descriptor");
	}
	if (add_extent(d, &x, err) < 0)
		goto out;
	x.file = NULL;
	ret = 0;
out:
	free(x.file);
	return ret;
}

static int is_extent_line(const char *line)
{
	static const char *const access[] = { "RW ", "RDONLY ", "NOACCESS ", "RW\t", "RDONLY\t" };
	size_t i;

	for (i = 0; i < sizeof access / sizeof access[0]; i++)
		if (strncmp(line, access[i], strlen(access[i])) == 0)
			return 1;
	return 0;
}

static int check_text(const char *line, size_t lineno, struct ovk_error *err)
{
	const unsigned char *p;

	for (p = (const unsigned char *)line; *p; p++)
		if (*p < 0x20 && *p != '\t' && *p != '\r')
			return ovk_error_set(err, EINVAL, "descriptor line %zu: binary byte 0x%02x",
					     lineno, *p);
	return 0;
}

static int parse_line(struct ovk_vmdk_desc *d, char *line, size_t lineno, struct ovk_error *err)
{
	char *p = skip_space(line);

	trim_right(p);
	if (*p == '\0' || *p == '#')
		return 0;
	if (check_text(p, lineno, err) < 0)
		return -1;
	if (is_extent_line(p)) {
		if (parse_extent(d, p, err) < 0)
			return ovk_error_prefix(err, "descriptor line %zu", lineno);
		return 0;
	}
	if (strchr(p, '=') && parse_keyval(d, p, err) < 0)
		return ovk_error_prefix(err, "descriptor line %zu", lineno);
	return 0;
}

int ovk_vmdk_desc_parse(const char *text, size_t len, struct ovk_vmdk_desc *d,
			struct ovk_error *err)
{
	char line[MAX_LINE];
	size_t i = 0, start, n, lineno = 0;
	const char *nul;
	int ret = -1;

	memset(d, 0, sizeof *d);
	if (len > OVK_VMDK_MAX_DESCRIPTOR) {
		ovk_error_set(err, EFBIG, "descriptor of %zu bytes: larger than %zu", len,
			      OVK_VMDK_MAX_DESCRIPTOR);
		goto out;
	}
	nul = memchr(text, '\0', len);
	if (nul)
		len = (size_t)(nul - text);
	while (i < len) {
		start = i;
		while (i < len && text[i] != '\n')
			i++;
		n = i - start;
		lineno++;
		if (n >= sizeof line) {
			ovk_error_set(err, EINVAL, "descriptor line %zu: longer than %d bytes", lineno,
				      MAX_LINE);
			goto out;
		}
		memcpy(line, text + start, n);
		line[n] = '\0';
		if (parse_line(d, line, lineno, err) < 0)
			goto out;
		i++;
	}
	ret = 0;
out:
	if (ret < 0)
		ovk_vmdk_desc_clear(d);
	return ret;
}

int ovk_vmdk_desc_probe(const uint8_t *head, size_t len)
{
	static const char sig[] = "# Disk DescriptorFile";
	size_t i;

	if (len >= sizeof sig - 1 && memcmp(head, sig, sizeof sig - 1) == 0)
		return OVK_PROBE_SURE;
	/* Otherwise text that names a createType: other tools omit the first
	 * comment.  Binary data is never a descriptor. */
	for (i = 0; i < len; i++) {
		if (head[i] == '\0')
			break;
		if (head[i] < 0x20 && head[i] != '\n' && head[i] != '\r' && head[i] != '\t')
			return OVK_PROBE_NO;
	}
	if (i >= 10 && memmem(head, i, "createType", 10))
		return OVK_PROBE_MAYBE;
	return OVK_PROBE_NO;
}

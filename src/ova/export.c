/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * export.c: an appliance package written in one pass (export.h has the
 * layout and why the .ovf is reserved at its widest).
 *
 * A package is a list of members, each with an output: in an OVA all of
 * them share the archive's temp file at their own offsets; with --dir each
 * is a temp file of its own in a new directory.  Either way nothing is
 * linked into place before everything is written (engine/output.c), and a
 * failure or a cancel discards it all.
 *
 * The disks: the engine converts each input (any format it reads) into
 * the VMDK sink, opened here on the member's place (fd_offset), with the
 * grains deflated on its workers.  The sink hands every byte it writes to
 * a tap, in file order, and the member's digest is taken there, in the
 * same pass; then its tar header goes in front of it.  The package is
 * synced once, at the end.
 */
#include "ova/export.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/hash.h"
#include "engine/engine.h"
#include "ova/manifest.h"
#include "ova/tar.h"

/* Members: .ovf, .mf, .cert and the disks.  A domain has at most a few
 * dozen disks; 256 keeps every array here small and fixed. */
#define PKG_MAX_DISKS 250
#define PKG_MAX_MEMBERS (PKG_MAX_DISKS + 3)

struct member {
	char *name;
	struct ovk_output out;  /* --dir: the member's own file */
	char *linked;           /* --dir: its name, once linked into place */
	uint64_t off;           /* OVA: its data's offset in the archive */
	uint64_t size;
	uint8_t digest[OVK_HASH_MAX_DIGEST];
};

struct pkg {
	const struct ovk_exp_opts *opts;
	struct ovk_exp_vm *vm;
	struct ovk_exp_map *map;
	enum ovk_hash_alg alg;
	struct ovk_output ova;  /* the archive (not --dir) */
	char *dir;              /* --dir: the directory, once made */
	char *base;             /* member names' stem */
	struct member m[PKG_MAX_MEMBERS];
	size_t n;
	uint64_t pos;           /* OVA: the next free byte */
	uint64_t mtime;
};

static uint64_t round_block(uint64_t v)
{
	return (v + OVK_TAR_BLOCK - 1) / OVK_TAR_BLOCK * OVK_TAR_BLOCK;
}

static int cancelled(const struct pkg *p, struct ovk_error *err)
{
	if (p->opts->cancel && *p->opts->cancel)
		return ovk_error_set(err, ECANCELED, "cancelled");
	return 0;
}

static struct member *member_add(struct pkg *p, const char *fmt, const char *a, unsigned n,
				 struct ovk_error *err)
{
	struct member *m = &p->m[p->n];

	if (p->n == PKG_MAX_MEMBERS) {
		ovk_error_set(err, E2BIG, "more than %d members", PKG_MAX_MEMBERS);
		return NULL;
	}
	m->out.fd = -1;
	if (asprintf(&m->name, fmt, a, n) < 0) {
		m->name = NULL;
		ovk_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	p->n++;
	return m;
}

/* The file a member's bytes go to, and where in it. */
static int member_open(struct pkg *p, struct member *m, int *fd, struct ovk_error *err)
{
	char *path = NULL;
	int ret = -1;

	if (!p->opts->dir) {
		*fd = p->ova.fd;
		ret = 0;
		goto out;
	}
	if (asprintf(&path, "%s/%s", p->dir, m->name) < 0) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (ovk_output_open(path, 0, 0, &m->out, err) < 0)
		goto out;
	*fd = m->out.fd;
	m->off = 0;
	ret = 0;
out:
	free(path);
	return ret;
}

static int pwrite_all(int fd, const void *buf, size_t len, uint64_t off, const char *name,
		      struct ovk_error *err)
{
	const uint8_t *b = buf;

	while (len) {
		ssize_t n = pwrite(fd, b, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ovk_error_sys(err, n < 0 ? errno : EIO, "%s: write", name);
		b += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* The tar header of a member whose data is in place (OVA only). */
static int member_header(struct pkg *p, const struct member *m, struct ovk_error *err)
{
	uint8_t hdr[OVK_TAR_BLOCK];

	if (p->opts->dir)
		return 0;
	if (ovk_tar_header(m->name, m->size, p->mtime, hdr, err) < 0)
		return -1;
	return pwrite_all(p->ova.fd, hdr, sizeof hdr, m->off - OVK_TAR_BLOCK, m->name, err);
}

/* A member from memory, hashed, at its offset. */
static int member_put(struct pkg *p, struct member *m, const void *data, size_t len,
		      struct ovk_error *err)
{
	struct ovk_hash *h = NULL;
	int fd, ret = -1;

	m->size = len;
	if (member_open(p, m, &fd, err) < 0 ||
	    pwrite_all(fd, data, len, m->off, m->name, err) < 0 || member_header(p, m, err) < 0)
		goto out;
	if (p->alg != OVK_HASH_NONE) {
		if (ovk_hash_new(p->alg, &h, err) < 0)
			goto out;
		ovk_hash_update(h, data, len);
		if (ovk_hash_final(h, m->digest, err) < 0)
			goto out;
	}
	ret = 0;
out:
	ovk_hash_free(h);
	return ret;
}

/* ---------------------------------------------------------------- disks */

struct sink_ctx {
	int fd;
	uint64_t off;
	const char *name;
	const char *options;
	struct ovk_hash *hash;      /* the member's digest, NULL: none */
};

static void tap(void *opaque, const void *p, size_t len)
{
	ovk_hash_update(opaque, p, len);
}

static int open_vmdk_sink(void *opaque, uint64_t size, struct ovk_sink **out,
			  struct ovk_error *err)
{
	const struct sink_ctx *c = opaque;
	const struct ovk_format *fmt = ovk_output_format("vmdk", c->options, 0, err);
	struct ovk_sink_params params = {
		.fd = c->fd,
		.name = c->name,
		.size = size,
		.options = c->options,
		.fd_offset = c->off,
		.tap = c->hash ? tap : NULL,
		.tap_opaque = c->hash,
	};

	return fmt ? fmt->open_sink(&params, out, err) : -1;
}

/* ddb.adapterType for a disk's controller, as ovftool writes it. */
static const char *disk_options(const struct ovk_exp_disk *d)
{
	return d->bus == OVK_EXP_BUS_IDE ? "subformat=streamOptimized,adapter_type=ide"
					 : "subformat=streamOptimized,adapter_type=lsilogic";
}

static int convert_disk(struct pkg *p, struct ovk_exp_disk *d, struct member *m,
			struct ovk_error *err)
{
	struct ovk_convert_opts co = OVK_CONVERT_OPTS_INIT;
	struct ovk_convert_stats st = OVK_CONVERT_STATS_INIT;
	struct ovk_engine_job job = { .blob = d->blob, .open_sink = open_vmdk_sink };
	struct sink_ctx c = { .name = m->name, .options = disk_options(d) };
	struct stat sb;
	int ret = -1;

	d->blob = NULL;   /* the job takes it over */
	if (member_open(p, m, &c.fd, err) < 0 ||
	    (p->alg != OVK_HASH_NONE && ovk_hash_new(p->alg, &c.hash, err) < 0) ||
	    (!job.blob && ovk_blob_open_file(d->path, &job.blob, err) < 0))
		goto out;
	c.off = m->off;
	job.sink_opaque = &c;
	co.in_format = d->format;
	co.threads = p->opts->threads;
	co.no_sync = 1;
	co.cancel = p->opts->cancel;
	co.progress = p->opts->progress;
	co.progress_opaque = p->opts->progress_opaque;
	ret = ovk_engine_convert(&job, &co, &st, err);
	job.blob = NULL;
	if (ret < 0) {
		/* The engine names the input file; a domain's disk is named too. */
		if (err && !strstr(ovk_error_message(err), d->target))
			ovk_error_prefix(err, "%s", d->target);
		goto out;
	}
	ret = -1;
	if (fstat(c.fd, &sb) < 0 || (uint64_t)sb.st_size < m->off) {
		ovk_error_sys(err, errno ? errno : EIO, "%s: size", m->name);
		goto out;
	}
	m->size = (uint64_t)sb.st_size - m->off;
	d->file_size = m->size;
	d->populated = st.data_bytes;
	d->capacity = round_block(st.bytes_out);
	if ((c.hash && ovk_hash_final(c.hash, m->digest, err) < 0) || member_header(p, m, err) < 0)
		goto out;
	ret = 0;
out:
	ovk_blob_free(job.blob);
	ovk_hash_free(c.hash);
	return ret;
}

/* ---------------------------------------------------------------- layout */

/* Member names from the machine's name, kept to what every reader takes
 * (the OVA reader's own rule: [A-Za-z0-9._-]). */
static char *base_name(const char *name)
{
	char *b = strdup(name && *name ? name : "vm");

	for (char *c = b; c && *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
			*c = '_';
	if (b && b[0] == '.')
		b[0] = '_';
	return b;
}

/* Name every member: .ovf (0), .mf (1, when a manifest is made), the
 * disks, in ovftool's order; the .cert is added at the end. */
static int name_members(struct pkg *p, struct ovk_error *err)
{
	char *base = p->base = base_name(p->vm->name);
	unsigned k = 0;

	if (!base || strlen(base) > 64)
		return ovk_error_set(err, base ? ENAMETOOLONG : ENOMEM, "%s: name too long for "
				     "member names (64 bytes at most)", p->vm->name);
	if (!member_add(p, "%s.ovf", base, 0, err) ||
	    (p->alg != OVK_HASH_NONE && !member_add(p, "%s.mf", base, 0, err)))
		return -1;
	for (size_t i = 0; i < p->vm->n_disks; i++) {
		struct member *m;

		if (p->vm->disks[i].cdrom)
			continue;
		if (!(m = member_add(p, "%s-disk%u.vmdk", base, ++k, err)))
			return -1;
		free(p->vm->disks[i].file);
		if (!(p->vm->disks[i].file = strdup(m->name)))
			return ovk_error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

/* The manifest: one line per member before it, in order. */
static size_t manifest_len(const struct pkg *p)
{
	size_t len = 0;

	for (size_t i = 0; i < p->n; i++)
		if (i != 1)
			len += ovk_manifest_line_len(p->alg, p->m[i].name, ovk_hash_size(p->alg));
	return len;
}

/* Reserve the .ovf (at its widest) and the .mf at the front (OVA). */
static int reserve(struct pkg *p, struct ovk_error *err)
{
	char *ovf = NULL;
	size_t len;

	if (ovk_exp_ovf(p->map, p->vm, 1, &ovf, &len, err) < 0)
		return -1;
	free(ovf);
	p->m[0].size = len;
	p->m[0].off = OVK_TAR_BLOCK;
	p->pos = round_block(p->m[0].off + len);
	if (p->alg != OVK_HASH_NONE) {
		p->m[1].size = manifest_len(p);
		p->m[1].off = p->pos + OVK_TAR_BLOCK;
		p->pos = round_block(p->m[1].off + p->m[1].size);
	}
	return 0;
}

static int write_disks(struct pkg *p, struct ovk_error *err)
{
	size_t k = p->alg != OVK_HASH_NONE ? 2 : 1;

	for (size_t i = 0; i < p->vm->n_disks; i++) {
		struct member *m = &p->m[k];

		if (p->vm->disks[i].cdrom)
			continue;
		m->off = p->pos + OVK_TAR_BLOCK;
		if (cancelled(p, err) < 0 || convert_disk(p, &p->vm->disks[i], m, err) < 0)
			return -1;
		p->pos = round_block(m->off + m->size);
		k++;
	}
	return 0;
}

/* The real .ovf, padded with blanks to its reserved length (OVA). */
static int write_ovf(struct pkg *p, struct ovk_error *err)
{
	char *ovf = NULL, *padded = NULL;
	size_t len;
	int ret = -1;

	if (ovk_exp_ovf(p->map, p->vm, 0, &ovf, &len, err) < 0)
		goto out;
	if (!p->opts->dir) {
		if (len > p->m[0].size) {
			ovk_error_set(err, EOVERFLOW, "%s: %zu bytes, more than the %" PRIu64
				      " reserved", p->m[0].name, len, p->m[0].size);
			goto out;
		}
		if (!(padded = malloc(p->m[0].size))) {
			ovk_error_set(err, ENOMEM, "out of memory");
			goto out;
		}
		memcpy(padded, ovf, len);
		memset(padded + len, ' ', p->m[0].size - len);
		padded[p->m[0].size - 1] = '\n';
		len = p->m[0].size;
	}
	ret = member_put(p, &p->m[0], padded ? padded : ovf, len, err);
out:
	free(padded);
	free(ovf);
	return ret;
}

static int write_manifest(struct pkg *p, char **mf, size_t *mf_len, struct ovk_error *err)
{
	size_t len, at = 0;

	*mf = NULL;
	if (p->alg == OVK_HASH_NONE)
		return 0;
	len = manifest_len(p);
	if (!(*mf = malloc(len + 1)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < p->n; i++) {
		if (i == 1)
			continue;
		ovk_manifest_format_line(p->alg, p->m[i].name, p->m[i].digest,
					 ovk_hash_size(p->alg), *mf + at);
		at += strlen(*mf + at);
	}
	*mf_len = at;
	return member_put(p, &p->m[1], *mf, at, err);
}

static int write_cert(struct pkg *p, const char *mf, size_t mf_len, struct ovk_error *err)
{
	struct member *m;
	char *cert = NULL;
	size_t len;
	int ret = -1;

	if (!p->opts->sign_key)
		return 0;
	if (!mf)
		return ovk_error_set(err, EINVAL, "--sign: a signature is over the manifest, and "
				     "there is none (--manifest none)");
	if (ovk_cert_sign((const uint8_t *)mf, mf_len, p->m[1].name, p->alg, p->opts->sign_key,
			  p->opts->sign_cert, &cert, &len, err) < 0)
		goto out;
	if (!(m = member_add(p, "%s.cert", p->base, 0, err)))
		goto out;
	m->off = p->pos + OVK_TAR_BLOCK;
	p->pos = round_block(m->off + len);
	ret = member_put(p, m, cert, len, err);
out:
	free(cert);
	return ret;
}


/* ------------------------------------------------------------ commit */

/* The end of the archive (two zero blocks), synced, linked into place. */
static int commit_ova(struct pkg *p, const char *output, struct ovk_error *err)
{
	if (ftruncate(p->ova.fd, (off_t)(p->pos + 2 * OVK_TAR_BLOCK)) < 0)
		return ovk_error_sys(err, errno, "%s: cannot set the size", output);
	if (!p->opts->no_sync && fsync(p->ova.fd) < 0)
		return ovk_error_sys(err, errno, "%s: fsync", output);
	return ovk_output_commit(&p->ova, p->opts->force, err);
}

/* Every member's file linked into the new directory; on failure the ones
 * already linked are removed again (by pkg_free). */
static int commit_dir(struct pkg *p, struct ovk_error *err)
{
	for (size_t i = 0; i < p->n; i++) {
		if (!p->opts->no_sync && fsync(p->m[i].out.fd) < 0)
			return ovk_error_sys(err, errno, "%s: fsync", p->m[i].name);
		if (!(p->m[i].linked = strdup(p->m[i].out.path)))
			return ovk_error_set(err, ENOMEM, "out of memory");
		if (ovk_output_commit(&p->m[i].out, 0, err) < 0) {
			free(p->m[i].linked);
			p->m[i].linked = NULL;
			return -1;
		}
	}
	free(p->dir);
	p->dir = NULL;             /* kept */
	return 0;
}

static int open_target(struct pkg *p, const char *output, struct ovk_error *err)
{
	if (!p->opts->dir)
		return ovk_output_check(output, p->opts->force, 0, "--overwrite", err) < 0
			       ? -1 : ovk_output_open(output, p->opts->force, 0, &p->ova, err);
	if (mkdir(output, 0755) < 0)
		return ovk_error_sys(err, errno, "%s: cannot make the directory", output);
	if (!(p->dir = strdup(output))) {
		rmdir(output);
		return ovk_error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

static void pkg_free(struct pkg *p)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->dir && p->m[i].linked)
			unlink(p->m[i].linked);
		ovk_output_discard(&p->m[i].out);
		free(p->m[i].linked);
		free(p->m[i].name);
	}
	if (p->dir)
		rmdir(p->dir);
	ovk_output_discard(&p->ova);
	ovk_exp_map_free(p->map);
	free(p->dir);
	free(p->base);
}

static void summary(const struct pkg *p, const char *output, struct ovk_info *info)
{
	char hex[2 * OVK_HASH_MAX_DIGEST + 1];

	ovk_info_str(info, "output", output);
	ovk_info_str(info, "kind", p->opts->dir ? "ovf-directory" : "ova");
	ovk_info_str(info, "manifest", p->alg != OVK_HASH_NONE ? ovk_hash_name(p->alg) : "none");
	ovk_info_begin_list(info, "files");
	for (size_t i = 0; i < p->n; i++) {
		ovk_info_begin_object(info, NULL);
		ovk_info_str(info, "name", p->m[i].name);
		ovk_info_u64(info, "size", p->m[i].size);
		if (p->alg != OVK_HASH_NONE && i != 1) {
			ovk_hex(p->m[i].digest, ovk_hash_size(p->alg), hex);
			ovk_info_str(info, "digest", hex);
		}
		ovk_info_end(info);
	}
	ovk_info_end(info);
	ovk_exp_map_info(p->map, info);
}

int ovk_exp_write(struct ovk_exp_vm *vm, const char *output, const struct ovk_exp_opts *opts,
		  struct ovk_info *info, struct ovk_error *err)
{
	struct pkg p = { .opts = opts, .vm = vm, .alg = opts->manifest_alg,
			 .ova = { .fd = -1 }, .mtime = (uint64_t)time(NULL) };
	char *mf = NULL;
	size_t mf_len = 0;
	int ret = -1;

	if (vm->n_disks > PKG_MAX_DISKS) {
		ovk_error_set(err, E2BIG, "%zu disks: at most %d are exported", vm->n_disks,
			      PKG_MAX_DISKS);
		goto out;
	}
	if (ovk_exp_map_new(vm, opts, &p.map, err) < 0 || name_members(&p, err) < 0)
		goto out;
	ovk_exp_map_notes(p.map, opts);
	if (open_target(&p, output, err) < 0 || (!opts->dir && reserve(&p, err) < 0) ||
	    write_disks(&p, err) < 0 || cancelled(&p, err) < 0 || write_ovf(&p, err) < 0 ||
	    write_manifest(&p, &mf, &mf_len, err) < 0 || write_cert(&p, mf, mf_len, err) < 0 ||
	    cancelled(&p, err) < 0)
		goto out;
	if ((opts->dir ? commit_dir(&p, err) : commit_ova(&p, output, err)) < 0)
		goto out;
	if (info)
		summary(&p, output, info);
	ret = 0;
out:
	free(mf);
	pkg_free(&p);
	return ret;
}

void ovk_exp_vm_free(struct ovk_exp_vm *vm)
{
	if (!vm)
		return;
	for (size_t i = 0; i < vm->n_disks; i++) {
		free(vm->disks[i].target);
		free(vm->disks[i].path);
		ovk_blob_free(vm->disks[i].blob);
		free(vm->disks[i].format);
		free(vm->disks[i].file);
	}
	for (size_t i = 0; i < vm->n_nics; i++) {
		free(vm->nics[i].model);
		free(vm->nics[i].mac);
		free(vm->nics[i].network);
	}
	free(vm->disks);
	free(vm->nics);
	free(vm->name);
	free(vm->description);
	free(vm->os);
	free(vm);
}

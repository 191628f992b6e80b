/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kmod.c: kernel module names (see initramfs.h): from paths of module
 * files (an initramfs listing, a walk of /lib/modules/<version>/kernel) and
 * from modules.builtin, as sets the boot choice can ask.
 *
 * A module's name is its file's name without ".ko" and a compression
 * suffix, with '-' made '_' as the kernel does (modprobe treats
 * "virtio-scsi" and "virtio_scsi" alike).  Sets are sorted arrays,
 * searched by bisection, of at most OVK_KMOD_MAX_NAMES names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/initramfs.h"

/* Suffixes of module files: plain, and as kmod's compressions write them. */
static const char *const kmod_suffixes[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };

int ovk_kmod_name(const char *path, char *out, size_t cap)
{
	const char *base = strrchr(path, '/');
	size_t blen;

	base = base ? base + 1 : path;
	blen = strlen(base);
	for (size_t i = 0; i < sizeof kmod_suffixes / sizeof kmod_suffixes[0]; i++) {
		size_t slen = strlen(kmod_suffixes[i]);

		if (blen > slen && strcmp(base + blen - slen, kmod_suffixes[i]) == 0 &&
		    blen - slen < cap) {
			for (size_t k = 0; k < blen - slen; k++)
				out[k] = base[k] == '-' ? '_' : base[k];
			out[blen - slen] = '\0';
			return 1;
		}
	}
	return 0;
}

static int kmod_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A growing set; sorted and deduplicated by kmod_finish. */
struct kmod_build {
	struct ovk_kmod_set *set;
	size_t cap;
};

int ovk_names_push(char ***v, size_t *n, size_t *cap, size_t max, const char *s,
		   struct ovk_error *err)
{
	if (*n >= max)
		return ovk_error_set(err, E2BIG, "more than %zu names", max);
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 256;
		char **p = realloc(*v, c * sizeof *p);

		if (!p)
			return ovk_error_set(err, ENOMEM, "out of memory");
		*v = p;
		*cap = c;
	}
	if (!((*v)[*n] = strdup(s)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	(*n)++;
	return 0;
}

static int kmod_add(struct kmod_build *b, const char *name, struct ovk_error *err)
{
	return ovk_names_push(&b->set->names, &b->set->n, &b->cap, OVK_KMOD_MAX_NAMES, name, err);
}

static int kmod_begin(struct kmod_build *b, struct ovk_error *err)
{
	b->cap = 0;
	if (!(b->set = calloc(1, sizeof *b->set)))
		return ovk_error_set(err, ENOMEM, "out of memory");
	return 0;
}

static void kmod_finish(struct kmod_build *b, struct ovk_kmod_set **out)
{
	struct ovk_kmod_set *set = b->set;
	size_t w = 0;

	if (set->n)
		qsort(set->names, set->n, sizeof *set->names, kmod_cmp);
	for (size_t i = 0; i < set->n; i++) {
		if (w > 0 && strcmp(set->names[w - 1], set->names[i]) == 0)
			free(set->names[i]);
		else
			set->names[w++] = set->names[i];
	}
	set->n = w;
	*out = set;
	b->set = NULL;
}

/* Whether path lies under a "modules" directory (lib/modules/<version>/...). */
static int kmod_under_modules(const char *path)
{
	return strncmp(path, "modules/", 8) == 0 || strstr(path, "/modules/") != NULL;
}

int ovk_kmod_from_paths(char *const *paths, size_t n, struct ovk_kmod_set **out,
			struct ovk_error *err)
{
	struct kmod_build b;
	char name[GFS_MAX_NAME + 1];
	int ret = -1;

	*out = NULL;
	if (kmod_begin(&b, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (kmod_under_modules(paths[i]) && ovk_kmod_name(paths[i], name, sizeof name) &&
		    kmod_add(&b, name, err) < 0)
			goto out;
	kmod_finish(&b, out);
	ret = 0;
out:
	ovk_kmod_set_free(b.set);
	return ret;
}

int ovk_kmod_has(const struct ovk_kmod_set *set, const char *name)
{
	char key[GFS_MAX_NAME + 1];
	const char *kp = key;
	size_t len = strlen(name);

	if (!set || len > GFS_MAX_NAME)
		return 0;
	for (size_t i = 0; i <= len; i++)
		key[i] = name[i] == '-' ? '_' : name[i];
	return set->n && bsearch(&kp, set->names, set->n, sizeof *set->names, kmod_cmp) != NULL;
}

int ovk_initramfs_has_modules(const struct ovk_initramfs *ir, const char *const *names,
			      size_t n, int *found, struct ovk_error *err)
{
	struct ovk_kmod_set *set;

	if (ovk_kmod_from_paths(ir->paths, ir->n, &set, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		found[i] = ovk_kmod_has(set, names[i]);
	ovk_kmod_set_free(set);
	return 0;
}

/* "/lib/modules/<version>" + rest into buf; -1 for a version that is no
 * single name. */
static int kmod_path(char *buf, size_t cap, const char *version, const char *rest,
		     struct ovk_error *err)
{
	if (!version[0] || strchr(version, '/') || strcmp(version, ".") == 0 ||
	    strcmp(version, "..") == 0 || strlen(version) > GFS_MAX_NAME)
		return ovk_error_set(err, EINVAL, "\"%.64s\": not a kernel version", version);
	snprintf(buf, cap, "/lib/modules/%s%s", version, rest);
	return 0;
}

int ovk_kmod_builtin(struct ovk_gfs *fs, const char *version, struct ovk_kmod_set **out,
		     struct ovk_error *err)
{
	char path[GFS_MAX_NAME + 64], name[GFS_MAX_NAME + 1], *text = NULL, *line, *next;
	struct kmod_build b = { 0 };
	size_t len;
	int ret = -1;

	*out = NULL;
	if (kmod_path(path, sizeof path, version, "/modules.builtin", err) < 0 ||
	    kmod_begin(&b, err) < 0 ||
	    ovk_gfs_read_file(fs, path, OVK_KMOD_MAX_BUILTIN, &text, &len, err) < 0)
		goto out;
	for (line = text; line < text + len; line = next) {
		char *nl = memchr(line, '\n', (size_t)(text + len - line));

		next = nl ? nl + 1 : text + len;
		if (nl)
			*nl = '\0';
		if (strlen(line) <= GFS_MAX_PATH && ovk_kmod_name(line, name, sizeof name) &&
		    kmod_add(&b, name, err) < 0) {
			ovk_error_prefix(err, "%s", path);
			goto out;
		}
	}
	kmod_finish(&b, out);
	ret = 0;
out:
	free(text);
	ovk_kmod_set_free(b.set);
	return ret;
}

/* The walk of /lib/modules/<version>/kernel: a path buffer extended and
 * cut back per directory. */
struct kmod_walk {
	struct ovk_gfs *fs;
	struct kmod_build *b;
	char path[GFS_MAX_PATH + 1];
	size_t len;
	unsigned depth;
	struct ovk_error *err;
};

static int kmod_dir(struct kmod_walk *w);

static int kmod_entry(void *opaque, const char *name, enum ovk_gfs_type type)
{
	struct kmod_walk *w = opaque;
	char mod[GFS_MAX_NAME + 1];
	size_t len = w->len, nlen = strlen(name);
	int r;

	if (type == OVK_GFS_REG)
		return ovk_kmod_name(name, mod, sizeof mod) && kmod_add(w->b, mod, w->err) < 0 ?
		       -1 : 0;
	if (type != OVK_GFS_DIR)
		return 0;              /* links are not followed: no loops */
	if (w->depth >= OVK_KMOD_MAX_DEPTH || len + 1 + nlen > GFS_MAX_PATH) {
		ovk_error_set(w->err, ELOOP, "%s/%s: deeper than %d directories", w->path, name,
			      OVK_KMOD_MAX_DEPTH);
		return -1;
	}
	w->path[len] = '/';
	memcpy(w->path + len + 1, name, nlen + 1);
	w->len = len + 1 + nlen;
	w->depth++;
	r = kmod_dir(w);
	w->depth--;
	w->len = len;
	w->path[len] = '\0';
	return r < 0 ? -1 : 0;
}

static int kmod_dir(struct kmod_walk *w)
{
	struct ovk_gfs_file dir;
	struct ovk_error e;

	if (w->fs->ops->lookup(w->fs, w->path, &dir, w->err) < 0)
		return -1;
	if (dir.type != OVK_GFS_DIR)
		return 0;
	if (w->fs->ops->readdir(w->fs, &dir, kmod_entry, w, &e) < 0) {
		/* kmod_entry's own error is in w->err; the file system's in e */
		if (e.errnum != ECANCELED)
			*w->err = e;
		return -1;
	}
	return 0;
}

int ovk_kmod_installed_in(struct ovk_gfs *fs, const char *dir, struct ovk_kmod_set **out,
			  struct ovk_error *err)
{
	struct kmod_build b = { 0 };
	struct kmod_walk *w = calloc(1, sizeof *w);
	int ret = -1;

	*out = NULL;
	if (!w) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (strlen(dir) > GFS_MAX_PATH) {
		ovk_error_set(err, ENAMETOOLONG, "%.64s...: too long a path", dir);
		goto out;
	}
	if (kmod_begin(&b, err) < 0)
		goto out;
	snprintf(w->path, sizeof w->path, "%s", dir);
	w->fs = fs;
	w->b = &b;
	w->len = strlen(w->path);
	w->err = err;
	if (kmod_dir(w) < 0)
		goto out;
	kmod_finish(&b, out);
	ret = 0;
out:
	free(w);
	ovk_kmod_set_free(b.set);
	return ret;
}

int ovk_kmod_installed(struct ovk_gfs *fs, const char *version, struct ovk_kmod_set **out,
		       struct ovk_error *err)
{
	char dir[GFS_MAX_NAME + 64];

	*out = NULL;
	if (kmod_path(dir, sizeof dir, version, "/kernel", err) < 0)
		return -1;
	return ovk_kmod_installed_in(fs, dir, out, err);
}

void ovk_kmod_set_free(struct ovk_kmod_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		free(set->names[i]);
	free(set->names);
	free(set);
}

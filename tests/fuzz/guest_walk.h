/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * guest_walk.h: what the guest fuzz targets (fuzz_part, fuzz_lvm, fuzz_xfs,
 * fuzz_fat) and the bad-input tests of test_guest_parse.c do with a disk:
 * a gdisk over bytes in memory (zeros past them up to a declared size, so
 * a small seed can stand for a large volume), and a walk of everything
 * reachable (partitions, LVs, every file and directory), bounded so that a
 * hostile image ends quickly.  Header-only.
 */
#ifndef OVK_FUZZ_GUEST_WALK_H
#define OVK_FUZZ_GUEST_WALK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "guest/gdisk.h"
#include "guest/gfs.h"
#include "guest/lvm.h"
#include "guest/part.h"

/* Files and directories visited, bytes read per file, and depth: enough
 * to reach every structure of a seed, small enough for a fuzzer's pace. */
#define WALK_MAX_FILES 2000
#define WALK_MAX_READ ((size_t)1 << 20)
#define WALK_MAX_DEPTH 8

struct mem_disk {
	const uint8_t *data;
	size_t len;
};

static int mem_read(void *opaque, uint64_t off, void *buf, size_t len, struct ovk_error *err)
{
	const struct mem_disk *m = opaque;

	(void)err;
	memset(buf, 0, len);
	if (off < m->len)
		memcpy(buf, m->data + off, len < m->len - off ? len : (size_t)(m->len - off));
	return 0;
}

static void mem_close(void *opaque)
{
	free(opaque);
}

/* A disk of `size` bytes (at least len) over data: NULL on failure. */
static struct ovk_gdisk *walk_mem_disk(const char *name, const uint8_t *data, size_t len,
				       uint64_t size) __attribute__((unused));
static struct ovk_gdisk *walk_mem_disk(const char *name, const uint8_t *data, size_t len,
				       uint64_t size)
{
	struct mem_disk *m = malloc(sizeof *m);
	struct ovk_gdisk *d = NULL;
	struct ovk_error err;

	if (!m)
		return NULL;
	m->data = data;
	m->len = len;
	if (ovk_gdisk_new(name, size < len ? len : size, mem_read, m, mem_close, &d, &err) < 0)
		free(m);
	return d;
}

struct walk_state {
	struct ovk_gfs *fs;
	int max_files;             /* 0: WALK_MAX_FILES */
	int files;
	int depth;
	char path[GFS_MAX_PATH + 1];
	int errors;                /* failures met (each a one-line message) */
	char last_error[OVK_ERROR_MAX];
};

static void walk_note(struct walk_state *w, const struct ovk_error *err)
{
	w->errors++;
	snprintf(w->last_error, sizeof w->last_error, "%s", err->msg);
}

static void walk_path(struct walk_state *w);

static int walk_entry(void *opaque, const char *name, enum ovk_gfs_type type)
{
	struct walk_state *w = opaque;
	size_t len = strlen(w->path);

	(void)type;
	if (w->files >= (w->max_files ? w->max_files : WALK_MAX_FILES))
		return 1;
	if (len + 1 + strlen(name) > GFS_MAX_PATH)
		return 0;
	snprintf(w->path + len, sizeof w->path - len, "%s%s", len > 1 ? "/" : "", name);
	walk_path(w);
	w->path[len] = '\0';
	return 0;
}

/* Look w->path up; read it whole (a file) or list it (a directory). */
static void walk_path(struct walk_state *w)
{
	struct ovk_gfs_file f;
	struct ovk_error err;
	char *buf = NULL;
	size_t len;

	w->files++;
	if (w->fs->ops->lookup(w->fs, w->path, &f, &err) < 0) {
		walk_note(w, &err);
		return;
	}
	if (f.type == OVK_GFS_REG) {
		if (ovk_gfs_read_file(w->fs, w->path, WALK_MAX_READ, &buf, &len, &err) < 0)
			walk_note(w, &err);
		free(buf);
		return;
	}
	if (f.type != OVK_GFS_DIR || w->depth >= WALK_MAX_DEPTH)
		return;
	w->depth++;
	if (w->fs->ops->readdir(w->fs, &f, walk_entry, w, &err) < 0)
		walk_note(w, &err);
	w->depth--;
}

/* Open a file system on disk, if one is there, and walk it. */
static void walk_volume(struct ovk_gdisk *disk, struct walk_state *w)
{
	struct ovk_error err;

	w->fs = NULL;
	if (ovk_gfs_open(disk, &w->fs, &err) < 0) {
		walk_note(w, &err);
		return;
	}
	if (!w->fs)
		return;
	snprintf(w->path, sizeof w->path, "/");
	w->files = 0;
	w->depth = 0;
	walk_path(w);
	ovk_gfs_close(w->fs);
	w->fs = NULL;
}

/* Partitions, their volumes, and the LVs over all of them. */
static void walk_disk(struct ovk_gdisk *disk, struct walk_state *w) __attribute__((unused));
static void walk_disk(struct ovk_gdisk *disk, struct walk_state *w)
{
	struct ovk_part_table *t = NULL;
	struct ovk_gdisk *devs[130];
	struct ovk_lvm *lvm = NULL;
	struct ovk_error err;
	size_t n = 0;

	if (ovk_part_list(disk, &t, &err) < 0) {
		walk_note(w, &err);
		return;
	}
	devs[n++] = disk;
	for (size_t i = 0; i < t->n && n < sizeof devs / sizeof devs[0]; i++) {
		devs[n++] = t->parts[i].disk;
		walk_volume(t->parts[i].disk, w);
	}
	if (t->n == 0)
		walk_volume(disk, w);
	if (ovk_lvm_scan(devs, n, &lvm, &err) < 0) {
		walk_note(w, &err);
	} else {
		for (size_t v = 0; v < lvm->n_vg; v++)
			for (size_t l = 0; l < lvm->vg[v].n_lv; l++)
				if (lvm->vg[v].lv[l].disk)
					walk_volume(lvm->vg[v].lv[l].disk, w);
		ovk_lvm_free(lvm);
	}
	ovk_part_table_free(t);
}

/* A failure must be a message of one line: abort (a finding) otherwise. */
static void walk_one_line(const char *msg) __attribute__((unused));
static void walk_one_line(const char *msg)
{
	if (!msg[0] || strchr(msg, '\n'))
		abort();
}

/* The fuzz targets of one file system: data as the head of a volume of
 * `size` bytes, opened and walked. */
static void walk_fuzz_volume(const uint8_t *data, size_t len, uint64_t size)
	__attribute__((unused));
static void walk_fuzz_volume(const uint8_t *data, size_t len, uint64_t size)
{
	struct ovk_gdisk *disk = walk_mem_disk("fuzz", data, len, size);
	struct walk_state w = { 0 };

	if (!disk)
		return;
	walk_volume(disk, &w);
	if (w.errors)
		walk_one_line(w.last_error);
	ovk_gdisk_free(disk);
}

#endif
